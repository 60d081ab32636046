"""globalfit.interop: pyhf export of the counting LHC datasets, the bilby and cobaya adapters, to_getdist.

The slow acceptance tests use the quickstart (runs/quickstart.yaml) at nlive = 100 (both samplers with the same
nlive, dlogz, multi-ellipsoid bound and uniform sampling inside it), so that each stays under a minute.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pyhf = pytest.importorskip("pyhf")
bilby = pytest.importorskip("bilby")
cobaya = pytest.importorskip("cobaya")
getdist = pytest.importorskip("getdist")

from globalfit.cli import main  # noqa: E402
from globalfit.config import load_config  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def test_export_pyhf_validates(tmp_path):
    """`globalfit export pyhf runs/paper000_lhc.yaml --mass 2000` writes a workspace and a patchset that validate
    with pyhf.schema and open as pyhf objects; the CMS channel has its 22 exclusive bins, observed counts equal
    the dataset's, and the reference signal is 2 sigma in the most sensitive bin."""
    from globalfit.interop.pyhf import REFERENCE_SIGNIFICANCE
    from globalfit.model import Fit

    out = tmp_path / "ws"
    assert main(["export", "pyhf", str(ROOT / "runs" / "paper000_lhc.yaml"), "--mass", "2000", "--out", str(out)]) == 0
    ws = json.loads((out / "workspace.json").read_text())
    ps = json.loads((out / "patchset.json").read_text())
    pyhf.schema.validate(ws, "workspace.json")
    pyhf.schema.validate(ps, "patchset.json")
    w = pyhf.Workspace(ws)
    patches = pyhf.PatchSet(ps)
    assert len(patches.patches) == 13 and patches.labels == ["mass_GeV", "width_ratio"]
    comp = Fit(load_config(ROOT / "runs" / "paper000_lhc.yaml")).components[0]
    obs = ws["observations"][0]["data"]
    assert obs == list(comp.n_obs) and len(obs) == 22
    sig = np.array(ws["channels"][0]["samples"][0]["data"])
    assert np.max(sig / np.sqrt(comp.n_obs + comp.bkg_var)) == pytest.approx(REFERENCE_SIGNIFICANCE, rel=1e-6)
    patched = patches.apply(w, patches.patches[0].name)  # a signal point opens as a workspace
    assert patched.model().config.poi_name == "mu"


def test_export_needs_a_counting_dataset(capsys):
    """The quickstart has no mono-X dataset: a one-line error naming the key, exit 2."""
    assert main(["export", "pyhf", str(ROOT / "runs" / "quickstart.yaml"), "--mass", "100", "--out", "/tmp/none"]) == 2
    assert "monox_inclusive" in capsys.readouterr().err


# ----------------------------------------------------------------------------------------------------------------
# pyhf: the limit on mu at one mass against the project's CLs limit

@pytest.mark.slow
def test_pyhf_limit_agrees_with_project_cls():
    """pyhf's 95 % CLs upper limit on mu, turned into a coupling, agrees with the project's CLs limit within 15 %
    (issue 13 acceptance) at M = 2 TeV for paper 000's CMS mono-jet run (simplified Z', Gamma/M = 0.1).

    The workspace is the one-bin region the project's CLs limit uses (the most sensitive inclusive pT_miss region,
    :func:`globalfit.frequentist.cls.best_cls_region`), with the signal at the project's limit coupling, so mu_up = 1
    is exact agreement. The test statistics differ: pyhf uses the profile-likelihood ratio q~_mu (mu bounded below
    by 0) with asymptotic CLs (Cowan et al. 2011), Poisson counts and the background uncertainty as a Poisson
    (Barlow-Beeston ``shapesys``) constraint profiled at each mu; the project uses paper 000 eqs. 2.5-2.6, a Gaussian
    chi^2 (s, b, delta b, n in closed form, variance n + delta b^2) with CLs from its normal distributions. With
    ~300 events the two agree to a few percent in mu (the coupling's s ~ eps^2-eps^4 scaling shrinks it further);
    the full 22-bin exclusive workspace (which the project's CLs does not use) measured 16 % in 292 s.
    """
    from globalfit.frequentist.cls import best_cls_region
    from globalfit.interop.pyhf import coupling_at_signal_strength, region_workspace
    from globalfit.model import Fit

    fit = Fit(load_config(ROOT / "runs" / "paper000_lhc.yaml"))
    comp, mass = fit.components[0], 2000.0
    project, _, k = best_cls_region(fit, comp, mass, (1e-4, 10.0), fit.cfg.limits.cls_level)
    assert np.isfinite(project) and k is not None
    ws = region_workspace(fit, comp, k, mass, project)
    pyhf.schema.validate(ws, "workspace.json")
    w = pyhf.Workspace(ws)
    model = w.model()
    mu_up, _ = pyhf.infer.intervals.upper_limits.toms748_scan(w.data(model), model, 0.0, 10.0,
                                                              level=1.0 - fit.cfg.limits.cls_level, test_stat="qtilde")
    coupling = coupling_at_signal_strength(fit, mass, float(mu_up), project, region=(comp, k))
    assert coupling / project == pytest.approx(1.0, abs=0.15)


# ----------------------------------------------------------------------------------------------------------------
# bilby

def test_bilby_priors_map_every_prior_type():
    """Each globalfit prior becomes its bilby counterpart with the same settings (log-uniform on the physical value
    = uniform in log10, the measure globalfit samples), and the same density at a point inside."""
    from globalfit.interop.bilby import bilby_prior
    from globalfit.parameters import Fixed, LogUniform, Normal, Parameter, Uniform

    lu = bilby_prior(Parameter("mass_GeV", LogUniform(0.01, 100.0)))
    assert isinstance(lu, bilby.core.prior.LogUniform) and (lu.minimum, lu.maximum) == (0.01, 100.0)
    assert lu.unit == "GeV" and "GeV" in lu.latex_label
    # density per unit M: 1 / (M ln(100/0.01)); globalfit's is 1/4 per unit log10 M
    assert lu.prob(1.0) == pytest.approx(1.0 / np.log(1e4), rel=1e-12)
    un = bilby_prior(Parameter("x", Uniform(-1.0, 3.0)))
    assert isinstance(un, bilby.core.prior.Uniform) and un.prob(0.0) == pytest.approx(0.25)
    ga = bilby_prior(Parameter("d.gamma", Normal(0.0, 0.28), "d"))
    assert type(ga) is bilby.core.prior.Gaussian and (ga.mu, ga.sigma) == (0.0, 0.28)
    tg = bilby_prior(Parameter("d.beta", Normal(0.0, 0.25, lower=-1.0), "d"))
    assert isinstance(tg, bilby.core.prior.TruncatedGaussian) and tg.minimum == -1.0 and tg.maximum == np.inf
    p = Normal(0.0, 0.25, lower=-1.0)
    assert tg.ln_prob(0.1) == pytest.approx(float(p.ln_prob(0.1)), rel=1e-10)
    fx = bilby_prior(Parameter("gprime", Fixed(0.01)))
    assert isinstance(fx, bilby.core.prior.DeltaFunction) and fx.peak == 0.01


@pytest.fixture(scope="module")
def quickstart_small():
    """The quickstart at nlive = 100 (the acceptance runs' setting)."""
    cfg = load_config(ROOT / "runs" / "quickstart.yaml")
    return cfg.model_copy(update={"sampler": cfg.sampler.model_copy(update={"nlive": 100, "dlogz": 0.1})})


@pytest.fixture(scope="module")
def quickstart_run(quickstart_small):
    """globalfit's own nested run of :func:`quickstart_small` (shared by the bilby and getdist tests)."""
    import globalfit

    return globalfit.run(quickstart_small)


@pytest.mark.slow
def test_bilby_dynesty_evidence_matches_globalfit(quickstart_small, quickstart_run, tmp_path):
    """Issue 13 acceptance: the quickstart through the bilby adapter (dynesty inside bilby, same nlive, dlogz,
    bound and sampling as globalfit's run) gives ln Z within 3 sigma of globalfit's nested run, sigma the two
    errors in quadrature (globalfit: jitter+resample scatter; bilby: dynesty's logzerr)."""
    import logging

    from globalfit.interop.bilby import likelihood_and_priors

    like, priors = likelihood_and_priors(quickstart_small)
    assert set(priors) == set(like.globalfit.parameters)
    bilby.core.utils.logger.setLevel(logging.WARNING)
    bilby.core.utils.random.seed(1)
    s = quickstart_small.sampler
    res = bilby.run_sampler(like, priors, sampler="dynesty", nlive=s.nlive, dlogz=s.dlogz, bound="multi",
                            sample="unif", outdir=str(tmp_path), label="quickstart", save=False, plot=False,
                            print_progress=False, npool=1)
    ev = quickstart_run.evidence
    sigma = np.hypot(ev["log_evidence_err"], res.log_evidence_err)
    assert abs(res.log_evidence - ev["log_evidence"]) < 3.0 * sigma, (res.log_evidence, ev)
    # the evidence is not trivially the same number: each run has its own error
    assert 0 < res.log_evidence_err and 0 < ev["log_evidence_err"]


# ----------------------------------------------------------------------------------------------------------------
# cobaya

def test_cobaya_names_are_identifiers():
    """Nuisance names map to identifiers and back; a name that could not map back uniquely is a ConfigError."""
    from globalfit.errors import ConfigError
    from globalfit.interop.cobaya import cobaya_name

    assert cobaya_name("coherent_csi_2017.gamma") == "coherent_csi_2017__gamma"
    assert cobaya_name("gprime") == "gprime"
    with pytest.raises(ConfigError, match="a__b"):
        cobaya_name("a__b.gamma")


@pytest.mark.slow
def test_cobaya_model_loglike_equals_globalfit_likelihood():
    """Issue 13 acceptance: cobaya's model API (``cobaya.model.get_model(info).loglike``) on the info dict of the
    quickstart gives globalfit.likelihood's log L at 10 prior points to 1e-10 (no sampler is run); the prior of a
    log-uniform parameter is cobaya's loguniform density (1 / (v ln(upper/lower)))."""
    import globalfit
    from cobaya.model import get_model

    from globalfit.interop.cobaya import cobaya_info, name_map

    cfg = load_config(ROOT / "runs" / "quickstart.yaml")
    L = globalfit.likelihood(cfg)
    info = cobaya_info(cfg, L)
    assert set(info["params"]) == {"gprime", "mass_GeV", "coherent_csi_2017__gamma", "coherent_csi_2017__beta"}
    model = get_model(info)
    rng = np.random.default_rng(13)
    diffs, values = [], []
    for _ in range(10):
        x = L.prior_transform(rng.uniform(0.02, 0.98, size=len(L.parameters)))
        point = {k: x[v] for k, v in name_map(L).items()}
        got = float(model.loglike(point, return_derived=False))
        want = L(**x) + L.fit.constant_loglike
        diffs.append(abs(got - want))
        values.append(want)
    assert max(diffs) <= 1e-10 * max(1.0, np.min(np.abs(values)))
    assert len(set(np.round(values, 6))) == 10  # ten distinct points, not one value ten times
    lp = model.prior.logps_internal(np.array([point[k] for k in model.prior.params]))
    assert np.isfinite(lp)


# ----------------------------------------------------------------------------------------------------------------
# getdist

@pytest.mark.slow
def test_getdist_means_are_the_weighted_posterior_means(quickstart_run, tmp_path):
    """to_getdist of a nested run: the MCSamples means equal the importance-weighted means of the dead points
    (weights exp(logwt - ln Z)) to 1e-10, for the sampled and the physical parameters, from the in-memory result and
    from its saved folder alike; labels carry the units."""
    from globalfit.interop.getdist import to_getdist

    nested = quickstart_run.nested_run
    w = np.exp(nested.logwt - nested.logz[-1])
    x = np.asarray(nested.samples)
    want = np.average(x, axis=0, weights=w)
    s = to_getdist(quickstart_run)
    names = s.getParamNames().list()
    assert names[:4] == ["log10_gprime", "log10_mass_GeV", "coherent_csi_2017.gamma", "coherent_csi_2017.beta"]
    means = s.getMeans()
    assert means[:4] == pytest.approx(want, rel=1e-10, abs=1e-12)
    assert means[names.index("gprime")] == pytest.approx(np.average(10.0 ** x[:, 0], weights=w), rel=1e-10)
    assert "GeV" in s.parLabel(names.index("mass_GeV")) and "GeV" in s.parLabel(names.index("log10_mass_GeV"))
    # the weights are not uniform: equal weights would give another mean
    assert not np.allclose(x.mean(axis=0), want, rtol=1e-3)
    folder = quickstart_run.save(tmp_path / "qs")
    assert to_getdist(folder).getMeans() == pytest.approx(means, rel=1e-10)
