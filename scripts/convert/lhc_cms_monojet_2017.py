"""Write likelihoods/lhc_cms_monojet_2017/ : CMS mono-jet 35.9/fb (arXiv:1712.02345) exclusive pT_miss bins with their
background covariance, the inclusive regions built from them, and the project's signal table
(scripts/signal_tables/, made by scripts/build_signal_tables.py).

Inclusive regions pT_miss > T sum the exclusive bins with lower edge >= T; their background uncertainty is the square
root of the sum of the whole covariance sub-block (bins are strongly positively correlated; the quadrature sum of the
diagonal would understate it by up to a factor 1.7 at 250 GeV). This is the choice paper 000's 0.2 TeV limit depends on.

Run: python scripts/convert/lhc_cms_monojet_2017.py
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from globalfit.datatools import lhc_inputs, write_dataset
from globalfit.errors import DataError



def main() -> None:
    ref, signal = lhc_inputs("cms_1712_02345_monojet_35p9", "cms_monojet_2017_zprime_nunu_jet.csv")
    bins = pd.read_csv(ref / "cms_exo_16_048_monojet_bins.csv")
    cov = np.loadtxt(ref / "cms_exo_16_048_monojet_bkg_covariance.csv", delimiter=",", comments="#")
    cov = 0.5 * (cov + cov.T)  # the transcription has two rounding asymmetries
    exclusive = pd.DataFrame({
        "ptmiss_low_GeV": bins["ptmiss_low_GeV"].astype(float),
        "ptmiss_high_GeV": bins["ptmiss_high_GeV"].astype(float).fillna(np.inf),
        "n_obs": bins["n_obs"].astype(float), "n_bkg": bins["n_bkg_postfit"].astype(float),
        "n_bkg_err": np.sqrt(np.diag(cov)),
    })
    inclusive = []
    for k, low in enumerate(exclusive["ptmiss_low_GeV"]):
        inclusive.append({"ptmiss_threshold_GeV": low, "n_obs": exclusive["n_obs"][k:].sum(),
                          "n_bkg": exclusive["n_bkg"][k:].sum(), "n_bkg_err": float(np.sqrt(cov[k:, k:].sum()))})
    cov_frame = pd.DataFrame(cov, columns=[f"bin{k}" for k in range(len(cov))])
    write_dataset(
        "likelihoods", "lhc_cms_monojet_2017",
        {"kind": "monox_inclusive",
         "description": "CMS mono-jet 35.9/fb (13 TeV): 22 pT_miss bins with covariance; CLs on inclusive regions",
         "citation": "CMS collaboration, Phys. Rev. D 97 (2018) 092005, arXiv:1712.02345 (CMS-EXO-16-048)",
         "lumi_pb": 35900.0, "sqrt_s_GeV": 13000.0, "jet_rapidity_max": 2.4,
         "signal": "LO pp -> Z'* j -> nu nubar j, unit g_q = g_nu (quarks d u s c b, one neutrino flavour), NNPDF2.3 LO, "
                   "mu = H_T/2, no K-factor, no detector efficiency"},
        {"exclusive_bins.csv": exclusive, "inclusive_regions.csv": pd.DataFrame(inclusive),
         "background_covariance.csv": cov_frame, "signal_table.csv": signal},
        "# lhc_cms_monojet_2017\n\nCMS search with an energetic jet and missing transverse momentum, 35.9/fb at 13 TeV\n"
        "(arXiv:1712.02345, CMS-EXO-16-048), mono-jet category: observed events, post-fit background and the 22x22\n"
        "background covariance per pT_miss bin, as transcribed in the reference material (from GAMBIT ColliderBit; see its\n"
        "SOURCES.md). The covariance is symmetrised. Inclusive regions pT_miss > T are built here by summing bins, with the\n"
        "background uncertainty sqrt(sum of the covariance sub-block) (our choice, stated because the 0.2 TeV limit of\n"
        "paper 000 depends on it). `signal_table.csv` is computed by this project (scripts/build_signal_tables.py,\n"
        "physics in globalfit/physics/lhc/vector_jet.py). Converted by scripts/convert/lhc_cms_monojet_2017.py.\n",
    )


if __name__ == "__main__":
    try:
        main()
    except DataError as exc:  # missing inputs: one line, no traceback
        sys.exit(str(exc))
