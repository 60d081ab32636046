"""The (M_Z', coupling) plane: smoothed 68/95 % credible regions from (weighted) draws, with each dataset's upper limit
overlaid and labelled when a limits table is at hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from globalfit.plots.style import label, pyplot, save

#: Credible levels of the contours (probability inside).
LEVELS = (0.68, 0.95)
#: Histogram bins per axis (log space) and the Gaussian smoothing width in bins.
BINS, SMOOTH_BINS = 50, 2.0


def credible_thresholds(density: np.ndarray, levels=LEVELS) -> list[float]:
    """Density values whose upper level sets hold ``levels`` of the total mass, in increasing order (for contourf)."""
    flat = np.sort(density.ravel())[::-1]
    cum = np.cumsum(flat) / flat.sum()
    return sorted(float(flat[min(np.searchsorted(cum, lev), flat.size - 1)]) for lev in levels)


def frequentist_curves(limits):
    """Per-dataset profile Delta chi^2 limits: {component: (mass, upper)} for components with at least one finite
    limit, ``combined`` last. NaN (no limit) stays in, so that a line breaks where a dataset sets no limit."""
    if limits is None:
        return {}
    t = limits[limits["method"] == "delta_chi2_profile"].sort_values("mass_GeV")
    out = {c: (g["mass_GeV"].to_numpy(), g["upper"].to_numpy(dtype=float)) for c, g in t.groupby("component")
           if np.isfinite(g["upper"]).any()}
    if "combined" in out:
        out["combined"] = out.pop("combined")
    return out


def mass_coupling_plot(mass: np.ndarray, coupling: np.ndarray, coupling_name: str, path: Path, *, weights=None,
                       limits=None, title: str = "") -> Path:
    """Write the posterior in the (M_Z', coupling) plane to ``path``.

    Parameters
    ----------
    mass, coupling
        Draws of the mass (GeV) and of the coupling (physical value; its modulus is drawn on log axes).
    coupling_name
        ``gprime`` or ``epsilon`` (axis label).
    weights
        Optional weight per draw (None: equal weights).
    limits
        Optional limits table (``limits.csv``): each dataset's Delta chi^2 upper limit is drawn and labelled.
    title
        The model (charges).
    """
    from scipy.ndimage import gaussian_filter

    plt = pyplot()
    lx, ly = np.log10(mass), np.log10(np.abs(coupling) + 1e-300)
    hist, xe, ye = np.histogram2d(lx, ly, bins=BINS, weights=weights)
    dens = gaussian_filter(hist.T, SMOOTH_BINS)
    xc, yc = 0.5 * (xe[1:] + xe[:-1]), 0.5 * (ye[1:] + ye[:-1])
    t95, t68 = credible_thresholds(dens)  # the 95 % region reaches down to the lower density
    fig, ax = plt.subplots(figsize=(7, 5))
    X, Y = 10.0**xc, 10.0**yc
    ax.contourf(X, Y, dens, levels=[t95, t68, dens.max() * 1.01], colors=["#9ecae1", "#3182bd"], alpha=0.8)
    ax.contour(X, Y, dens, levels=[t95, t68], colors=["#3182bd", "#08519c"], linewidths=1.0)
    from matplotlib.patches import Patch

    handles = [Patch(color="#3182bd", label="68 % credible"), Patch(color="#9ecae1", label="95 % credible")]
    for k, (comp, (m, u)) in enumerate(frequentist_curves(limits).items()):
        is_comb = comp == "combined"
        line, = ax.plot(m, u, "-", color="k" if is_comb else f"C{(k + 1) % 10}", lw=2.2 if is_comb else 1.2,
                        label=comp)
        handles.append(line)
        last = int(np.nonzero(np.isfinite(u))[0][-1])  # label each curve at its last limit, in its own colour
        ax.annotate(comp, (m[last], u[last]), xytext=(3, 0), textcoords="offset points", fontsize=7,
                    color=line.get_color(), va="center")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(X[0], X[-1])
    ax.set_ylim(Y[0], Y[-1])
    ax.set_xlabel(label("mass_GeV"))
    ax.set_ylabel(label(coupling_name))
    ax.set_title(("posterior " if not title else title + "\n") + "68 % / 95 % credible regions"
                 + ("; lines: profile $\\Delta\\chi^2$ upper limits" if limits is not None else ""), fontsize=9)
    ax.legend(handles=handles, fontsize=7, loc="lower right")
    fig.tight_layout()
    return save(fig, path)
