"""2-D profile scans (``globalfit scan``): chi^2 on an n x n grid of two free theory parameters, the nuisances of
each dataset profiled (:func:`globalfit.frequentist.profile.profile_chi2`), for every dataset alone and combined.

Each row of the grid (one value of y) is one task of the executor; with a ``partial_dir`` each finished row is kept
there as a sealed piece (:class:`~globalfit.checkpoint.FinishedStore`, key ``row-<i>``), and ``resume`` computes only
the rows an interrupted scan had not finished (``globalfit scan --resume``). The pieces are sealed with the digest of
the resolved config and of the grid (axes, their values, the fixed parameters), so a resume with other axes, another
``--n`` or another config is refused. Delta chi^2 is taken from each term's minimum on
the grid, so the combined minimum is 0 by construction; the 68 % and 95 % regions of two parameters are
Delta chi^2 < 2.30 and < 5.99 (Wilks, 2 degrees of freedom). Other free theory parameters (a Z' mass, further
eps) stay fixed at the values of ``scan.at`` in the run config.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from globalfit.checkpoint import FinishedStore
from globalfit.errors import ConfigError
from globalfit.frequentist.profile import component_chi2
from globalfit.parameters import split_name

LOG = logging.getLogger("globalfit.scan")
#: Delta chi^2 of the 68 % and 95 % regions of two parameters (chi^2 quantiles with 2 degrees of freedom).
LEVELS_2D = {0.68: 2.30, 0.95: 5.99}
#: Pinned file name of the scan table in a scan folder.
SCAN_CSV = "scan2d.csv"


@dataclass
class _Row:
    """Picklable job: chi^2 along x at one y for every component alone and combined, shape (n_x, n_comp + 1)."""

    fit: Any
    x_name: str
    y_name: str
    xs: np.ndarray
    y: float
    fixed: dict[str, float]
    key: str = ""
    store: FinishedStore | None = None

    def __call__(self) -> np.ndarray:
        out = self._compute()
        if self.store is not None:
            self.store.put(self.key, out.tolist())
        return out

    def _compute(self) -> np.ndarray:
        n_comp = len(self.fit.components)
        out = np.empty((len(self.xs), n_comp + 1))
        for i, xv in enumerate(self.xs):
            values = self.fixed | {self.x_name: float(xv), self.y_name: self.y}
            for j in range(n_comp):
                try:
                    out[i, j] = component_chi2(self.fit, values, j)
                except Exception as exc:  # noqa: BLE001 - a failed point is NaN, never a lost scan
                    LOG.debug("%s = %g, %s = %g: %s", self.x_name, xv, self.y_name, self.y, exc)
                    out[i, j] = np.nan
        # the combined profile is the sum of the datasets' own (globalfit.frequentist.profile.profile_chi2)
        out[:, n_comp] = out[:, :n_comp].sum(axis=1)
        return out


def axis_grid(cfg, fit, name: str, n: int, given: tuple[float, float] | None) -> np.ndarray:
    """``n`` physical values of the free theory parameter ``name``: linear over ``given`` or its prior's bounds
    (log-spaced for a log-uniform prior).

    Raises
    ------
    ConfigError
        If ``name`` is not a free theory parameter, or has no finite range.
    """
    par = next((p for p in fit.free if p.name == name), None)
    theory = [p.name for p in fit.free if split_name(p.name)[0] is None]
    if par is None or split_name(name)[0] is not None:
        raise ConfigError(f"{name!r} is not a free theory parameter of this run (free: {', '.join(theory)})", "scan")
    if given is not None:
        lo, hi = float(given[0]), float(given[1])
    else:
        lo, hi = (float(par.to_physical(b)) for b in par.sampling_bounds())
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ConfigError(f"scan range of {name} must be finite and increasing (got {lo}, {hi}): set "
                          f"scan.{'x' if name == cfg.scan.x else 'y'}_range", "scan")
    if par.is_log and given is None:
        return np.geomspace(lo, hi, n)
    return np.linspace(lo, hi, n)


@dataclass
class Scan2DResult:
    """A 2-D profile scan: ``table`` (columns x, y, delta_chi2_<dataset>..., delta_chi2_combined, chi2_min_* in
    ``meta``), the parameter names and the resolved config."""

    table: Any
    x_name: str
    y_name: str
    config: dict
    meta: dict

    def grid(self, component: str = "combined") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x values, y values, Delta chi^2 [n_y, n_x]) of one component (``combined`` by default)."""
        xs, ys = np.unique(self.table["x"]), np.unique(self.table["y"])
        z = self.table.sort_values(["y", "x"])[f"delta_chi2_{component}"].to_numpy(float)
        return xs, ys, z.reshape(len(ys), len(xs))

    def combination(self, components: list[str]) -> np.ndarray:
        """Delta chi^2 [n_y, n_x] of the sum of several datasets (e.g. COHERENT CsI + LAr without the LHC), from their
        own columns and minima: exact, because each nuisance belongs to one dataset, so the profiled chi^2 of a sum
        is the sum of the profiled chi^2 (reference: the sum's minimum on the grid).

        Raises
        ------
        KeyError
            For a dataset that is not a column of the scan.
        """
        total = self.chi2_sum(components)
        return total - np.nanmin(total)

    def chi2_sum(self, components: list[str]) -> np.ndarray:
        """chi^2 [n_y, n_x] (not Delta chi^2) of the sum of several datasets; see :meth:`combination`."""
        return sum(self.grid(c)[2] + self.meta["chi2_min"][c] for c in components)

    def save(self, out_dir: Path, *, force: bool = False) -> Path:
        """Write scan2d.csv, config.yaml and plots/scan2d.png; refuses an existing folder unless ``force``."""
        from globalfit.output import staged_folder, write_yaml
        from globalfit.plots.scan2d import plot_scan2d

        out_dir = Path(out_dir)
        with staged_folder(out_dir, force=force) as tmp:
            self.table.to_csv(tmp / SCAN_CSV, index=False)
            write_yaml(tmp / "config.yaml", self.config | {"scan2d": self.meta})
            (tmp / "plots").mkdir()
            plot_scan2d(self, tmp / "plots" / "scan2d.png")
        return out_dir


def scan2d(cfg, x: str | None = None, y: str | None = None, n: int | None = None, *,
           partial_dir: str | Path | None = None, resume: bool = False) -> Scan2DResult:
    """Profile chi^2 of every dataset and combined on an n x n grid in (x, y) (module docstring), in memory.

    Parameters
    ----------
    cfg
        :class:`globalfit.config.RunConfig`; its ``scan:`` block gives the defaults of ``x``, ``y``, ``n``, the ranges
        and the values of the other free theory parameters (``scan.at``, physical units, GeV for masses).
    x, y
        Names of two free theory parameters (e.g. ``eps_u_ee``, ``eps_u_mumu``).
    n
        Grid points per axis.
    partial_dir
        Folder where each finished row is kept (sealed JSON) until the caller removes it; None keeps nothing.
    resume
        Take the rows finished by an interrupted scan from ``partial_dir`` and compute only the others.

    Raises
    ------
    ConfigError
        For a missing or unknown axis, equal axes, or another free theory parameter without a value in ``scan.at``.
    CheckpointError
        On resume, for rows written by another globalfit version, for another config or another grid.
    """
    import pandas as pd

    from globalfit.checkpoint import checkpoint_meta
    from globalfit.executor import call, default_processes, parallel_map
    from globalfit.model import Fit
    from globalfit.output import resolved_config, resume_config

    sc = cfg.scan
    x, y, n = x or sc.x, y or sc.y, int(n or sc.n)
    if not x or not y:
        raise ConfigError("a 2-D scan needs two parameters: --x NAME --y NAME (or scan.x, scan.y)", "scan")
    if x == y:
        raise ConfigError(f"the two scan axes are the same parameter {x!r}", "scan")
    fit = Fit(cfg)
    xs = axis_grid(cfg, fit, x, n, sc.x_range)
    ys = axis_grid(cfg, fit, y, n, sc.y_range)
    others = [p.name for p in fit.free if split_name(p.name)[0] is None and p.name not in (x, y)]
    missing = [p for p in others if p not in sc.at]
    if missing:
        raise ConfigError(f"the 2-D scan holds the other theory parameters fixed: give {', '.join(missing)} in scan.at",
                          "scan.at")
    fixed = {k: float(sc.at[k]) for k in others}
    labels = [c.id for c in fit.components] + ["combined"]
    groups = _groups(sc.groups, labels)  # checked before the work
    procs = sc.processes or default_processes()
    resolved = resolved_config(cfg, fit)
    store = None
    if partial_dir is not None:
        grid = {"x": x, "y": y, "xs": xs.tolist(), "ys": ys.tolist(), "at": fixed}
        digest = resume_config(resolved) | {"scan": {k: v for k, v in resolved.get("scan", {}).items()
                                                     if k != "processes"}, "scan2d_grid": grid}
        store = FinishedStore(partial_dir, checkpoint_meta(digest))
    finished = store.load() if (store is not None and resume) else {}
    jobs = [_Row(fit, x, y, xs, float(yv), fixed, f"row-{i:04d}", store) for i, yv in enumerate(ys)]
    todo = [job for job in jobs if job.key not in finished]
    if finished:
        LOG.info("resuming: %d of %d rows finished earlier", len(jobs) - len(todo), len(jobs))
    LOG.info("2-D scan of %s x %s: %d x %d points x %d datasets (+ combined) in %d process(es)", x, y, n, n,
             len(fit.components), procs)
    done = dict(zip((job.key for job in todo), parallel_map(call, todo, procs, progress="scan (rows done)")))
    # a stored row is the JSON list of its [n_x, n_comp + 1] values (NaN kept)
    chi = np.stack([done[job.key] if job.key in done else np.asarray(finished[job.key], float) for job in jobs])
    gx, gy = np.meshgrid(xs, ys)
    data: dict[str, Any] = {"x": gx.ravel(), "y": gy.ravel()}
    minima = {}
    for k, lab in enumerate(labels):
        z = chi[:, :, k]
        finite = np.isfinite(z)
        minima[lab] = float(np.min(z[finite])) if finite.any() else float("nan")
        data[f"delta_chi2_{lab}"] = (z - minima[lab]).ravel()
    meta = {"x": x, "y": y, "n": n, "at": fixed, "levels_delta_chi2": {str(k): v for k, v in LEVELS_2D.items()},
            "chi2_min": minima}
    result = Scan2DResult(pd.DataFrame(data), x, y, resolved, meta)
    for name, ids in groups.items():
        # the table's rows are in the (y, x) order of the meshgrid, as grid() returns them
        z = result.chi2_sum(ids)
        minima[name] = float(np.nanmin(z))
        result.table[f"delta_chi2_{name}"] = (z - minima[name]).ravel()
    meta["groups"] = {k: list(v) for k, v in groups.items()}
    return result


def _groups(groups: dict[str, list[str]], labels: list[str]) -> dict[str, list[str]]:
    """``scan.groups`` checked: each a new name and a list of at least two datasets of the run.

    Raises
    ------
    ConfigError
        For a name that is already a column, or a dataset that is not in the run.
    """
    for name, ids in groups.items():
        where = f"scan.groups.{name}"
        if name in labels:
            raise ConfigError(f"scan group {name!r} has the name of a dataset or of the combination", where)
        unknown = [i for i in ids if i not in labels[:-1]]
        if unknown or len(set(ids)) < 2:
            raise ConfigError(f"scan group {name!r} must list two or more datasets of this run (unknown: "
                              f"{', '.join(unknown) or 'none'}; datasets: {', '.join(labels[:-1])})", where)
    return groups


def load_scan(folder: str | Path) -> Scan2DResult:
    """Open a folder written by ``globalfit scan`` (:meth:`Scan2DResult.save`): its table, axes and metadata.

    Raises
    ------
    DataError
        If ``folder`` has no scan2d.csv or its config.yaml lacks the ``scan2d`` block.
    """
    import pandas as pd

    from globalfit.errors import DataError
    from globalfit.safe_yaml import load_yaml

    folder = Path(folder)
    if not (folder / SCAN_CSV).is_file():
        raise DataError(f"{folder} is not a 2-D scan folder (no {SCAN_CSV}); run `globalfit scan` first")
    config = load_yaml(folder / "config.yaml", "scan config", error=DataError) if (folder / "config.yaml").is_file() \
        else {}
    meta = config.pop("scan2d", None) if isinstance(config, dict) else None
    if not isinstance(meta, dict) or "x" not in meta or "y" not in meta:
        raise DataError(f"{folder}/config.yaml has no scan2d block naming the axes; rerun `globalfit scan`")
    return Scan2DResult(pd.read_csv(folder / SCAN_CSV), str(meta["x"]), str(meta["y"]), config, meta)
