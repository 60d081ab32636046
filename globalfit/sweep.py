"""``globalfit sweep``: the limits of :mod:`globalfit.frequentist.scan` over charge assignments, dataset sets and masses.

The ``sweep:`` block (:class:`globalfit.config.SweepConfig`) lists charge assignments and/or a grid in paper 004's
r-basis (eq. 2: X = r_BL (B-L) + r_mutau (Lmu-Ltau) + r_mue (Lmu-Le)); every charge point is combined with every
dataset set. Each (point, mass) gets the rows of :func:`~globalfit.frequentist.scan.scan_mass` (profile Delta chi^2
per dataset and combined, CLs for counting datasets), exactly as ``globalfit limits`` on that point alone computes
them. The table carries the sweep coordinates (the charges, their r-basis coordinates, the dataset set) and M/g'.

Work goes through the executor in tasks of one point and a share of its masses (at least as many tasks as the
executor has slots); each worker builds and compiles a point's Fit once (:func:`globalfit.executor.worker_cached`).
Each finished (point, mass) is kept in a :class:`~globalfit.checkpoint.FinishedStore`, so ``--resume`` skips it. A
point whose task fails (no sensitive dataset, a worker lost) gets NaN rows with the reason in ``note``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from globalfit.checkpoint import FinishedStore
from globalfit.errors import ConfigError

LOG = logging.getLogger("globalfit.sweep")

R_KEYS = ("r_BL", "r_mutau", "r_mue")
#: Columns of sweep.csv: the sweep coordinates, then the columns of limits.csv, then M/g'.
SWEEP_COLUMNS = ["point", "charges", *R_KEYS, "q", "e", "mu", "tau", "datasets", "mass_GeV", "component", "method",
                 "level", "parameter", "upper", "M_over_g_GeV", "note"]


@dataclass(frozen=True)
class SweepPoint:
    """One point of a sweep: a charge assignment (its canonical expression and r-basis coordinates) and a dataset set.

    Attributes
    ----------
    index
        Position in the sweep (``point`` column).
    charges
        Canonical expression of the charges (``B-3Lmu``), as :func:`~globalfit.physics.charges.parse_charges` reads it.
    r
        ``(r_BL, r_mutau, r_mue)`` of paper 004 eq. 2, exact rationals.
    datasets
        Ids of the dataset set, or None for the run's own datasets.
    """

    index: int
    charges: str
    r: tuple[Fraction, Fraction, Fraction]
    datasets: tuple[str, ...] | None = None

    @property
    def datasets_label(self) -> str:
        return "+".join(self.datasets) if self.datasets else "run"


def r_coordinates(ca) -> tuple[Fraction, Fraction, Fraction]:
    """Paper 004 eq. 2 inverted: ``(r_BL, r_mutau, r_mue)`` of an anomaly-free assignment (Q_q = r_BL/3,
    Q_e = -r_BL - r_mue, Q_tau = -r_BL - r_mutau; Q_mu follows from the anomaly condition)."""
    r_bl = 3 * ca.q
    return r_bl, -ca.tau - r_bl, -ca.e - r_bl


def _axis(value: Any) -> list[Fraction]:
    """Values of one grid axis: a number, or ``{start, stop, num}`` equally spaced (exact, so that 1/2 is on a grid
    from -1 to 2 in 21 steps)."""
    if not hasattr(value, "num"):
        return [Fraction(str(value))]
    start, stop = Fraction(str(value.start)), Fraction(str(value.stop))
    if value.num == 1:
        return [start]
    return [start + i * (stop - start) / (value.num - 1) for i in range(value.num)]


def sweep_points(cfg) -> list[SweepPoint]:
    """The points of ``cfg.sweep``: the charge list, then the grid (r_BL slowest), each with every dataset set.

    Raises
    ------
    ConfigError
        Without a ``sweep:`` block, outside u1 mode, or for a charge point that cannot be parsed or is anomalous.
    """
    from globalfit.errors import GlobalfitError
    from globalfit.physics.charges import parse_charges

    if cfg.sweep is None:
        raise ConfigError("the run config has no 'sweep:' block (charges or grid, datasets, masses_GeV)", "sweep")
    if cfg.model.type != "u1":
        raise ConfigError("a sweep over charge assignments needs model type u1", "model.type")
    specs: list[tuple[str, Any]] = [(f"sweep.charges[{i}]", c) for i, c in enumerate(cfg.sweep.charges)]
    if cfg.sweep.grid:
        axes = [_axis(cfg.sweep.grid.get(k, 0)) for k in R_KEYS]
        specs += [("sweep.grid", {k: str(v) for k, v in zip(R_KEYS, r)}) for r in itertools.product(*axes)]
    charges = []
    for where, spec in specs:
        try:
            ca = parse_charges(spec)
        except GlobalfitError as exc:
            raise ConfigError(str(exc), where) from None
        if ca.q == ca.e == ca.mu == ca.tau == 0:
            continue  # r = 0: no Z' couplings, nothing to limit
        charges.append(ca)
    sets = [tuple(s) for s in cfg.sweep.datasets] if cfg.sweep.datasets else [None]
    return [SweepPoint(i, ca.expression(), r_coordinates(ca), ds)
            for i, (ca, ds) in enumerate(itertools.product(charges, sets))]


def point_config(cfg, point: SweepPoint):
    """The run config of one point: its charges, and its dataset set (each id in the section the catalogue has it in,
    with the options the run gives it, if any)."""
    from globalfit.catalogue import Catalogue
    from globalfit.config import DatasetRef

    new = cfg.with_charges(point.charges)
    new.sweep = None
    if point.datasets is not None:
        options = {r.id: r.options for r in [*cfg.likelihoods, *cfg.priors]}
        cat = Catalogue(allow_shadowing=cfg.allow_shadowing)
        new.likelihoods, new.priors = [], []
        for i in point.datasets:
            section = "likelihoods" if i in cat.ids("likelihoods") else "priors"
            getattr(new, section).append(DatasetRef(id=i, options=dict(options.get(i, {}))))
    return new


def sweep_masses(cfg) -> list[float]:
    """Masses [GeV] of the sweep: ``sweep.masses_GeV``, else the ``limits:`` grid."""
    m = cfg.sweep.masses_GeV
    if m is None:
        return [float(x) for x in cfg.limits.mass_grid()]
    if isinstance(m, list):
        return [float(x) for x in m]
    return [float(x) for x in np.geomspace(m.start, m.stop, m.num)]


def _digest(cfg) -> str:
    return hashlib.sha256(json.dumps(cfg.resolved_dict(), sort_keys=True).encode()).hexdigest()


@dataclass
class _PointTask:
    """Picklable task: the limits of one sweep point at some of its masses, each stored when done."""

    point: SweepPoint
    cfg: Any  # the point's RunConfig
    masses: list[tuple[str, float]]  # (store key, mass in GeV)
    store: FinishedStore | None = None
    digest: str = field(default="")

    def __call__(self) -> list[dict]:
        from globalfit.executor import worker_cached
        from globalfit.frequentist.scan import coupling_range, scan_mass
        from globalfit.model import Fit

        # one Fit (and one compilation) per point and worker, however many tasks of the point it runs
        fit = worker_cached(("sweep-fit", self.digest), lambda: Fit(self.cfg))
        crange = coupling_range(self.cfg, fit)
        lim = self.cfg.limits
        rows = []
        for key, m in self.masses:
            done = [_with_coordinates(r, self.point) for r in scan_mass(fit, m, lim.delta_chi2, crange, lim.cls_level)]
            if self.store is not None:
                self.store.put(key, done)
            rows += done
        return rows


def _with_coordinates(row: dict, point: SweepPoint) -> dict:
    """A limits row with the sweep coordinates and M/g' [GeV] (NaN without a limit)."""
    from globalfit.physics.charges import parse_charges

    ca = parse_charges(point.charges)
    upper = float(row["upper"])
    out = {"point": point.index, "charges": point.charges, **{k: float(v) for k, v in zip(R_KEYS, point.r)},
           **ca.as_dict(), "datasets": point.datasets_label, **row}
    out["M_over_g_GeV"] = float(row["mass_GeV"]) / upper if (math.isfinite(upper) and upper > 0) else math.nan
    return out


def _failed_rows(task: _PointTask, exc: BaseException) -> list[dict]:
    """NaN rows (component ``combined``) for the masses of a task that failed, with the reason."""
    reason = f"{type(exc).__name__}: {exc}"
    return [_with_coordinates({"mass_GeV": m, "component": "combined", "method": "delta_chi2_profile",
                               "level": task.cfg.limits.delta_chi2, "parameter": "gprime", "upper": math.nan,
                               "note": reason}, task.point) for _, m in task.masses]


def _tasks(points, configs, masses, finished, store, slots: int) -> list[_PointTask]:
    """Tasks of one point and a share of its unfinished masses: one per point, or more per point when the executor
    has more slots than there are points (a 100-worker cluster on 20 points)."""
    per_point = max(1, math.ceil(slots / max(1, len(points))))
    tasks = []
    for p in points:
        todo = [(f"p{p.index:05d}-m{j:04d}", m) for j, m in enumerate(masses)]
        todo = [x for x in todo if x[0] not in finished]
        digest = _digest(configs[p.index])
        for k in range(per_point):
            if todo[k::per_point]:
                tasks.append(_PointTask(p, configs[p.index], todo[k::per_point], store, digest))
    return tasks


def sweep(cfg, *, partial_dir=None, resume: bool = False):
    """Limits over the points of ``cfg.sweep`` (module docstring), in memory.

    Parameters
    ----------
    cfg
        :class:`globalfit.config.RunConfig` of model type u1 with a ``sweep:`` block.
    partial_dir
        Folder where each finished (point, mass) is kept until the caller removes it; None keeps nothing.
    resume
        Take the finished (point, mass) pairs from ``partial_dir`` and compute only the others.

    Returns
    -------
    SweepResult
        ``.table`` (columns :data:`SWEEP_COLUMNS`); ``.save(dir)`` writes sweep.csv, config.yaml, plots/sweep.png.
    """
    import pandas as pd

    from globalfit.checkpoint import checkpoint_meta
    from globalfit.executor import call, default_processes, parallel_map
    from globalfit.output import resume_config

    points = sweep_points(cfg)
    masses = sweep_masses(cfg)
    configs = {p.index: point_config(cfg, p) for p in points}
    resolved = cfg.resolved_dict()
    resolved["sweep_points"] = [{"point": p.index, "charges": p.charges, "datasets": p.datasets_label} for p in points]
    store = None if partial_dir is None else FinishedStore(partial_dir, checkpoint_meta(resume_config(resolved)))
    finished = store.load() if (store is not None and resume) else {}
    slots = cfg.limits.processes or default_processes()
    tasks = _tasks(points, configs, masses, finished, store, slots)
    if finished:
        LOG.info("resuming: %d of %d (point, mass) pairs finished earlier", len(finished), len(points) * len(masses))
    LOG.info("sweep: %d points x %d masses in %d task(s)", len(points), len(masses), len(tasks))
    results = parallel_map(call, tasks, slots, progress="sweep (tasks done)", on_error=_failed_rows,
                           compiles=True)
    rows = [r for chunk in results for r in chunk] + [r for key in sorted(finished) for r in finished[key]]
    table = pd.DataFrame(rows).reindex(columns=SWEEP_COLUMNS)
    table = table.sort_values(["point", "mass_GeV", "method", "component"], kind="stable").reset_index(drop=True)
    meta = {"points": len(points), "masses_GeV": masses}
    return SweepResult(table, resolved, meta)


@dataclass
class SweepResult:
    """Limits over a sweep.

    Attributes
    ----------
    table
        One row per (point, mass, component, method), columns :data:`SWEEP_COLUMNS`.
    config
        Resolved config (with the list of points) as written to ``config.yaml``.
    metadata
        ``points`` (how many) and ``masses_GeV``.
    """

    table: Any
    config: dict
    metadata: dict = field(default_factory=dict)

    def save(self, out_dir: Path, *, force: bool = False) -> Path:
        """Write sweep.csv, config.yaml and plots/sweep.png; refuses an existing folder unless ``force``."""
        from globalfit.output import staged_folder, write_yaml
        from globalfit.plots.sweep import plot_sweep

        out_dir = Path(out_dir)
        with staged_folder(out_dir, force=force) as tmp:
            self.table.to_csv(tmp / "sweep.csv", index=False)
            write_yaml(tmp / "config.yaml", self.config)
            (tmp / "plots").mkdir()
            plot_sweep(self.table, tmp / "plots" / "sweep.png")
        return out_dir
