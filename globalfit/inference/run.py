"""``globalfit.run``: one entry point for nested sampling and NUTS, returning a :class:`~globalfit.results.RunResult`.

Nothing is written except nested sampling's checkpoint, which goes to ``checkpoint_dir`` when given (the CLI puts it
next to the result folder, ``<out>.partial/``, so that ``--resume`` finds it) and otherwise to a temporary folder
removed at the end.
"""

from __future__ import annotations

import copy
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


def _posterior_arrays(fit, sampling: np.ndarray, *, with_loglike: bool = True) -> tuple[dict, dict]:
    """Posterior and log-likelihood dicts (chain, draw) from sampling-space draws of shape (chain, draw, ndim).

    The log-likelihood dict has one variable per dataset and ``total`` (their sum); empty without ``with_loglike``
    (prior draws).
    """
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
    if not with_loglike:
        return post, {}
    f = fit.compiled("terms")
    terms = np.array([[f(sampling[c, d]) for d in range(ndraw)] for c in range(nchain)])
    ll = {cid: terms[..., j] for j, cid in enumerate(fit.component_ids)}
    ll[TOTAL] = terms.sum(axis=-1)
    return post, ll


#: Name of the summed log-likelihood variable in ``posterior.nc`` (a dataset id never has this name: ids are
#: catalogue folder names with an experiment and a year).
TOTAL = "total"
#: Number of prior draws stored in the ``prior`` group.
PRIOR_DRAWS = 500
#: Simulated runs (dynesty's jitter_run of resample_run) behind the evidence error of a single run.
SIMULATED_RUNS = 16


def _prior_draws(fit, seed: int) -> dict:
    """Prior group: PRIOR_DRAWS draws (one chain) of the free parameters and the derived quantities."""
    rng = np.random.default_rng([seed, 1])
    u = rng.uniform(size=(PRIOR_DRAWS, len(fit.free)))
    x = np.array([fit.prior_transform(ui) for ui in u])[None, ...]
    return _posterior_arrays(fit, x, with_loglike=False)[0]


def _citations(fit) -> str:
    return "; ".join(f"{c.id}: {c.entry.citation}" for c in fit.components if c.entry.citation)


def build_inference_data(fit, draws: np.ndarray, *, method: str, resolved: dict, evidence: dict | None = None,
                         stats: dict | None = None, seed: int = 0):
    """The InferenceData of ``posterior.nc``.

    Parameters
    ----------
    fit
        :class:`globalfit.model.Fit`.
    draws
        Posterior draws in sampling space, shape (chain, draw, ndim).
    method
        ``nested`` or ``nuts`` (names the inference library in the attributes).
    resolved
        Resolved config (stored as YAML text in the attributes, with its versions and data checksums).
    evidence
        Evidence record (nested only): ``log_evidence`` and its error go into the attributes.
    stats
        Sample stats (chain, draw): PyMC's for NUTS, importance weights and log L for nested sampling.
    seed
        Seed of the prior draws and posterior-predictive noise.

    Groups: posterior (sampling-space and physical parameters, derived quantities), log_likelihood (one variable
    per dataset, ``total``, and ``<dataset>_counts`` per bin for binned datasets), sample_stats, prior,
    observed_data and posterior_predictive (:mod:`globalfit.inference.predictive`).
    """
    import yaml

    from globalfit.inference.predictive import per_bin_groups

    post, ll = _posterior_arrays(fit, draws)
    observed, predictive, ll_bins, dims = per_bin_groups(fit, draws, seed)
    ll.update(ll_bins)
    versions = resolved.get("versions", {})
    library = "dynesty" if method == "nested" else "pymc"
    attrs: dict[str, Any] = {
        "run": fit.cfg.name, "method": method, "inference_library": library,
        "inference_library_version": versions.get(library, ""), "globalfit_version": versions.get("globalfit", ""),
        "resolved_config": yaml.safe_dump(resolved, sort_keys=False),
        "data_checksums": yaml.safe_dump(resolved.get("data_checksums", {}), sort_keys=False),
        "citations": _citations(fit),
    }
    if evidence:
        attrs.update(log_evidence=float(evidence["log_evidence"]), log_evidence_err=float(evidence["log_evidence_err"]),
                     evidence_error_model=str(evidence.get("error_model", "")))
    return arviz_adapter.from_draws(post, ll, sample_stats=stats, attrs=attrs, prior=_prior_draws(fit, seed),
                                    observed_data=observed, posterior_predictive=predictive, dims=dims)


def _nested_stats(results, draws_index: np.ndarray) -> dict:
    """Nested sample stats per posterior draw: the importance weight and log L of the dead point it was resampled
    from, and that point's index in the saved nested run."""
    w = np.exp(results.logwt - results.logz[-1])
    w /= w.sum()
    return {"importance_weight": w[draws_index][None, :], "lp": np.asarray(results.logl)[draws_index][None, :],
            "dead_point": draws_index[None, :]}


def _with_seed(fit, seed: int):
    """A shallow copy of ``fit`` whose config has another sampler seed (independent repeats share the graphs)."""
    cfg = fit.cfg.model_copy(update={"sampler": fit.cfg.sampler.model_copy(update={"seed": seed})})
    other = copy.copy(fit)
    other.cfg = cfg
    return other


def evidence_error(results, *, seed: int, runs: int = SIMULATED_RUNS) -> float:
    """Run-to-run scatter of ln Z from one run: the standard deviation of ln Z over ``runs`` simulated runs
    (dynesty's ``jitter_run`` of ``resample_run``: volume and path noise), never below dynesty's ``logzerr``."""
    from dynesty.utils import jitter_run, resample_run

    rng = np.random.default_rng([seed, 2])
    logz = [jitter_run(resample_run(results, rstate=rng), rstate=rng).logz[-1] for _ in range(runs)]
    return float(max(np.std(logz, ddof=1), results.logzerr[-1]))


def nested_evidence(fit, resolved: dict, *, checkpoint_dir: Path | None = None, resume: bool = False,
                    print_progress: bool | None = None) -> tuple[Any, dict]:
    """Run nested sampling on ``fit``; return dynesty's results and the evidence record of ``evidence.json``.

    ``log_evidence`` (natural log) includes the constant log-likelihood of the datasets dropped as insensitive, so
    that models with and without sensitivity are compared on the same data. Without ``checkpoint_dir`` the
    checkpoints go to a temporary folder removed at the end.

    With ``sampler.repeats: k > 1`` the run is repeated with seeds ``seed, seed + 1, ...`` (repeat i > 0
    checkpoints in ``<checkpoint_dir>/repeat_<i>``) and the runs are merged (``dynesty.utils.merge_runs``); the
    error of ln Z is then the scatter of the k values over sqrt(k) (never below the merged run's ``logzerr``), error
    model ``repeats:k``. A single run's error is the scatter over simulated runs (:func:`evidence_error`), error
    model ``jitter+resample:N``.
    """
    from globalfit.inference.nested import CHECKPOINT, run_nested

    s = fit.cfg.sampler
    k = int(getattr(s, "repeats", 1))
    tmp = None if checkpoint_dir is not None else Path(tempfile.mkdtemp(prefix="globalfit-nested-"))
    base = Path(checkpoint_dir or tmp)
    runs = []
    try:
        for i in range(k):
            f = fit if i == 0 else _with_seed(fit, s.seed + i)
            ckpt = base if i == 0 else base / f"repeat_{i}"
            again = resume and (i == 0 or (ckpt / CHECKPOINT).is_file())
            runs.append(run_nested(f, ckpt, {**resolved, "seed": f.cfg.sampler.seed}, resume=again,
                                   print_progress=print_progress))
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    if k > 1:
        from dynesty.utils import merge_runs

        results = merge_runs(runs, print_progress=False)
        each = [float(r.logz[-1]) for r in runs]
        err = float(max(np.std(each, ddof=1) / np.sqrt(k), results.logzerr[-1]))
        error_model = f"repeats:{k}"
    else:
        results, each = runs[0], [float(runs[0].logz[-1])]
        err = evidence_error(results, seed=s.seed)
        error_model = f"jitter+resample:{SIMULATED_RUNS}"
    evidence = {"log_evidence": float(results.logz[-1]) + fit.constant_loglike,
                "log_evidence_err": err, "error_model": error_model,
                "dynesty_logzerr": float(results.logzerr[-1]),
                "log_evidence_repeats": [v + fit.constant_loglike for v in each],
                "constant_loglike_of_insensitive_datasets": fit.constant_loglike,
                "niter": int(results.niter), "ncall": int(np.sum(results.ncall)), "nlive": s.nlive,
                "seed": s.seed, "repeats": k, "resumed": bool(resume)}
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
    nested_results = None
    resolved = resolved_config(cfg, fit)
    if method == "nested":
        from dynesty.utils import resample_equal

        nested_results, evidence = nested_evidence(fit, resolved, checkpoint_dir=checkpoint_dir, resume=resume)
        # equal-weight posterior: systematic resampling of the dead points (their index kept in sample_stats)
        w = np.exp(nested_results.logwt - nested_results.logz[-1])
        index = resample_equal(np.arange(len(w)), w / w.sum(), rstate=np.random.default_rng(cfg.sampler.seed))
        draws = np.asarray(nested_results.samples)[index][None, ...]
        stats = _nested_stats(nested_results, index)
    else:
        from globalfit.inference.nuts import run_nuts

        draws, stats = run_nuts(fit, strict=strict)
    idata = build_inference_data(fit, draws, method=method, resolved=resolved, evidence=evidence, stats=stats,
                                 seed=cfg.sampler.seed)
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
                     config=resolved_config(cfg, fit, {"method": method, "runtime_s": runtime}), metadata=meta, fit=fit,
                     nested_run=nested_results)
