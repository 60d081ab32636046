"""Write likelihoods/lhc_atlas_monophoton_2017/ : ATLAS mono-photon 36.1/fb (arXiv:1704.03848): exclusive regions
SRE1 (150-225 GeV), SRE2 (225-300 GeV) and the open region SRI3 (> 300 GeV) for the likelihood, inclusive regions
SRI1-SRI3 (E_T^miss > 150, 225, 300 GeV) for CLs, plus the project's signal table (scripts/build_signal_tables.py:
q qbar -> gamma Z'* -> gamma nu nubar at LO, photon pT > 150 GeV, |eta| < 2.37 outside 1.37-1.52). No correlations
between the regions are published, so the exclusive bins are treated as independent (stated in SOURCES.md).

Run: python scripts/convert/lhc_atlas_monophoton_2017.py
"""

from __future__ import annotations

import sys

import pandas as pd

from globalfit.datatools import lhc_inputs, split_signal_regions, write_dataset
from globalfit.errors import DataError



def main() -> None:
    ref, signal = lhc_inputs("atlas_1704_03848_monophoton_36p1", "atlas_monophoton_2017_zprime_nunu_photon.csv")
    sr = pd.read_csv(ref / "atlas_1704_03848_signal_regions.csv")
    exclusive, inclusive = split_signal_regions(sr, "etmiss_low_GeV", "etmiss_high_GeV")
    # the likelihood bins: SRE1, SRE2 and SRI3 (E_T^miss > 300 GeV), which tile E_T^miss > 150 GeV
    exclusive = pd.concat([exclusive, inclusive[inclusive["region"] == "SRI3"].rename(
        columns={"ptmiss_threshold_GeV": "ptmiss_low_GeV"}).assign(ptmiss_high_GeV=float("inf"))],
        ignore_index=True)[exclusive.columns]
    write_dataset(
        "likelihoods", "lhc_atlas_monophoton_2017",
        {"kind": "monox_inclusive",
         "description": "ATLAS mono-photon 36.1/fb (13 TeV): SRE1, SRE2, SRI3 likelihood, CLs on SRI1-SRI3",
         "citation": "ATLAS collaboration, Eur. Phys. J. C 77 (2017) 393, arXiv:1704.03848",
         "lumi_pb": 36100.0, "sqrt_s_GeV": 13000.0, "photon_pt_min_GeV": 150.0, "photon_eta_max": 2.37,
         "photon_eta_crack": [1.37, 1.52],
         "signal": "LO q qbar -> gamma Z'* -> gamma nu nubar, unit g_q = g_nu (quarks d u s c b, one neutrino flavour), "
                   "NNPDF2.3 LO, mu = H_T/2, alpha(0), no K-factor, no detector efficiency"},
        {"exclusive_bins.csv": exclusive, "inclusive_regions.csv": inclusive, "signal_table.csv": signal},
        "# lhc_atlas_monophoton_2017\n\nATLAS search for dark matter with an energetic photon and missing transverse\n"
        "momentum, 36.1/fb at 13 TeV (arXiv:1704.03848, Eur. Phys. J. C 77 (2017) 393): inclusive regions SRI1-SRI3\n"
        "(E_T^miss > 150, 225, 300 GeV) and exclusive regions SRE1 (150-225 GeV), SRE2 (225-300 GeV), with observed\n"
        "events, SM prediction and its total uncertainty as transcribed in the reference material (from CheckMATE2, see\n"
        "its SOURCES.md; not cross-checked there against the paper's tables). All regions need a photon with\n"
        "pT > 150 GeV. The likelihood uses SRE1, SRE2 and SRI3 (which tile E_T^miss > 150 GeV) as independent bins: no\n"
        "correlations are published with these numbers. ATLAS fits each region's background separately, so\n"
        "SRI1 (2600) is not the sum of SRE1 + SRE2 + SRI3 (2674).\n\n"
        "`signal_table.csv` is computed by this project (scripts/build_signal_tables.py; physics in\n"
        "globalfit/physics/lhc/vector_jet.py): sigma(q qbar -> gamma Z'* -> gamma nu nubar, pT(gamma) > T) at LO with the\n"
        "photon inside |eta| < 2.37 outside the crack 1.37 < |eta| < 1.52, where at LO E_T^miss = pT(gamma). No photon\n"
        "identification/isolation efficiency is applied (as for the mono-jet tables). Converted by\n"
        "scripts/convert/lhc_atlas_monophoton_2017.py.\n",
    )


if __name__ == "__main__":
    try:
        main()
    except DataError as exc:  # missing inputs: one line, no traceback
        sys.exit(str(exc))
