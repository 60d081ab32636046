"""Expected limits: Asimov data, median expected limits and their +-1/2 sigma bands (``expected_limits.csv``).

**Asimov data.** Each component kind has an adapter (:data:`ASIMOV`) that returns a copy of the component whose
observed data are replaced by their expectation under a hypothesis (the Standard Model by default, every nuisance at
its nominal value): binned Poisson (COHERENT LAr 2020 and CsI 2021: counts = expectation), Gaussian chi^2 (mono-X
bins with their covariance, COHERENT CsI 2017, g-2, trident: measurement = prediction), counting CLs regions
(observed = background + signal) and published intervals (the allowed ranges shifted so that the midpoint of their
hull sits at the hypothesis' value; widths kept). A published limit curve (``resonance_limit``, ``recast_limit``) is already a
chi^2 centred on zero signal and is its own SM Asimov: its expected limit is the published curve (the expected curve
of the publication is not shipped). A kind without an adapter gives NaN rows with the reason in ``note``.

**Bands (asymptotic).** For a Gaussian likelihood in a signal strength x (Wald approximation, Cowan et al.
arXiv:1007.1727), the Asimov profile chi^2 is q_A(x) = (x/sigma)^2, and the Delta chi^2 limit on a data set whose
best fit is x_hat = n sigma is x_n = x_hat + sqrt(x_hat^2 + D sigma^2) for x_hat < 0 (best fit on the boundary x = 0)
and x_hat + sqrt(D) sigma above, D = ``delta_chi2``. The limit at band n is therefore the coupling where
q_A = k_n^2 with k_n = n + sqrt(n^2 + D) (n < 0) or n + sqrt(D) (n >= 0): with D = 4, k = 0.83, 1.24, 2, 3, 4 for
n = -2 ... 2. For CLs (paper 000 eq. 2.6), mu_up = mu_hat + dmu Phi^-1(1 - alpha Phi(mu_hat/dmu)) with
mu_hat = n dmu gives k_n = n + Phi^-1(1 - alpha Phi(n)) (the Brazil band of pyhf) and dmu = 1/sqrt(B_A) from the
Asimov regions; the limit is where mu_up = 1.

**Where the asymptotic formulae do not hold.** They need a Gaussian likelihood in one signal strength: (i) binned
Poisson data with few events per bin (COHERENT LAr 2020: most of its bins hold < 10 events), (ii) a signal that is
not one strength times a fixed shape (mono-X with the SM-Z interference, linear in the coupling next to the quadratic
term; a Z' whose width changes the shape), (iii) interval components, whose chi^2 is flat inside the interval (no
spread: the band collapses onto the median), (iv) a signal-normalisation nuisance bounded at -1 (mono-X
``signal_scale``, 25 %): profiling can switch the signal off at a pull cost of (1/0.25)^2 = 16, so Delta chi^2 never
exceeds 16 and the +2 sigma edge (k^2 = 16) runs to the end of the coupling range; use ``k_factor_uncertainty: 0`` or
pseudo-experiments for that edge. For (i) and (ii) :func:`pseudo_limits` throws pseudo-experiments from
the same model and gives the quantiles of the toy limits (kinds in :data:`TOYS`); with ``limits.expected_toys: N``
in the run config, :func:`expected_rows` adds them as rows of method ``delta_chi2_toys`` next to the asymptotic ones.
"""

from __future__ import annotations

import copy
import logging
from typing import Any, Callable, Sequence

import numpy as np
from scipy.stats import norm

from globalfit.frequentist.cls import theory_values
from globalfit.frequentist.profile import CouplingScans, log_grid, upper_crossing

LOG = logging.getLogger("globalfit.limits")
#: Band positions in units of sigma, in the column order of expected_limits.csv (median first).
BANDS = {"median": 0, "minus2": -2, "minus1": -1, "plus1": 1, "plus2": 2}
#: Pinned columns of expected_limits.csv.
EXPECTED_COLUMNS = ["mass_GeV", "component", "method", "level", "parameter", *BANDS]


# -- band factors ------------------------------------------------------------------------------------------------
def delta_chi2_band_factor(n: float, delta_chi2: float) -> float:
    """k_n of the module docstring: the Delta chi^2 limit at band n is sigma k_n (Gaussian, boundary at zero)."""
    return float(n + np.sqrt(n * n + delta_chi2)) if n < 0 else float(n + np.sqrt(delta_chi2))


def cls_band_factor(n: float, level: float) -> float:
    """k_n = n + Phi^-1(1 - alpha Phi(n)), alpha = 1 - level: the CLs limit at band n is dmu k_n (pyhf's bands)."""
    return float(n + norm.ppf(1.0 - (1.0 - level) * norm.cdf(n)))


# -- Asimov adapters ---------------------------------------------------------------------------------------------
def _monox(comp, point):
    new = copy.copy(comp)
    cov = np.linalg.inv(comp.inv_cov) - np.diag(comp.n_obs)  # the background covariance the component was built with
    sig = 0.0 if point is None else np.asarray(comp.signal_events(point), dtype=float)
    tails = 0.0 if point is None else np.asarray(comp.signal_tails(point), dtype=float)
    new.n_obs = comp.n_bkg + sig
    new.n_obs_inc = comp.n_bkg_inc + tails
    new.inv_cov = np.linalg.inv(cov + np.diag(new.n_obs))
    return new


def _counting_toy(comp, point):
    new = copy.copy(comp)
    new.n = comp.b + (0.0 if point is None else float(comp.signal(point)))
    return new


def _csi2017(comp, point):
    from globalfit.physics.cevns import standard_model_eps

    new = copy.copy(comp)
    sig = comp.kernel.counts(standard_model_eps) if point is None else comp.predicted_signal(point)
    new.n_meas = comp.b_on + np.asarray(sig, dtype=float)
    new.sigma2 = new.n_meas + 2.0 * comp.b_ss + comp.b_on  # the data-based variance of the likelihood, at the Asimov
    return new


def _lar2020(comp, point):
    new = copy.copy(comp)
    if point is None:  # SM: the release's own SM CEvNS PDF (ratios to the SM are 1)
        new.data = comp.cevns_sm + comp.brn_p + comp.brn_d + comp.ss
    else:
        new.data = np.asarray(comp.expected_counts(point, {}), dtype=float)
    return new


def _csi2021(comp, point):
    """CsI 2021: coincidence bins = expectation, anticoincidence bins = the steady-state template (which the release's
    AC data define, so it stays the template of the copy)."""
    new = copy.copy(comp)
    if point is None:  # SM: the nominal SM signal (shape systematics at 0)
        new.data_c = comp.sm_signal + comp.templates["brn"] + comp.templates["nin"] + comp.ss
    else:
        new.data_c = np.asarray(comp.expected_counts(point, {})[0], dtype=float)
    new.data_ac = np.asarray(comp.ss, dtype=float).copy()
    return new


def _gminus2(comp, point):
    new = copy.copy(comp)
    new.delta = 0.0 if point is None else float(comp.predicted(point))
    return new


def _trident(comp, point):
    new = copy.copy(comp)
    new.ratio = 1.0 if point is None else float(comp.predicted_ratio(point))
    return new


def _intervals(comp, point):
    new = copy.copy(comp)
    at = {obs: 0.0 for obs in comp.pieces} if point is None else \
        {k: float(v) for k, v in comp.observables(point).items()}
    new.pieces = {}
    for obs, pieces in comp.pieces.items():
        shift = at.get(obs, 0.0) - 0.5 * (min(lo for lo, _ in pieces) + max(hi for _, hi in pieces))
        new.pieces[obs] = [(lo + shift, hi + shift) for lo, hi in pieces]
    return new


def _limit_curve(comp, point):
    if point is not None:
        from globalfit.errors import ConfigError

        raise ConfigError(f"{comp.id}: a published limit curve has no Asimov data for a signal hypothesis")
    return comp


#: kind -> (component, theory point or None for the SM) -> a copy of the component with Asimov data.
ASIMOV: dict[str, Callable[[Any, Any], Any]] = {
    "monox_inclusive": _monox, "counting_toy": _counting_toy, "coherent_csi_2017": _csi2017,
    "coherent_lar_2020": _lar2020, "coherent_csi_2021": _csi2021, "anomalous_moment": _gminus2, "trident": _trident,
    "nsi_intervals": _intervals,
    "resonance_limit": _limit_curve, "recast_limit": _limit_curve,
}


def asimov_component(comp, point=None):
    """A copy of ``comp`` with Asimov data under ``point`` (None: the SM); None if its kind has no adapter."""
    adapter = ASIMOV.get(comp.kind)
    return adapter(comp, point) if adapter is not None else None


def asimov_fit(fit, hypothesis: dict[str, float] | None = None):
    """A copy of ``fit`` whose components carry Asimov data (module docstring); components without an adapter keep
    their observed data and are listed in the copy's ``no_asimov``.

    Parameters
    ----------
    fit
        :class:`globalfit.model.Fit`.
    hypothesis
        Physical theory parameters of the hypothesis (``{"gprime": 1e-4, "mass_GeV": 0.1}``); None: the SM.
    """
    point = None if hypothesis is None else fit.theory.point(hypothesis)
    new = copy.copy(fit)
    new.components, new.no_asimov = [], []
    for comp in fit.components:
        asimov = asimov_component(comp, point)
        if asimov is None:
            new.no_asimov.append(comp.id)
        new.components.append(comp if asimov is None else asimov)
    new._compiled = {}  # the graphs bake the data in: rebuild them
    return new


# -- expected limits ---------------------------------------------------------------------------------------------
def profile_limits(fit, comps: list[int] | None, mass: float, coupling_range: tuple[float, float],
                   targets: Sequence[float], scans=None) -> tuple[list[float], str]:
    """Couplings where the profile chi^2 of ``comps`` (indices; None: all) at ``mass`` (GeV) has risen by each of
    ``targets`` above its minimum (one scan serves every target); NaN with the reason where there is no crossing.
    ``scans``: a :class:`~globalfit.frequentist.profile.CouplingScans` of ``fit`` at ``mass`` on the
    :func:`~globalfit.frequentist.profile.log_grid`, shared by calls that reuse its components' scans."""
    if scans is None:
        scans = CouplingScans(fit, mass, log_grid(coupling_range), sign=1.0)
    chi, f = scans.group(comps)
    if isinstance(chi, Exception):
        return [np.nan] * len(targets), f"{type(chi).__name__}: {chi}"
    out, notes = [], []
    for t in targets:
        val, why = upper_crossing(scans.grid, chi, t, f)
        out.append(val)
        if why:
            notes.append(why)
    return out, "; ".join(dict.fromkeys(notes))


def expected_delta_chi2_rows(asimov, mass: float, delta_chi2: float, coupling_range: tuple[float, float],
                             groups: list[tuple[list[int] | None, str]]) -> list[dict]:
    """Rows of expected_limits.csv (method ``delta_chi2_profile``) from an :func:`asimov_fit`: for each
    ``(component indices, label)`` group the couplings where the Asimov Delta chi^2 reaches k_n^2."""
    name = asimov.theory.coupling_name
    targets = [delta_chi2_band_factor(n, delta_chi2) ** 2 for n in BANDS.values()]
    # each dataset profiled once; the combined groups sum them
    scans = CouplingScans(asimov, mass, log_grid(coupling_range), sign=1.0)
    rows = []
    for comps, label in groups:
        ids = [asimov.components[j].id for j in (comps if comps is not None else range(len(asimov.components)))]
        missing = [i for i in ids if i in getattr(asimov, "no_asimov", [])]
        if missing:
            vals, why = [np.nan] * len(BANDS), f"no Asimov data for kind of {', '.join(missing)}"
        else:
            vals, why = profile_limits(asimov, comps, mass, coupling_range, targets, scans)
        rows.append({"mass_GeV": mass, "component": label, "method": "delta_chi2_profile", "level": delta_chi2,
                     "parameter": name, **dict(zip(BANDS, vals)), "note": why})
    return rows


def _asimov_b(regions) -> float:
    """B of paper 000 eq. 2.5 for Asimov regions (observed = background): sum s^2 / (b + delta^2)."""
    return float(sum(float(r.signal) ** 2 / (r.background + r.background_err**2) for r in regions))


def expected_cls(fit, regions: Callable, mass: float, coupling_range: tuple[float, float],
                 level: float) -> list[float]:
    """Expected CLs limits on the coupling (median, -2, -1, +1, +2 in :data:`BANDS` order) for the counting
    ``regions(point)`` under the SM: where dmu_A k_n = 1, i.e. B_A(c) = k_n^2 (module docstring); NaN where the
    range holds no crossing."""
    from scipy.optimize import brentq

    def root_b(lc):
        return np.sqrt(_asimov_b(regions(fit.theory.point(theory_values(fit, 10.0**lc, mass)))))

    lo, hi = np.log10(coupling_range[0]), np.log10(coupling_range[1])
    out = []
    for n in BANDS.values():
        k = cls_band_factor(n, level)
        if root_b(lo) < k < root_b(hi):
            out.append(float(10.0 ** brentq(lambda lc: root_b(lc) - k, lo, hi, xtol=1e-8)))
        else:
            out.append(np.nan)
    return out


def expected_cls_rows(fit, mass: float, coupling_range: tuple[float, float], level: float,
                      groups: list[tuple[list[int] | None, str]]) -> list[dict]:
    """Expected CLs rows (method ``cls``): per counting dataset its region with the strongest median, and for each
    combined group the sum of those regions (paper 000 sec. 4)."""
    name = fit.theory.coupling_name
    top = fit.theory.point(theory_values(fit, coupling_range[1], mass))
    best: dict[int, tuple[int, list[float]]] = {}
    for j, comp in enumerate(fit.components):
        for k in range(len(comp.counting_regions(top))):
            vals = expected_cls(fit, lambda p, c=comp, k=k: [c.counting_regions(p)[k]], mass, coupling_range, level)
            if np.isfinite(vals[0]) and (j not in best or vals[0] < best[j][1][0]):
                best[j] = (k, vals)
    rows = []
    for comps, label in groups:
        picks = [(j, best[j][0]) for j in (comps if comps is not None else range(len(fit.components))) if j in best]
        if label in {c.id for c in fit.components}:  # one dataset: its best region
            if not picks:
                continue
            vals = best[picks[0][0]][1]
        elif len(picks) > 1:
            vals = expected_cls(fit, lambda p: [fit.components[j].counting_regions(p)[k] for j, k in picks], mass,
                                coupling_range, level)
        else:
            continue
        rows.append({"mass_GeV": mass, "component": label, "method": "cls", "level": level, "parameter": name,
                     **dict(zip(BANDS, vals)), "note": "" if np.isfinite(vals[0]) else "no crossing in the range"})
    return rows


def expected_rows(fit, mass: float, delta_chi2: float, coupling_range: tuple[float, float], level: float,
                  projections: Sequence[str] = (), n_toys: int = 0, seed: int = 1) -> list[dict]:
    """All rows of expected_limits.csv at one mass (GeV): every component alone, ``combined`` (data only) and, with
    ``projections`` (ids among the fit's components), ``combined_projected`` (data + projections); with ``n_toys`` > 0
    also the pseudo-experiment rows of every component whose kind has a toy generator (:func:`expected_toy_rows`)."""
    asimov = asimov_fit(fit)
    ids = [c.id for c in fit.components]
    data = [j for j, i in enumerate(ids) if i not in projections]
    groups: list[tuple[list[int] | None, str]] = [([j], i) for j, i in enumerate(ids)]
    if data:
        groups.append((data, "combined"))
    if len(data) < len(ids):
        groups.append((None, "combined_projected"))
    toys = expected_toy_rows(fit, mass, delta_chi2, coupling_range, n_toys, seed) if n_toys > 0 else []
    return (expected_delta_chi2_rows(asimov, mass, delta_chi2, coupling_range, groups)
            + expected_cls_rows(asimov, mass, coupling_range, level, groups) + toys)


# -- pseudo-experiments ------------------------------------------------------------------------------------------
def _toy_monox(comp, rng):
    """Mono-X toy: bins ~ multivariate normal around the background with V_bkg + diag(N) (the likelihood's model)."""
    cov = np.linalg.inv(comp.inv_cov) - np.diag(comp.n_obs)
    n = np.clip(rng.multivariate_normal(comp.n_bkg, cov + np.diag(comp.n_bkg)), 0.0, None)
    new = copy.copy(comp)
    new.n_obs, new.inv_cov = n, np.linalg.inv(cov + np.diag(n))
    return new


def _toy_counting(comp, rng):
    new = copy.copy(comp)
    new.n = float(rng.normal(comp.b, np.sqrt(comp.b + comp.db**2)))
    return new


def _toy_lar(comp, rng):
    """Poisson toy of every (energy, F90, time) bin around the SM expectation."""
    new = copy.copy(comp)
    new.data = rng.poisson(comp.cevns_sm + comp.brn_p + comp.brn_d + comp.ss).astype(float)
    return new


def _toy_csi2021(comp, rng):
    """Poisson toy of every coincidence and anticoincidence bin around the SM expectation (the steady-state template
    kept: it stands for the release's measured AC shape)."""
    asimov = _csi2021(comp, None)
    asimov.data_c = rng.poisson(asimov.data_c).astype(float)
    asimov.data_ac = rng.poisson(asimov.data_ac).astype(float)
    return asimov


#: kind -> (component, numpy Generator) -> a copy with one pseudo-experiment under the SM as its data.
TOYS: dict[str, Callable[[Any, Any], Any]] = {"monox_inclusive": _toy_monox, "counting_toy": _toy_counting,
                                              "coherent_lar_2020": _toy_lar, "coherent_csi_2021": _toy_csi2021}


def _numpy_chi2(fit, comp, mass: float) -> Callable[[float], float]:
    """chi^2(coupling) of one component at ``mass`` evaluated in numpy (no compilation: one per toy would cost
    seconds), profiled over its own nuisances with their Gaussian pulls."""
    from scipy.optimize import minimize

    priors = comp.nuisance_priors()

    def chi2_at(c, y=()):
        point = fit.theory.point(theory_values(fit, c, mass))
        nu = {p.name: v for p, v in zip(priors, y)}
        pulls = sum(((v - p.mu) / p.sigma) ** 2 for p, v in zip(priors, y))
        return -2.0 * float(comp.log_likelihood(point, nu)) + pulls

    if not priors:
        return chi2_at
    bounds = [(p.lower if p.lower is None else p.lower + 1e-6, p.upper) for p in priors]
    return lambda c: float(minimize(lambda y: chi2_at(c, y), [p.mu for p in priors], method="L-BFGS-B",
                                    bounds=bounds).fun)


def pseudo_limits(fit, index: int, mass: float, delta_chi2: float, coupling_range: tuple[float, float],
                  n_toys: int = 200, seed: int | Sequence[int] = 1) -> dict[str, Any]:
    """Delta chi^2 limits of component ``index`` on ``n_toys`` pseudo-experiments under the SM.

    Returns
    -------
    dict
        ``limits`` (array, NaN where a toy has no crossing) and the quantiles of the finite ones under the keys of
        :data:`BANDS` (median, minus2 = 2.3 %, minus1 = 15.9 %, plus1 = 84.1 %, plus2 = 97.7 %).

    Raises
    ------
    KeyError
        If the component's kind has no toy generator (:data:`TOYS`).
    """
    comp = fit.components[index]
    toy = TOYS[comp.kind]
    rng = np.random.default_rng(seed)
    grid = log_grid(coupling_range)
    limits = []
    for _ in range(n_toys):
        f = _numpy_chi2(fit, toy(comp, rng), mass)
        limits.append(upper_crossing(grid, np.array([f(c) for c in grid]), delta_chi2, f)[0])
    arr = np.array(limits)
    finite = arr[np.isfinite(arr)]
    out: dict[str, Any] = {"limits": arr}
    for key, n in BANDS.items():
        out[key] = float(np.quantile(finite, norm.cdf(n))) if finite.size else np.nan
    return out


def expected_toy_rows(fit, mass: float, delta_chi2: float, coupling_range: tuple[float, float], n_toys: int,
                      seed: int = 1) -> list[dict]:
    """Rows of expected_limits.csv (method ``delta_chi2_toys``) from ``n_toys`` pseudo-experiments under the SM for
    every component whose kind has a toy generator (:data:`TOYS`), each alone: the quantiles of the toy Delta chi^2
    limits at ``mass`` (GeV). Component j draws its toys from the seed ``[seed, j]`` (the same toys at every mass, so
    the bands vary smoothly with the mass); the note says how many toys had a crossing in the coupling range."""
    name = fit.theory.coupling_name
    rows = []
    for j, comp in enumerate(fit.components):
        if comp.kind not in TOYS:
            continue
        try:
            toys = pseudo_limits(fit, j, mass, delta_chi2, coupling_range, n_toys=n_toys, seed=[seed, j])
            finite = int(np.isfinite(toys["limits"]).sum())
            vals, note = [toys[k] for k in BANDS], f"{n_toys} pseudo-experiments, {finite} with a crossing"
        except Exception as exc:  # noqa: BLE001 - a failed component is NaN with the reason, never a lost scan
            vals, note = [np.nan] * len(BANDS), f"{type(exc).__name__}: {exc}"
        rows.append({"mass_GeV": mass, "component": comp.id, "method": "delta_chi2_toys", "level": delta_chi2,
                     "parameter": name, **dict(zip(BANDS, vals)), "note": note})
    return rows
