"""``globalfit.run``: one entry point for nested sampling and NUTS, returning a :class:`~globalfit.results.RunResult`.

Nothing is written except nested sampling's checkpoint, which goes to ``checkpoint_dir`` when given (the CLI puts it
next to the result folder, ``<out>.partial/``, so that ``--resume`` finds it) and otherwise to a temporary folder
removed at the end.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from globalfit.inference import arviz_adapter
from globalfit.output import partial_dir_for, resolved_config  # noqa: F401 (partial_dir_for: public here too)

LOG = logging.getLogger("globalfit.run")


def _posterior_arrays(fit, sampling: np.ndarray) -> tuple[dict, dict]:
    """Posterior and log-likelihood dicts (chain, draw) from sampling-space draws of shape (chain, draw, ndim)."""
    nchain, ndraw, _ = sampling.shape
    post: dict[str, np.ndarray] = {}
    for i, p in enumerate(fit.free):
        post[p.sampling_name] = sampling[..., i]
        if p.is_log:
            post[p.name] = p.to_physical(sampling[..., i])
    physical = fit.physical_values({p.name: sampling[..., i] for i, p in enumerate(fit.free)})
    physical = {k: (np.full((nchain, ndraw), v) if np.ndim(v) == 0 else v) for k, v in physical.items()}
    for k, v in fit.derived(physical).items():
        post[k] = np.broadcast_to(v, (nchain, ndraw)).copy()
    f = fit.compiled("terms")
    terms = np.array([[f(sampling[c, d]) for d in range(ndraw)] for c in range(nchain)])
    ll = {cid: terms[..., j] for j, cid in enumerate(fit.component_ids)}
    return post, ll


def nested_evidence(fit, resolved: dict, *, checkpoint_dir: Path | None = None, resume: bool = False,
                    print_progress: bool | None = None) -> tuple[Any, dict]:
    """Run nested sampling on ``fit``; return dynesty's results and the evidence record of ``evidence.json``.

    ``log_evidence`` (natural log) includes the constant log-likelihood of the datasets dropped as insensitive, so
    that models with and without sensitivity are compared on the same data. Without ``checkpoint_dir`` the
    checkpoint goes to a temporary folder removed at the end.
    """
    from globalfit.inference.nested import run_nested

    tmp = None if checkpoint_dir is not None else Path(tempfile.mkdtemp(prefix="globalfit-nested-"))
    try:
        results = run_nested(fit, checkpoint_dir or tmp, resolved, resume=resume, print_progress=print_progress)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    s = fit.cfg.sampler
    evidence = {"log_evidence": float(results.logz[-1]) + fit.constant_loglike,
                "log_evidence_err": float(results.logzerr[-1]),
                "constant_loglike_of_insensitive_datasets": fit.constant_loglike,
                "niter": int(results.niter), "ncall": int(np.sum(results.ncall)), "nlive": s.nlive,
                "seed": s.seed, "resumed": bool(resume)}
    return results, evidence


def run(cfg, *, checkpoint_dir: Path | None = None, resume: bool = False, strict: bool = False):
    """Run the fit of ``cfg`` in memory.

    Parameters
    ----------
    cfg
        :class:`globalfit.config.RunConfig`.
    checkpoint_dir
        Folder for nested sampling's checkpoint (kept after the run; the caller removes it); default: a temporary
        folder removed at the end.
    resume
        Continue a nested-sampling run from the checkpoint in ``checkpoint_dir``.
    strict
        Raise :class:`~globalfit.errors.InferenceError` on poor NUTS diagnostics.

    Returns
    -------
    globalfit.results.RunResult
        Posterior, summary, evidence (nested only), resolved config and metadata; ``.save(dir)`` writes the folder.
    """
    from globalfit.model import Fit
    from globalfit.results import RunResult

    from globalfit.errors import InferenceError

    if resume and cfg.sampler.method != "nested":
        raise InferenceError(f"--resume: {cfg.sampler.method} runs cannot be resumed (PyMC writes no checkpoint); "
                             "run again without --resume.")
    if resume and checkpoint_dir is None:
        raise InferenceError("resume needs the checkpoint folder of the interrupted run (checkpoint_dir).")
    t0 = time.time()
    fit = Fit(cfg)
    method = cfg.sampler.method
    LOG.info("fitting %s: %d free parameters (%s); datasets: %s", cfg.name, len(fit.free), ", ".join(fit.free_names),
             ", ".join(fit.component_ids))
    evidence: dict[str, Any] | None = None
    stats: dict[str, np.ndarray] | None = None
    if method == "nested":
        from globalfit.inference.nested import equal_weight_draws

        results, evidence = nested_evidence(fit, resolved_config(cfg, fit), checkpoint_dir=checkpoint_dir, resume=resume)
        draws = equal_weight_draws(results, cfg.sampler.seed)[None, ...]
    else:
        from globalfit.inference.nuts import run_nuts

        draws, stats = run_nuts(fit, strict=strict)
    post, ll = _posterior_arrays(fit, draws)
    idata = arviz_adapter.from_draws(post, ll, sample_stats=stats, attrs={"run": cfg.name, "method": method})
    var_names = [p.sampling_name for p in fit.free] + [p.name for p in fit.free if p.is_log]
    summary = arviz_adapter.summary(idata, var_names=var_names, nuts=(method == "nuts"))
    if method == "nuts" and stats is not None:
        summary["divergences"] = int(np.sum(stats.get("diverging", 0)))
    runtime = round(time.time() - t0, 1)
    LOG.info("done in %.0f s", runtime)
    if evidence:
        LOG.info("ln Z = %.3f +- %.3f", evidence["log_evidence"], evidence["log_evidence_err"])
    meta = {"method": method, "runtime_s": runtime, "free": fit.free_names, "datasets": fit.component_ids,
            "dropped": dict(fit.dropped)}
    return RunResult(posterior=idata, summary=summary, evidence=evidence,
                     config=resolved_config(cfg, fit, {"method": method, "runtime_s": runtime}), metadata=meta, fit=fit)
