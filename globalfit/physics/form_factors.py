"""Nuclear (weak) form factors F(q), normalised to F(0) = 1. q is the momentum transfer in GeV, q = sqrt(2 M E_r).

Klein-Nystrand (paper 002 ref. [40]; S.R. Klein, J. Nystrand, PRC 60 (1999) 014903): a hard sphere of radius
R_A = 1.2 A^(1/3) fm folded with a Yukawa of range a = 0.7 fm::

    F_KN(q) = 3 j1(q R_A)/(q R_A) * 1/(1 + q^2 a^2)

Helm (R.H. Helm, Phys. Rev. 104 (1956) 1466; parameters of J.D. Lewin, P.F. Smith, Astropart. Phys. 6 (1996) 87):
``F_H(q) = 3 j1(q r_n)/(q r_n) exp(-(q s)^2/2)`` with s = 0.9 fm, r_n^2 = c^2 + 7/3 pi^2 a^2 - 5 s^2,
c = 1.23 A^(1/3) - 0.60 fm, a = 0.52 fm. A fixed r_n can be given instead.
"""

from __future__ import annotations

import numpy as np

from globalfit.physics.constants import HBARC_GEV_FM


def _j1_over_x(x: np.ndarray) -> np.ndarray:
    """3 j1(x)/x with its small-x series (avoids 0/0)."""
    x = np.asarray(x, dtype=float)
    small = np.abs(x) < 1e-3
    xs = np.where(small, 1.0, x)
    val = 3.0 * (np.sin(xs) - xs * np.cos(xs)) / xs**3
    return np.where(small, 1.0 - x**2 / 10.0, val)


def klein_nystrand(q: np.ndarray, mass_number: float, r_fm: float | None = None, a_fm: float = 0.7) -> np.ndarray:
    """Klein-Nystrand form factor at momentum transfer q [GeV]."""
    r = (r_fm if r_fm is not None else 1.2 * mass_number ** (1 / 3)) / HBARC_GEV_FM
    a = a_fm / HBARC_GEV_FM
    q = np.asarray(q, dtype=float)
    return _j1_over_x(q * r) / (1.0 + q**2 * a**2)


def helm(q: np.ndarray, mass_number: float, r_n_fm: float | None = None, s_fm: float = 0.9) -> np.ndarray:
    """Helm form factor at momentum transfer q [GeV] (Lewin-Smith radius unless r_n_fm is given)."""
    if r_n_fm is None:
        c = 1.23 * mass_number ** (1 / 3) - 0.60
        a = 0.52
        r_n_fm = np.sqrt(c**2 + 7 / 3 * np.pi**2 * a**2 - 5 * s_fm**2)
    rn = r_n_fm / HBARC_GEV_FM
    s = s_fm / HBARC_GEV_FM
    q = np.asarray(q, dtype=float)
    return _j1_over_x(q * rn) * np.exp(-(q * s) ** 2 / 2)


FORM_FACTORS = {"klein-nystrand": klein_nystrand, "helm": helm}
