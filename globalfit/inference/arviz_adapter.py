"""The one place that talks to ArviZ's data API (it moved between 0.x and 1.x): build, write, read, summarise."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np

#: Probability of the credible intervals of summary.csv and of the plots (highest-density intervals).
INTERVAL_PROB = 0.95
#: Groups of the InferenceData written to posterior.nc (those with data; ``prior``, ``observed_data`` and
#: ``posterior_predictive`` are absent when the run has no draws of them).
GROUPS = ("posterior", "log_likelihood", "sample_stats", "prior", "observed_data", "posterior_predictive")


def from_draws(posterior: Mapping[str, np.ndarray], log_likelihood: Mapping[str, np.ndarray],
               sample_stats: Mapping[str, np.ndarray] | None = None, attrs: dict | None = None, *,
               prior: Mapping[str, np.ndarray] | None = None, observed_data: Mapping[str, np.ndarray] | None = None,
               posterior_predictive: Mapping[str, np.ndarray] | None = None, dims: dict | None = None):
    """InferenceData from arrays shaped (chain, draw, ...) (``observed_data``: (bin,)).

    ``attrs`` (strings, numbers) are set on every group, so that each group read alone still says where it came from.
    """
    import arviz as az

    idata = az.from_dict(posterior=dict(posterior), log_likelihood=dict(log_likelihood),
                         sample_stats=dict(sample_stats) if sample_stats else None,
                         prior=dict(prior) if prior else None,
                         observed_data=dict(observed_data) if observed_data else None,
                         posterior_predictive=dict(posterior_predictive) if posterior_predictive else None,
                         dims=dims or None)
    if attrs:
        clean = {k: (v if isinstance(v, (int, float, str)) and not isinstance(v, bool) else str(v))
                 for k, v in attrs.items()}
        for g in idata.groups():
            getattr(idata, g).attrs.update(clean)
    return idata


def save(idata, path: Path) -> None:
    """Write InferenceData to a netCDF file."""
    idata.to_netcdf(str(path))


def load(path: Path):
    """Read InferenceData from a netCDF file."""
    import arviz as az

    return az.from_netcdf(str(path))


def summary(idata, var_names=None, nuts: bool = False):
    """pandas summary: mean, sd, HDI (:data:`INTERVAL_PROB`), and for MCMC R-hat, ESS and MCSE, at full precision
    (ArviZ rounds to 3 decimals by default, which reads a coupling of 1e-5 as 0.0)."""
    import arviz as az

    return az.summary(idata, var_names=var_names, kind="all" if nuts else "stats", hdi_prob=INTERVAL_PROB,
                      round_to="none")
