"""LHC machinery validated on the Standard Model first: the PDF reader and LO Drell-Yan at 13 TeV."""

from __future__ import annotations

import numpy as np
import pytest

from globalfit.physics.lhc.drell_yan import partonic, sigma_drell_yan


def test_momentum_and_valence_sum_rules(nnpdf23):
    """Momentum sum sum_i int x f_i dx = 1 and valence numbers u_v = 2, d_v = 1 at Q = 91 GeV (NNPDF2.3 LO; the
    reference SOURCES.md finds 1.005, 2.005, 1.001 with a trapezoid rule). Tolerance 2 %."""
    x = np.geomspace(1e-7, 1.0, 20001)
    q = np.full_like(x, 91.0)
    mom = sum(np.trapezoid(nnpdf23.xfx(pid, x, q), x) for pid in (-5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 21, 22))
    uv = np.trapezoid(nnpdf23.f(2, x, q) - nnpdf23.f(-2, x, q), x)
    dv = np.trapezoid(nnpdf23.f(1, x, q) - nnpdf23.f(-1, x, q), x)
    assert mom == pytest.approx(1.0, rel=0.02)
    assert uv == pytest.approx(2.0, rel=0.02) and dv == pytest.approx(1.0, rel=0.02)


def test_partonic_peak_hand_calculation():
    """At s = M_Z^2 the Z term dominates: sigma = 4 pi alpha^2/(9 M_Z^2) (A_l^2 + V_l^2)(A_q^2 + V_q^2) kappa^2 M_Z^2/Gamma_Z^2
    (+ photon term); the photon-only cross section far below the Z is 4 pi alpha^2 Q_q^2/(9 s) (hand formula), 1e-3."""
    s = 10.0**2
    photon_only = 4 * np.pi * (1 / 132.507) ** 2 * (2 / 3) ** 2 / (9 * s)
    assert partonic(np.array(s), 2) == pytest.approx(photon_only, rel=0.05)  # Z contamination at 10 GeV is a few %
    assert partonic(np.array(91.188**2), 2) > 100 * partonic(np.array(s), 2) * s / 91.188**2


def test_drell_yan_13TeV(nnpdf23):
    """LO sigma(pp -> gamma*/Z -> l l, 66 < M < 116 GeV, mu_F = M) at 13 TeV with NNPDF2.3 LO: an independent LO
    parton-level calculation gives 1.42 nb (issue 5); ours is 1.483 nb (+4.4 %; electroweak inputs of MG5's default SM,
    Z width 2.4414 GeV). Tolerance 5 %. ATLAS measures 1.98 nb (the number quoted in issue 5), i.e. K = sigma_meas/sigma_LO = 1.34,
    the size expected for the NNLO QCD correction to Drell-Yan at the LHC (checked to lie in 1.2-1.5)."""
    sigma_pb = sigma_drell_yan(nnpdf23, 13000.0, 66.0, 116.0)
    assert sigma_pb / 1000 == pytest.approx(1.42, rel=0.05)
    k = 1.98 / (sigma_pb / 1000)
    assert 1.2 < k < 1.5


def test_z_nunu_plus_jet(nnpdf23):
    """SM validation of the mono-jet machinery: LO sigma(pp -> Z(-> nu nubar) + jet, pT(Z) > 250 GeV, |y_jet| < 2.4,
    mu = H_T/2, NNPDF2.3 LO) = 4.36 pb from an independent LO calculation (issue 5); ours 4.50 pb (+3.2 %; BR(Z -> 3 nu)
    = 0.2038 from G_F M_Z^3/(12 sqrt2 pi) per flavour and Gamma_Z = 2.4414 GeV). Tolerance 5 %. The mono-jet analyses'
    Z(nu nu) + jets background above 250 GeV is larger by the usual NLO/LO factor of about 1.3-1.5 plus multi-jet
    contributions not in a 2 -> 2 calculation."""
    from globalfit.physics.lhc.drell_yan import MG5_EW, QUARKS
    from globalfit.physics.lhc.vector_jet import sigma_v_jet

    mz = MG5_EW["mz"]
    s2w = 1 - (MG5_EW["mw"] / mz) ** 2
    g2 = 4 * np.sqrt(2) * MG5_EW["gf"] * mz**2  # (g/cos theta_W)^2
    coup = {pid: g2 / 4 * ((t3 - 2 * q * s2w) ** 2 + t3**2) for pid, (q, t3) in QUARKS.items()}
    br = 3 * MG5_EW["gf"] * mz**3 / (12 * np.sqrt(2) * np.pi) / MG5_EW["gz"]
    assert sigma_v_jet(nnpdf23, 13000.0, mz, coup, 250.0) * br == pytest.approx(4.36, rel=0.05)


@pytest.mark.slow
@pytest.mark.parametrize("mass, pt_min, reference", [(200.0, 250.0, 74.6), (2000.0, 250.0, 1980.0), (1e5, 250.0, 222.0),
                                                     (2000.0, 900.0, 73.6), (1e5, 900.0, 6.17)])
def test_zprime_jet_regression(nnpdf23, mass, pt_min, reference):
    """Cross-section regression against an independent LO parton-level calculation of paper 000's simplified model
    (vector couplings to d, u, s, c, b; one neutrino flavour; eps_u = eps_d = 1 with g_q g_nu = 2 sqrt2 G_F M^2 eps;
    Gamma = 0.1 M Breit-Wigner; NNPDF2.3 LO; mu = H_T/2; |y_jet| < 2.4; no K-factor): 74.6, 1980, 222 pb (pT > 250 GeV at
    M = 0.2, 2, 100 TeV) and 73.6, 6.17 pb (pT > 900 GeV at 2, 100 TeV). Ours agree within 1 %; tolerance 5 %."""
    from globalfit.physics.constants import G_F
    from globalfit.physics.lhc.vector_jet import sigma_zprime_jet_nunu

    g = np.sqrt(2 * np.sqrt(2) * G_F * mass**2)
    sigma = sigma_zprime_jet_nunu(nnpdf23, 13000.0, mass, 0.1 * mass, g, g, pt_min)
    assert sigma == pytest.approx(reference, rel=0.05)


def test_z_nunu_plus_photon(nnpdf23):
    """SM validation of the mono-photon machinery: LO sigma(pp -> Z(-> nu nubar) gamma, pT(gamma) > 150 GeV,
    |eta_gamma| < 2.37, mu = H_T/2, NNPDF2.3 LO, alpha(0) for the photon) is 53.1 fb here (49.8 fb with the
    1.37-1.52 crack removed, as in the mono-photon search). ATLAS measures 83.7 fb in that fiducial region (inclusive in
    jets; JHEP 12 (2018) 010, arXiv:1810.04995), so K = 1.58: the size of the known NNLO/LO correction to Z gamma at
    high photon pT (about 1.5). Tested: K within 1.2-1.9, and the crack costing 5-8 % of the rate (0.15 of 2.37 units
    of rapidity, where the photon is most central)."""
    from globalfit.physics.lhc.drell_yan import MG5_EW, QUARKS
    from globalfit.physics.lhc.vector_jet import _grid, dsigma_dpt_per_quark

    mz = MG5_EW["mz"]
    s2w = 1 - (MG5_EW["mw"] / mz) ** 2
    g2 = 4 * np.sqrt(2) * MG5_EW["gf"] * mz**2
    coup = np.array([g2 / 4 * ((t3 - 2 * q * s2w) ** 2 + t3**2) for q, t3 in QUARKS.values()])
    br = 3 * MG5_EW["gf"] * mz**3 / (12 * np.sqrt(2) * np.pi) / MG5_EW["gz"]
    lpt, w = _grid(48, np.log(150.0), np.log(6400.0))
    pts = np.exp(lpt)

    def sigma_fb(gaps):
        return 1e3 * br * float(np.sum(w * pts * (coup @ dsigma_dpt_per_quark(nnpdf23, 13000.0, mz, pts, "photon",
                                                                                  2.37, gaps))))

    full, cracked = sigma_fb(()), sigma_fb(((1.37, 1.52),))
    assert 1.2 < 83.7 / full < 1.9
    assert 0.05 < 1 - cracked / full < 0.08
