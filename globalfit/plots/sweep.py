"""The combined limit against the sweep coordinates, from a sweep table (``sweep.csv``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from globalfit.plots.style import pyplot, save

#: Masses drawn as separate lines at most (spread over the grid); more would be unreadable.
MAX_LINES = 8


def plot_sweep(table, path: Path) -> None:
    """M/g' [GeV] of the combined profile Delta chi^2 limit against the sweep coordinate, one line per mass and
    dataset set. The coordinate is the one r-basis coordinate that varies when only one does (a 1-D grid), else the
    point index with the charges as tick labels. Points without a limit are left out."""
    plt = pyplot()
    rows = table[(table["component"] == "combined") & (table["method"] == "delta_chi2_profile")]
    varying = [k for k in ("r_BL", "r_mutau", "r_mue") if rows[k].nunique() > 1]
    xkey = varying[0] if len(varying) == 1 else "point"
    masses = np.unique(rows["mass_GeV"])
    if len(masses) > MAX_LINES:
        masses = masses[np.linspace(0, len(masses) - 1, MAX_LINES).round().astype(int)]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for (ds, m), grp in rows[rows["mass_GeV"].isin(masses)].groupby(["datasets", "mass_GeV"]):
        grp = grp[np.isfinite(grp["M_over_g_GeV"])].sort_values(xkey)
        if len(grp):
            ax.plot(grp[xkey], grp["M_over_g_GeV"], "o-", ms=3, label=f"M = {m:.3g} GeV ({ds})")
    if xkey == "point":
        ticks = rows.drop_duplicates("point")
        ax.set_xticks(ticks["point"], ticks["charges"], rotation=60, fontsize=6, ha="right")
    ax.set_yscale("log")
    ax.set_xlabel(xkey if xkey != "point" else "charge assignment")
    ax.set_ylabel("lower limit on M_Z'/g' [GeV] (combined, profile)")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=6)
    fig.tight_layout()
    save(fig, path)
