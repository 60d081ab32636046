"""Frequentist cross-checks from the same compiled likelihood graphs: profile Delta chi^2 upper limits on the
coupling vs mass, for each dataset alone and combined, and (for counting datasets) CLs with the statistic of
paper 000 (:mod:`globalfit.cls`), method ``cls`` in ``limits.csv``: per dataset its most sensitive inclusive region,
and, with several counting datasets, component ``combined``: the sum of the chi^2 of those regions (paper 000 sec. 4).
In simplified mode the theory bound of paper 000 eq. 2.9 is added (component ``width_bound``).

Convention (written into the ``method`` column of ``limits.csv``): at fixed mass, chi^2(c) = -2 log L profiled
over the nuisance parameters (their Gaussian pull terms included); the reference is its minimum over the coupling
c in [0, prior upper bound] (c -> 0 is the Standard Model); the upper limit is the smallest c above the minimum
where chi^2(c) - chi^2_min = ``delta_chi2`` (4 for the 2-sigma convention of the source papers). For a published
interval component this excludes exactly where the model leaves the interval. A point where no crossing exists
inside the prior range, or where the optimiser fails, is NaN with the reason logged; the scan goes on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

LOG = logging.getLogger("globalfit.limits")
N_GRID = 60


@dataclass
class _Scan:
    """Picklable scan job for a chunk of masses (one chunk per worker, so each compiles the graphs once)."""

    fit: object
    masses: list[float]
    delta_chi2: float
    coupling_range: tuple[float, float]
    cls_level: float = 0.95

    def __call__(self, _=None):
        rows = []
        for m in self.masses:
            rows.extend(scan_mass(self.fit, m, self.delta_chi2, self.coupling_range, self.cls_level))
        return rows


def _chunks(items: list, n: int) -> list[list]:
    """Split into n interleaved chunks (neighbouring masses cost alike, so interleaving balances the load)."""
    return [items[i::n] for i in range(n) if items[i::n]]


def _index(fit, name: str) -> int | None:
    for i, p in enumerate(fit.free):
        if p.name == name:
            return i
    return None


def profile_chi2(fit, values: dict[str, float], components: list[int] | None = None) -> float:
    """chi^2 = -2 log L at fixed physical ``values`` of the free theory parameters, profiled over nuisances.

    Parameters
    ----------
    fit
        :class:`globalfit.model.Fit`.
    values
        Physical values for every free non-nuisance parameter (``gprime``, ``mass_GeV``...).
    components
        Indices of the components to include (default: all); only their nuisances are profiled and penalised.
    """
    from scipy.optimize import minimize

    terms = fit.compiled("terms")
    comps = list(range(len(fit.components))) if components is None else list(components)
    ids = {fit.components[j].id for j in comps}
    x = np.zeros(len(fit.free))
    nuis = []
    for i, p in enumerate(fit.free):
        if p.name in values:
            x[i] = np.log10(values[p.name]) if p.prior == "log-uniform" else values[p.name]
        elif p.prior == "normal":
            x[i] = p.mu
            if p.name.split(".")[0] in ids:
                nuis.append(i)
        else:
            raise KeyError(f"profile_chi2 needs a value for {p.name}")

    def chi2(y):
        z = x.copy()
        z[nuis] = y
        t = terms(z)
        pulls = sum(((z[i] - fit.free[i].mu) / fit.free[i].sigma) ** 2 for i in nuis)
        return -2.0 * float(np.sum(t[comps])) + pulls

    if not nuis:
        return chi2(np.array([]))
    # stay a hair inside the bounds: a normalisation nuisance at its lower bound -1 switches a rate off, and a
    # finite-difference step there would see log(0) in a Poisson term
    bounds = [(lo + 1e-6 * (hi - lo), hi - 1e-6 * (hi - lo)) for lo, hi in (fit.free[i].sampling_bounds() for i in nuis)]
    res = minimize(chi2, x[nuis], method="L-BFGS-B", bounds=bounds)
    return float(res.fun)


def _upper_crossing(c: np.ndarray, chi: np.ndarray, delta: float, f) -> tuple[float, str]:
    from scipy.optimize import brentq

    if not np.all(np.isfinite(chi)):
        return np.nan, "non-finite chi^2 in the coupling scan"
    imin = int(np.argmin(chi))
    target = chi[imin] + delta
    above = np.nonzero(chi[imin:] >= target)[0]
    if above.size == 0:
        return np.nan, f"no Delta chi^2 = {delta:g} crossing below the upper end of the coupling range"
    j = imin + int(above[0])
    if j == 0:
        return float(c[0]), "excluded already at the lower end of the coupling range"
    lo, hi = np.log10(c[j - 1]), np.log10(c[j])
    try:
        root = brentq(lambda lc: f(10.0**lc) - target, lo, hi, xtol=1e-6)
    except ValueError:
        root = lo + (target - chi[j - 1]) / (chi[j] - chi[j - 1]) * (hi - lo)
    return float(10.0**root), ""


def scan_mass(fit, mass: float, delta_chi2: float, coupling_range: tuple[float, float],
              cls_level: float = 0.95) -> list[dict]:
    """Upper limits at one mass for each component alone and combined (rows of ``limits.csv``): profile Delta chi^2
    for every dataset, and CLs for counting datasets."""
    name = fit.theory.coupling_name
    grid = np.geomspace(coupling_range[0], coupling_range[1], N_GRID)
    rows = []
    sets = [([j], comp.id) for j, comp in enumerate(fit.components)] + [(None, "combined")]
    for comps, label in sets:
        try:
            def f(cval, comps=comps):
                return profile_chi2(fit, {name: cval, "mass_GeV": mass}, comps)

            chi = np.array([f(cv) for cv in grid])
            upper, why = _upper_crossing(grid, chi, delta_chi2, f)
        except Exception as exc:  # noqa: BLE001 - a failed point is NaN, never a lost scan
            upper, why = np.nan, f"{type(exc).__name__}: {exc}"
        if why and not np.isfinite(upper):
            LOG.debug("M = %.4g GeV, %s: %s", mass, label, why)
        rows.append({"mass_GeV": mass, "component": label, "method": "delta_chi2_profile", "level": delta_chi2,
                     "parameter": name, "upper": upper, "note": why})
    picks = []
    for comp in fit.components:
        if comp.counting_regions(fit.theory.point(_point(fit, name, coupling_range[1], mass))):
            upper, why, k = best_cls_region(fit, comp, mass, coupling_range, cls_level)
            rows.append({"mass_GeV": mass, "component": comp.id, "method": "cls", "level": cls_level,
                         "parameter": name, "upper": upper, "note": why})
            if k is not None:
                picks.append((comp, k))
    if len(picks) > 1:
        upper, why = combined_cls_limit(fit, picks, mass, coupling_range, cls_level)
        rows.append({"mass_GeV": mass, "component": "combined", "method": "cls", "level": cls_level,
                     "parameter": name, "upper": upper, "note": why})
    return rows


def _point(fit, name: str, coupling: float, mass: float) -> dict[str, float]:
    values = {p: 0.0 for p in fit.theory.parameter_names}
    values.update({name: coupling})
    if "mass_GeV" in values:
        values["mass_GeV"] = mass
    return values


def _cls_root(fit, regions, mass: float, coupling_range: tuple[float, float], level: float) -> float:
    """The coupling where the CLs upper limit on the signal strength of ``regions(point)`` (a list of counting regions
    whose chi^2 add, paper 000 eq. 2.5) reaches 1; inf if no coupling in the range is excluded."""
    from scipy.optimize import brentq

    from globalfit.cls import mu_upper

    name = fit.theory.coupling_name

    def f(lc):
        rs = regions(fit.theory.point(_point(fit, name, 10.0**lc, mass)))
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
    name = fit.theory.coupling_name
    best, best_k, why = np.inf, None, "no region excludes any coupling in the range"
    n_regions = len(comp.counting_regions(fit.theory.point(_point(fit, name, coupling_range[1], mass))))
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


def bayesian_upper_limit(fit, mass: float, coupling_range: tuple[float, float], level: float = 0.95) -> float:
    """Approximate Bayesian credible upper limit on the coupling at fixed mass: log-uniform prior over
    ``coupling_range`` times the profile likelihood (nuisances profiled rather than marginalised)."""
    name = fit.theory.coupling_name
    lc = np.linspace(np.log10(coupling_range[0]), np.log10(coupling_range[1]), 200)
    chi = np.array([profile_chi2(fit, {name: 10.0**x, "mass_GeV": mass}) for x in lc])
    w = np.exp(-0.5 * (chi - chi.min()))
    cdf = np.cumsum(w) / w.sum()
    return float(10.0 ** np.interp(level, cdf, lc))


def _coupling_range(cfg, fit) -> tuple[float, float]:
    p = cfg.parameters[fit.theory.coupling_name]
    if p.fixed:
        return (1e-8, 10.0)
    if p.prior == "log-uniform":
        return (p.lower, p.upper)
    return (max(p.lower or 1e-8, 1e-8), p.upper if p.upper else 10.0)


def run_limits(cfg, out_dir: Path, *, force: bool = False) -> Path:
    """``globalfit limits``: write limits.csv and plots/limits.png (see module docstring)."""
    import pandas as pd

    from globalfit.errors import ConfigError
    from globalfit.executor import default_processes, parallel_map
    from globalfit.inference.output import resolved_config, staged_folder, write_yaml
    from globalfit.model import Fit
    from globalfit.plots import plot_limits

    out_dir = Path(out_dir)
    if out_dir.exists() and not force:
        from globalfit.errors import OutputExistsError

        raise OutputExistsError(f"{out_dir} exists already; use --force to replace it or --out to choose another folder.")
    if cfg.model.type == "eft":
        raise ConfigError("limits vs mass need a Z' mass: use model type u1 or simplified", "model.type")
    fit = Fit(cfg)
    crange = _coupling_range(cfg, fit)
    masses = cfg.limits.mass_grid()
    fixed_mass = cfg.parameters["mass_GeV"].value if "mass_GeV" in cfg.parameters else None
    if fixed_mass is not None:
        LOG.warning("mass_GeV is fixed at %g GeV in the run config: limits are computed at that mass only", fixed_mass)
        masses = np.array([fixed_mass])
    procs = cfg.limits.processes or default_processes()
    jobs = [_Scan(fit, chunk, cfg.limits.delta_chi2, crange, cfg.limits.cls_level)
            for chunk in _chunks([float(m) for m in masses], procs)]
    LOG.info("scanning %d masses x %d datasets (+ combined) in %d process(es)", len(masses), len(fit.components), len(jobs))
    rows = [r for chunk in parallel_map(_call, jobs, procs, progress="limits (chunks done)") for r in chunk]
    if cfg.model.type == "simplified":
        rows += width_bound_rows(fit, masses)
    table = pd.DataFrame(rows).sort_values(["mass_GeV", "method", "component"], kind="stable").reset_index(drop=True)
    failed = table[~np.isfinite(table["upper"])]
    for _, r in failed.iterrows():
        LOG.info("no limit at M = %.4g GeV for %s: %s", r["mass_GeV"], r["component"], r["note"])
    sub = [float(m) for m in masses[:: max(1, len(masses) // 12)]]
    bayes_chunks = parallel_map(_call, [_BayesJob(fit, crange, c) for c in _chunks(sub, procs)], procs)
    by_mass = {m: u for chunk in bayes_chunks for m, u in chunk}
    bayes = {"mass_GeV": np.array(sub), "upper": np.array([by_mass[m] for m in sub])}
    with staged_folder(out_dir, force=force) as tmp:
        table[["mass_GeV", "component", "method", "level", "parameter", "upper"]].to_csv(tmp / "limits.csv", index=False)
        pd.DataFrame({"mass_GeV": bayes["mass_GeV"], "parameter": fit.theory.coupling_name, "level": 0.95,
                      "upper": bayes["upper"]}).to_csv(tmp / "bayesian_upper_limits.csv", index=False)
        write_yaml(tmp / "config.yaml", resolved_config(cfg, fit))
        (tmp / "plots").mkdir()
        plot_limits(table[np.isfinite(table["upper"])], tmp / "plots" / "limits.png", bayes)
    return out_dir


def width_bound_rows(fit, masses) -> list[dict]:
    """Simplified mode: paper 000 eq. 2.9, the largest |eps| whose partial widths into quarks and neutrinos fit inside the
    assumed total width Gamma = r M (larger eps are inconsistent with the model, shaded in its Fig. 3): rows of
    ``limits.csv`` with component ``width_bound``, method ``paper000_eq2.9`` and level = r."""
    from globalfit.physics.nsi import n_open_quarks, simplified_width_bound

    r = fit.theory.width_ratio
    return [{"mass_GeV": float(m), "component": "width_bound", "method": "paper000_eq2.9", "level": r,
             "parameter": fit.theory.coupling_name, "note": "",
             "upper": float(simplified_width_bound(float(m), r, n_open_quarks(float(m))))} for m in masses]


def _call(job):
    return job()


@dataclass
class _BayesJob:
    fit: object
    crange: tuple[float, float]
    masses: list[float]

    def __call__(self, _=None):
        return [(m, bayesian_upper_limit(self.fit, m, self.crange)) for m in self.masses]
