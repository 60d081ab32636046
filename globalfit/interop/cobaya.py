"""cobaya adapter: the run's log-likelihood as an external likelihood class and the ``info`` dict of a run config.

>>> from globalfit.interop.cobaya import cobaya_info                                     # doctest: +SKIP
>>> info = cobaya_info(globalfit.load_config("runs/quickstart.yaml"))                   # doctest: +SKIP
>>> model = cobaya.model.get_model(info)                                                # doctest: +SKIP
>>> model.loglike({"gprime": 1e-4, "mass_GeV": 0.1, "coherent_csi_2017__gamma": 0.0, ...})  # doctest: +SKIP

cobaya parameter names must be Python identifiers: a nuisance ``<dataset>.<name>`` becomes ``<dataset>__<name>``
(:func:`cobaya_name`; theory names stay). Values are physical (g' itself; masses in GeV). Priors: log-uniform ->
scipy's ``loguniform``, uniform -> ``min``/``max``, normal -> ``norm`` (``truncnorm`` when bounded); fixed parameters
stay inside globalfit at their run-config value (they are no cobaya parameters).
"""

from __future__ import annotations

from typing import Any

from cobaya.likelihood import Likelihood as _CobayaLikelihood

from globalfit.errors import ConfigError
from globalfit.interop.getdist import math_label
from globalfit.parameters import LogUniform, Normal, Parameter, Uniform

#: What replaces the dot of ``<dataset>.<name>`` in a cobaya parameter name.
SEPARATOR = "__"
#: Name of the likelihood in the ``info`` dict of :func:`cobaya_info`.
LIKELIHOOD_NAME = "globalfit"


def cobaya_name(name: str) -> str:
    """cobaya parameter name (a Python identifier) of a globalfit parameter name.

    Raises
    ------
    ConfigError
        If the name cannot be turned into an identifier that maps back uniquely.
    """
    out = name.replace(".", SEPARATOR)
    if not out.isidentifier() or SEPARATOR in name:
        raise ConfigError(f"parameter {name!r} has no cobaya name (needs letters, digits and '_' only, no "
                          f"{SEPARATOR!r}, around the dataset dot)", f"parameters.{name}")
    return out


def name_map(likelihood) -> dict[str, str]:
    """cobaya name -> globalfit name of the free parameters of ``likelihood``
    (:class:`globalfit.likelihood.Likelihood`)."""
    return {cobaya_name(n): n for n in likelihood.parameters}


class GlobalfitLikelihood(_CobayaLikelihood):
    """cobaya external likelihood over :class:`globalfit.likelihood.Likelihood` (natural log), plus the constant
    log-likelihood of the datasets dropped as insensitive (as in ``evidence.json``).

    Not used directly: :func:`cobaya_likelihood` makes the subclass of a run config, whose class attributes
    ``_globalfit`` (the likelihood) and ``input_params`` (cobaya names) cobaya reads.
    """

    _globalfit: Any = None
    _names: dict[str, str] = {}

    def logp(self, **params_values: float) -> float:
        """ln L at cobaya-named physical values."""
        physical = {self._names[k]: v for k, v in params_values.items() if k in self._names}
        return self._globalfit(**physical) + float(self._globalfit.fit.constant_loglike)


def cobaya_likelihood(cfg, likelihood=None) -> type[GlobalfitLikelihood]:
    """The external likelihood class of run config ``cfg`` (pass an existing
    :class:`globalfit.likelihood.Likelihood` as ``likelihood`` to reuse its compiled graph)."""
    if likelihood is None:
        from globalfit.likelihood import likelihood as make

        likelihood = make(cfg)
    names = name_map(likelihood)
    return type("GlobalfitRunLikelihood", (GlobalfitLikelihood,),
                {"_globalfit": likelihood, "_names": names, "input_params": list(names),
                 "__doc__": f"globalfit likelihood of run {cfg.name!r} (parameters {', '.join(names)})."})


def cobaya_param(p: Parameter) -> dict[str, Any]:
    """cobaya ``params`` entry of one free parameter: its prior, a reference point and its LaTeX label."""
    prior = p.prior
    if isinstance(prior, LogUniform):
        spec: dict[str, Any] = {"dist": "loguniform", "a": prior.lower, "b": prior.upper}
    elif isinstance(prior, Uniform):
        spec = {"min": prior.lower, "max": prior.upper}
    elif isinstance(prior, Normal):
        if prior.truncated:
            a, b = prior.standard_bounds
            spec = {"dist": "truncnorm", "a": a, "b": b, "loc": prior.mu, "scale": prior.sigma}
        else:
            spec = {"dist": "norm", "loc": prior.mu, "scale": prior.sigma}
    else:
        raise TypeError(f"no cobaya prior for {type(prior).__name__} (parameter {p.name})")
    # a starting point inside the support for cobaya's samplers: the optimiser start of globalfit
    ref = float(p.to_physical(p.initial()))
    return {"prior": spec, "ref": ref, "latex": math_label(p.name)}


def cobaya_info(cfg, likelihood=None) -> dict[str, Any]:
    """cobaya ``info`` dict of run config ``cfg``: the likelihood (:func:`cobaya_likelihood`) and ``params`` with
    the run's priors of the free parameters (cobaya names). Add a ``sampler`` block to run it."""
    if likelihood is None:
        from globalfit.likelihood import likelihood as make

        likelihood = make(cfg)
    cls = cobaya_likelihood(cfg, likelihood)
    params = {cobaya_name(p.name): cobaya_param(p) for p in likelihood.fit.free}
    return {"likelihood": {LIKELIHOOD_NAME: {"external": cls}}, "params": params}
