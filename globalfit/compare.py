"""``globalfit compare``: evidences of several charge assignments with identical priors and data, Bayes factors.

ln B_i = ln Z_i - ln Z_ref with the first model of ``compare.models`` as reference; its error adds the two nested
sampling errors in quadrature. Reading on the Jeffreys scale (as revised by Kass & Raftery / Trotta):
|ln B| < 1 inconclusive, 1-2.5 weak, 2.5-5 moderate, > 5 strong evidence. Bayes factors depend on the prior
ranges of the parameters (here the g' and M_Z' ranges of the run config): a wider prior on a parameter the data
do not constrain lowers the evidence of every model that has it.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

LOG = logging.getLogger("globalfit.compare")

NOTE = ("Bayes factors depend on the prior ranges of the run config (g' and M_Z' here): they compare the models "
        "averaged over those priors, not at their best fits.")


def jeffreys(ln_b: float) -> str:
    """Verbal reading of ln B (Jeffreys scale, Kass & Raftery thresholds in ln B)."""
    a = abs(ln_b)
    if a < 1.0:
        return "inconclusive"
    word = "weak" if a < 2.5 else "moderate" if a < 5.0 else "strong"
    return f"{word} evidence {'for' if ln_b > 0 else 'against'}"


@dataclass
class _EvidenceJob:
    cfg: object
    model: str

    def __call__(self, _=None) -> dict:
        from globalfit.inference.nested import run_nested
        from globalfit.inference.output import resolved_config
        from globalfit.model import Fit

        cfg = self.cfg.with_charges(self.model)
        fit = Fit(cfg)
        tmp = Path(tempfile.mkdtemp(prefix="globalfit-compare-"))
        try:
            res = run_nested(fit, tmp, resolved_config(cfg), print_progress=False)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return {"model": self.model, "charges": fit.theory.charges.expression(),
                "log_evidence": float(res.logz[-1]) + fit.constant_loglike, "log_evidence_err": float(res.logzerr[-1]),
                "datasets": ", ".join(fit.component_ids),
                "insensitive": "; ".join([*fit.insensitive, *fit.dropped])}


def run_compare(cfg, out_dir: Path, *, force: bool = False) -> Path:
    """Run nested sampling for each model of ``compare.models`` and write compare.csv and plots/bayes_factors.png."""
    import pandas as pd

    from globalfit.errors import ConfigError, OutputExistsError
    from globalfit.executor import parallel_map
    from globalfit.inference.output import resolved_config, staged_folder, write_yaml
    from globalfit.physics.charges import parse_charges
    from globalfit.plots import plot_bayes_factors

    out_dir = Path(out_dir)
    if out_dir.exists() and not force:
        raise OutputExistsError(f"{out_dir} exists already; use --force to replace it or --out to choose another folder.")
    models = cfg.compare.models
    if cfg.model.type != "u1":
        raise ConfigError("model comparison is over charge assignments: it needs model type u1", "model.type")
    if len(models) < 2:
        raise ConfigError("compare.models needs at least two charge assignments, e.g. [A, B, C]", "compare.models")
    for i, m in enumerate(models):
        try:
            parse_charges(m)
        except Exception as exc:
            raise ConfigError(str(exc), f"compare.models[{i}]") from None
    rows = parallel_map(_call, [_EvidenceJob(cfg, m) for m in models], cfg.limits.processes, progress="compare (models done)")
    table = pd.DataFrame(rows)
    ref, ref_err = table["log_evidence"].iloc[0], table["log_evidence_err"].iloc[0]
    table["ln_bayes_factor"] = table["log_evidence"] - ref
    table["ln_bayes_factor_err"] = np.sqrt(table["log_evidence_err"] ** 2 + (ref_err**2) * (np.arange(len(table)) > 0))
    table["jeffreys"] = [("reference" if i == 0 else jeffreys(b)) for i, b in enumerate(table["ln_bayes_factor"])]
    with staged_folder(out_dir, force=force) as tmp:
        table[["model", "log_evidence", "log_evidence_err", "ln_bayes_factor", "ln_bayes_factor_err", "jeffreys",
               "charges", "datasets", "insensitive"]].to_csv(tmp / "compare.csv", index=False)
        write_yaml(tmp / "config.yaml", resolved_config(cfg))
        (tmp / "plots").mkdir()
        plot_bayes_factors(table, tmp / "plots" / "bayes_factors.png")
        (tmp / "README.md").write_text(f"# Model comparison: {cfg.name}\n\n" + table[["model", "ln_bayes_factor", "jeffreys"]]
                                       .to_string(index=False) + f"\n\n{NOTE}\n")
    print(table[["model", "log_evidence", "log_evidence_err", "ln_bayes_factor", "jeffreys"]].to_string(index=False))
    print(NOTE)
    return out_dir


def _call(job):
    return job()
