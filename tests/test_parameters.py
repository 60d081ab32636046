"""Typed priors and parameters (globalfit.parameters): transforms against scipy, normalisation, round trips, bounds,
fixed parameters, nuisance names, and the run-config factory."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from globalfit.config import ParameterConfig
from globalfit.errors import ConfigError
from globalfit.parameters import (Fixed, LogUniform, Normal, Parameter, ParameterSet, Uniform, nuisance_name,
                                  prior_from_config, split_name, truncnorm_ppf)

#: u over (0, 1): a dense grid plus decades into both tails
U = np.concatenate([np.linspace(1e-6, 1 - 1e-6, 2001), 10.0 ** -np.arange(1, 16), 1 - 10.0 ** -np.arange(1, 16)])

#: standardised truncations (a, b): none, one-sided either way, both sides, far tails, the global-fit nuisances
#: (lower = -1 with sigma 0.13 and 0.0079: a = -7.7, -126)
TRUNCATIONS = [(-np.inf, np.inf), (-7.69, np.inf), (-126.2, np.inf), (-np.inf, 3.0), (2.0, np.inf), (10.0, np.inf),
               (-np.inf, -10.0), (0.0, np.inf), (5.0, 8.0), (-8.0, -5.0), (-1e-3, 1e-3), (-1.0, 1.0), (30.0, 35.0),
               (-3.0, 30.0)]


@pytest.mark.parametrize("a, b", TRUNCATIONS)
def test_truncnorm_ppf_matches_scipy(a, b):
    """The fast quantile equals scipy.stats.truncnorm.ppf to 1e-10 (relative, or absolute below 1) over u in (0, 1),
    with mu = 0.3 and sigma = 2 to check location and scale. Above the median the reference is scipy's ppf of the
    mirrored distribution, -ppf(1 - u; -b, -a): scipy's direct ppf inverts Phi near 1 there and loses digits in a far
    upper tail (e.g. 5e-6 at u = 1 - 1e-15 for (a, b) = (-3, 30)), while 1 - u is exact for u > 1/2."""
    mu, sigma = 0.3, 2.0
    x = truncnorm_ppf(U, a, b, mu, sigma)
    low = U <= 0.5
    ref = np.where(low, stats.truncnorm.ppf(U, a, b, loc=mu, scale=sigma),
                   2 * mu - stats.truncnorm.ppf(1 - U, -b, -a, loc=mu, scale=sigma))
    assert np.all(np.abs(x - ref) <= 1e-10 * np.maximum(1.0, np.abs(ref)))
    if np.isinf(a) or np.isinf(b) or a >= 0:  # where scipy's direct ppf is accurate everywhere, compare with it too
        direct = stats.truncnorm.ppf(U, a, b, loc=mu, scale=sigma)
        assert np.all(np.abs(x - direct) <= 1e-10 * np.maximum(1.0, np.abs(direct)))


def test_truncnorm_ppf_ends_and_bounds():
    """u = 0 and 1 give the bounds; rounding never steps outside them."""
    assert truncnorm_ppf(0.0, -1.0, 2.0) == -1.0 and truncnorm_ppf(1.0, -1.0, 2.0) == 2.0
    assert truncnorm_ppf(0.0, -np.inf, np.inf) == -np.inf
    x = truncnorm_ppf(np.linspace(0, 1, 10001), 5.0, 5.0 + 1e-9)
    assert np.all((x >= 5.0) & (x <= 5.0 + 1e-9))


PRIORS = [LogUniform(1e-6, 1.0), Uniform(-2.0, 3.0), Normal(0.5, 0.2), Normal(0.0, 0.13, lower=-1.0),
          Normal(1.0, 0.5, lower=0.2, upper=1.4), Normal(0.0, 1.0, upper=-3.0)]


def _scipy_reference(prior):
    """The old per-parameter transform (scipy), in sampling space."""
    if isinstance(prior, LogUniform):
        return stats.uniform(np.log10(prior.lower), np.log10(prior.upper) - np.log10(prior.lower))
    if isinstance(prior, Uniform):
        return stats.uniform(prior.lower, prior.upper - prior.lower)
    a, b = prior.standard_bounds
    return stats.truncnorm(a, b, loc=prior.mu, scale=prior.sigma)


@pytest.mark.parametrize("prior", PRIORS, ids=repr)
def test_rescale_matches_scipy_ppf(prior):
    """rescale(u) = ppf(u) of the scipy distribution in sampling space, to 1e-10, for arrays and for floats."""
    ref = _scipy_reference(prior)
    u = np.linspace(1e-9, 1 - 1e-9, 501)
    assert np.allclose(prior.rescale(u), ref.ppf(u), rtol=1e-10, atol=1e-12)
    assert isinstance(prior.rescale(0.3), float) and prior.rescale(0.3) == pytest.approx(ref.ppf(0.3), rel=1e-10)


@pytest.mark.parametrize("prior", PRIORS, ids=repr)
def test_ln_prob_is_normalised(prior):
    """exp(ln_prob) integrates to 1 over the sampling space (quad, 1e-8) and agrees with scipy's logpdf inside; it is
    -inf outside the support."""
    ref = _scipy_reference(prior)
    lo, hi = ref.support()
    lo, hi = max(lo, ref.ppf(1e-15)), min(hi, ref.isf(1e-15))
    total, _ = integrate.quad(lambda x: np.exp(prior.ln_prob(x)), lo, hi, points=[ref.median()], limit=200)
    assert total == pytest.approx(1.0, abs=1e-8)
    x = ref.ppf(np.linspace(0.01, 0.99, 21))
    assert np.allclose(prior.ln_prob(x), ref.logpdf(x), rtol=1e-10, atol=1e-10)
    s_lo, s_hi = ref.support()
    outside = [v for v in (s_lo - 1.0, s_hi + 1.0) if np.isfinite(v)]
    assert all(prior.ln_prob(v) == -np.inf for v in outside)


@pytest.mark.parametrize("prior", PRIORS, ids=repr)
def test_round_trip(prior):
    """to_physical(to_sampling(v)) = v and back, for floats and arrays; log10 only for log-uniform."""
    x = prior.rescale(np.linspace(0.05, 0.95, 7))
    v = prior.to_physical(x)
    assert np.allclose(prior.to_sampling(v), x, rtol=1e-13)
    assert prior.to_sampling(prior.to_physical(float(x[3]))) == pytest.approx(x[3], rel=1e-13)
    assert np.allclose(v, 10.0**x if prior.is_log else x, rtol=1e-13)


def test_to_physical_on_tensors():
    """to_physical and log_penalty build PyTensor graphs (the likelihood is compiled from them)."""
    import pytensor
    import pytensor.tensor as pt

    x = pt.dscalar("x")
    f = pytensor.function([x], [LogUniform(1e-6, 1.0).to_physical(x), Normal(1.0, 0.5).log_penalty(x)])
    phys, pen = f(-2.0)
    assert phys == pytest.approx(1e-2, rel=1e-14) and pen == pytest.approx(-0.5 * (3.0 / 0.5) ** 2, rel=1e-14)


def test_sampling_bounds_and_initial():
    """Bounds in sampling space: log10 for log-uniform; a normal prior's bounds, or mu +- 10 sigma where not given.
    Start points: mu for a normal prior, the centre of the bounds otherwise."""
    assert LogUniform(1e-6, 1.0).sampling_bounds() == (-6.0, 0.0) and LogUniform(1e-6, 1.0).initial() == -3.0
    assert Uniform(-2.0, 3.0).sampling_bounds() == (-2.0, 3.0) and Uniform(-2.0, 3.0).initial() == 0.5
    assert Normal(0.5, 0.2).sampling_bounds() == pytest.approx((-1.5, 2.5))
    assert Normal(0.0, 0.13, lower=-1.0).sampling_bounds() == pytest.approx((-1.0, 1.3))
    assert Normal(0.0, 0.13, lower=-1.0).initial() == 0.0


def test_log_penalty_and_pull():
    """The frequentist pull term is -z^2/2 for a normal prior and zero for flat ones; pull() is z or None."""
    n = Normal(1.0, 0.5, lower=0.0)
    assert n.log_penalty(2.0) == pytest.approx(-2.0) and n.pull(2.0) == pytest.approx(2.0)
    assert Uniform(0.0, 1.0).log_penalty(0.3) == 0.0 and Uniform(0.0, 1.0).pull(0.3) is None


def test_fixed():
    """A fixed parameter is not free, has its value everywhere, and is left out of a ParameterSet's sampling vector."""
    p = Parameter("mass_GeV", Fixed(0.05))
    assert not p.free and p.fixed_value == 0.05 and p.sampling_name == "mass_GeV" and not p.is_log
    assert p.rescale(0.7) == 0.05 and p.to_physical(0.05) == 0.05 and p.initial() == 0.05
    assert p.describe() == "fixed 0.05"
    ps = ParameterSet([p, Parameter("gprime", LogUniform(1e-6, 1.0))])
    assert len(ps) == 2 and ps.names == ["gprime"] and ps.sampling_names == ["log10_gprime"]
    assert ps.rescale(np.array([0.5])) == pytest.approx([-3.0])


def test_parameter_contract():
    """sampling_name, describe and delegation of a theory parameter and a nuisance."""
    g = Parameter("gprime", LogUniform(1e-6, 1.0))
    assert g.free and g.is_log and g.sampling_name == "log10_gprime" and g.owner is None and g.fixed_value is None
    assert g.describe() == "log-uniform [1e-06, 1]"
    n = Parameter.nuisance("coherent_csi_2017", "gamma", Normal(0.0, 0.13, lower=-1.0))
    assert n.name == "coherent_csi_2017.gamma" and n.owner == "coherent_csi_2017" and n.local_name == "gamma"
    assert n.sampling_name == n.name and n.describe() == "normal(mu=0, sigma=0.13) truncated to [-1, inf]"
    with pytest.raises(ValueError, match="owner"):
        Parameter("coherent_csi_2017.gamma", Normal(0.0, 1.0))  # a nuisance needs its owner


def test_nuisance_names():
    """'<dataset id>.<name>' is joined and split in one place; names that could not be split back are refused."""
    assert nuisance_name("coherent_lar_2020", "brn_prompt") == "coherent_lar_2020.brn_prompt"
    assert split_name("coherent_lar_2020.brn_prompt") == ("coherent_lar_2020", "brn_prompt")
    assert split_name("mass_GeV") == (None, "mass_GeV")
    for owner, local in (("a.b", "c"), ("a", "b.c"), ("", "c"), ("a", "")):
        with pytest.raises(ValueError):
            nuisance_name(owner, local)


def test_parameter_set_batched_rescale():
    """ParameterSet.rescale of one point and of an (n, ndim) batch equals the per-parameter transform."""
    params = [Parameter("gprime", LogUniform(1e-6, 1.0)), Parameter("mass_GeV", Uniform(0.01, 1.0)),
              Parameter.nuisance("d", "gamma", Normal(0.0, 0.13, lower=-1.0)),
              Parameter.nuisance("d", "shift", Normal(0.0, 1.0))]
    ps = ParameterSet(params)
    u = np.random.default_rng(1).random((50, 4))
    per_param = np.column_stack([p.rescale(u[:, i]) for i, p in enumerate(params)])
    assert np.array_equal(ps.rescale(u), per_param)
    assert np.array_equal(ps.rescale(u[7]), per_param[7])
    with pytest.raises(ValueError, match="4 coordinates"):
        ps.rescale(u[:, :3])
    x = ps.rescale(u[3])
    assert ps.ln_prob(x) == pytest.approx(sum(p.ln_prob(xi) for p, xi in zip(params, x)))


def test_parameter_set_from_config():
    """Theory parameters from the config, then nuisances with their default priors unless the config overrides them;
    a config nuisance of no dataset is a ConfigError naming the key."""
    entries = {"gprime": ParameterConfig(prior="log-uniform", lower=1e-6, upper=1.0),
               "d.gamma": ParameterConfig(value=0.0)}
    ps = ParameterSet.from_config(entries, ["gprime"], {"d": [("gamma", Normal(0, 0.1)), ("beta", Normal(0, 0.2))]})
    assert [p.name for p in ps] == ["gprime", "d.gamma", "d.beta"]
    assert ps[1].prior == Fixed(0.0) and ps[2].prior == Normal(0, 0.2) and ps.names == ["gprime", "d.beta"]
    with pytest.raises(ConfigError, match="parameters.e.gamma"):
        ParameterSet.from_config({**entries, "e.gamma": ParameterConfig(value=1.0)}, ["gprime"],
                                 {"d": [("gamma", Normal(0, 0.1))]})


@pytest.mark.parametrize("kwargs, message", [
    ({"prior": "uniform", "lower": 1.0}, "a uniform prior needs 'lower' and 'upper'"),
    ({"prior": "uniform", "lower": 2.0, "upper": 1.0}, "'lower' (2.0) must be below 'upper' (1.0)"),
    ({"prior": "log-uniform", "lower": 0.0, "upper": 1.0}, "a log-uniform prior needs lower > 0 (got 0.0)"),
    ({"prior": "normal", "mu": 0.0}, "a normal prior needs 'mu' and 'sigma'"),
    ({"prior": "normal", "value": 1.0}, "give either 'value' (fixed) or 'prior', not both"),
    ({}, "needs 'prior' (log-uniform, uniform, normal) or a fixed 'value'"),
    ({"prior": "cauchy", "lower": 0.0, "upper": 1.0}, "unknown prior 'cauchy'"),
])
def test_config_factory_errors(kwargs, message):
    """prior_from_config refuses inconsistent entries with the message a run config reports."""
    with pytest.raises(ValueError) as exc:
        prior_from_config(kwargs.pop("prior", None), **kwargs)
    assert message in str(exc.value)


def test_config_factory_types():
    """Each run-config prior gives its typed prior; ParameterConfig.to_prior is the same factory."""
    assert prior_from_config("log-uniform", lower=1e-3, upper=1.0) == LogUniform(1e-3, 1.0)
    assert prior_from_config("uniform", lower=-1.0, upper=1.0) == Uniform(-1.0, 1.0)
    assert prior_from_config("normal", mu=0.0, sigma=1.0, lower=-1.0) == Normal(0.0, 1.0, lower=-1.0)
    assert prior_from_config(None, value=2.0) == Fixed(2.0)
    assert ParameterConfig(prior="normal", mu=1.0, sigma=0.1).to_prior() == Normal(1.0, 0.1)
    assert LogUniform(1e-3, 1.0) != Uniform(1e-3, 1.0)


def test_priors_are_immutable_values():
    """A prior is a value: equal settings compare and hash equal, and it cannot be changed after construction."""
    n = Normal(0.0, 0.13, lower=-1.0)
    assert n == Normal(0.0, 0.13, lower=-1.0) and hash(n) == hash(Normal(0.0, 0.13, lower=-1.0))
    assert n != Normal(0.0, 0.13)
    with pytest.raises(AttributeError, match="immutable"):
        n.sigma = 1.0
