"""The call path of compiled functions (globalfit.compile_cache.call_mode, sampler.backend): the C mode without
BLAS rewrites where no BLAS is linked, the numba backend for nested sampling's value-only likelihood with the same
numbers, and the scalar logsumexp dynesty is given during a run."""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from scipy.special import logsumexp

from globalfit import compile_cache
from globalfit.inference import nested
from tests.conftest import ROOT


@pytest.fixture()
def fresh_modes():
    """call_mode is built once per process: rebuilt here around a test that pretends a BLAS is or is not linked."""
    compile_cache.call_mode.cache_clear()
    yield
    compile_cache.call_mode.cache_clear()


def _matvec(monkeypatch, blas: bool):
    monkeypatch.setattr(compile_cache, "_blas_linked", lambda: blas)
    compile_cache.call_mode.cache_clear()
    a, v = pt.dmatrix("a"), pt.dvector("v")
    return compile_cache.function([a, v], 2.0 * (a @ v) + v)


def test_without_blas_the_product_is_numpy_dot_not_a_python_gemv(monkeypatch, fresh_modes):
    """Hand check: [[1, 2], [3, 4]] @ [1, 1] = [3, 7]; 2 * that + [1, 1] = [7, 15]. Without a linked BLAS the compiled
    graph holds no Gemv (PyTensor's Python fallback, ~20 µs a call); with one, the BLAS rewrite is kept."""
    f = _matvec(monkeypatch, blas=False)
    np.testing.assert_allclose(f(np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones(2)), [7.0, 15.0], rtol=1e-15)
    ops = {type(n.op).__name__ for n in f.maker.fgraph.toposort()}
    assert not any("Gemv" in op or "Gemm" in op for op in ops), ops
    g = _matvec(monkeypatch, blas=True)
    assert any("Gemv" in type(n.op).__name__ for n in g.maker.fgraph.toposort())
    assert f.maker.linker.allow_gc is False  # intermediates kept between calls


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(ValueError, match="backend must be one of"):
        compile_cache.function([pt.dscalar("x")], pt.dscalar("x") * 2, backend="jax")


def _fit(**sampler):
    import globalfit
    from globalfit.model import Fit

    cfg = globalfit.load_config(ROOT / "runs" / "quickstart.yaml")
    return Fit(cfg.model_copy(update={"sampler": cfg.sampler.model_copy(update=sampler)}))


def test_auto_backend_takes_numba_for_long_runs_only():
    """The quickstart has 4 free parameters: 400 live points give 1600 < NUMBA_FROM (C); 1000 give 4000 (numba);
    an explicit choice is kept."""
    assert nested.backend(_fit(nlive=400)) == "c"
    assert nested.backend(_fit(nlive=1000)) == "numba"
    assert nested.backend(_fit(nlive=1000, backend="c")) == "c"
    assert nested.backend(_fit(nlive=10, backend="numba")) == "numba"


def test_numba_terms_equal_the_c_terms_off_the_prior_centre():
    """The same likelihood on both backends: per-component ln L equal to 1e-9 (measured ~1e-13) at random points of
    the prior; a gradient graph is refused for numba (its compilation takes minutes)."""
    fit = _fit()
    c, nb = fit.compiled("terms"), fit.compiled("terms", backend="numba")
    rng = np.random.default_rng(3)
    for u in rng.uniform(0.05, 0.95, size=(5, len(fit.free))):
        x = fit.parameter_set.rescale(u)
        np.testing.assert_allclose(nb(x), c(x), rtol=1e-9, atol=1e-9)
    with pytest.raises(ValueError, match="value-only"):
        fit.compiled("total", backend="numba")


@pytest.mark.parametrize("a, b", [
    ([-3.0, -3.5], [0.5, -0.5]),  # dynesty's use: log(0.5 e^(x + d) - 0.5 e^x)
    ([1e3, 1e3 - 1.0, 998.0], None),  # large values: shifted by the maximum
    ([-np.inf, -2.0], [1.0, 2.0]),
])
def test_scalar_logsumexp_equals_scipy(a, b):
    assert nested._logsumexp(a=a, b=b) == pytest.approx(float(logsumexp(a=a, b=b)), rel=1e-14)


def test_scalar_logsumexp_leaves_other_cases_to_scipy():
    """Negative sums, all -inf and axis/return_sign calls give exactly SciPy's answers (nan, -inf, signs)."""
    with np.errstate(all="ignore"):
        assert np.isnan(nested._logsumexp(a=[0.0, 1.0], b=[1.0, -1.0]))
        assert np.isnan(logsumexp([0.0, 1.0], b=[1.0, -1.0]))
    assert nested._logsumexp([-np.inf, -np.inf]) == -np.inf
    np.testing.assert_allclose(nested._logsumexp(np.ones((2, 3)), axis=1), logsumexp(np.ones((2, 3)), axis=1))
    assert nested._logsumexp([0.0, 1.0], b=[1.0, -1.0], return_sign=True)[1] == -1.0


def test_dynesty_gets_the_scalar_logsumexp_only_during_a_run():
    import dynesty.utils as du

    original = du.logsumexp
    with nested._scalar_logsumexp():
        assert du.logsumexp is nested._logsumexp
    assert du.logsumexp is original


def test_every_mode_leaves_out_the_slow_rewrite(fresh_modes):
    """compile_cache.SLOW_REWRITES (local_greedy_distributor: 133 of the 192 s compiling the gradient of dilepton +
    mono-jet with the mass free) is excluded from the C and the numba mode alike."""
    for backend in compile_cache.BACKENDS:
        excluded = set(compile_cache.call_mode(backend)._optimizer.exclude)
        assert "local_greedy_distributor" in excluded, backend
