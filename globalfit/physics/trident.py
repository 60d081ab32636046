"""Neutrino trident production nu_mu N -> nu_mu N mu+ mu- with a Z' (after Altmannshofer, Gori, Pospelov, Yavin,
arXiv:1406.2332, derived here in the project's normalisation).

In the SM the nu_mu-mu four-fermion interaction (W and Z exchange, Fierzed) is
``L = -sqrt(2) G_F (nubar gamma P_L nu)(mubar gamma (g_V - g_A gamma5) mu)`` with g_V = 1/2 + 2 s_W^2, g_A = 1/2.
A Z' with couplings g' Q_nu (to the nu_mu doublet) and g' Q_mu adds, for M_Z' large compared with the momentum
transfer, ``-(g'^2 Q_nu Q_mu / M^2)(nubar gamma P_L nu)(mubar gamma mu)``, i.e. shifts
``g_V -> g_V + g'^2 Q_nu Q_mu / (sqrt(2) G_F M^2)``. In the heavy-mediator limit the trident rate is proportional to
g_V^2 + g_A^2, so::

    sigma/sigma_SM = [(1 + 4 s_W^2 + 2 Delta)^2 + 1] / [(1 + 4 s_W^2)^2 + 1],   Delta = g'^2 Q_nu Q_mu / (sqrt2 G_F M^2).

Validity of :func:`trident_ratio`: the Z' propagator is replaced by 1/M^2, which needs M well above the momentum
transfer Q^2 carried by the Z' (of order GeV^2 at CCFR). :func:`trident_ratio_full` keeps the full propagator
M^2/(M^2 + Q^2) inside the phase-space integral (:mod:`globalfit.physics.trident_kinematics`), through the
tabulated averages f_1(M), f_2(M) and the axial/vector ratio r of :class:`TridentTable`::

    sigma/sigma_SM = 1 + (2 g_V Delta f_1 + Delta^2 f_2) / (g_V^2 + r g_A^2),

which is the contact formula for f_1 = f_2 = r = 1 (heavy Z', massless muons), and falls as M^2/<Q^2> (linear term)
for a light Z'.
(1406.2332 writes the shift as 8 v^2/Lambda^2 with v = 174 GeV; in our normalisation the same couplings give
4 v^2/Lambda^2 with v = 174 GeV; we keep our derivation, which follows the pinned NSI normalisation.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from globalfit.errors import DataError
from globalfit.physics.constants import G_F, SIN2_THETA_W_LOW
from globalfit.tensor import HermiteRows, math_of


def trident_ratio(gprime: Any, mass: Any, q_nu: float, q_mu: float, sin2w: float = SIN2_THETA_W_LOW) -> Any:
    """sigma(nu_mu N -> nu_mu N mu mu) / sigma_SM in the heavy-Z' limit (see module docstring)."""
    delta = contact_shift(gprime, mass, q_nu, q_mu)
    a = 1.0 + 4.0 * sin2w
    return ((a + 2.0 * delta) ** 2 + 1.0) / (a**2 + 1.0)


def contact_shift(gprime: Any, mass: Any, q_nu: float, q_mu: float) -> Any:
    """Contact-limit shift Delta = g'^2 Q_nu Q_mu / (sqrt2 G_F M^2) of the nu_mu-mu vector coupling g_V (dimensionless;
    g' dimensionless, M [GeV])."""
    return gprime**2 * q_nu * q_mu / (np.sqrt(2.0) * G_F * mass**2)


@dataclass(frozen=True)
class TridentTable:
    """Parameter-independent trident integrals of one experiment (:mod:`globalfit.physics.trident_kinematics`).

    Attributes
    ----------
    mass_GeV
        Increasing Z' mass grid [GeV] (log-spaced).
    f1, f2
        <M^2/(M^2+Q^2)> and <[M^2/(M^2+Q^2)]^2> over the vector part of the SM trident rate, in (0, 1].
    aa_over_vv
        sigma_AA / sigma_VV of the SM rate (1 for massless muons).
    """

    mass_GeV: np.ndarray
    f1: np.ndarray
    f2: np.ndarray
    aa_over_vv: float

    def __post_init__(self) -> None:
        m, f1, f2 = (np.asarray(x, dtype=float) for x in (self.mass_GeV, self.f1, self.f2))
        if m.ndim != 1 or len(m) < 2 or f1.shape != m.shape or f2.shape != m.shape:
            raise DataError("trident table: mass_GeV, f1 and f2 must be 1-d columns of equal length >= 2")
        if not (np.all(np.diff(m) > 0) and np.all(m > 0)):
            raise DataError("trident table: mass_GeV must be positive and increasing")
        if not (np.all((f1 > 0) & (f1 <= 1 + 1e-9)) and np.all((f2 > 0) & (f2 <= 1 + 1e-9))):
            raise DataError("trident table: f1 and f2 must lie in (0, 1]")
        if not (np.isfinite(self.aa_over_vv) and self.aa_over_vv > 0):
            raise DataError("trident table: aa_over_vv must be positive")
        # interpolated in (log M, log f): log f is nearly linear in log M on both sides of M^2 ~ <Q^2>
        object.__setattr__(self, "_interp", HermiteRows(np.log(m), np.log(np.column_stack([f1, f2]))))

    def averages(self, mass: Any) -> tuple[Any, Any]:
        """(f_1, f_2) at ``mass`` [GeV] (float, array or PyTensor scalar); clamped at the ends of the grid."""
        mod = math_of(mass)
        if mod is np and np.ndim(mass) > 0:
            rows = np.array([self._interp(np.log(x)) for x in np.ravel(mass)])
            shape = np.shape(mass)
            return np.exp(rows[:, 0]).reshape(shape), np.exp(rows[:, 1]).reshape(shape)
        logs = self._interp(mod.log(mass))
        return mod.exp(logs[0]), mod.exp(logs[1])


def trident_ratio_full(gprime: Any, mass: Any, q_nu: float, q_mu: float, table: TridentTable,
                       sin2w: float = SIN2_THETA_W_LOW) -> Any:
    """sigma(nu_mu N -> nu_mu N mu mu) / sigma_SM with the full Z' propagator (module docstring).

    Parameters
    ----------
    gprime
        Gauge coupling g' (dimensionless).
    mass
        Z' mass [GeV].
    q_nu, q_mu
        U(1)' charges of the nu_mu doublet and of the muon.
    table
        The experiment's :class:`TridentTable`.
    sin2w
        Weak mixing angle at low Q^2.
    """
    g_v, g_a = 0.5 + 2.0 * sin2w, 0.5
    f1, f2 = table.averages(mass)
    delta = contact_shift(gprime, mass, q_nu, q_mu)
    return 1.0 + (2.0 * g_v * delta * f1 + delta**2 * f2) / (g_v**2 + table.aa_over_vv * g_a**2)
