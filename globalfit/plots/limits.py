"""Upper limits vs mass from a limits table (``limits.csv``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from globalfit.plots.style import pyplot, save


def plot_limits(table, path: Path) -> None:
    """Upper limits vs mass, one line per component and method, from a limits table (``LimitsResult.table``).

    Rows without a finite limit are left out. Bayesian credible limits (method ``bayesian``) are drawn as a dotted line
    only where they are limits; where ``prior_dominated`` is true the number is the prior's own quantile, shown as grey
    crosses labelled as such rather than as a limit.
    """
    plt = pyplot()
    table = table[np.isfinite(table["upper"])]
    bayes = table["method"] == "bayesian"
    dominated = bayes & (table["prior_dominated"].eq(True) if "prior_dominated" in table else False)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for (comp, method), grp in table[~bayes].groupby(["component", "method"]):
        ls = "-" if comp == "combined" else "--"
        ax.plot(grp["mass_GeV"], grp["upper"], ls, lw=2 if comp == "combined" else 1, label=f"{comp} ({method})")
    credible = table[bayes & ~dominated]
    if len(credible):
        ax.plot(credible["mass_GeV"], credible["upper"], "k:", lw=2, label="Bayesian 95 % credible upper limit")
    if dominated.any():
        ax.plot(table[dominated]["mass_GeV"], table[dominated]["upper"], "x", color="0.6",
                label="Bayesian: prior-dominated (no limit)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("M_Z' [GeV]")
    ax.set_ylabel(f"upper limit on {table['parameter'].iloc[0]}" if len(table) else "upper limit")
    ax.legend(fontsize=7)
    fig.tight_layout()
    save(fig, path)
