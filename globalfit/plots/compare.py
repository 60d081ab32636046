"""Bayes factors of a model comparison, with the charges on the ticks and the Jeffreys-scale thresholds."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from globalfit.plots.style import pyplot, save

#: Thresholds of |ln B| on the Jeffreys scale (Kass & Raftery, as in :func:`globalfit.comparison.jeffreys`).
JEFFREYS = ((1.0, "weak"), (2.5, "moderate"), (5.0, "strong"))


def plot_bayes_factors(table, path: Path) -> Path:
    """Write ln B of each model relative to the first (errors: the nested-sampling errors in quadrature, as in
    compare.csv) to ``path``; ticks name the model and its charges, dotted lines mark the Jeffreys thresholds."""
    plt = pyplot()
    x = np.arange(len(table))
    lnb = table["ln_bayes_factor"].to_numpy(dtype=float)
    err = table["ln_bayes_factor_err"].to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(max(5.0, 1.6 * len(table)), 4))
    ax.errorbar(x, lnb, yerr=err, fmt="o", ms=7, capsize=5, color="C0")
    span = max(6.0, float(np.nanmax(np.abs(lnb) + err)) * 1.15)
    for level, word in JEFFREYS:
        for sign in (1, -1):
            ax.axhline(sign * level, color="0.5", ls=":", lw=0.8)
        ax.text(x[-1] + 0.45, level, word, fontsize=7, va="bottom", ha="right", color="0.4")
    ax.axhline(0, color="k", lw=0.8)
    ax.axhspan(-1, 1, color="0.92", zorder=0)
    charges = table["charges"] if "charges" in table else table["model"]
    ax.set_xticks(x, [m if m == c else f"{m}\n{c}" for m, c in zip(table["model"], charges)])
    ax.set_xlim(-0.5, x[-1] + 0.5)
    ax.set_ylim(-span, span)
    ax.set_ylabel(f"ln B (vs {table['model'].iloc[0]})")
    ax.set_title("Bayes factors (grey band: inconclusive, |ln B| < 1)", fontsize=9)
    fig.tight_layout()
    return save(fig, path)
