"""Nested sampling over a pool of worker processes (``sampler.processes``): same evidence as a serial run, and a run
interrupted with one number of processes resumes with another."""

from __future__ import annotations

import numpy as np
import pytest

from globalfit.config import load_config
from test_inference import key_dir, toy_config, toy_root  # noqa: F401 - fixtures (key_dir is autouse)


def _fit(tmp_path, **sampler):
    from globalfit.model import Fit

    return Fit(load_config(toy_config(tmp_path, nlive=150, dlogz=0.1, **sampler)))


def _logz(results) -> tuple[float, float]:
    return float(results.logz[-1]), float(results.logzerr[-1])


def test_pool_gives_the_serial_evidence(toy_root, tmp_path):
    """Gaussian toy (sigma 0.05 in a uniform prior of width 2): ln Z = -ln 2 (analytic). The same seed with 2 worker
    processes and with 1 gives ln Z within 3 combined errors of each other and of -ln 2; the pool run really used
    2 proposals per iteration (dynesty's queue)."""
    from globalfit.inference.nested import run_nested

    serial = run_nested(_fit(tmp_path), tmp_path / "p1", {"n": 1}, print_progress=False)
    fit2 = _fit(tmp_path, processes=2)
    pooled = run_nested(fit2, tmp_path / "p2", {"n": 2}, print_progress=False)
    (z1, e1), (z2, e2) = _logz(serial), _logz(pooled)
    assert abs(z1 - z2) < 3 * np.hypot(e1, e2)
    assert abs(z2 + np.log(2.0)) < 3 * e2
    # a serial run with this seed is reproducible to the bit; the pooled one is another (valid) random path
    assert z1 == _logz(run_nested(_fit(tmp_path), tmp_path / "p1b", {"n": 1}, print_progress=False))[0]


def test_interrupted_serial_run_resumes_with_a_pool(toy_root, tmp_path, monkeypatch, caplog):
    """Interrupt a serial run after 200 iterations (a checkpoint written every 10 ms), then resume it with 2 worker
    processes: it continues from the checkpoint (iteration > 1) and ends at ln Z = -ln 2 within 3 errors, with about
    the iterations of an uninterrupted run (within 10 %)."""
    from globalfit.inference import nested

    real = nested._SafePoint.__call__
    calls = {"n": 0}

    def interrupting(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 200:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    partial = tmp_path / "partial"
    resolved = {"name": "toy"}
    monkeypatch.setattr(nested._SafePoint, "__call__", interrupting)
    with pytest.raises(KeyboardInterrupt):
        nested.run_nested(_fit(tmp_path, checkpoint_every_s=0.01), partial, resolved, print_progress=False)
    monkeypatch.setattr(nested._SafePoint, "__call__", real)
    assert (partial / nested.CHECKPOINT).is_file()

    import logging
    import re

    with caplog.at_level(logging.INFO, logger="globalfit.nested"):
        resumed = nested.run_nested(_fit(tmp_path, checkpoint_every_s=0.01, processes=2), partial, resolved,
                                    resume=True, print_progress=False)
    assert "nested sampling with 2 worker processes" in caplog.text
    it = re.search(r"resumed nested sampling from .* \(iteration (\d+)\)", caplog.text)
    assert it and int(it.group(1)) > 100
    full = nested.run_nested(_fit(tmp_path), tmp_path / "full", resolved, print_progress=False)
    z, e = _logz(resumed)
    assert abs(z + np.log(2.0)) < 3 * e
    assert resumed.niter == pytest.approx(full.niter, rel=0.10)


def test_pool_answers_lose_only_the_evaluation_history():
    """The nested sampler's pool strips each proposal's evaluation history (5.6 kB a proposal through the pipes)
    and nothing else; answers that are not dynesty SamplerReturns pass unchanged."""
    from dynesty.internal_samplers import SamplerReturn

    from globalfit.inference.nested import _WithoutHistory

    ret = SamplerReturn(u=[0.1], v=[1.0], logl=-2.0, ncalls=7, evaluation_history=[("u", "v", -3.0)] * 7,
                        tuning_info={"accept": 3}, proposal_stats={"n": 7})
    lean = _WithoutHistory(lambda _: ret)(None)
    assert lean.evaluation_history == [] and lean._replace(evaluation_history=ret.evaluation_history) == ret
    assert _WithoutHistory(lambda x: (x, 2.0))(1.5) == (1.5, 2.0)
