"""Theory modes: from model parameters to the quantities the likelihood components read.

One physical Z' (or contact interaction), three ways to parametrise it (``model.type`` in the run config). Each mode
is a class (:class:`U1Mode`, :class:`SimplifiedMode`, :class:`EFTMode`) behind the :class:`TheoryMode` interface, and
maps its parameters to the Z' couplings and to eps^{fV}_{aa}(q^2) once, here. The NSI convention throughout is paper
002 eq. 1.1-1.2 (:mod:`globalfit.physics.nsi`): ``L = -sqrt2 G_F eps^{fV}_{ab} (nubar_a gamma P_L nu_b)(fbar gamma f)``,
eps^V = eps^L + eps^R.

``u1`` (default), :class:`U1Mode`
    Anomaly-free U(1)' with charges Q, parameters ``gprime``, ``mass_GeV`` (paper 002). Couplings g_f = g' Q_f;
    ``eps^{fV}_{aa}(q^2) = g'^2 Q_f Q_a / (sqrt2 G_F (q^2 + M^2))`` (f = u, d with Q_q; f = e with Q_e); width and
    branching fractions from the partial widths of :mod:`globalfit.physics.widths`.
``simplified``, :class:`SimplifiedMode`
    Paper 000's simplified vector Z' (its eq. 2.3): couplings g_nu to the neutrinos of the chosen ``flavours`` and
    g_q to every quark, none to charged leptons, Gamma/M fixed (``width_ratio``). Parameters ``epsilon``, ``mass_GeV``,
    where ``epsilon`` is paper 000's eq. 2.4, ``eps = g_nu g_q / (2 sqrt2 G_F M^2)``: the coefficient of each
    chirality in its eq. 2.1 (eps^L = eps^R = eps). Its maps:

    - couplings: ``g_q g_nu = 2 sqrt2 G_F M^2 epsilon`` for each coupled flavour (sets the LHC rates);
    - NSI (default ``epsilon_convention = "physical"``): the same Z' gives
      ``eps^{uV}_{aa} = eps^{dV}_{aa} = 2 epsilon M^2/(q^2 + M^2)`` (eps^V = eps^L + eps^R, as in u1 mode: the
      low-energy terms and the LHC see the same Z');
    - ``epsilon_convention = "paper000"``: ``eps^V = epsilon M^2/(q^2 + M^2)``, the convention in which papers 000 and
      001 confront their eps with COHERENT and oscillation bounds on eps^V (it halves the low-energy eps^V of a given
      coupling product; use it only to reproduce those papers' comparisons).
    - ``per_flavour = True`` (paper 001 Fig. 2): one coupling per neutrino flavour of ``flavours``, parameters
      ``epsilon_ee``, ``epsilon_mumu``, ``epsilon_tautau`` (in that order, for the chosen flavours) instead of
      ``epsilon``; each is eq. 2.4 with that flavour's g_nu, so ``g_q g_nu_a = 2 sqrt2 G_F M^2 epsilon_aa`` and the maps
      above hold flavour by flavour (one Z', one g_q, so the LHC sums the flavours' rates).
    - ``charged_leptons = True`` (paper 001 eq. 7, Fig. 3): the Z' couples to the lepton doublet of each coupled
      flavour with one coupling g_l, so the charged lepton l_a couples as its neutrino does and
      ``g_q g_l_a = 2 sqrt2 G_F M^2 epsilon`` (``epsilon_aa`` per flavour) is the same product as g_q g_nu_a
      (:meth:`TheoryPoint.quark_lepton_coupling`). The charged-lepton current is taken vector (both chiralities,
      as paper 001 eq. 13 treats every lepton, with N_c = 1; the convention of u1 mode's widths): the Drell-Yan rate
      per flavour is ``g_q^2 B(Z' -> l l) = (g_q g_l)^2 Gamma_l^unit / (width_ratio M)`` with Gamma_l^unit the width of
      :func:`globalfit.physics.widths.fermion_width` at unit coupling, M/(12 pi) for a massless lepton
      (:meth:`TheoryPoint.dilepton_strength`), a function of epsilon alone. Gamma/M stays fixed at ``width_ratio``.
      A purely left-handed coupling (the doublet alone, without the singlet) would halve Gamma_ll and the dilepton
      rate. What needs g_l or g_q alone -- the electron NSI eps^e (g_nu g_e), lepton-lepton couplings (trident,
      g-2, nu-e scattering), branching fractions other than through that product -- depends on g_l/g_q, which the
      mode does not fix: a component reading it is refused at build time (:func:`check_determined`).
``eft``, :class:`EFTMode`
    Contact NSI: parameters ``eps_u_ee``, ``eps_d_mumu``, ... (any subset; the others are zero), eps^{fV}_{aa}
    independent of q^2. No Z' (no couplings, width or branching fractions).

A :class:`TheorySpec` is built once from the config; :meth:`TheorySpec.point` turns a mapping of parameter values
(floats or PyTensor variables) into a :class:`TheoryPoint`, whose methods are the only way components read the theory
at run time. What a component reads is declared as :class:`Requirement` objects; :func:`visibility` decides centrally
whether a theory spec can change those quantities at all (the "is this dataset sensitive" question), from the static
structure of the mode (:meth:`TheoryMode.eps_weight`, :meth:`TheoryMode.coupling_weight`) alone;
:func:`check_determined` whether the mode fixes them at all (:meth:`TheoryMode.undetermined`: the simplified mode
fixes products of couplings only).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

import numpy as np

from globalfit.errors import ConfigError, PhysicsError
from globalfit.physics import mixing, nsi, widths
from globalfit.physics.charges import FLAVOURS, ChargeAssignment
from globalfit.physics.constants import G_F, LEPTON_MASSES

MODES = ("u1", "simplified", "eft")
MATTER_FERMIONS = ("u", "d", "e")
QUARKS = ("u", "d", "s", "c", "b", "t")
CHARGED_LEPTONS = FLAVOURS
#: Why the simplified mode cannot give a quantity that needs one coupling alone (messages of check_determined).
UNFIXED_RATIO = ("depends on g_l/g_q, which the simplified mode does not fix (it fixes the products g_q g_l = "
                 "g_q g_nu = 2 sqrt2 G_F M^2 epsilon and Gamma/M = width_ratio)")
EFT_PARAMETERS = tuple(f"eps_{f}_{a}{a}" for f in ("u", "d", "e") for a in FLAVOURS)
#: Simplified-mode conventions for the low-energy eps^V of a given ``epsilon`` (see the module docstring).
EPSILON_CONVENTIONS = {"physical": 2.0, "paper000": 1.0}
#: Simplified-mode parameters with ``per_flavour``: one epsilon per neutrino flavour (see the module docstring).
SIMPLIFIED_FLAVOUR_PARAMETERS = tuple(f"epsilon_{a}{a}" for a in FLAVOURS)


class PhysicsModeError(PhysicsError, ValueError):
    """A quantity asked of a mode that does not define it (e.g. a Z' width in eft mode)."""


# -- the modes ---------------------------------------------------------------------------------------------------
class TheoryMode(ABC):
    """One parametrisation of the theory: its parameters, its static structure and its maps to the couplings and eps.

    The static methods (:meth:`eps_weight`, :meth:`coupling_weight`, :attr:`fixed_width_ratio`) depend on the spec
    only and are used at build time; the others take the parameter ``values`` (floats or tensors).
    """

    name: ClassVar[str] = ""

    def __init__(self, spec: "TheorySpec"):
        self.spec = spec

    # -- static ---------------------------------------------------------------------------------------------
    @property
    @abstractmethod
    def parameter_names(self) -> tuple[str, ...]:
        """The theory parameters this mode reads."""

    @property
    def coupling_name(self) -> str:
        """The coupling scanned by limit scans."""
        return self.parameter_names[0] if self.parameter_names else ""

    @property
    @abstractmethod
    def subject(self) -> str:
        """How messages name this theory (``"the charges B-3Ltau"``)."""

    @abstractmethod
    def eps_weight(self, f: str, alpha: str) -> float:
        """A static number that is zero exactly where eps^{fV}_{alpha alpha} vanishes identically (f = u, d, e)."""

    def coupling_weight(self, fermion: str) -> float:
        """A static number that is zero exactly where the Z' does not couple to ``fermion`` (u, d, ..., e, mu, tau,
        nu_e, nu_mu, nu_tau). Default: no Z'."""
        return 0.0

    def lepton_pattern(self) -> dict[str, float]:
        """Static flavour structure of the diagonal eps: equal entries mean equal eps_aa (up to a common factor)."""
        return {a: float(any(self.eps_weight(f, a) for f in MATTER_FERMIONS)) for a in FLAVOURS}

    @property
    def fixed_width_ratio(self) -> float | None:
        """Gamma/M when the mode fixes it (simplified), else None."""
        return None

    # -- at a point -----------------------------------------------------------------------------------------
    @abstractmethod
    def eps(self, values: Mapping[str, Any], f: str, alpha: str, q2: Any) -> Any:
        """eps^{fV}_{alpha alpha}(q^2) for a matter fermion f = u, d, e."""

    def _no_zprime(self, what: str) -> PhysicsModeError:
        return PhysicsModeError(f"{self.name} mode has no {what}")

    def width(self, values: Mapping[str, Any]) -> Any:
        """Total Z' width [GeV]."""
        raise self._no_zprime("Z' width")

    def width_ratio(self, values: Mapping[str, Any]) -> Any:
        """Gamma/M."""
        return self.width(values) / values["mass_GeV"]

    def branching_fractions(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Z' branching fractions by channel."""
        raise self._no_zprime("branching fractions")

    def quark_neutrino_coupling(self, values: Mapping[str, Any], alpha: str) -> Any:
        """g_q g_{nu_alpha}: product of the Z' couplings to a quark and to nu_alpha."""
        raise self._no_zprime("Z' couplings")

    def quark_lepton_coupling(self, values: Mapping[str, Any], lepton: str) -> Any:
        """g_q g_l: product of the Z' couplings to a quark and to the charged lepton ``lepton`` (e, mu, tau)."""
        raise self._no_zprime("Z' couplings")

    def dilepton_strength(self, values: Mapping[str, Any], lepton: str) -> Any:
        """g_q^2 B(Z' -> l+ l-) for the charged lepton ``lepton``: what a narrow-width Drell-Yan rate at unit quark
        coupling is multiplied by."""
        raise self._no_zprime("branching fractions")

    def undetermined(self, req: "Requirement") -> str:
        """What of ``req`` this mode's parameters leave undetermined ("" if they fix it; default: everything fixed)."""
        return ""

    def coupling(self, values: Mapping[str, Any], fermion: str) -> Any:
        """The Z' vector coupling g_f of one fermion (u1 mode: charges and mixing)."""
        raise self._no_zprime("individual Z' couplings")

    def quark_coupling(self, values: Mapping[str, Any]) -> Any:
        """The one Z' coupling g_q shared by every quark, as LHC production tables at unit coupling assume.

        Raises
        ------
        PhysicsModeError
            When the quarks do not share one coupling (u1 mode with Z-Z' mixing: u and d differ).
        """
        if any(self.coupling_weight(q) != self.coupling_weight("u") for q in QUARKS):
            raise PhysicsModeError(f"the Z' of {self.subject} couples to up- and down-type quarks differently; "
                                   "the LHC production tables assume one quark coupling g_q")
        return self.coupling(values, "u")


class U1Mode(TheoryMode):
    """Anomaly-free U(1)' with charges, optionally with Z-Z' kinetic and mass mixing (module docstring).

    Without mixing every map is the one of paper 002 (couplings g' Q_f). With mixing the Z' vector coupling of each
    fermion is ``g_f = g' Q'_f + e eps Q_f - xi e/(2 s_W c_W) g_V^f`` (:mod:`globalfit.physics.mixing`, paper 004
    eqs. 12-17), computed here once: eps^{fV} = g_{nu_a} g_f / (sqrt2 G_F (q^2 + M^2)), the widths and branching
    fractions, the couplings components read (:meth:`coupling`) and the static effective charges handed to recasts
    (:meth:`effective_charges`) all follow from it.
    """

    name = "u1"

    def __init__(self, spec: "TheorySpec"):
        if spec.charges is None:
            raise ConfigError("u1 mode needs a charge assignment", "model.charges")
        super().__init__(spec)
        #: per-parameter coupling directions: g_f = sum_p values[p] * basis[p].fermion(f)
        g_dir = mixing.charge_couplings(spec.charges)
        if spec.kinetic_mixing == "loop":
            # eps = kappa g': the loop-induced mixing rides on the g' direction (static effective charges)
            g_dir = g_dir + mixing.kinetic_direction().scaled(mixing.loop_kinetic_mixing(spec.charges))
        self.basis: dict[str, mixing.VectorCouplings] = {"gprime": g_dir}
        if spec.kinetic_mixing == "parameter":
            self.basis[mixing.KINETIC_PARAMETER] = mixing.kinetic_direction()
        if spec.mass_mixing == "parameter":
            self.basis[mixing.MASS_PARAMETER] = mixing.mass_direction()

    @property
    def charges(self) -> ChargeAssignment:
        return self.spec.charges

    @property
    def mixed(self) -> bool:
        """Whether any Z-Z' mixing is switched on (False: the maps of paper 002, unchanged)."""
        return self.spec.kinetic_mixing != "none" or self.spec.mass_mixing != "none"

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return ("gprime", "mass_GeV") + tuple(p for p in self.basis if p != "gprime")

    @property
    def subject(self) -> str:
        mix = [f"{k} mixing ({v})" for k, v in (("kinetic", self.spec.kinetic_mixing), ("mass", self.spec.mass_mixing))
               if v != "none"]
        return f"the charges {self.charges.label or self.charges.expression()}" + (f" with {' and '.join(mix)}"
                                                                                 if mix else "")

    def effective_charges(self) -> ChargeAssignment | mixing.VectorCouplings:
        """Static couplings per unit g' (the charges themselves without mixing; with loop mixing Q'_f + kappa e Q_f),
        for code that recasts a published limit once at load (widths, dark-photon recasts).

        Raises
        ------
        ConfigError
            When a mixing parameter is free, so the couplings are not proportional to g'.
        """
        if not self.mixed:
            return self.charges
        if len(self.basis) > 1:
            raise ConfigError("with a free mixing parameter the Z' couplings are not proportional to g', so a limit "
                              "recast once at load cannot follow them; use kinetic_mixing: loop or no mixing",
                              "model.kinetic_mixing" if mixing.KINETIC_PARAMETER in self.basis else "model.mass_mixing")
        return self.basis["gprime"]

    def eps_weight(self, f: str, alpha: str) -> float:
        if not self.mixed:
            return float(self.coupling_weight(f) * self.charges.lepton(alpha))
        return float(self.coupling_weight(f) * self.coupling_weight(f"nu_{alpha}"))

    def coupling_weight(self, fermion: str) -> float:
        if not self.mixed:
            return float(self.charges.fermion(fermion))
        # the g' direction plus the size of every mixing direction: zero only where no coupling can arise
        return float(self.basis["gprime"].fermion(fermion)
                     + sum(abs(v.fermion(fermion)) for k, v in self.basis.items() if k != "gprime"))

    def lepton_pattern(self) -> dict[str, float]:
        if not self.mixed:
            return {a: float(self.charges.lepton(a)) for a in FLAVOURS}
        return {a: self.coupling_weight(f"nu_{a}") for a in FLAVOURS}

    def coupling(self, values, fermion):
        if not self.mixed:
            return values["gprime"] * float(self.charges.fermion(fermion))
        return sum(values[p] * v.fermion(fermion) for p, v in self.basis.items() if v.nonzero(fermion))

    def eps(self, values, f, alpha, q2):
        if not self.mixed:
            q_f, q_a = self.coupling_weight(f), float(self.charges.lepton(alpha))
            if q_f == 0.0 or q_a == 0.0:
                return 0.0
            return nsi.eps_from_coupling(values["gprime"], q_f, q_a, values["mass_GeV"], q2)
        if self.eps_weight(f, alpha) == 0.0:
            return 0.0
        return nsi.eps_from_couplings(self.coupling(values, f"nu_{alpha}"), self.coupling(values, f),
                                      values["mass_GeV"], q2)

    def partial_widths(self, values) -> dict[str, Any]:
        """Partial widths [GeV] per channel of :data:`globalfit.physics.widths.CHANNELS`."""
        if len(self.basis) == 1:
            return widths.partial_widths(self.effective_charges(), values["gprime"], values["mass_GeV"])
        return mixing.mixed_partial_widths(self.basis, values, values["mass_GeV"])

    def width(self, values):
        if not self.mixed:
            return widths.total_width(self.charges, values["gprime"], values["mass_GeV"])
        return sum(self.partial_widths(values).values())

    def branching_fractions(self, values):
        if not self.mixed:
            return widths.branching_fractions(self.charges, values["mass_GeV"])
        if len(self.basis) == 1:
            return widths.branching_fractions(self.effective_charges(), values["mass_GeV"])
        return widths.fractions_of(self.partial_widths(values), values["mass_GeV"])

    def quark_neutrino_coupling(self, values, alpha):
        if not self.mixed:
            return values["gprime"] ** 2 * (float(self.charges.q) * float(self.charges.lepton(alpha)))
        return self.quark_coupling(values) * self.coupling(values, f"nu_{alpha}")

    def quark_lepton_coupling(self, values, lepton):
        if not self.mixed:
            return values["gprime"] ** 2 * (float(self.charges.q) * float(self.charges.lepton(lepton)))
        return self.quark_coupling(values) * self.coupling(values, lepton)

    def dilepton_strength(self, values, lepton):
        # the form the resonance component used before this method existed (g_q^2, then B), kept as it was
        return self.quark_coupling(values) ** 2 * self.branching_fractions(values)[lepton]


class SimplifiedMode(TheoryMode):
    """Paper 000's simplified vector Z' (module docstring)."""

    name = "simplified"

    @property
    def parameter_names(self) -> tuple[str, ...]:
        if self.spec.per_flavour:
            return tuple(self.epsilon_name(a) for a in FLAVOURS if a in self.spec.flavours) + ("mass_GeV",)
        return ("epsilon", "mass_GeV")

    def epsilon_name(self, alpha: str) -> str:
        """The parameter that sets the coupling of nu_alpha: ``epsilon``, or ``epsilon_<alpha alpha>`` per flavour."""
        return f"epsilon_{alpha}{alpha}" if self.spec.per_flavour else "epsilon"

    @property
    def subject(self) -> str:
        leptons = "lepton doublets" if self.spec.charged_leptons else "neutrino flavours"
        return f"the simplified model ({leptons} {', '.join(self.spec.flavours)})"

    def eps_weight(self, f: str, alpha: str) -> float:
        # with charged leptons the Z' gives electron NSI too (not fixed by epsilon: see undetermined)
        quarks_or_electrons = ("u", "d", "e") if self.spec.charged_leptons else ("u", "d")
        return float(f in quarks_or_electrons and alpha in self.spec.flavours)

    def lepton_pattern(self) -> dict[str, float]:
        if not self.spec.per_flavour:
            return super().lepton_pattern()
        # independent couplings per flavour: no two flavours are statically equal (distinct labels), the uncoupled
        # ones are all zero
        return {a: float(i + 1) if a in self.spec.flavours else 0.0 for i, a in enumerate(FLAVOURS)}

    def coupling_weight(self, fermion: str) -> float:
        charged = self.spec.charged_leptons and fermion in CHARGED_LEPTONS and fermion in self.spec.flavours
        return float(fermion in QUARKS or charged or (fermion.startswith("nu_") and fermion[3:] in self.spec.flavours))

    def undetermined(self, req: "Requirement") -> str:
        """Quantities that need g_l (or g_q) alone: eps^e (g_nu g_e), lepton-lepton or single couplings, branching
        fractions. Quark x lepton products, the quark eps and Gamma/M are fixed by epsilon and width_ratio."""
        if req.quantity == "branching_fractions":
            return "Z' branching fractions"
        if (req.quantity == "eps" and "e" in req.fermions and self.spec.charged_leptons
                and any(a in self.spec.flavours for a in req.flavours)):
            return "electron NSI eps^e (g_nu g_e)"
        if req.quantity == "coupling" and req.visible(self):
            quarks, leptons = set(QUARKS), set(CHARGED_LEPTONS + NEUTRINOS)
            sides = (set(req.fermions), set(req.partners))
            if not (req.partners and any(a <= quarks and b <= leptons for a, b in (sides, sides[::-1]))):
                return req.what or "Z' coupling to " + ", ".join(req.fermions + req.partners)
        return ""

    @property
    def fixed_width_ratio(self) -> float:
        return self.spec.width_ratio

    def eps(self, values, f, alpha, q2):
        if not self.eps_weight(f, alpha):
            return 0.0
        if f == "e":
            raise PhysicsModeError(f"eps^e_{alpha}{alpha} of {self.subject} {UNFIXED_RATIO}")
        m2 = values["mass_GeV"] ** 2
        return EPSILON_CONVENTIONS[self.spec.epsilon_convention] * values[self.epsilon_name(alpha)] * m2 / (q2 + m2)

    def width(self, values):
        return self.spec.width_ratio * values["mass_GeV"]

    def width_ratio(self, values):
        # a fixed float, so that table lookups in Gamma/M stay exact at the tabulated width
        return self.spec.width_ratio

    def quark_neutrino_coupling(self, values, alpha):
        if alpha not in self.spec.flavours:
            return 0.0
        # paper 000 eq. 2.4: g_q g_nu = 2 sqrt2 G_F M^2 epsilon
        return 2.0 * np.sqrt(2.0) * G_F * values["mass_GeV"] ** 2 * values[self.epsilon_name(alpha)]

    def quark_lepton_coupling(self, values, lepton):
        if not self.spec.charged_leptons:
            return 0.0
        # paper 001 eq. 7: one coupling g_l for the doublet, so g_q g_l = g_q g_nu of the same flavour
        return self.quark_neutrino_coupling(values, lepton)

    def dilepton_strength(self, values, lepton):
        # narrow width: g_q^2 Gamma_ll / Gamma with Gamma = width_ratio M; Gamma_ll of a vector coupling g_l (module
        # docstring), so only the product g_q g_l enters
        mass = values["mass_GeV"]
        product = self.quark_lepton_coupling(values, lepton)
        return widths.fermion_width(mass, product, LEPTON_MASSES[lepton], 1.0) / (self.spec.width_ratio * mass)


class EFTMode(TheoryMode):
    """Contact NSI (module docstring)."""

    name = "eft"

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return self.spec.eft_parameters

    @property
    def subject(self) -> str:
        return f"the eft parameters {', '.join(self.spec.eft_parameters) or '(none)'}"

    def eps_weight(self, f: str, alpha: str) -> float:
        return float(f"eps_{f}_{alpha}{alpha}" in self.spec.eft_parameters)

    def lepton_pattern(self) -> dict[str, float]:
        return {a: float(any(p.endswith(f"_{a}{a}") for p in self.spec.eft_parameters)) for a in FLAVOURS}

    def eps(self, values, f, alpha, q2):
        return values.get(f"eps_{f}_{alpha}{alpha}", 0.0)


MODE_CLASSES: dict[str, type[TheoryMode]] = {c.name: c for c in (U1Mode, SimplifiedMode, EFTMode)}


# -- the spec and the point ----------------------------------------------------------------------------------------
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
    epsilon_convention
        Simplified mode: ``"physical"`` (default, eps^V = 2 epsilon) or ``"paper000"`` (eps^V = epsilon, papers 000
        and 001's comparison with low-energy bounds); see the module docstring. Config key
        ``model.epsilon_convention``.
    kinetic_mixing, mass_mixing
        u1 mode: Z-Z' mixing (:mod:`globalfit.physics.mixing`). ``"none"`` (default: paper 002's Z'),
        ``"parameter"`` (a theory parameter ``kinetic_mixing`` = eps / ``mass_mixing`` = xi, given a prior or a
        value in the run config) or, for kinetic mixing, ``"loop"`` (eps induced at one loop, proportional to g').
    per_flavour
        Simplified mode: one coupling ``epsilon_<aa>`` per flavour of ``flavours`` instead of one ``epsilon`` (config
        key ``model.per_flavour``; module docstring).
    charged_leptons
        Simplified mode: the charged lepton of each coupled flavour couples with its neutrino's coupling (paper 001
        eq. 7; config key ``model.charged_leptons``; module docstring).
    """

    mode: str = "u1"
    charges: ChargeAssignment | None = None
    width_ratio: float = 0.1
    flavours: tuple[str, ...] = ("e",)
    eft_parameters: tuple[str, ...] = field(default_factory=tuple)
    epsilon_convention: str = "physical"
    kinetic_mixing: str = "none"
    mass_mixing: str = "none"
    per_flavour: bool = False
    charged_leptons: bool = False

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"unknown theory mode {self.mode!r}; expected one of {', '.join(MODES)}", "model.type")
        if self.epsilon_convention not in EPSILON_CONVENTIONS:
            raise ConfigError(f"unknown epsilon_convention {self.epsilon_convention!r}; expected one of "
                              f"{', '.join(EPSILON_CONVENTIONS)}", "model.epsilon_convention")
        for key, value, allowed in (("kinetic_mixing", self.kinetic_mixing, mixing.KINETIC_MIXING),
                                    ("mass_mixing", self.mass_mixing, mixing.MASS_MIXING)):
            if value not in allowed:
                raise ConfigError(f"unknown {key} {value!r}; expected one of {', '.join(allowed)}", f"model.{key}")
            if value != "none" and self.mode != "u1":
                raise ConfigError(f"{key} is a setting of u1 mode (the Z' of a U(1)'), not of {self.mode} mode",
                                  f"model.{key}")
        if self.charged_leptons and self.mode != "simplified":
            raise ConfigError(f"charged_leptons is a setting of the simplified mode, not of {self.mode} mode",
                              "model.charged_leptons")
        object.__setattr__(self, "theory_mode", MODE_CLASSES[self.mode](self))

    theory_mode: TheoryMode = field(init=False, repr=False, compare=False)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """The theory parameters this mode reads (a run config must give each one a prior or a value)."""
        return self.theory_mode.parameter_names

    @property
    def coupling_name(self) -> str:
        """The coupling scanned by limit scans: ``gprime`` (u1), ``epsilon`` (simplified), the first eft parameter."""
        return self.theory_mode.coupling_name

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

    # -- NSI -----------------------------------------------------------------------------------------------
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
            # quark combinations only (f = e is a matter fermion): eps^e is not read, so it need not be defined
            return nsi.combine(self.eps("u", alpha, q2), self.eps("d", alpha, q2), f)
        if alpha not in FLAVOURS:
            raise ValueError(f"unknown neutrino flavour {alpha!r}")
        return self.spec.theory_mode.eps(self.values, f, alpha, q2)

    def eps_matter(self, alpha: str, y_n: float = nsi.Y_N_EARTH) -> Any:
        """Effective matter NSI at q^2 = 0 (paper 002 eq. 2.4 / paper 004 eq. 5)."""
        return nsi.eps_matter(self.eps("u", alpha), self.eps("d", alpha), self.eps("e", alpha), y_n)

    # -- Z' couplings and decays -----------------------------------------------------------------------------
    def coupling(self, fermion: str) -> Any:
        """The Z' vector coupling g_f of ``fermion`` (``u d s c b t``, ``e mu tau``, ``nu_e nu_mu nu_tau``; for a
        neutrino the coefficient of nubar gamma P_L nu): g' Q_f, plus Z-Z' mixing if set (u1 mode)."""
        return self.spec.theory_mode.coupling(self.values, fermion)

    def quark_coupling(self) -> Any:
        """The one Z' coupling g_q of every quark (u1 mode; an error where u and d couplings differ)."""
        return self.spec.theory_mode.quark_coupling(self.values)

    def quark_neutrino_coupling(self, alpha: str) -> Any:
        """g_q g_{nu_alpha} (u1: g'^2 Q_q Q_alpha; simplified: paper 000 eq. 2.4 for the coupled flavours)."""
        return self.spec.theory_mode.quark_neutrino_coupling(self.values, alpha)

    def quark_lepton_coupling(self, lepton: str) -> Any:
        """g_q g_l for the charged lepton ``lepton`` (u1: g'^2 Q_q Q_l; simplified with charged leptons: paper 000
        eq. 2.4 with g_l = g_nu of the flavour, paper 001 eq. 7; zero without them)."""
        return self.spec.theory_mode.quark_lepton_coupling(self.values, lepton)

    def dilepton_strength(self, lepton: str) -> Any:
        """g_q^2 B(Z' -> l+ l-) of the charged lepton ``lepton`` (dimensionless): u1 from the charges' branching
        fractions; simplified from g_q g_l and the fixed Gamma/M (module docstring)."""
        return self.spec.theory_mode.dilepton_strength(self.values, lepton)

    def coupling_product_q_nu(self) -> Any:
        """g_q g_nu of the simplified model (paper 000 eq. 2.4): 2 sqrt(2) G_F M^2 eps."""
        if not isinstance(self.spec.theory_mode, SimplifiedMode):
            raise PhysicsModeError("coupling_product_q_nu is defined in simplified mode only")
        return self.quark_neutrino_coupling(self.spec.flavours[0])

    def width(self) -> Any:
        """Total Z' width [GeV]: partial widths (u1) or width_ratio * M (simplified)."""
        return self.spec.theory_mode.width(self.values)

    def width_ratio(self) -> Any:
        """Gamma/M: from the partial widths (u1, a function of g') or fixed (simplified, a float)."""
        return self.spec.theory_mode.width_ratio(self.values)

    def branching_fractions(self) -> dict[str, Any]:
        """Branching fractions by channel (u1 mode; independent of g')."""
        return self.spec.theory_mode.branching_fractions(self.values)


# -- declared requirements and the visibility of a theory to a dataset --------------------------------------------
NEUTRINOS = tuple(f"nu_{a}" for a in FLAVOURS)


@dataclass(frozen=True)
class Requirement:
    """A theory quantity a component reads (as cobaya's ``get_requirements``).

    Attributes
    ----------
    quantity
        ``"eps"`` (eps^{fV}_{aa} of ``fermions`` x ``flavours``), ``"coupling"`` (the Z' couplings: the product of a
        coupling to one of ``fermions`` and, if given, to one of ``partners``), ``"eps_differences"`` (differences of
        the diagonal eps between flavours: blind to a flavour-universal eps), ``"width"``, ``"branching_fractions"``,
        ``"mass"``, or ``"parameter"`` (theory parameters named in ``fermions``).
    fermions, flavours, partners
        What exactly is read (see ``quantity``).
    what
        How a message names the quantity (``"quark-nu_e/nu_mu coupling"``).
    note
        Why the rest is not seen (``"no tau neutrinos at the SNS"``), appended in parentheses.
    decisive
        Whether the quantity vanishing makes the dataset blind (False for e.g. the mass or branching fractions).
    """

    quantity: str
    fermions: tuple[str, ...] = ()
    flavours: tuple[str, ...] = FLAVOURS
    partners: tuple[str, ...] = ()
    what: str = ""
    note: str = ""
    decisive: bool = True

    def visible(self, mode: TheoryMode) -> bool:
        """Whether this quantity can be non-zero (or change) under ``mode``'s static structure."""
        if self.quantity == "eps":
            return any(mode.eps_weight(f, a) for f in self.fermions for a in self.flavours)
        if self.quantity == "eps_differences":
            pattern = mode.lepton_pattern()
            return len({pattern[a] for a in self.flavours}) > 1
        if self.quantity == "coupling":
            ok = any(mode.coupling_weight(f) for f in self.fermions)
            return ok and (not self.partners or any(mode.coupling_weight(f) for f in self.partners))
        if self.quantity == "parameter":
            return all(p in mode.parameter_names for p in self.fermions)
        return True


def eps_requirement(fermions: tuple[str, ...], flavours: tuple[str, ...] = FLAVOURS, what: str = "",
                    note: str = "") -> Requirement:
    """Shorthand: eps^{fV}_{aa} of ``fermions`` (u, d, e) and neutrino ``flavours``."""
    return Requirement("eps", tuple(fermions), tuple(flavours), what=what, note=note)


def coupling_requirement(fermions: tuple[str, ...], partners: tuple[str, ...] = (), what: str = "",
                         note: str = "") -> Requirement:
    """Shorthand: the Z' couplings to one of ``fermions`` times one of ``partners``."""
    return Requirement("coupling", tuple(fermions), partners=tuple(partners), what=what, note=note)


def visibility(dataset: str, spec: TheorySpec, requirements: list[Requirement],
               consequence: str = "no constraint") -> tuple[bool, str]:
    """Whether ``spec`` can change a likelihood that reads ``requirements``: ``(True, "")`` or ``(False, reason)``.

    The one place where the sensitivity of a dataset to a theory is decided (used by ``Component.is_sensitive``).
    A requirement marked ``decisive`` that the mode's static structure makes identically zero (or flavour-universal,
    for ``eps_differences``) makes the dataset blind; the reason names the dataset, the theory and the quantity.
    """
    mode = spec.theory_mode
    for req in requirements:
        if req.decisive and not req.visible(mode):
            what = req.what or f"{req.quantity} of {', '.join(req.fermions)}"
            note = f" ({req.note})" if req.note else ""
            return False, f"{dataset}: no {what} for {mode.subject}{note}; {consequence}"
    return True, ""


def check_determined(dataset: str, spec: TheorySpec, requirements: list[Requirement], path: str | None = "model") -> None:
    """Refuse a likelihood that reads a quantity ``spec``'s parameters do not fix (:meth:`TheoryMode.undetermined`).

    Raises
    ------
    ConfigError
        Naming the dataset, the quantity and why (simplified mode: it depends on g_l/g_q), at YAML ``path``.
    """
    mode = spec.theory_mode
    for req in requirements:
        what = mode.undetermined(req)
        if what:
            raise ConfigError(f"dataset {dataset!r} reads the {what}: for {mode.subject} it {UNFIXED_RATIO}; "
                              "remove it from this run", path)
