"""Leading-order Drell-Yan pp -> gamma*/Z -> l+ l- (one lepton flavour), the Standard-Model validation of the LHC
machinery (PDF access, phase-space integration, units).

Partonic cross section (PDG, "Cross-section formulae", q qbar -> gamma*/Z -> l+ l-, colour averaged)::

    sigma_q(s) = 4 pi alpha^2 / (3 s N_c) [Q_q^2 - 2 Q_q V_l V_q chi1 + (A_l^2 + V_l^2)(A_q^2 + V_q^2) chi2]
    chi1 = kappa s (s - M_Z^2) / ((s - M_Z^2)^2 + Gamma_Z^2 M_Z^2),  chi2 = kappa^2 s^2 / (...),
    kappa = sqrt(2) G_F M_Z^2 / (4 pi alpha),  V_f = T3_f - 2 Q_f sin^2 theta_W,  A_f = T3_f

and d sigma/(dM dy) = (2 M / s_had) sum_q sigma_q(M^2) [f_q(x1) f_qbar(x2) + (q <-> qbar)], x_{1,2} = M e^{+-y}/sqrt(s_had).
Electroweak inputs default to MadGraph5_aMC@NLO's LO SM (alpha^-1 = 132.507, M_Z = 91.188 GeV, G_F = 1.16639e-5,
M_W = 80.419 GeV, sin^2 theta_W = 1 - M_W^2/M_Z^2), so that LO numbers compare with that generator's defaults.
"""

from __future__ import annotations

import numpy as np

from globalfit.physics.constants import GEV2_TO_PB

MG5_EW = {"alpha": 1 / 132.507, "mz": 91.188, "gz": 2.441404, "gf": 1.16639e-5, "mw": 80.419}
QUARKS = {1: (-1 / 3, -0.5), 2: (2 / 3, 0.5), 3: (-1 / 3, -0.5), 4: (2 / 3, 0.5), 5: (-1 / 3, -0.5)}  # pid: (Q, T3)


def partonic(s: np.ndarray, pid: int, ew: dict = MG5_EW) -> np.ndarray:
    """sigma(q qbar -> gamma*/Z -> l+ l-) [GeV^-2] at partonic s [GeV^2] for quark ``pid``."""
    a, mz, gz = ew["alpha"], ew["mz"], ew["gz"]
    s2w = 1.0 - (ew["mw"] / mz) ** 2
    kappa = np.sqrt(2.0) * ew["gf"] * mz**2 / (4 * np.pi * a)
    den = (s - mz**2) ** 2 + gz**2 * mz**2
    chi1 = kappa * s * (s - mz**2) / den
    chi2 = kappa**2 * s**2 / den
    qq, t3q = QUARKS[pid]
    vq, aq = t3q - 2 * qq * s2w, t3q
    vl, al = -0.5 + 2 * s2w, -0.5
    return 4 * np.pi * a**2 / (3 * s * 3) * (qq**2 - 2 * qq * vl * vq * chi1 + (al**2 + vl**2) * (aq**2 + vq**2) * chi2)


def sigma_drell_yan(pdf, sqrt_s: float, m_lo: float, m_hi: float, n_mass: int = 200, n_rap: int = 64) -> float:
    """LO sigma(pp -> gamma*/Z -> l+ l-) [pb] for m_lo < M_ll < m_hi, mu_F = M_ll, no lepton cuts."""
    xm, wm = np.polynomial.legendre.leggauss(n_mass)
    # map to an arctan variable to sample the Z peak densely
    mz, gz = MG5_EW["mz"], MG5_EW["gz"]
    t_lo, t_hi = np.arctan((m_lo**2 - mz**2) / (mz * gz)), np.arctan((m_hi**2 - mz**2) / (mz * gz))
    t = t_lo + (t_hi - t_lo) * (xm + 1) / 2
    m2 = mz**2 + mz * gz * np.tan(t)
    dm2_dt = mz * gz / np.cos(t) ** 2
    m = np.sqrt(m2)
    s_had = sqrt_s**2
    total = 0.0
    xr, wr = np.polynomial.legendre.leggauss(n_rap)
    for i in range(n_mass):
        ymax = np.log(sqrt_s / m[i])
        y = ymax * xr
        x1, x2 = m[i] / sqrt_s * np.exp(y), m[i] / sqrt_s * np.exp(-y)
        lum = 0.0
        for pid in QUARKS:
            sig = partonic(m2[i], pid)
            pair = pdf.f(pid, x1, m[i]) * pdf.f(-pid, x2, m[i]) + pdf.f(-pid, x1, m[i]) * pdf.f(pid, x2, m[i])
            lum = lum + sig * pair
        # d sigma/dM^2 dy = sigma_hat lum / s_had ; integrate y then M^2 (via t)
        total += wm[i] * (t_hi - t_lo) / 2 * dm2_dt[i] * np.sum(wr * ymax * lum) / s_had
    return float(total * GEV2_TO_PB)
