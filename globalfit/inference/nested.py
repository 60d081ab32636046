"""Nested sampling with dynesty through the compiled log-likelihood and the prior transform of the same priors.

Checkpoints are written every ``sampler.checkpoint_every_s`` seconds to ``<out>.partial/`` (next to the result
folder, which is only created at the end). ``resume=True`` continues from there and refuses a checkpoint written
for a different resolved config. SIGTERM stops the run after the next iteration with the checkpoint in place.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from globalfit.errors import InferenceError

LOG = logging.getLogger("globalfit.nested")
CHECKPOINT = "dynesty.save"
CONFIG = "config.yaml"


class LogLike:
    """Picklable log-likelihood: sum of the component terms at a sampling-space vector."""

    def __init__(self, fit):
        self.fit = fit

    def __call__(self, x: np.ndarray) -> float:
        v = float(np.sum(self.fit.compiled("terms")(np.asarray(x, dtype=float))))
        return v if np.isfinite(v) else -1e300


class PriorTransform:
    """Picklable prior transform (unit cube -> sampling space): the vectorised transform of the fit's free
    parameters (:meth:`globalfit.parameters.ParameterSet.rescale`)."""

    def __init__(self, fit):
        self.parameters = fit.parameter_set

    def __call__(self, u: np.ndarray) -> np.ndarray:
        return self.parameters.rescale(u)


def _comparable(d: dict) -> dict:
    d = dict(d)
    for k in ("versions", "output"):
        d.pop(k, None)
    return d


def run_nested(fit, partial_dir: Path, resolved: dict, *, resume: bool = False, print_progress: bool | None = None):
    """Run dynesty; return its results object.

    Parameters
    ----------
    fit
        :class:`globalfit.model.Fit`.
    partial_dir
        Folder for the checkpoint (created).
    resolved
        Resolved config (compared on resume).
    resume
        Continue from ``partial_dir`` if a checkpoint is there.
    """
    import dynesty

    s = fit.cfg.sampler
    partial_dir = Path(partial_dir)
    ckpt = partial_dir / CHECKPOINT
    print_func = None
    if print_progress is None:
        # a terminal gets dynesty's live status line; a log file gets one plain line every PROGRESS_EVERY_S seconds
        print_progress, print_func = True, (None if sys.stderr.isatty() else _LineProgress())
    if resume:
        if not ckpt.is_file():
            raise InferenceError(f"--resume: no checkpoint in {partial_dir}; run without --resume to start afresh.")
        old = yaml.safe_load((partial_dir / CONFIG).read_text())
        if _comparable(old) != _comparable(resolved):
            raise InferenceError(f"--resume: the checkpoint in {partial_dir} was written for a different config; "
                                 "rerun without --resume (or with --force) to start afresh.")
        sampler = dynesty.NestedSampler.restore(str(ckpt))
        LOG.info("resumed nested sampling from %s (iteration %d)", ckpt, sampler.it)
    else:
        partial_dir.mkdir(parents=True, exist_ok=True)
        (partial_dir / CONFIG).write_text(yaml.safe_dump(resolved, sort_keys=False))
        sampler = dynesty.NestedSampler(
            LogLike(fit), PriorTransform(fit), len(fit.free), nlive=s.nlive, bound=s.bound, sample=s.sample,
            rstate=np.random.default_rng(s.seed),
        )
    def on_term(signum, frame):  # stop; the last periodic checkpoint is usable
        raise KeyboardInterrupt

    old_handler = signal.signal(signal.SIGTERM, on_term) if _main_thread() else None
    try:
        sampler.run_nested(dlogz=s.dlogz, maxiter=s.maxiter, print_progress=print_progress, print_func=print_func,
                           checkpoint_file=str(ckpt), checkpoint_every=s.checkpoint_every_s, resume=resume)
    except KeyboardInterrupt:
        # No save here: the interrupt can arrive in the middle of an iteration, and a sampler saved then cannot be
        # resumed. dynesty's periodic checkpoint is written between iterations (atomically), so it is the one to keep.
        raise InferenceError(f"nested sampling interrupted; resume with --resume (checkpoint in {partial_dir}).") from None
    finally:
        if old_handler is not None:
            signal.signal(signal.SIGTERM, old_handler)
    return sampler.results


#: Seconds between progress lines when stderr is not a terminal.
PROGRESS_EVERY_S = 15.0


class _LineProgress:
    """dynesty ``print_func`` for logs: a plain line (no carriage returns) at most every PROGRESS_EVERY_S seconds."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def __call__(self, itresult, niter, ncall, dlogz=None, **_) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_S:
            return
        self.last = now
        remaining = itresult.delta_logz
        print(f"nested sampling: iteration {niter}, {ncall} likelihood calls, ln Z = {itresult.logz:.3f}, "
              f"remaining Delta ln Z = {remaining:.3g} (stops below {dlogz:g})", file=sys.stderr, flush=True)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def equal_weight_draws(results, seed: int) -> np.ndarray:
    """Posterior draws with equal weights (systematic resampling of the weighted dead points)."""
    from dynesty.utils import resample_equal

    w = np.exp(results.logwt - results.logz[-1])
    w /= w.sum()
    return resample_equal(results.samples, w, rstate=np.random.default_rng(seed))
