"""Write likelihoods/lhc_atlas_dilepton_2019/ : ATLAS high-mass dilepton search, 139/fb (arXiv:1903.06248), observed
95 % CL limits on the fiducial sigma x B(Z' -> l l) vs pole mass for Gamma/m = 0 ... 10 % (combined ee + mumu; HEPData
ins1725190 table 4, values in fb), plus the project's narrow-width signal table (scripts/build_signal_tables.py).

Run: python scripts/convert/lhc_atlas_dilepton_2019.py
"""

from __future__ import annotations

import sys

import pandas as pd

from globalfit.datatools import lhc_inputs, write_dataset
from globalfit.errors import DataError



def higgsbounds_table(path) -> pd.DataFrame:
    """A HiggsBounds-5 'type 2' table (first row -100 then Gamma/m in percent; then mass and one limit per width) in
    the project's long format: mass_GeV, width_ratio, sigma_B_limit_fb."""
    raw = pd.read_csv(path, sep=r"\s+", header=None)
    widths = raw.iloc[0, 1:].astype(float).to_numpy() / 100.0
    body = raw.iloc[1:].astype(float)
    rows = [(m, w, v) for m, *vals in body.itertuples(index=False) for w, v in zip(widths, vals)]
    return pd.DataFrame(rows, columns=["mass_GeV", "width_ratio", "sigma_B_limit_fb"]).sort_values(
        ["width_ratio", "mass_GeV"]).reset_index(drop=True)


def main() -> None:
    ref, signal = lhc_inputs("atlas_1903_06248_dilepton_139", "zprime_narrow_resonance.csv")
    raw = pd.read_csv(ref / "atlas_1903_06248_ll_observed_fiducial_limit.csv", comment="#")
    widths = {"width_0p0pct_fb": 0.0, "width_0p5pct_fb": 0.005, "width_1p2pct_fb": 0.012, "width_3p0pct_fb": 0.03,
              "width_6p0pct_fb": 0.06, "width_10p0pct_fb": 0.10}
    long = raw.melt(id_vars="mass_GeV", value_vars=list(widths), var_name="col", value_name="sigma_B_limit_fb")
    long["width_ratio"] = long["col"].map(widths)
    limit = long[["mass_GeV", "width_ratio", "sigma_B_limit_fb"]].sort_values(["width_ratio", "mass_GeV"])
    singles = {f"limit_{ch}.csv": higgsbounds_table(ref / "higgsbounds5_tables" / f"190306248_ATLAS_H-{ch}_139fb-1_obs.txt")
               for ch in ("mumu", "ee")}
    write_dataset(
        "likelihoods", "lhc_atlas_dilepton_2019",
        {"kind": "resonance_limit",
         "description": "ATLAS dilepton resonances 139/fb: fiducial sigma x B(ll) limits vs mass and Gamma/M (u1 mode)",
         "citation": "ATLAS collaboration, Phys. Lett. B 796 (2019) 68, arXiv:1903.06248; HEPData ins1725190",
         "confidence_level": 0.95, "q_cl": 3.84, "channel": "ll",
         "fiducial": "both leptons pT > 30 GeV, |eta| < 2.5 (paper 002 eq. 4.3)",
         "channel_limits": {"mumu": {"file": "limit_mumu.csv", "fiducial": False},
                            "ee": {"file": "limit_ee.csv", "fiducial": False}}},
        {"limit.csv": limit, "signal_table.csv": signal, **singles},
        "# lhc_atlas_dilepton_2019\n\nATLAS search for high-mass dilepton resonances with 139/fb at 13 TeV (arXiv:1903.06248,\n"
        "HEPData ins1725190, table 4: observed 95 % CL limits on the fiducial cross section times branching ratio to one\n"
        "lepton flavour, combined ee + mumu, for Gamma/m = 0, 0.5, 1.2, 3, 6, 10 %; values in fb although the HEPData v1\n"
        "header says pb, see the reference SOURCES.md), reshaped to long format by scripts/convert/lhc_atlas_dilepton_2019.py.\n"
        "`signal_table.csv`: the project's LO narrow-width sigma(pp -> Z') at unit quark coupling and the fiducial\n"
        "acceptance for pT > 30 GeV, |eta| < 2.5 (scripts/build_signal_tables.py). The combination assumes lepton\n"
        "universality; for a Z' with different, nonzero e and mu couplings the component compares the flavour-averaged\n"
        "sigma x B (an approximation).\n\n"
        "`limit_mumu.csv`, `limit_ee.csv`: the observed single-channel limits of the same analysis (Gamma/m = 0, 2.5, 5,\n"
        "7.5, 10 %; 250-3000 GeV in 5 GeV steps; fb) as re-gridded and distributed with HiggsBounds-5.10.1\n"
        "(`Expt_tables/ATLtables/ATLtables2/190306248_ATLAS_H-{mumu,ee}_139fb-1_obs.txt`, ids 1903062481/2), which applies\n"
        "them to the total sigma x B, so they are used without the fiducial acceptance. A *secondary* source (see the\n"
        "reference SOURCES.md): the official HEPData ee/mumu tables were not available. They are used for models without\n"
        "an electron (muon) coupling, e.g. B-3Lmu with the dimuon limit as in paper 002 sec. 4 (which took it from the\n"
        "ATLAS auxiliary figure 2c). Above 3 TeV such models get no dilepton constraint from this dataset.\n",
    )


if __name__ == "__main__":
    try:
        main()
    except DataError as exc:  # missing inputs: one line, no traceback
        sys.exit(str(exc))
