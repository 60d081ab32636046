"""Write likelihoods/lhc_atlas_monojet_2017/ : ATLAS mono-jet 36.1/fb (arXiv:1711.03301): inclusive regions IM1-IM10
(each with its own fitted background) for CLs and exclusive regions EM1-EM10 for the likelihood, plus the project's
signal table (scripts/build_signal_tables.py). No bin-to-bin background correlations are published with these numbers,
so the exclusive bins are treated as independent (stated in SOURCES.md).

Run: python scripts/convert/lhc_atlas_monojet_2017.py
"""

from __future__ import annotations

import sys

import pandas as pd

from globalfit.datatools import lhc_inputs, split_signal_regions, write_dataset
from globalfit.errors import DataError



def main() -> None:
    ref, signal = lhc_inputs("atlas_1711_03301_monojet_36p1", "atlas_monojet_2017_zprime_nunu_jet.csv")
    sr = pd.read_csv(ref / "atlas_1711_03301_signal_regions.csv")
    exclusive, inclusive = split_signal_regions(sr, "ptmiss_low_GeV", "ptmiss_high_GeV")
    write_dataset(
        "likelihoods", "lhc_atlas_monojet_2017",
        {"kind": "monox_inclusive",
         "description": "ATLAS mono-jet 36.1/fb (13 TeV): EM1-EM10 likelihood, CLs on inclusive regions IM1-IM10",
         "citation": "ATLAS collaboration, JHEP 01 (2018) 126, arXiv:1711.03301 (ATLAS-EXOT-2016-27)",
         "lumi_pb": 36100.0, "sqrt_s_GeV": 13000.0, "jet_rapidity_max": 2.4,
         "signal": "LO pp -> Z'* j -> nu nubar j, unit g_q = g_nu (quarks d u s c b, one neutrino flavour), NNPDF2.3 LO, "
                   "mu = H_T/2, no K-factor, no detector efficiency"},
        {"exclusive_bins.csv": exclusive, "inclusive_regions.csv": inclusive, "signal_table.csv": signal},
        "# lhc_atlas_monojet_2017\n\nATLAS search for new phenomena with an energetic jet and missing transverse momentum, 36.1/fb\n"
        "at 13 TeV (arXiv:1711.03301): inclusive regions IM1-IM10 (pT_miss > 250 ... 1000 GeV) and exclusive regions\n"
        "EM1-EM10 with observed events, SM prediction and its total uncertainty, as transcribed in the reference material\n"
        "(from CheckMATE; see its SOURCES.md). ATLAS fits each inclusive region separately, so IM backgrounds are not sums\n"
        "of EM backgrounds. No EM correlations are available: the exclusive-bin likelihood treats them as independent.\n"
        "`signal_table.csv` is computed by this project (scripts/build_signal_tables.py). Converted by\n"
        "scripts/convert/lhc_atlas_monojet_2017.py.\n",
    )


if __name__ == "__main__":
    try:
        main()
    except DataError as exc:  # missing inputs: one line, no traceback
        sys.exit(str(exc))
