"""Recasting dark-photon and other vector-boson limits to a U(1)' Z' (method of Ilten, Soreq, Williams, Xue,
arXiv:1801.04847, "Darkcast"; our written summary of it is the reference NOTES.md of the priors data).

A search for a vector X produced by mechanism i and decaying to mu+ mu- excludes a fixed signal yield. With
production rates proportional to the squared effective charge of each mechanism, and prompt decays, the limit
on a new model's coupling at mass m is::

    g_new^2 = eps_lim^2 * [sum_i f_i(m) r_i]^-1 * BR_DP(mu mu) / BR_new(mu mu)

where f_i are the dark-photon production fractions (LHCb: from the collaboration's production model) and
r_i = S_i^new / S_i^DP the ratio of squared effective charges (dark photon: x_f = e Q_f):

* Drell-Yan q qbar -> X: (x_q / (e Q_q))^2;
* mixing with rho, omega, phi: ((x_u - x_d)/(e (Q_u - Q_d)))^2, ((x_u + x_d)/(e (Q_u + Q_d)))^2, (x_s/(e Q_s))^2;
* eta -> gamma X (anomaly, eta ~ eta_8 = diag(1, 1, -2)/sqrt6, eta-eta' mixing neglected):
  (Tr(T Q x)/(e Tr(T Q^2)))^2 = (3 x_q / e)^2 for generation-universal quark charges;
* omega -> pi0 X proceeds through the isovector (rho-like) part of X: ((x_u - x_d)/(e (Q_u - Q_d)))^2.

Assumptions (stated because they limit validity): decays are prompt (true for the couplings that matter,
g' >~ 1e-5 at m > 0.2 GeV: c tau < 1 micron); the dark-photon hadronic width uses the R-ratio approximation of
:func:`r_hadrons`; the Z' width is :mod:`globalfit.physics.widths`.
"""

from __future__ import annotations

import numpy as np

from globalfit.physics.charges import ChargeAssignment
from globalfit.physics.constants import ALPHA_EM, LEPTON_MASSES
from globalfit.physics.widths import branching_fractions, fermion_width

#: Electromagnetic coupling e = sqrt(4 pi alpha) at Q = 0.
E_EM = float(np.sqrt(4 * np.pi * ALPHA_EM))

QUARK_QED = {"u": 2 / 3, "d": -1 / 3, "s": -1 / 3, "c": 2 / 3, "b": -1 / 3}

# Vector mesons (PDG): mass, total width, e+e- width [GeV]; hadronic branching ~ 1 - B_ll.
_VECTORS = {
    "rho": (0.77526, 0.1491, 7.04e-6),
    "omega": (0.78266, 0.00868, 0.60e-6),
    "phi": (1.019461, 0.004249, 1.27e-6),
}


def r_hadrons(m: np.ndarray) -> np.ndarray:
    """R(m) = sigma(e+e- -> hadrons)/sigma(e+e- -> mu+ mu-) (massless muons), approximate.

    Below 1.1 GeV the rho, omega and phi Breit-Wigners, sigma_V = 12 pi Gamma_ee Gamma_had / ((s - M^2)^2 + M^2 Gamma^2),
    with hadronic thresholds 2 m_pi (rho), 3 m_pi (omega), 2 m_K (phi); above, the parton-model value
    N_c sum Q_q^2 = 2 (u, d, s), 10/3 above 3.7 GeV (charm), 11/3 above 10.5 GeV (bottom). Accurate to tens of per
    cent between 1 and 2 GeV, which only matters for LHCb masses there.
    """
    m = np.asarray(m, dtype=float)
    s = m**2
    sigma_mumu = 4 * np.pi * ALPHA_EM**2 / (3 * s)
    thr = {"rho": 0.2792, "omega": 0.4141, "phi": 0.9874}
    r = np.zeros_like(m)
    for name, (mv, gv, gee) in _VECTORS.items():
        bw = 12 * np.pi * gee * gv / ((s - mv**2) ** 2 + mv**2 * gv**2)
        r += np.where(m > thr[name], bw / sigma_mumu, 0.0)
    cont = np.where(m > 10.5, 11 / 3, np.where(m > 3.7, 10 / 3, 2.0))
    return np.where(m > 1.1, cont, r)


def dark_photon_br_mumu(m: np.ndarray) -> np.ndarray:
    """BR(A' -> mu+ mu-) of a dark photon (couplings e Q_f): leptons from eq. 1.7 of paper 002, hadrons from R(m)."""
    m = np.asarray(m, dtype=float)
    widths = {f: fermion_width(m, E_EM, mf, 1.0) for f, mf in LEPTON_MASSES.items()}
    had = r_hadrons(m) * fermion_width(m, E_EM, 0.0, 1.0)
    total = sum(widths.values()) + had
    return widths["mu"] / total


def production_ratio(charges: ChargeAssignment, fractions: dict[str, np.ndarray]) -> np.ndarray:
    """sum_i f_i r_i: production of the new Z' (unit g') relative to a dark photon (unit eps), see module docstring.

    Parameters
    ----------
    charges
        U(1)' charges (quark charge universal).
    fractions
        Dark-photon production fractions by mechanism (keys as in the LHCb production model: rho0, eta_gamma,
        omega_pi0, omega, phi, d_d, u_u, s_s, c_c, b_b), arrays on a common mass grid.
    """
    xq = float(charges.q)
    isovector = 0.0  # x_u - x_d vanishes for generation- and flavour-universal quark charges
    ratios = {
        "rho0": (isovector / (E_EM * (QUARK_QED["u"] - QUARK_QED["d"]))) ** 2,
        "omega_pi0": (isovector / (E_EM * (QUARK_QED["u"] - QUARK_QED["d"]))) ** 2,
        "omega": (2 * xq / (E_EM * (QUARK_QED["u"] + QUARK_QED["d"]))) ** 2,
        "phi": (xq / (E_EM * QUARK_QED["s"])) ** 2,
        "eta_gamma": (3 * xq / E_EM) ** 2,
    }
    for q, qq in QUARK_QED.items():
        ratios[f"{q}_{q}"] = (xq / (E_EM * qq)) ** 2
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
