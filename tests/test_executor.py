"""The executor seam (globalfit.executor): executor choice, errors, per-worker caching, failed tasks, and a Dask
LocalCluster giving the same limits as the process pool."""

from __future__ import annotations

import math
import os

import pytest

from globalfit import executor
from globalfit.config import parse_config
from globalfit.errors import ConfigError

CHEAP = {
    "schema_version": 1, "name": "cheap",
    "model": {"type": "u1", "charges": "B-3Lmu"},
    "parameters": {"gprime": {"prior": "log-uniform", "lower": 1e-6, "upper": 1.0},
                   "mass_GeV": {"prior": "log-uniform", "lower": 0.005, "upper": 1e4}},
    "likelihoods": [{"id": "oscillation_esteban2018", "options": {"matter": "p+n"}}],
    "priors": ["ccfr_trident"],
    "limits": {"masses_GeV": [0.3, 10.0]},
}


def _square(x):
    return x * x


def _fail_on_three(x):
    if x == 3:
        raise ValueError("three is not allowed")
    return x


def _fit_id(job):
    """(id of the Fit object seen by the task in its process, pid)."""
    return id(job[0]), os.getpid()


def test_config_block_and_errors():
    """The executor block is validated: an address needs kind dask; unknown keys are refused."""
    cfg = parse_config({**CHEAP, "executor": {"kind": "dask", "workers": 2}})
    assert cfg.executor.kind == "dask" and cfg.executor.workers == 2
    with pytest.raises(ConfigError, match="executor: 'address' names a Dask scheduler"):
        parse_config({**CHEAP, "executor": {"address": "tcp://x:8786"}})
    with pytest.raises(ConfigError, match="unknown key 'adress'"):
        parse_config({**CHEAP, "executor": {"kind": "dask", "adress": "tcp://x:8786"}})


def test_failed_task_becomes_substitute_result():
    """on_error replaces the result of a failing item (serial and in processes); without it the error propagates."""
    for procs in (1, 2):
        out = executor.parallel_map(_fail_on_three, [1, 2, 3, 4], procs, on_error=lambda x, exc: (x, str(exc)))
        assert out == [1, 2, (3, "three is not allowed"), 4]
    with pytest.raises(ValueError, match="three"):
        executor.parallel_map(_fail_on_three, [1, 2, 3], 2)


def test_fit_shipped_once_and_cached_per_worker():
    """Tasks holding the same Fit get one object per worker process (so its compiled functions are built once there),
    not a fresh copy per task."""
    from globalfit.model import Fit

    fit = Fit(parse_config(CHEAP))
    seen = executor.parallel_map(executor.call, [_Job(fit) for _ in range(8)], 2)
    by_pid: dict[int, set[int]] = {}
    for obj, pid in seen:
        by_pid.setdefault(pid, set()).add(obj)
    assert all(len(ids) == 1 for ids in by_pid.values()), by_pid


class _Job:
    def __init__(self, fit):
        self.fit = fit

    def __call__(self):
        return _fit_id((self.fit,))


def test_unreachable_scheduler_is_a_config_error():
    """An address nobody listens on gives one ConfigError line naming --scheduler, not a traceback."""
    pytest.importorskip("distributed")
    old = executor.CONNECT_TIMEOUT_S
    executor.CONNECT_TIMEOUT_S = 2.0
    try:
        with executor.using(None, scheduler="tcp://127.0.0.1:9"):
            with pytest.raises(ConfigError, match=r"--scheduler: cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'"):
                executor.parallel_map(_square, [1, 2])
    finally:
        executor.CONNECT_TIMEOUT_S = old


def test_missing_dask_extra_is_a_config_error(monkeypatch):
    """Without `distributed` installed, kind dask says which extra to install."""
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    with executor.using(parse_config({**CHEAP, "executor": {"kind": "dask"}}).executor):
        with pytest.raises(ConfigError, match=r"executor.kind: the dask executor needs the dask extra"):
            executor.parallel_map(_square, [1, 2])


@pytest.mark.slow
def test_local_cluster_limits_equal_process_pool():
    """A LocalCluster of 2 workers runs `limits` (oscillations + CCFR trident, 3 masses) and a failing task, with
    limits equal to the process pool's (same code, same inputs: equal to 1e-12 relative)."""
    pytest.importorskip("distributed")
    from globalfit.frequentist import limits

    cfg = parse_config(CHEAP)
    local = limits(cfg).table
    with executor.using(parse_config({**CHEAP, "executor": {"kind": "dask", "workers": 2}}).executor) as spec:
        assert executor.default_processes() == 2
        remote = limits(cfg).table
        out = executor.parallel_map(_fail_on_three, [2, 3], on_error=lambda x, exc: math.nan)
        assert out[0] == 2 and math.isnan(out[1])
        assert spec.client() is not None
    cols = ["mass_GeV", "component", "method"]
    a, b = local.set_index(cols)["upper"], remote.set_index(cols)["upper"]
    assert len(a) == len(b) > 0
    assert ((a - b.loc[a.index]).abs() <= 1e-12 * a.abs()).all() or a.equals(b.loc[a.index])


def test_single_blas_thread_limits_nests_and_restores():
    """executor.single_blas_thread: one BLAS thread inside (also in a nested block, and still after the nested block
    ends), the original count restored after the outermost block. Skipped where numpy's BLAS reports one thread
    already (nothing to observe)."""
    import numpy  # noqa: F401 - its BLAS must be loaded for threadpoolctl to see it
    from threadpoolctl import threadpool_info

    def blas_threads():
        return [d["num_threads"] for d in threadpool_info() if d["user_api"] == "blas"]

    before = blas_threads()
    if not before or max(before) == 1:
        pytest.skip("numpy's BLAS runs one thread here: the limit cannot be observed")
    with executor.single_blas_thread():
        assert set(blas_threads()) == {1}
        with executor.single_blas_thread():
            assert set(blas_threads()) == {1}
        assert set(blas_threads()) == {1}
    assert blas_threads() == before


def _pid_and_square(x):
    return os.getpid(), x * x


def _exit_on_five(x):
    if x == 5:
        os._exit(3)
    return x


def test_worker_pool_shares_order_errors_and_a_dead_worker():
    """WorkerPool (the nested sampler's pool): answers in input order; this process computes the first share and
    the one worker the second; an exception in a worker's share reaches the caller after the map and the pool keeps
    working; a worker that dies is a RuntimeError naming its exit code, not a hang."""
    with executor.WorkerPool(2) as pool:
        assert pool.size == 2
        out = pool.map(_pid_and_square, range(7))
        assert [sq for _, sq in out] == [x * x for x in range(7)]
        pids = [pid for pid, _ in out]
        assert pids[:4] == [os.getpid()] * 4 and len(set(pids[4:])) == 1 and pids[4] != os.getpid()
        with pytest.raises(ValueError, match="three is not allowed"):
            pool.map(_fail_on_three, range(8))  # 3 is in this process's share ...
        with pytest.raises(ValueError, match="three is not allowed"):
            pool.map(_fail_on_three, [0, 1, 3, 3])  # ... and here in the worker's
        assert pool.map(_square, [1, 2, 3, 4]) == [1, 4, 9, 16]
        with pytest.raises(RuntimeError, match="exit code 3"):
            pool.map(_exit_on_five, range(10))
    with pytest.raises(RuntimeError, match="outside its with-block"):
        pool.map(_square, [1])
