"""Write the (g-2)_mu datasets from numbers printed in the publications.

Run: ``python scripts/convert/gminus2.py``. Writes likelihoods/gm2_muon_2019/ (the discrepancy paper 002 uses) and
likelihoods/gm2_muon_2025/ (the final Fermilab measurement against the 2025 Standard-Model prediction). Both are
single measurements, so each dataset is one row (``delta_a``, ``error``) with its provenance in SOURCES.md.
"""

from __future__ import annotations

import sys

import pandas as pd

from globalfit.datatools import write_dataset
from globalfit.errors import DataError

#: Paper 002 (Fig. 2 caption and sec. 5): Delta a_mu = (29 +- 9) x 10^-10, its ref. [33] (the 2018/2019 status).
PAPER002 = (29e-10, 9e-10)
#: Muon g-2 collaboration final result (PRL 135 (2025) 101802, arXiv:2506.03069): world average
#: a_mu(exp) = 116 592 071.5(14.5) x 10^-11; Muon g-2 Theory Initiative 2025 white paper (arXiv:2505.21476):
#: a_mu(SM) = 116 592 033(62) x 10^-11; difference 38(63) x 10^-11 (both papers quote it).
WP2025 = (38e-11, 63e-11)


def write(dataset: str, values: tuple[float, float], description: str, citation: str, sources: str) -> None:
    delta, error = values
    write_dataset(
        "likelihoods", dataset,
        {"kind": "anomalous_moment", "description": description, "citation": citation, "lepton": "mu",
         "measurement_file": "measurement.csv"},
        {"measurement.csv": pd.DataFrame({"delta_a": [delta], "error": [error]})},
        sources,
    )


def main() -> None:
    write(
        "gm2_muon_2019",
        PAPER002,
        "Muon (g-2) discrepancy Delta a_mu = (29 +- 9)e-10 as used by paper 002 (the pre-2021 status)",
        "Paper 002 (Fig. 2 caption, its ref. [33]); one-loop Z' contribution: Jegerlehner & Nyffeler, Phys. Rept. "
        "477 (2009) 1",
        "# gm2_muon_2019\n\nThe muon anomalous-magnetic-moment discrepancy Delta a_mu = a_mu(exp) - a_mu(SM) = "
        "(29 +- 9) x 10^-10, the value\npaper 002 uses for its (g-2)_mu band (Fig. 2 caption: 'the 2 sigma allowed "
        "regions that explain the discrepancy in the\nanomalous magnetic moment of the muon (Delta a_mu = (29 +- 9) x "
        "10^-10 [33])'). Written by `scripts/convert/gminus2.py`\nfrom that printed number. Used as a Gaussian "
        "likelihood on the one-loop Z' contribution (`globalfit/physics/gminus2.py`),\nrelative to the Standard "
        "Model (chi^2 = 0 at g' = 0). Historical: the 2025 measurement and theory update\n(`gm2_muon_2025`) remove "
        "the discrepancy.\n",
    )
    write(
        "gm2_muon_2025",
        WP2025,
        "Muon (g-2): Fermilab final average vs the 2025 Standard-Model prediction, Delta a_mu = (38 +- 63)e-11",
        "Muon g-2 collaboration, PRL 135 (2025) 101802, arXiv:2506.03069; Muon g-2 Theory Initiative, "
        "arXiv:2505.21476",
        "# gm2_muon_2025\n\nDelta a_mu = a_mu(exp) - a_mu(SM) = (38 +- 63) x 10^-11: the experimental world average "
        "after the final Fermilab\nresult, a_mu(exp) = 116 592 071.5(14.5) x 10^-11 (Muon g-2 collaboration, PRL 135 "
        "(2025) 101802,\narXiv:2506.03069), minus the 2025 white-paper prediction a_mu(SM) = 116 592 033(62) x 10^-11 "
        "(Muon g-2 Theory\nInitiative, arXiv:2505.21476, with the lattice-QCD hadronic vacuum polarisation); "
        "uncertainties added in\nquadrature. Numbers quoted from the publications (not from ../shared). Written by "
        "`scripts/convert/gminus2.py`.\nUsed as a Gaussian likelihood on the one-loop Z' contribution "
        "(`globalfit/physics/gminus2.py`), relative to\nthe Standard Model: compatible with zero, it is an upper "
        "limit on g'|Q_mu| vs M.\n",
    )


if __name__ == "__main__":
    try:
        main()
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
