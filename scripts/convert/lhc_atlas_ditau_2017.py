"""Write likelihoods/lhc_atlas_ditau_2017/ : ATLAS Z' -> tau tau, 36.1/fb (arXiv:1709.07242), 95 % CL limit on
sigma(pp -> Z') x BR(tau tau) vs mass (a digitised curve, secondary; see the reference SOURCES.md), plus the project's
narrow-width signal table.

Run: python scripts/convert/lhc_atlas_ditau_2017.py
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from globalfit.datatools import lhc_inputs, write_dataset
from globalfit.errors import DataError

#: The curve is given for one Z' lineshape (sequential-SM-like, Gamma/M ~ 3 %); it is applied at every width.
WIDTH_RATIO = 0.03


def main() -> None:
    ref, signal = lhc_inputs("atlas_1709_07242_ditau_36p1", "zprime_narrow_resonance.csv")
    raw = np.loadtxt(ref / "exp_card_6.dat")
    order = np.argsort(raw[:, 0])
    mass, lim = raw[order, 0] * 1e3, raw[order, 1] * 1e3  # TeV -> GeV, pb -> fb
    keep = np.concatenate([[True], np.diff(mass) > 0])
    limit = pd.DataFrame({"mass_GeV": mass[keep], "width_ratio": WIDTH_RATIO, "sigma_B_limit_fb": lim[keep]})
    write_dataset(
        "likelihoods", "lhc_atlas_ditau_2017",
        {"kind": "resonance_limit",
         "description": "ATLAS Z' -> tau tau 36.1/fb: sigma x BR(tau tau) limit vs mass as a chi^2 term (u1 mode)",
         "citation": "ATLAS collaboration, JHEP 01 (2018) 055, arXiv:1709.07242",
         "confidence_level": 0.95, "q_cl": 3.84, "channel": "tautau", "fiducial": False},
        {"limit.csv": limit, "signal_table.csv": signal},
        "# lhc_atlas_ditau_2017\n\nATLAS search for heavy neutral gauge bosons in the ditau final state, 36.1/fb at 13 TeV\n"
        "(arXiv:1709.07242): 95 % CL upper limit on sigma(pp -> Z') x BR(Z' -> tau tau), 0.2-4 TeV, as digitised in the\n"
        "Z'-explorer cards (secondary; observed or expected is not stated there, see the reference SOURCES.md). Converted\n"
        "(TeV -> GeV, pb -> fb, mass-sorted) by scripts/convert/lhc_atlas_ditau_2017.py. The curve is for one lineshape;\n"
        "we apply it at every Gamma/M (tabulated at 3 %). `signal_table.csv`: the project's LO narrow-width sigma(pp -> Z')\n"
        "at unit quark coupling (the acceptance column is not used: the limit is on the total cross section).\n",
    )


if __name__ == "__main__":
    try:
        main()
    except DataError as exc:  # missing inputs: one line, no traceback
        sys.exit(str(exc))
