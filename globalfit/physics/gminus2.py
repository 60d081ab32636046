"""One-loop contribution of a vector Z' to the anomalous magnetic moment of a charged lepton.

For a vector coupling ``L = g_V Z'_mu lbar gamma^mu l`` (in the U(1)' of paper 002 eq. 1.6, g_V = g' Q_l: the
charged lepton carries the charge of its doublet, with both chiralities, which is what the anomaly-free charge
assignments and the vector widths of paper 002 eq. 1.7 assume) the one-loop vertex gives (Leveille, Nucl. Phys. B137
(1978) 63; e.g. Jegerlehner & Nyffeler, Phys. Rept. 477 (2009) 1, eq. 260; written as in Darkcast's ``AMM.py``,
which quotes eq. 6 of Endo, Hamaguchi, Mishima, PRD 86 (2012) 095029)::

    Delta a_l = g_V^2 / (4 pi^2) * I(r),   I(r) = int_0^1 dz  z (1 - z)^2 / ((1 - z)^2 + r z),   r = M^2 / m_l^2.

Limits (checked in the tests): I -> 1/2 for M << m_l (Delta a = g_V^2 / (8 pi^2), Schwinger's alpha/2pi for
g_V = e), and I -> 1/(3 r) for M >> m_l (Delta a = g_V^2 m_l^2 / (12 pi^2 M^2)).

The closed form of I(r) loses all precision to cancellations for r >> 1, so I is tabulated once (closed form for
r < 1, adaptive quadrature above, relative error below 1e-12) on a grid in ln r and interpolated with monotone cubics in (ln r, ln I); beyond
the grid the two asymptotic forms take over, matched to the table at its ends (their next corrections are below
1e-9 there). The function works on numpy floats and PyTensor graphs alike (:mod:`globalfit.tensor`).
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from typing import Any

import numpy as np

from globalfit.physics.constants import LEPTON_MASSES
from globalfit.tensor import HermiteRows, math_of

#: ln r range of the table; beyond it the asymptotic forms hold to < 1e-9 relative (see module docstring)
LN_R_MIN, LN_R_MAX, N_TABLE = -23.0 * np.log(10.0), 16.0 * np.log(10.0), 781


def loop_integral_direct(r: float) -> float:
    """I(r) without tables (numpy floats only): the closed form for r < 1, adaptive quadrature above.

    Closed form (partial fractions of z(1-z)^2 / D, D = z^2 - (2-r) z + 1, valid for 0 < r < 4)::

        I = 1/2 - r - (2-r)/2 r ln r + r (1 - (2-r)^2/2) J,   J = int_0^1 dz/D
          = [atan((r/2)/sqrt(d)) + atan(((2-r)/2)/sqrt(d))] / sqrt(d),   d = r (4-r)/4.

    It is well conditioned for small r (every term beyond 1/2 is small) but cancels to O(1/r) for large r, where
    quadrature of the positive integrand is used instead.

    Parameters
    ----------
    r
        (M_Z' / m_l)^2, dimensionless, > 0.
    """
    if r < 1.0:
        d = r * (4.0 - r) / 4.0
        j = (np.arctan((r / 2) / np.sqrt(d)) + np.arctan(((2 - r) / 2) / np.sqrt(d))) / np.sqrt(d)
        return float(0.5 - r - (2 - r) / 2 * r * np.log(r) + r * (1 - (2 - r) ** 2 / 2) * j)
    from scipy.integrate import IntegrationWarning, quad

    def f(z: float) -> float:
        return z * (1.0 - z) ** 2 / ((1.0 - z) ** 2 + r * z)

    with warnings.catch_warnings():
        # at the 1e-13 request quad may report round-off; its result is then still good to ~1e-14
        warnings.simplefilter("ignore", IntegrationWarning)
        # the integrand changes scale near z = 1/r for a heavy Z': tell quad where
        val, _ = quad(f, 0.0, 1.0, points=[1.0 / r] if r > 1.0 else None, epsabs=0.0, epsrel=1e-13, limit=400)
    return float(val)


@lru_cache(maxsize=1)
def _table() -> HermiteRows:
    ln_r = np.linspace(LN_R_MIN, LN_R_MAX, N_TABLE)
    ln_i = np.log([loop_integral_direct(float(np.exp(x))) for x in ln_r])
    return HermiteRows(ln_r, ln_i[:, None])


def loop_integral(ln_r: Any) -> Any:
    """I(r) of the module docstring as a function of ln r (numpy float or PyTensor scalar).

    Inside the table: monotone cubic interpolation of ln I. Below it I = 1/2 (corrections O(sqrt r) < 1e-10), above it
    I = 1/(3 r) times the table's end ratio (the correction is O(ln r / r) < 1e-14 there).
    """
    m = math_of(ln_r)
    table = _table()
    inside = table(ln_r)[0]
    ratio_hi = float(np.exp(table(LN_R_MAX)[0]) * 3.0 * np.exp(LN_R_MAX))
    # clamp before exponentiating so that the untaken branches stay finite (and so do their gradients)
    above = np.log(ratio_hi / 3.0) - m.maximum(ln_r, LN_R_MAX)
    below = np.log(0.5) + 0.0 * ln_r
    ln_i = m.where(ln_r > LN_R_MAX, above, m.where(ln_r < LN_R_MIN, below, inside))
    return m.exp(ln_i)


def delta_a(coupling: Any, mass_GeV: Any, lepton: str = "mu") -> Any:
    """One-loop Z' contribution Delta a_l (dimensionless).

    Parameters
    ----------
    coupling
        Vector coupling g_V of the Z' to the lepton (g' Q_l in the U(1)' normalisation).
    mass_GeV
        Z' mass [GeV], > 0.
    lepton
        ``"e"``, ``"mu"`` or ``"tau"``.
    """
    m = math_of(coupling, mass_GeV)
    m_l = LEPTON_MASSES[lepton]
    ln_r = 2.0 * (m.log(mass_GeV) - np.log(m_l))
    return coupling**2 / (4.0 * np.pi**2) * loop_integral(ln_r)


def coupling_for(delta: float, mass_GeV: float, lepton: str = "mu") -> float:
    """The vector coupling g_V whose one-loop contribution equals ``delta`` at ``mass_GeV`` (numpy floats)."""
    if delta <= 0:
        raise ValueError("a vector Z' gives a positive Delta a; no coupling gives delta <= 0")
    return float(np.sqrt(delta / delta_a(1.0, mass_GeV, lepton)))
