"""``globalfit.predicted_spectrum``: the expected events per bin of one binned dataset at one parameter point.

The numbers behind a spectrum figure (paper 002 Fig. 3: the LAr 750 kg energy and time spectra at a Z' point against
the Standard Model), from the same component predictions the likelihood and the posterior-predictive plots use
(:func:`globalfit.plots.predictive.expected_parts`). A dataset may be one of the run's data or one of its
``projections:``; a multi-dimensional dataset is projected on one axis (``comp.projections()``: ``time``, ``F90`` for
the COHERENT LAr kind).

>>> import globalfit                                                                                # doctest: +SKIP
>>> cfg = globalfit.load_config("runs/paper002_caseA.yaml")                                        # doctest: +SKIP
>>> globalfit.predicted_spectrum(cfg, "coherent_lar750_projection", {"gprime": 2e-3, "mass_GeV": 10.0}, axis="time")
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from globalfit.errors import ConfigError


def _fit_holding(cfg, dataset: str):
    """The Fit whose components include ``dataset``: the run's own, or that of its data + projections."""
    from globalfit.model import Fit
    from globalfit.projections import projected_fit, projection_ids

    if dataset in projection_ids(cfg):
        return projected_fit(cfg)
    fit = Fit(cfg)
    if dataset not in fit.component_ids:
        known = [*fit.component_ids, *projection_ids(cfg)]
        raise ConfigError(f"dataset {dataset!r} is not in this run config (it has {', '.join(known)})")
    return fit


def predicted_spectrum(cfg, dataset: str, point: Mapping[str, float], axis: str | None = None):
    """Expected events per bin of ``dataset`` at ``point``, split into signal and backgrounds.

    Parameters
    ----------
    cfg
        :class:`globalfit.config.RunConfig` listing ``dataset`` under ``likelihoods:``, ``priors:`` or
        ``projections:``.
    dataset
        Dataset id (a binned dataset: its ``observed()`` has counts and bin edges).
    point
        Physical values by name: the theory parameters (``gprime`` or ``epsilon``, ``mass_GeV``; a parameter fixed
        in the run config may be left out) and optionally the dataset's nuisances by full name
        (``<dataset>.<name>``); nuisances left out are at their prior centre. ``gprime = 0`` is the Standard Model.
    axis
        Projection of a multi-dimensional dataset (e.g. ``"time"``); None: the dataset's default bins (the energy
        for the COHERENT LAr kind).

    Returns
    -------
    pandas.DataFrame
        One row per bin: ``low``, ``high`` (bin edges in the unit of ``xlabel``), one column of expected events per
        contribution (e.g. ``CEvNS``, ``steady state``), ``expected`` (their sum), ``observed`` (the dataset's counts;
        for a projection its expectation); ``df.attrs["xlabel"]`` names the axis and its unit.

    Raises
    ------
    ConfigError
        For a dataset not in the run config, one without binned counts, an unknown axis, or a missing theory
        parameter.
    """
    import pandas as pd

    from globalfit.plots.predictive import expected_parts

    fit = _fit_holding(cfg, dataset)
    comp = next(c for c in fit.components if c.id == dataset)
    views = {None: comp.observed(), **comp.projections()}
    if axis not in views:
        raise ConfigError(f"{dataset} has no axis {axis!r} (axes: default, {', '.join(a for a in views if a)})")
    obs = views[axis]
    if "counts" not in obs or "edges" not in obs or np.size(obs["counts"]) < 2:
        raise ConfigError(f"{dataset} is not a binned dataset: it has no spectrum to predict")
    vals: dict[str, float] = {}
    for p in fit.parameters:
        if p.name in point:
            vals[p.name] = float(point[p.name])
        elif not p.free:
            vals[p.name] = float(p.fixed_value)
        elif p.owner is None:
            raise ConfigError(f"point must give {p.name} (theory parameters: {', '.join(fit.theory.parameter_names)})")
        elif p.owner == dataset:
            # the prior centre of a nuisance (sampling space = physical space for the normal nuisance priors)
            vals[p.name] = float(p.to_physical(p.initial())) if p.is_log else float(p.initial())
    parts = expected_parts(fit, comp, vals, axis)
    edges = np.asarray(obs["edges"], dtype=float)
    table = pd.DataFrame({"low": edges[:-1], "high": edges[1:], **parts})
    table["expected"] = sum(parts.values())
    table["observed"] = np.asarray(obs["counts"], dtype=float)
    table.attrs["xlabel"] = obs.get("xlabel", "")
    return table
