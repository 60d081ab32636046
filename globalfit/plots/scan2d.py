"""The plane of a 2-D profile scan: 68 % and 95 % regions (Delta chi^2 < 2.30, 5.99) of every dataset and combined."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from globalfit.plots.style import label, model_title, pyplot, save


def plot_scan2d(result, path: Path) -> Path:
    """Write the allowed regions of a :class:`~globalfit.frequentist.scan2d.Scan2DResult` to ``path``: each dataset's
    95 % (solid) and 68 % (dashed) contour in its own colour, the combined regions filled."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from globalfit.frequentist.scan2d import LEVELS_2D

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    d68, d95 = LEVELS_2D[0.68], LEVELS_2D[0.95]
    comps = [c[len("delta_chi2_"):] for c in result.table.columns if c.startswith("delta_chi2_")]
    handles = []
    xs, ys, z = result.grid("combined")
    if np.isfinite(z).any() and np.nanmin(z) < d95:
        ax.contourf(xs, ys, z, levels=[-1.0, d68, d95], colors=["#3182bd", "#9ecae1"], alpha=0.7)
        handles += [Patch(color="#3182bd", label="combined 68 %"), Patch(color="#9ecae1", label="combined 95 %")]
    for k, comp in enumerate(c for c in comps if c != "combined"):
        xs, ys, z = result.grid(comp)
        # a dataset whose Delta chi^2 stays below 2.30 everywhere sets no region on this plane: nothing to draw
        if not np.isfinite(z).any() or np.nanmax(z) < d68:
            continue
        colour = f"C{(k + 1) % 10}"
        ax.contour(xs, ys, z, levels=[d68, d95], colors=[colour], linestyles=["--", "-"], linewidths=1.2)
        handles.append(Line2D([], [], color=colour, label=comp))
    ax.set_xlabel(label(result.x_name))
    ax.set_ylabel(label(result.y_name))
    fixed = ", ".join(f"{k} = {v:g}" for k, v in result.meta.get("at", {}).items())
    ax.set_title(model_title(result.config) + "\nprofile $\\Delta\\chi^2$: 68 % (dashed) / 95 % (solid)"
                 + (f"; {fixed}" if fixed else ""), fontsize=8)
    if handles:
        ax.legend(handles=handles, fontsize=7, loc="best")
    fig.tight_layout()
    return save(fig, path)
