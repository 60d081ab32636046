"""``globalfit.likelihood(cfg)``: the run's log-likelihood as a function of named physical parameters.

The stable entry point for other samplers and frameworks (:mod:`globalfit.interop` builds on it):

>>> import globalfit                                                                   # doctest: +SKIP
>>> L = globalfit.likelihood(globalfit.load_config("runs/quickstart.yaml"))           # doctest: +SKIP
>>> L.parameters                                                                       # doctest: +SKIP
['gprime', 'mass_GeV', 'coherent_csi_2017.gamma', 'coherent_csi_2017.beta']
>>> L(gprime=1e-4, mass_GeV=0.1, **{"coherent_csi_2017.gamma": 0.0, "coherent_csi_2017.beta": 0.0})  # doctest: +SKIP

``L(**physical)`` is the sum of the datasets' log-likelihoods (natural log, the same terms nested sampling and NUTS
use); the nuisance parameters' normal priors are *not* in it: they belong to the prior (:meth:`Likelihood.log_prior`,
:meth:`Likelihood.prior_transform`). Values are physical (g' itself, not log10 g'); masses in GeV.
"""

from __future__ import annotations

import sys
import types
from typing import Any, Mapping

import numpy as np

from globalfit.errors import ConfigError, PhysicsError


class Likelihood:
    """Log-likelihood of a run config in named physical parameters.

    Parameters
    ----------
    cfg
        :class:`globalfit.config.RunConfig`.

    Attributes
    ----------
    parameters
        Names of the free parameters (theory parameters, then nuisances ``<dataset>.<name>``), in the order of
        :meth:`prior_transform`.
    datasets
        Dataset ids of the terms.
    fit
        The underlying :class:`globalfit.model.Fit`.
    """

    def __init__(self, cfg):
        from globalfit.model import Fit

        self.fit = Fit(cfg)
        self.parameters: list[str] = [p.name for p in self.fit.free]
        self.datasets: list[str] = list(self.fit.component_ids)
        self._gradient_fn = None

    # -- values ---------------------------------------------------------------------------------------------
    def vector(self, physical: Mapping[str, float]) -> np.ndarray:
        """Sampling-space vector of the fit from physical values by name (fixed parameters may be given at their
        value; every free parameter must be given)."""
        known = {p.name: p for p in self.fit.parameters}
        for k, v in physical.items():
            if k not in known:
                raise ConfigError(f"unknown parameter {k!r}; this likelihood has {', '.join(self.parameters)}")
            p = known[k]
            if not p.free and not np.isclose(float(v), p.fixed_value):
                raise ConfigError(f"{k} is fixed at {p.fixed_value} in this run config, got {v}", f"parameters.{k}")
        missing = [n for n in self.parameters if n not in physical]
        if missing:
            raise ConfigError(f"missing parameter(s) {', '.join(missing)}; give every one of {', '.join(self.parameters)}")
        out = []
        for p in self.fit.free:
            v = float(physical[p.name])
            if p.is_log and v <= 0:
                raise PhysicsError(f"{p.name} must be positive, got {v}")
            out.append(p.to_sampling(v))
        return np.array(out, dtype=float)

    def terms(self, **physical: float) -> dict[str, float]:
        """Per-dataset log-likelihood (natural log) at ``physical``, keyed by dataset id."""
        t = self.fit.compiled("terms")(self.vector(physical))
        return {cid: float(v) for cid, v in zip(self.datasets, t)}

    def __call__(self, **physical: float) -> float:
        """Total log-likelihood (natural log): the sum of :meth:`terms`."""
        return float(np.sum(self.fit.compiled("terms")(self.vector(physical))))

    def gradient(self, **physical: float) -> dict[str, float]:
        """d log L / d(physical parameter) at ``physical`` (automatic differentiation of the same graph), keyed by
        parameter name; for log-uniform parameters the chain rule through log10 is applied."""
        x = self.vector(physical)
        g = np.asarray(self._gradient()(x), dtype=float)
        out = {}
        for p, gi in zip(self.fit.free, g):
            # d/dv = d/dx dx/dv with x = log10 v
            out[p.name] = float(gi / (float(physical[p.name]) * np.log(10.0))) if p.is_log else float(gi)
        return out

    def _gradient(self):
        if self._gradient_fn is None:
            import pytensor
            import pytensor.tensor as pt

            from globalfit import compile_cache

            xs = [pt.dscalar(p.sampling_name) for p in self.fit.free]
            values = self.fit.physical_values({p.name: x for p, x in zip(self.fit.free, xs)})
            total = pt.sum(pt.stack([pt.as_tensor_variable(t).astype("float64") for t in self.fit.terms(values)]))
            grad = pytensor.grad(total, xs, disconnected_inputs="ignore")
            vec = pt.dvector("x")
            self._gradient_fn = compile_cache.function(
                [vec], pt.stack(grad), givens={x: vec[i] for i, x in enumerate(xs)}, on_unused_input="ignore",
                cache_key=self.fit.function_cache_key("gradient"))
        return self._gradient_fn

    # -- prior ------------------------------------------------------------------------------------------------
    def prior_transform(self, u: Any) -> dict[str, float]:
        """Unit cube (one coordinate per entry of :attr:`parameters`) -> physical values by name: the run's prior,
        the same map nested sampling uses (:meth:`globalfit.model.Fit.prior_transform`)."""
        u = np.asarray(u, dtype=float)
        if u.shape != (len(self.parameters),):
            raise ConfigError(f"prior_transform needs {len(self.parameters)} unit-cube coordinates, got shape {u.shape}")
        x = self.fit.prior_transform(u)
        return {p.name: float(p.to_physical(xi)) for p, xi in zip(self.fit.free, x)}

    def log_prior(self, **physical: float) -> float:
        """Log prior density in sampling space (log10 for log-uniform parameters) at ``physical``."""
        x = self.vector(physical)
        return float(sum(np.asarray(p.prior.ln_prob(xi)) for p, xi in zip(self.fit.free, x)))

    def __repr__(self) -> str:
        return f"Likelihood({self.fit.cfg.name!r}: {', '.join(self.parameters)})"


def likelihood(cfg) -> Likelihood:
    """The log-likelihood of ``cfg`` as a :class:`Likelihood` (see module docstring)."""
    return Likelihood(cfg)


class _CallableModule(types.ModuleType):
    """Importing the submodule ``globalfit.likelihood`` rebinds the package attribute of that name from the function
    to this module (Python's import system does so for every submodule); making the module callable keeps
    ``globalfit.likelihood(cfg)`` working either way."""

    def __call__(self, cfg) -> Likelihood:
        return likelihood(cfg)


sys.modules[__name__].__class__ = _CallableModule
