"""Nested sampling with dynesty through the compiled log-likelihood and the prior transform of the same priors.

Checkpoints are written every ``sampler.checkpoint_every_s`` seconds to ``<out>.partial/`` (next to the result
folder, which is only created at the end), each sealed (:mod:`globalfit.checkpoint`): ``resume=True`` continues from
there only if the seal verifies (this installation wrote the file, unchanged) and the globalfit and dynesty versions
and the resolved config are the same; nothing else is ever unpickled. An interrupt (Ctrl-C, or SIGTERM turned into
one by :func:`globalfit.locking.terminate_as_interrupt`) propagates with the last sealed checkpoint in place.

Progress: on a terminal dynesty's live status line; otherwise (a log file, a batch job) one plain log line at most
every :data:`PROGRESS_EVERY_S` seconds on the ``globalfit.nested`` logger, which the CLI shows on stderr.
"""

from __future__ import annotations

import contextlib
import logging
import math
import sys
import time
from pathlib import Path

import numpy as np

from globalfit.errors import CheckpointError
from globalfit.locking import deferred_termination, raise_pending

LOG = logging.getLogger("globalfit.nested")
CHECKPOINT = "dynesty.save"
CONFIG = "config.yaml"
#: Seconds between progress lines when stderr is not a terminal.
PROGRESS_EVERY_S = 15.0
#: Proposals per process and map of a nested run with ``sampler.processes`` > 1 (see :func:`_sampler`). Measured with
#: ``python benchmarks/bench_nested_pool.py`` (2 processes): 5 / 10 / 20 gave sampling speed-ups of 1.50 / 1.46 /
#: 1.61 over one process: a map costs ~5 ms besides its work, and more proposals per map waste few.
QUEUE_PER_WORKER = 20
#: ``sampler.backend: auto`` takes numba from this many live points times free parameters on (a run's likelihood
#: calls grow with both). Measured with ``python benchmarks/bench_call_path.py``: numba costs 1-5 s more to compile
#: and saves 30-115 µs per call (quickstart, global fit); the global fit (400 x 11) makes ~10^5 calls and gains
#: ~11 s, the quickstart (400 x 4) ~1.3·10^4 calls and would gain 0.4 s for ~5 s more compilation.
NUMBA_FROM = 4000


def backend(fit) -> str:
    """The PyTensor backend (``c`` or ``numba``) of the likelihood of a nested run of ``fit``
    (:class:`globalfit.model.Fit`): its ``sampler.backend``, where ``auto`` means numba from :data:`NUMBA_FROM` live
    points times free parameters on, if numba imports."""
    s = fit.cfg.sampler
    if s.backend != "auto":
        return s.backend
    if s.nlive * len(fit.free) < NUMBA_FROM:
        return "c"
    try:
        import numba  # noqa: F401
    except ImportError:  # a platform without numba's wheels: the C backend does the same arithmetic
        return "c"
    return "numba"


class LogLike:
    """Picklable log-likelihood: sum of the component terms at a sampling-space vector, compiled for the run's
    :func:`backend`. The Fit's compiled function is built on first call in the process that calls it (a pool worker
    compiles once, then reuses it)."""

    def __init__(self, fit):
        self.fit, self.backend, self.ndim = fit, backend(fit), len(fit.free)
        self._fn = None  # the compiled function, looked up once per process (this is the sampler's hot path)

    def __getstate__(self):
        return {**self.__dict__, "_fn": None}  # compiled functions are rebuilt in each process

    def compiled(self):
        if self._fn is None:
            f = self.fit.compiled("terms", backend=self.backend)
            if self.backend == "numba":
                # this function is the nested run's own, always given a float64 vector of the right length
                # (__call__): PyTensor's input checks (~10 µs a call) have nothing to catch. (The C one is shared with
                # other callers.)
                f.trust_input = True
            self._fn = f
        return self._fn

    def __call__(self, x: np.ndarray) -> float:
        v = float(np.sum(self.compiled()(np.ascontiguousarray(x, dtype=float).reshape(self.ndim))))
        return v if np.isfinite(v) else -1e300

    def warm(self) -> None:
        """Compile now and call once (at the centre of the prior box): numba compiles its code on the first call."""
        self(self.fit.parameter_set.rescale(np.full(self.ndim, 0.5)))


class PriorTransform:
    """Picklable prior transform (unit cube -> sampling space): the vectorised transform of the fit's free
    parameters (:meth:`globalfit.parameters.ParameterSet.rescale`)."""

    def __init__(self, fit):
        self.parameters = fit.parameter_set

    def __call__(self, u: np.ndarray) -> np.ndarray:
        return self.parameters.rescale(u)


# The sampler is given the two module-level functions below, which call the LogLike and PriorTransform installed in
# this process (by the parent for a serial run, by each worker's start-up for a pool). So a checkpoint pickles only
# references to them, never the Fit, and a run checkpointed with N processes resumes with any other number.
_INSTALLED: dict[str, object] = {}


class _Install:
    """Picklable start-up of a process: installs the likelihood and prior transform the sampler's functions call."""

    def __init__(self, fit):
        self.loglike, self.prior_transform = LogLike(fit), PriorTransform(fit)

    def __call__(self) -> None:
        _INSTALLED["loglike"], _INSTALLED["prior_transform"] = self.loglike, self.prior_transform


def _loglike(x: np.ndarray) -> float:
    return _INSTALLED["loglike"](x)


def _prior_transform(u: np.ndarray) -> np.ndarray:
    return _INSTALLED["prior_transform"](u)


def _check_config_file(partial_dir: Path, resolved: dict) -> None:
    """The resolved config stored next to the checkpoint, compared for a readable message (the seal's config digest
    is what decides)."""
    from globalfit.checkpoint import UNCOMPARED_KEYS
    from globalfit.safe_yaml import load_yaml

    path = partial_dir / CONFIG
    if not path.is_file():
        raise CheckpointError(f"--resume: {path} is missing, so the checkpoint in {partial_dir} cannot be checked; "
                              "rerun without --resume (or with --force) to start afresh.")
    old = load_yaml(path, "checkpoint config", error=CheckpointError)

    def compared(d: dict) -> dict:
        return {k: v for k, v in d.items() if k not in UNCOMPARED_KEYS}

    if not isinstance(old, dict) or compared(old) != compared(resolved):
        raise CheckpointError(f"--resume: the checkpoint in {partial_dir} was written for a different config; "
                              "rerun without --resume (or with --force) to start afresh.")


def run_nested(fit, partial_dir: Path, resolved: dict, *, resume: bool = False, print_progress: bool | None = None):
    """Run dynesty; return its results object.

    Parameters
    ----------
    fit
        :class:`globalfit.model.Fit`.
    partial_dir
        Folder for the sealed checkpoint and the resolved config (created).
    resolved
        Resolved config (its digest seals the checkpoint and is compared on resume).
    resume
        Continue from the checkpoint in ``partial_dir``.
    print_progress
        True: dynesty's status line; False: silence; None: the status line on a terminal, else log lines.

    Raises
    ------
    CheckpointError
        On resume: no checkpoint, an unsealed, foreign, modified or truncated one, other globalfit or dynesty
        versions, another config.
    """
    from dynesty.utils import print_fn

    from globalfit.checkpoint import checkpoint_meta, sealing_saves
    from globalfit.executor import single_blas_thread

    s = fit.cfg.sampler
    partial_dir = Path(partial_dir)
    ckpt = partial_dir / CHECKPOINT
    meta = checkpoint_meta(resolved)
    if print_progress is None:
        # a terminal gets dynesty's live status line; a log file gets one plain line every PROGRESS_EVERY_S seconds
        show = print_fn if sys.stderr.isatty() else _LineProgress()
    else:
        show = print_fn if print_progress else None
    # A SIGTERM is held back while dynesty works (the initial live points included) and raised between two iterations
    # (in the progress callback): inside the likelihood, dynesty's wrapper would print a page of traceback for it. No
    # save on the way out: dynesty's periodic checkpoint, written between iterations and sealed, is the one to resume
    # from.
    install = _Install(fit)
    LOG.info("nested sampling: likelihood on PyTensor's %s backend", install.loglike.backend)
    install()  # in this process too: a serial run calls it here, and the sampler calls it here on a pool's errors
    with deferred_termination(), single_blas_thread(), _scalar_logsumexp(), _pool(fit, install) as pool:
        sampler = _sampler(fit, partial_dir, resolved, meta, resume, pool)
        with sealing_saves(sampler, meta):
            sampler.run_nested(dlogz=s.dlogz, maxiter=s.maxiter, print_progress=True, print_func=_SafePoint(show),
                               checkpoint_file=str(ckpt), checkpoint_every=s.checkpoint_every_s, resume=resume)
        sampler.pool, sampler.mapper = None, map  # the results outlive the pool
    return sampler.results


@contextlib.contextmanager
def _scalar_logsumexp():
    """dynesty updates the evidence once per iteration with ``scipy.special.logsumexp`` of two numbers, which in
    SciPy >= 1.15 (array-API dispatch) costs ~0.5 ms: 10 % of a serial run of the global fit and, being the parent's,
    a serial part of a pool run. For the run, dynesty's module gets :func:`_logsumexp`: the same arithmetic for the
    flat case it uses (shift by the maximum, weighted sum, log), SciPy's function for anything else."""
    import dynesty.utils as du

    original = du.logsumexp
    du.logsumexp = _logsumexp
    try:
        yield
    finally:
        du.logsumexp = original


def _logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    if axis is None and not keepdims and not return_sign:
        x = np.asarray(a, dtype=float).ravel()
        w = np.ones_like(x) if b is None else np.asarray(b, dtype=float).ravel()
        m = x.max() if x.size else -np.inf
        if w.shape == x.shape and np.isfinite(m):
            total = float(np.dot(w, np.exp(x - m)))
            if total > 0:
                return math.log(total) + float(m)
    from scipy.special import logsumexp

    return logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=return_sign)


def _pool(fit, install: "_Install"):
    """The worker pool of ``sampler.processes`` (> 1), else a null context giving None.

    Not :func:`globalfit.executor.parallel_map`: dynesty maps one batch of proposals per iteration, thousands of maps
    a run, so it needs workers that outlive a map (:class:`globalfit.executor.WorkerPool`, the executor's persistent
    pool; a Dask cluster is not used for nested sampling, whose per-iteration latency it would dominate). Each worker
    installs the likelihood once at start and compiles it on its first call.
    """
    from globalfit.executor import WorkerPool

    n = fit.cfg.sampler.processes or 1
    if n <= 1:
        return contextlib.nullcontext(None)
    LOG.info("nested sampling with %d worker processes", n)
    # compiled here once before the workers start: forked workers (Linux) inherit it instead of each compiling the
    # graph again (seconds each, as long as a short run); spawned ones compile on their first call
    install.loglike.warm()
    return _LeanPool(WorkerPool(n, install))


class _LeanPool:
    """The pool dynesty is given: :class:`globalfit.executor.WorkerPool`, with each proposal's answer stripped of its
    ``evaluation_history`` (every point the random walk visited: ~5.6 kB pickled per proposal, 0.4 ms to pickle and
    as much to read back, measured on the global fit) before it crosses a pipe. dynesty only keeps that history when
    asked to save every evaluation (``save_evaluation_history``), which this package never does."""

    def __init__(self, pool) -> None:
        self.pool, self.size = pool, pool.size

    def __enter__(self) -> "_LeanPool":
        self.pool.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.pool.__exit__(*exc)

    def map(self, fn, items) -> list:
        return self.pool.map(_WithoutHistory(fn), items)


class _WithoutHistory:
    """Picklable ``fn`` whose dynesty ``SamplerReturn`` answers come back with an empty evaluation history (other
    answers, e.g. of the initial live points' likelihood calls, unchanged)."""

    def __init__(self, fn) -> None:
        self.fn = fn

    def __call__(self, x):
        from dynesty.internal_samplers import SamplerReturn

        ret = self.fn(x)
        return ret._replace(evaluation_history=[]) if isinstance(ret, SamplerReturn) else ret


def _sampler(fit, partial_dir: Path, resolved: dict, meta: dict, resume: bool, pool=None):
    """A new dynesty sampler (its resolved config written next to the checkpoint), or the one restored from the
    verified checkpoint; with ``pool``, the proposals of each iteration (``pool.size`` of them) go to its workers."""
    import dynesty

    from globalfit.checkpoint import restore_sampler
    from globalfit.output import write_yaml

    ckpt = partial_dir / CHECKPOINT
    if resume:
        if not ckpt.is_file():
            raise CheckpointError(f"--resume: no checkpoint in {partial_dir}; run without --resume to start afresh.")
        _check_config_file(partial_dir, resolved)
        sampler = restore_sampler(ckpt, meta, pool=pool)
        LOG.info("resumed nested sampling from %s (iteration %d)", ckpt, sampler.it)
        return sampler
    s = fit.cfg.sampler
    partial_dir.mkdir(parents=True, exist_ok=True)
    write_yaml(partial_dir / CONFIG, resolved)
    # with a pool, QUEUE_PER_WORKER proposals per process and map: one proposal (a random walk of ~25 likelihood
    # calls, a few ms) per process is not worth the round trip; queued proposals that no longer pass the rising
    # likelihood threshold are discarded by dynesty, so the queue changes the efficiency slightly, not the result
    queue = None if pool is None else QUEUE_PER_WORKER * pool.size
    return dynesty.NestedSampler(_loglike, _prior_transform, len(fit.free), nlive=s.nlive, bound=s.bound,
                                 sample=s.sample, rstate=np.random.default_rng(s.seed), pool=pool, queue_size=queue)


class _SafePoint:
    """dynesty ``print_func`` called once per iteration, outside the likelihood: raises a held-back SIGTERM, then shows
    progress through ``show`` (None: nothing)."""

    def __init__(self, show) -> None:
        self.show = show

    def __call__(self, *args, **kwargs) -> None:
        raise_pending()
        if self.show is not None:
            self.show(*args, **kwargs)


class _LineProgress:
    """dynesty ``print_func`` for logs: a plain log line (no carriage returns) at most every PROGRESS_EVERY_S seconds."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def __call__(self, itresult, niter, ncall, dlogz=None, **_) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_S:
            return
        self.last = now
        LOG.info("nested sampling: iteration %d, %d likelihood calls, ln Z = %.3f, remaining Delta ln Z = %.3g "
                 "(stops below %g)", niter, ncall, itresult.logz, itresult.delta_logz, dlogz)


def equal_weight_draws(results, seed: int) -> np.ndarray:
    """Posterior draws with equal weights (systematic resampling of the weighted dead points)."""
    from dynesty.utils import resample_equal

    w = np.exp(results.logwt - results.logz[-1])
    w /= w.sum()
    return resample_equal(results.samples, w, rstate=np.random.default_rng(seed))
