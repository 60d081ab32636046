"""Theory modes: from model parameters to the quantities the likelihood components read.

Three modes (``model.type`` in the run config):

``u1`` (default)
    Anomaly-free U(1)' with charges, free g' and M_Z' (paper 002). eps(q^2) from :mod:`globalfit.physics.nsi`.
``simplified``
    Paper 000's simplified vector Z' (its eq. 2.3): couplings g_nu to the neutrinos of the chosen flavours
    and g_q to u and d (all generations), Gamma/M fixed. The NSI parameter (its eq. 2.4) is
    ``eps = g_nu g_q / (2 sqrt(2) G_F M^2)`` (note the 2 relative to the U(1)' normalisation of paper 002:
    each paper is followed in its own mode), eps^u = eps^d = eps at q^2 = 0, with the propagator
    M^2/(q^2 + M^2) at finite momentum transfer. Free parameters ``epsilon`` and ``mass_GeV``.

    Normalisation caveat: paper 000 writes its operators as -2 sqrt(2) G_F eps (nubar gamma P_L nu)(fbar gamma P_Y f)
    (its eq. 2.1), so for L = R couplings its eq. 2.4 is the coefficient of each chirality; under paper 002's
    eq. 1.1-1.2 (eps^V = eps^L + eps^R) the same couplings g_nu g_q would give eps^V = g_nu g_q/(sqrt(2) G_F M^2),
    twice eq. 2.4. Like papers 000 and 001, which confront this eps with COHERENT and oscillation bounds on
    eps^V directly, we pass ``epsilon`` to the low-energy components as eps^V, and use eq. 2.4 only to turn it
    into the coupling product that sets LHC rates. A simplified-mode epsilon and a u1-mode g' are therefore
    related through paper 000's normalisation, not paper 002's.
``eft``
    Contact NSI: free parameters ``eps_u_ee``, ``eps_d_mumu``, ... (any subset; the others are zero),
    independent of q^2.

A :class:`TheorySpec` is built once from the config; :meth:`TheorySpec.point` turns a mapping of parameter
values (floats or PyTensor variables) into a :class:`TheoryPoint`, whose methods are the only way
components read the theory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from globalfit.errors import ConfigError
from globalfit.physics import nsi, widths
from globalfit.physics.charges import FLAVOURS, ChargeAssignment
from globalfit.physics.constants import G_F
from globalfit.tensor import math_of

MODES = ("u1", "simplified", "eft")
MATTER_FERMIONS = ("u", "d", "e")
EFT_PARAMETERS = tuple(f"eps_{f}_{a}{a}" for f in ("u", "d", "e") for a in FLAVOURS)


@dataclass(frozen=True)
class TheorySpec:
    """What stays fixed during a fit: the mode and its fixed settings.

    Attributes
    ----------
    mode
        ``"u1"``, ``"simplified"`` or ``"eft"``.
    charges
        Charge assignment (``u1`` mode only).
    width_ratio
        Gamma/M in ``simplified`` mode (paper 000 default 0.1).
    flavours
        Neutrino flavours that couple in ``simplified`` mode (paper 000 uses ``("e",)``).
    eft_parameters
        Names of the free eps parameters in ``eft`` mode.
    """

    mode: str = "u1"
    charges: ChargeAssignment | None = None
    width_ratio: float = 0.1
    flavours: tuple[str, ...] = ("e",)
    eft_parameters: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"unknown theory mode {self.mode!r}; expected one of {', '.join(MODES)}", "model.type")
        if self.mode == "u1" and self.charges is None:
            raise ConfigError("u1 mode needs a charge assignment", "model.charges")

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """The theory parameters this mode reads (a run config must give each one a prior or a value)."""
        if self.mode == "u1":
            return ("gprime", "mass_GeV")
        if self.mode == "simplified":
            return ("epsilon", "mass_GeV")
        return self.eft_parameters

    @property
    def coupling_name(self) -> str:
        """The coupling scanned by limit scans: ``gprime`` (u1) or ``epsilon`` (simplified)."""
        return {"u1": "gprime", "simplified": "epsilon"}.get(self.mode, self.eft_parameters[0] if self.eft_parameters else "")

    def point(self, values: Mapping[str, Any]) -> "TheoryPoint":
        """Theory quantities at parameter ``values`` (floats, arrays or PyTensor variables)."""
        missing = [p for p in self.parameter_names if p not in values]
        if missing:
            raise KeyError(f"theory parameters missing: {missing}")
        return TheoryPoint(self, dict(values))


@dataclass
class TheoryPoint:
    """Theory quantities at one parameter point; every method works on floats and on PyTensor graphs."""

    spec: TheorySpec
    values: dict[str, Any]

    # -- parameters --------------------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self.spec.mode

    @property
    def mass(self) -> Any:
        """Z' mass [GeV] (``None`` in eft mode)."""
        return self.values.get("mass_GeV")

    @property
    def gprime(self) -> Any:
        """U(1)' coupling (u1 mode)."""
        return self.values.get("gprime")

    @property
    def charges(self) -> ChargeAssignment | None:
        return self.spec.charges

    # -- NSI ---------------------------------------------------------------------------------------------
    def eps(self, f: str, alpha: str, q2: Any = 0.0) -> Any:
        """eps^{fV}_{alpha alpha}(q^2), dimensionless.

        Parameters
        ----------
        f
            ``u``, ``d``, ``e``, or a combination ``p``, ``n``, ``p+n`` (paper 004 conventions).
        alpha
            Neutrino flavour ``e``, ``mu``, ``tau``.
        q2
            Momentum transfer squared [GeV^2]; 0 for oscillations, 2 M_N E_r for CEvNS.
        """
        if f not in MATTER_FERMIONS:
            return nsi.combine(self.eps("u", alpha, q2), self.eps("d", alpha, q2), f, self.eps("e", alpha, q2))
        if alpha not in FLAVOURS:
            raise ValueError(f"unknown neutrino flavour {alpha!r}")
        mode = self.spec.mode
        if mode == "u1":
            ch = self.spec.charges
            q_f = float(ch.q if f in ("u", "d") else ch.e)
            q_a = float(ch.lepton(alpha))
            if q_f == 0.0 or q_a == 0.0:
                return 0.0
            return nsi.eps_from_coupling(self.gprime, q_f, q_a, self.mass, q2)
        if mode == "simplified":
            if f == "e" or alpha not in self.spec.flavours:
                return 0.0
            m2 = self.mass**2
            return self.values["epsilon"] * m2 / (q2 + m2)
        return self.values.get(f"eps_{f}_{alpha}{alpha}", 0.0)

    def eps_matter(self, alpha: str, y_n: float = nsi.Y_N_EARTH) -> Any:
        """Effective matter NSI at q^2 = 0 (paper 002 eq. 2.4 / paper 004 eq. 5)."""
        return nsi.eps_matter(self.eps("u", alpha), self.eps("d", alpha), self.eps("e", alpha), y_n)

    # -- Z' couplings and decays ---------------------------------------------------------------------------
    def coupling(self, fermion: str) -> Any:
        """Vector coupling of the Z' to ``fermion`` (u1 mode): g' Q_f. Neutrinos as ``nu_e`` etc."""
        if self.spec.mode != "u1":
            raise ValueError("individual Z' couplings are defined in u1 mode only")
        return self.gprime * float(self.spec.charges.fermion(fermion))

    def coupling_product_q_nu(self) -> Any:
        """g_q g_nu of the simplified model (paper 000 eq. 2.4): 2 sqrt(2) G_F M^2 eps."""
        if self.spec.mode != "simplified":
            raise ValueError("coupling_product_q_nu is defined in simplified mode only")
        return 2.0 * np.sqrt(2.0) * G_F * self.mass**2 * self.values["epsilon"]

    def width(self) -> Any:
        """Total Z' width [GeV]: partial widths (u1) or width_ratio * M (simplified)."""
        if self.spec.mode == "u1":
            return widths.total_width(self.spec.charges, self.gprime, self.mass)
        if self.spec.mode == "simplified":
            return self.spec.width_ratio * self.mass
        raise ValueError("eft mode has no Z' width")

    def branching_fractions(self) -> dict[str, Any]:
        """Branching fractions by channel (u1 mode; independent of g')."""
        if self.spec.mode != "u1":
            raise ValueError("branching fractions are defined in u1 mode only")
        return widths.branching_fractions(self.spec.charges, self.mass)

    def width_bound_ok(self) -> Any:
        """Simplified mode: True where |eps| respects paper 000 eq. 2.9 (numpy inputs only)."""
        m = math_of(self.values["epsilon"])
        bound = nsi.simplified_width_bound(self.mass, self.spec.width_ratio, nsi.n_open_quarks(float(self.mass)))
        return m.abs(self.values["epsilon"]) <= bound
