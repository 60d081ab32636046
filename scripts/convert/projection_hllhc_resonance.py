"""Write projections/hllhc_atlas_dilepton_<L>/ and projections/hllhc_atlas_ditau_<L>/ : HL-LHC 300 and 3000 fb^-1
projections of the ATLAS dilepton (139 fb^-1) and ditau (36.1 fb^-1) resonance limits. Run:
``python scripts/convert/projection_hllhc_resonance.py``.

Scaling: sigma_lim(L) = sigma_lim(L0) sqrt(L0 / L), the background-dominated law. Paper 002 sec. 4 defines its
HL-LHC dimuon (and ditau) sensitivity by the local significance S/sqrt(B) of its eq. 4.4 and widens the mass window
at high mass (3-6 TeV) "to ensure enough background events", i.e. it treats every mass as background dominated,
where a fixed significance needs S proportional to sqrt(B), so sigma_lim proportional to 1/sqrt(L). The
background-free law (sigma_lim proportional to 1/L, a fixed ~3 signal events) would hold only where the window keeps
less than about one background event at the projected luminosity; we do not have the backgrounds per mass to find
that region, and 1/sqrt(L) is the conservative choice of the two there (a smaller gain). Same analysis, 13 TeV signal
tables (no 14 TeV rescaling) and published widths, as the mono-X projections (scripts/convert/projection_hllhc_monox.py).

Which curve is scaled: the *expected* limit where the project has one (the dimuon and dielectron HiggsBounds-5
"pred" tables of arXiv:1903.06248, 250-3000 GeV, ../shared/reference); the *observed* one otherwise (the combined ll
HEPData table, 250-6000 GeV, and the ditau curve, whose observed/expected status is not stated: see the current
datasets' SOURCES.md), read from the project's own likelihoods/ folders.
"""

from __future__ import annotations

import sys

import numpy as np

from globalfit.catalogue import Catalogue
from globalfit.datatools import shared_reference, write_dataset

# the sibling converter of the current dilepton dataset reads the HiggsBounds tables (its folder is on sys.path when
# this file runs as a script)
from lhc_atlas_dilepton_2019 import higgsbounds_table  # noqa: E402

LUMIS_FB = (300, 3000)
#: (projection stem, current dataset, luminosity of the current search [fb^-1])
SEARCHES = (("hllhc_atlas_dilepton", "lhc_atlas_dilepton_2019", 139.0), ("hllhc_atlas_ditau", "lhc_atlas_ditau_2017", 36.1))


def luminosity_factor(lumi_now_fb: float, lumi_fb: float) -> float:
    """sigma_lim(L) / sigma_lim(L0) = sqrt(L0 / L) (background-dominated; module docstring)."""
    return float(np.sqrt(lumi_now_fb / lumi_fb))


def scaled(table, factor: float):
    """A copy of a limit table (mass_GeV, width_ratio, sigma_B_limit_fb) with the limits times ``factor``."""
    out = table.copy()
    out["sigma_B_limit_fb"] = factor * out["sigma_B_limit_fb"]
    return out


def project(entry, lumi_now_fb: float, lumi_fb: float) -> tuple[dict, dict, str]:
    """(spec, files, which curves) of the projection of a current resonance_limit dataset to ``lumi_fb``."""
    f = luminosity_factor(lumi_now_fb, lumi_fb)
    files = {"limit.csv": scaled(entry.read_csv("limit.csv"), f), "signal_table.csv": entry.read_csv("signal_table.csv")}
    spec = {k: v for k, v in entry.spec.items() if k not in ("files", "published")}
    curves = f"limit.csv: the observed limit of {entry.id} x {f:.4g}"
    if spec.get("channel_limits"):
        ref = shared_reference() / "lhc" / "atlas_1903_06248_dilepton_139" / "higgsbounds5_tables"
        if not ref.is_dir():
            sys.exit(f"reference material not found at {ref}; set GLOBALFIT_SHARED")
        for ch, item in spec["channel_limits"].items():
            expected = higgsbounds_table(ref / f"190306248_ATLAS_H-{ch}_139fb-1_pred.txt")
            files[item["file"]] = scaled(expected, f)
            curves += f"; {item['file']}: the expected {ch} limit (HiggsBounds-5 {ch} 'pred' table) x {f:.4g}"
    spec["description"] = (f"PROJECTION HL-LHC {lumi_fb}/fb of {entry.id}: limits x sqrt({lumi_now_fb:g}/{lumi_fb}) "
                           "(background dominated, paper 002 sec. 4)")
    spec["citation"] = (f"projection of {entry.citation}; luminosity scaling of paper 002 (Han, Liao, Liu, Marfatia) "
                        "sec. 4, eq. 4.4")
    return spec, files, curves


def main() -> None:
    cat = Catalogue()
    for stem, current, lumi_now in SEARCHES:
        entry = cat.get(current)
        for lumi in LUMIS_FB:
            spec, files, curves = project(entry, lumi_now, lumi)
            pid = f"{stem}_{lumi}"
            write_dataset(
                "projections", pid, spec, files,
                f"# {pid}\n\nPROJECTION (not data): {current} ({lumi_now:g}/fb) scaled to {lumi}/fb at 13 TeV with the same\n"
                f"analysis: every limit times sqrt({lumi_now:g}/{lumi}) = {luminosity_factor(lumi_now, lumi):.4g}.\n\n"
                "Why 1/sqrt(L): paper 002 section 4 defines its HL-LHC sensitivity by S/sqrt(B) (its eq. 4.4) and widens\n"
                "the mass window at high mass to keep enough background events, i.e. it treats every mass as background\n"
                "dominated. The background-free law (1/L) would apply only where the window holds less than about one\n"
                "background event at the projected luminosity; the backgrounds per mass are not available to locate\n"
                "that region, and 1/sqrt(L) is the conservative of the two laws there.\n\n"
                f"Curves: {curves}. The expected limits are used where the project has them (the HiggsBounds-5\n"
                "dimuon/dielectron 'pred' tables, ../shared/reference/lhc/atlas_1903_06248_dilepton_139, 250-3000 GeV);\n"
                "the combined ll table and the ditau curve exist only as observed (or unstated) limits, so their\n"
                "fluctuations are carried into the projection. Signal tables: those of the current dataset (13 TeV LO;\n"
                "no 14 TeV rescaling). Below 250 GeV (dilepton) / 200 GeV (ditau) there is no projection: paper 002's\n"
                "own HL-LHC analysis down to 10 GeV (20 GeV ditau) is a simulation we do not have.\n\n"
                "Converted from the project's likelihoods/" + current + "/ by `scripts/convert/projection_hllhc_resonance.py`.\n",
            )


if __name__ == "__main__":
    main()
