"""Parameters and their priors as typed objects: the one place that knows what a prior *is*.

A prior maps between three spaces:

* the **unit cube** of nested sampling (``u`` in (0, 1)),
* the **sampling space** the samplers and optimisers move in (log10 of a log-uniform parameter, the value itself
  otherwise), and
* the **physical** value the likelihood components read.

Four prior types: :class:`LogUniform`, :class:`Uniform`, :class:`Normal` (optionally truncated) and :class:`Fixed`.
A :class:`Parameter` is a name, a prior and an owner: ``None`` for theory parameters (``gprime``, ``mass_GeV``...),
the dataset id for the nuisance parameters of a dataset. A nuisance's full name is ``<dataset id>.<name>``; that
convention lives only in :func:`nuisance_name` and :func:`split_name`. A :class:`ParameterSet` holds the parameters
of a run in order and gives the vectorised prior transform of all free ones.

Prior-type names as written in a run config (``"log-uniform"``, ``"uniform"``, ``"normal"``) are decoded only by
:func:`prior_from_config`.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
from scipy.special import ndtr, ndtri

from globalfit.errors import ConfigError

#: Half-width, in standard deviations, of the optimiser bounds of an untruncated normal prior.
UNBOUNDED_NORMAL_HALF_WIDTH = 10.0
_LN_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)

# ----------------------------------------------------------------------------------------------------
# names


def nuisance_name(owner: str, local: str) -> str:
    """Full name ``<dataset id>.<name>`` of the nuisance parameter ``local`` of dataset ``owner``.

    Raises
    ------
    ValueError
        If either part is empty or contains a dot (the name could not be split back).
    """
    for part, what in ((owner, "dataset id"), (local, "nuisance name")):
        if not part or "." in part:
            raise ValueError(f"{what} {part!r} must be non-empty and contain no '.'")
    return f"{owner}.{local}"


def split_name(full: str) -> tuple[str | None, str]:
    """``"<dataset id>.<name>"`` -> ``(dataset id, name)``; a theory parameter name -> ``(None, name)``."""
    owner, dot, local = full.partition(".")
    return (owner, local) if dot else (None, full)


# ----------------------------------------------------------------------------------------------------
# the truncated-normal quantile function


def _upper_minus_lower(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Phi(b) - Phi(a) for a <= b without cancellation: through the tail that holds the interval."""
    both_upper = a > 0
    both_lower = b < 0
    mid = 1.0 - ndtr(a) - ndtr(-b)  # two small tails subtracted from 1: fine when the interval holds 0
    return np.where(both_upper, ndtr(-a) - ndtr(-b), np.where(both_lower, ndtr(b) - ndtr(a), mid))


class TruncatedNormalQuantile:
    """Quantile function of normal(mu, sigma) distributions truncated to standardised bounds [a, b].

    The settings may be arrays (one entry per parameter, broadcast against the last axis of ``u``); Phi(a), Q(b) and
    the mass Z = Phi(b) - Phi(a) inside the bounds are computed once here, so a call costs a few microseconds (against
    ~0.25 ms per parameter for ``scipy.stats.truncnorm.ppf``), with the same numbers to ~1e-10 relative, far tails
    included. A point below the median is found from the lower tail, Phi(z) = Phi(a) + u Z, and one above it from
    the upper tail by symmetry, Q(z) = Q(b) + (1 - u) Z with Q(z) = Phi(-z): both sums add small positive numbers,
    so neither loses digits (an interval entirely above the mean, a > 0, always takes the upper-tail form).

    Parameters
    ----------
    a, b
        Standardised bounds (lower - mu)/sigma and (upper - mu)/sigma; ``-inf``/``inf`` for no bound.
    mu, sigma
        Location and scale (same unit as the result).
    """

    def __init__(self, a: Any, b: Any, mu: Any = 0.0, sigma: Any = 1.0) -> None:
        self.a = np.asarray(a, dtype=float)
        self.b = np.asarray(b, dtype=float)
        self.mu = np.asarray(mu, dtype=float)
        self.sigma = np.asarray(sigma, dtype=float)
        self.phi_a = ndtr(self.a)
        self.q_b = ndtr(-self.b)
        self.mass = _upper_minus_lower(self.a, self.b)

    def __call__(self, u: Any) -> np.ndarray:
        """Unit-cube coordinate(s) ``u`` in [0, 1] -> quantile(s)."""
        u = np.asarray(u, dtype=float)
        p_lower = self.phi_a + u * self.mass  # Phi(z)
        q_upper = self.q_b + (1.0 - u) * self.mass  # Q(z)
        # each tail's ndtri is evaluated where the other tail is taken too (cheaper than masking); the minimum keeps
        # that unused value finite
        z = np.where(p_lower <= 0.5, ndtri(np.minimum(p_lower, 0.5)), -ndtri(np.minimum(q_upper, 0.5)))
        # rounding must not step outside the bounds
        return self.mu + self.sigma * np.minimum(np.maximum(z, self.a), self.b)


def truncnorm_ppf(u: Any, a: Any, b: Any, mu: Any = 0.0, sigma: Any = 1.0) -> np.ndarray:
    """``scipy.stats.truncnorm.ppf(u, a, b, loc=mu, scale=sigma)``, fast and stable (see
    :class:`TruncatedNormalQuantile`)."""
    return TruncatedNormalQuantile(a, b, mu, sigma)(u)


# ----------------------------------------------------------------------------------------------------
# priors


class Prior(ABC):
    """A prior of one parameter: unit-cube transform, log density, sampling-space map and bounds.

    Subclasses are immutable value objects. Methods taking sampling-space values ``x`` accept floats and numpy
    arrays; :meth:`to_physical` and :meth:`log_penalty` accept PyTensor tensors too (they build likelihood graphs).
    """

    #: The name of the prior type in a run config (``prior:`` key) and in summaries.
    kind: ClassVar[str]
    #: Whether the sampling space is log10 of the physical value.
    is_log: ClassVar[bool] = False
    #: Whether the parameter is sampled (False for :class:`Fixed`).
    free: ClassVar[bool] = True

    # -- maps between the spaces
    def to_physical(self, x: Any) -> Any:
        """Sampling-space value -> physical value (floats, numpy arrays, PyTensor tensors)."""
        return x

    def to_sampling(self, v: Any) -> Any:
        """Physical value -> sampling-space value (numpy)."""
        return np.asarray(v, dtype=float) if np.ndim(v) else float(v)

    @abstractmethod
    def rescale(self, u: Any) -> Any:
        """Unit-cube coordinate(s) -> sampling-space value(s) (the prior transform of nested sampling)."""

    @abstractmethod
    def ln_prob(self, x: Any) -> Any:
        """Normalised log prior density in sampling space (``-inf`` outside the support)."""

    def log_penalty(self, x: Any) -> Any:
        """The prior's term in a frequentist log-likelihood (log-L units); zero for flat priors."""
        return 0.0 * x

    def pull(self, x: float) -> float | None:
        """Standardised residual (x - mu)/sigma of a prior that is a measurement (normal); None otherwise."""
        return None

    @abstractmethod
    def sampling_bounds(self) -> tuple[float, float]:
        """Finite (lower, upper) in sampling space (for optimisers)."""

    def initial(self) -> float:
        """A sampling-space starting point for optimisers: the centre of the bounds."""
        lo, hi = self.sampling_bounds()
        return 0.5 * (lo + hi)

    @abstractmethod
    def pymc_variable(self, name: str):
        """Create the PyMC random variable of this prior (in sampling space) in the current model context."""

    @abstractmethod
    def describe(self) -> str:
        """Short human-readable text (``"log-uniform [1e-06, 1]"``)."""

    def __setattr__(self, name: str, value: Any) -> None:
        # priors are values (hashed, shared between parameters): set once in __init__, then frozen
        if getattr(self, "_frozen", False):
            raise AttributeError(f"{type(self).__name__} is immutable")
        object.__setattr__(self, name, value)

    def settings(self) -> dict[str, Any]:
        """The prior's settings as given (``lower``, ``upper``, ``mu``, ``sigma``, ``value``); cached derived
        numbers are private attributes."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.settings() == self.settings()

    def __hash__(self) -> int:
        return hash((type(self).__name__, *sorted(self.settings().items())))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.settings().items())})"


class _FlatInSampling(Prior):
    """A prior flat in sampling space between two finite bounds (Uniform; LogUniform in log10)."""

    def __init__(self, lo: float, hi: float) -> None:
        self._lo = float(lo)
        self._hi = float(hi)

    def rescale(self, u: Any) -> Any:
        return self._lo + np.asarray(u, dtype=float) * (self._hi - self._lo)

    def ln_prob(self, x: Any) -> Any:
        x = np.asarray(x, dtype=float)
        inside = (x >= self._lo) & (x <= self._hi)
        return np.where(inside, -math.log(self._hi - self._lo), -np.inf)

    def sampling_bounds(self) -> tuple[float, float]:
        return self._lo, self._hi

    def pymc_variable(self, name: str):
        import pymc as pm

        return pm.Uniform(name, self._lo, self._hi)


class Uniform(_FlatInSampling):
    """Flat prior on the physical value between ``lower`` and ``upper`` (same unit as the parameter)."""

    kind = "uniform"

    def __init__(self, lower: float, upper: float) -> None:
        if not lower < upper:
            raise ValueError(f"'lower' ({lower}) must be below 'upper' ({upper})")
        super().__init__(lower, upper)
        self.lower = float(lower)
        self.upper = float(upper)
        self._frozen = True

    def describe(self) -> str:
        return f"uniform [{self.lower:g}, {self.upper:g}]"


class LogUniform(_FlatInSampling):
    """Flat prior on log10 of the physical value between ``lower`` > 0 and ``upper``; sampled in log10."""

    kind = "log-uniform"
    is_log = True

    def __init__(self, lower: float, upper: float) -> None:
        if not lower < upper:
            raise ValueError(f"'lower' ({lower}) must be below 'upper' ({upper})")
        if lower <= 0:
            raise ValueError(f"a log-uniform prior needs lower > 0 (got {lower})")
        super().__init__(math.log10(lower), math.log10(upper))
        self.lower = float(lower)
        self.upper = float(upper)
        self._frozen = True

    def to_physical(self, x: Any) -> Any:
        return 10.0**x

    def to_sampling(self, v: Any) -> Any:
        v = np.asarray(v, dtype=float)
        out = np.log10(v)
        return out if out.ndim else float(out)

    def describe(self) -> str:
        return f"log-uniform [{self.lower:g}, {self.upper:g}]"


class Normal(Prior):
    """Normal prior N(mu, sigma) on the physical value, truncated to [lower, upper] when either is given.

    A nuisance parameter's prior is this (the pull term of its chi^2); the truncation keeps e.g. a normalisation
    above -1.
    """

    kind = "normal"

    def __init__(self, mu: float, sigma: float, lower: float | None = None, upper: float | None = None) -> None:
        if not sigma > 0:
            raise ValueError(f"a normal prior needs sigma > 0 (got {sigma})")
        if lower is not None and upper is not None and not lower < upper:
            raise ValueError(f"'lower' ({lower}) must be below 'upper' ({upper})")
        self.mu = float(mu)
        self.sigma = float(sigma)
        self.lower = None if lower is None else float(lower)
        self.upper = None if upper is None else float(upper)
        self._quantile = TruncatedNormalQuantile(*self.standard_bounds, self.mu, self.sigma)
        self._frozen = True

    @property
    def truncated(self) -> bool:
        """Whether a bound is given."""
        return self.lower is not None or self.upper is not None

    @property
    def standard_bounds(self) -> tuple[float, float]:
        """Standardised bounds (a, b) = ((lower - mu)/sigma, (upper - mu)/sigma), infinite where not given."""
        a = -np.inf if self.lower is None else (self.lower - self.mu) / self.sigma
        b = np.inf if self.upper is None else (self.upper - self.mu) / self.sigma
        return float(a), float(b)

    def rescale(self, u: Any) -> Any:
        out = self._quantile(u)
        return out if out.ndim else float(out)

    def ln_prob(self, x: Any) -> Any:
        x = np.asarray(x, dtype=float)
        a, b = self.standard_bounds
        z = (x - self.mu) / self.sigma
        ln_norm = math.log(self.sigma) + _LN_SQRT_2PI + math.log(float(self._quantile.mass))
        return np.where((z >= a) & (z <= b), -0.5 * z**2 - ln_norm, -np.inf)

    def log_penalty(self, x: Any) -> Any:
        return -0.5 * ((x - self.mu) / self.sigma) ** 2

    def pull(self, x: float) -> float | None:
        return (x - self.mu) / self.sigma

    def sampling_bounds(self) -> tuple[float, float]:
        lo = self.lower if self.lower is not None else self.mu - UNBOUNDED_NORMAL_HALF_WIDTH * self.sigma
        hi = self.upper if self.upper is not None else self.mu + UNBOUNDED_NORMAL_HALF_WIDTH * self.sigma
        return float(lo), float(hi)

    def initial(self) -> float:
        return self.mu

    def pymc_variable(self, name: str):
        import pymc as pm

        if self.truncated:
            return pm.TruncatedNormal(name, mu=self.mu, sigma=self.sigma, lower=self.lower, upper=self.upper)
        return pm.Normal(name, mu=self.mu, sigma=self.sigma)

    def describe(self) -> str:
        text = f"normal(mu={self.mu:g}, sigma={self.sigma:g})"
        if self.truncated:
            lo = "-inf" if self.lower is None else f"{self.lower:g}"
            hi = "inf" if self.upper is None else f"{self.upper:g}"
            text += f" truncated to [{lo}, {hi}]"
        return text


class Fixed(Prior):
    """A parameter held at ``value`` (physical): not sampled; every map returns the value."""

    kind = "fixed"
    free = False

    def __init__(self, value: float) -> None:
        self.value = float(value)
        self._frozen = True

    def rescale(self, u: Any) -> Any:
        return np.full(np.shape(u), self.value) if np.ndim(u) else self.value

    def ln_prob(self, x: Any) -> Any:
        """0 at the value, ``-inf`` elsewhere (a point mass: no density to normalise)."""
        return np.where(np.asarray(x, dtype=float) == self.value, 0.0, -np.inf)

    def sampling_bounds(self) -> tuple[float, float]:
        return self.value, self.value

    def initial(self) -> float:
        return self.value

    def pymc_variable(self, name: str):
        import pymc as pm

        return pm.Data(name, self.value)

    def describe(self) -> str:
        return f"fixed {self.value:g}"


#: Prior classes by their run-config name.
PRIOR_TYPES: dict[str, type[Prior]] = {cls.kind: cls for cls in (LogUniform, Uniform, Normal)}


def prior_from_config(prior: str | None, *, lower: float | None = None, upper: float | None = None,
                      mu: float | None = None, sigma: float | None = None, value: float | None = None) -> Prior:
    """The prior of a run-config ``parameters:`` entry (its keys as arguments).

    Raises
    ------
    ValueError
        With the message a run config reports for an inconsistent entry (pydantic turns it into a ConfigError
        naming the YAML path).
    """
    if value is not None:
        if prior is not None:
            raise ValueError("give either 'value' (fixed) or 'prior', not both")
        return Fixed(value)
    if prior is None:
        raise ValueError(f"needs 'prior' ({', '.join(PRIOR_TYPES)}) or a fixed 'value'")
    cls = PRIOR_TYPES.get(prior)
    if cls is None:
        raise ValueError(f"unknown prior {prior!r}; expected one of {', '.join(PRIOR_TYPES)}")
    if cls is Normal:
        if mu is None or sigma is None:
            raise ValueError("a normal prior needs 'mu' and 'sigma'")
        return Normal(mu, sigma, lower, upper)
    if lower is None or upper is None:
        raise ValueError(f"a {prior} prior needs 'lower' and 'upper'")
    return cls(lower, upper)


# ----------------------------------------------------------------------------------------------------
# parameters


@dataclass(frozen=True)
class Parameter:
    """A model parameter: its full name, its prior and its owner.

    Attributes
    ----------
    name
        ``gprime``, ``mass_GeV``, ``epsilon``, ``eps_u_ee``... or ``<dataset id>.<nuisance>``.
    prior
        Its :class:`Prior` (:class:`Fixed` for a fixed parameter).
    owner
        The dataset id of a nuisance parameter; ``None`` for a theory parameter.
    """

    name: str
    prior: Prior
    owner: str | None = None

    def __post_init__(self) -> None:
        if split_name(self.name)[0] != self.owner:
            raise ValueError(f"parameter {self.name!r} does not match its owner {self.owner!r} "
                             f"(nuisances are named '<dataset id>.<name>')")

    @classmethod
    def nuisance(cls, owner: str, local: str, prior: Prior) -> "Parameter":
        """The nuisance parameter ``local`` of dataset ``owner``."""
        return cls(nuisance_name(owner, local), prior, owner)

    @property
    def local_name(self) -> str:
        """The name without the owner prefix (``"gamma"`` for ``"coherent_csi_2017.gamma"``)."""
        return split_name(self.name)[1]

    @property
    def free(self) -> bool:
        return self.prior.free

    @property
    def fixed_value(self) -> float | None:
        """The physical value of a fixed parameter (None when free)."""
        return None if self.prior.free else self.prior.value

    @property
    def is_log(self) -> bool:
        return self.prior.is_log

    @property
    def sampling_name(self) -> str:
        """Name in sampling space (``log10_gprime`` for a log-uniform gprime)."""
        return f"log10_{self.name}" if self.prior.is_log else self.name

    def to_physical(self, x: Any) -> Any:
        return self.prior.to_physical(x)

    def to_sampling(self, v: Any) -> Any:
        return self.prior.to_sampling(v)

    def rescale(self, u: Any) -> Any:
        return self.prior.rescale(u)

    def ln_prob(self, x: Any) -> Any:
        return self.prior.ln_prob(x)

    def log_penalty(self, x: Any) -> Any:
        return self.prior.log_penalty(x)

    def pull(self, x: float) -> float | None:
        return self.prior.pull(x)

    def sampling_bounds(self) -> tuple[float, float]:
        return self.prior.sampling_bounds()

    def initial(self) -> float:
        return self.prior.initial()

    def pymc_variable(self):
        """The PyMC random variable of this parameter, named :attr:`sampling_name`, in the current model."""
        return self.prior.pymc_variable(self.sampling_name)

    def describe(self) -> str:
        return self.prior.describe()


class ParameterSet(Sequence[Parameter]):
    """The parameters of a run in order (theory parameters first, then nuisances), with the vectorised prior
    transform of the free ones.

    Iterating and indexing go over *all* parameters; :attr:`free` lists the sampled ones, in the order of the
    sampling-space vector.
    """

    def __init__(self, parameters: Iterable[Parameter]) -> None:
        self._all: list[Parameter] = list(parameters)
        names = [p.name for p in self._all]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"parameter {sorted(dup)[0]!r} given twice")
        self.free: list[Parameter] = [p for p in self._all if p.free]
        self._batch = _BatchTransform([p.prior for p in self.free])

    @classmethod
    def from_config(cls, entries: Mapping[str, Any], theory_names: Sequence[str],
                    nuisances: Mapping[str, Sequence[tuple[str, Prior]]]) -> "ParameterSet":
        """Theory parameters from the config, then each dataset's nuisances (the config may override their priors).

        Parameters
        ----------
        entries
            The config's ``parameters:`` entries by name; each has ``to_prior()`` (a
            :class:`globalfit.config.ParameterConfig`).
        theory_names
            The theory parameters of the mode (each must be in ``entries``).
        nuisances
            Per dataset id, its nuisance parameters as (local name, default prior).

        Raises
        ------
        ConfigError
            A nuisance in ``entries`` that no dataset of the run has.
        """
        params = [Parameter(name, entries[name].to_prior()) for name in theory_names]
        known: list[str] = []
        for owner, items in nuisances.items():
            for local, default in items:
                full = nuisance_name(owner, local)
                known.append(full)
                prior = entries[full].to_prior() if full in entries else default
                params.append(Parameter(full, prior, owner))
        for name in entries:
            if split_name(name)[0] is not None and name not in known:
                raise ConfigError(f"{name!r} is not a nuisance parameter of this run's datasets "
                                  f"(they are: {', '.join(sorted(known)) or 'none'})", f"parameters.{name}")
        return cls(params)

    # -- Sequence
    def __getitem__(self, i):  # type: ignore[override]
        return self._all[i]

    def __len__(self) -> int:
        return len(self._all)

    def __repr__(self) -> str:
        return f"ParameterSet({self._all!r})"

    # -- names
    @property
    def names(self) -> list[str]:
        """Names of the free parameters (physical), in sampling-vector order."""
        return [p.name for p in self.free]

    @property
    def sampling_names(self) -> list[str]:
        """Sampling-space names of the free parameters (``log10_gprime``...), in sampling-vector order."""
        return [p.sampling_name for p in self.free]

    # -- vectorised maps
    def rescale(self, u: Any) -> np.ndarray:
        """Unit cube -> sampling space for all free parameters: ``u`` of shape (ndim,) or (n, ndim)."""
        return self._batch(u)

    def ln_prob(self, x: Any) -> np.ndarray:
        """Sum of the normalised log prior densities of the free parameters at sampling-space ``x`` (..., ndim)."""
        x = np.asarray(x, dtype=float)
        return np.sum([p.ln_prob(x[..., i]) for i, p in enumerate(self.free)], axis=0)


class _BatchTransform:
    """The prior transform of many priors at once: the flat ones as one affine map, the normal ones as one
    :class:`TruncatedNormalQuantile` on arrays of their settings, others one by one (a few microseconds per point)."""

    def __init__(self, priors: Sequence[Prior]) -> None:
        self.ndim = len(priors)
        flat = [(i, p) for i, p in enumerate(priors) if isinstance(p, _FlatInSampling)]
        normal = [(i, p) for i, p in enumerate(priors) if isinstance(p, Normal)]
        taken = {i for i, _ in flat} | {i for i, _ in normal}
        self.other = [(i, p) for i, p in enumerate(priors) if i not in taken]
        self.flat_idx = np.array([i for i, _ in flat], dtype=int)
        self.flat_lo = np.array([p.sampling_bounds()[0] for _, p in flat])
        self.flat_width = np.array([p.sampling_bounds()[1] - p.sampling_bounds()[0] for _, p in flat])
        self.norm_idx = np.array([i for i, _ in normal], dtype=int)
        ab = np.array([p.standard_bounds for _, p in normal]).reshape(-1, 2)
        self.norm_quantile = TruncatedNormalQuantile(ab[:, 0], ab[:, 1], [p.mu for _, p in normal],
                                                     [p.sigma for _, p in normal])

    def __call__(self, u: Any) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        if u.shape[-1:] != (self.ndim,):
            raise ValueError(f"expected unit-cube points with {self.ndim} coordinates, got shape {u.shape}")
        x = np.empty_like(u)
        if self.flat_idx.size:
            x[..., self.flat_idx] = self.flat_lo + u[..., self.flat_idx] * self.flat_width
        if self.norm_idx.size:
            x[..., self.norm_idx] = self.norm_quantile(u[..., self.norm_idx])
        for i, p in self.other:
            x[..., i] = p.rescale(u[..., i])
        return x
