"""Z-Z' kinetic and mass mixing: the effective vector couplings of the light Z' mass eigenstate.

Convention (paper 004 sec. 3, eqs. 9-16)
------------------------------------------
After diagonalisation the Z' (paper 004's Z_2) couples to ``e a_2 j_EM + e/(2 s_W c_W) b_2 j_NC + g' d_2 j'``
(its eq. 12). To first order in the mixing and for M_Z' << M_Z the Z' current is, per fermion f (vector part; the
neutrino entry multiplies ``nubar gamma P_L nu`` as the U(1)' charges do, paper 002 eq. 1.6)::

    g_f = g' Q'_f + e eps Q_f - xi e / (2 s_W c_W) g_V^f ,

    g_V^f = T3_f - 2 s_W^2 Q_f  (paper 004 eq. 17: e -1/2 + 2 s^2, u 1/2 - 4/3 s^2, d -1/2 + 2/3 s^2; nu: 1),

with ``eps = a_2`` (= -c_W tan(chi) cos(xi) of paper 004 eq. 13; config key ``kinetic_mixing``) and ``xi`` the Z-Z'
mass-mixing angle of its eq. 14-15 (``mass_mixing``; ``b_2 = s_W tan(chi) cos(xi) - sin(xi) ~ -xi`` for a light
Z', where the s_W chi part is cancelled by the Z-Z' angle that kinetic mixing itself induces, up to M_Z'^2/M_Z^2).
Z exchange with its O(xi) coupling to j' is neglected: it is suppressed by M_Z'^2/M_Z^2 against Z' exchange (paper
004 eq. 30 keeps both; for M_Z' << M_Z the two agree). Axial couplings from mass mixing are not kept (widths and
rates use the vector couplings).

Consequences (tested in tests/test_mixing.py): kinetic mixing alone couples the Z' to the electric charge, so the
proton and electron NSI cancel in neutral matter (paper 004 eq. 29, eps^p + eps^e = 0) and the neutron NSI vanish
(its eq. 30 with delta M^2 = 0); mass mixing gives the neutron NSI of its eq. 31,
``eps^n_tautau - eps^n_mumu = -2 e g' xi / (4 sqrt2 G_F s_W c_W M_Z'^2)`` for L_mu - L_tau, with ``xi = dM^2/M_Z^2``.

Loop-induced kinetic mixing (``kinetic_mixing: loop``)
-----------------------------------------------------
Fermions charged under both U(1)_EM and U(1)' mix the two at one loop. The vacuum-polarisation cross term gives,
in the convention above (the Z' current gains e eps Q_f),

    eps = -(e g' / (12 pi^2)) sum_f N_f Q_f Q'_f ln(Lambda^2 / m_f^2),

which is finite (Lambda drops out) when ``sum_f N_f Q_f Q'_f = 0``. For L_mu - L_tau (Q'_mu = 1, Q'_tau = -1,
Q_mu = Q_tau = -1) it is ``eps = e g' / (12 pi^2) ln(m_tau^2 / m_mu^2) ~ g'/70`` (e.g. Escudero et al.,
arXiv:1901.02010 eq. 2.3; Bauer, Foldenauer, Jaeckel arXiv:1803.05466). It is offered only for charge assignments
without quark charges (quark loops at low q^2 need hadronic input) and with a vanishing divergent sum.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Mapping

import numpy as np

from globalfit.errors import ConfigError
from globalfit.physics import widths
from globalfit.physics.charges import FLAVOURS, ChargeAssignment
from globalfit.physics.constants import ALPHA_EM, LEPTON_MASSES, SIN2_THETA_W_LOW

#: Elementary charge e = sqrt(4 pi alpha) at q^2 = 0 (alpha from constants.ALPHA_EM, CODATA 2018).
E_CHARGE = float(np.sqrt(4.0 * np.pi * ALPHA_EM))
#: sin^2 theta_W at low q^2 (constants.SIN2_THETA_W_LOW), the scale of oscillations and CEvNS.
S2W = SIN2_THETA_W_LOW

QUARKS = ("u", "d", "s", "c", "b", "t")
UP_TYPE = ("u", "c", "t")
CHARGED_LEPTONS = FLAVOURS
NEUTRINOS = tuple(f"nu_{a}" for a in FLAVOURS)
FERMIONS = QUARKS + CHARGED_LEPTONS + NEUTRINOS

#: Mixing settings: ``model.kinetic_mixing`` and ``model.mass_mixing``.
KINETIC_MIXING = ("none", "parameter", "loop")
MASS_MIXING = ("none", "parameter")
#: Names of the theory parameters the ``parameter`` settings add (u1 mode).
KINETIC_PARAMETER = "kinetic_mixing"
MASS_PARAMETER = "mass_mixing"


def electric_charge(f: str) -> float:
    """Electric charge Q_f in units of e (neutrinos 0)."""
    if f in QUARKS:
        return 2.0 / 3.0 if f in UP_TYPE else -1.0 / 3.0
    return 0.0 if f.startswith("nu_") else -1.0


def nc_vector_coupling(f: str, s2w: float = S2W) -> float:
    """Vector coefficient g_V^f = T3 - 2 s_W^2 Q of j_NC = 2 j3_W - 2 s_W^2 j_EM (paper 004 eqs. 10, 17); for a
    neutrino the coefficient of ``nubar gamma P_L nu`` (1)."""
    if f.startswith("nu_"):
        return 1.0
    t3 = 0.5 if f in UP_TYPE else -0.5
    return t3 - 2.0 * s2w * electric_charge(f)


@dataclass(frozen=True)
class VectorCouplings:
    """Static couplings per fermion (dimensionless, per unit of the parameter that multiplies them).

    Duck-types the part of :class:`~globalfit.physics.charges.ChargeAssignment` that widths and the dark-photon
    recasts read (``fermion``, ``lepton``, ``e``, ``mu``, ``tau``, ``label``), so that effective charges can be
    handed to them unchanged. Fermions: ``u d s c b t``, ``e mu tau``, ``nu_e nu_mu nu_tau``.
    """

    values: tuple[tuple[str, float], ...]
    label: str = ""

    @classmethod
    def of(cls, mapping: Mapping[str, float], label: str = "") -> "VectorCouplings":
        return cls(tuple((f, float(mapping.get(f, 0.0))) for f in FERMIONS), label)

    def fermion(self, f: str) -> float:
        """Coupling of fermion ``f``."""
        return dict(self.values)[f]

    def lepton(self, flavour: str) -> float:
        """Coupling of the charged lepton of ``flavour`` (as ChargeAssignment.lepton)."""
        return self.fermion(flavour)

    @property
    def e(self) -> float:
        return self.fermion("e")

    @property
    def mu(self) -> float:
        return self.fermion("mu")

    @property
    def tau(self) -> float:
        return self.fermion("tau")

    def __add__(self, other: "VectorCouplings") -> "VectorCouplings":
        b = dict(other.values)
        return VectorCouplings(tuple((f, v + b[f]) for f, v in self.values), self.label)

    def scaled(self, factor: float) -> "VectorCouplings":
        return VectorCouplings(tuple((f, factor * v) for f, v in self.values), self.label)

    def nonzero(self, f: str) -> bool:
        return self.fermion(f) != 0.0


def charge_couplings(charges: ChargeAssignment) -> VectorCouplings:
    """The U(1)' charges Q'_f per fermion (the g' direction)."""
    return VectorCouplings.of({f: float(charges.fermion(f)) for f in FERMIONS},
                              charges.label or charges.expression())


def kinetic_direction() -> VectorCouplings:
    """Per unit kinetic mixing eps: e Q_f (module docstring)."""
    return VectorCouplings.of({f: E_CHARGE * electric_charge(f) for f in FERMIONS}, "kinetic mixing")


def mass_direction(s2w: float = S2W) -> VectorCouplings:
    """Per unit mass-mixing angle xi: -e/(2 s_W c_W) g_V^f (module docstring)."""
    norm = -E_CHARGE / (2.0 * np.sqrt(s2w * (1.0 - s2w)))
    return VectorCouplings.of({f: norm * nc_vector_coupling(f, s2w) for f in FERMIONS}, "mass mixing")


def loop_kinetic_mixing(charges: ChargeAssignment) -> float:
    """Loop-induced eps per unit g' (module docstring): ``-(e/12 pi^2) sum_l Q_l Q'_l ln(1/m_l^2)`` over the
    charged leptons, finite when ``sum_l Q_l Q'_l = 0``; for L_mu - L_tau ``e ln(m_tau^2/m_mu^2) / (12 pi^2)``.

    Raises
    ------
    ConfigError
        For charges with quark charges or a divergent (scale-dependent) lepton sum (key ``model.kinetic_mixing``).
    """
    where = "model.kinetic_mixing"
    if charges.q != 0:
        raise ConfigError("kinetic_mixing: loop needs charges without quark charges (quark loops at low q^2 need "
                          f"hadronic input); {charges.label or charges.expression()} has Q_q = {charges.q}", where)
    # Q_l = -1 for every charged lepton; the log-divergent part is proportional to sum_l Q_l Q'_l
    total = sum(-Fraction(charges.lepton(a)) for a in FLAVOURS)
    if total != 0:
        raise ConfigError("kinetic_mixing: loop needs sum_l Q_l Q'_l = 0 over the charged leptons (else the loop "
                          f"depends on the cut-off); {charges.label or charges.expression()} gives {-total}", where)
    s = sum(-float(charges.lepton(a)) * np.log(LEPTON_MASSES[a] ** 2) for a in FLAVOURS)
    # eps = -(e/12 pi^2) sum Q Q' ln(Lambda^2/m^2) = (e/12 pi^2) sum Q Q' ln(m^2) once sum Q Q' = 0
    return float(E_CHARGE / (12.0 * np.pi**2) * s)


def mixed_partial_widths(basis: Mapping[str, VectorCouplings], values: Mapping[str, Any], mass: Any) -> dict[str, Any]:
    """Partial widths [GeV] per channel of :data:`globalfit.physics.widths.CHANNELS` for couplings
    ``g_f = sum_p values[p] basis[p].fermion(f)`` whose coefficients may be tensors.

    Every channel width (partonic, and the VMD hadronic one, whose R ratios are squares of linear combinations of
    the quark couplings) is a quadratic form in the couplings, so it is rebuilt exactly by polarisation from widths
    of static coupling vectors: ``W(sum_i p_i v_i) = sum_i p_i^2 W(v_i) + sum_{i<j} p_i p_j [W(v_i + v_j) - W(v_i)
    - W(v_j)]``.
    """
    names = list(basis)
    single = {p: widths.vector_partial_widths(dict(basis[p].values), 1.0, mass) for p in names}
    out = {ch: sum(values[p] ** 2 * single[p][ch] for p in names) for ch in widths.CHANNELS}
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            both = widths.vector_partial_widths(dict((basis[a] + basis[b]).values), 1.0, mass)
            for ch in widths.CHANNELS:
                out[ch] = out[ch] + values[a] * values[b] * (both[ch] - single[a][ch] - single[b][ch])
    return out
