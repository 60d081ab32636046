"""Posterior-predictive plots of binned datasets: the spread of simulated data (expectation plus Poisson or Gaussian
noise), the median expectation, the Standard-Model-only expectation and the data."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np

from globalfit.parameters import split_name
from globalfit.plots.style import pyplot, save

#: Posterior draws used per plot.
N_PREDICTIVE = 200


def noise_model(obs: Mapping) -> str:
    """``"poisson"`` for raw event counts (integers whose quoted errors, if any, are their square roots), else
    ``"gaussian"`` with the quoted errors (background-subtracted or Gaussian-likelihood data)."""
    n = np.asarray(obs["counts"], dtype=float)
    err = obs.get("errors")
    integer = np.all(n >= 0) and np.allclose(n, np.round(n))
    if integer and (err is None or np.allclose(np.asarray(err, dtype=float), np.sqrt(n))):
        return "poisson"
    return "gaussian"


def _expected(fit, comp, vals: Mapping[str, float]) -> np.ndarray:
    theory = fit.theory.parameter_names
    point = fit.theory.point({k: vals[k] for k in theory})
    nuis = {local: v for k, v in vals.items() for owner, local in [split_name(k)] if owner == comp.id}
    return np.asarray(comp.expected(point, nuis)["counts"], dtype=float)


def _standard_model(fit, vals: Mapping[str, float]) -> dict[str, float]:
    """The same point with the coupling set to zero and every nuisance at its prior centre."""
    sm = dict(vals)
    sm[fit.theory.coupling_name] = 0.0
    for p in fit.free:
        if split_name(p.name)[0] is not None:
            sm[p.name] = float(p.to_physical(p.initial())) if p.is_log else float(p.initial())
    return sm


def predictive_plots(fit, samples: Mapping[str, np.ndarray], folder: Path, fmt: str = "png",
                     n_predictive: int = N_PREDICTIVE, seed: int = 0) -> list[Path]:
    """Write ``<dataset>_predictive.<fmt>`` for every component with binned counts.

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
    plt = pyplot()
    rng = np.random.default_rng(seed)
    names = [p.sampling_name for p in fit.free]
    n = len(np.asarray(samples[names[0]]).ravel())
    idx = np.sort(rng.choice(n, size=min(n_predictive, n), replace=False))
    points = [fit.physical_values({p.name: float(np.asarray(samples[p.sampling_name]).ravel()[i]) for p in fit.free})
              for i in idx]
    written = []
    for comp in fit.components:
        obs = comp.observed()
        if "counts" not in obs or "edges" not in obs:
            continue
        mus = np.array([_expected(fit, comp, v) for v in points])
        noise = noise_model(obs)
        if noise == "poisson":
            sim = rng.poisson(np.clip(mus, 0.0, None))
        else:
            sim = mus + rng.normal(size=mus.shape) * np.asarray(obs["errors"], dtype=float)
        sm = _expected(fit, comp, _standard_model(fit, points[0]))
        edges = np.asarray(obs["edges"], dtype=float)
        centres = 0.5 * (edges[1:] + edges[:-1])

        def stair(y):
            return np.append(y, y[-1])

        lo95, lo68, med, hi68, hi95 = np.percentile(sim, [2.5, 16, 50, 84, 97.5], axis=0)
        fig, ax = plt.subplots(figsize=(6.5, 4.2))
        ax.fill_between(edges, stair(lo95), stair(hi95), step="post", color="C0", alpha=0.2,
                        label=f"95 % posterior predictive ({noise} noise)")
        ax.fill_between(edges, stair(lo68), stair(hi68), step="post", color="C0", alpha=0.35, label="68 %")
        ax.step(edges, stair(np.median(mus, axis=0)), where="post", color="C0", label="median expectation")
        ax.step(edges, stair(sm), where="post", color="C3", ls="--", label="Standard Model only")
        ax.errorbar(centres, obs["counts"], yerr=obs.get("errors"), fmt="ko", ms=3, label="data")
        ax.set_xlabel(obs.get("xlabel", "bin"))
        ax.set_ylabel("events per bin")
        ax.set_title(f"{comp.id}: posterior predictive ({len(idx)} draws)", fontsize=10)
        ax.legend(fontsize=7)
        fig.tight_layout()
        written.append(save(fig, Path(folder) / f"{comp.id}_predictive.{fmt}"))
    return written
