"""Leading-order pp -> V + jet for a vector boson V of mass m with vector/axial couplings to quarks, and its use for
pp -> Z' j -> nu nubar j with a Breit-Wigner over the nu nubar mass (paper 000's mono-jet signal).

Partonic cross sections (massless quarks; couplings L = V_mu qbar gamma^mu (g_V - g_A gamma5) q; derived from the
virtual-photon results by e^2 e_q^2 -> g_V^2 + g_A^2, with t = (p_q - p_V)^2, u = the other invariant)::

    dsigma/dt (q qbar -> V g) =  (2 alpha_s (g_V^2 + g_A^2)) / (9 s^2) (t^2 + u^2 + 2 s m^2) / (t u)
    dsigma/dt (q g -> V q)    = -(alpha_s (g_V^2 + g_A^2)) / (12 s^2) (s^2 + t^2 + 2 u m^2) / (s t)

(the second by crossing the first: colour average 1/24 instead of 1/9, overall minus sign; u = (p_g - p_V)^2), and
d sigma/(dy_V dy_j dpT^2) = x1 f(x1) x2 f(x2) dsigma/dt with x_{1,2} = (m_T e^{+-y_V} + pT e^{+-y_j})/sqrt(s_had).
Scales mu_R = mu_F = H_T/2 = (m_T + pT)/2; alpha_s at one loop from alpha_s(M_Z) = 0.130 (NNPDF2.3 LO), 5 flavours.
The missing transverse momentum is the boson pT; the jet must have |y| < y_max.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from globalfit.physics.constants import GEV2_TO_PB, M_Z

ALPHA_S_MZ = 0.130


def alpha_s(mu: np.ndarray, alpha_mz: float = ALPHA_S_MZ, nf: int = 5) -> np.ndarray:
    """One-loop running coupling."""
    b0 = (33 - 2 * nf) / (12 * np.pi)
    return alpha_mz / (1 + alpha_mz * b0 * np.log(mu**2 / M_Z**2))


def _grid(n: int, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.legendre.leggauss(n)
    return lo + (hi - lo) * (x + 1) / 2, w * (hi - lo) / 2


def dsigma_dpt_v_jet(pdf, sqrt_s: float, mass: float, couplings: dict[int, float], pts: np.ndarray,
                     y_jet_max: float = 2.4, n_y: int = 32) -> np.ndarray:
    """d sigma/d pT(V) [pb/GeV] of pp -> V(mass) + jet with |y_jet| < y_jet_max, at the transverse momenta ``pts``.

    Parameters
    ----------
    couplings
        ``{quark pid: g_V^2 + g_A^2}`` for pid 1..5 (d, u, s, c, b).
    """
    s_had = sqrt_s**2
    yj, wyj = _grid(n_y, -y_jet_max, y_jet_max)
    out = np.zeros(len(pts))
    for k, pt in enumerate(np.asarray(pts, dtype=float)):
        mt = np.sqrt(pt**2 + mass**2)
        if sqrt_s <= 2 * mt:
            continue
        ymax_v = np.arccosh(sqrt_s / (2 * mt))
        yv, wyv = _grid(n_y, -ymax_v, ymax_v)
        YV, YJ = np.meshgrid(yv, yj, indexing="ij")
        W = np.outer(wyv, wyj)
        x1 = (mt * np.exp(YV) + pt * np.exp(YJ)) / sqrt_s
        x2 = (mt * np.exp(-YV) + pt * np.exp(-YJ)) / sqrt_s
        ok = (x1 < 1) & (x2 < 1)
        x1c, x2c = np.where(ok, x1, 0.5), np.where(ok, x2, 0.5)
        sh = x1c * x2c * s_had
        # t = (p_q1 - p_V)^2 with parton 1 moving in +z
        th = mass**2 - x1c * sqrt_s * mt * np.exp(-YV)
        uh = mass**2 - x2c * sqrt_s * mt * np.exp(YV)
        mu = (mt + pt) / 2
        a_s = alpha_s(mu)
        muf = np.full_like(x1c, mu)
        g1 = pdf.f(21, x1c, muf)
        g2 = pdf.f(21, x2c, muf)
        dens = 0.0
        for pid, c in couplings.items():
            if c == 0.0:
                continue
            q1, qb1 = pdf.f(pid, x1c, muf), pdf.f(-pid, x1c, muf)
            q2, qb2 = pdf.f(pid, x2c, muf), pdf.f(-pid, x2c, muf)
            qqbar = 2 * a_s * c / (9 * sh**2) * (th**2 + uh**2 + 2 * sh * mass**2) / (th * uh)
            # q(1) g(2): t = (p1 - pV)^2 = th, u = (p2 - pV)^2 = uh ; g(1) q(2): t = uh, u = th
            qg_12 = -a_s * c / (12 * sh**2) * (sh**2 + th**2 + 2 * uh * mass**2) / (sh * th)
            qg_21 = -a_s * c / (12 * sh**2) * (sh**2 + uh**2 + 2 * th * mass**2) / (sh * uh)
            dens = dens + (q1 * qb2 + qb1 * q2) * qqbar + (q1 + qb1) * g2 * qg_12 + g1 * (q2 + qb2) * qg_21
        integrand = np.where(ok, x1c * x2c * dens, 0.0)
        out[k] = 2 * pt * np.sum(W * integrand) * GEV2_TO_PB  # d/dpT = 2 pT d/dpT^2
    return out


def sigma_v_jet(pdf, sqrt_s: float, mass: float, couplings: dict[int, float], pt_min: float, y_jet_max: float = 2.4,
                n_pt: int = 48, n_y: int = 32) -> float:
    """sigma(pp -> V(mass) + jet) [pb] with pT(V) > pt_min and |y_jet| < y_jet_max (Gauss-Legendre in log pT)."""
    pt_max = (sqrt_s**2 - mass**2) / (2 * sqrt_s)
    if pt_min >= pt_max:
        return 0.0
    lpt, wlpt = _grid(n_pt, np.log(pt_min), np.log(pt_max))
    pts = np.exp(lpt)
    return float(np.sum(wlpt * pts * dsigma_dpt_v_jet(pdf, sqrt_s, mass, couplings, pts, y_jet_max, n_y)))


def sigma_zprime_jet_nunu(pdf, sqrt_s: float, mass: float, width: float, g_q: float, g_nu: float, pt_min: float,
                          quarks: tuple[int, ...] = (1, 2, 3, 4, 5), y_jet_max: float = 2.4, n_m: int = 24) -> float:
    """sigma(pp -> Z'* j -> nu nubar j) [pb], vector Z' coupling g_q to the listed quarks and g_nu to one left-handed
    neutrino flavour, Breit-Wigner of fixed width over m_nunu: int dm^2 sigma_Vj(m) m Gamma_nunu(m) / pi / ((m^2 - M^2)^2
    + M^2 Gamma^2), Gamma_nunu(m) = g_nu^2 m / (24 pi). The m range is [pt-limited lower end, large], mapped by arctan."""
    lo = 1.0
    hi = min(0.5 * sqrt_s, mass + 60 * width) if mass + 60 * width < 0.5 * sqrt_s else 0.5 * sqrt_s
    t_lo = np.arctan((lo**2 - mass**2) / (mass * width))
    t_hi = np.arctan((hi**2 - mass**2) / (mass * width))
    tt, wt = _grid(n_m, t_lo, t_hi)
    total = 0.0
    coup = {q: g_q**2 for q in quarks}
    for t, w in zip(tt, wt):
        m2 = mass**2 + mass * width * np.tan(t)
        if m2 <= 0:
            continue
        m = np.sqrt(m2)
        # dm^2 = (M Gamma / cos^2 t) dt; BW * dm^2 = dt / (M Gamma) * (M Gamma)^2/(...) -> dt/(M Gamma)
        bw_jac = 1.0 / (mass * width)
        gam_nn = g_nu**2 * m / (24 * np.pi)
        total += w * bw_jac * sigma_v_jet(pdf, sqrt_s, m, coup, pt_min, y_jet_max) * m * gam_nn / np.pi
    return total


def zprime_jet_tail_sigmas(pdf, sqrt_s: float, mass: float, width: float, thresholds: np.ndarray,
                           quarks: tuple[int, ...] = (1, 2, 3, 4, 5), y_jet_max: float = 2.4, n_m: int = 24,
                           n_pt: int = 96) -> np.ndarray:
    """sigma(pp -> Z'* j -> nu nubar j, pT > T) [pb] for every threshold T at unit g_q = g_nu = 1 (scale by (g_q g_nu)^2
    at fixed width). One pT grid serves all thresholds: d sigma/d pT on log-spaced nodes, integrated as a tail."""
    thresholds = np.asarray(thresholds, dtype=float)
    pt_lo, pt_hi = thresholds.min(), 0.5 * sqrt_s
    nodes = np.geomspace(pt_lo, pt_hi, n_pt)
    hi = min(0.5 * sqrt_s, mass + 60 * width)
    t_lo = np.arctan((1.0 - mass**2) / (mass * width))
    t_hi = np.arctan((hi**2 - mass**2) / (mass * width))
    tt, wt = _grid(n_m, t_lo, t_hi)
    dens = np.zeros(n_pt)
    coup = {q: 1.0 for q in quarks}
    for t, w in zip(tt, wt):
        m2 = mass**2 + mass * width * np.tan(t)
        if m2 <= 0:
            continue
        m = np.sqrt(m2)
        weight = w / (mass * width) * m * (m / (24 * np.pi)) / np.pi
        dens += weight * dsigma_dpt_v_jet(pdf, sqrt_s, m, coup, nodes, y_jet_max)
    # tail integrals in log pT (trapezoid on the log grid)
    lp = np.log(nodes)
    f = dens * nodes
    cum = np.concatenate([[0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(lp))])
    total = cum[-1]
    return np.array([total - np.interp(np.log(tv), lp, cum) for tv in thresholds])
