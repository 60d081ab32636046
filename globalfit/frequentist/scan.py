"""``globalfit.limits``: the mass grid through the executor, each mass giving profile Delta chi^2 limits (every
dataset alone and combined), CLs limits (counting datasets), in simplified mode the theory bound of paper 000 eq. 2.9
(component ``width_bound``) and, on a subset of the masses, the Bayesian credible limit (method ``bayesian``).

With ``projections:`` in the config, each projection alone and component ``combined_projected`` (data + projections)
are added (``combined`` stays data only; a projection's "observed" data are its expectation, so its row is its
expected limit). With ``expected=True`` the Asimov expected limits and their bands are computed as well
(:mod:`globalfit.frequentist.expected`, ``expected_limits.csv``).

A point where no crossing exists inside the prior range, or where the optimiser fails, is NaN with the reason in the
``note`` column; the scan goes on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from globalfit.checkpoint import FinishedStore
from globalfit.frequentist.bayes import bayesian_rows
from globalfit.frequentist.cls import cls_rows
from globalfit.frequentist.profile import CouplingScans, delta_chi2_rows, log_grid

LOG = logging.getLogger("globalfit.limits")
#: About this many masses of the grid get the (costlier) Bayesian credible limit.
N_BAYES_MASSES = 12


def scan_mass(fit, mass: float, delta_chi2: float, coupling_range: tuple[float, float],
              cls_level: float = 0.95) -> list[dict]:
    """Upper limits at one mass (GeV) for each component alone and combined (rows of ``limits.csv``): profile
    Delta chi^2 for every dataset, and CLs for counting datasets."""
    return delta_chi2_rows(fit, mass, delta_chi2, coupling_range) + cls_rows(fit, mass, coupling_range, cls_level)


def projected_rows(pfit, mass: float, delta_chi2: float, coupling_range: tuple[float, float], cls_level: float,
                   projections: list[str]) -> list[dict]:
    """Rows of ``limits.csv`` at one mass (GeV) from the fit of data + projections: each projection alone and
    ``combined_projected`` (profile Delta chi^2, and CLs over the counting datasets), noted as projections."""
    from globalfit.frequentist.cls import best_cls_region, combined_cls_limit, theory_values
    from globalfit.frequentist.expected import profile_limits

    name = pfit.theory.coupling_name
    # each projection profiled once: combined_projected sums the datasets' scans
    scans = CouplingScans(pfit, mass, log_grid(coupling_range), sign=1.0)
    ids = [c.id for c in pfit.components]
    groups = [([j], i) for j, i in enumerate(ids) if i in projections] + [(None, "combined_projected")]
    base = {"mass_GeV": mass, "parameter": name}
    rows = []
    for comps, label in groups:
        (upper,), why = profile_limits(pfit, comps, mass, coupling_range, [delta_chi2], scans)
        rows.append({**base, "component": label, "method": "delta_chi2_profile", "level": delta_chi2, "upper": upper,
                     "note": why or "projection"})
    top = pfit.theory.point(theory_values(pfit, coupling_range[1], mass))
    picks = []
    for comp in pfit.components:
        if comp.counting_regions(top):
            upper, why, k = best_cls_region(pfit, comp, mass, coupling_range, cls_level)
            if comp.id in projections:
                rows.append({**base, "component": comp.id, "method": "cls", "level": cls_level, "upper": upper,
                             "note": why or "projection"})
            if k is not None:
                picks.append((comp, k))
    if picks and any(c.id in projections for c, _ in picks):
        upper, why = combined_cls_limit(pfit, picks, mass, coupling_range, cls_level)
        rows.append({**base, "component": "combined_projected", "method": "cls", "level": cls_level, "upper": upper,
                     "note": why or "projection"})
    return rows


@dataclass
class _Scan:
    """Picklable scan job for a chunk of masses (one chunk per worker, so each compiles the graphs once): returns
    (rows of limits.csv, rows of expected_limits.csv). Each finished mass goes to ``store`` (when given) as soon as it
    is done, so an interrupted scan loses at most one mass per worker."""

    fit: object
    masses: list[tuple[str, float]]  # (store key, mass in GeV)
    delta_chi2: float
    coupling_range: tuple[float, float]
    cls_level: float = 0.95
    store: FinishedStore | None = None
    #: Size of the whole grid, for the progress lines (0: no progress lines).
    n_total: int = 0
    pfit: object = None
    projections: tuple[str, ...] = ()
    expected: bool = False
    #: (pseudo-experiments per mass, seed) of the expected limits (0: asymptotic only)
    toys: tuple[int, int] = (0, 1)
    #: Also the allowed intervals (rows of intervals.csv), from the same profile scan as the upper limits.
    intervals: bool = False

    def __call__(self) -> tuple[list[dict], list[dict], list[dict]]:
        from globalfit.frequentist.expected import expected_rows
        from globalfit.frequentist.intervals import limit_and_interval_rows

        rows, exp, ivs = [], [], []
        for key, m in self.masses:
            if self.intervals:
                done, done_iv = limit_and_interval_rows(self.fit, m, self.delta_chi2, self.coupling_range)
            else:
                done, done_iv = delta_chi2_rows(self.fit, m, self.delta_chi2, self.coupling_range), []
            done += cls_rows(self.fit, m, self.coupling_range, self.cls_level)
            if self.pfit is not None:
                done += projected_rows(self.pfit, m, self.delta_chi2, self.coupling_range, self.cls_level,
                                       list(self.projections))
            done_exp = []
            if self.expected:
                done_exp = expected_rows(self.pfit or self.fit, m, self.delta_chi2, self.coupling_range,
                                         self.cls_level, self.projections, *self.toys)
            if self.store is not None:
                # "intervals" only when they were computed: a resume that asks for them rescans a mass without it
                piece = {"rows": done, "expected": done_exp} | ({"intervals": done_iv} if self.intervals else {})
                self.store.put(key, piece)
            rows += done
            exp += done_exp
            ivs += done_iv
            if self.n_total:  # one line per mass (from the worker; a chunk count says little)
                LOG.info("limits: M = %.4g GeV done (%d masses in all)", m, self.n_total)
        return rows, exp, ivs


@dataclass
class _BayesJob:
    """Picklable job: Bayesian credible limits for a chunk of masses, each stored when done (see :class:`_Scan`)."""

    fit: object
    coupling_range: tuple[float, float]
    masses: list[tuple[str, float]]
    store: FinishedStore | None = None

    def __call__(self) -> list[dict]:
        rows = []
        for key, m in self.masses:
            done = bayesian_rows(self.fit, [m], self.coupling_range)
            if self.store is not None:
                self.store.put(key, done)
            rows += done
        return rows


def _chunks(items: list, n: int) -> list[list]:
    """Split into n interleaved chunks (neighbouring masses cost alike, so interleaving balances the load)."""
    return [items[i::n] for i in range(n) if items[i::n]]


def coupling_range(cfg, fit) -> tuple[float, float]:
    """Scanned range of the coupling (physical units): its prior's bounds, floored at 1e-8 for a linear prior; 1e-8 to
    10 when the coupling is fixed or unbounded."""
    name = fit.theory.coupling_name
    par = next(p for p in fit.parameters if p.name == name)
    if not par.free:
        return (1e-8, 10.0)
    if par.is_log:
        lo, hi = par.sampling_bounds()
        return (float(par.to_physical(lo)), float(par.to_physical(hi)))
    pc = cfg.parameters[name]
    return (max(pc.lower or 1e-8, 1e-8), pc.upper if pc.upper else 10.0)


def width_bound_rows(fit, masses) -> list[dict]:
    """Simplified mode: paper 000 eq. 2.9, the largest |eps| whose partial widths into quarks and neutrinos fit inside the
    assumed total width Gamma = r M (larger eps are inconsistent with the model, shaded in its Fig. 3): rows of
    ``limits.csv`` with component ``width_bound``, method ``paper000_eq2.9`` and level = r."""
    from globalfit.physics.nsi import n_open_quarks, simplified_width_bound

    r = fit.theory.width_ratio
    return [{"mass_GeV": float(m), "component": "width_bound", "method": "paper000_eq2.9", "level": r,
             "parameter": fit.theory.coupling_name, "note": "",
             "upper": float(simplified_width_bound(float(m), r, n_open_quarks(float(m))))} for m in masses]


def require_mass_model(cfg) -> None:
    """Raise :class:`~globalfit.errors.ConfigError` for model type eft: a scan vs mass needs a Z' mass."""
    from globalfit.errors import ConfigError

    if cfg.model.type == "eft":
        raise ConfigError("limits vs mass need a Z' mass: use model type u1 or simplified", "model.type")


def no_limit_notes(table) -> list[str]:
    """One line per (dataset, method, reason) listing the masses (GeV) where the limits table has no limit."""
    out = []
    missing = table[~np.isfinite(table["upper"])]
    notes = missing["note"].fillna("") if "note" in missing else [""] * len(missing)
    for (comp, method, note), grp in missing.assign(note=notes).groupby(["component", "method", "note"], sort=False):
        masses = ", ".join(f"{m:.3g}" for m in sorted(grp["mass_GeV"]))
        out.append(f"no limit for {comp} ({method}) at {len(grp)} mass(es) [{masses}] GeV: {note or 'no reason given'}")
    return out


def limits(cfg, *, partial_dir=None, resume: bool = False, expected: bool = False, intervals: bool = False):
    """Upper limits on the coupling vs mass for ``cfg`` (module docstring), in memory.

    Parameters
    ----------
    cfg
        :class:`globalfit.config.RunConfig` with model type u1 or simplified.
    partial_dir
        Folder where each finished mass is kept (sealed JSON, :class:`~globalfit.checkpoint.FinishedStore`) until the
        caller removes it; None keeps nothing.
    resume
        Take the masses finished by an interrupted scan from ``partial_dir`` and compute only the others.
    expected
        Also compute the Asimov expected limits with their +-1/2 sigma bands (``LimitsResult.expected``).
    intervals
        Also find every allowed interval of the coupling (``LimitsResult.intervals``, intervals.csv; level
        ``limits.delta_chi2``) from the same profile scans as the upper limits
        (:func:`globalfit.frequentist.intervals.limit_and_interval_rows`).

    Returns
    -------
    globalfit.results.LimitsResult
        The limits table and metadata; ``.save(dir)`` writes limits.csv (+ expected_limits.csv) and plots/limits.png.

    Raises
    ------
    ConfigError
        For model type eft (no Z' mass).
    CheckpointError
        On resume, for finished masses written by another globalfit version or for another config (or not sealed).
    """
    import pandas as pd

    from globalfit.checkpoint import checkpoint_meta
    from globalfit.executor import call, default_processes, parallel_map
    from globalfit.model import Fit
    from globalfit.output import resolved_config, resume_config
    from globalfit.results import LimitsResult

    from globalfit.projections import projected_fit, projection_ids

    require_mass_model(cfg)
    fit = Fit(cfg)
    pfit, proj = projected_fit(cfg), tuple(projection_ids(cfg))
    crange = coupling_range(cfg, fit)
    masses = [float(m) for m in cfg.limits.mass_grid()]
    mass_par = next((p for p in fit.parameters if p.name == "mass_GeV"), None)
    if mass_par is not None and not mass_par.free:
        LOG.warning("mass_GeV is fixed at %g GeV in the run config: limits are computed at that mass only", mass_par.fixed_value)
        masses = [float(mass_par.fixed_value)]
    procs = cfg.limits.processes or default_processes()
    resolved = resolved_config(cfg, fit)
    store = None if partial_dir is None else FinishedStore(partial_dir, checkpoint_meta(resume_config(resolved)))
    finished = store.load() if (store is not None and resume) else {}
    scan = [(f"mass-{i:04d}", m) for i, m in enumerate(masses)]
    sub = masses[:: max(1, len(masses) // N_BAYES_MASSES)] if cfg.limits.bayesian else []
    bayes_items = [(f"bayes-{i:04d}", m) for i, m in enumerate(sub)]
    # a mass stored without intervals (by a run that did not ask for them) is scanned again when they are asked for
    todo = [x for x in scan if x[0] not in finished or (intervals and "intervals" not in finished[x[0]])]
    bayes_todo = [x for x in bayes_items if x[0] not in finished]
    if finished:
        LOG.info("resuming: %d of %d masses and %d of %d Bayesian limits finished earlier", len(scan) - len(todo),
                 len(scan), len(bayes_items) - len(bayes_todo), len(bayes_items))
    toys = (cfg.limits.expected_toys, cfg.limits.expected_toys_seed)
    # one task per mass (a worker keeps its compiled graphs across tasks, so small tasks cost no compilation and let
    # the workers share the load evenly to the end); with one process, one chunk
    per_task = [[x] for x in todo] if procs > 1 else _chunks(todo, 1)
    jobs = [_Scan(fit, chunk, cfg.limits.delta_chi2, crange, cfg.limits.cls_level, store, len(masses), pfit, proj,
                  expected, toys, intervals) for chunk in per_task]
    LOG.info("scanning %d masses x %d datasets (+ combined) in %d process(es)", len(todo), len(fit.components), len(jobs))
    # the Bayesian limits go in the same map: a worker holds one copy of the Fit for all its tasks, so its graphs are
    # compiled once for both kinds of job (a second map would start new workers that compile them again)
    bayes_jobs = [_BayesJob(fit, crange, [x], store) for x in bayes_todo] if procs > 1 else \
        [_BayesJob(fit, crange, c, store) for c in _chunks(bayes_todo, 1)]
    # the costlier Bayesian tasks first, so that the cheap scan tasks fill the workers' ends evenly
    everything = parallel_map(call, bayes_jobs + jobs, procs, progress="limits (tasks done)")
    bayes, done = everything[:len(bayes_jobs)], everything[len(bayes_jobs):]
    rows = [r for chunk, _, _ in done for r in chunk]
    exp_rows = [r for _, chunk, _ in done for r in chunk]
    iv_rows = [r for _, _, chunk in done for r in chunk]
    scanned = {key for key, _ in todo}
    for key, _ in scan:
        if key in finished and key not in scanned:
            piece = finished[key]
            # a stored mass is {"rows", "expected", "intervals"}; a bare list of rows (no expected limits) is read
            # as such too
            rows += piece["rows"] if isinstance(piece, dict) else piece
            exp_rows += piece.get("expected", []) if isinstance(piece, dict) else []
            iv_rows += piece.get("intervals", []) if isinstance(piece, dict) else []
    if cfg.model.type == "simplified":
        rows += width_bound_rows(fit, masses)
    rows += [r for chunk in bayes for r in chunk]
    rows += [r for key, _ in bayes_items if key in finished for r in finished[key]]
    table = pd.DataFrame(rows).sort_values(["mass_GeV", "method", "component"], kind="stable").reset_index(drop=True)
    for line in no_limit_notes(table):
        LOG.info("%s", line)
    meta = {"masses_GeV": masses, "coupling_range": crange, "processes": procs, "projections": list(proj)}
    exp_table = None
    if expected:
        exp_table = pd.DataFrame(exp_rows).sort_values(["mass_GeV", "method", "component"],
                                                      kind="stable").reset_index(drop=True)
    iv_table = None
    if intervals:
        from globalfit.frequentist.intervals import intervals_table

        iv_table = intervals_table(iv_rows)
    return LimitsResult(table, resolved, meta, expected=exp_table, intervals=iv_table)

