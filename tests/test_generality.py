"""Any charges, any fixed parameter: the right numbers or a clear report (issue 11 parts 1, 3, 4, 5, 8)."""

from __future__ import annotations

import numpy as np
import pytest

from globalfit.parameters import Normal

from globalfit.physics.constants import G_F

SQRT2_GF = np.sqrt(2.0) * G_F
FREE_MASS = {"prior": "log-uniform", "lower": 0.005, "upper": 1.0e4}


def _config(datasets: list[str], charges: str = "B-3Lmu", mass: dict | None = None, priors: list[str] | None = None):
    from globalfit.config import parse_config

    return parse_config({"model": {"type": "u1", "charges": charges},
                         "parameters": {"gprime": {"prior": "log-uniform", "lower": 1e-7, "upper": 1.0},
                                        "mass_GeV": mass or FREE_MASS},
                         "likelihoods": datasets, "priors": priors or []})


def _upper(fit, mass: float) -> float:
    from globalfit.frequentist import scan_mass

    rows = scan_mass(fit, mass, 4.0, (1e-7, 1.0))
    return [r for r in rows if r["component"] == "combined" and r["method"] == "delta_chi2_profile"][0]["upper"]


# -- part 1: electron NSI in the matter potential -------------------------------------------------------------------
@pytest.mark.parametrize("charges, x_max", [("Le-Lmu", 0.426), ("Le-Ltau", 0.015), ("B-3Le", 1.312 / 2.847)])
def test_electron_nsi_limits_through_scan(charges, x_max):
    """`globalfit limits`' scan (delta chi^2 = 4) with oscillation_esteban2018, proton intervals (``matter: p``, paper
    004's proxy for e + p; Table 1: ee-mumu in [-0.041, 1.312], tautau-mumu in [-0.015, 0.426]).

    Hand derivation, K = g'^2/(sqrt2 G_F M^2), eps^f_aa = K Q_f Q_a, eps^matter = eps^e + eps^p + Y_n eps^n, Y_n = 1.051
    (paper 004 footnote 2), compared with the p intervals as eps^matter/1:

    - Le-Lmu (Q_e = 1, Q_mu = -1, no quarks): ee-mumu = K - (-K) = 2K, tautau-mumu = 0 - (-K) = +K; the tautau edge
      0.426 binds first: K <= 0.426, M/g' >= 1/sqrt(1.6495e-5 * 0.426) = 377.2 GeV.
    - Le-Ltau: ee-mumu = +K, tautau-mumu = -K; the lower tautau edge -0.015 binds: K <= 0.015, M/g' >= 2010 GeV.
    - B-3Le (Q_q = 1/3, Q_e = -3): eps^e_ee = 9K, eps^p_ee = 3 (1/3)(-3) K = -3K, eps^n_ee = -3K, mumu entries 0:
      ee-mumu = (9 - 3 - 3.153) K = 2.847K <= 1.312: K <= 0.4608, M/g' >= 362.7 GeV. Positive, as paper 004 says (the
      proton term alone, the old code, gave -3K: the wrong sign).

    These are twice paper 004 Table 3's entries (+K/2, +K/2; +K/2, -K/2; 3K/2 for e+p, -3K/4 for n in our K), the
    factor of its eqs. 19-24 relative to paper 002 eq. 2.6 (see test_oscillation.test_table3_factor_half).
    Tolerance 2 % (the flat-bottomed chi^2 is 4 exactly at the edge, plus its small value at the minimum).
    """
    from globalfit.model import Fit

    fit = Fit(_config([{"id": "oscillation_esteban2018", "options": {"matter": "p"}}], charges))
    mass = 2.0
    expected = 1.0 / np.sqrt(SQRT2_GF * x_max)
    assert {377.2: 1, 2010.0: 1, 362.7: 1}  # the hand values of the docstring, for the reader
    assert mass / _upper(fit, mass) == pytest.approx(expected, rel=0.02)


@pytest.mark.parametrize("charges", ["B-L", "B-3Le", "Le-Lmu", "Le-Ltau", "B-3Lmu", "B-3/2(Lmu+Ltau)"])
def test_matter_potential_includes_electrons(charges):
    """eps^matter_aa = eps^e + eps^p + Y_n eps^n (paper 004 footnote 2) is what the p+n intervals see, divided by 1 + Y_n
    (hand: the potential of eps^p = eps^n = eps^{p+n}); for B-L the differences vanish (lepton-universal)."""
    from globalfit.catalogue import Catalogue
    from globalfit.components import component_class
    from globalfit.components.oscillation import MATTER_WEIGHTS
    from globalfit.physics.charges import parse_charges
    from globalfit.physics.theory import TheorySpec

    e = Catalogue().get("oscillation_esteban2018")
    spec = TheorySpec("u1", parse_charges(charges))
    comp = component_class(e.kind)(e, spec, {"matter": "p+n"})
    p = spec.point({"gprime": 1e-3, "mass_GeV": 1.0})
    pot = {a: p.eps("e", a) + p.eps("p", a) + 1.051 * p.eps("n", a) for a in ("e", "mu", "tau")}
    obs = comp.observables(p)
    assert MATTER_WEIGHTS["p+n"] == pytest.approx(2.051)
    assert obs["ee-mumu"] == pytest.approx((pot["e"] - pot["mu"]) / 2.051, rel=1e-12, abs=1e-15)
    assert obs["tautau-mumu"] == pytest.approx((pot["tau"] - pot["mu"]) / 2.051, rel=1e-12, abs=1e-15)


def test_electron_models_no_longer_constant():
    """Before: Le-Lmu with the oscillation data stopped with "does not depend on any sampled parameter" (the electron
    term was missing). Now the Fit builds and the term moves with g'."""
    from globalfit.model import Fit

    fit = Fit(_config(["oscillation_esteban2018"], "Le-Lmu"))
    terms = fit.compiled("terms")
    assert terms(np.array([-1.0, 0.0]))[0] < terms(np.array([-4.0, 0.0]))[0] - 100.0


# -- part 3: inclusive table edges ----------------------------------------------------------------------------------
@pytest.mark.parametrize("dataset, mass", [("lhc_atlas_dilepton_2019", 250.0), ("lhc_atlas_dilepton_2019", 3000.0),
                                           ("lhc_cms_monojet_2017", 50.0)])
def test_limit_at_table_edge(dataset, mass):
    """A limit at exactly the first/last tabulated mass is finite (it was NaN: 10**log10(M) fell a rounding error
    outside the table) and within 5 % of the limit 0.1 % inside the edge (the tables are smooth there)."""
    from globalfit.model import Fit

    fit = Fit(_config([dataset]))
    inside = mass * (1.001 if mass < 1000 else 0.999)
    at_edge, near = _upper(fit, mass), _upper(fit, inside)
    assert np.isfinite(at_edge)
    assert at_edge == pytest.approx(near, rel=0.05)


def test_evaluate_continuous_at_dilepton_edge():
    """`globalfit evaluate` at 250 GeV and 250.001 GeV (g' = 0.05): the same chi^2 within 1 % (before: 0 and 7.7)."""
    from globalfit.model import evaluate_point

    cfg = _config(["lhc_atlas_dilepton_2019"])
    chi = [evaluate_point(cfg, {"gprime": 0.05, "mass_GeV": m}).set_index("component").loc["combined", "chi2"]
           for m in (250.0, 250.001)]
    assert chi[1] > 1.0
    assert chi[0] == pytest.approx(chi[1], rel=0.01)


def test_inside_range_edges():
    """globalfit.tensor.inside_range is inclusive at exactly the edges and after a log10 round trip, on floats and
    tensors alike, and 0 a relative 1e-6 outside."""
    import pytensor
    import pytensor.tensor as pt

    from globalfit.tensor import inside_range

    x = pt.dscalar("x")
    f = pytensor.function([x], inside_range(x, 250.0, 3000.0))
    for v, want in ((250.0, 1.0), (10 ** np.log10(250.0), 1.0), (3000.0, 1.0), (10 ** np.log10(3000.0), 1.0),
                    (250.0 * (1 - 1e-6), 0.0), (3000.0 * (1 + 1e-6), 0.0)):
        assert inside_range(v, 250.0, 3000.0) == want
        assert f(v) == want


# -- parts 4 and 5: fixed parameters, finite gradients --------------------------------------------------------------
DATASETS = [("coherent_csi_2017", "B-3Lmu"), ("coherent_csi_2021", "B-3Lmu"), ("coherent_lar_2020", "B-3Lmu"),
            ("oscillation_esteban2018", "B-3Lmu"), ("oscillation_esteban2018_single", "B-3Lmu"),
            ("lhc_atlas_dilepton_2019", "B-3Lmu"),
            ("lhc_atlas_ditau_2017", "B-3Ltau"), ("lhc_atlas_monojet_2017", "B-3Lmu"),
            ("lhc_atlas_monophoton_2017", "B-3Lmu"), ("lhc_cms_monojet_2017", "B-3Lmu"),
            ("priors:babar_4mu_2016", "B-3Lmu"), ("priors:ccfr_trident", "B-3Lmu"),
            ("priors:lhcb_darkphoton_2017", "B-3Lmu"), ("priors:lhcb_darkphoton_2019", "B-3Lmu")]


def _dataset_config(dataset: str, charges: str, mass: dict):
    if dataset.startswith("priors:"):
        return _config([], charges, mass, priors=[dataset.split(":")[1]])
    return _config([dataset], charges, mass)


@pytest.mark.slow
@pytest.mark.parametrize("mass", [None, "fixed"], ids=["free", "fixed"])
@pytest.mark.parametrize("dataset, charges", DATASETS, ids=[d for d, _ in DATASETS])
def test_free_or_fixed_mass(dataset, charges, mass):
    """Every dataset with the mass free or fixed (`mass_GeV: {value: ...}`): the Fit builds (before: a TypeError for
    ccfr_trident and every LHC dataset with a fixed mass), `evaluate` gives a finite chi^2, and the compiled
    log-likelihood and its gradient (the path of NUTS, nested sampling and limits) are finite at interior points."""
    from globalfit.model import Fit, evaluate_point

    if mass == "fixed":  # inside the dataset's range: 1 GeV for the low-energy data and priors, 500 GeV at the LHC
        mass = {"value": 500.0 if dataset.startswith("lhc_") else 1.0}
    cfg = _dataset_config(dataset, charges, mass)
    fit = Fit(cfg)
    at = {"gprime": 3e-3} if mass else {"gprime": 3e-3, "mass_GeV": 0.7 if "priors" in dataset else 400.0}
    table = evaluate_point(cfg, at)
    assert np.isfinite(table.set_index("component").loc["combined", "chi2"])
    total = fit.compiled("total")
    for x in _interior_points(fit, np.random.default_rng(7), 4):
        value, grad = total(x)
        assert np.isfinite(value) and np.all(np.isfinite(grad)), (x, value, grad)


def _interior_points(fit, rng, n: int) -> list[np.ndarray]:
    """n random points of the prior box in sampling space (normal nuisances within 2 sigma)."""
    out = []
    for _ in range(n):
        x = []
        for p in fit.free:
            lo, hi = p.sampling_bounds()
            if isinstance(p.prior, Normal):
                mu, sigma = p.prior.mu, p.prior.sigma
                lo, hi = max(lo + 1e-3, mu - 2 * sigma), min(hi - 1e-3, mu + 2 * sigma)
            x.append(rng.uniform(lo, hi))
        out.append(np.array(x))
    return out


@pytest.mark.slow
def test_lhc_mass_gradient_finite_below_thresholds():
    """The mass gradient of the dilepton and mono-jet terms at M = 20-340 GeV (below the top threshold 2 m_t, where
    sqrt(max(1 - 4m^2/M^2, 0)) had the gradient 0 * inf = NaN) is finite and equals a central finite difference
    (step 1e-6 in log10 M) to 1e-4 relative (or 1e-6 absolute)."""
    from globalfit.model import Fit

    fit = Fit(_config(["lhc_atlas_dilepton_2019", "lhc_cms_monojet_2017"]))
    total = fit.compiled("total")
    for lm in np.log10([60.0, 90.0, 301.7, 338.9]):  # not on a node of the (kinked, linear) limit curves
        x = np.array([np.log10(0.02), lm, 0.0])
        value, grad = total(x)
        h = np.array([0.0, 1e-6, 0.0])
        fd = (total(x + h)[0] - total(x - h)[0]) / 2e-6
        assert np.isfinite(grad).all()
        assert grad[1] == pytest.approx(fd, rel=1e-4, abs=1e-6)


# -- part 8: continuity in M ----------------------------------------------------------------------------------------
def test_trident_continuous_in_mass():
    """A fine scan (2000 masses, 0.2-5 GeV, g' = 3e-3, B-3Lmu) of the contact-formula trident log L: no jump larger than 1 % of the
    term's range between neighbours (before: a step of the full size at 1 GeV); unchanged (heavy formula) above 1 GeV,
    zero below 0.5 GeV (the documented switch-on interval)."""
    from globalfit.model import Fit
    from globalfit.physics.trident import trident_ratio

    fit = Fit(_config([], "B-3Lmu", priors=[{"id": "ccfr_trident", "options": {"propagator": "contact"}}]))
    terms = fit.compiled("terms")
    g, masses = 3e-3, np.geomspace(0.2, 5.0, 2000)
    ll = np.array([terms(np.array([np.log10(g), np.log10(m)]))[0] for m in masses])
    span = ll.max() - ll.min()
    assert span > 1.0
    assert np.max(np.abs(np.diff(ll))) < 0.01 * span
    assert np.all(ll[masses < 0.5 * (1 - 1e-9)] == 0.0)
    heavy = masses > 1.0 + 1e-9
    pull = lambda r: ((r - 0.82) / 0.28) ** 2 - ((1 - 0.82) / 0.28) ** 2  # noqa: E731
    assert ll[heavy] == pytest.approx(-0.5 * pull(trident_ratio(g, masses[heavy], -3.0, -3.0)), rel=1e-9)


# one dataset of every kind, each with the mass fixed, through the samplers and the limits scan (part 4)
# (the kinds whose fixed-mass graphs used to fail, plus the COHERENT and interval kinds; the rest of the kinds go
# through the same samplers with a free mass elsewhere in the suite)
KIND_SAMPLE = [("coherent_csi_2017", "B-3Lmu", 0.05), ("oscillation_esteban2018", "Le-Lmu", 1.0),
               ("lhc_atlas_dilepton_2019", "B-3Lmu", 500.0), ("lhc_cms_monojet_2017", "B-3Lmu", 500.0),
               ("priors:ccfr_trident", "B-3Lmu", 2.0)]


@pytest.mark.slow
@pytest.mark.parametrize("dataset, charges, mass", KIND_SAMPLE, ids=[d for d, _, _ in KIND_SAMPLE])
def test_fixed_mass_through_nested_nuts_and_limits(dataset, charges, mass):
    """With ``mass_GeV: {value: M}`` a short nested run, a short NUTS run and the limits scan all finish with finite
    numbers for every kind (before: a TypeError from a Python comparison on a tensor for trident and the LHC terms)."""
    import globalfit
    from globalfit.config import parse_config

    cfg = _dataset_config(dataset, charges, {"value": mass})
    raw = cfg.model_dump(mode="json")
    raw["sampler"] = {"method": "nested", "nlive": 20, "maxiter": 60, "seed": 3}
    res = globalfit.run(parse_config(raw))
    assert np.isfinite(res.evidence["log_evidence"])
    raw["sampler"] = {"method": "nuts", "draws": 20, "tune": 20, "chains": 1, "seed": 3}
    post = globalfit.run(parse_config(raw)).posterior.posterior
    assert np.all(np.isfinite(post["log10_gprime"].values))
    table = globalfit.limits(cfg).table
    assert set(table["mass_GeV"]) == {mass}
    combined = table[(table["component"] == "combined") & (table["method"] == "delta_chi2_profile")]
    assert len(combined) == 1
