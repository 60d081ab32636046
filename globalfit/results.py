"""Results as objects: what ``globalfit.run``, ``globalfit.limits`` and ``globalfit.compare`` return.

Each result holds its tables and metadata in memory and writes its folder only when asked, through
:meth:`save` (staged in a temporary sibling folder and renamed into place, :mod:`globalfit.output`). A folder
written by ``globalfit run`` opens again as a :class:`RunResult` with :func:`load_results`.

Folder contents (**pinned** names): a run writes ``config.yaml``, ``posterior.nc``, ``summary.csv``,
``evidence.json`` (nested sampling only) and ``plots/``, plus ``nested_run.npz`` (nested sampling only: the full
weighted run, :func:`load_nested_run`); limits write ``limits.csv``, ``config.yaml`` and
``plots/limits.png`` (and ``expected_limits.csv`` with expected limits); a comparison writes ``compare.csv``,
``config.yaml``, ``README.md`` and
``plots/bayes_factors.png``.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from globalfit.errors import DataError
from globalfit.output import staged_folder, write_yaml
from globalfit.safe_yaml import load_yaml

#: Pinned columns of limits.csv, in order; later columns (``prior_dominated``) are extra information.
LIMITS_COLUMNS = ["mass_GeV", "component", "method", "level", "parameter", "upper"]
#: Columns of compare.csv, in order (the first four are pinned).
COMPARE_COLUMNS = ["model", "log_evidence", "log_evidence_err", "ln_bayes_factor", "ln_bayes_factor_err", "jeffreys",
                   "charges", "datasets", "insensitive", "error_model"]

#: File of the full nested run in a run folder (numpy .npz: dead points, weights, log L, log X, information).
NESTED_RUN = "nested_run.npz"
#: dynesty Results keys saved in :data:`NESTED_RUN` (numeric arrays and scalars; bounds and blobs are not kept).
NESTED_KEYS = ("samples", "samples_u", "samples_id", "samples_it", "samples_n", "logl", "logwt", "logz", "logzerr",
               "logvol", "information", "niter", "ncall", "eff", "nlive", "samples_batch", "batch_nlive",
               "batch_logl_bounds")

COMPARE_NOTE = ("Bayes factors depend on the prior ranges of the run config (g' and M_Z' here): they compare the "
                "models averaged over those priors, not at their best fits.")


@dataclass
class RunResult:
    """A Bayesian fit: posterior, summary, evidence and the resolved config.

    Attributes
    ----------
    posterior
        ArviZ InferenceData with a ``log_likelihood`` variable per dataset.
    summary
        Posterior summary table (mean, sd, HDI; R-hat, ESS and divergences for NUTS).
    evidence
        ``log_evidence``, ``log_evidence_err`` (natural log) and sampler bookkeeping for nested sampling, else None.
    config
        Resolved config as written to ``config.yaml`` (versions, data checksums, seed, method, runtime_s).
    metadata
        Fit metadata: ``method``, ``runtime_s``, ``free`` (sampling names), ``datasets``, ``dropped``.
    fit
        The :class:`globalfit.model.Fit` that produced it (needed for the plots; None when loaded from disk).
    nested_run
        dynesty ``Results`` of the (merged) nested run, or None (NUTS); saved as ``nested_run.npz``.
    path
        Folder the result was loaded from or last saved to, or None.
    """

    posterior: Any
    summary: Any
    evidence: dict | None
    config: dict
    metadata: dict = field(default_factory=dict)
    fit: Any = field(default=None, repr=False)
    path: Path | None = None
    nested_run: Any = field(default=None, repr=False)

    def save(self, out_dir: Path, *, force: bool = False) -> Path:
        """Write the result folder (see module docstring); refuses an existing folder unless ``force``."""
        from globalfit.inference import arviz_adapter

        out_dir = Path(out_dir)
        with staged_folder(out_dir, force=force) as tmp:
            write_yaml(tmp / "config.yaml", self.config)
            arviz_adapter.save(self.posterior, tmp / "posterior.nc")
            self.summary.to_csv(tmp / "summary.csv")
            if self.evidence is not None:
                (tmp / "evidence.json").write_text(json.dumps(self.evidence, indent=2))
            if self.nested_run is not None:
                save_nested_run(self.nested_run, tmp / NESTED_RUN)
            if self.fit is not None:
                from globalfit.plots import write_run_plots

                write_run_plots(self.fit, self.posterior, tmp / "plots")
            elif self.path is not None and (self.path / "plots").is_dir():
                shutil.copytree(self.path / "plots", tmp / "plots")
        self.path = out_dir
        return out_dir

    # -- reading helpers (notebooks) ------------------------------------------------------------------------
    def draws(self, name: str) -> np.ndarray:
        """All posterior draws of a variable, flattened over chains."""
        return np.asarray(self.posterior.posterior[name].values).ravel()

    def log_likelihood_breakdown(self):
        """Per-dataset log-likelihood over the posterior: mean, sd and its value at the best draw."""
        import pandas as pd

        ll = self.posterior.log_likelihood
        datasets = self.datasets()
        total = sum(np.asarray(ll[v].values).ravel() for v in datasets)
        best = int(np.argmax(total))
        rows = [{"dataset": v, "mean": float(np.mean(ll[v].values)), "sd": float(np.std(ll[v].values)),
                 "at_best_draw": float(np.asarray(ll[v].values).ravel()[best])} for v in datasets]
        return pd.DataFrame(rows)

    def datasets(self) -> list[str]:
        """Dataset ids of the ``log_likelihood`` group (one value per draw; not ``total`` nor the per-bin arrays)."""
        ll = self.posterior.log_likelihood
        return [v for v in ll.data_vars if v != "total" and ll[v].ndim == 2]

    def _sibling(self, suffix: str, name: str) -> Path | None:
        if self.path is None:
            return None
        for cand in (self.path / name, self.path.with_name(self.path.name + suffix) / name):
            if cand.is_file():
                return cand
        return None

    @property
    def limits(self):
        """Limits table (``limits.csv`` in the folder or in ``<folder>_limits``), or None."""
        import pandas as pd

        p = self._sibling("_limits", "limits.csv")
        return pd.read_csv(p) if p else None

    @property
    def comparison(self):
        """Model comparison table (``compare.csv`` in the folder or in ``<folder>_compare``), or None."""
        import pandas as pd

        p = self._sibling("_compare", "compare.csv")
        return pd.read_csv(p) if p else None


@dataclass
class LimitsResult:
    """Upper limits on the coupling vs mass.

    Attributes
    ----------
    table
        One row per (mass, component, method): the pinned :data:`LIMITS_COLUMNS`, ``note`` (why a limit is NaN)
        and ``prior_dominated`` (method ``bayesian`` only: the credible limit is the prior's own quantile).
    config
        Resolved config as written to ``config.yaml``.
    metadata
        ``masses_GeV``, ``coupling_range`` (the scanned range of the coupling), ``processes`` and ``projections``.
    expected
        Expected limits (``globalfit limits --expected``): the pinned columns of
        :data:`globalfit.frequentist.expected.EXPECTED_COLUMNS` and ``note``; None when not computed.
    intervals
        Every allowed interval of the coupling (:mod:`globalfit.frequentist.intervals`): the pinned columns of
        :data:`globalfit.frequentist.intervals.INTERVAL_COLUMNS` and ``note``, written to ``intervals.csv``; None when
        not computed.
    """

    table: Any
    config: dict
    metadata: dict = field(default_factory=dict)
    expected: Any = None
    intervals: Any = None

    def save(self, out_dir: Path, *, force: bool = False) -> Path:
        """Write limits.csv, expected_limits.csv and intervals.csv (when computed), config.yaml and plots/limits.png;
        refuses an existing folder unless ``force``."""
        from globalfit.frequentist.expected import EXPECTED_COLUMNS
        from globalfit.frequentist.intervals import INTERVAL_COLUMNS, INTERVALS_CSV
        from globalfit.plots import plot_limits

        out_dir = Path(out_dir)
        with staged_folder(out_dir, force=force) as tmp:
            self.table.reindex(columns=LIMITS_COLUMNS + ["prior_dominated"]).to_csv(tmp / "limits.csv", index=False)
            if self.expected is not None:
                self.expected.reindex(columns=EXPECTED_COLUMNS + ["note"]).to_csv(tmp / "expected_limits.csv",
                                                                                   index=False)
            if self.intervals is not None:
                self.intervals.reindex(columns=INTERVAL_COLUMNS + ["note"]).to_csv(tmp / INTERVALS_CSV, index=False)
            write_yaml(tmp / "config.yaml", self.config)
            (tmp / "plots").mkdir()
            from globalfit.plots.style import model_title

            plot_limits(self.table, tmp / "plots" / "limits.png", self.expected, self.metadata.get("projections", ()),
                        title=model_title(self.config))
        return out_dir


@dataclass
class CompareResult:
    """Evidences and Bayes factors of several charge assignments.

    Attributes
    ----------
    table
        One row per model, columns :data:`COMPARE_COLUMNS` (ln B relative to the first model).
    config
        Resolved config as written to ``config.yaml``.
    name
        Run name (title of the folder's README).
    """

    table: Any
    config: dict
    name: str = ""
    #: equal-weight posterior draws of each model (``{model: {parameter: array}}``), written to ``posteriors/``
    posteriors: dict = field(default_factory=dict)

    def save(self, out_dir: Path, *, force: bool = False) -> Path:
        """Write compare.csv, config.yaml, README.md and plots/bayes_factors.png; refuses an existing folder unless
        ``force``."""
        from globalfit.plots import plot_bayes_factors

        out_dir = Path(out_dir)
        with staged_folder(out_dir, force=force) as tmp:
            self.table.reindex(columns=COMPARE_COLUMNS).to_csv(tmp / "compare.csv", index=False)
            if self.posteriors:
                (tmp / "posteriors").mkdir()
                for model, draws in self.posteriors.items():
                    np.savez(tmp / "posteriors" / f"{_safe_name(model)}.npz", **draws)
            write_yaml(tmp / "config.yaml", self.config)
            (tmp / "plots").mkdir()
            plot_bayes_factors(self.table, tmp / "plots" / "bayes_factors.png")
            (tmp / "README.md").write_text(f"# Model comparison: {self.name}\n\n{self.text(brief=True)}\n\n{COMPARE_NOTE}\n")
        return out_dir

    def text(self, brief: bool = False) -> str:
        """The table as plain text (``brief``: model, ln B and its reading only)."""
        cols = ["model", "ln_bayes_factor", "jeffreys"] if brief else \
            ["model", "log_evidence", "log_evidence_err", "ln_bayes_factor", "jeffreys"]
        return self.table[cols].to_string(index=False)


def _safe_name(text: str) -> str:
    """A file name for a charge assignment (``B-3Lmu`` stays, ``a*b/c`` -> ``a_b_c``)."""
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text)


def save_nested_run(results, path: Path) -> None:
    """Write a dynesty ``Results`` as an ``.npz`` of its numeric arrays (:data:`NESTED_KEYS`)."""
    arrays = {k: np.asarray(results[k]) for k in NESTED_KEYS if k in results.keys() and results[k] is not None}
    np.savez(path, **arrays)


def load_nested_run(path: str | Path):
    """The nested run saved in a run folder (or an ``.npz`` file) as a dynesty ``Results`` object, ready for
    ``dynesty.plotting`` and ``dynesty.utils.merge_runs``/``jitter_run``.

    Raises
    ------
    DataError
        If there is no saved nested run.
    """
    from dynesty.results import Results as DynestyResults

    path = Path(path)
    f = path / NESTED_RUN if path.is_dir() else path
    if not f.is_file():
        raise DataError(f"{path}: no {NESTED_RUN} (only nested-sampling runs save their weighted run).")
    with np.load(f, allow_pickle=False) as z:
        items = {k: (z[k].item() if z[k].ndim == 0 else z[k]) for k in z.files}
    return DynestyResults(items)


def load_results(path: str | Path) -> RunResult:
    """Open a result folder written by ``globalfit run`` (or :meth:`RunResult.save`).

    Raises
    ------
    DataError
        If the folder or its ``posterior.nc`` is missing.
    """
    import pandas as pd

    from globalfit.inference import arviz_adapter

    path = Path(path)
    if not (path / "posterior.nc").is_file():
        raise DataError(f"{path} is not a globalfit result folder (no posterior.nc); run `globalfit run` first.")
    config = load_yaml(path / "config.yaml", "result config", error=DataError)
    ev = path / "evidence.json"
    return RunResult(posterior=arviz_adapter.load(path / "posterior.nc"),
                     summary=pd.read_csv(path / "summary.csv", index_col=0),
                     evidence=json.loads(ev.read_text()) if ev.is_file() else None, config=config,
                     metadata={k: config[k] for k in ("method", "runtime_s") if k in config}, path=path,
                     nested_run=load_nested_run(path) if (path / NESTED_RUN).is_file() else None)


#: Former name of :class:`RunResult` (``globalfit.Results``).
Results = RunResult
