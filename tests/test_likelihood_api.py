"""``globalfit.likelihood(cfg)``: the public log-likelihood of named physical parameters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import globalfit
from globalfit.config import load_config
from globalfit.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def L():
    return globalfit.likelihood(load_config(ROOT / "runs" / "quickstart.yaml"))


def _point(L, u):
    return L.prior_transform(np.asarray(u, dtype=float))


def test_value_is_the_compiled_terms_sum(L):
    """L(**p) and L.terms(**p) equal Fit.compiled('terms') at the same sampling vector (no nuisance pulls), at 5
    prior points; to 1e-12 relative."""
    rng = np.random.default_rng(0)
    f = L.fit.compiled("terms")
    for u in rng.uniform(0.05, 0.95, size=(5, len(L.parameters))):
        p = _point(L, u)
        ref = f(L.fit.prior_transform(u))
        assert L(**p) == pytest.approx(float(np.sum(ref)), rel=1e-12, abs=1e-12)
        assert list(L.terms(**p).values()) == pytest.approx(list(ref), rel=1e-12, abs=1e-12)
    assert set(L.terms(**p)) == set(L.datasets)


def test_gradient_matches_finite_differences(L):
    """d log L / d(physical) against central differences (relative step 1e-5 of each value): agreement to 1e-4
    relative (plus 1e-6 absolute) at a point where every term varies (g' = 3e-5, M = 30 MeV)."""
    p = {n: 0.0 for n in L.parameters}
    p.update(gprime=3e-5, mass_GeV=0.03)
    p = {k: (0.05 if "." in k else v) for k, v in p.items()}
    g = L.gradient(**p)
    for k in L.parameters:
        h = 1e-5 * max(abs(p[k]), 1e-3)
        up, dn = dict(p), dict(p)
        up[k] += h
        dn[k] -= h
        fd = (L(**up) - L(**dn)) / (2 * h)
        assert g[k] == pytest.approx(fd, rel=1e-4, abs=1e-6), k


def test_prior_transform_matches_fit(L):
    """prior_transform(u) is Fit.prior_transform(u) mapped to physical values (log-uniform: 10**x)."""
    u = np.full(len(L.parameters), 0.3)
    p = L.prior_transform(u)
    x = L.fit.prior_transform(u)
    assert list(p) == L.parameters
    for par, xi in zip(L.fit.free, x):
        assert p[par.name] == pytest.approx(10**xi if par.is_log else xi, rel=1e-14)
    assert p["gprime"] == pytest.approx(10 ** (-6 + 0.3 * 6), rel=1e-12)  # log-uniform on [1e-6, 1]


def test_bad_input_names_the_parameter(L):
    p = _point(L, np.full(len(L.parameters), 0.5))
    with pytest.raises(ConfigError, match="unknown parameter 'gprim'"):
        L(gprim=1.0, **{k: v for k, v in p.items() if k != "gprime"})
    with pytest.raises(ConfigError, match="missing parameter"):
        L(gprime=1e-3)
    with pytest.raises(ConfigError, match="unit-cube"):
        L.prior_transform([0.5])


def test_callable_after_submodule_import():
    """globalfit.likelihood stays callable once the submodule has been imported."""
    import globalfit.likelihood as mod

    assert callable(globalfit.likelihood) and mod.likelihood is mod.Likelihood.__init__.__globals__["likelihood"]
