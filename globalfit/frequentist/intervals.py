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
from typing import Callable

import numpy as np

from globalfit.frequentist.profile import coupling_profiles, limit_parameter, log_grid

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
    """Couplings of an interval scan: the :func:`~globalfit.frequentist.profile.log_grid` and :data:`N_LINEAR`
    equally spaced points over ``coupling_range`` (physical, positive), merged and sorted (module docstring)."""
    lo, hi = float(coupling_range[0]), float(coupling_range[1])
    return np.unique(np.concatenate([log_grid((lo, hi)), np.linspace(lo, hi, N_LINEAR)]))


def interval_rows(fit, mass: float, level: float, coupling_range: tuple[float, float]) -> list[dict]:
    """Rows of intervals.csv at one mass (GeV): every allowed interval of |c| (c the coupling, negative with
    ``limits.sign: negative``, as in limits.csv) for each dataset alone and all combined. A component whose scan
    fails gives one row with NaN edges and the reason, never a lost mass."""
    grid = interval_grid(coupling_range)
    return rows_from_profiles(fit, mass, level, grid, *coupling_profiles(fit, mass, grid))


def rows_from_profiles(fit, mass: float, level: float, grid: np.ndarray, labels: list[str],
                       chis: list[np.ndarray | Exception], fs: list[Callable[[float], float]]) -> list[dict]:
    """Rows of intervals.csv from :func:`globalfit.frequentist.profile.coupling_profiles` on ``grid``
    (:func:`interval_grid`)."""
    base = {"mass_GeV": float(mass), "level": float(level), "parameter": limit_parameter(fit)}
    rows = []
    for label, chi, f in zip(labels, chis, fs):
        try:
            if isinstance(chi, Exception):
                raise chi
            found = allowed_intervals(grid, chi, level, f, log=True)
        except Exception as exc:  # noqa: BLE001 - a failed point is NaN, never a lost scan
            rows.append(base | {"component": label, "lower": np.nan, "upper": np.nan, "interval": 0,
                                "note": f"{type(exc).__name__}: {exc}"})
            continue
        rows += [base | {"component": label, "lower": iv.lower, "upper": iv.upper, "interval": k, "note": iv.note}
                 for k, iv in enumerate(found)]
    return rows


def limit_and_interval_rows(fit, mass: float, delta_chi2: float,
                            coupling_range: tuple[float, float]) -> tuple[list[dict], list[dict]]:
    """The Delta chi^2 upper limits (rows of limits.csv, as :func:`globalfit.frequentist.profile.delta_chi2_rows`)
    and the allowed intervals at the same level (rows of intervals.csv, as :func:`interval_rows`) at one mass (GeV),
    from one profile scan: the interval grid holds the limits' log grid (np.unique keeps its exact values), whose
    points give the upper limits unchanged."""
    from globalfit.executor import single_blas_thread
    from globalfit.frequentist.profile import upper_limit_rows

    grid, coarse = interval_grid(coupling_range), log_grid(coupling_range)
    at = np.searchsorted(grid, coarse)
    with single_blas_thread():
        labels, chis, fs = coupling_profiles(fit, mass, grid)
        sub = [c if isinstance(c, Exception) else c[at] for c in chis]
        return (upper_limit_rows(fit, mass, delta_chi2, coarse, labels, sub, fs),
                rows_from_profiles(fit, mass, delta_chi2, grid, labels, chis, fs))


def intervals_table(rows: list[dict]):
    """The intervals.csv table (:data:`INTERVAL_COLUMNS` and ``note``, by mass, component and interval) from rows of
    :func:`interval_rows`; a mass and component with more than one allowed interval is logged."""
    import pandas as pd

    table = pd.DataFrame(rows, columns=INTERVAL_COLUMNS + ["note"])
    table = table.sort_values(["mass_GeV", "component", "interval"], kind="stable").reset_index(drop=True)
    for (m, comp), grp in table.groupby(["mass_GeV", "component"], sort=False):
        if len(grp) > 1:
            pieces = ", ".join(f"[{lo:.3g}, {hi:.3g}]" for lo, hi in zip(grp["lower"], grp["upper"]))
            LOG.info("M = %.4g GeV, %s: %d allowed intervals %s", m, comp, len(grp), pieces)
    return table
