"""Reading result folders: the small public API used by notebooks (``globalfit.load_results``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import yaml

from globalfit.errors import DataError


@dataclass
class Results:
    """A result folder of ``globalfit run`` (and, when present, of ``limits`` and ``compare`` next to it).

    Attributes
    ----------
    path
        The folder.
    """

    path: Path
    _cache: dict = field(default_factory=dict, repr=False)

    @cached_property
    def config(self) -> dict:
        """Resolved run config with versions, checksums and seed (``config.yaml``)."""
        return yaml.safe_load((self.path / "config.yaml").read_text())

    @cached_property
    def posterior(self):
        """ArviZ InferenceData (``posterior.nc``) with a ``log_likelihood`` group per dataset."""
        from globalfit.inference import arviz_adapter

        return arviz_adapter.load(self.path / "posterior.nc")

    @cached_property
    def summary(self):
        """Posterior summary table (``summary.csv``)."""
        import pandas as pd

        return pd.read_csv(self.path / "summary.csv", index_col=0)

    @cached_property
    def evidence(self) -> dict | None:
        """``{"log_evidence": ..., "log_evidence_err": ...}`` for nested sampling, else None."""
        p = self.path / "evidence.json"
        return json.loads(p.read_text()) if p.is_file() else None

    def _sibling(self, suffix: str, name: str) -> Path | None:
        for cand in (self.path / name, self.path.with_name(self.path.name + suffix) / name):
            if cand.is_file():
                return cand
        return None

    @cached_property
    def limits(self):
        """Frequentist limits (``limits.csv`` in the folder or in ``<folder>_limits``), or None."""
        import pandas as pd

        p = self._sibling("_limits", "limits.csv")
        return pd.read_csv(p) if p else None

    @cached_property
    def comparison(self):
        """Model comparison table (``compare.csv`` in the folder or in ``<folder>_compare``), or None."""
        import pandas as pd

        p = self._sibling("_compare", "compare.csv")
        return pd.read_csv(p) if p else None

    def draws(self, name: str) -> np.ndarray:
        """All posterior draws of a variable, flattened over chains."""
        return np.asarray(self.posterior.posterior[name].values).ravel()

    def log_likelihood_breakdown(self):
        """Per-dataset log-likelihood over the posterior: mean, sd and its value at the best draw."""
        import pandas as pd

        ll = self.posterior.log_likelihood
        total = sum(np.asarray(ll[v].values).ravel() for v in ll.data_vars)
        best = int(np.argmax(total))
        rows = [{"dataset": v, "mean": float(np.mean(ll[v].values)), "sd": float(np.std(ll[v].values)),
                 "at_best_draw": float(np.asarray(ll[v].values).ravel()[best])} for v in ll.data_vars]
        return pd.DataFrame(rows)


def load_results(path: str | Path) -> Results:
    """Open a result folder written by ``globalfit run``.

    Raises
    ------
    DataError
        If the folder or its ``posterior.nc`` is missing.
    """
    path = Path(path)
    if not (path / "posterior.nc").is_file():
        raise DataError(f"{path} is not a globalfit result folder (no posterior.nc); run `globalfit run` first.")
    return Results(path)
