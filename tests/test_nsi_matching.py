"""Coupling -> NSI matching, flavour by flavour and quark by quark (paper 002 eqs. 2.6, 3.5; paper 004 Table 2)."""

import numpy as np
import pytest

from globalfit.physics.charges import parse_charges
from globalfit.physics.constants import G_F, ISOTOPES
from globalfit.physics.nsi import eps_matter, n_open_quarks, simplified_width_bound
from globalfit.physics.theory import TheorySpec

FLAV = ("e", "mu", "tau")


def point(charges, g=1e-3, m=1.0):
    return TheorySpec("u1", parse_charges(charges)).point({"gprime": g, "mass_GeV": m})


@pytest.mark.parametrize("charges", ["A", "B", "C", "B-L", "Lmu-Ltau", "B-3Le", "Le-Lmu"])
def test_eq_2_6_each_quark_and_flavour(charges):
    """Paper 002 eq. (2.6): eps^{qV}_aa = g'^2 Q_a Q_q / (sqrt(2) G_F M^2), for q = u, d and each a. Exact to 1e-12."""
    ca = parse_charges(charges)
    p = point(charges, 3e-3, 0.7)
    for a in FLAV:
        hand = 3e-3**2 * float(ca.lepton(a)) * float(ca.q) / (np.sqrt(2) * G_F * 0.7**2)
        assert p.eps("u", a) == pytest.approx(hand, rel=1e-12, abs=1e-300)
        assert p.eps("d", a) == pytest.approx(hand, rel=1e-12, abs=1e-300)
        hand_e = 3e-3**2 * float(ca.lepton(a)) * float(ca.e) / (np.sqrt(2) * G_F * 0.7**2)
        assert p.eps("e", a) == pytest.approx(hand_e, rel=1e-12, abs=1e-300)


def test_case_A_number():
    """Hand calculation: B-3Lmu, g' = 1e-3, M = 1 GeV: eps^u_mumu = 1e-6 * (1/3)(-3) / (sqrt2 * 1.1663788e-5) = -0.060624."""
    assert point("A").eps("u", "mu") == pytest.approx(-0.060624, rel=1e-4)
    assert point("A").eps("u", "e") == 0.0 and point("A").eps("u", "tau") == 0.0


def test_eq_3_5_momentum_dependence():
    """Paper 002 eq. (3.5): eps(q^2) = g'^2 Q_q Q_a / (sqrt2 G_F (2 M_N E_r + M^2)). For Cs-133, E_r = 10 keV, M = 5 MeV:
    2 M_N E_r = 2*123.8 GeV*1e-5 GeV = 2.476e-3 GeV^2 vs M^2 = 2.5e-5 GeV^2, a suppression of 1/(1+99.0)."""
    p = point("A", 1e-4, 0.005)
    mn = ISOTOPES["Cs133"].mass_GeV
    q2 = 2 * mn * 10e-6
    ratio = p.eps("u", "mu", q2) / p.eps("u", "mu")
    assert ratio == pytest.approx(0.005**2 / (q2 + 0.005**2), rel=1e-12)
    assert 1 / ratio == pytest.approx(100.0, rel=0.01)


@pytest.mark.parametrize(
    "charges, ee_mm, tt_mm",
    [
        # Paper 004 Table 2 (electrophobic), in units of g'^2/(sqrt2 G_F M^2):
        ("B-3Ltau", 0.0, -3.0),
        ("B-3/2(Lmu+Ltau)", 1.5, 0.0),
        ("B-3Lmu", 3.0, 3.0),
    ],
)
def test_paper004_table2(charges, ee_mm, tt_mm):
    """Paper 004 Table 2: eps^{p+n}_ee - eps^{p+n}_mumu and eps^{p+n}_tautau - eps^{p+n}_mumu with eps^{p+n} = (eps^p + eps^n)/2
    (paper 004 below eq. 6). Agrees with paper 002 eq. 2.6 (no factor 1/2). Exact to 1e-12."""
    g, m = 2e-3, 3.0
    unit = g**2 / (np.sqrt(2) * G_F * m**2)
    p = point(charges, g, m)
    assert (p.eps("p+n", "e") - p.eps("p+n", "mu")) / unit == pytest.approx(ee_mm, abs=1e-12)
    assert (p.eps("p+n", "tau") - p.eps("p+n", "mu")) / unit == pytest.approx(tt_mm, abs=1e-12)


def test_nucleon_combinations():
    """Paper 004 sec. 2: eps^p = 2 eps^u + eps^d, eps^n = eps^u + 2 eps^d (checked in eft mode with unequal u, d)."""
    p = TheorySpec("eft", eft_parameters=("eps_u_ee", "eps_d_ee")).point({"eps_u_ee": 0.1, "eps_d_ee": -0.03})
    assert p.eps("p", "e") == pytest.approx(0.17)
    assert p.eps("n", "e") == pytest.approx(0.04)
    assert p.eps("p+n", "e") == pytest.approx(0.105)
    assert p.eps("u", "mu") == 0.0


def test_matter_effective_eps():
    """Paper 002 eq. 2.4 with N_u = (2 + Y_n) N_e, N_d = (1 + 2 Y_n) N_e equals paper 004 footnote 2: e + p + Y_n n."""
    eu, ed, ee, yn = 0.02, -0.05, 0.01, 1.051
    via_p_n = ee + (2 * eu + ed) + yn * (eu + 2 * ed)
    assert eps_matter(eu, ed, ee, yn) == pytest.approx(via_p_n, rel=1e-14)


def test_simplified_mode_matching_and_width_bound():
    """Paper 000 eq. 2.4: eps = g_nu g_q / (2 sqrt2 G_F M^2) and eq. 2.9: |eps| <= sqrt3 pi Gamma/M / (sqrt(N) G_F M^2).
    Cross-check of eq. 2.9 by hand: minimise Gamma = g_nu^2 M/(24 pi) + N g_q^2 M/(4 pi) at fixed g_nu g_q; the minimum
    2 sqrt(N/96)/pi |g_nu g_q| M at width_ratio 0.1 reproduces the bound.
    Low-energy eps^V of the same Z' (paper 002 eq. 1.1-1.2, eps^V = eps^L + eps^R): 2 eps by default, eps with
    ``epsilon_convention="paper000"`` (papers 000/001's comparison with COHERENT); exact."""
    spec = TheorySpec("simplified", width_ratio=0.1, flavours=("e",))
    p = spec.point({"epsilon": 0.01, "mass_GeV": 2000.0})
    assert p.coupling_product_q_nu() == pytest.approx(2 * np.sqrt(2) * G_F * 2000.0**2 * 0.01, rel=1e-12)
    assert p.eps("u", "e") == 0.02 and p.eps("d", "e") == 0.02 and p.eps("u", "mu") == 0.0
    assert p.eps("u", "e", q2=2000.0**2) == pytest.approx(0.01)
    # the physical eps^V equals the u1 matching formula g_q g_nu / (sqrt2 G_F M^2) for the same coupling product
    assert p.eps("u", "e") == pytest.approx(p.coupling_product_q_nu() / (np.sqrt(2) * G_F * 2000.0**2), rel=1e-12)
    old = TheorySpec("simplified", width_ratio=0.1, flavours=("e",), epsilon_convention="paper000")
    q = old.point({"epsilon": 0.01, "mass_GeV": 2000.0})
    assert q.eps("u", "e") == 0.01 and q.eps("u", "e", q2=2000.0**2) == pytest.approx(0.005)
    assert q.coupling_product_q_nu() == p.coupling_product_q_nu()
    n = n_open_quarks(2000.0)
    assert n == 6
    bound = simplified_width_bound(2000.0, 0.1, n)
    gg = 2 * np.sqrt(2) * G_F * 2000.0**2 * bound
    gamma_min = 2 * np.sqrt(n / 96.0) / np.pi * gg * 2000.0
    assert gamma_min / 2000.0 == pytest.approx(0.1, rel=1e-12)


def test_same_code_in_pytensor():
    """The TheoryPoint expressions compile to PyTensor graphs with the numpy values (one source of truth)."""
    import pytensor
    import pytensor.tensor as pt

    spec = TheorySpec("u1", parse_charges("B"))
    g, m, q2 = pt.dscalars("g", "m", "q2")
    tp = spec.point({"gprime": g, "mass_GeV": m})
    f = pytensor.function([g, m, q2], [tp.eps("p+n", "mu", q2), tp.eps_matter("tau")])
    num = spec.point({"gprime": 1e-3, "mass_GeV": 0.02})
    out = f(1e-3, 0.02, 1e-4)
    assert out[0] == pytest.approx(num.eps("p+n", "mu", 1e-4), rel=1e-12)
    assert out[1] == pytest.approx(num.eps_matter("tau"), rel=1e-12)
