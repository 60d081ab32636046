"""Neutrino-electron elastic scattering with a vector Z' (TEXONO, Borexino, CHARM-II).

Standard Model
--------------
For nu_alpha e -> nu_alpha e with the electron at rest (recoil kinetic energy T, neutrino energy E), to tree level
(e.g. Giunti & Kim, *Fundamentals of Neutrino Physics and Astrophysics*, 2007, eq. 5.28; PDG review "Neutrino cross
section measurements")::

    dsigma/dT = G_F^2 m_e / (2 pi) [ (g_V + g_A)^2 + (g_V - g_A)^2 (1 - T/E)^2 - (g_V^2 - g_A^2) m_e T / E^2 ],

with ``g_V = -1/2 + 2 sin^2 theta_W``, ``g_A = -1/2`` for nu_mu and nu_tau (Z exchange only) and both shifted by +1 for
nu_e (W exchange, Fierz-rearranged into the same (V-A)(V-A) form). For antineutrinos ``g_A -> -g_A``.
Kinematics: ``T_max = 2 E^2 / (m_e + 2 E)``; the smallest E reaching T is ``(T + sqrt(T^2 + 2 m_e T)) / 2``.

Z' contribution
---------------
A Z' with vector couplings g' Q_e to the electron and g' Q_alpha to the lepton doublet of flavour alpha, exchanged
at momentum transfer ``q^2 = 2 m_e T``, adds to the neutral-current effective operator exactly the NSI of the project
convention (:func:`globalfit.physics.nsi.eps_from_coupling`): the electron vector coupling is shifted,

    g_V -> g_V + eps^{eV}_{alpha alpha}(q^2),   eps = g'^2 Q_e Q_alpha / (sqrt2 G_F (2 m_e T + M^2)),

(same Lorentz structure as the Z term, so the interference with W/Z is contained in the shift). dsigma/dT is then a
quadratic in eps at each T: ``dsigma/dT = s0 + s1 eps + s2 eps^2``. A :class:`ScatteringResponse` folds s1 and s2
with the neutrino flux and the experiment's recoil window on fixed quadrature nodes in T, so that the change of the
measured rate is a short sum over nodes of the eps(q^2_k) the theory point supplies (numpy or PyTensor alike).

Units: GeV throughout (cross sections in GeV^-2, dsigma/dT in GeV^-3); spectra are normalised shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from globalfit.errors import PhysicsError
from globalfit.physics.charges import FLAVOURS
from globalfit.physics.constants import G_F, M_E, SIN2_THETA_W_LOW
from globalfit.tensor import math_of

#: G_F^2 m_e / (2 pi) [GeV^-3], the prefactor of dsigma/dT.
PREFACTOR = G_F**2 * M_E / (2.0 * np.pi)

#: Reactor anti-nu_e spectra dN/dE = exp(a0 + a1 E + a2 E^2) per fission per MeV (E in MeV), P. Vogel and J. Engel,
#: Phys. Rev. D 39 (1989) 3378, table I (fits valid for 2-8 MeV; used here to ~10 MeV, where the flux is negligible).
VOGEL_ENGEL = {
    "U235": (0.870, -0.160, -0.0910),
    "Pu239": (0.896, -0.239, -0.0981),
    "Pu241": (0.793, -0.080, -0.1085),
    "U238": (0.976, -0.162, -0.0790),
}
#: Upper end of the reactor spectrum integration [GeV] (the flux above 10 MeV is below 1e-3 of its peak).
REACTOR_E_MAX = 10.0e-3


def sm_couplings(flavour: str, sin2w: float = SIN2_THETA_W_LOW) -> tuple[float, float]:
    """(g_V, g_A) of nu_flavour on electrons in the Standard Model (module docstring; nu_e includes W exchange)."""
    if flavour not in FLAVOURS:
        raise PhysicsError(f"unknown neutrino flavour {flavour!r} (one of {', '.join(FLAVOURS)})")
    g_v, g_a = -0.5 + 2.0 * sin2w, -0.5
    if flavour == "e":
        g_v, g_a = g_v + 1.0, g_a + 1.0
    return g_v, g_a


def max_recoil(energy: Any) -> Any:
    """Largest electron recoil kinetic energy T_max [GeV] for neutrino energy ``energy`` [GeV]."""
    return 2.0 * energy**2 / (M_E + 2.0 * energy)


def min_energy(recoil: Any) -> Any:
    """Smallest neutrino energy [GeV] that can give an electron recoil ``recoil`` [GeV]."""
    return 0.5 * (recoil + np.sqrt(recoil**2 + 2.0 * M_E * recoil))


def momentum_transfer2(recoil: Any) -> Any:
    """q^2 = -t = 2 m_e T [GeV^2] for an electron recoil ``recoil`` [GeV]."""
    return 2.0 * M_E * recoil


def _bracket_terms(recoil: np.ndarray, energy: np.ndarray, flavour: str, antineutrino: bool,
                   sin2w: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(s0, s1, s2)/PREFACTOR: the bracket of dsigma/dT expanded in the shift eps of g_V (zero above T_max)."""
    g_v, g_a = sm_couplings(flavour, sin2w)
    if antineutrino:
        g_a = -g_a
    y2 = (1.0 - recoil / energy) ** 2
    r = M_E * recoil / energy**2
    allowed = (recoil <= max_recoil(energy)).astype(float)
    s0 = (g_v + g_a) ** 2 + (g_v - g_a) ** 2 * y2 - (g_v**2 - g_a**2) * r
    s1 = 2.0 * (g_v + g_a) + 2.0 * (g_v - g_a) * y2 - 2.0 * g_v * r
    s2 = 1.0 + y2 - r
    return s0 * allowed, s1 * allowed, s2 * allowed


def dsigma_dT(recoil: Any, energy: Any, flavour: str, antineutrino: bool = False, eps: Any = 0.0,
              sin2w: float = SIN2_THETA_W_LOW) -> np.ndarray:
    """dsigma/dT [GeV^-3] of (anti)nu_flavour e -> (anti)nu e, with the vector shift ``eps`` of g_V.

    Parameters
    ----------
    recoil
        Electron recoil kinetic energy T [GeV]; zero cross section above T_max(E).
    energy
        Neutrino energy E [GeV].
    flavour
        ``"e"``, ``"mu"`` or ``"tau"``.
    antineutrino
        True for anti-neutrinos (g_A -> -g_A).
    eps
        eps^{eV}_{aa} at q^2 = 2 m_e T (dimensionless; scalar or array broadcasting with ``recoil``).
    sin2w
        sin^2 theta_W (default: low-energy MS-bar value).
    """
    recoil, energy = np.broadcast_arrays(np.asarray(recoil, float), np.asarray(energy, float))
    s0, s1, s2 = _bracket_terms(recoil, energy, flavour, antineutrino, sin2w)
    return PREFACTOR * (s0 + s1 * eps + s2 * np.asarray(eps) ** 2)


def gauss_nodes(lower: float, upper: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on [lower, upper]."""
    x, w = np.polynomial.legendre.leggauss(n)
    half = 0.5 * (upper - lower)
    return lower + half * (x + 1.0), half * w


def cross_section(energy: float, flavour: str, antineutrino: bool = False, recoil_GeV: tuple[float, float] | None = None,
                  eps: Callable[[np.ndarray], np.ndarray] | float = 0.0, n: int = 64,
                  sin2w: float = SIN2_THETA_W_LOW) -> float:
    """sigma [GeV^-2] of (anti)nu_flavour e at one energy, integrated over a recoil window (default: all of it).

    ``eps`` is a number or a function of q^2 [GeV^2] (e.g. ``lambda q2: eps_from_coupling(g, Qe, Qa, M, q2)``).
    """
    lo, hi = recoil_GeV if recoil_GeV is not None else (0.0, np.inf)
    hi = min(hi, float(max_recoil(energy)))
    if hi <= lo:
        return 0.0
    t, w = gauss_nodes(lo, hi, n)
    e = eps(momentum_transfer2(t)) if callable(eps) else eps
    return float(np.sum(w * dsigma_dT(t, energy, flavour, antineutrino, e, sin2w)))


def reactor_spectrum(energy: np.ndarray, fission_fractions: Mapping[str, float]) -> np.ndarray:
    """Reactor anti-nu_e spectrum shape dN/dE (per fission per MeV, for E in GeV) of a fuel mixture (Vogel-Engel)."""
    unknown = [k for k in fission_fractions if k not in VOGEL_ENGEL]
    if unknown:
        raise PhysicsError(f"unknown fissioning isotope {unknown[0]!r} (one of {', '.join(VOGEL_ENGEL)})")
    e_mev = np.asarray(energy, float) * 1e3
    return sum(f * np.exp(a0 + a1 * e_mev + a2 * e_mev**2) for k, f in fission_fractions.items()
               for a0, a1, a2 in [VOGEL_ENGEL[k]])


@dataclass(frozen=True)
class Beam:
    """One incoherent part of an experiment's neutrino flux.

    Attributes
    ----------
    flavour
        Neutrino flavour at the detector (``e``, ``mu``, ``tau``).
    antineutrino
        Whether the part is anti-neutrinos.
    fraction
        Share of the flux (flavour fraction after oscillation, or beam share); the parts of a channel are summed.
    energy_GeV
        Energy of a line (7Be, or a beam approximated by its mean energy); ``None`` with a ``spectrum``.
    spectrum
        ``{"reactor": {isotope: fission fraction}}`` for a reactor spectrum (normalised over its range).
    """

    flavour: str
    antineutrino: bool = False
    fraction: float = 1.0
    energy_GeV: float | None = None
    spectrum: Mapping[str, Mapping[str, float]] | None = None


@dataclass(frozen=True)
class ScatteringResponse:
    """The rate of one measured channel as a function of the eps^{eV}_{aa}(q^2) on fixed recoil nodes.

    ``sigma = sm + sum_a sum_k (linear[a]_k eps_a(q2_k) + quadratic[a]_k eps_a(q2_k)^2)`` [GeV^-2], the flux-averaged
    cross section in the recoil window (weights include quadrature, flux and flavour fractions).
    """

    q2_GeV2: np.ndarray
    sm: float
    linear: Mapping[str, np.ndarray]
    quadratic: Mapping[str, np.ndarray]
    flavours: tuple[str, ...] = field(default=())

    def delta_sigma(self, eps: Mapping[str, Any]) -> Any:
        """sigma - sigma_SM [GeV^-2] for ``eps[flavour]`` evaluated at :attr:`q2_GeV2` (numpy or PyTensor)."""
        total: Any = 0.0
        for a in self.flavours:
            e = eps.get(a, 0.0)
            if isinstance(e, (int, float)) and e == 0.0:
                continue  # a flavour the charges do not couple adds nothing
            m = math_of(e)
            total = total + m.sum(self.linear[a] * e + self.quadratic[a] * e**2)
        return total


def channel_response(beams: Sequence[Beam], recoil_GeV: tuple[float, float], n: int = 48) -> ScatteringResponse:
    """Fold dsigma/dT of the ``beams`` (summed) with their fluxes over ``recoil_GeV`` = (T_min, T_max) [GeV].

    Line beams get Gauss-Legendre nodes up to min(T_max, kinematic T_max(E)); a reactor spectrum is integrated over
    E from E_min(T) to :data:`REACTOR_E_MAX` at each node. The node sets of the beams are concatenated.
    """
    lo, hi = recoil_GeV
    if not 0.0 <= lo < hi:
        raise PhysicsError(f"recoil window {recoil_GeV} must satisfy 0 <= T_min < T_max")
    q2, sm, lin, quad = [], 0.0, {a: [] for a in FLAVOURS}, {a: [] for a in FLAVOURS}
    for beam in beams:
        if beam.energy_GeV is not None:
            top = min(hi, float(max_recoil(beam.energy_GeV)))
            if top <= lo:
                raise PhysicsError(f"a {beam.energy_GeV:g} GeV line cannot reach the recoil window {recoil_GeV}")
            t, w = gauss_nodes(lo, top, n)
            s0, s1, s2 = (w * s for s in _bracket_terms(t, np.full_like(t, beam.energy_GeV), beam.flavour,
                                                        beam.antineutrino, SIN2_THETA_W_LOW))
        elif beam.spectrum is not None and "reactor" in beam.spectrum:
            t, w = gauss_nodes(lo, hi, n)
            s0, s1, s2 = _reactor_fold(t, w, beam, beam.spectrum["reactor"])
        else:
            raise PhysicsError("a beam needs energy_GeV or spectrum: {reactor: {isotope: fraction}}")
        q2.append(momentum_transfer2(t))
        sm += beam.fraction * PREFACTOR * float(np.sum(s0))
        for a in FLAVOURS:
            on = a == beam.flavour
            lin[a].append(beam.fraction * PREFACTOR * s1 * on)
            quad[a].append(beam.fraction * PREFACTOR * s2 * on)
    flavours = tuple(a for a in FLAVOURS if any(b.flavour == a for b in beams))
    return ScatteringResponse(np.concatenate(q2), sm, {a: np.concatenate(lin[a]) for a in flavours},
                              {a: np.concatenate(quad[a]) for a in flavours}, flavours)


def _reactor_fold(t: np.ndarray, w: np.ndarray, beam: Beam, fractions: Mapping[str, float],
                  n_energy: int = 64) -> tuple[np.ndarray, ...]:
    """Quadrature-weighted (s0, s1, s2)/PREFACTOR at recoil nodes ``t``, averaged over a reactor spectrum."""
    e_all, w_all = gauss_nodes(min_energy(1e-6 * M_E), REACTOR_E_MAX, 4 * n_energy)
    norm = float(np.sum(w_all * reactor_spectrum(e_all, fractions)))
    out = [np.zeros_like(t) for _ in range(3)]
    for k, tk in enumerate(t):
        e, we = gauss_nodes(float(min_energy(tk)), REACTOR_E_MAX, n_energy)
        flux = we * reactor_spectrum(e, fractions) / norm
        for s, o in zip(_bracket_terms(np.full_like(e, tk), e, beam.flavour, beam.antineutrino, SIN2_THETA_W_LOW), out):
            o[k] = w[k] * float(np.sum(flux * s))
    return tuple(out)
