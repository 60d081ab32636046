"""Posterior-predictive plots of binned datasets: the spread of simulated data (expectation plus Poisson or Gaussian
noise), the expectation broken down into signal and backgrounds, the Standard-Model-only expectation and the data; for
multi-dimensional datasets (COHERENT CsI 2021: PE x t_rec; LAr: energy x F90 x time) one plot per projection."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np

from globalfit.parameters import split_name
from globalfit.plots.style import pyplot, save

#: Posterior draws used per plot.
N_PREDICTIVE = 200
#: Fill colours of the stacked contributions (signal first, then the backgrounds), light enough for the band on top.
_STACK_COLOURS = ("#f4a582", "#92c5de", "#c2a5cf", "#a6dba0", "#fee08b", "#d9d9d9")


def noise_model(obs: Mapping) -> str:
    """``"poisson"`` for raw event counts (integers whose quoted errors, if any, are their square roots), else
    ``"gaussian"`` with the quoted errors (background-subtracted or Gaussian-likelihood data)."""
    n = np.asarray(obs["counts"], dtype=float)
    err = obs.get("errors")
    integer = np.all(n >= 0) and np.allclose(n, np.round(n))
    if integer and (err is None or np.allclose(np.asarray(err, dtype=float), np.sqrt(n))):
        return "poisson"
    return "gaussian"


def _split(fit, comp, vals: Mapping[str, float]):
    """(theory point, this component's nuisances by local name) of physical values by full name."""
    point = fit.theory.point({k: vals[k] for k in fit.theory.parameter_names})
    nuis = {local: v for k, v in vals.items() for owner, local in [split_name(k)] if owner == comp.id}
    return point, nuis


def expected_parts(fit, comp, vals: Mapping[str, float], axis: str | None = None) -> dict[str, np.ndarray]:
    """Named contributions to the expected events per bin at one point (``{"expected": total}`` for a component
    without a breakdown), projected on ``axis`` (None: the bins of ``comp.observed()``)."""
    point, nuis = _split(fit, comp, vals)
    parts = comp.expected_components(point, nuis, axis)
    if not parts:
        parts = {"expected": comp.expected(point, nuis)["counts"]}
    shape = np.shape(sum(np.asarray(v, dtype=float) for v in parts.values()))
    return {k: np.broadcast_to(np.asarray(v, dtype=float), shape) for k, v in parts.items()}


def _standard_model(fit, vals: Mapping[str, float]) -> dict[str, float]:
    """The same point with the coupling set to zero and every nuisance at its prior centre."""
    sm = dict(vals)
    sm[fit.theory.coupling_name] = 0.0
    for p in fit.free:
        if split_name(p.name)[0] is not None:
            sm[p.name] = float(p.to_physical(p.initial())) if p.is_log else float(p.initial())
    return sm


def _stair(y: np.ndarray) -> np.ndarray:
    """Per-bin values repeated at the last edge, for ``step="post"`` drawing over bin edges."""
    return np.append(y, y[-1])


def _views(comp) -> list[tuple[str | None, dict]]:
    """(axis, observed data on it) of every plotted projection: the default one first."""
    return [(None, comp.observed()), *comp.projections().items()]


def predictive_plots(fit, samples: Mapping[str, np.ndarray], folder: Path, fmt: str = "png",
                     n_predictive: int = N_PREDICTIVE, seed: int = 0) -> list[Path]:
    """Write ``<dataset>_predictive.<fmt>`` for every component with binned counts, and
    ``<dataset>_predictive_<axis>.<fmt>`` for each further projection of a multi-dimensional one.

    Parameters
    ----------
    fit
        :class:`globalfit.model.Fit` of the run.
    samples
        Draws by sampling name (``log10_gprime``...), equal-weight.
    folder
        Output folder.
    n_predictive
        Posterior draws simulated per plot.
    seed
        Seed of the draw selection and of the noise (same plots on every redraw).
    """
    rng = np.random.default_rng(seed)
    names = [p.sampling_name for p in fit.free]
    n = len(np.asarray(samples[names[0]]).ravel())
    idx = np.sort(rng.choice(n, size=min(n_predictive, n), replace=False))
    points = [fit.physical_values({p.name: float(np.asarray(samples[p.sampling_name]).ravel()[i]) for p in fit.free})
              for i in idx]
    sm_point = _standard_model(fit, points[0])
    written = []
    for comp in fit.components:
        for axis, obs in _views(comp):
            if "counts" not in obs or "edges" not in obs:
                continue
            draws = [expected_parts(fit, comp, v, axis) for v in points]
            parts = {k: np.array([d[k] for d in draws]) for k in draws[0]}
            sm = expected_parts(fit, comp, sm_point, axis)
            suffix = "" if axis is None else "_" + axis.lower()
            path = Path(folder) / f"{comp.id}_predictive{suffix}.{fmt}"
            written.append(_plot(comp.id, axis, obs, parts, sm, rng, path))
    return written


def _plot(dataset: str, axis: str | None, obs: Mapping, parts: Mapping[str, np.ndarray],
          sm_parts: Mapping[str, np.ndarray], rng, path: Path) -> Path:
    """One predictive figure: stacked mean contributions, the 68/95 % predictive band of simulated data, the SM-only
    expectation and the data with their errors; with a breakdown, a lower panel of the data minus the mean
    backgrounds against the signal (the beam-on excess of the COHERENT papers)."""
    plt = pyplot()
    sm = sum(sm_parts.values())
    mus = sum(parts.values())
    noise = noise_model(obs)
    if noise == "poisson":
        sim = rng.poisson(np.clip(mus, 0.0, None))
    else:
        sim = mus + rng.normal(size=mus.shape) * np.asarray(obs["errors"], dtype=float)
    edges = np.asarray(obs["edges"], dtype=float)
    centres = 0.5 * (edges[1:] + edges[:-1])

    breakdown = len(parts) > 1
    if breakdown:
        fig, (ax, low) = plt.subplots(2, 1, figsize=(6.5, 6.0), sharex=True, height_ratios=[3, 1.5])
    else:
        fig, ax = plt.subplots(figsize=(6.5, 4.4))
    if breakdown:
        # backgrounds at the bottom, the signal (first contribution) on top: the top edge is the mean expectation
        base = np.zeros(len(centres))
        for i, (name, values) in reversed(list(enumerate(parts.items()))):
            top = base + values.mean(axis=0)
            ax.fill_between(edges, _stair(base), _stair(top), step="post", color=_STACK_COLOURS[i % len(_STACK_COLOURS)],
                            lw=0, label=name)
            base = top
    lo95, lo68, hi68, hi95 = np.percentile(sim, [2.5, 16, 84, 97.5], axis=0)
    ax.fill_between(edges, _stair(lo95), _stair(hi95), step="post", facecolor="none", edgecolor="0.35", hatch="////",
                    lw=0, label=f"95 % posterior predictive ({noise} noise)")
    ax.fill_between(edges, _stair(lo68), _stair(hi68), step="post", color="0.2", alpha=0.3, lw=0, label="68 %")
    ax.step(edges, _stair(np.median(mus, axis=0)), where="post", color="C0", label="median expectation")
    ax.step(edges, _stair(sm), where="post", color="C3", ls="--", label="Standard Model only")
    ax.errorbar(centres, obs["counts"], yerr=obs.get("errors"), fmt="ko", ms=3, label="data")
    ax.set_xlim(edges[0], edges[-1])
    if breakdown:
        _excess_panel(low, edges, obs, parts, sm_parts)
    (low if breakdown else ax).set_xlabel(obs.get("xlabel", "bin"))
    ax.set_ylabel("events per bin")
    view = "" if axis is None else f", projection on {axis}"
    ax.set_title(f"{dataset}: posterior predictive{view} ({len(mus)} draws)", fontsize=10)
    handles, labels = ax.get_legend_handles_labels()
    k = len(parts) if len(parts) > 1 else 0  # list the stack top-down, as drawn
    order = [*reversed(range(k)), *range(k, len(handles))]
    ax.legend([handles[i] for i in order], [labels[i] for i in order], fontsize=7, ncol=2, loc="best")
    fig.tight_layout()
    return save(fig, path)


def _excess_panel(ax, edges: np.ndarray, obs: Mapping, parts: Mapping[str, np.ndarray],
                  sm_parts: Mapping[str, np.ndarray]) -> None:
    """Data minus the posterior-mean backgrounds (every contribution but the first) with the data errors, against the
    signal (the first contribution): its 68 % band over the draws and its SM-only value."""
    signal_name, *backgrounds = parts
    excess = np.asarray(obs["counts"], dtype=float) - sum(parts[k].mean(axis=0) for k in backgrounds)
    lo, hi = np.percentile(parts[signal_name], [16, 84], axis=0)

    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.fill_between(edges, _stair(lo), _stair(hi), step="post", color=_STACK_COLOURS[0], lw=0,
                    label=f"{signal_name}, 68 % of draws")
    ax.step(edges, _stair(sm_parts[signal_name]), where="post", color="C3", ls="--", label="Standard Model")
    ax.errorbar(0.5 * (edges[1:] + edges[:-1]), excess, yerr=obs.get("errors"), fmt="ko", ms=3,
                label="data - backgrounds")
    ax.set_ylabel("excess events")
    ax.legend(fontsize=7, ncol=3, loc="best")
