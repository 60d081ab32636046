"""bilby adapter: the run's log-likelihood as a ``bilby.Likelihood`` and its priors as a ``bilby.core.prior.PriorDict``.

>>> from globalfit.interop.bilby import likelihood_and_priors                           # doctest: +SKIP
>>> like, priors = likelihood_and_priors(globalfit.load_config("runs/quickstart.yaml"))  # doctest: +SKIP
>>> bilby.run_sampler(like, priors, sampler="dynesty", nlive=400)                       # doctest: +SKIP

Parameters are the physical names of :attr:`globalfit.likelihood.Likelihood.parameters` (``gprime``, ``mass_GeV``
in GeV, ``coherent_csi_2017.gamma``...). Priors map one to one: log-uniform -> ``LogUniform``, uniform ->
``Uniform``, normal -> ``Gaussian`` (``TruncatedGaussian`` when bounded), fixed -> ``DeltaFunction``. A
log-uniform prior on g' is the same measure as globalfit's uniform prior on log10 g', so bilby's evidence is
globalfit's (``evidence.json``).
"""

from __future__ import annotations

from typing import Any, Mapping

import bilby
import numpy as np

from globalfit.parameters import Fixed, LogUniform, Normal, Parameter, Uniform


def _label(p: Parameter) -> str:
    from globalfit.plots.style import label

    return label(p.name)


def _unit(p: Parameter) -> str | None:
    # only theory parameters carry units (masses in GeV); couplings and nuisances are dimensionless
    return "GeV" if p.name.endswith("_GeV") else None


def bilby_prior(p: Parameter) -> bilby.core.prior.Prior:
    """The bilby prior of one globalfit parameter (physical value, same unit)."""
    prior, kw = p.prior, {"name": p.name, "latex_label": _label(p), "unit": _unit(p)}
    if isinstance(prior, Fixed):
        return bilby.core.prior.DeltaFunction(prior.value, **kw)
    if isinstance(prior, LogUniform):
        return bilby.core.prior.LogUniform(prior.lower, prior.upper, **kw)
    if isinstance(prior, Uniform):
        return bilby.core.prior.Uniform(prior.lower, prior.upper, **kw)
    if isinstance(prior, Normal):
        if not prior.truncated:
            return bilby.core.prior.Gaussian(prior.mu, prior.sigma, **kw)
        lo = -np.inf if prior.lower is None else prior.lower
        hi = np.inf if prior.upper is None else prior.upper
        return bilby.core.prior.TruncatedGaussian(prior.mu, prior.sigma, lo, hi, **kw)
    raise TypeError(f"no bilby prior for {type(prior).__name__} (parameter {p.name})")


def bilby_priors(fit) -> bilby.core.prior.PriorDict:
    """bilby priors of every parameter of ``fit`` (a :class:`globalfit.model.Fit`), free and fixed, by physical
    name."""
    return bilby.core.prior.PriorDict({p.name: bilby_prior(p) for p in fit.parameters})


class BilbyLikelihood(bilby.Likelihood):
    """``bilby.Likelihood`` of a run config: :class:`globalfit.likelihood.Likelihood` of the physical parameters
    bilby passes (natural log), plus the constant log-likelihood of the datasets dropped as insensitive, so that
    ln Z is comparable with ``evidence.json``.

    Parameters
    ----------
    likelihood
        :class:`globalfit.likelihood.Likelihood` (``globalfit.likelihood(cfg)``).
    """

    def __init__(self, likelihood) -> None:
        super().__init__()
        self.globalfit = likelihood
        self._names = [p.name for p in likelihood.fit.parameters]
        self._constant = float(likelihood.fit.constant_loglike)

    def log_likelihood(self, parameters: Mapping[str, Any] | None = None) -> float:
        """ln L at ``parameters`` (physical values by name; bilby's sampler passes them)."""
        if parameters is None:  # bilby < 2.5 kept the point on the object
            parameters = self._parameters
        return self.globalfit(**{n: parameters[n] for n in self._names if n in parameters}) + self._constant

    def noise_log_likelihood(self) -> float:
        """Zero: there is no noise model, so bilby's log-likelihood ratio is ln L itself and its
        ``log_bayes_factor`` equals ``log_evidence``."""
        return 0.0


def likelihood_and_priors(cfg) -> tuple[BilbyLikelihood, bilby.core.prior.PriorDict]:
    """The bilby likelihood and priors of run config ``cfg`` (:class:`globalfit.config.RunConfig`)."""
    from globalfit.likelihood import likelihood

    like = BilbyLikelihood(likelihood(cfg))
    return like, bilby_priors(like.globalfit.fit)
