"""Plots of the result folders (matplotlib, written to files; ``globalfit plot DIR`` redraws them).

Modules: :mod:`~globalfit.plots.style` (labels, title, intervals, writer), :mod:`~globalfit.plots.corner_plot`,
:mod:`~globalfit.plots.plane` (the (M_Z', g') plane), :mod:`~globalfit.plots.predictive`,
:mod:`~globalfit.plots.compare` (Bayes factors), :mod:`~globalfit.plots.limits`, :mod:`~globalfit.plots.dominance`
(the "who dominates where" map) and :mod:`~globalfit.plots.redraw`.
"""

from __future__ import annotations

from globalfit.plots.compare import plot_bayes_factors
from globalfit.plots.limits import plot_limits
from globalfit.plots.redraw import redraw
from globalfit.plots.run_plots import write_run_plots

__all__ = ["plot_bayes_factors", "plot_limits", "redraw", "write_run_plots"]
