"""Leading-order pp -> V + X (X = a jet or a photon) for a vector boson V of mass m with vector/axial couplings to
quarks, and its use for pp -> Z' X -> nu nubar X with a Breit-Wigner over the nu nubar mass (the mono-jet signal of
paper 000 and the mono-photon signal of the same model).

Partonic cross sections (massless quarks; couplings L = V_mu qbar gamma^mu (g_V - g_A gamma5) q, c = g_V^2 + g_A^2;
derived from the virtual-photon results by e^2 e_q^2 -> c, with t = (p_q - p_V)^2, u = the other invariant)::

    dsigma/dt (q qbar -> V g)     =  (2 alpha_s c) / (9 s^2) (t^2 + u^2 + 2 s m^2) / (t u)
    dsigma/dt (q g -> V q)        = -(alpha_s c) / (12 s^2) (s^2 + t^2 + 2 u m^2) / (s t)
    dsigma/dt (q qbar -> V gamma) =  (alpha e_q^2 c) / (6 s^2) (t^2 + u^2 + 2 s m^2) / (t u)

The second follows from the first by crossing (colour average 1/24 instead of 1/9, overall minus sign;
u = (p_g - p_V)^2). The third is the first with the gluon replaced by a photon: the colour sum
sum_a |T^a_ij|^2 / N_c^2 = C_F / N_c = 4/9 becomes delta_ij delta_ij / N_c^2 = 1/3 (a factor 3/4) and g_s^2 -> e^2 e_q^2,
so dsigma(gamma)/dsigma(g) = 3 alpha e_q^2 / (4 alpha_s) point by point (tested). The real photon couples with
alpha(0) = 1/137.036. Hadronic: d sigma/(dy_V dy_X dpT^2) = x1 f(x1) x2 f(x2) dsigma/dt with
x_{1,2} = (m_T e^{+-y_V} + pT e^{+-y_X})/sqrt(s_had). Scales mu_R = mu_F = H_T/2 = (m_T + pT)/2; alpha_s at one loop
from alpha_s(M_Z) = 0.130 (NNPDF2.3 LO), 5 flavours. At LO the missing transverse momentum is the boson pT; the jet
(photon) must lie within the analysis' rapidity acceptance, with optional gaps (the ATLAS calorimeter crack).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from globalfit.physics.constants import ALPHA_EM, GEV2_TO_PB, M_Z
from globalfit.physics.lhc.drell_yan import MG5_EW, QUARKS

ALPHA_S_MZ = 0.130
#: Quark pids of the five light flavours (d, u, s, c, b); their (charge, T3) are drell_yan.QUARKS.
PIDS = tuple(QUARKS)
RECOILS = ("jet", "photon")


def alpha_s(mu: np.ndarray, alpha_mz: float = ALPHA_S_MZ, nf: int = 5) -> np.ndarray:
    """One-loop running coupling."""
    b0 = (33 - 2 * nf) / (12 * np.pi)
    return alpha_mz / (1 + alpha_mz * b0 * np.log(mu**2 / M_Z**2))


def _grid(n: int, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.legendre.leggauss(n)
    return lo + (hi - lo) * (x + 1) / 2, w * (hi - lo) / 2


def _acceptance_grid(n: int, y_max: float, gaps: Sequence[tuple[float, float]] = ()) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes over |y| < y_max minus the |y| intervals in ``gaps``, about n nodes in all."""
    edges = [0.0]
    for lo, hi in sorted(gaps):
        edges += [lo, hi]
    edges.append(y_max)
    pieces = [(edges[i], edges[i + 1]) for i in range(0, len(edges), 2) if edges[i + 1] > edges[i]]
    total = sum(hi - lo for lo, hi in pieces)
    nodes, weights = [], []
    for lo, hi in pieces:
        k = max(4, int(round(n / 2 * (hi - lo) / total)))
        for sign in (1.0, -1.0):
            y, w = _grid(k, lo, hi)
            nodes.append(sign * y)
            weights.append(w)
    return np.concatenate(nodes), np.concatenate(weights)


def dsigma_dpt_per_quark(pdf, sqrt_s: float, mass: float, pts: np.ndarray, recoil: str = "jet", y_max: float = 2.4,
                         y_gaps: Sequence[tuple[float, float]] = (), n_y: int = 32,
                         pids: Sequence[int] = PIDS) -> np.ndarray:
    """d sigma/d pT(V) [pb/GeV] of pp -> V(mass) + ``recoil`` at unit coupling c = 1 to one quark flavour at a time.

    Parameters
    ----------
    pdf
        Parton densities with ``f(pid, x, mu)`` (x f(x), as LHAPDF).
    sqrt_s
        Collider energy [GeV].
    mass
        Mass of V [GeV].
    pts
        Transverse momenta of V [GeV].
    recoil
        ``"jet"`` (q qbar -> V g and q g -> V q) or ``"photon"`` (q qbar -> V gamma).
    y_max, y_gaps
        Rapidity acceptance of the recoiling jet or photon: |y| < y_max outside the |y| intervals ``y_gaps``.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(pids), len(pts))``.
    """
    if recoil not in RECOILS:
        raise ValueError(f"unknown recoil {recoil!r}; expected one of {RECOILS}")
    s_had = sqrt_s**2
    yx, wyx = _acceptance_grid(n_y, y_max, y_gaps)
    out = np.zeros((len(pids), len(pts)))
    for k, pt in enumerate(np.asarray(pts, dtype=float)):
        mt = np.sqrt(pt**2 + mass**2)
        if sqrt_s <= 2 * mt:
            continue
        ymax_v = np.arccosh(sqrt_s / (2 * mt))
        yv, wyv = _grid(n_y, -ymax_v, ymax_v)
        YV, YX = np.meshgrid(yv, yx, indexing="ij")
        W = np.outer(wyv, wyx)
        x1 = (mt * np.exp(YV) + pt * np.exp(YX)) / sqrt_s
        x2 = (mt * np.exp(-YV) + pt * np.exp(-YX)) / sqrt_s
        ok = (x1 < 1) & (x2 < 1)
        x1c, x2c = np.where(ok, x1, 0.5), np.where(ok, x2, 0.5)
        sh = x1c * x2c * s_had
        # t = (p_q1 - p_V)^2 with parton 1 moving in +z
        th = mass**2 - x1c * sqrt_s * mt * np.exp(-YV)
        uh = mass**2 - x2c * sqrt_s * mt * np.exp(YV)
        mu = (mt + pt) / 2
        muf = np.full_like(x1c, mu)
        shape = (th**2 + uh**2 + 2 * sh * mass**2) / (th * uh)
        if recoil == "jet":
            a_s = alpha_s(mu)
            g1, g2 = pdf.f(21, x1c, muf), pdf.f(21, x2c, muf)
            qqbar = 2 * a_s / (9 * sh**2) * shape
            # q(1) g(2): t = (p1 - pV)^2 = th, u = (p2 - pV)^2 = uh ; g(1) q(2): t = uh, u = th
            qg_12 = -a_s / (12 * sh**2) * (sh**2 + th**2 + 2 * uh * mass**2) / (sh * th)
            qg_21 = -a_s / (12 * sh**2) * (sh**2 + uh**2 + 2 * th * mass**2) / (sh * uh)
        for i, pid in enumerate(pids):
            q1, qb1 = pdf.f(pid, x1c, muf), pdf.f(-pid, x1c, muf)
            q2, qb2 = pdf.f(pid, x2c, muf), pdf.f(-pid, x2c, muf)
            if recoil == "jet":
                dens = (q1 * qb2 + qb1 * q2) * qqbar + (q1 + qb1) * g2 * qg_12 + g1 * (q2 + qb2) * qg_21
            else:
                dens = (q1 * qb2 + qb1 * q2) * ALPHA_EM * QUARKS[pid][0] ** 2 / (6 * sh**2) * shape
            integrand = np.where(ok, x1c * x2c * dens, 0.0)
            out[i, k] = 2 * pt * np.sum(W * integrand) * GEV2_TO_PB  # d/dpT = 2 pT d/dpT^2
    return out


def dsigma_dpt_v_jet(pdf, sqrt_s: float, mass: float, couplings: dict[int, float], pts: np.ndarray,
                     y_jet_max: float = 2.4, n_y: int = 32) -> np.ndarray:
    """d sigma/d pT(V) [pb/GeV] of pp -> V(mass) + jet with |y_jet| < y_jet_max, at the transverse momenta ``pts``.

    Parameters
    ----------
    couplings
        ``{quark pid: g_V^2 + g_A^2}`` for pid 1..5 (d, u, s, c, b).
    """
    pids = [p for p, c in couplings.items() if c != 0.0]
    if not pids:
        return np.zeros(len(pts))
    per = dsigma_dpt_per_quark(pdf, sqrt_s, mass, pts, "jet", y_jet_max, (), n_y, pids)
    return np.array([couplings[p] for p in pids]) @ per


def sigma_v_jet(pdf, sqrt_s: float, mass: float, couplings: dict[int, float], pt_min: float, y_jet_max: float = 2.4,
                n_pt: int = 48, n_y: int = 32) -> float:
    """sigma(pp -> V(mass) + jet) [pb] with pT(V) > pt_min and |y_jet| < y_jet_max (Gauss-Legendre in log pT)."""
    pt_max = (sqrt_s**2 - mass**2) / (2 * sqrt_s)
    if pt_min >= pt_max:
        return 0.0
    lpt, wlpt = _grid(n_pt, np.log(pt_min), np.log(pt_max))
    pts = np.exp(lpt)
    return float(np.sum(wlpt * pts * dsigma_dpt_v_jet(pdf, sqrt_s, mass, couplings, pts, y_jet_max, n_y)))


def _breit_wigner_nodes(mass: float, width: float, sqrt_s: float, n_m: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes m [GeV] and weights w for int dm^2 BW(m^2) F(m) ~ sum_i w_i F(m_i), with BW(m^2) = m Gamma_nunu(m) /
    (pi ((m^2 - M^2)^2 + M^2 Gamma^2)) and Gamma_nunu(m) = m/(24 pi) (one left-handed neutrino, unit coupling).
    m runs from 1 GeV to min(sqrt_s/2, M + 60 Gamma), mapped by m^2 = M^2 + M Gamma tan(t) so that the peak is sampled
    densely: then dm^2 / ((m^2 - M^2)^2 + M^2 Gamma^2) = dt / (M Gamma)."""
    hi = min(0.5 * sqrt_s, mass + 60 * width)
    t_lo = np.arctan((1.0 - mass**2) / (mass * width))
    t_hi = np.arctan((hi**2 - mass**2) / (mass * width))
    tt, wt = _grid(n_m, t_lo, t_hi)
    m2 = mass**2 + mass * width * np.tan(tt)
    keep = m2 > 0
    m = np.sqrt(m2[keep])
    return m, wt[keep] / (mass * width) * m * (m / (24 * np.pi)) / np.pi


def sigma_zprime_jet_nunu(pdf, sqrt_s: float, mass: float, width: float, g_q: float, g_nu: float, pt_min: float,
                          quarks: tuple[int, ...] = PIDS, y_jet_max: float = 2.4, n_m: int = 24) -> float:
    """sigma(pp -> Z'* j -> nu nubar j) [pb], vector Z' coupling g_q to the listed quarks and g_nu to one left-handed
    neutrino flavour, Breit-Wigner of fixed width over m_nunu: int dm^2 sigma_Vj(m) m Gamma_nunu(m) / pi / ((m^2 - M^2)^2
    + M^2 Gamma^2), Gamma_nunu(m) = g_nu^2 m / (24 pi)."""
    coup = {q: g_q**2 for q in quarks}
    ms, ws = _breit_wigner_nodes(mass, width, sqrt_s, n_m)
    return float(g_nu**2 * sum(w * sigma_v_jet(pdf, sqrt_s, m, coup, pt_min, y_jet_max) for m, w in zip(ms, ws)))


def zprime_tail_sigmas_per_quark(pdf, sqrt_s: float, mass: float, width: float, thresholds: np.ndarray,
                                 recoil: str = "jet", y_max: float = 2.4, y_gaps: Sequence[tuple[float, float]] = (),
                                 n_m: int = 24, n_pt: int = 72, pids: Sequence[int] = PIDS) -> np.ndarray:
    """sigma(pp -> Z'* X -> nu nubar X, pT > T) [pb] at unit couplings g_q = g_nu = 1, one quark flavour at a time,
    for every threshold T (shape ``(len(pids), len(thresholds))``): the pure Z' part of :func:`zprime_tail_tables`,
    without the interference. Rates scale as g_q^2 g_nu^2 at fixed width."""
    return zprime_tail_tables(pdf, sqrt_s, mass, width, thresholds, recoil, y_max, y_gaps, n_m, 0, n_pt, pids)[0]


def _tail_integrals(dens: np.ndarray, nodes: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """int_T^max d sigma/d pT for every threshold T from d sigma/d pT on log-spaced ``nodes`` (rows of ``dens``):
    trapezoid rule in log pT, one cumulative integral serving all thresholds."""
    lp = np.log(nodes)
    f = dens * nodes
    cum = np.concatenate([np.zeros((len(f), 1)), np.cumsum(0.5 * (f[:, 1:] + f[:, :-1]) * np.diff(lp), axis=1)], axis=1)
    return np.array([[c[-1] - np.interp(np.log(t), lp, c) for t in thresholds] for c in cum])


def zprime_jet_tail_sigmas(pdf, sqrt_s: float, mass: float, width: float, thresholds: np.ndarray,
                           quarks: tuple[int, ...] = PIDS, y_jet_max: float = 2.4, n_m: int = 24,
                           n_pt: int = 96) -> np.ndarray:
    """sigma(pp -> Z'* j -> nu nubar j, pT > T) [pb] for every threshold T at unit g_q = g_nu = 1, summed over
    ``quarks`` (see :func:`zprime_tail_sigmas_per_quark`)."""
    return zprime_tail_sigmas_per_quark(pdf, sqrt_s, mass, width, thresholds, "jet", y_jet_max, (), n_m, n_pt,
                                        quarks).sum(axis=0)


def z_couplings(ew: dict | None = None) -> dict[int, float]:
    """a_nu (a_qL + a_qR) per quark pid: the SM Z couplings that multiply the Z-Z' interference, with the Z couplings
    L = Z_mu [a_nu nubar gamma^mu P_L nu + qbar gamma^mu (a_qL P_L + a_qR P_R) q], a_f,h = g_Z (T3 delta_hL - Q s_W^2),
    a_nu = g_Z/2 and g_Z^2 = 4 sqrt2 G_F M_Z^2, so a_nu (a_qL + a_qR) = (g_Z^2 / 2)(T3 - 2 Q s_W^2). Electroweak inputs
    of the LO SM validation (:data:`globalfit.physics.lhc.drell_yan.MG5_EW`, s_W^2 = 1 - M_W^2/M_Z^2)."""
    ew = ew or MG5_EW
    s2w = 1.0 - (ew["mw"] / ew["mz"]) ** 2
    gz2 = 4.0 * np.sqrt(2.0) * ew["gf"] * ew["mz"] ** 2
    return {pid: gz2 / 2.0 * (t3 - 2.0 * q * s2w) for pid, (q, t3) in QUARKS.items()}


def _mixture_nodes(peaks: Sequence[tuple[float, float]], m_lo: float, m_hi: float,
                   n: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes m^2 and weights for int_{m_lo^2}^{m_hi^2} dm^2 F(m^2) when F has Breit-Wigner peaks at
    ``peaks`` = [(M_i, Gamma_i), ...] and a smooth tail: the variable u(m^2) = sum_i arctan((m^2 - M_i^2)/(M_i Gamma_i))
    / R_i + log(m^2) / R_log (each term normalised by its range R over the interval, so that every peak and the tail
    get a share of the nodes) is uniform on the nodes; m^2(u) is found by bisection, and the weights are w_k / u'(m^2_k)."""
    from scipy.optimize import brentq

    lo, hi = m_lo**2, m_hi**2

    def parts(m2):
        return [np.arctan((m2 - m * m) / (m * g)) for m, g in peaks] + [np.log(m2)]

    ranges = [b - a for a, b in zip(parts(lo), parts(hi))]

    def u(m2):
        return sum(p / r for p, r in zip(parts(m2), ranges))

    def du(m2):
        return sum((m * g) / ((m2 - m * m) ** 2 + (m * g) ** 2) / r for (m, g), r in zip(peaks, ranges)) + 1.0 / (m2 * ranges[-1])

    uu, wu = _grid(n, u(lo), u(hi))
    m2 = np.array([brentq(lambda x, t=t: u(x) - t, lo, hi, xtol=1e-12 * hi, rtol=1e-14) for t in uu])
    return m2, wu / np.array([du(x) for x in m2])


def zprime_tail_tables(pdf, sqrt_s: float, mass: float, width: float, thresholds: np.ndarray, recoil: str = "jet",
                       y_max: float = 2.4, y_gaps: Sequence[tuple[float, float]] = (), n_m: int = 24,
                       n_interference: int = 32, n_pt: int = 72, pids: Sequence[int] = PIDS,
                       ew: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Tail cross sections of pp -> Z'* X -> nu nubar X with pT > T [pb], per quark flavour and threshold (arrays of
    shape ``(len(pids), len(thresholds))``): the pure Z' term at unit couplings b_q = b_nu = 1 and the interference
    with the SM Z per unit b_q b_nu (one neutrino flavour). For couplings b_q, b_nu the signal is
    ``b_q^2 b_nu^2 pure + b_q b_nu interference``.

    Derivation (fixed quark flavour; the neutrino is left-handed; helicity amplitudes summed over the quark helicity h,
    integrated over the neutrino decay angles, where the LL and LR angular factors integrate to the same number)::

        dsigma = (1/2) sum_h |b_q b_nu P'(m^2) + a_qh a_nu P_Z(m^2)|^2 x dsigma_Vj(m; c = 1) m^2 / (24 pi^2) dm^2
               = [b_q^2 b_nu^2 |P'|^2 + b_q b_nu a_nu (a_qL + a_qR) Re(P' P_Z^*) + SM] dsigma_Vj m^2 / (24 pi^2) dm^2

    with P = 1/(m^2 - M^2 + i M Gamma) (the |P'|^2 term is the Breit-Wigner of :func:`_breit_wigner_nodes`; the
    c = g_V^2 + g_A^2 = (g_L^2 + g_R^2)/2 of :func:`dsigma_dpt_per_quark` is the helicity average). The Z couplings a are those of
    :func:`z_couplings`, all written with the same sign convention as the Z' couplings, so that b_q b_nu > 0 is eps > 0
    (paper 000 eq. 2.4; the SM neutral current then has eps-like couplings g_V^q = T3 - 2 Q s_W^2). The interference
    m^2 integral runs from 1 GeV to min(sqrt_s/2, max(M, M_Z) + 60 max(Gamma, Gamma_Z)) on ``n_interference`` nodes
    that resolve both peaks (:func:`_mixture_nodes`); ``n_interference = 0`` skips it (the interference is then 0).
    One pT grid of ``n_pt`` log-spaced nodes serves all thresholds.
    """
    ew = ew or MG5_EW
    mz, gz = ew["mz"], ew["gz"]
    thresholds = np.asarray(thresholds, dtype=float)
    nodes = np.geomspace(thresholds.min(), 0.5 * sqrt_s, n_pt)
    pure = np.zeros((len(pids), n_pt))
    interf = np.zeros((len(pids), n_pt))
    # pure term: the arctan map of the Z' peak (accurate also for very narrow widths)
    for m, w in zip(*_breit_wigner_nodes(mass, width, sqrt_s, n_m)):
        pure += w * dsigma_dpt_per_quark(pdf, sqrt_s, m, nodes, recoil, y_max, y_gaps, pids=pids)
    # interference: nodes that resolve both the Z and the Z' peak (none: pure term only)
    if n_interference > 0:
        m_hi = min(0.5 * sqrt_s, max(mass, mz) + 60 * max(width, gz))
        c_z = np.array([z_couplings(ew)[p] for p in pids])[:, None]
        for m2, w in zip(*_mixture_nodes([(mass, width), (mz, gz)], 1.0, m_hi, n_interference)):
            p_zp = 1.0 / complex(m2 - mass**2, mass * width)
            p_z = 1.0 / complex(m2 - mz**2, mz * gz)
            weight = w * m2 / (24 * np.pi**2) * (p_zp * p_z.conjugate()).real
            interf += weight * c_z * dsigma_dpt_per_quark(pdf, sqrt_s, np.sqrt(m2), nodes, recoil, y_max, y_gaps,
                                                          pids=pids)
    return _tail_integrals(pure, nodes, thresholds), _tail_integrals(interf, nodes, thresholds)
