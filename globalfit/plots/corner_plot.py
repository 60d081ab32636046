"""Corner plot of the posterior with physical labels, credible-interval titles and an optional parameter subset."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from globalfit.parameters import split_name
from globalfit.plots.style import INTERVAL_PROB, hdi, label, pyplot, save

#: Parameters shown by default: all theory parameters and nuisances up to this many in all (more are unreadable).
MAX_PARAMETERS = 6


def default_subset(names: Sequence[str], max_parameters: int = MAX_PARAMETERS) -> list[str]:
    """Theory parameters first, then nuisances in order, at most ``max_parameters`` (theory parameters always kept)."""
    theory = [n for n in names if split_name(n)[0] is None]
    nuis = [n for n in names if split_name(n)[0] is not None]
    return theory + nuis[: max(0, max_parameters - len(theory))]


def _title(x: np.ndarray, weights) -> str:
    lo, hi = hdi(x, INTERVAL_PROB, weights)
    mean = float(np.average(x, weights=weights))
    return f"{mean:.3g}  [{lo:.3g}, {hi:.3g}]"


def corner_plot(draws: Mapping[str, np.ndarray], path: Path, *, weights=None,
                subset: Sequence[str] | None = None, title: str = "") -> Path:
    """Write the corner plot of ``draws`` (sampling-space names -> 1-D arrays) to ``path``.

    Parameters
    ----------
    draws
        Posterior draws by sampling name (``log10_gprime``, ``coherent_csi_2017.gamma``...), same length each.
    path
        Output file (``.png`` or ``.pdf``).
    weights
        Optional weight per draw (nested-sampling dead points); None for equal-weight draws.
    subset
        Names to show (default :func:`default_subset`: theory parameters and the first nuisances).
    title
        Figure title (the model).

    Each diagonal title gives the mean and the 95 % highest-density interval, the convention of ``summary.csv``; the
    2-D panels show the 68 % and 95 % credible contours.
    """
    import corner

    names = list(subset) if subset else default_subset(list(draws))
    missing = [n for n in names if n not in draws]
    if missing:
        from globalfit.errors import ConfigError

        raise ConfigError(f"corner subset names {missing} are not posterior variables; choose from {sorted(draws)}")
    data = np.column_stack([np.asarray(draws[n], dtype=float).ravel() for n in names])
    n = len(names)
    plt = pyplot()
    size = max(4.0, 2.1 * n)
    fig = plt.figure(figsize=(size, size))
    corner.corner(data, fig=fig, weights=weights, labels=[label(v, short=True) for v in names],
                  levels=(0.68, 0.95), smooth=1.2, plot_datapoints=False, fill_contours=True, bins=25, color="#3182bd",
                  label_kwargs={"fontsize": 10}, max_n_ticks=4)
    axes = np.asarray(fig.axes).reshape(n, n)
    for i, v in enumerate(names):
        lo, hi = hdi(data[:, i], INTERVAL_PROB, weights)
        ax = axes[i, i]
        for edge in (lo, hi):
            ax.axvline(edge, color="C0", ls="--", lw=1)
        owner = split_name(v)[0]
        ax.set_title((f"{owner}\n" if owner else "") + _title(data[:, i], weights), fontsize=8)
    fig.suptitle((title + "\n" if title else "") + f"mean [{INTERVAL_PROB:.0%} HDI]", fontsize=10)
    fig.subplots_adjust(top=0.88 if n <= 2 else 0.92, hspace=0.12, wspace=0.12)
    return save(fig, path)
