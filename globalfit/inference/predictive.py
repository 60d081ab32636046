"""Per-bin observables of the binned datasets: expected counts per draw, pointwise log-likelihood, and
posterior-predictive replicas (the ``observed_data``, ``posterior_predictive`` and per-bin ``log_likelihood`` groups
of ``posterior.nc``).

A dataset is *binned* when its :meth:`~globalfit.components.base.Component.observed` gives a ``counts`` array of
more than one bin, with :meth:`~globalfit.components.base.Component.expected` giving the matching prediction. The
noise model of each bin follows the data: integer counts whose quoted errors are their square roots are Poisson
counts (the LAr and CsI 2021 releases); anything else (background-subtracted counts, counts with a background
uncertainty) is Gaussian with the quoted errors. The per-bin log-likelihood is that noise model's log-density of
the observed counts, which for datasets with correlated bins (the CMS mono-jet covariance) uses the diagonal only:
it is meant for LOO/WAIC diagnostics and need not sum to the dataset's own term, which stays in
``log_likelihood[<dataset>]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from globalfit.parameters import split_name

#: Suffix of the per-bin variables (observed_data, posterior_predictive, log_likelihood): ``<dataset>_counts``.
COUNTS = "_counts"


@dataclass(frozen=True)
class BinnedData:
    """Observed counts of one binned dataset and its noise model.

    Attributes
    ----------
    dataset
        Dataset id.
    counts
        Observed counts per bin (events; background-subtracted for some datasets).
    errors
        Gaussian standard deviation per bin (events); unused for Poisson bins.
    poisson
        Whether the bins are Poisson counts.
    """

    dataset: str
    counts: np.ndarray
    errors: np.ndarray
    poisson: bool

    @property
    def var_name(self) -> str:
        return self.dataset + COUNTS

    @property
    def dim(self) -> str:
        return self.dataset + "_bin"

    def log_density(self, mu: np.ndarray) -> np.ndarray:
        """Log-density of the observed counts per bin given expected counts ``mu`` (..., nbin)."""
        from scipy import stats

        if self.poisson:
            return stats.poisson.logpmf(self.counts, np.maximum(mu, 1e-300))
        return stats.norm.logpdf(self.counts, loc=mu, scale=self.errors)

    def replicate(self, mu: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Replica data drawn from the noise model around expected counts ``mu``."""
        if self.poisson:
            return rng.poisson(np.maximum(mu, 0.0)).astype(float)
        return rng.normal(mu, self.errors)


def binned_datasets(fit) -> list[BinnedData]:
    """The binned datasets of ``fit`` (see module docstring), in component order."""
    out = []
    for comp in fit.components:
        obs = comp.observed()
        counts = obs.get("counts")
        if counts is None or np.size(counts) < 2:
            continue
        counts = np.asarray(counts, dtype=float).ravel()
        errors = np.asarray(obs.get("errors", np.sqrt(np.maximum(counts, 1.0))), dtype=float).ravel()
        poisson = bool(np.all(counts >= 0) and np.allclose(counts, np.round(counts))
                       and np.allclose(errors, np.sqrt(counts)))
        out.append(BinnedData(comp.id, counts, np.maximum(errors, 1e-12), poisson))
    return out


def expected_counts_function(fit, binned: Sequence[BinnedData]):
    """Compiled function: sampling-space vector -> list of expected-count arrays, one per binned dataset."""
    import pytensor.tensor as pt

    from globalfit import compile_cache

    xs = [pt.dscalar(p.sampling_name) for p in fit.free]
    values = fit.physical_values({p.name: x for p, x in zip(fit.free, xs)})
    point = fit.theory.point({k: values[k] for k in fit.theory.parameter_names})
    by_owner: dict[str, dict[str, Any]] = {}
    for k, v in values.items():
        owner, local = split_name(k)
        if owner is not None:
            by_owner.setdefault(owner, {})[local] = v
    comps = {c.id: c for c in fit.components}
    outs = [pt.as_tensor_variable(comps[b.dataset].expected(point, by_owner.get(b.dataset, {}))["counts"])
            .astype("float64").flatten() for b in binned]
    vec = pt.dvector("x")
    key = fit.function_cache_key("expected_counts:" + ",".join(b.dataset for b in binned))
    return compile_cache.function([vec], outs, givens={x: vec[i] for i, x in enumerate(xs)}, on_unused_input="ignore",
                                  cache_key=key)


def per_bin_groups(fit, sampling: np.ndarray, seed: int) -> tuple[dict, dict, dict, dict]:
    """Per-bin groups for draws in sampling space (chain, draw, ndim).

    Returns
    -------
    tuple of dict
        ``(observed_data, posterior_predictive, log_likelihood, dims)``: arrays keyed ``<dataset>_counts``
        (observed: (bin,); the others: (chain, draw, bin)) and the ArviZ dims of each variable.
    """
    binned = binned_datasets(fit)
    if not binned:
        return {}, {}, {}, {}
    f = expected_counts_function(fit, binned)
    nchain, ndraw, _ = sampling.shape
    mus = [np.empty((nchain, ndraw, b.counts.size)) for b in binned]
    for c in range(nchain):
        for d in range(ndraw):
            for j, mu in enumerate(f(sampling[c, d])):
                mus[j][c, d] = mu
    rng = np.random.default_rng(seed)
    observed, predictive, loglike, dims = {}, {}, {}, {}
    for b, mu in zip(binned, mus):
        observed[b.var_name] = b.counts
        predictive[b.var_name] = b.replicate(mu, rng)
        loglike[b.var_name] = b.log_density(mu)
        dims[b.var_name] = [b.dim]
    return observed, predictive, loglike, dims
