"""From a run config to one set of likelihood graphs: the PyMC model (NUTS), the compiled log-density (nested
sampling, frequentist scans) and the point evaluation behind ``globalfit evaluate``.

Parameters are sampled in a *sampling space*: log10 of log-uniform parameters, the value itself otherwise. A
:class:`Fit` holds the components and the free parameters; :meth:`Fit.terms` builds every component's
log-likelihood from a mapping of PyTensor scalars, and is the single source of all compiled functions.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any, Mapping

import numpy as np

from globalfit.catalogue import Catalogue, DatasetEntry
from globalfit.components import component_class
from globalfit.components.base import Component
from globalfit.config import RunConfig
from globalfit.errors import ConfigError, PhysicsError
from globalfit.parameters import Normal, Parameter, ParameterSet, split_name
from globalfit.physics.theory import UNFIXED_RATIO, TheorySpec, check_determined
from globalfit.util import did_you_mean

LOG = logging.getLogger("globalfit.model")
# PyTensor warns once per process when numpy's BLAS is not linked; our graphs are tiny, so it does not matter.
warnings.filterwarnings("ignore", message="PyTensor could not link to a BLAS installation")


def profile_bounds(params) -> list[tuple[float, float]]:
    """Physical (lower, upper) of each parameter for an optimiser, a hair (1e-6 of the box) inside its sampling
    bounds: a normalisation nuisance at its lower bound -1 switches a rate off (log(0) in a Poisson term)."""
    out = []
    for p in params:
        lo, hi = p.sampling_bounds()
        lo, hi = lo + 1e-6 * (hi - lo), hi - 1e-6 * (hi - lo)
        out.append((float(p.to_physical(lo)), float(p.to_physical(hi))))
    return out


def build_component(entry: DatasetEntry, theory: TheorySpec, options: Mapping[str, Any] | None = None,
                    path: str | None = None) -> Component:
    """The component of a catalogue ``entry`` for a run's theory, refused where it cannot follow that theory.

    Raises
    ------
    ConfigError
        At YAML ``path`` when the kind does not support the theory mode (:attr:`Component.modes`), or when it reads a
        quantity the mode's parameters do not fix (:func:`~globalfit.physics.theory.check_determined`: e.g. the
        electron NSI of the simplified Z' with charged leptons).
    """
    cls = component_class(entry.kind)
    if theory.mode not in cls.modes:
        # a u1-only kind reads individual couplings or branching fractions; with charged leptons say why they are
        # not available rather than only that the mode is unsupported
        why = f"; what it reads {UNFIXED_RATIO}" if theory.charged_leptons else ""
        raise ConfigError(f"dataset {entry.id!r} does not support the {theory.mode} model "
                          f"(supports: {', '.join(cls.modes)}){why}", path)
    comp = cls(entry, theory, options)
    check_determined(entry.id, theory, comp.requirements(), path)
    return comp


class Fit:
    """Components and parameters of a run; builds and compiles the likelihood graphs.

    Parameters
    ----------
    cfg
        Validated run config.
    catalogue
        Dataset catalogue (default: the installed one).
    charges
        Override of the charge assignment (model comparison).
    """

    def __init__(self, cfg: RunConfig, catalogue: Catalogue | None = None, charges: str | None = None):
        self.cfg = cfg
        self.theory: TheorySpec = cfg.theory_spec(charges)
        cat = catalogue or Catalogue(allow_shadowing=cfg.allow_shadowing)
        self.components: list[Component] = []
        self.dropped: dict[str, str] = {}
        self.insensitive: dict[str, str] = {}
        #: log-likelihood of the dropped (parameter-independent) datasets, added to evidences
        self.constant_loglike = 0.0
        for section in ("likelihoods", "priors"):
            for ref in getattr(cfg, section):
                entry = cat.get(ref.id, section)
                comp = build_component(entry, self.theory, ref.options, section)
                ok, why = comp.is_sensitive()
                if not ok and comp.nuisance_priors():
                    # still part of the data: its likelihood constrains its own nuisances and enters the evidence
                    LOG.info("%s: kept for its nuisance parameters only (%s)", ref.id, why)
                    self.insensitive[ref.id] = why
                elif not ok:
                    # a constant: dropped from the graphs, its value added to the evidence (so that models with
                    # and without sensitivity are compared on the same data)
                    self.constant_loglike += float(comp.log_likelihood(self.theory.point(self._null_point()), {}))
                    LOG.info("%s: no sensitivity, constant contribution (%s)", ref.id, why)
                    self.dropped[ref.id] = why
                    continue
                self.components.append(comp)
        if not self.components:
            raise ConfigError("no dataset of this run is sensitive to the model: " + "; ".join(self.dropped.values()),
                              "likelihoods")
        # parameters: theory parameters from the config, then nuisances (config may override their priors)
        nuisances = {comp.id: [(n.name, Normal(n.mu, n.sigma, n.lower, n.upper)) for n in comp.nuisance_priors()]
                     for comp in self.components}
        self.parameter_set = ParameterSet.from_config(cfg.parameters, self.theory.parameter_names, nuisances)
        self.parameters: list[Parameter] = list(self.parameter_set)
        self.free: list[Parameter] = self.parameter_set.free
        if not self.free:
            raise ConfigError("every parameter is fixed: nothing to fit", "parameters")
        self._compiled: dict[str, Any] = {}
        self._digest: str | None = None
        self._check_dependencies()

    def _null_point(self) -> dict[str, float]:
        """Theory parameters of the Standard Model limit (no NSI): zero coupling."""
        return {name: (1.0 if name == "mass_GeV" else 0.0) for name in self.theory.parameter_names}

    # -- graphs -------------------------------------------------------------------------------------------
    @property
    def component_ids(self) -> list[str]:
        return [c.id for c in self.components]

    @property
    def free_names(self) -> list[str]:
        """Sampling-space names of the free parameters, in sampling-vector order."""
        return self.parameter_set.sampling_names

    def physical_values(self, sampling: Mapping[str, Any]) -> dict[str, Any]:
        """Sampling-space values (by parameter name) -> physical values for all parameters (fixed included)."""
        out: dict[str, Any] = {}
        for p in self.parameters:
            out[p.name] = p.to_physical(sampling[p.name]) if p.free else p.fixed_value
        return out

    def terms(self, values: Mapping[str, Any]) -> list[Any]:
        """Per-component log-likelihood (no nuisance pulls) at physical ``values`` (floats or tensors)."""
        point = self.theory.point({k: values[k] for k in self.theory.parameter_names})
        out = []
        by_owner: dict[str, dict[str, Any]] = {}
        for k, v in values.items():
            owner, local = split_name(k)
            if owner is not None:
                by_owner.setdefault(owner, {})[local] = v
        for comp in self.components:
            out.append(comp.log_likelihood(point, by_owner.get(comp.id, {})))
        return out

    def _scalars(self):
        import pytensor.tensor as pt

        return [pt.dscalar(p.sampling_name) for p in self.free]

    def _graph(self, physical_inputs: bool = False):
        """Scalars of the free parameters and the graphs of the terms and pulls. With ``physical_inputs`` the scalars
        are the physical values themselves (no 10**x of a log10 for log-uniform parameters), so a mass given by a
        user or a scan reaches the components exactly, never round-tripped through log10."""
        import pytensor.tensor as pt

        xs = self._scalars()
        if physical_inputs:
            given = {p.name: x for p, x in zip(self.free, xs)}
            values = {p.name: given[p.name] if p.free else p.fixed_value for p in self.parameters}
        else:
            values = self.physical_values({p.name: x for p, x in zip(self.free, xs)})
        terms = [pt.as_tensor_variable(t).astype("float64") for t in self.terms(values)]
        # pulls are those of normal priors, whose sampling space is the physical one, so they read xs either way
        pull = pt.sum(pt.stack([pt.as_tensor_variable(p.log_penalty(x)) for p, x in zip(self.free, xs)]))
        return xs, terms, pull

    def _check_dependencies(self) -> None:
        try:
            from pytensor.graph.traversal import graph_inputs
        except ImportError:  # pytensor < 2.36
            from pytensor.graph.basic import graph_inputs

        xs, terms, _ = self._graph()
        used: set[str] = set()
        for comp, term in zip(self.components, terms):
            names = {v.name for v in graph_inputs([term]) if v in xs}
            if not names:
                raise PhysicsError(f"dataset {comp.id!r} does not depend on any sampled parameter "
                                   f"({', '.join(self.free_names)}): fix nothing it reads, or drop it")
            used |= names
        # theory parameters must be read by some dataset; a nuisance unread by its own dataset is just its prior
        unused = [p.sampling_name for p in self.free if p.owner is None and p.sampling_name not in used]
        if unused:
            raise PhysicsError(f"parameter(s) {', '.join(unused)} are read by no dataset of this run")

    def compiled(self, what: str = "terms", backend: str = "c"):
        """Compiled numpy functions of the sampling-space vector.

        ``terms``: x -> array of per-component log-likelihoods; ``total``: x -> (sum of terms + nuisance pulls,
        gradient) for optimisers; ``terms_physical``: the terms as a function of the *physical* values of the free
        parameters (in the order of :attr:`free`), for scans and point evaluations at user-given masses.
        ``backend``: ``"c"``, or ``"numba"`` for the value-only ``terms`` (:mod:`globalfit.compile_cache`: cheaper per
        call, slower to compile; a gradient graph would take minutes).
        """
        key = what if backend == "c" else (what, backend)
        if key in self._compiled:
            return self._compiled[key]
        if backend != "c" and what not in ("terms", "terms_physical"):
            raise ValueError(f"compiled({what!r}): only the value-only terms are compiled for backend {backend!r}")
        import pytensor
        import pytensor.tensor as pt

        from globalfit import compile_cache

        xs, terms, pull = self._graph(physical_inputs=(what == "terms_physical"))
        vec = pt.dvector("x")
        givens = {x: vec[i] for i, x in enumerate(xs)}
        if what in ("terms", "terms_physical"):
            fn = compile_cache.function([vec], pt.stack(terms), givens=givens, on_unused_input="ignore",
                                        cache_key=self.function_cache_key(what), backend=backend)
        elif what == "total":
            total = pt.sum(pt.stack(terms)) + pull
            grad = pytensor.grad(total, xs, disconnected_inputs="ignore")
            fn = compile_cache.function([vec], [total, pt.stack(grad)], givens=givens, on_unused_input="ignore",
                                        cache_key=self.function_cache_key(what))
        else:
            raise ValueError(what)
        self._compiled[key] = fn
        return fn

    def component_profile(self, j: int):
        """Compiled ``x -> (value, gradient)`` of component ``j`` alone, for profiling its nuisances.

        ``x`` holds the *physical* values of the free parameters (order of :attr:`free`); ``value`` is component j's
        log-likelihood plus the log-prior penalties of its own nuisances (log-L units) and ``gradient`` its derivative
        with respect to those nuisances (:meth:`own_nuisances` order). The graph holds component j only, so the other
        datasets are not evaluated; nuisances are read by their owner only, so the profile of several components is
        the sum of theirs, with the gradients side by side.
        """
        key = ("profile", j)
        if key in self._compiled:
            return self._compiled[key]
        import pytensor
        import pytensor.tensor as pt

        from globalfit import compile_cache

        xs = self._scalars()
        given = {p.name: x for p, x in zip(self.free, xs)}
        values = {p.name: given[p.name] if p.free else p.fixed_value for p in self.parameters}
        comp = self.components[j]
        point = self.theory.point({k: values[k] for k in self.theory.parameter_names})
        own = self.own_nuisances(j)
        # all of its nuisances, fixed ones at their value, as in terms()
        local = {split_name(k)[1]: v for k, v in values.items() if split_name(k)[0] == comp.id}
        value = pt.as_tensor_variable(comp.log_likelihood(point, local)).astype("float64")
        for i in own:
            value = value + self.free[i].log_penalty(xs[i])
        vec = pt.dvector("x")
        givens = {x: vec[i] for i, x in enumerate(xs)}
        grad = pytensor.grad(value, [xs[i] for i in own]) if own else []
        out = [value, pt.stack(grad) if own else pt.zeros((0,), dtype="float64")]
        fn = compile_cache.function([vec], out, givens=givens, on_unused_input="ignore",
                                    cache_key=self.function_cache_key(f"profile:{j}"))
        self._compiled[key] = fn
        return fn

    def profile(self, x: np.ndarray, components: list[int], profiled: list[int]) -> tuple[np.ndarray, float]:
        """Maximise the log-likelihood of ``components`` over the free parameters ``profiled`` (nuisances), exact
        gradient (:meth:`component_profile`), L-BFGS-B inside their bounds on chi^2 = -2 log L.

        Parameters
        ----------
        x
            Physical values of the free parameters (order of :attr:`free`); the others are held.
        components
            Indices of the components whose log-likelihoods are summed.
        profiled
            Indices in :attr:`free` of nuisances of those components to maximise over.

        Returns
        -------
        (x_best, value)
            ``x`` with the profiled entries at the maximum, and the summed log-likelihoods there plus the log-prior
            penalties of the components' own nuisances (log-L units).
        """
        from scipy.optimize import minimize

        from globalfit.executor import single_blas_thread

        parts = [(self.component_profile(j), self.own_nuisances(j)) for j in components]
        where = {i: k for k, i in enumerate(profiled)}
        x = np.array(x, dtype=float)

        def neg(y):
            z = x.copy()
            z[profiled] = y
            total, grad = 0.0, np.zeros(len(profiled))
            for fn, own in parts:
                v, g = fn(z)
                total += float(v)
                for i, gi in zip(own, g):
                    if i in where:
                        grad[where[i]] += float(gi)
            # in chi^2 units: L-BFGS-B's stopping tolerances are absolute, and the limits are tested in this scale
            return -2.0 * total, -2.0 * grad

        if not profiled:
            return x, -0.5 * neg(np.array([]))[0]
        bounds = profile_bounds([self.free[i] for i in profiled])
        with single_blas_thread():  # L-BFGS-B on small vectors: BLAS threads only cost (executor.single_blas_thread)
            res = minimize(neg, x[profiled], jac=True, method="L-BFGS-B", bounds=bounds)
        x[profiled] = res.x
        return x, -0.5 * float(res.fun)

    def own_nuisances(self, j: int) -> list[int]:
        """Indices in :attr:`free` of the nuisance parameters of component ``j``."""
        cid = self.components[j].id
        return [i for i, p in enumerate(self.free) if split_name(p.name)[0] == cid]

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_compiled"] = {}  # compiled functions are rebuilt in each process
        # the copy keeps the original's name for its compiled functions (a copy's canonical pickle need not be the
        # original's: a worker would otherwise miss what its parent stored)
        state["_digest"] = self.content_digest()
        return state

    def function_cache_key(self, what: str) -> str | None:
        """Name of compiled function ``what`` among those kept across runs (None when the cache is off: then the
        digest is not computed at all)."""
        from globalfit.compile_cache import cache_dir

        return None if cache_dir() is None else f"{self.content_digest()}:{what}"

    def content_digest(self) -> str:
        """sha256 (hex) of everything that determines this likelihood's graphs (theory, parameters, components with
        their data), equal in every process: with the source fingerprint of :mod:`globalfit.compile_cache` it names the
        compiled functions kept across runs."""
        if self._digest is None:
            from globalfit.compile_cache import content_digest

            # the graphs read the theory, the parameters and the components (which hold their data), never the
            # config itself: leaving it out, a change of limits, sampler or output settings keeps the functions
            state = {k: v for k, v in self.__dict__.items() if k not in ("_compiled", "_digest", "cfg")}
            self._digest = content_digest(state)
        return self._digest

    def vector(self, sampling: Mapping[str, float]) -> np.ndarray:
        """Sampling-space vector from a mapping by parameter name."""
        return np.array([float(sampling[p.name]) for p in self.free])

    def prior_transform(self, u: np.ndarray) -> np.ndarray:
        """Unit cube -> sampling space (for dynesty)."""
        return self.parameter_set.rescale(u)

    # -- PyMC ---------------------------------------------------------------------------------------------
    def pymc_model(self):
        """The PyMC model: priors in sampling space, one ``pm.Potential`` per component named by its id."""
        import pymc as pm

        with pm.Model() as model:
            samp: dict[str, Any] = {p.name: p.pymc_variable() for p in self.free}
            values = self.physical_values(samp)
            for p in self.free:
                if p.is_log:
                    pm.Deterministic(p.name, values[p.name])
            for comp, term in zip(self.components, self.terms(values)):
                pm.Potential(comp.id, term)
        return model

    # -- derived quantities ---------------------------------------------------------------------------------
    def derived(self, physical: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Derived quantities per draw: eps^{p+n}_aa at q^2 = 0, M/g' and BR(Z' -> mu mu, nu nu) (u1 mode)."""
        out: dict[str, np.ndarray] = {}
        point = self.theory.point({k: np.asarray(physical[k]) for k in self.theory.parameter_names})
        for a in ("e", "mu", "tau"):
            val = np.broadcast_to(np.asarray(point.eps("p+n", a), dtype=float), np.shape(physical[self.theory.parameter_names[0]]))
            out[f"eps_pn_{a}{a}"] = np.array(val)
        if self.theory.mode == "u1":
            out["mass_over_gprime_GeV"] = np.asarray(physical["mass_GeV"]) / np.asarray(physical["gprime"])
            br = point.branching_fractions()
            out["br_mumu"] = np.asarray(br["mu"], dtype=float)
            out["br_invisible"] = np.asarray(br["neutrinos"], dtype=float)
        return out


def check_point(at: Mapping[str, float], priors: Mapping[str, Any], key: str = "--at") -> None:
    """Check a parameter point against priors: every value finite and inside its prior's support.

    Parameters
    ----------
    at
        Physical values by parameter name (units of the parameter: GeV for ``mass_GeV``).
    priors
        :class:`~globalfit.parameters.Prior` by parameter name; names not in it are not checked here.
    key
        Name of the setting in messages.

    Raises
    ------
    ConfigError
        Naming ``key`` and the parameter, for a NaN or infinite value, a value outside a prior's bounds (a nuisance
        outside its truncation, a coupling outside its log-uniform range) or a fixed parameter given another value.
    """
    for name, value in at.items():
        if not np.isfinite(value):
            raise ConfigError(f"{key}: {name}={value} is not a finite number")
        prior = priors.get(name)
        if prior is None:
            continue
        if not prior.free:
            if value != prior.value:
                raise ConfigError(f"{key}: {name} is fixed at {prior.value:g} in the run config, got {value:g}")
            continue
        if prior.is_log and value <= 0:
            raise ConfigError(f"{key}: {name} must be positive (its prior is {prior.describe()}), got {value:g}")
        if not np.isfinite(prior.ln_prob(prior.to_sampling(value))):
            raise ConfigError(f"{key}: {name}={value:g} is outside its prior ({prior.describe()})")


def _check_point_against_config(cfg: RunConfig, at: Mapping[str, float]) -> None:
    """What can be checked of ``--at`` before the datasets are loaded and the graphs built (a bad point must be refused
    in bounded time): known names, every theory parameter given, finite values inside the config's priors."""
    theory = cfg.theory_spec().parameter_names
    ids = {r.id for r in (*cfg.likelihoods, *cfg.priors)}
    for name in at:
        if name not in cfg.parameters and name not in theory and split_name(name)[0] not in ids:
            raise ConfigError(f"--at: unknown parameter {name!r}{did_you_mean(name, [*theory, *cfg.parameters])}; "
                              f"theory parameters are {', '.join(theory)}, nuisances '<dataset id>.<name>'")
    for name in theory:
        par = cfg.parameters.get(name)
        if name not in at and par is not None and not par.fixed:
            raise ConfigError(f"--at must give {name} (theory parameters: {', '.join(theory)})")
    check_point(at, {k: v.to_prior() for k, v in cfg.parameters.items()})


def evaluate_point(cfg: RunConfig, at: dict[str, float]):
    """Per-component chi^2 and nuisance pulls at a parameter point (``globalfit evaluate``).

    Theory parameters must be given (physical values); nuisances not given are profiled (the combined chi^2 is
    minimised over them). chi^2 is -2 log L of each component; ``pull`` is (value - mu)/sigma for nuisances.
    """
    import pandas as pd

    _check_point_against_config(cfg, at)
    fit = Fit(cfg)
    known = {p.name for p in fit.parameters}
    unknown = [k for k in at if k not in known]
    if unknown:
        raise ConfigError(f"unknown parameter {unknown[0]!r} in --at; this run has {', '.join(sorted(known))}")
    # then the nuisances the datasets define (their priors are known only now)
    check_point(at, {p.name: p.prior for p in fit.parameters})
    for p in fit.free:
        if p.owner is None and p.name not in at:
            raise ConfigError(f"--at must give {p.name} (theory parameters: {', '.join(fit.theory.parameter_names)})")
    # physical values (nuisances: sampling space = physical); the unnamed nuisances profiled with the exact gradient of
    # each dataset's own graph, which compiles far faster than the gradient of the whole fit in every parameter
    x0 = np.array([at[p.name] if p.name in at else p.to_physical(p.initial()) for p in fit.free], dtype=float)
    prof = [i for i, p in enumerate(fit.free) if p.name not in at]
    comps = list(range(len(fit.components)))
    x0, _ = fit.profile(x0, comps, prof)
    terms = []
    for j in comps:
        v, _ = fit.component_profile(j)(x0)
        terms.append(float(v) - sum(float(fit.free[i].log_penalty(x0[i])) for i in fit.own_nuisances(j)))
    rows = [{"component": cid, "chi2": -2.0 * float(t), "parameter": "", "value": np.nan, "pull": np.nan}
            for cid, t in zip(fit.component_ids, terms)]
    for p, x in zip(fit.free, x0):
        z = p.pull(float(x))
        if z is not None:  # a measured nuisance: its pull term
            rows.append({"component": p.owner or p.name, "chi2": z**2, "parameter": p.name, "value": float(x), "pull": z})
    rows.append({"component": "combined", "chi2": sum(r["chi2"] for r in rows), "parameter": "", "value": np.nan, "pull": np.nan})
    for cid, why in fit.dropped.items():
        rows.append({"component": cid, "chi2": 0.0, "parameter": f"(dropped: {why})", "value": np.nan, "pull": np.nan})
    return pd.DataFrame(rows)
