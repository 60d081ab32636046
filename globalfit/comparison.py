"""``globalfit.compare``: evidences of several charge assignments with identical priors and data, Bayes factors.

ln B_i = ln Z_i - ln Z_ref with the first model of ``compare.models`` as reference; its error adds the two evidence
errors in quadrature. Those errors follow the error model of :func:`globalfit.inference.run.nested_evidence`: the
scatter of ``sampler.repeats`` independent runs, or of simulated runs of one (``jitter+resample``), which
dynesty's own ``logzerr`` underestimates. The Jeffreys category is reported only when ln B +- its error stays in
one category; otherwise the column reads ``unstable: <low> .. <high>``. Reading on the Jeffreys scale (as revised by Kass & Raftery / Trotta):
|ln B| < 1 inconclusive, 1-2.5 weak, 2.5-5 moderate, > 5 strong evidence. Bayes factors depend on the prior
ranges of the parameters (here the g' and M_Z' ranges of the run config): a wider prior on a parameter the data
do not constrain lowers the evidence of every model that has it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from globalfit.checkpoint import FinishedStore

LOG = logging.getLogger("globalfit.compare")


def jeffreys(ln_b: float) -> str:
    """Verbal reading of ln B (Jeffreys scale, Kass & Raftery thresholds in ln B)."""
    a = abs(ln_b)
    if a < 1.0:
        return "inconclusive"
    word = "weak" if a < 2.5 else "moderate" if a < 5.0 else "strong"
    return f"{word} evidence {'for' if ln_b > 0 else 'against'}"


def stable_jeffreys(ln_b: float, err: float) -> str:
    """Jeffreys reading of ln B if the whole interval ln B +- err falls in one category, else
    ``unstable: <reading at ln B - err> .. <reading at ln B + err>``."""
    lo, hi = jeffreys(ln_b - err), jeffreys(ln_b + err)
    # the interval may straddle 0 inside "inconclusive" (|ln B| < 1): still one category
    if lo == hi:
        return lo
    return f"unstable: {lo} .. {hi}"


@dataclass
class _EvidenceJob:
    """Picklable job: the nested-sampling evidence of one charge assignment (checkpoint in a temporary folder); its
    row goes to ``store`` (when given) as soon as it is done, so ``--resume`` skips the model."""

    cfg: object
    model: str
    key: str = ""
    store: FinishedStore | None = None

    def __call__(self) -> dict:
        from globalfit.inference.run import nested_evidence
        from globalfit.model import Fit
        from globalfit.output import resolved_config

        cfg = self.cfg.with_charges(self.model)
        fit = Fit(cfg)
        LOG.info("compare: model %s (%s) started", self.model, fit.theory.charges.expression())
        results, ev = nested_evidence(fit, resolved_config(cfg), print_progress=False)
        LOG.info("compare: model %s finished, ln Z = %.3f +- %.3f", self.model, ev["log_evidence"],
                 ev["log_evidence_err"])
        from globalfit.inference.nested import equal_weight_draws

        row = {"model": self.model, "charges": fit.theory.charges.expression(),
               "log_evidence": ev["log_evidence"], "log_evidence_err": ev["log_evidence_err"],
               "error_model": ev["error_model"],
               "datasets": ", ".join(fit.component_ids),
               "insensitive": "; ".join([*fit.insensitive, *fit.dropped])}
        if self.store is not None:
            # the stored row is plain JSON: a model resumed from it has its evidence but not its posterior draws
            self.store.put(self.key, row)
        draws = equal_weight_draws(results, cfg.sampler.seed)
        return {**row, "posterior": {name: draws[:, i] for i, name in enumerate(fit.free_names)}}


def _check_models(cfg) -> list[str]:
    from globalfit.errors import ConfigError
    from globalfit.physics.charges import parse_charges

    models = list(cfg.compare.models)
    if cfg.model.type != "u1":
        raise ConfigError("model comparison is over charge assignments: it needs model type u1", "model.type")
    if len(models) < 2:
        raise ConfigError("compare.models needs at least two charge assignments, e.g. [A, B, C]", "compare.models")
    for i, m in enumerate(models):
        try:
            parse_charges(m)
        except Exception as exc:
            raise ConfigError(str(exc), f"compare.models[{i}]") from None
    return models


def bayes_factor_table(rows: list[dict]):
    """Evidence rows (model, log_evidence, log_evidence_err, ...) -> table with ln B and its Jeffreys reading, the
    first row being the reference."""
    import pandas as pd

    table = pd.DataFrame(rows)
    ref, ref_err = table["log_evidence"].iloc[0], table["log_evidence_err"].iloc[0]
    table["ln_bayes_factor"] = table["log_evidence"] - ref
    table["ln_bayes_factor_err"] = np.sqrt(table["log_evidence_err"] ** 2 + (ref_err**2) * (np.arange(len(table)) > 0))
    table["jeffreys"] = [("reference" if i == 0 else stable_jeffreys(b, e))
                         for i, (b, e) in enumerate(zip(table["ln_bayes_factor"], table["ln_bayes_factor_err"]))]
    return table


def compare(cfg, *, partial_dir=None, resume: bool = False):
    """Nested sampling for each model of ``compare.models`` (in parallel through the executor), in memory; each
    model's equal-weight posterior is kept (``CompareResult.posteriors``, written to ``posteriors/<model>.npz``;
    models finished in an earlier, resumed run keep their evidence only).

    Parameters
    ----------
    cfg
        :class:`globalfit.config.RunConfig` (model type u1).
    partial_dir
        Folder where each finished model's evidence is kept (sealed JSON, :class:`~globalfit.checkpoint.FinishedStore`)
        until the caller removes it; None keeps nothing.
    resume
        Take the models finished by an interrupted comparison from ``partial_dir`` and run only the others.

    Returns
    -------
    globalfit.results.CompareResult
        The table of evidences and Bayes factors; ``.save(dir)`` writes compare.csv and plots/bayes_factors.png.
    """
    from globalfit.checkpoint import checkpoint_meta
    from globalfit.executor import call, parallel_map
    from globalfit.output import resolved_config, resume_config
    from globalfit.results import CompareResult

    models = _check_models(cfg)
    resolved = resolved_config(cfg)
    store = None if partial_dir is None else FinishedStore(partial_dir, checkpoint_meta(resume_config(resolved)))
    finished = store.load() if (store is not None and resume) else {}
    jobs = [_EvidenceJob(cfg, m, f"model-{i:02d}", store) for i, m in enumerate(models)]
    todo = [j for j in jobs if j.key not in finished]
    if finished:
        LOG.info("resuming: %d of %d models finished earlier", len(jobs) - len(todo), len(jobs))
    done = parallel_map(call, todo, cfg.limits.processes, progress="compare (models done)", compiles=True)
    new = dict(zip((j.key for j in todo), done))
    rows = [finished[j.key] if j.key in finished else new[j.key] for j in jobs]
    posteriors = {r["model"]: r.pop("posterior") for r in rows if "posterior" in r}
    return CompareResult(bayes_factor_table(rows), resolved, name=cfg.name, posteriors=posteriors)
