"""``globalfit run``: one entry point for nested sampling and NUTS, writing the pinned result files."""

from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from globalfit.inference import arviz_adapter
from globalfit.inference.output import resolved_config, staged_folder, write_yaml

LOG = logging.getLogger("globalfit.run")


def partial_dir_for(out_dir: Path) -> Path:
    """Checkpoint folder of a run writing to ``out_dir``."""
    out_dir = Path(out_dir)
    return out_dir.with_name(out_dir.name + ".partial")


def _posterior_arrays(fit, sampling: np.ndarray) -> tuple[dict, dict]:
    """Posterior and log-likelihood dicts (chain, draw) from sampling-space draws of shape (chain, draw, ndim)."""
    nchain, ndraw, _ = sampling.shape
    post: dict[str, np.ndarray] = {}
    for i, p in enumerate(fit.free):
        post[p.sampling_name] = sampling[..., i]
        if p.prior == "log-uniform":
            post[p.name] = 10.0 ** sampling[..., i]
    physical = fit.physical_values({p.name: sampling[..., i] for i, p in enumerate(fit.free)})
    physical = {k: (np.full((nchain, ndraw), v) if np.ndim(v) == 0 else v) for k, v in physical.items()}
    for k, v in fit.derived(physical).items():
        post[k] = np.broadcast_to(v, (nchain, ndraw)).copy()
    f = fit.compiled("terms")
    terms = np.array([[f(sampling[c, d]) for d in range(ndraw)] for c in range(nchain)])
    ll = {cid: terms[..., j] for j, cid in enumerate(fit.component_ids)}
    return post, ll


def run_fit(cfg, out_dir: Path, *, resume: bool = False, force: bool = False, strict: bool = False) -> Path:
    """Run the fit of ``cfg`` and write the result folder (see DESIGN: config.yaml, posterior.nc, summary.csv,
    evidence.json for nested sampling, plots/)."""
    from globalfit.model import Fit
    from globalfit.plots import write_run_plots

    out_dir = Path(out_dir)
    if out_dir.exists() and not force:
        from globalfit.errors import OutputExistsError

        raise OutputExistsError(f"{out_dir} exists already; use --force to replace it or --out to choose another folder.")
    t0 = time.time()
    fit = Fit(cfg)
    resolved = resolved_config(cfg, fit)
    method = cfg.sampler.method
    LOG.info("fitting %s: %d free parameters (%s); datasets: %s", cfg.name, len(fit.free), ", ".join(fit.free_names),
             ", ".join(fit.component_ids))
    evidence: dict[str, Any] | None = None
    stats: dict[str, np.ndarray] | None = None
    if method == "nested":
        from globalfit.inference.nested import equal_weight_draws, run_nested

        partial = partial_dir_for(out_dir)
        results = run_nested(fit, partial, resolved, resume=resume)
        draws = equal_weight_draws(results, cfg.sampler.seed)[None, ...]
        evidence = {"log_evidence": float(results.logz[-1]) + fit.constant_loglike,
                    "log_evidence_err": float(results.logzerr[-1]),
                    "constant_loglike_of_insensitive_datasets": fit.constant_loglike,
                    "niter": int(results.niter), "ncall": int(np.sum(results.ncall)), "nlive": cfg.sampler.nlive,
                    "seed": cfg.sampler.seed, "resumed": bool(resume)}
    else:
        from globalfit.inference.nuts import run_nuts

        draws, stats = run_nuts(fit, strict=strict)
        partial = None
    post, ll = _posterior_arrays(fit, draws)
    idata = arviz_adapter.from_draws(post, ll, sample_stats=stats, attrs={"run": cfg.name, "method": method})
    with staged_folder(out_dir, force=force) as tmp:
        write_yaml(tmp / "config.yaml", resolved_config(cfg, fit, {"method": method, "runtime_s": round(time.time() - t0, 1)}))
        arviz_adapter.save(idata, tmp / "posterior.nc")
        var_names = [p.sampling_name for p in fit.free] + [p.name for p in fit.free if p.prior == "log-uniform"]
        summary = arviz_adapter.summary(idata, var_names=var_names, nuts=(method == "nuts"))
        if method == "nuts" and stats is not None:
            summary["divergences"] = int(np.sum(stats.get("diverging", 0)))
        summary.to_csv(tmp / "summary.csv")
        if evidence is not None:
            (tmp / "evidence.json").write_text(json.dumps(evidence, indent=2))
        write_run_plots(fit, idata, tmp / "plots")
    if partial is not None and partial.exists():
        shutil.rmtree(partial, ignore_errors=True)
    LOG.info("done in %.0f s", time.time() - t0)
    if evidence:
        LOG.info("ln Z = %.3f +- %.3f", evidence["log_evidence"], evidence["log_evidence_err"])
    return out_dir
