"""CLs upper limits on the coupling from counting datasets (paper 000 eqs. 2.5-2.8; statistics in :mod:`globalfit.cls`).

Method ``cls`` in ``limits.csv``: per dataset its most sensitive inclusive region, and, with several counting
datasets, component ``combined``: the sum of the chi^2 of those regions (paper 000 sec. 4).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from globalfit.frequentist.profile import coupling_sign, limit_parameter


def theory_values(fit, coupling: float, mass: float) -> dict[str, float]:
    """Theory parameters at ``coupling`` and ``mass`` (GeV), every other theory parameter 0; the coupling is -coupling
    with ``limits.sign: negative``."""
    values = {p: 0.0 for p in fit.theory.parameter_names}
    values[fit.theory.coupling_name] = coupling_sign(fit) * coupling
    if "mass_GeV" in values:
        values["mass_GeV"] = mass
    return values


def _cls_root(fit, regions: Callable, mass: float, coupling_range: tuple[float, float], level: float) -> float:
    """The coupling where the CLs upper limit on the signal strength of ``regions(point)`` (a list of counting regions
    whose chi^2 add, paper 000 eq. 2.5) reaches 1; inf if no coupling in the range is excluded."""
    from scipy.optimize import brentq

    from globalfit.cls import mu_upper

    def f(lc):
        rs = regions(fit.theory.point(theory_values(fit, 10.0**lc, mass)))
        return mu_upper([r.observed for r in rs], [r.background for r in rs], [float(r.signal) for r in rs],
                        [r.background_err for r in rs], level) - 1.0

    lo, hi = np.log10(coupling_range[0]), np.log10(coupling_range[1])
    if f(hi) < 0 < f(lo):
        return float(10.0 ** brentq(f, lo, hi, xtol=1e-8))
    return np.inf


def best_cls_region(fit, comp, mass: float, coupling_range: tuple[float, float],
                    level: float) -> tuple[float, str, int | None]:
    """CLs upper limit on the coupling from a counting dataset (paper 000 eqs. 2.6-2.8): for each of its regions the
    coupling where mu_up = 1, and the most sensitive region's value (no double counting of correlated regions).
    Returns (limit or NaN, note, index of that region or None)."""
    best, best_k, why = np.inf, None, "no region excludes any coupling in the range"
    n_regions = len(comp.counting_regions(fit.theory.point(theory_values(fit, coupling_range[1], mass))))
    for k in range(n_regions):
        try:
            val = _cls_root(fit, lambda p, k=k: [comp.counting_regions(p)[k]], mass, coupling_range, level)
        except Exception as exc:  # noqa: BLE001 - a failed region is skipped with its reason
            why = f"{type(exc).__name__}: {exc}"
            continue
        if val < best:
            best, best_k, why = val, k, ""
    return (best if np.isfinite(best) else np.nan), why, best_k


def cls_limit(fit, comp, mass: float, coupling_range: tuple[float, float], level: float) -> tuple[float, str]:
    """(limit, note) of :func:`best_cls_region`."""
    return best_cls_region(fit, comp, mass, coupling_range, level)[:2]


def combined_cls_limit(fit, picks: list[tuple[Any, int]], mass: float, coupling_range: tuple[float, float],
                       level: float) -> tuple[float, str]:
    """Paper 000 sec. 4: the most sensitive inclusive region of each counting dataset, their chi^2 (eq. 2.5) summed
    (correlations between datasets neglected, as there), and the CLs limit of the sum. ``picks``: (component, region
    index) pairs."""
    try:
        val = _cls_root(fit, lambda p: [c.counting_regions(p)[k] for c, k in picks], mass, coupling_range, level)
    except Exception as exc:  # noqa: BLE001 - a failed point is NaN with its reason
        return np.nan, f"{type(exc).__name__}: {exc}"
    return (val, "") if np.isfinite(val) else (np.nan, "no coupling in the range is excluded")


def cls_rows(fit, mass: float, coupling_range: tuple[float, float], level: float) -> list[dict]:
    """CLs rows of ``limits.csv`` at one mass (GeV): each counting dataset, and their combination when there are
    several."""
    top = fit.theory.point(theory_values(fit, coupling_range[1], mass))
    rows, picks = [], []
    for comp in fit.components:
        if not comp.counting_regions(top):
            continue
        upper, why, k = best_cls_region(fit, comp, mass, coupling_range, level)
        rows.append({"mass_GeV": mass, "component": comp.id, "method": "cls", "level": level,
                     "parameter": limit_parameter(fit), "upper": upper, "note": why})
        if k is not None:
            picks.append((comp, k))
    if len(picks) > 1:
        upper, why = combined_cls_limit(fit, picks, mass, coupling_range, level)
        rows.append({"mass_GeV": mass, "component": "combined", "method": "cls", "level": level,
                     "parameter": limit_parameter(fit), "upper": upper, "note": why})
    return rows
