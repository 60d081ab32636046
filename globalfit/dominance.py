"""Who dominates where: for each mass, the dataset with the strongest (smallest) upper limit on the coupling, and the
mass ranges over which each dataset leads (the summary of paper 002 sec. 6, for any charges).

The limits are the profile Delta chi^2 limits of every dataset alone (:mod:`globalfit.frequentist.profile`), computed
here on the mass grid of the run config (or read from an existing ``limits.csv``); ``combined``, the theory bound
and the Bayesian cross-check are not datasets and take no part.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

LOG = logging.getLogger("globalfit.map")
#: limits.csv components that are not datasets.
NOT_DATASETS = ("combined", "width_bound")


def dataset_limits(table):
    """The per-dataset profile Delta chi^2 limits of a limits table: rows (mass_GeV, component, upper)."""
    t = table[(table["method"] == "delta_chi2_profile") & ~table["component"].isin(NOT_DATASETS)]
    return t[["mass_GeV", "component", "upper"]].reset_index(drop=True)


def dominant(table):
    """For each mass of a limits table, the dataset with the smallest finite limit: columns mass_GeV, dataset, upper
    (dataset empty and upper NaN where no dataset sets a limit)."""
    import pandas as pd

    rows = []
    for m, g in dataset_limits(table).groupby("mass_GeV", sort=True):
        g = g[np.isfinite(g["upper"])]
        best = g.loc[g["upper"].idxmin()] if len(g) else None
        rows.append({"mass_GeV": float(m), "dataset": "" if best is None else best["component"],
                     "upper": np.nan if best is None else float(best["upper"])})
    return pd.DataFrame(rows, columns=["mass_GeV", "dataset", "upper"])


def mass_ranges(dom):
    """Contiguous runs of masses led by one dataset: columns dataset, mass_min_GeV, mass_max_GeV, n_masses (first and
    last grid mass of the run; the true boundary lies between grid points)."""
    import pandas as pd

    rows = []
    for ds, m in zip(dom["dataset"], dom["mass_GeV"]):
        if rows and rows[-1]["dataset"] == ds:
            rows[-1]["mass_max_GeV"] = m
            rows[-1]["n_masses"] += 1
        else:
            rows.append({"dataset": ds, "mass_min_GeV": m, "mass_max_GeV": m, "n_masses": 1})
    out = pd.DataFrame(rows, columns=["dataset", "mass_min_GeV", "mass_max_GeV", "n_masses"])
    return out[out["dataset"] != ""].reset_index(drop=True)


@dataclass
class _MassJob:
    """Picklable job: profile Delta chi^2 limits of every dataset at a chunk of masses (one compile per worker)."""

    fit: object
    masses: list[float]
    delta_chi2: float
    coupling_range: tuple[float, float]

    def __call__(self) -> list[dict]:
        from globalfit.frequentist.profile import delta_chi2_rows

        return [r for m in self.masses for r in delta_chi2_rows(self.fit, m, self.delta_chi2, self.coupling_range)]


@dataclass
class DominanceResult:
    """Output of :func:`dominance_map`: the per-dataset limits, the leader per mass and the mass ranges."""

    limits: object
    dominant: object
    ranges: object
    title: str = ""

    def text(self) -> str:
        """The mass ranges as a plain table."""
        if not len(self.ranges):
            return "no dataset sets a limit on this mass grid"
        return self.ranges.to_string(index=False, float_format=lambda x: f"{x:.4g}")

    def save(self, out_dir, *, force: bool = False):
        """Write ``dominance.csv`` (leader per mass), ``mass_ranges.csv``, ``limits.csv`` and ``plots/map.png``."""
        from pathlib import Path

        from globalfit.output import staged_folder
        from globalfit.plots.dominance import plot_map

        out_dir = Path(out_dir)
        with staged_folder(out_dir, force=force) as tmp:
            self.dominant.to_csv(tmp / "dominance.csv", index=False)
            self.ranges.to_csv(tmp / "mass_ranges.csv", index=False)
            self.limits.to_csv(tmp / "limits.csv", index=False)
            plot_map(self.limits, self.dominant, tmp / "plots" / "map.png", title=self.title)
        return out_dir


def from_table(table, title: str = "") -> DominanceResult:
    """The map of an existing limits table (``limits.csv``)."""
    lim = dataset_limits(table)
    dom = dominant(table)
    return DominanceResult(lim, dom, mass_ranges(dom), title)


def dominance_map(cfg, charges: str | None = None, masses=None, processes: int | None = None,
                  catalogue=None) -> DominanceResult:
    """Per-dataset limits on the mass grid of ``cfg`` (or ``masses``, GeV) for its charges (or ``charges``), and who
    leads where (datasets found through ``catalogue``, default the installed one; see
    :func:`globalfit.projections.projected_dominance` for data + projections).

    Raises
    ------
    ConfigError
        For model type eft (no Z' mass).
    """
    import pandas as pd

    from globalfit.executor import call, default_processes, parallel_map
    from globalfit.frequentist.scan import _chunks, coupling_range, require_mass_model
    from globalfit.model import Fit
    from globalfit.plots.style import model_title

    require_mass_model(cfg)
    if charges:
        cfg = cfg.with_charges(charges)
    fit = Fit(cfg, catalogue=catalogue)
    grid = [float(m) for m in (masses if masses is not None else cfg.limits.mass_grid())]
    procs = processes or cfg.limits.processes or default_processes()
    jobs = [_MassJob(fit, c, cfg.limits.delta_chi2, coupling_range(cfg, fit)) for c in _chunks(grid, procs)]
    LOG.info("map: %d masses x %d datasets for %s", len(grid), len(fit.components), cfg.model.charges or cfg.model.type)
    rows = [r for chunk in parallel_map(call, jobs, procs, progress="map (chunks done)") for r in chunk]
    table = pd.DataFrame(rows)
    table["method"] = "delta_chi2_profile"
    return from_table(table, model_title(cfg.resolved_dict()))
