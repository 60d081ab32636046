"""NLO/LO K-factors of the mono-X signal, K(M, T) = sigma_NLO(pT_miss > T) / sigma_LO(pT_miss > T) (paper 000 eq. 3.1).

Paper 000 sec. 3.1 (its Figs. 5-6, CMS mono-jet and mono-W/Z, Z' masses 100 GeV and 1 TeV) states the K-factors only
at the ends of the threshold range in its text; those numbers are all that is used here (no figure is digitised):

- mono-jet: K = 1.40 (M = 100 GeV) and 1.45 (1 TeV) at low pT_miss, decreasing to about 1.25 and 1.10 at high pT_miss;
  relative NLO uncertainty (scale and PDF) 7-11 %; ATLAS mono-jet "quite similar";
- mono-W/Z: K = 1.30 and 1.20 at low pT_miss, rising slowly to about 1.50 and 1.25; NLO uncertainty 4-10 %.

"Low" and "high" are taken as the ends of the inclusive thresholds of the CMS mono-jet search the figures are drawn
for, 250 and 1250 GeV (likelihoods/lhc_cms_monojet_2017/inclusive_regions.csv; the same 250-1250 GeV range is
assumed for mono-W/Z). Between the ends K is linear in T and linear in log M (the text gives no shape: the figure's
wiggles, partly Monte-Carlo noise by the paper's own account, are not reproduced), and it is clamped outside both
ranges. The uncertainty attached to a curve is the upper end of the stated NLO range (11 % and 10 %), used as the
default width of the ``signal_scale`` nuisance when a curve is chosen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from globalfit.tensor import interp, math_of

#: Ends of the threshold range of paper 000 Figs. 5-6 [GeV] (the CMS mono-jet inclusive regions, module docstring).
PT_RANGE_GEV = (250.0, 1250.0)
#: Masses of paper 000 Figs. 5 and 6 [GeV].
MASSES_GEV = (100.0, 1000.0)


@dataclass(frozen=True)
class KFactorCurve:
    """K at the ends of the threshold range for each mass of :data:`MASSES_GEV`, and the relative NLO uncertainty."""

    name: str
    low_pt: tuple[float, float]
    high_pt: tuple[float, float]
    uncertainty: float
    source: str

    def __call__(self, mass: Any, pt_threshold: Any) -> Any:
        """K at Z' mass ``mass`` [GeV] (float or PyTensor scalar) for pT_miss thresholds ``pt_threshold`` [GeV]
        (floats, an array): linear in T and in log M between the tabulated ends, clamped outside."""
        m = math_of(mass)
        log_m = m.log(mass)
        nodes = np.log(np.asarray(MASSES_GEV))
        k_lo, k_hi = interp(log_m, nodes, np.asarray(self.low_pt)), interp(log_m, nodes, np.asarray(self.high_pt))
        t = np.clip((np.asarray(pt_threshold, float) - PT_RANGE_GEV[0]) / (PT_RANGE_GEV[1] - PT_RANGE_GEV[0]), 0, 1)
        return k_lo + (k_hi - k_lo) * t


#: The named curves (option ``k_factor`` of the mono-X datasets).
CURVES = {c.name: c for c in (
    KFactorCurve("paper000_monojet", (1.40, 1.45), (1.25, 1.10), 0.11, "paper 000 sec. 3.1, Figs. 5-6 (mono-jet)"),
    KFactorCurve("paper000_monovz", (1.30, 1.20), (1.50, 1.25), 0.10, "paper 000 sec. 3.1, Figs. 5-6 (mono-W/Z)"),
)}


def k_factor(mass: Any, pt_threshold: Any, curve: str = "paper000_monojet") -> Any:
    """NLO/LO K-factor of the inclusive region pT_miss > ``pt_threshold`` [GeV] at Z' mass ``mass`` [GeV] (module
    docstring); ``curve`` is a name of :data:`CURVES`.

    Raises
    ------
    KeyError
        For an unknown curve name.
    """
    return CURVES[curve](mass, pt_threshold)
