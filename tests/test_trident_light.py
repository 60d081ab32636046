"""Light-Z' neutrino trident: the full-propagator calculation (globalfit.physics.trident_kinematics), its heavy and
light limits, the CCFR/CHARM-II prior terms, and the trident/oscillation crossover for B-3Lmu (paper 004)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import qmc

from globalfit.physics.trident import TridentTable, trident_ratio, trident_ratio_full
from globalfit.physics.trident_kinematics import squared_amplitudes, subprocess_events

PAPER_004_CROSSOVER_GEV = 0.7


def _table(dataset: str) -> TridentTable:
    from globalfit.catalogue import Catalogue
    from globalfit.components.trident import Trident

    return Trident._read_table(Catalogue().get(dataset, "priors"))


def _fit(charges: str, likelihoods: list, priors: list):
    from globalfit.config import parse_config
    from globalfit.model import Fit

    return Fit(parse_config({"model": {"type": "u1", "charges": charges},
                             "parameters": {"gprime": {"prior": "log-uniform", "lower": 1e-7, "upper": 1.0},
                                            "mass_GeV": {"prior": "log-uniform", "lower": 1e-3, "upper": 1e3}},
                             "likelihoods": likelihoods, "priors": priors}))


def _limit(fit, mass: float, component: str) -> float:
    from globalfit.frequentist.profile import delta_chi2_rows

    rows = delta_chi2_rows(fit, mass, 4.0, (1e-7, 1.0))
    return [r for r in rows if r["component"] == component][0]["upper"]


# -- the matrix element and the phase space ---------------------------------------------------------------------------
def _events(n_log2: int, s: float, m: float):
    u = qmc.Sobol(d=4, scramble=True, seed=5).random_base2(n_log2)
    return subprocess_events(np.full(len(u), s), u, m=m)


def test_matrix_element_gauge_invariance_and_c_parity():
    """Hand checks of the nu gamma -> nu mu mu squared amplitude at 16 random points (s = 10 GeV^2):
    (i) the -g photon polarisation sum equals the sum over the two physical polarisations (photon along -z, so
    x and y), which holds only if the two diagrams are gauge invariant together (rel. 1e-5, round-off);
    (ii) under mu+ <-> mu- the V-A interference flips sign and VV, AA are unchanged (C parity; rel. 1e-6, plus 1e-9 of
    the largest value for round-off in cancelling points)."""
    _, _, (k, kp, pg, pm, pp) = _events(4, 10.0, 0.1056583755)
    a = squared_amplitudes(k, kp, pg, pm, pp)
    pol = np.zeros((len(k), 4, 4))
    pol[:, 1, 1] = pol[:, 2, 2] = 1.0
    phys = squared_amplitudes(k, kp, pg, pm, pp, polarisation=pol)
    swapped = squared_amplitudes(k, kp, pg, pp, pm)
    assert np.all(a["VV"] > 0) and np.all(a["AA"] > 0)
    for key in ("VV", "AA"):
        assert phys[key] == pytest.approx(a[key], rel=1e-5, abs=1e-9 * np.max(a[key]))
        assert swapped[key] == pytest.approx(a[key], rel=1e-6, abs=1e-9 * np.max(a[key]))
    assert swapped["VA"] == pytest.approx(-a["VA"], rel=1e-6, abs=1e-9 * np.max(a["VV"]))


def test_phase_space_volume_massless_limit():
    """Hand calculation: the three-body phase space of massless particles is Phi_3 = s/(256 pi^3). With m_mu = 1e-4
    GeV at s = 100 GeV^2 (mass corrections ~1e-9), 2^18 Sobol points reproduce it within 1 % (the Jacobians of
    the log W^2, log Q^2 and tanh-angle maps)."""
    w, _, _ = _events(18, 100.0, 1e-4)
    assert w.mean() == pytest.approx(100.0 / (256 * np.pi**3), rel=0.01)


# -- heavy and light limits ------------------------------------------------------------------------------------------
def test_full_formula_equals_contact_formula_for_unit_averages():
    """Algebraic identity: with f_1 = f_2 = 1 and r = 1 the full formula is the contact formula
    [(1 + 4 s_W^2 + 2 Delta)^2 + 1]/[(1 + 4 s_W^2)^2 + 1] (rel. 1e-12)."""
    unit = TridentTable(np.array([1e-3, 1e4]), np.ones(2), np.ones(2), 1.0)
    for g, m, q in ((1e-3, 0.01, -3.0), (0.3, 50.0, 1.0), (2e-2, 3.0, 1.0)):
        assert trident_ratio_full(g, m, q, q, unit) == pytest.approx(trident_ratio(g, m, q, q), rel=1e-12)


@pytest.mark.parametrize("dataset", ["ccfr_trident", "charm2_trident"])
def test_heavy_limit_reduces_to_contact_formula(dataset):
    """Heavy Z' (M = 100 and 1000 GeV, g'/M at the CCFR-bound scale and 3x it): sigma/sigma_SM - 1 of the full
    calculation agrees with the contact formula (globalfit.physics.trident.trident_ratio) within 4 % for CCFR and
    CHARM-II. The residual is the muon-mass effect r = sigma_AA/sigma_VV != 1 (1.10 for CCFR, 1.25 for CHARM-II, i.e.
    (g_V^2 + g_A^2)/(g_V^2 + r g_A^2) - 1 = -2 % and -5 %); for CHARM-II the tolerance is therefore 6 %."""
    table = _table(dataset)
    tol = 0.04 if dataset == "ccfr_trident" else 0.06
    for m in (100.0, 1000.0):
        for g in (m / 1500.0, 3 * m / 1500.0):
            full = trident_ratio_full(g, m, 1.0, 1.0, table) - 1.0
            contact = trident_ratio(g, m, 1.0, 1.0) - 1.0
            assert full == pytest.approx(contact, rel=tol), (m, g)
    assert 1.0 < table.aa_over_vv < 1.3


def test_light_limit_propagator_suppression():
    """Light Z' (hand calculation from the propagator M^2/(M^2 + Q^2) with a Q^2 distribution that does not vanish
    as Q^2 -> 0 on the M^2 scale): f_1 = <M^2/(M^2+Q^2)> -> M^2 <1/Q^2>, so log f_1 has slope 2 in log M for
    M^2 << <Q^2> (1e-4 to 1e-3 GeV: slope within 2 %), and f_2 falls faster (slope between 3 and 4, the logarithmic
    collinear enhancement of the Z'^2 term). Consequence: at M = 10 MeV and g' = 1e-3 (L_mu - L_tau) the full
    CCFR prediction is a factor > 100 closer to the SM than the contact formula."""
    table = _table("ccfr_trident")
    f1, f2 = table.averages(np.array([1e-4, 1e-3]))
    assert np.log(f1[1] / f1[0]) / np.log(10.0) == pytest.approx(2.0, rel=0.02)
    assert 3.0 < np.log(f2[1] / f2[0]) / np.log(10.0) < 4.0
    full = trident_ratio_full(1e-3, 0.01, 1.0, 1.0, table) - 1.0
    contact = trident_ratio(1e-3, 0.01, 1.0, 1.0) - 1.0
    assert 0 < 100 * full < contact


@pytest.mark.slow
def test_lmu_ltau_ccfr_limit_and_continuity():
    """L_mu - L_tau with the CCFR prior alone: (i) the Delta chi^2 = 4 limit at M = 10 MeV lies between 5e-4 and
    2e-3 (arXiv:1406.2332, Fig. of the CCFR exclusion: g' ~ 1e-3 near 10 MeV, quoted from memory, hence the factor 2;
    measured 9.8e-4); (ii) over a 5 MeV - 10 GeV scan at g' = 1e-3 (2000 masses) the log L is finite, nowhere zero
    (no switch-off), and has no jump above 1 % of its range between neighbours."""
    fit = _fit("Lmu-Ltau", [], ["ccfr_trident"])
    assert 5e-4 < _limit(fit, 0.01, "ccfr_trident") < 2e-3
    terms = fit.compiled("terms")
    masses = np.geomspace(0.005, 10.0, 2000)
    ll = np.array([terms(np.array([np.log10(1e-3), np.log10(m)]))[0] for m in masses])
    assert np.all(np.isfinite(ll)) and np.all(ll < 0)
    span = ll.max() - ll.min()
    assert span > 1.0
    assert np.max(np.abs(np.diff(ll))) < 0.01 * span


# -- B-3Lmu: trident vs oscillations (paper 004 section 3.1.1) ------------------------------------------------------
@pytest.fixture(scope="module")
def b3lmu_limits():
    """The CCFR and CHARM-II trident limits as functions of M, and the oscillation limit (exactly proportional to M:
    contact NSI at q^2 = 0) through its slope, all from globalfit.frequentist.profile.delta_chi2_rows (Delta chi^2 = 4)."""
    trident = _fit("B-3Lmu", [], ["ccfr_trident", "charm2_trident"])
    osc = _fit("B-3Lmu", ["oscillation_esteban2018"], [])
    slope = _limit(osc, 1.0, "oscillation_esteban2018")
    assert _limit(osc, 2.0, "oscillation_esteban2018") == pytest.approx(2 * slope, rel=1e-3)
    return lambda m, comp: _limit(trident, m, comp), slope


def _crossover(limit, slope, comp: str) -> float:
    from scipy.optimize import brentq

    return float(np.exp(brentq(lambda lm: np.log(limit(np.exp(lm), comp) / (slope * np.exp(lm))),
                               np.log(0.2), np.log(5.0), xtol=1e-4)))


def test_b3lmu_trident_overtakes_oscillations(b3lmu_limits):
    """Paper 004 (section 3.1.1, B-3Lmu): the oscillation limit is weaker than the trident (CCFR) limit for M_Z' above a
    crossover mass and stronger below. Checked qualitatively: CCFR weaker at 0.2 GeV, stronger at 5 GeV, one crossing
    in between; CHARM-II (ratio 1.58 +- 0.64, weaker) never overtakes oscillations up to 100 GeV."""
    limit, slope = b3lmu_limits
    assert limit(0.2, "ccfr_trident") > 0.2 * slope
    assert limit(5.0, "ccfr_trident") < 5.0 * slope
    assert 0.2 < _crossover(limit, slope, "ccfr_trident") < 5.0
    assert all(limit(m, "charm2_trident") > m * slope for m in (0.1, 1.0, 10.0, 100.0))


@pytest.mark.xfail(strict=True, reason="measured crossover 1.01 GeV, 44 % above paper 004's ~700 MeV; near-parallel "
                                       "limit curves make the crossing sensitive to 10 % normalisation differences "
                                       "(CL convention, beam energy, oscillation limit); not tuned")
def test_b3lmu_crossover_near_700_MeV(b3lmu_limits):
    """Paper 004: oscillations weaker than trident for M_Z' > ~700 MeV; crossover required within 30 % of 0.7 GeV."""
    limit, slope = b3lmu_limits
    assert _crossover(limit, slope, "ccfr_trident") == pytest.approx(PAPER_004_CROSSOVER_GEV, rel=0.3)


# -- datasets and options --------------------------------------------------------------------------------------------
def test_contact_option_and_bad_option():
    """``propagator: contact`` gives the heavy formula (exactly, above 1 GeV); an unknown value names the option."""
    from globalfit.errors import ConfigError

    with pytest.raises(ConfigError, match="option propagator must be one of full, contact"):
        _fit("B-3Lmu", [], [{"id": "ccfr_trident", "options": {"propagator": "heavy"}}])
    fit = _fit("B-3Lmu", [], [{"id": "ccfr_trident", "options": {"propagator": "contact"}}])
    comp = fit.components[0]
    assert comp.propagator == "contact"
    assert _fit("B-3Lmu", [], ["charm2_trident"]).components[0].observed() == {"ratio": 1.58, "error": 0.64}
