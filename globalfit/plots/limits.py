"""The limits plot: observed, expected (Brazil bands) and projected limits vs the Z' mass.

Styles (each named in the legend, so the plot reads without the CSV):

- observed limits of the data: solid lines (the ``combined`` data limit thick black);
- expected limits (Asimov median, ``expected_limits.csv``) of ``combined``: black dashed, with the +-1 sigma
  (green) and +-2 sigma (yellow) bands of pyhf's Brazil plot, for the profile Delta chi^2 method;
- projections and ``combined_projected``: dash-dotted lines, labelled "projected";
- the width bound of the simplified model: thin grey dotted; Bayesian credible limits: black dotted; prior-dominated
  points as grey crosses (not limits);
- each dataset's excluded region (above its observed limit) lightly shaded in its colour and labelled on the plot at
  the mass where it is strongest, in the style of paper 002 Fig. 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

#: The method whose expected bands are drawn (the other methods' expected limits stay in the CSV).
BAND_METHOD = "delta_chi2_profile"
#: How the legend names a method.
METHOD_LABELS = {"delta_chi2_profile": "profile Δχ²", "cls": "CLs", "bayesian": "Bayesian"}


def plot_limits(table, path: Path, expected=None, projections: Sequence[str] = (), title: str = "") -> None:
    """Draw ``plots/limits.png`` from a limits table (``LimitsResult.table``), its expected table (or None), the
    ids of the run's projections and a title (the model and its charges). Rows without a finite limit are left out."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    projected = {*projections, "combined_projected"}
    table = table[np.isfinite(table["upper"])]
    bayes = table["method"] == "bayesian"
    dominated = bayes & (table["prior_dominated"].eq(True) if "prior_dominated" in table else False)
    fig, ax = plt.subplots(figsize=(10, 5.5))
    if expected is not None and len(expected):
        band = expected[(expected["component"] == "combined") & (expected["method"] == BAND_METHOD)]
        band = band[np.isfinite(band["median"])].sort_values("mass_GeV")
        if len(band):
            m = band["mass_GeV"]
            ax.fill_between(m, band["minus2"], band["plus2"], color="#ffdd33", label="expected combined +-2 sigma")
            ax.fill_between(m, band["minus1"], band["plus1"], color="#33bb33", label="expected combined +-1 sigma")
            ax.plot(m, band["median"], "k--", lw=1.5, label="expected combined (median, Asimov)")
    top = float(table["upper"].max()) * 3 if len(table) else 1.0
    for (comp, method), grp in table[~bayes].groupby(["component", "method"]):
        grp = grp.sort_values("mass_GeV")
        how = METHOD_LABELS.get(method, method)
        if comp in projected:
            ax.plot(grp["mass_GeV"], grp["upper"], "-.", lw=2 if comp == "combined_projected" else 1.2,
                    label=f"projected: {comp} ({how})")
        elif comp == "width_bound":
            ax.plot(grp["mass_GeV"], grp["upper"], ":", color="0.5", lw=1, label="theory bound: Z' width (paper 000 eq. 2.9)")
        elif comp == "combined":
            ax.plot(grp["mass_GeV"], grp["upper"], "k-", lw=2.2, label=f"observed: all data combined ({how})")
        else:
            (line,) = ax.plot(grp["mass_GeV"], grp["upper"], "-", lw=1, alpha=0.9, label=f"observed: {comp} ({how})")
            if method == BAND_METHOD:
                ax.fill_between(grp["mass_GeV"], grp["upper"], top, color=line.get_color(), alpha=0.08, lw=0)
                best = grp.loc[grp["upper"].idxmin()]
                ax.annotate(comp, (best["mass_GeV"], best["upper"]), xytext=(0, 6), textcoords="offset points",
                            fontsize=6, color=line.get_color(), ha="center")
    credible = table[bayes & ~dominated]
    if len(credible):
        ax.plot(credible["mass_GeV"], credible["upper"], "k:", lw=2, label="Bayesian 95 % credible upper limit")
    if dominated.any():
        ax.plot(table[dominated]["mass_GeV"], table[dominated]["upper"], "x", color="0.6",
                label="Bayesian: prior-dominated (no limit)")
    for line in ax.get_lines():
        if len(line.get_xdata()) == 1 and line.get_marker() in ("None", None, ""):
            line.set_marker("o")  # a scan at one mass: a curve of one point draws nothing without a marker
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("M_Z' [GeV]")
    ax.set_ylabel(f"upper limit on {table['parameter'].iloc[0]}" if len(table) else "upper limit")
    ax.set_ylim(top=top)
    ax.set_title((title + "\n" if title else "") + "excluded above each curve (shaded: observed per dataset)",
                 fontsize=9)
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.tight_layout()
    fig.savefig(path, dpi=90, bbox_inches="tight")  # the legend sits outside the axes
    plt.close(fig)
