"""Plots of a result folder: corner, the (M_Z', g') plane, per-dataset posterior-predictive bands, Bayes factors (the limits
plot is in :mod:`globalfit.plots_limits`)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from globalfit.parameters import split_name

LOG = logging.getLogger("globalfit.plots")


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _draws(idata, name: str) -> np.ndarray:
    return np.asarray(idata.posterior[name].values).reshape(-1)


def write_run_plots(fit, idata, folder: Path, n_predictive: int = 200) -> list[Path]:
    """Write corner.png, mass_coupling.png (when both are free) and <dataset>_predictive.png into ``folder``."""
    plt = _plt()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    names = [p.sampling_name for p in fit.free]
    data = np.column_stack([_draws(idata, n) for n in names])
    import corner  # a Fit always has a free parameter, so there is always a corner plot

    fig = corner.corner(data, labels=names, quantiles=[0.05, 0.5, 0.95], show_titles=True, title_fmt=".3g")
    fig.savefig(folder / "corner.png", dpi=90)
    plt.close(fig)
    written.append(folder / "corner.png")
    theory = fit.theory.parameter_names
    free_theory = [p.name for p in fit.free if p.name in theory]
    # the (M, coupling) plane: only when exactly those two are free (eft mode has no mass; a fixed mass has no plane)
    if len(free_theory) == 2 and "mass_GeV" in free_theory:
        ylab = next(n for n in free_theory if n != "mass_GeV")
        x, y = _draws(idata, "mass_GeV"), _draws(idata, ylab)
        fig, ax = plt.subplots(figsize=(6, 4.5))
        ax.hist2d(np.log10(x), np.log10(np.abs(y) + 1e-300), bins=50, cmap="Blues")
        ax.set_xlabel("log10(M_Z' / GeV)")
        ax.set_ylabel(f"log10({ylab})")
        ax.set_title(f"posterior, {fit.theory.charges.label if fit.theory.charges else fit.theory.mode}")
        fig.tight_layout()
        fig.savefig(folder / "mass_coupling.png", dpi=90)
        plt.close(fig)
        written.append(folder / "mass_coupling.png")
    # posterior-predictive bands for datasets with bins
    rng = np.random.default_rng(0)
    n = data.shape[0]
    idx = rng.choice(n, size=min(n_predictive, n), replace=False)
    for comp in fit.components:
        obs = comp.observed()
        if "counts" not in obs or "edges" not in obs:
            continue
        preds = []
        for i in idx:
            samp = {p.name: data[i, j] for j, p in enumerate(fit.free)}
            vals = fit.physical_values(samp)
            point = fit.theory.point({k: vals[k] for k in theory})
            nuis = {local: v for k, v in vals.items() for owner, local in [split_name(k)] if owner == comp.id}
            preds.append(np.asarray(comp.expected(point, nuis)["counts"], dtype=float))
        preds = np.array(preds)
        edges = np.asarray(obs["edges"], dtype=float)
        centres = 0.5 * (edges[1:] + edges[:-1])
        lo, med, hi = np.percentile(preds, [2.5, 50, 97.5], axis=0)
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.fill_between(edges, np.append(lo, lo[-1]), np.append(hi, hi[-1]), step="post", alpha=0.35, label="95 % predictive")
        ax.step(edges, np.append(med, med[-1]), where="post", label="median prediction")
        ax.errorbar(centres, obs["counts"], yerr=obs.get("errors"), fmt="ko", ms=3, label="data")
        ax.set_xlabel(obs.get("xlabel", "bin"))
        ax.set_ylabel("events per bin")
        ax.set_title(comp.id)
        ax.legend()
        fig.tight_layout()
        path = folder / f"{comp.id}_predictive.png"
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)
    return written


def plot_bayes_factors(table, path: Path) -> None:
    """Bar plot of ln B relative to the first model, with errors."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.bar(table["model"], table["ln_bayes_factor"], yerr=table["ln_bayes_factor_err"], capsize=4)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_ylabel(f"ln B (vs {table['model'].iloc[0]})")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
