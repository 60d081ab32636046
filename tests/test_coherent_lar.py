"""COHERENT CENNS-10 LAr 2020 (analysis A): SM prediction, the collaboration's fit, NSI response, gradients."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from globalfit.catalogue import Catalogue
from globalfit.components import component_class
from globalfit.physics.sns_flux import sns_time_profiles
from globalfit.physics.charges import parse_charges
from globalfit.physics.theory import TheorySpec
from conftest import eft_profile

EFT = TheorySpec("eft", eft_parameters=("eps_u_ee", "eps_d_ee", "eps_u_mumu", "eps_d_mumu"))


def lar(theory=EFT):
    e = Catalogue().get("coherent_lar_2020")
    return component_class(e.kind)(e, theory, {})


def point(**eps):
    vals = {k: 0.0 for k in EFT.eft_parameters}
    vals.update(eps)
    return EFT.point(vals)


def test_sm_prediction():
    """COHERENT 2020 analysis A: SM CEvNS prediction 128 +- 17. Our absolute prediction (Ar-40, Klein-Nystrand,
    quenching 0.246 + 0.00078 T, release efficiency, 13.8e22 POT, 27.5 m, 24.4 kg, no energy smearing): 133.3, +4 %.
    Tolerance 10 %."""
    assert lar().sm_prediction() == pytest.approx(128.0, rel=0.10)


def test_collaboration_fit():
    """COHERENT 2020 analysis A best fit: 159 +- 43 CEvNS, 553 +- 34 prompt BRN, 10 +- 11 delayed BRN, 3131 +- 23
    steady state. Our Poisson likelihood at the SM with the CEvNS normalisation free (as in a measurement) and the
    backgrounds constrained by their CV uncertainties gives 160.4, 552, 10.5, 3133: each within 10 % (3 events for the
    delayed BRN)."""
    comp = lar()
    names = list(comp.sigmas)
    p = point()

    def chi2(v):
        pulls = sum((x / comp.sigmas[n]) ** 2 for x, n in zip(v, names) if n != "gamma")
        return -2 * comp.log_likelihood(p, dict(zip(names, v))) + pulls

    x = minimize(chi2, np.zeros(4), method="L-BFGS-B", bounds=[(-0.99, 5)] * 4).x
    fitted = dict(zip(names, x))
    assert 128 * (1 + fitted["gamma"]) == pytest.approx(159, rel=0.10)
    assert 497 * (1 + fitted["brn_prompt"]) == pytest.approx(553, rel=0.10)
    assert 33 * (1 + fitted["brn_delayed"]) == pytest.approx(10, abs=3)
    assert 3154 * (1 + fitted["steady_state"]) == pytest.approx(3131, rel=0.01)


def test_timing_profiles():
    """Prompt neutrinos arrive with the POT trace (440 ns mean): > 95 % before 1.1 us; delayed ones follow the muon
    lifetime: the fraction after 1.1 us is about exp(-(1.1 - 0.44)/2.197) = 0.74 (within 0.05)."""
    edges = np.array([-0.1, 1.1, 4.9, 20.0])
    tp, td = sns_time_profiles(edges, 440.0, 150.0)
    assert tp[0] > 0.95
    assert td[1] + td[2] == pytest.approx(np.exp(-(1.1 - 0.44) / 2.197), abs=0.05)


def test_flavour_separation_through_timing():
    """NSI in the mu flavour change the prompt-dominated early time bins more than NSI in the e flavour do."""
    comp = lar()
    sm = comp.signal(point())
    early = comp.w_prompt > 0.5
    mu = comp.signal(point(eps_u_mumu=0.1, eps_d_mumu=0.1)) / sm
    e = comp.signal(point(eps_u_ee=0.1, eps_d_ee=0.1)) / sm
    assert np.nanmean(np.abs(mu[early] - 1)) > 2 * np.nanmean(np.abs(e[early] - 1))


def test_gradient_and_case_C():
    import pytensor
    import pytensor.tensor as pt

    spec = TheorySpec("u1", parse_charges("B"))
    comp = lar(spec)
    x = pt.dvector("x")
    ll = comp.log_likelihood(spec.point({"gprime": 10 ** x[0], "mass_GeV": 10 ** x[1]}), {"gamma": x[2]})
    f, g = pytensor.function([x], ll), pytensor.function([x], pytensor.grad(ll, x))
    x0 = np.array([-4.0, -1.3, 0.05])
    num = np.array([(f(x0 + h) - f(x0 - h)) / 2e-6 for h in np.eye(3) * 1e-6])
    assert np.allclose(g(x0), num, rtol=1e-4, atol=1e-5)
    assert not lar(TheorySpec("u1", parse_charges("C"))).is_sensitive()[0]


def test_combined_csi_lar_degenerate_intervals():
    """Paper 001 and its ref. [22]: with eps^u = eps^d, CsI + LAr leave two separate allowed intervals (SM-like and the
    sign-flipped weak charge). Along eps_mumu (eps_ee = 0) our CsI 2017 + LAr 2020 combination (nuisances profiled by
    globalfit.frequentist.profile_chi2, Delta chi^2 < 4) gives [-0.04, 0.02] and [0.16, 0.22]: two pieces, as
    described. Along eps_ee (eps_mumu = 0) the two regions merge into one interval [-0.05, 0.23] with these two
    datasets: the nu_e flux is a third of the total and the 2017 CsI and 2020 LAr statistics cannot separate them (the
    cited analyses add timing-resolved CsI data). Grid 0.01."""
    profile = eft_profile(["coherent_lar_2020", "coherent_csi_2017"])

    grid = np.linspace(-0.3, 0.6, 91)
    for flav, n_pieces in (("mumu", 2), ("ee", 1)):
        chi = np.array([profile({f"eps_u_{flav}": x, f"eps_d_{flav}": x}) for x in grid])
        allowed = chi - chi.min() < 4.0
        pieces = int(np.sum(np.diff(allowed.astype(int)) == 1) + allowed[0])
        assert pieces == n_pieces, flav
        assert allowed[np.argmin(np.abs(grid))]


def test_poisson_half_deviance_by_hand():
    """The binned Poisson term shared by the COHERENT LAr and CsI 2021 likelihoods, by hand: lam = (2, 3, 0),
    n = (1, 0, 0) with the third bin inactive gives (2 - 1 + log(1/2)) + 3 = 3.30685 (1e-12); it vanishes at
    lam = n; an empty bin with lam = 0 (a normalisation nuisance at its lower bound) adds 0, not NaN; the PyTensor graph
    gives the same numbers."""
    import pytensor
    import pytensor.tensor as pt

    from globalfit.stats import poisson_half_deviance

    lam, n, active = np.array([2.0, 3.0, 0.0]), np.array([1.0, 0.0, 0.0]), np.array([1.0, 1.0, 0.0])
    assert poisson_half_deviance(lam, n, active) == pytest.approx(4.0 - np.log(2.0), rel=1e-12)
    assert poisson_half_deviance(np.array([1.0, 5.0]), np.array([1.0, 5.0])) == pytest.approx(0.0, abs=1e-12)
    assert poisson_half_deviance(np.array([0.0, 2.0]), np.array([0.0, 1.0])) == pytest.approx(1.0 - np.log(2.0))
    x = pt.dvector()
    f = pytensor.function([x], poisson_half_deviance(x, n, active))
    assert f(lam) == pytest.approx(4.0 - np.log(2.0), rel=1e-12)
    g = pytensor.function([x], poisson_half_deviance(x, np.array([0.0, 1.0])))
    assert g(np.array([0.0, 2.0])) == pytest.approx(1.0 - np.log(2.0))
