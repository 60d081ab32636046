"""Build the LHC signal tables the project ships (fits interpolate them and never integrate PDFs at run time).

For each mono-X analysis: sigma(pp -> Z'* X -> nu nubar X, pT_miss > T) at LO (X = jet or photon) for every inclusive
threshold T, on a grid of M_Z' and Gamma/M, at unit couplings g_q = g_nu = 1 to one quark flavour at a time (vector
coupling to d, u, s, c or b; one left-handed neutrino flavour), and the interference with the SM Z per unit g_q g_nu.
Rates scale as (g_q g_nu)^2 (interference: g_q g_nu) at fixed width, and flavours add. The Gamma/M grid serves the
u1 mode, where the width follows from g' and the charges, and any fixed Gamma/M of the
simplified mode. Uses the NNPDF2.3 LO grid of ../shared/reference/pdf (input only, not shipped) and runs the (mass,
width) points in parallel through globalfit's executor.

Also: sigma(pp -> Z') in the narrow-width approximation at unit vector coupling to d, u, s, c, b and the dilepton
fiducial acceptance (pT > 30 GeV, |eta| < 2.5) for the resonance searches.

Run: python scripts/build_signal_tables.py   (about 25 minutes on 2 cores)
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd

from globalfit.datatools import REPO_ROOT, shared_reference

MASSES_GEV = np.geomspace(50.0, 1.0e5, 18)
#: Gamma/M grid: narrow (the table times Gamma/M is flat below 0.001) up to Gamma = M, beyond which a Z' is no
#: longer a resonance (the mono-X component clamps there, as its docstring says).
WIDTH_RATIOS = (0.001, 0.01, 0.1, 0.3, 1.0)
PDF_FILE = "pdf/NNPDF23_lo_as_0130_qed/NNPDF23_lo_as_0130_qed_0000.dat"


@dataclass(frozen=True)
class Analysis:
    """Signal definition of one mono-X analysis at LO: what recoils against the Z', its rapidity acceptance, and
    the pT_miss thresholds of the inclusive regions (which are also the edges of the exclusive bins)."""

    recoil: str
    y_max: float
    y_gaps: tuple[tuple[float, float], ...]
    thresholds: tuple[float, ...]


ANALYSES = {
    # CMS EXO-16-048: leading jet |eta| < 2.4, pT_miss bins from 250 GeV
    "cms_monojet_2017": Analysis("jet", 2.4, (), (250, 280, 310, 340, 370, 400, 430, 470, 510, 550, 590, 640, 690, 740,
                                                  790, 840, 900, 960, 1020, 1090, 1160, 1250)),
    # ATLAS EXOT-2016-27: leading jet |eta| < 2.4
    "atlas_monojet_2017": Analysis("jet", 2.4, (), (250, 300, 350, 400, 500, 600, 700, 800, 900, 1000)),
    # ATLAS arXiv:1704.03848: leading photon pT > 150 GeV, |eta| < 2.37 outside the crack 1.37 < |eta| < 1.52
    "atlas_monophoton_2017": Analysis("photon", 2.37, ((1.37, 1.52),), (150, 225, 300)),
}
OUT = REPO_ROOT / "scripts" / "signal_tables"
FLAVOUR_COLUMNS = ["sigma_pb_d", "sigma_pb_u", "sigma_pb_s", "sigma_pb_c", "sigma_pb_b"]
#: Interference with the SM Z per unit b_q b_nu (SM Z couplings included), per quark flavour.
INTERFERENCE_COLUMNS = ["interference_pb_d", "interference_pb_u", "interference_pb_s", "interference_pb_c",
                        "interference_pb_b"]


def _signal_groups() -> dict[tuple, list[str]]:
    """Analyses with the same recoil and acceptance share one computation over the union of their thresholds."""
    groups: dict[tuple, list[str]] = {}
    for name, a in ANALYSES.items():
        groups.setdefault((a.recoil, a.y_max, a.y_gaps), []).append(name)
    return groups


@dataclass
class _Job:
    mass: float
    width_ratio: float
    recoil: str
    y_max: float
    y_gaps: tuple
    thresholds: tuple

    def __call__(self):
        from globalfit.physics.lhc.pdf import GridPDF
        from globalfit.physics.lhc.vector_jet import zprime_tail_tables

        pdf = GridPDF(shared_reference() / PDF_FILE)
        pure, interf = zprime_tail_tables(pdf, 13000.0, self.mass, self.width_ratio * self.mass,
                                          np.array(self.thresholds), self.recoil, self.y_max, self.y_gaps, n_pt=72)
        return [(self.mass, self.width_ratio, t, *pure[:, k], *interf[:, k]) for k, t in enumerate(self.thresholds)]


def _call(job):
    return job()


RESONANCE_MASSES_GEV = np.geomspace(250.0, 6000.0, 40)


def resonance_table() -> pd.DataFrame:
    """Narrow-width sigma(pp -> Z') at unit quark coupling and the dilepton fiducial acceptance, vs mass."""
    from globalfit.physics.lhc.pdf import GridPDF
    from globalfit.physics.lhc.resonance import fiducial_acceptance, sigma_narrow_vector

    pdf = GridPDF(shared_reference() / PDF_FILE)
    return pd.DataFrame({
        "mass_GeV": RESONANCE_MASSES_GEV,
        "sigma_pb_unit_coupling": [sigma_narrow_vector(pdf, 13000.0, m) for m in RESONANCE_MASSES_GEV],
        "acceptance_ll": [fiducial_acceptance(pdf, 13000.0, m, 30.0, 2.5) for m in RESONANCE_MASSES_GEV],
    })


def main(argv: list[str] | None = None) -> None:
    from globalfit.executor import parallel_map

    argv = sys.argv[1:] if argv is None else argv
    only = set(argv) or set(ANALYSES) | {"resonance"}
    unknown = only - set(ANALYSES) - {"resonance"}
    if unknown:
        sys.exit(f"unknown table(s) {sorted(unknown)}; choose from {sorted(ANALYSES) + ['resonance']}")
    if not (shared_reference() / PDF_FILE).is_file():
        sys.exit(f"PDF grid not found under {shared_reference()}; set GLOBALFIT_SHARED")
    OUT.mkdir(parents=True, exist_ok=True)
    if "resonance" in only:
        res = resonance_table()
        res.to_csv(OUT / "zprime_narrow_resonance.csv", index=False, float_format="%.6g")
        print(f"wrote {OUT / 'zprime_narrow_resonance.csv'} ({len(res)} rows)")
    columns = ["mass_GeV", "width_ratio", "ptmiss_threshold_GeV", *FLAVOUR_COLUMNS, *INTERFERENCE_COLUMNS]
    for (recoil, y_max, gaps), names in _signal_groups().items():
        names = [n for n in names if n in only]
        if not names:
            continue
        # one computation per acceptance, over the union of the thresholds of its analyses
        thresholds = tuple(sorted({float(t) for n in names for t in ANALYSES[n].thresholds}))
        jobs = [_Job(float(m), w, recoil, y_max, gaps, thresholds) for w in WIDTH_RATIOS for m in MASSES_GEV]
        rows = [r for chunk in parallel_map(_call, jobs, progress=f"{recoil} signal tables (mass, width)")
                for r in chunk]
        table = pd.DataFrame(rows, columns=columns)
        table.insert(3, "sigma_pb_unit_coupling", table[FLAVOUR_COLUMNS].sum(axis=1))
        table.insert(4, "interference_pb_unit_coupling", table[INTERFERENCE_COLUMNS].sum(axis=1))
        for name in names:
            a = ANALYSES[name]
            sub = table[table["ptmiss_threshold_GeV"].isin([float(t) for t in a.thresholds])].sort_values(
                ["width_ratio", "mass_GeV", "ptmiss_threshold_GeV"])
            path = OUT / f"{name}_zprime_nunu_{a.recoil}.csv"
            sub.to_csv(path, index=False, float_format="%.6g")
            print(f"wrote {path} ({len(sub)} rows)")

if __name__ == "__main__":
    main()
