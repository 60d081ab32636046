"""Compiled functions kept across runs (globalfit.compile_cache): a hit gives the same function, any change of the
likelihood is a new name, and a file that is not ours (unsealed, modified, planted) is never loaded."""

from __future__ import annotations

import gc
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

from globalfit import compile_cache
from globalfit.checkpoint import seal_path
from tests.conftest import ROOT


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    """The function cache on, in a fresh folder, with a fresh checkpoint key."""
    monkeypatch.setenv("GLOBALFIT_KEY_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv(compile_cache.CACHE_ENV, str(tmp_path / "functions"))
    return tmp_path / "functions"


def _fit(**changes):
    import globalfit
    from globalfit.model import Fit

    cfg = globalfit.load_config(ROOT / "runs" / "quickstart.yaml")
    return Fit(cfg.model_copy(update=changes) if changes else cfg)


def _x(fit) -> np.ndarray:
    return np.array([p.to_physical(p.initial()) for p in fit.free])


def test_second_likelihood_loads_the_stored_function_and_gives_the_same_values(cache):
    """A second Fit of the same config takes its profile function from the folder (no compilation: pytensor.function
    is not called) and returns exactly the values of the compiled one."""
    import pytensor

    first = _fit()
    fn = first.component_profile(0)
    stored = sorted(cache.glob("*.pkl"))
    assert len(stored) == 1 and seal_path(stored[0]).is_file()
    calls = []
    real = pytensor.function
    try:
        pytensor.function = lambda *a, **k: calls.append(1) or real(*a, **k)
        again = _fit().component_profile(0)
    finally:
        pytensor.function = real
    assert calls == []
    x = _x(first)
    v1, g1 = fn(x)
    v2, g2 = again(x)
    assert float(v1) == float(v2) and np.array_equal(g1, g2)


def test_content_digest_is_the_same_in_another_process_and_changes_with_the_likelihood():
    """The name of a function must not depend on the process (string hashes are salted per process, so sets are
    pickled sorted) and must change when the data of the likelihood change (another dataset option)."""
    code = ("import globalfit; from globalfit.model import Fit; "
            f"print(Fit(globalfit.load_config({str(ROOT / 'runs' / 'quickstart.yaml')!r})).content_digest())")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    assert out.stdout.strip() == _fit().content_digest()
    cfg = _fit().cfg
    osc = [r.model_copy(update={"options": {"matter": "p"}}) if r.id == "oscillation_esteban2018" else r
           for r in cfg.likelihoods]
    assert _fit(likelihoods=osc).content_digest() != _fit().content_digest()


def test_unsealed_or_modified_file_is_not_loaded_and_is_rebuilt(cache, tmp_path):
    """A stored function whose bytes were replaced (a planted pickle that would run code) is refused by its seal,
    removed, compiled again and stored afresh; the planted code never runs."""
    fit = _fit()
    fit.component_profile(0)
    (path,) = cache.glob("*.pkl")
    marker = tmp_path / "ran"

    class Planted:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path.write_bytes(pickle.dumps(Planted()))
    fn = _fit().component_profile(0)
    assert not marker.exists()
    assert np.isfinite(float(fn(_x(fit))[0]))
    assert path.is_file() and seal_path(path).is_file() and path.read_bytes() != pickle.dumps(Planted())
    seal_path(path).unlink()  # no seal at all: also refused, also rebuilt
    _fit().component_profile(0)
    assert seal_path(path).is_file()


def test_cache_off_and_unwritable_folder_compile_without_error(tmp_path, monkeypatch):
    """``off`` keeps nothing; a folder that cannot be created (a file in its place) is no error either."""
    monkeypatch.setenv("GLOBALFIT_KEY_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv(compile_cache.CACHE_ENV, "off")
    assert compile_cache.cache_dir() is None
    _fit().component_profile(0)
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    monkeypatch.setenv(compile_cache.CACHE_ENV, str(blocker / "functions"))
    fn = _fit().component_profile(0)
    assert np.isfinite(float(fn(_x(_fit()))[0]))


def test_prune_removes_least_recently_used_first(tmp_path):
    """Pruning to a size keeps the most recently used files (by modification time) and removes seals with theirs."""
    for i, age in enumerate((300, 200, 100)):
        p = tmp_path / f"f{i}.pkl"
        p.write_bytes(b"x" * 100)
        seal_path(p).write_text("{}")
        os.utime(p, (1e9 - age, 1e9 - age))
    compile_cache._prune(tmp_path, limit=150)
    assert sorted(p.name for p in tmp_path.glob("*.pkl")) == ["f2.pkl"]
    assert not seal_path(tmp_path / "f0.pkl").exists()


def test_module_cache_read_leaves_the_collector_on_and_the_objects_frozen():
    """After the read the garbage collector is enabled as before, and what the read created is frozen (later
    collections do not walk it)."""
    compile_cache.load_module_cache()
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0


def test_content_digest_of_a_likelihood_with_empty_arrays(monkeypatch):
    """The toy datasets of tests/corpus hold empty arrays (one shared b'' in a pickle), which the Python pickler
    refuses at protocol 5 (its memo assertion); the digest must work for them and name them consistently."""
    import yaml

    from globalfit.config import parse_config
    from globalfit.model import Fit

    monkeypatch.setenv("GLOBALFIT_DATA_PATH", str(ROOT / "tests" / "corpus" / "data"))
    raw = yaml.safe_load((ROOT / "tests" / "corpus" / "cases" / "at_nan.yaml").read_text())
    a, b = Fit(parse_config(raw)).content_digest(), Fit(parse_config(raw)).content_digest()
    assert a == b and len(a) == 64


def test_a_pickled_copy_keeps_the_name_of_its_functions(cache):
    """A worker receives the likelihood as a pickle; its copy must find what the parent stored (a copy's own
    canonical pickle may differ from the original's, so the original's digest travels with it)."""
    fit = _fit()
    copy = pickle.loads(pickle.dumps(fit))
    assert copy.content_digest() == fit.content_digest()
    fit.component_profile(0)
    import pytensor

    calls = []
    real = pytensor.function
    try:
        pytensor.function = lambda *a, **k: calls.append(1) or real(*a, **k)
        copy.component_profile(0)
    finally:
        pytensor.function = real
    assert calls == []


def test_settings_outside_the_likelihood_keep_the_name_and_priors_change_it():
    """Limits, sampler and output settings do not enter the graphs, so they keep the digest; a prior range does
    (the coupling's bounds enter the nuisance-free graph through the parameter set) and changes it."""
    base = _fit()
    cfg = base.cfg
    same = _fit(limits=cfg.limits.model_copy(update={"processes": 2, "delta_chi2": 2.71}),
                sampler=cfg.sampler.model_copy(update={"nlive": 50}))
    assert same.content_digest() == base.content_digest()
    g = cfg.parameters["gprime"].model_copy(update={"lower": 1e-5})
    assert _fit(parameters={**cfg.parameters, "gprime": g}).content_digest() != base.content_digest()
