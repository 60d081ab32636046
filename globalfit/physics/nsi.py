"""Matching of a Z' onto neutral-current NSI parameters.

Convention (pinned, paper 002 eqs. 1.1, 1.6, 2.5, 2.6)
--------------------------------------------------------
The NSI Lagrangian is ``L = -sqrt(2) G_F eps^{fV}_{ab} (nubar_a gamma^mu P_L nu_b)(fbar gamma_mu f)`` and the
Z' current ``J^mu = g' [sum_q Q_q qbar gamma^mu q + sum_l Q_l Lbar_l gamma^mu L_l]``. The neutrino part of
``Lbar_l gamma^mu L_l`` is ``nubar_l gamma^mu P_L nu_l`` (L is the left-handed doublet). Integrating out the
Z' with momentum transfer q^2 (spacelike, q^2 = -t > 0) gives
``L_eff = -g'^2 / (q^2 + M^2) (sum_q Q_q qbar gamma q)(sum_a Q_a nubar_a gamma P_L nu_a)`` and so::

    eps^{fV}_{aa}(q^2) = g'^2 Q_f Q_a / (sqrt(2) G_F (q^2 + M^2)),

per quark f = u, d (each quark carries Q_q) and for f = e (Q_e). There is no factor 1/2: it would appear
only if the neutrino current were written as ``nubar gamma (1 - gamma5) nu = 2 nubar gamma P_L nu`` while
keeping the normalisation of eq. 1.1. q^2 = 0 for oscillations; q^2 = 2 M_N E_r for CEvNS.

Nucleon and matter combinations (paper 004 section 2 and footnote 2):
``eps^p = 2 eps^u + eps^d``, ``eps^n = eps^u + 2 eps^d``, ``eps^{p+n} = (eps^p + eps^n)/2`` and the
effective matter parameter (paper 002 eq. 2.4, paper 004 eq. 5) in neutral matter with Y_n = n_n/n_e::

    eps_aa = eps^e + (2 + Y_n) eps^u + (1 + 2 Y_n) eps^d = eps^e + eps^p + Y_n eps^n.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from globalfit.physics.constants import G_F

#: Earth-matter neutron-to-electron ratio (paper 004 footnote 2).
Y_N_EARTH = 1.051

SQRT2_GF = np.sqrt(2.0) * G_F


def eps_from_coupling(gprime: Any, q_f: float, q_alpha: float, mass: Any, q2: Any = 0.0) -> Any:
    """eps^{fV}_{aa}(q^2) of a U(1)' Z' (dimensionless).

    Parameters
    ----------
    gprime
        Gauge coupling g'.
    q_f, q_alpha
        U(1)' charges of the matter fermion f and of the lepton doublet of flavour alpha.
    mass
        Z' mass M [GeV].
    q2
        Momentum transfer squared [GeV^2] (positive for scattering; 0 for forward scattering).
    """
    return gprime**2 * q_f * q_alpha / (SQRT2_GF * (q2 + mass**2))


def eps_from_couplings(g_nu: Any, g_f: Any, mass: Any, q2: Any = 0.0) -> Any:
    """eps^{fV}_{aa}(q^2) of a Z' with vector coupling ``g_f`` to f and ``g_nu`` to nu_a (coefficient of
    nubar gamma P_L nu), dimensionless: ``g_nu g_f / (sqrt2 G_F (q^2 + M^2))``; :func:`eps_from_coupling` is the
    case g_nu = g' Q_a, g_f = g' Q_f. Used with Z-Z' mixing (:mod:`globalfit.physics.mixing`).

    Parameters
    ----------
    g_nu, g_f
        Z' couplings (dimensionless; floats or tensors).
    mass
        Z' mass M [GeV].
    q2
        Momentum transfer squared [GeV^2].
    """
    return g_nu * g_f / (SQRT2_GF * (q2 + mass**2))


def combine(eps_u: Any, eps_d: Any, target: str, eps_e: Any = 0.0) -> Any:
    """A named combination of quark NSI: ``u``, ``d``, ``p``, ``n``, ``p+n`` (paper 004), or ``e``.

    Parameters
    ----------
    eps_u, eps_d, eps_e
        eps^{uV}, eps^{dV}, eps^{eV} for one flavour.
    target
        Which combination.
    """
    combos = {
        "u": lambda: eps_u,
        "d": lambda: eps_d,
        "p": lambda: 2 * eps_u + eps_d,
        "n": lambda: eps_u + 2 * eps_d,
        "p+n": lambda: 1.5 * (eps_u + eps_d),
        "e": lambda: eps_e,
    }
    try:
        return combos[target]()
    except KeyError:
        raise ValueError(f"unknown NSI combination {target!r}; expected one of {sorted(combos)}") from None


def eps_matter(eps_u: Any, eps_d: Any, eps_e: Any = 0.0, y_n: float = Y_N_EARTH) -> Any:
    """Effective matter NSI eps_aa of paper 002 eq. 2.4 in neutral matter with n_n/n_e = y_n."""
    return eps_e + (2.0 + y_n) * eps_u + (1.0 + 2.0 * y_n) * eps_d


def simplified_width_bound(mass: Any, width_ratio: float, n_quarks: float) -> Any:
    """Largest |eps| compatible with a total width Gamma = width_ratio * M (paper 000 eq. 2.9).

    ``|eps| <= sqrt(3) pi / (sqrt(N) G_F M^2) * Gamma/M``, with N the number of quark flavours open.

    Parameters
    ----------
    mass
        Z' mass [GeV].
    width_ratio
        Gamma / M.
    n_quarks
        Number of massless quarks plus heavy quarks with mass below M/2.
    """
    return np.sqrt(3.0) * np.pi / (np.sqrt(n_quarks) * G_F * mass**2) * width_ratio


def n_open_quarks(mass: float) -> int:
    """Number of quark flavours with 2 m_q < M (paper 000 below eq. 2.9): u, d, s always; c, b, t by mass."""
    from globalfit.physics.constants import QUARK_MASSES

    return 3 + sum(1 for q in ("c", "b", "t") if 2 * QUARK_MASSES[q] < mass)
