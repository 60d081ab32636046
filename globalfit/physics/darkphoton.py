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

Assumptions (stated because they limit validity): decays are prompt (true for the couplings that matter,
g' >~ 1e-5 at m > 0.2 GeV: c tau < 1 micron); the dark photon's and the Z''s widths both come from
:mod:`globalfit.physics.widths` (hadrons below 2 GeV from the VMD curves of :mod:`globalfit.physics.hadronic`), so
the two branching fractions of a recast have one source; the vector-meson Breit-Wigner weights that Darkcast puts
into meson-decay production (a few per cent below 0.55 GeV) are neglected.
"""

from __future__ import annotations

import numpy as np

from globalfit.physics.charges import ChargeAssignment
from globalfit.physics.constants import LEPTON_MASSES
from globalfit.physics.hadronic import E_EM, meson_ratio
from globalfit.physics.widths import (HEAVY_QUARKS, branching_fractions, fermion_width, fractions_of,
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
    xq = {q: float(charges.fermion(q)) for q in QUARK_QED}
    x_uds = (xq["u"], xq["d"], xq["s"])
    ratios = {
        "rho0": meson_ratio("rho0", x_uds) ** 2,
        "omega_pi0": meson_ratio("rho0", x_uds) ** 2,  # omega -> pi0 X goes through the isovector (rho-like) part
        "omega": meson_ratio("omega", x_uds) ** 2,
        "phi": meson_ratio("phi", x_uds) ** 2,
        "eta_gamma": eta_gamma_ratio(x_uds, theta_p_deg),
    }
    for q, qq in QUARK_QED.items():
        ratios[f"{q}_{q}"] = (xq[q] / (E_EM * qq)) ** 2
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
