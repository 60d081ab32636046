"""Every allowed interval of the coupling at fixed mass (``intervals.csv`` of ``globalfit limits``).

An upper limit assumes the allowed set is [0, upper]. It is not always: COHERENT leaves a second, degenerate region
where the NSI flips the sign of the nuclear weak charge (paper 001 Fig. 2 and its ref. [22]; the eps_mumu pieces of
tests/test_coherent.py), and a beam dump leaves an island of couplings too large to reach the detector. Here the
profiled chi^2 (:func:`globalfit.frequentist.profile.profile_chi2`) is sampled on a coupling grid, the reference is
its minimum on the grid (as for the upper limits), and every run of grid points with Delta chi^2 < ``level`` is one
allowed interval; its inner edges are refined by root finding of chi^2(c) - chi^2_min - level in the bracketing
grid cell. An interval that reaches an end of the scanned range ends there (``note`` says so): nothing beyond the
range is claimed.

The grid is the union of a log-spaced and a linear grid over the coupling range (:func:`interval_grid`): the log
part resolves small couplings, the linear part the narrow degenerate bands at large couplings (a band of width 0.015
at eps = 0.09 falls between two points of a 60-point log grid over four decades).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from globalfit.checkpoint import FinishedStore
from globalfit.frequentist.profile import N_GRID, coupling_sign, limit_parameter, profile_chi2
from globalfit.frequentist.scan import _chunks

LOG = logging.getLogger("globalfit.limits")
#: Pinned columns of intervals.csv (``interval`` numbers the allowed intervals of one mass and component from 0,
#: lowest coupling first); ``note`` follows them.
INTERVAL_COLUMNS = ["mass_GeV", "component", "level", "parameter", "lower", "upper", "interval"]
INTERVALS_CSV = "intervals.csv"
#: Points of the linear part of the interval grid (the log part has :data:`globalfit.frequentist.profile.N_GRID`).
N_LINEAR = 40


@dataclass(frozen=True)
class Interval:
    """One allowed interval [lower, upper] of the coupling (physical units); ``*_at_range_end`` when that edge is an
    end of the scanned range rather than a Delta chi^2 crossing."""

    lower: float
    upper: float
    lower_at_range_end: bool = False
    upper_at_range_end: bool = False

    @property
    def note(self) -> str:
        """Which edges are range ends (``""`` when both are crossings)."""
        ends = [w for w, flag in (("lower", self.lower_at_range_end), ("upper", self.upper_at_range_end)) if flag]
        return " and ".join(ends) + " edge at the end of the coupling range" if ends else ""


def _edge(f: Callable[[float], float] | None, a: float, b: float, chi_a: float, chi_b: float, target: float,
          log: bool) -> float:
    """The crossing chi^2 = ``target`` between grid points a < b (chi^2 on opposite sides of the target): root of
    ``f`` (in log c when ``log``), else the linear interpolation of the two grid values."""
    from scipy.optimize import brentq

    fa, fb = (np.log10(a), np.log10(b)) if log else (a, b)
    linear = fa + (target - chi_a) / (chi_b - chi_a) * (fb - fa)
    root = linear
    if f is not None:
        to_c = (lambda t: 10.0**t) if log else (lambda t: t)
        try:
            root = brentq(lambda t: f(to_c(t)) - target, fa, fb, xtol=1e-9 if not log else 1e-7)
        except ValueError:  # f disagrees with the grid values (an optimiser's noise): keep the interpolation
            LOG.debug("no sign change of chi^2 - target in [%g, %g]; edge interpolated", a, b)
    return float(10.0**root if log else root)


def allowed_intervals(c: np.ndarray, chi: np.ndarray, level: float, f: Callable[[float], float] | None = None, *,
                      log: bool = False) -> list[Interval]:
    """Every interval of ``c`` where ``chi - min(chi) < level``, inner edges refined by root finding of ``f``.

    Parameters
    ----------
    c
        Increasing coupling grid (physical units; positive when ``log``).
    chi
        chi^2 on ``c`` (a non-finite value counts as excluded).
    level
        Delta chi^2 of the edges (4 for the 2-sigma convention of ``limits.delta_chi2``).
    f
        chi^2 as a function of the coupling, for the root finding; None interpolates linearly between grid points.
    log
        Find the roots in log10 c (for log-spaced grids).

    Returns
    -------
    list of Interval
        Lowest coupling first; empty when no point is finite.
    """
    c, chi = np.asarray(c, float), np.asarray(chi, float)
    if c.shape != chi.shape or c.ndim != 1 or np.any(np.diff(c) <= 0):
        raise ValueError("allowed_intervals needs an increasing 1-D grid and chi^2 values of the same length")
    finite = np.isfinite(chi)
    if not finite.any():
        return []
    target = float(np.min(chi[finite])) + level
    allowed = finite & (np.where(finite, chi, np.inf) < target)
    out = []
    i, n = 0, len(c)
    while i < n:
        if not allowed[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and allowed[j + 1]:
            j += 1
        # a non-finite neighbour gives no crossing to refine: the edge is the last allowed grid point
        lower = c[0] if i == 0 else (_edge(f, c[i - 1], c[i], chi[i - 1], chi[i], target, log)
                                     if finite[i - 1] else c[i])
        upper = c[-1] if j == n - 1 else (_edge(f, c[j], c[j + 1], chi[j], chi[j + 1], target, log)
                                          if finite[j + 1] else c[j])
        out.append(Interval(float(lower), float(upper), i == 0, j == n - 1))
        i = j + 1
    return out


def interval_grid(coupling_range: tuple[float, float]) -> np.ndarray:
    """Couplings of an interval scan: :data:`N_GRID` log-spaced and :data:`N_LINEAR` equally spaced points over
    ``coupling_range`` (physical, positive), merged and sorted (module docstring)."""
    lo, hi = float(coupling_range[0]), float(coupling_range[1])
    return np.unique(np.concatenate([np.geomspace(lo, hi, N_GRID), np.linspace(lo, hi, N_LINEAR)]))


def interval_rows(fit, mass: float, level: float, coupling_range: tuple[float, float]) -> list[dict]:
    """Rows of intervals.csv at one mass (GeV): every allowed interval of |c| (c the coupling, negative with
    ``limits.sign: negative``, as in limits.csv) for each dataset alone and all combined. A component whose scan
    fails gives one row with NaN edges and the reason, never a lost mass."""
    name, sign = fit.theory.coupling_name, coupling_sign(fit)
    grid = interval_grid(coupling_range)
    base = {"mass_GeV": float(mass), "level": float(level), "parameter": limit_parameter(fit)}
    rows = []
    for comps, label in [([j], comp.id) for j, comp in enumerate(fit.components)] + [(None, "combined")]:
        if comps is None and len(fit.components) == 1:  # one dataset: the combination is that dataset, scanned once
            rows += [r | {"component": label} for r in rows]
            break

        def f(cval, comps=comps):
            return profile_chi2(fit, {name: sign * cval, "mass_GeV": mass}, comps)

        try:
            found = allowed_intervals(grid, np.array([f(cv) for cv in grid]), level, f, log=True)
        except Exception as exc:  # noqa: BLE001 - a failed point is NaN, never a lost scan
            rows.append(base | {"component": label, "lower": np.nan, "upper": np.nan, "interval": 0,
                                "note": f"{type(exc).__name__}: {exc}"})
            continue
        rows += [base | {"component": label, "lower": iv.lower, "upper": iv.upper, "interval": k, "note": iv.note}
                 for k, iv in enumerate(found)]
    return rows


@dataclass
class _Job:
    """Picklable job: interval rows for a chunk of masses, each mass stored when done (resume skips it)."""

    fit: Any
    masses: list[tuple[str, float]]  # (store key, mass in GeV)
    level: float
    coupling_range: tuple[float, float]
    store: FinishedStore | None = None

    def __call__(self) -> list[dict]:
        rows = []
        for key, m in self.masses:
            done = interval_rows(self.fit, m, self.level, self.coupling_range)
            if self.store is not None:
                self.store.put(key, done)
            rows += done
        return rows


def limits_intervals(cfg, result, *, partial_dir: str | Path | None = None, resume: bool = False):
    """The allowed intervals at the masses of a :class:`~globalfit.results.LimitsResult` (its ``masses_GeV`` and
    ``coupling_range``, level ``limits.delta_chi2``), set as ``result.intervals`` (a table with
    :data:`INTERVAL_COLUMNS` and ``note``) and returned.

    Parameters
    ----------
    cfg
        The :class:`~globalfit.config.RunConfig` the limits were computed for.
    result
        Its :class:`~globalfit.results.LimitsResult`.
    partial_dir
        The limits' partial folder: each finished mass is kept there (key ``intervals-<i>``, sealed with the same
        config digest as the limits' pieces) until the caller removes it.
    resume
        Take the masses finished by an interrupted run from ``partial_dir``.

    Raises
    ------
    CheckpointError
        On resume, for pieces written by another globalfit version or for another config.
    """
    import pandas as pd

    from globalfit.checkpoint import checkpoint_meta
    from globalfit.executor import call, default_processes, parallel_map
    from globalfit.model import Fit
    from globalfit.output import resume_config

    fit = Fit(cfg)
    masses = [float(m) for m in result.metadata["masses_GeV"]]
    crange = tuple(float(x) for x in result.metadata["coupling_range"])
    store = None if partial_dir is None else FinishedStore(partial_dir, checkpoint_meta(resume_config(result.config)))
    finished = {k: v for k, v in store.load().items() if k.startswith("intervals-")} if (store and resume) else {}
    items = [(f"intervals-{i:04d}", m) for i, m in enumerate(masses)]
    todo = [x for x in items if x[0] not in finished]
    procs = cfg.limits.processes or default_processes()
    chunks = _chunks(todo, procs)
    LOG.info("allowed intervals: %d of %d masses to scan", len(todo), len(items))
    done = parallel_map(call, [_Job(fit, ch, cfg.limits.delta_chi2, crange, store) for ch in chunks], procs,
                        progress="intervals (chunks done)")
    rows = [r for chunk in done for r in chunk] + [r for key, _ in items if key in finished for r in finished[key]]
    table = pd.DataFrame(rows, columns=INTERVAL_COLUMNS + ["note"])
    table = table.sort_values(["mass_GeV", "component", "interval"], kind="stable").reset_index(drop=True)
    for (m, comp), grp in table.groupby(["mass_GeV", "component"], sort=False):
        if len(grp) > 1:
            pieces = ", ".join(f"[{lo:.3g}, {hi:.3g}]" for lo, hi in zip(grp["lower"], grp["upper"]))
            LOG.info("M = %.4g GeV, %s: %d allowed intervals %s", m, comp, len(grp), pieces)
    result.intervals = table
    return result
