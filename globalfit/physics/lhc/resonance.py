"""Narrow-width production of a vector resonance, pp -> Z' -> l+ l-, at leading order, and the dilepton fiducial
acceptance.

For a vector coupling g_q (L = g_q Z'_mu qbar gamma^mu q) the colour-averaged partonic cross section is
sigma(q qbar -> Z') = (pi/3) g_q^2 delta(s_hat - M^2) (as for the W with g_V^2 + g_A^2 -> g_q^2), so::

    sigma(pp -> Z') = sum_q (pi/3) g_q^2 / s_had int dy [f_q(x1) f_qbar(x2) + f_qbar(x1) f_q(x2)],  x_{1,2} = M e^{+-y}/sqrt(s)

at mu_F = M. The leptons of a vector decaying to a vector-coupled lepton pair follow 1 + cos^2(theta) in the resonance
frame (no forward-backward asymmetry for pure vector couplings); the fiducial acceptance requires both leptons with
pT > pt_min and |eta| < eta_max, with the resonance rapidity distributed as its production.
"""

from __future__ import annotations

import numpy as np

from globalfit.physics.constants import GEV2_TO_PB


def _rapidity_density(pdf, sqrt_s: float, mass: float, quarks=(1, 2, 3, 4, 5), n_y: int = 64):
    ymax = np.log(sqrt_s / mass)
    x, w = np.polynomial.legendre.leggauss(n_y)
    y, wy = ymax * x, ymax * w
    x1, x2 = mass / sqrt_s * np.exp(y), mass / sqrt_s * np.exp(-y)
    q = np.full_like(y, mass)
    dens = sum(pdf.f(p, x1, q) * pdf.f(-p, x2, q) + pdf.f(-p, x1, q) * pdf.f(p, x2, q) for p in quarks)
    return y, wy, dens


def sigma_narrow_vector(pdf, sqrt_s: float, mass: float, quarks=(1, 2, 3, 4, 5)) -> float:
    """sigma(pp -> Z') [pb] at unit vector coupling to each listed quark (scale by g_q^2)."""
    y, wy, dens = _rapidity_density(pdf, sqrt_s, mass, quarks)
    return float(np.pi / 3 / sqrt_s**2 * np.sum(wy * dens) * GEV2_TO_PB)


def decay_acceptance(y: np.ndarray, mass: float, pt_min: float, eta_max: float, n_cos: int = 200) -> np.ndarray:
    """Fraction of 1 + cos^2 decays with both leptons inside pT > pt_min, |eta| < eta_max, for resonance rapidities y."""
    c, wc = np.polynomial.legendre.leggauss(n_cos)
    weight = (1 + c**2) * wc / (8.0 / 3.0)
    eta_star = np.arctanh(c)  # lepton pseudorapidity in the resonance frame (massless leptons)
    pt = 0.5 * mass * np.sqrt(1 - c**2)
    y = np.atleast_1d(y)[:, None]
    ok = (pt[None, :] > pt_min) & (np.abs(y + eta_star[None, :]) < eta_max) & (np.abs(y - eta_star[None, :]) < eta_max)
    return np.sum(ok * weight[None, :], axis=1)


def fiducial_acceptance(pdf, sqrt_s: float, mass: float, pt_min: float = 30.0, eta_max: float = 2.5,
                        quarks=(1, 2, 3, 4, 5)) -> float:
    """Production-weighted dilepton fiducial acceptance of a narrow vector resonance."""
    y, wy, dens = _rapidity_density(pdf, sqrt_s, mass, quarks)
    return float(np.sum(wy * dens * decay_acceptance(y, mass, pt_min, eta_max)) / np.sum(wy * dens))
