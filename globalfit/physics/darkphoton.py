"""Recasting dark-photon and other vector-boson limits to a U(1)' Z' (method of Ilten, Soreq, Williams, Xue,
arXiv:1801.04847, "Darkcast"; our written summary of it is the reference NOTES.md of the priors data).

A search for a vector X produced by mechanism i and decaying to mu+ mu- excludes a fixed signal yield. With
production rates proportional to the squared effective charge of each mechanism, and prompt decays, the limit
on a new model's coupling at mass m is::

    g_new^2 = eps_lim^2 * [sum_i f_i(m) r_i]^-1 * BR_DP(mu mu) / BR_new(mu mu)

where f_i are the dark-photon production fractions (LHCb: from the collaboration's production model) and
r_i = S_i^new / S_i^DP the ratio of squared effective charges (dark photon: x_f = e Q_f):

* Drell-Yan q qbar -> X: (x_q / (e Q_q))^2;
* mixing with rho, omega, phi: ((x_u - x_d)/(e (Q_u - Q_d)))^2, ((x_u + x_d)/(e (Q_u + Q_d)))^2, (x_s/(e Q_s))^2
  (:func:`globalfit.physics.hadronic.meson_ratio`, the same ratios that rescale the hadronic widths);
* eta -> gamma X (anomaly): the amplitude is proportional to tr(T_eta Q x) against the photon's e tr(T_eta Q^2),
  with the physical eta = cos(theta_P) eta_8 - sin(theta_P) eta_1 of the one-angle octet-singlet scheme, eta_8 =
  diag(1, 1, -2)/sqrt6, eta_1 = diag(1, 1, 1)/sqrt3; see :func:`eta_gamma_ratio` (for generation-universal quark
  charges (1.5 x_q/e)^2 at the default theta_P, four times below the pure-octet (3 x_q/e)^2);
* omega -> pi0 X proceeds through the isovector (rho-like) part of X: ((x_u - x_d)/(e (Q_u - Q_d)))^2.

Limits with a decay-time window (:func:`recast_band`, Darkcast's general form): the number of signal decays,
g^2 S(m) BR(F) P(g^2 Gamma_1), with P the probability of a decay at proper time in the search's window [t_min, t_max]
(:func:`decay_probability`), is set equal to the dark photon's at the published edge. Prompt searches with an open
window reduce to the formula above; a finite t_max (KLOE, CMS above 45 GeV) makes long-lived models weaker; a beam
dump's window [t0, t0 (1 + L_decay/L_shield)] is solved from the two published edges (:func:`beam_dump_window`) and the
recast has two roots, an island in g' (lower edge: too few decays in the volume; upper edge: decays before it).
Approximations there: one boost per mass (a sharp proper-time window instead of the experiments' momentum spread, as
Darkcast); invisible searches use the Z''s own BR(nu nubar) against the BR_DP(invisible) = 0.99 the publication
assumed (Darkcast instead gives the new boson the same 0.99). Production mechanisms beyond the LHCb mixture:
:func:`mechanism_ratios`. Optional lepton-loop kinetic mixing (:func:`loop_mixing`, :class:`VectorModel`) couples
L_mu - L_tau-type charges to electrons and quarks as in Darkcast's L_mu - L_tau model.

Assumptions of the LHCb and BaBar 4 mu recasts (stated because they limit validity): decays are prompt (true for the
couplings that matter, g' >~ 1e-5 at m > 0.2 GeV: c tau < 1 micron); the dark photon's and the Z''s widths both come from
:mod:`globalfit.physics.widths` (hadrons below 2 GeV from the VMD curves of :mod:`globalfit.physics.hadronic`), so
the two branching fractions of a recast have one source; the vector-meson Breit-Wigner weights that Darkcast puts
into meson-decay production (a few per cent below 0.55 GeV) are neglected.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Mapping

import numpy as np

from globalfit.errors import PhysicsError
from globalfit.physics.charges import ChargeAssignment
from globalfit.physics.constants import LEPTON_MASSES
from globalfit.physics.hadronic import E_EM, meson_ratio
from globalfit.physics.widths import (HEAVY_QUARKS, NEUTRINOS, QUARKS, branching_fractions, fermion_width, fractions_of,
                                      vector_partial_widths)

QUARK_QED = {"u": 2 / 3, "d": -1 / 3, "s": -1 / 3, "c": 2 / 3, "b": -1 / 3}

#: eta-eta' mixing angle theta_P [deg] of the one-angle octet-singlet scheme: sin(theta_P) = -1/3, for which
#: eta = (u ubar + d dbar - s sbar)/sqrt3, the eta of Darkcast (arXiv:1801.04847 appendix A) and close to the
#: theta_P ~ -20 deg of the two-photon widths (F.J. Gilman, R. Kauffman, PRD 36 (1987) 2761). Phenomenological
#: fits span about -10 to -24 deg (PDG review "Quark model": theta_lin ~ -24.5 deg, theta_quad ~ -11.3 deg).
THETA_P_DEG = float(np.degrees(np.arcsin(-1.0 / 3.0)))

_ETA_8 = np.array([1.0, 1.0, -2.0]) / np.sqrt(6.0)
_ETA_1 = np.array([1.0, 1.0, 1.0]) / np.sqrt(3.0)


def dark_photon_couplings() -> dict[str, float]:
    """x_f = e Q_f of a dark photon (per unit eps) for quarks u..t and charged leptons; neutrinos uncharged."""
    out = {q: E_EM * qq for q, qq in QUARK_QED.items()}
    out["t"] = E_EM * 2 / 3
    out.update({f: -E_EM for f in LEPTON_MASSES})
    return out


def r_hadrons(m: np.ndarray) -> np.ndarray:
    """R(m) = sigma(e+e- -> hadrons)/sigma_pt(e+e- -> mu mu) (point-like muons), as the widths module carries it.

    The dark photon's hadronic width (light hadrons from the VMD curves below 2 GeV, blended over 1.8-2.0 GeV into
    partonic u, d, s; partonic c, b, t from 2 m_q; :mod:`globalfit.physics.widths`) over its massless mu mu width
    e^2 m/(12 pi). Above 2 GeV this is the parton model without the alpha_s/pi correction, about 5-10 % below the
    measured R between the resonances.
    """
    m = np.asarray(m, dtype=float)
    pw = vector_partial_widths(dark_photon_couplings(), 1.0, m)
    had = pw["hadrons"] + sum(pw[q] for q in HEAVY_QUARKS)
    return had / fermion_width(m, E_EM, 0.0, 1.0)


def dark_photon_br_mumu(m: np.ndarray) -> np.ndarray:
    """BR(A' -> mu+ mu-) of a dark photon (couplings e Q_f), from the same widths as every Z'
    (:func:`globalfit.physics.widths.vector_partial_widths`)."""
    m = np.asarray(m, dtype=float)
    return np.asarray(fractions_of(vector_partial_widths(dark_photon_couplings(), 1.0, m), m)["mu"])


def eta_flavour(theta_p_deg: float = THETA_P_DEG) -> np.ndarray:
    """Diagonal of the physical eta's flavour matrix, cos(theta_P) eta_8 - sin(theta_P) eta_1 (unit norm)."""
    th = np.radians(theta_p_deg)
    return np.cos(th) * _ETA_8 - np.sin(th) * _ETA_1


def eta_gamma_ratio(x: tuple[float, float, float], theta_p_deg: float = THETA_P_DEG) -> float:
    """Production ratio of eta -> gamma X to eta -> gamma A': (tr(T_eta Q x)/(e tr(T_eta Q^2)))^2.

    The anomaly vertex eta gamma X has the flavour factor tr(T_eta {Q, x})/2 = tr(T_eta Q x) for diagonal charges;
    octet and singlet decay constants are taken equal (f_8 = f_1), so the mixing enters only through T_eta. For
    generation-universal x_q the singlet drops out of the numerator (tr Q = 0) but not of the denominator:
    ratio = (3 x_q cos(theta_P) / (e (cos(theta_P) - 2 sqrt2 sin(theta_P))))^2, i.e. (3 x_q/e)^2 at theta_P = 0
    (pure octet) and (1.5 x_q/e)^2 at the default theta_P = -19.47 deg.

    Parameters
    ----------
    x
        Quark couplings (x_u, x_d, x_s) per unit global coupling.
    theta_p_deg
        Mixing angle theta_P [deg].
    """
    t = eta_flavour(theta_p_deg)
    q = np.array([QUARK_QED["u"], QUARK_QED["d"], QUARK_QED["s"]])
    return float((np.dot(t * q, x) / (E_EM * np.dot(t * q, q))) ** 2)


def mechanism_ratios(x: Mapping[str, float], theta_p_deg: float = THETA_P_DEG) -> dict[str, float]:
    """S_i^new / S_i^DP for every production mechanism i of a vector with couplings ``x`` (per unit global coupling).

    Keys: the meson-mixing and Drell-Yan mechanisms of the LHCb/CMS production models (rho0, eta_gamma, omega_pi0,
    omega, phi, d_d, u_u, s_s, c_c, b_b; module docstring) and the single-mechanism names of the Darkcast limits:
    ``e_e`` (e+e- -> gamma X) and ``e_brem`` (electron bremsstrahlung), both (x_e/(-e))^2; ``mu_mu`` (x_mu/(-e))^2;
    ``pi0_gamma`` (pi0 -> gamma X: tr(T_pi Q x)/(e tr(T_pi Q^2)) with T_pi = diag(1, -1, 0), i.e. ((2 x_u + x_d)/e)^2)
    and ``p_brem`` (proton bremsstrahlung, coherent proton charge: ((2 x_u + x_d)/e)^2, the form factor cancels in
    the ratio).
    """
    x_uds = (float(x.get("u", 0.0)), float(x.get("d", 0.0)), float(x.get("s", 0.0)))
    proton = ((2.0 * x_uds[0] + x_uds[1]) / E_EM) ** 2
    ratios = {
        "rho0": meson_ratio("rho0", x_uds) ** 2,
        "omega_pi0": meson_ratio("rho0", x_uds) ** 2,  # omega -> pi0 X goes through the isovector (rho-like) part
        "omega": meson_ratio("omega", x_uds) ** 2,
        "phi": meson_ratio("phi", x_uds) ** 2,
        "eta_gamma": eta_gamma_ratio(x_uds, theta_p_deg),
        "e_e": (float(x.get("e", 0.0)) / E_EM) ** 2,
        "e_brem": (float(x.get("e", 0.0)) / E_EM) ** 2,
        "mu_mu": (float(x.get("mu", 0.0)) / E_EM) ** 2,
        "pi0_gamma": proton,  # 2 Q_u + Q_d = 1 for the photon: the same flavour trace as the proton's charge
        "p_brem": proton,
    }
    for q, qq in QUARK_QED.items():
        ratios[f"{q}_{q}"] = (float(x.get(q, 0.0)) / (E_EM * qq)) ** 2
    return ratios


def production_ratio(charges: ChargeAssignment, fractions: dict[str, np.ndarray],
                     theta_p_deg: float = THETA_P_DEG) -> np.ndarray:
    """sum_i f_i r_i: production of the new Z' (unit g') relative to a dark photon (unit eps), see module docstring.

    Parameters
    ----------
    charges
        U(1)' charges.
    fractions
        Dark-photon production fractions by mechanism (keys as in the LHCb production model: rho0, eta_gamma,
        omega_pi0, omega, phi, d_d, u_u, s_s, c_c, b_b), arrays on a common mass grid.
    theta_p_deg
        eta-eta' mixing angle theta_P [deg] for eta -> gamma X (:func:`eta_gamma_ratio`; 0 is the pure octet).
    """
    ratios = mechanism_ratios({q: float(charges.fermion(q)) for q in QUARK_QED}, theta_p_deg)
    total = 0.0
    for k, f in fractions.items():
        total = total + np.asarray(f) * ratios[k]
    return np.asarray(total)


def lhcb_recast(eps_limit: np.ndarray, mass: np.ndarray, fractions: dict[str, np.ndarray],
                charges: ChargeAssignment) -> np.ndarray:
    """g'_bound(m) of a Z' from a prompt dark-photon -> mu mu limit eps_limit(m); inf where it has no sensitivity."""
    prod = production_ratio(charges, fractions)
    br_new = np.asarray(branching_fractions(charges, mass)["mu"], dtype=float)
    br_dp = dark_photon_br_mumu(mass)
    with np.errstate(divide="ignore", invalid="ignore"):
        g2 = eps_limit**2 / prod * br_dp / br_new
    return np.where((prod > 0) & (br_new > 0), np.sqrt(g2), np.inf)


def muon_radiation_recast(g_lmultau: np.ndarray, mass: np.ndarray, charges: ChargeAssignment) -> np.ndarray:
    """g'_bound(m) from BaBar's e+e- -> mu mu Z', Z' -> mu mu limit on g' of L_mu - L_tau (x_mu = 1).

    g_new = g'_BaBar sqrt(BR_{Lmu-Ltau}(mu mu) / (x_mu^2 BR_new(mu mu))) (production by radiation off muons, prompt
    decays; diagrams with electron couplings neglected). inf where the model has no muon coupling.
    """
    from globalfit.physics.charges import parse_charges

    xmu = float(charges.mu)
    br_ref = np.asarray(branching_fractions(parse_charges("Lmu-Ltau"), mass)["mu"], dtype=float)
    br_new = np.asarray(branching_fractions(charges, mass)["mu"], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = g_lmultau * np.sqrt(br_ref / (xmu**2 * br_new))
    return np.where((xmu != 0) & (br_new > 0), g, np.inf)


# ----------------------------------------------------------------------------------------------------------------
# Limits with a decay-time window (Darkcast's general recast: production x BR x decay probability)
# ----------------------------------------------------------------------------------------------------------------

#: hbar [GeV s] (CODATA 2018: 6.582119569e-25 GeV s), to turn a width [GeV] into a rate [1/s].
HBAR_GEV_S = 6.582119569e-25
#: Final states of the Darkcast limits and the width channels that make them.
DECAY_CHANNELS = {"e_e": ("e",), "mu_mu": ("mu",), "e_e+mu_mu": ("e", "mu"),
                  "invisible": ("nu_e", "nu_mu", "nu_tau")}
_LEPTON_QED = {"e": -1.0, "mu": -1.0, "tau": -1.0}


def loop_mixing(lepton_charges: Mapping[str, float], mass: np.ndarray) -> np.ndarray:
    """Kinetic mixing induced by charged-lepton loops, per unit g' (complex; |eps| is what rates see).

    eps(m) = -(e^2 / (2 pi^2)) sum_l x_l int_0^1 dz z (1-z) ln(m_l^2 - z (1-z) m^2 - i0), the one-loop photon-X
    vacuum polarisation at q^2 = m^2 (Amaral et al., arXiv:2006.11225 eq. 7, the mixing of Darkcast's L_mu - L_tau
    model); above a lepton's threshold the logarithm has the imaginary part -i pi. Finite only for lepton charges
    with sum_l x_l = 0 and no quark charge (L_mu - L_tau, Le - Lmu, ...). For L_mu - L_tau, |eps| tends to
    (e^2/(12 pi^2)) ln(m_tau^2/m_mu^2) = 4.37e-3 at m << m_mu (Darkcast's values: 4.52e-3 at 0.1 GeV, 3.27e-3 at
    1 GeV, 1.7e-4 at 10 GeV; reference darkcast_models/SOURCES.md).

    Parameters
    ----------
    lepton_charges
        x_l of the charged leptons ``e``, ``mu``, ``tau``.
    mass
        Mass [GeV].

    Raises
    ------
    PhysicsError
        If the lepton charges do not sum to zero (the mixing then depends on the ultraviolet completion).
    """
    if abs(sum(float(lepton_charges.get(f, 0.0)) for f in LEPTON_MASSES)) > 1e-12:
        raise PhysicsError("loop-induced kinetic mixing is finite only for lepton charges summing to zero "
                           f"(got {dict(lepton_charges)}); it needs an ultraviolet completion otherwise")
    m = np.atleast_1d(np.asarray(mass, dtype=float))
    z = (np.arange(2000) + 0.5) / 2000.0  # midpoint rule: the log singularity at threshold is integrable
    w = z * (1.0 - z)
    total = np.zeros(m.shape, dtype=complex)
    for f, ml in LEPTON_MASSES.items():
        xl = float(lepton_charges.get(f, 0.0))
        if xl:
            arg = ml**2 - np.outer(m**2, w)
            log = np.log(np.maximum(np.abs(arg), 1e-300)) - 1j * np.pi * (arg < 0)
            total += xl * np.mean(w * log, axis=1)
    return -(E_EM**2 / (2.0 * np.pi**2)) * total


#: Log-spaced masses [GeV] on which |eps(m)| is tabulated once per charge assignment (clamped outside: below 1e-4 GeV
#: the mixing is constant to 1e-7 relative; no dataset here reaches 1e4 GeV).
MIXING_GRID_GEV = np.geomspace(1e-4, 1e4, 1201)


@lru_cache(maxsize=16)
def _mixing_table(lepton_charges: tuple[float, float, float]) -> np.ndarray:
    """|eps| of :func:`loop_mixing` on :data:`MIXING_GRID_GEV` for charges (x_e, x_mu, x_tau)."""
    return np.abs(loop_mixing(dict(zip(LEPTON_MASSES, lepton_charges)), MIXING_GRID_GEV))


class VectorModel:
    """A vector X with couplings g x_f(m): tree-level charges, optionally plus loop-induced kinetic mixing.

    With the mixing, every fermion without a tree-level charge couples as x_f = |eps(m)| Q_f^em (Darkcast's L_mu -
    L_tau model: electron and quarks); the mixing's correction to tree-charged leptons (|eps| ~ 0.4 % of their
    coupling) is neglected, as there, so no complex interference enters.

    Parameters
    ----------
    tree
        x_f per unit global coupling for the fermions of :mod:`globalfit.physics.widths` (missing ones are 0).
    with_loop_mixing
        Add the lepton-loop kinetic mixing of :func:`loop_mixing` (x_f += eps(m) Q_f^em).
    label
        Name for messages.
    """

    def __init__(self, tree: Mapping[str, float], with_loop_mixing: bool = False, label: str = ""):
        self.tree = {f: float(v) for f, v in tree.items()}
        self.with_loop_mixing = with_loop_mixing
        self.label = label
        if with_loop_mixing:
            if any(self.tree.get(q, 0.0) for q in QUARKS):
                raise PhysicsError(f"{label or 'model'}: loop-induced kinetic mixing needs a lepton-only charge "
                                   "assignment (quark charges make it divergent)")
            loop_mixing({f: self.tree.get(f, 0.0) for f in LEPTON_MASSES}, 1.0)  # checks sum x_l = 0

    @classmethod
    def from_charges(cls, charges: ChargeAssignment, with_loop_mixing: bool = False) -> "VectorModel":
        """The Z' of a U(1)' charge assignment (x_f = Q_f)."""
        names = QUARKS + tuple(LEPTON_MASSES) + NEUTRINOS
        return cls({f: float(charges.fermion(f)) for f in names}, with_loop_mixing, charges.label)

    @classmethod
    def dark_photon(cls) -> "VectorModel":
        """The dark photon: x_f = e Q_f, global coupling epsilon."""
        return cls(dark_photon_couplings(), label="dark photon")

    def _mixing(self, mass: np.ndarray) -> np.ndarray:
        """|eps(m)| of :func:`loop_mixing` (0 without mixing), interpolated in log m from a table computed once."""
        m = np.atleast_1d(np.asarray(mass, dtype=float))
        if not self.with_loop_mixing:
            return np.zeros_like(m)
        table = _mixing_table(tuple(self.tree.get(f, 0.0) for f in LEPTON_MASSES))
        return np.interp(np.log(m), np.log(MIXING_GRID_GEV), table)

    def _mixed(self, k: float) -> dict[str, float]:
        """x_f for mixing k: the fermions without a tree-level charge couple as k Q_f^em."""
        x = dict(self.tree)
        for f, qf in {**QUARK_QED, "t": 2 / 3, **_LEPTON_QED}.items():
            if not x.get(f, 0.0):
                x[f] = k * qf
        return x

    def couplings(self, mass: np.ndarray) -> list[dict[str, float]]:
        """x_f at each mass [GeV] (one dict per mass point)."""
        return [self._mixed(k) for k in self._mixing(mass)]

    def partial_widths(self, mass: np.ndarray) -> dict[str, np.ndarray]:
        """Partial widths [GeV] per unit g^2 (channels of :func:`globalfit.physics.widths.vector_partial_widths`)."""
        m = np.atleast_1d(np.asarray(mass, dtype=float))
        pw = {k: np.asarray(v, dtype=float) * np.ones_like(m)
              for k, v in vector_partial_widths(self.tree, 1.0, m).items()}
        if self.with_loop_mixing:
            # quarks couple only through the mixing (x_q = eps Q_q): the dark photon's hadronic widths times (eps/e)^2;
            # charged leptons without a tree charge: the mixing alone
            k = self._mixing(m)
            dp = vector_partial_widths(dark_photon_couplings(), 1.0, m)
            for ch in ("hadrons",) + HEAVY_QUARKS:
                pw[ch] = np.asarray(dp[ch]) * (k / E_EM) ** 2
            for f, ml in LEPTON_MASSES.items():
                if not self.tree.get(f, 0.0):
                    pw[f] = np.asarray(fermion_width(m, k * _LEPTON_QED[f], ml, 1.0))
        return pw

    def production(self, mechanism: str, mass: np.ndarray,
                   fractions: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
        """S^new/S^DP at each mass for one ``mechanism`` of :func:`mechanism_ratios`, or ``"mixture"`` weighted by
        the dark-photon production ``fractions`` (arrays on the same mass grid)."""
        m = np.atleast_1d(np.asarray(mass, dtype=float))
        # every ratio is quadratic in the mixing k (a square of a linear form in x, or a sum of such squares), so
        # three evaluations give it exactly at every mass: r(k) = r0 + k (r+ - r-)/2 + k^2 ((r+ + r-)/2 - r0)
        r0, rp, rm = (mechanism_ratios(self._mixed(k)) for k in (0.0, 1.0, -1.0))
        k = self._mixing(m)
        ratio = {name: r0[name] + k * 0.5 * (rp[name] - rm[name]) + k**2 * (0.5 * (rp[name] + rm[name]) - r0[name])
                 for name in r0}
        if mechanism == "mixture":
            if not fractions:
                raise ValueError("production 'mixture' needs the production fractions")
            return sum(np.asarray(f, dtype=float) * ratio[name] for name, f in fractions.items())
        return ratio[mechanism]


def decay_probability(width_GeV: np.ndarray, t_min_s: np.ndarray, t_max_s: np.ndarray) -> np.ndarray:
    """Probability that a particle of total width Gamma decays at proper time t in [t_min, t_max]:
    exp(-t_min Gamma/hbar) - exp(-t_max Gamma/hbar) (t_max may be inf)."""
    return np.exp(log_decay_probability(width_GeV, t_min_s, t_max_s))


def log_decay_probability(width_GeV, t_min_s, t_max_s) -> np.ndarray:
    """log of :func:`decay_probability`, evaluated without underflow (long windows, very short lifetimes)."""
    rate = np.asarray(width_GeV, dtype=float) / HBAR_GEV_S
    a = rate * np.asarray(t_min_s, dtype=float)
    t_span = np.asarray(t_max_s, dtype=float) - np.asarray(t_min_s, dtype=float)
    with np.errstate(invalid="ignore"):
        span = np.where(np.isinf(t_span), np.inf, rate * t_span)  # an open window keeps every decay, even at rate 0
    return -a + np.log(np.maximum(-np.expm1(-span), 1e-300))


def beam_dump_window(eps_low: float, eps_high: float, width_dp: float, length_ratio: float) -> float:
    """t_min [s] of a beam dump's proper-time window [t_min, t_min (1 + L_decay/L_shield)] (Darkcast's ``lratio``).

    Solved so that a dark photon gives the same number of decays in the window at both published edges:
    eps_l^2 P(eps_l^2 Gamma_1) = eps_h^2 P(eps_h^2 Gamma_1) (Gamma_1 the dark photon's total width at eps = 1,
    P of :func:`decay_probability`). Approximation (Darkcast's): one boost per mass, i.e. a sharp proper-time
    window instead of the experiment's spread of momenta.

    Parameters
    ----------
    eps_low, eps_high
        Lower and upper edge of the published epsilon band at this mass.
    width_dp
        Dark-photon total width [GeV] at eps = 1.
    length_ratio
        Decay-volume length over shielding length.
    """
    from scipy.optimize import brentq

    def mismatch(log_t0: float) -> float:
        t0 = np.exp(log_t0)
        t1 = t0 * (1.0 + length_ratio)
        return float(np.log(eps_low**2) + log_decay_probability(eps_low**2 * width_dp, t0, t1)
                     - np.log(eps_high**2) - log_decay_probability(eps_high**2 * width_dp, t0, t1))

    scale = np.log(HBAR_GEV_S / (eps_high**2 * width_dp))  # t0 where the upper-edge lifetime equals t0
    lo, hi = scale - 30.0, scale + np.log(1e4)
    return float(np.exp(brentq(mismatch, lo, hi, xtol=1e-10)))


def _coupling_roots(log_target: float, log_signal: float, width: float, t_min: float, t_max: float
                    ) -> tuple[float, float]:
    """g_low, g_high where g^2 S BR P(g^2 Gamma_1) equals the excluded yield (log_target); (nan, nan) if it never
    does, g_high = inf for a window starting at t = 0 (the yield then only grows with g)."""
    from scipy.optimize import brentq, minimize_scalar

    def h(lu: float) -> float:  # log yield minus log target, as a function of log g^2
        return float(lu + log_signal + log_decay_probability(np.exp(lu) * width, t_min, t_max) - log_target)

    lu0 = log_target - log_signal  # the prompt answer: a lower bound on g^2 (P <= 1)
    if t_min <= 0.0:
        if h(lu0) >= -1e-12:
            return float(np.exp(0.5 * lu0)), np.inf
        hi = lu0 + 1.0
        while h(hi) < 0.0:
            hi += 5.0
            if hi > lu0 + 200.0:
                return np.nan, np.nan
        return float(np.exp(0.5 * brentq(h, lu0, hi, xtol=1e-10))), np.inf
    # the yield peaks where g^2 Gamma_1 t_min / hbar is of order 1 (between 1/e and 2 for any length ratio)
    centre = np.log(HBAR_GEV_S / (width * t_min))
    peak = minimize_scalar(lambda lu: -h(lu), bounds=(centre - 8.0, centre + 3.0), method="bounded",
                           options={"xatol": 1e-8}).x
    if h(peak) <= 0.0:
        return np.nan, np.nan
    low = brentq(h, min(peak - 60.0, lu0 - 1.0), peak, xtol=1e-10)
    high = brentq(h, peak, peak + 30.0, xtol=1e-10)
    return float(np.exp(0.5 * low)), float(np.exp(0.5 * high))


def branching_fraction(pw: Mapping[str, np.ndarray], decay: str) -> np.ndarray:
    """BR of a Darkcast final state (:data:`DECAY_CHANNELS`) from partial widths."""
    total = sum(np.asarray(v, dtype=float) for v in pw.values())
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, sum(np.asarray(pw[c], dtype=float) for c in DECAY_CHANNELS[decay]) / total, 0.0)


def recast_band(mass: np.ndarray, eps_low: np.ndarray, model: VectorModel, production: str, decay: str, *,
                eps_high: np.ndarray | None = None, t_min_s: np.ndarray | None = None,
                t_max_s: np.ndarray | None = None, length_ratio: float | None = None,
                fractions: Mapping[str, np.ndarray] | None = None, br_dark_photon: float | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Darkcast's recast of a dark-photon limit, with the decay-time window: (g_low, g_high) of ``model``.

    At each mass the new coupling g gives the same number of signal decays in the window as the dark photon at the
    published edge: g^2 S(m) BR_new(F) P(g^2 Gamma_new) = eps^2 BR_DP(F) P(eps^2 Gamma_DP), with S the production
    ratio (:meth:`VectorModel.production`), P the probability of a decay at proper time in [t_min, t_max]
    (:func:`decay_probability`) and the widths of :mod:`globalfit.physics.widths` for both (Gamma per unit
    coupling^2). A prompt window (t_min = 0) gives one edge (g_high = inf); a beam dump (``length_ratio``) has its
    window solved from the two published edges (:func:`beam_dump_window`) and gives the two roots, an island in g.
    Where the model has no production or no decay to F, or the yield never reaches the excluded one: NaN.

    Parameters
    ----------
    mass
        Masses [GeV].
    eps_low
        Published epsilon limit (lower edge of the excluded band); NaN where there is none.
    model
        The vector to recast to.
    production, decay
        Mechanism (:func:`mechanism_ratios` key or ``"mixture"``) and final state (:data:`DECAY_CHANNELS`).
    eps_high
        Upper edge of the published band (beam dumps, with ``length_ratio``).
    t_min_s, t_max_s
        Proper-time window [s] of a non-beam-dump search (default [0, inf): every decay counts).
    length_ratio
        Decay length over shield length of a beam dump.
    fractions
        Dark-photon production fractions for ``production="mixture"``.
    br_dark_photon
        BR_DP(F) assumed by the publication (0.99 for the invisible searches); default from the dark photon's widths.
    """
    m = np.atleast_1d(np.asarray(mass, dtype=float))
    eps_low = np.asarray(eps_low, dtype=float)
    dp = VectorModel.dark_photon()
    pw_dp, pw_new = dp.partial_widths(m), model.partial_widths(m)
    w_dp, w_new = sum(pw_dp.values()), sum(pw_new.values())
    br_dp = np.full_like(m, br_dark_photon) if br_dark_photon is not None else branching_fraction(pw_dp, decay)
    signal = model.production(production, m, fractions) * branching_fraction(pw_new, decay)
    t0 = np.zeros_like(m) if t_min_s is None else np.asarray(t_min_s, dtype=float) * np.ones_like(m)
    t1 = np.full_like(m, np.inf) if t_max_s is None else np.asarray(t_max_s, dtype=float) * np.ones_like(m)
    g_low, g_high = np.full_like(m, np.nan), np.full_like(m, np.nan)
    for i in range(m.size):
        if not (np.isfinite(eps_low[i]) and signal[i] > 0 and br_dp[i] > 0):
            continue
        if length_ratio is not None:
            if not (eps_high is not None and np.isfinite(eps_high[i]) and eps_high[i] > eps_low[i]):
                continue
            t0[i] = beam_dump_window(eps_low[i], eps_high[i], w_dp[i], length_ratio)
            t1[i] = t0[i] * (1.0 + length_ratio)
        log_target = float(np.log(eps_low[i] ** 2 * br_dp[i])
                           + log_decay_probability(eps_low[i] ** 2 * w_dp[i], t0[i], t1[i]))
        g_low[i], g_high[i] = _coupling_roots(log_target, float(np.log(signal[i])), float(w_new[i]), t0[i], t1[i])
    return g_low, g_high
