"""Z' widths and branching fractions, paper 002 eq. (1.7) and Fig. 1."""

import numpy as np
import pytest

from globalfit.physics.charges import parse_charges
from globalfit.physics.constants import M_MU
from globalfit.physics.widths import branching_fractions, partial_widths, total_width


def test_muon_width_hand_calculation():
    """Gamma(Z'->mu mu) = Q^2 g'^2/(12 pi M) (M^2 + 2 m^2) sqrt(1 - 4 m^2/M^2) for B-3Lmu (Q_mu = -3), g' = 0.01, M = 1 GeV:
    9e-4/(12 pi) * (1 + 2*0.011164) * sqrt(1 - 4*0.011164) = 2.3873e-5 * 1.022327 * 0.977403 = 2.3855e-5 GeV. Tolerance 1e-4."""
    w = partial_widths(parse_charges("A"), 0.01, 1.0)["mu"]
    r = M_MU**2
    hand = 9e-4 / (12 * np.pi) * (1 + 2 * r) * np.sqrt(1 - 4 * r)
    assert w == pytest.approx(hand, rel=1e-12)
    assert w == pytest.approx(2.3855e-5, rel=1e-4)


def test_neutrino_width_is_half_a_charged_lepton():
    """N_nu = 1/2 (paper 002 below eq. 1.7): far above threshold Gamma(nu nu) = Gamma(mu mu)/2."""
    pw = partial_widths(parse_charges("A"), 0.1, 1000.0)
    assert pw["nu_mu"] == pytest.approx(0.5 * pw["mu"], rel=1e-7)


@pytest.mark.parametrize(
    "case, mass, br_nu, br_ll",
    [
        # Hand calculation with paper 002 eq. (1.7): weights N Q^2 (1 + 2r) sqrt(1 - 4r), r = m^2/M^2.
        # Case A at 10 GeV: quarks (1/3)(u+d+s + c 0.99840 + b 0.74048) = 1.57963, mu 9.0000, nu 4.5 -> BR = 0.2984, 0.5968
        ("A", 10.0, 0.2984, 0.5968),
        # Case A at 1 TeV: top opens (0.99444): quarks 1.99815 -> BR = 0.2904, 0.5807
        ("A", 1000.0, 0.2904, 0.5807),
        # Case B at 10 GeV: mu 2.25, tau 2.25*0.99375, nu 2.25 -> 0.2706, 0.5395
        ("B", 10.0, 0.2706, 0.5395),
        ("B", 1000.0, 0.2572, 0.5144),
        # Case C at 10 GeV: tau 9*0.99375, nu 4.5 -> 0.2995, 0.5953
        ("C", 10.0, 0.2995, 0.5953),
        ("C", 1000.0, 0.2904, 0.5807),
    ],
)
def test_branching_fractions_cases(case, mass, br_nu, br_ll):
    """Paper 002 Fig. 1 (qualitatively: BR(nu nu) ~ 0.3, BR(ll) ~ 0.6 for A and C, lower for B which shares the
    lepton coupling between mu and tau); numbers from the hand calculation in the parameter comments. Tolerance 5e-4 absolute."""
    br = branching_fractions(parse_charges(case), mass)
    assert br["neutrinos"] == pytest.approx(br_nu, abs=5e-4)
    assert br["e"] + br["mu"] + br["tau"] == pytest.approx(br_ll, abs=5e-4)
    assert sum(br[k] for k in br if k not in ("quarks", "neutrinos")) == pytest.approx(1.0, abs=1e-12)


def test_hadronic_width_below_3pi_is_pi0_gamma_only():
    """Below 3 m_pi (0.41 GeV) a B-3Lmu Z' decays to hadrons only through omega -> pi0 gamma (the VMD curve of
    arXiv:1801.04847 Fig. 1, O(alpha) suppressed): BR(hadrons) is positive but below 1e-5 at 0.3 GeV and equals the
    pi0 gamma partial width (r_omega^2 e^2 R^{pi0 gamma}_omega m/(12 pi), hadronic.py); above 2 m_mu it decays to
    muons; below it only to neutrinos."""
    from globalfit.physics.hadronic import r_vmd

    br = branching_fractions(parse_charges("A"), 0.3)
    assert 0.0 < br["quarks"] < 1e-5
    pw = partial_widths(parse_charges("A"), 1.0, 0.3)
    assert pw["hadrons"] == pytest.approx(0.3 / (12 * np.pi) * r_vmd((1 / 3, 1 / 3, 1 / 3), 0.3, "pi0_gamma"), rel=1e-12)
    assert br["mu"] > 0.6
    br_low = branching_fractions(parse_charges("A"), 0.15)  # below the dimuon threshold: only neutrinos
    assert br_low["neutrinos"] == pytest.approx(1.0, abs=1e-6)


def test_light_hadrons_are_partonic_above_2GeV():
    """Above the 1.8-2.0 GeV blend the hadrons channel is the partonic u + d + s width of eq. (1.7) (hand: for
    Q_q = 1/3 the three light quarks give 3 * 3 * (1/9) = 1 unit of g'^2 M/(12 pi), up to O(m_s^2/M^2))."""
    pw = partial_widths(parse_charges("A"), 1.0, 3.0)
    assert pw["hadrons"] == pytest.approx(3.0 / (12 * np.pi), rel=2e-3)
    assert set(pw) == set(("hadrons", "c", "b", "t", "e", "mu", "tau", "nu_e", "nu_mu", "nu_tau"))


def test_width_scales_with_gprime_squared_and_works_on_tensors():
    """Gamma ∝ g'^2; the PyTensor graph gives the numpy value."""
    import pytensor
    import pytensor.tensor as pt

    ca = parse_charges("B")
    assert total_width(ca, 0.2, 50.0) == pytest.approx(4 * total_width(ca, 0.1, 50.0), rel=1e-12)
    g, m = pt.dscalars("g", "m")
    f = pytensor.function([g, m], total_width(ca, g, m))
    for mass in (0.3, 1.5, 50.0, 3000.0):
        assert f(0.1, mass) == pytest.approx(total_width(ca, 0.1, mass), rel=1e-10)
