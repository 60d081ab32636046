"""The "who dominates where" map: each dataset's excluded region in the (M_Z', coupling) plane, in its own colour, with
the leading dataset at each mass marked along the envelope of the limits."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from globalfit.plots.style import label, pyplot, save


def plot_map(limits, dominant, path: Path, *, title: str = "", coupling_name: str = "gprime") -> Path:
    """Write the map to ``path``.

    Parameters
    ----------
    limits
        Per-dataset limits (columns mass_GeV, component, upper; NaN: no limit at that mass).
    dominant
        Leader per mass (columns mass_GeV, dataset, upper) from :func:`globalfit.dominance.dominant`.
    """
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 5))
    comps = [c for c in sorted(limits["component"].unique()) if np.isfinite(limits[limits["component"] == c]["upper"]).any()]
    colours = {c: f"C{k % 10}" for k, c in enumerate(comps)}
    top = np.nanmax(limits["upper"].to_numpy(dtype=float)) * 3 if np.isfinite(limits["upper"]).any() else 1.0
    for c in comps:
        g = limits[limits["component"] == c].sort_values("mass_GeV")
        m, u = g["mass_GeV"].to_numpy(), g["upper"].to_numpy(dtype=float)
        ax.fill_between(m, u, top, where=np.isfinite(u), color=colours[c], alpha=0.12, lw=0)
        ax.plot(m, u, ".-", color=colours[c], lw=1.2, ms=3, label=c)  # dots: an isolated mass still shows
    led = dominant[dominant["dataset"] != ""]
    for c in comps:
        d = led[led["dataset"] == c]
        if len(d):
            ax.plot(d["mass_GeV"], d["upper"], "o", color=colours[c], ms=6, mec="k", mew=0.8)
    from globalfit.dominance import mass_ranges

    for r in mass_ranges(dominant).itertuples():  # name the leader over each of its mass ranges
        mid = float(np.sqrt(r.mass_min_GeV * r.mass_max_GeV))
        y = float(np.interp(np.log(mid), np.log(led["mass_GeV"]), led["upper"]))
        ax.annotate(r.dataset, (mid, y), xytext=(0, -14), textcoords="offset points", ha="center", fontsize=7,
                    color=colours[r.dataset], fontweight="bold")
    # the envelope: the reach of the strongest single dataset at each mass
    ax.plot(led["mass_GeV"], led["upper"], "k--", lw=0.8, label="strongest single dataset (dots: leader)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(top=top)
    ax.set_xlabel(label("mass_GeV"))
    ax.set_ylabel(label(coupling_name) + " (upper limit, profile $\\Delta\\chi^2$)")
    ax.set_title((title + "\n" if title else "") + "who dominates where: excluded regions per dataset", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return save(fig, path)
