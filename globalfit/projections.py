"""Projected datasets in limits: the fit of the data plus the run's ``projections:`` (``projections/<id>/``).

A projection is a future experiment whose data are its expectation (observed = expected background), so it never
enters a Bayesian fit or the ``combined`` limit of the data. :func:`projected_fit` builds the
:class:`~globalfit.model.Fit` of data + projections for the ``combined_projected`` rows of ``globalfit limits``;
:func:`projected_dominance` says which dataset or projection sets the strongest limit at each mass.
"""

from __future__ import annotations

from globalfit.catalogue import Catalogue


class _ProjectionsAsData(Catalogue):
    """A catalogue view in which the listed projections are found under ``likelihoods`` too (for one Fit only)."""

    def __init__(self, ids: set[str], allow_shadowing: bool = False):
        super().__init__(allow_shadowing=allow_shadowing)
        self._projection_ids = ids

    def get(self, dataset_id: str, section: str = "likelihoods", verify: bool = True):
        if section == "likelihoods" and dataset_id in self._projection_ids:
            section = "projections"
        return super().get(dataset_id, section, verify)


def projection_ids(cfg) -> list[str]:
    """Ids listed under ``projections:`` of a run config."""
    return [r.id for r in cfg.projections]


def projected_fit(cfg):
    """The Fit of the data and the projections of ``cfg`` (None without projections); its components are the data
    components followed by the projections."""
    from globalfit.model import Fit

    ids = projection_ids(cfg)
    if not ids:
        return None
    both = cfg.model_copy(deep=True)
    both.likelihoods = [*cfg.likelihoods, *cfg.projections]
    return Fit(both, catalogue=_ProjectionsAsData(set(ids), cfg.allow_shadowing))


def projected_dominance(cfg, masses=None, processes: int | None = None):
    """Who leads where among the data *and* the projections of ``cfg``: :func:`globalfit.dominance.dominance_map` on
    the fit of :func:`projected_fit` (each dataset or projection alone; a projection's limit is its expected one,
    since its data are its expectation).

    Parameters
    ----------
    cfg
        :class:`globalfit.config.RunConfig` with model type u1 or simplified and at least one projection.
    masses
        Masses [GeV]; default the run config's grid.
    processes
        Worker processes (default: the run config's, or the executor's default).

    Returns
    -------
    globalfit.dominance.DominanceResult

    Raises
    ------
    ConfigError
        Without ``projections:`` in the run config, or for model type eft.
    """
    from globalfit.dominance import dominance_map
    from globalfit.errors import ConfigError

    if not projection_ids(cfg):
        raise ConfigError("projections: the run config lists no projection (use globalfit map for data only)")
    both = cfg.model_copy(deep=True)
    both.likelihoods, both.projections = [*cfg.likelihoods, *cfg.projections], []
    return dominance_map(both, masses=masses, processes=processes,
                         catalogue=_ProjectionsAsData(set(projection_ids(cfg)), cfg.allow_shadowing))
