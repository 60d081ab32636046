"""Build the LHC signal tables the project ships (fits interpolate them and never integrate PDFs at run time).

For each mono-jet analysis: sigma(pp -> Z'* j -> nu nubar j, pT_miss > T) at LO for every inclusive threshold T, on a
grid of M_Z' at fixed Gamma/M, with unit couplings g_q = g_nu = 1 (vector coupling to d, u, s, c, b; one left-handed
neutrino flavour). Rates scale as (g_q g_nu)^2 at fixed width. Uses the NNPDF2.3 LO grid of ../shared/reference/pdf
(input only, not shipped) and runs the masses in parallel through globalfit's executor.

Also: sigma(pp -> Z') in the narrow-width approximation at unit vector coupling to d, u, s, c, b and the dilepton
fiducial acceptance (pT > 30 GeV, |eta| < 2.5) for the resonance searches.

Run: python scripts/build_signal_tables.py   (about 2 minutes on 2 cores)
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd

from globalfit.datatools import REPO_ROOT, shared_reference

MASSES_GEV = np.geomspace(50.0, 1.0e5, 18)
WIDTH_RATIOS = (0.1,)
PDF_FILE = "pdf/NNPDF23_lo_as_0130_qed/NNPDF23_lo_as_0130_qed_0000.dat"
#: pT_miss thresholds [GeV] of each analysis' inclusive regions (and lower edges of its exclusive bins).
ANALYSES = {
    "cms_monojet_2017": [250, 280, 310, 340, 370, 400, 430, 470, 510, 550, 590, 640, 690, 740, 790, 840, 900, 960,
                         1020, 1090, 1160, 1250],
    "atlas_monojet_2017": [250, 300, 350, 400, 500, 600, 700, 800, 900, 1000],
}
ALL_THRESHOLDS = np.array(sorted({t for ts in ANALYSES.values() for t in ts}), dtype=float)
OUT = REPO_ROOT / "scripts" / "signal_tables"


@dataclass
class _Job:
    mass: float
    width_ratio: float

    def __call__(self, _=None):
        from globalfit.physics.lhc.pdf import GridPDF
        from globalfit.physics.lhc.vector_jet import zprime_jet_tail_sigmas

        pdf = GridPDF(shared_reference() / PDF_FILE)
        sig = zprime_jet_tail_sigmas(pdf, 13000.0, self.mass, self.width_ratio * self.mass, ALL_THRESHOLDS, n_pt=72)
        return [(self.mass, self.width_ratio, t, s) for t, s in zip(ALL_THRESHOLDS, sig)]


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


def main() -> None:
    from globalfit.executor import parallel_map

    if not (shared_reference() / PDF_FILE).is_file():
        sys.exit(f"PDF grid not found under {shared_reference()}; set GLOBALFIT_SHARED")
    jobs = [_Job(float(m), w) for w in WIDTH_RATIOS for m in MASSES_GEV]
    rows = [r for chunk in parallel_map(_call, jobs, progress="signal table (masses)") for r in chunk]
    OUT.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(rows, columns=["mass_GeV", "width_ratio", "ptmiss_threshold_GeV", "sigma_pb_unit_coupling"])
    res = resonance_table()
    res.to_csv(OUT / "zprime_narrow_resonance.csv", index=False, float_format="%.6g")
    print(f"wrote {OUT / 'zprime_narrow_resonance.csv'} ({len(res)} rows)")
    for name, thresholds in ANALYSES.items():
        sub = table[table["ptmiss_threshold_GeV"].isin([float(t) for t in thresholds])]
        path = OUT / f"{name}_zprime_nunu_jet.csv"
        sub.to_csv(path, index=False, float_format="%.6g")
        print(f"wrote {path} ({len(sub)} rows)")


if __name__ == "__main__":
    main()
