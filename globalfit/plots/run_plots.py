"""The plots of a run folder: corner, (M_Z', coupling) plane and posterior-predictive plots."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from globalfit.plots.corner_plot import corner_plot
from globalfit.plots.plane import mass_coupling_plot
from globalfit.plots.predictive import predictive_plots
from globalfit.plots.style import model_title

LOG = logging.getLogger("globalfit.plots")


def posterior_draws(idata) -> dict[str, np.ndarray]:
    """Every posterior variable flattened over chains."""
    return {str(k): np.asarray(v.values).reshape(-1) for k, v in idata.posterior.data_vars.items()}


def draw_weights(idata):
    """Weights of the draws when the posterior stores them (``sample_stats.weight``), else None (equal weights, as
    for the resampled nested-sampling draws and NUTS)."""
    stats = getattr(idata, "sample_stats", None)
    if stats is not None and "weight" in stats:
        return np.asarray(stats["weight"].values).reshape(-1)
    return None


def write_run_plots(fit, idata, folder: Path, n_predictive: int = 200, *, fmt: str = "png", limits=None,
                    config: dict | None = None, corner_subset=None, free=None) -> list[Path]:
    """Write ``corner``, ``mass_coupling`` (mass and coupling both free) and ``<dataset>_predictive`` plots.

    Parameters
    ----------
    fit
        :class:`globalfit.model.Fit` of the run, or None (then only the plots that need no model: corner and plane).
    idata
        The run's InferenceData.
    folder
        Output folder (created).
    fmt
        ``png`` or ``pdf``.
    limits
        Optional limits table overlaid on the (M, coupling) plane.
    config
        Resolved run config (for the title); default: the fit's.
    corner_subset
        Parameters of the corner plot (default: theory parameters and the first nuisances).
    free
        Sampling names of the free parameters when ``fit`` is None.
    """
    folder = Path(folder)
    config = config if config is not None else (fit.cfg.resolved_dict() if fit is not None else {})
    title = model_title(config)
    draws = posterior_draws(idata)
    weights = draw_weights(idata)
    free = [p.sampling_name for p in fit.free] if fit is not None else list(free)
    written = [corner_plot({k: draws[k] for k in free}, folder / f"corner.{fmt}", weights=weights,
                           subset=corner_subset, title=title)]
    coupling = next((c for c in ("gprime", "epsilon") if c in draws), None)
    if coupling and "mass_GeV" in draws and _is_free("mass_GeV", draws) and _is_free(coupling, draws):
        written.append(mass_coupling_plot(draws["mass_GeV"], draws[coupling], coupling, folder / f"mass_coupling.{fmt}",
                                          weights=weights, limits=limits, title=title))
    if fit is not None:
        written += predictive_plots(fit, draws, folder, fmt=fmt, n_predictive=n_predictive)
    return written


def _is_free(name: str, draws) -> bool:
    """Sampled (not a constant column): a fixed mass has no plane."""
    x = draws[name]
    return bool(np.ptp(x) > 0)
