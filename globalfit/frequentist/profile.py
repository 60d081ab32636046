"""Profile likelihood: chi^2 at fixed theory parameters profiled over the nuisances, and Delta chi^2 upper limits.

At fixed mass, chi^2(c) = -2 log L profiled over the nuisance parameters (their Gaussian pull terms included); the
reference is its minimum over the coupling c in the scanned range (c -> 0 is the Standard Model); the upper limit
is the smallest c above the minimum where chi^2(c) - chi^2_min = ``delta_chi2`` (4 for the 2-sigma convention of
the source papers). For a published interval component this excludes exactly where the model leaves the interval.
"""

from __future__ import annotations

import logging
from typing import Callable

import numpy as np

from globalfit.parameters import split_name

LOG = logging.getLogger("globalfit.limits")
#: Couplings per profile scan (log-spaced over the coupling range) before the crossing is refined by root finding.
N_GRID = 60


def log_grid(coupling_range: tuple[float, float]) -> np.ndarray:
    """The :data:`N_GRID` log-spaced couplings of a profile scan over ``coupling_range`` (physical, positive)."""
    return np.geomspace(coupling_range[0], coupling_range[1], N_GRID)


def component_chi2(fit, values: dict[str, float], j: int) -> float:
    """chi^2 = -2 log L of component ``j`` alone at fixed physical ``values`` of the free theory parameters, profiled
    over its own nuisances (their Gaussian pull terms included); see :func:`profile_chi2`."""
    return profile_component(fit, values, j)[0]


def profile_component(fit, values: dict[str, float], j: int,
                      start: dict[str, float] | None = None) -> tuple[float, dict[str, float]]:
    """:func:`component_chi2` with the optimiser started from ``start`` (physical values of some of the component's
    nuisances; the others at their prior means); returns chi^2 and the profiled nuisance values by name."""
    # physical inputs: the masses and couplings of a scan reach the components exactly (no log10 round trip, which
    # could move a mass at the edge of a table, 250 GeV, to 250.00000000000003); one compiled value-and-gradient
    # function per component (Fit.profile): only the component asked for is evaluated, and the optimiser gets the
    # exact gradient instead of one finite-difference step per nuisance
    for p in fit.free:
        if p.name not in values and split_name(p.name)[0] is None:
            raise KeyError(f"profile_chi2 needs a value for {p.name}")
    start = start or {}
    # nuisances have normal priors: their sampling space is the physical one
    x = np.array([values[p.name] if p.name in values else start.get(p.name, p.to_physical(p.initial()))
                  for p in fit.free], dtype=float)
    own = fit.own_nuisances(j)
    nuis = [i for i in own if fit.free[i].name not in values]
    x_best, best = fit.profile(x, [j], nuis)
    # a nuisance given a value is held there, and (as ever) its prior penalty is left out of chi^2
    held = sum(float(fit.free[i].log_penalty(x[i])) for i in own if i not in nuis)
    return -2.0 * (best - held), {fit.free[i].name: float(x_best[i]) for i in nuis}


def profile_chi2(fit, values: dict[str, float], components: list[int] | None = None) -> float:
    """chi^2 = -2 log L at fixed physical ``values`` of the free theory parameters, profiled over nuisances.

    A nuisance is read by its own component only (:class:`globalfit.model.Fit` hands each component its own), so at
    fixed theory parameters the joint maximum over all nuisances is the sum of each component's own maximum: the
    chi^2 of several components is the sum of their :func:`component_chi2` (exactly; each optimisation is small).

    Parameters
    ----------
    fit
        :class:`globalfit.model.Fit`.
    values
        Physical values for every free non-nuisance parameter (``gprime``, ``mass_GeV``...; GeV for masses).
    components
        Indices of the components to include (default: all); only their nuisances are profiled and penalised.

    Raises
    ------
    KeyError
        If a free theory parameter has no value.
    """
    comps = list(range(len(fit.components))) if components is None else list(components)
    return float(sum(component_chi2(fit, values, j) for j in comps))


class CouplingScans:
    """Profiled chi^2 of single components on one grid of |coupling| at one mass, each computed once on first use;
    any group of components is their sum (see :func:`profile_chi2`), so a combination costs no optimisation.

    Parameters
    ----------
    fit
        :class:`globalfit.model.Fit`.
    mass
        Z' mass (GeV).
    grid
        Increasing positive couplings (physical units).
    sign
        Sign given to the coupling (default: the run config's ``limits.sign``).
    """

    def __init__(self, fit, mass: float, grid: np.ndarray, sign: float | None = None):
        self.fit, self.mass, self.grid = fit, float(mass), np.asarray(grid, float)
        self.sign = coupling_sign(fit) if sign is None else float(sign)
        self._chi: dict[int, np.ndarray | Exception] = {}

    def f(self, j: int) -> Callable[[float], float]:
        """chi^2 of component ``j`` as a function of |coupling|."""
        name = self.fit.theory.coupling_name
        return lambda cval: component_chi2(self.fit, {name: self.sign * cval, "mass_GeV": self.mass}, j)

    def chi(self, j: int) -> np.ndarray | Exception:
        """chi^2 of component ``j`` on the grid, or the exception that stopped its scan."""
        if j not in self._chi:
            name = self.fit.theory.coupling_name
            try:
                # along the grid, each optimisation starts where the previous coupling's ended (fewer iterations;
                # the profile is the same optimum within the optimiser's tolerance)
                out, start = [], None
                for cv in self.grid:
                    chi, start = profile_component(self.fit, {name: self.sign * cv, "mass_GeV": self.mass}, j, start)
                    out.append(chi)
                self._chi[j] = np.array(out)
            except Exception as exc:  # noqa: BLE001 - a failed component is NaN with its reason, never a lost scan
                self._chi[j] = exc
        return self._chi[j]

    def group(self, comps: list[int] | None) -> tuple[np.ndarray | Exception, Callable[[float], float]]:
        """chi^2 of components ``comps`` (None: all) on the grid (or the first failure) and as a function."""
        comps = list(range(len(self.fit.components))) if comps is None else list(comps)
        chis = [self.chi(j) for j in comps]
        failed = next((c for c in chis if isinstance(c, Exception)), None)
        fs = [self.f(j) for j in comps]
        f = fs[0] if len(fs) == 1 else (lambda cval: float(sum(fj(cval) for fj in fs)))
        return (failed if failed is not None else np.sum(chis, axis=0)), f


def coupling_profiles(fit, mass: float, grid: np.ndarray) -> tuple[list[str], list[np.ndarray | Exception],
                                                                     list[Callable[[float], float]]]:
    """Profiled chi^2 of every component alone and of all combined on a grid of |coupling| at one mass (GeV), each
    component profiled once per grid point (:class:`CouplingScans`; with one component, combined is that component).

    Returns
    -------
    (labels, chi, f)
        Component ids and ``"combined"``; for each, chi^2 on ``grid`` (or the exception that stopped its scan) and
        chi^2 as a function of |coupling| (for root finding), the sign of ``limits.sign`` applied.
    """
    scans = CouplingScans(fit, mass, grid)
    groups = [scans.group([j]) for j in range(len(fit.components))] + [scans.group(None)]
    return [c.id for c in fit.components] + ["combined"], [g[0] for g in groups], [g[1] for g in groups]


def upper_crossing(c: np.ndarray, chi: np.ndarray, delta: float, f: Callable[[float], float]) -> tuple[float, str]:
    """The smallest coupling above the minimum of ``chi`` (sampled on the increasing grid ``c``) where it has risen by
    ``delta``, refined by root finding of ``f`` (the chi^2 function) in log c; ``(limit or NaN, reason)``."""
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


def coupling_sign(fit) -> float:
    """+1, or -1 when the run config asks for limits on negative couplings (``limits.sign: negative``)."""
    limits = getattr(getattr(fit, "cfg", None), "limits", None)
    return -1.0 if getattr(limits, "sign", "positive") == "negative" else 1.0


def limit_parameter(fit) -> str:
    """The ``parameter`` column of a limit row: the coupling's name, ``-<name>`` for limits on negative couplings."""
    return ("-" if coupling_sign(fit) < 0 else "") + fit.theory.coupling_name


def delta_chi2_rows(fit, mass: float, delta_chi2: float, coupling_range: tuple[float, float]) -> list[dict]:
    """Profile Delta chi^2 upper limits at one mass (GeV) for each component alone and all combined: rows of
    ``limits.csv`` with method ``delta_chi2_profile``; on |c| of a negative coupling with ``limits.sign: negative``.
    A failed point is NaN with its reason, never a lost scan."""
    from globalfit.executor import single_blas_thread

    with single_blas_thread():  # a direct caller gets the serial speed of a worker too
        return _delta_chi2_rows(fit, mass, delta_chi2, coupling_range)


def _delta_chi2_rows(fit, mass: float, delta_chi2: float, coupling_range: tuple[float, float]) -> list[dict]:
    grid = log_grid(coupling_range)
    return upper_limit_rows(fit, mass, delta_chi2, grid, *coupling_profiles(fit, mass, grid))


def upper_limit_rows(fit, mass: float, delta_chi2: float, grid: np.ndarray, labels: list[str],
                     chis: list[np.ndarray | Exception], fs: list[Callable[[float], float]]) -> list[dict]:
    """Rows of ``limits.csv`` (method ``delta_chi2_profile``) from :func:`coupling_profiles` on the log grid ``grid``
    of |coupling|; a failed scan or crossing is NaN with its reason."""
    rows = []
    for label, chi, f in zip(labels, chis, fs):
        try:
            if isinstance(chi, Exception):
                raise chi
            upper, why = upper_crossing(grid, chi, delta_chi2, f)
        except Exception as exc:  # noqa: BLE001 - a failed point is NaN, never a lost scan
            upper, why = np.nan, f"{type(exc).__name__}: {exc}"
        if why and not np.isfinite(upper):
            LOG.debug("M = %.4g GeV, %s: %s", mass, label, why)
        rows.append({"mass_GeV": mass, "component": label, "method": "delta_chi2_profile", "level": delta_chi2,
                     "parameter": limit_parameter(fit), "upper": upper, "note": why})
    return rows
