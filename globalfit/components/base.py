"""The likelihood-component interface and the registry that maps a dataset's ``kind`` to its class.

A component is one experimental dataset (or one external limit used as a prior term). It is built once
from its catalogue entry (spec YAML + data files) and the run's :class:`~globalfit.physics.theory.TheorySpec`,
precomputes everything that does not depend on the parameters, and then gives its log-likelihood as a
PyTensor expression of the theory quantities (:class:`~globalfit.physics.theory.TheoryPoint`) and of its
own nuisance parameters. The same expression is compiled for NUTS, nested sampling and frequentist scans.

Each kind declares what it reads from the theory (:meth:`Component.requirements`, a list of
:class:`~globalfit.physics.theory.Requirement`) and the modes it supports (:attr:`Component.modes`); whether a run's
theory is visible to the dataset at all is derived from those declarations by one function,
:func:`globalfit.physics.theory.visibility` (:meth:`Component.is_sensitive`). At run time a component reads the
theory only through the :class:`~globalfit.physics.theory.TheoryPoint` argument; the static spec (``self.theory``)
is for the constructor and the declarations.

Components hold no mutable parameter state and are picklable (they are shipped to worker processes).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

from globalfit.physics.theory import Requirement, visibility

if TYPE_CHECKING:  # pragma: no cover
    from globalfit.catalogue import DatasetEntry
    from globalfit.physics.theory import TheoryPoint, TheorySpec


@dataclass(frozen=True)
class NuisancePrior:
    """A nuisance parameter of a component: a normal prior (the pull term of a chi^2).

    Attributes
    ----------
    name
        Local name (``"gamma"``); the model prefixes it with the component id (``"coherent_csi_2017.gamma"``).
    mu, sigma
        Mean and standard deviation of the normal prior.
    lower, upper
        Optional hard bounds (e.g. a normalisation that must stay above -1).
    description
        What it is (for ``globalfit list`` and summaries).
    """

    name: str
    mu: float
    sigma: float
    lower: float | None = None
    upper: float | None = None
    description: str = ""


@dataclass
class CountingRegion:
    """Inputs of a single-bin CLs computation (paper 000 eqs. 2.6-2.8), as tensors or floats.

    Attributes
    ----------
    signal
        Expected signal events s(theta).
    background, background_err
        Expected background b and its absolute uncertainty.
    observed
        Observed events n.
    name
        Region label (``"IM7"``, ``"pTmiss > 700"``).
    """

    signal: Any
    background: float
    background_err: float
    observed: float
    name: str = ""


class Component(ABC):
    """Base class of all likelihood components.

    Subclasses set :attr:`kind` and :attr:`modes`, declare :meth:`requirements` and implement
    :meth:`log_likelihood`; they usually override :meth:`nuisance_priors`, :meth:`expected` and :meth:`observed`.

    Parameters
    ----------
    entry
        The catalogue entry: id, spec (parsed YAML), folder, verified data files.
    theory
        The run's theory spec (mode, charges, ...).
    options
        Per-run options from the config (``{id: ..., options: {...}}``), validated by :meth:`check_options`.
    """

    #: The ``kind`` string in spec YAML files that selects this class.
    kind: ClassVar[str] = ""
    #: Option names this kind accepts in a run config, with defaults.
    default_options: ClassVar[dict[str, Any]] = {}
    #: Theory modes this kind supports.
    modes: ClassVar[tuple[str, ...]] = ("u1", "simplified", "eft")

    def __init__(self, entry: "DatasetEntry", theory: "TheorySpec", options: Mapping[str, Any] | None = None):
        self.entry = entry
        self.theory = theory
        self.options = self.check_options(dict(options or {}))

    # -- metadata ---------------------------------------------------------------------------------------
    @property
    def id(self) -> str:
        """Dataset id (folder name)."""
        return self.entry.id

    @property
    def spec(self) -> dict[str, Any]:
        """Parsed spec YAML of the dataset."""
        return self.entry.spec

    def check_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """Validate run options against :attr:`default_options`; unknown names are a :class:`ConfigError`."""
        from globalfit.errors import ConfigError
        from globalfit.util import did_you_mean

        unknown = [k for k in options if k not in self.default_options]
        if unknown:
            raise ConfigError(
                f"unknown option {unknown[0]!r} for {self.entry.id}{did_you_mean(unknown[0], self.default_options)}; "
                f"accepted: {sorted(self.default_options) or 'none'}",
                f"likelihoods.{self.entry.id}.options",
            )
        return {**self.default_options, **options}

    # -- statistics -------------------------------------------------------------------------------------
    def nuisance_priors(self) -> list[NuisancePrior]:
        """Nuisance parameters of this component with their normal priors (default: none)."""
        return []

    def requirements(self) -> list[Requirement]:
        """The theory quantities this component reads (default: none declared, so always visible)."""
        return []

    def data_blindness(self) -> str:
        """A reason why this dataset's own tables give it no sensitivity to the run's theory ("" if they do), for
        conditions the declared requirements cannot express (e.g. a recast limit that is infinite everywhere)."""
        return ""

    def is_sensitive(self) -> tuple[bool, str]:
        """Whether the run's theory can change this likelihood at all, from :meth:`requirements` (centrally, by
        :func:`~globalfit.physics.theory.visibility`) and :meth:`data_blindness`.

        Returns ``(False, reason)`` for e.g. a charge assignment without muon coupling in a 4-muon search;
        the model then drops the term and logs the reason once (a zero contribution, not an error).
        """
        ok, why = visibility(self.id, self.theory, self.requirements())
        if ok and (blind := self.data_blindness()):
            return False, f"{self.id}: {blind}"
        return ok, why

    @abstractmethod
    def log_likelihood(self, theory: "TheoryPoint", nuisances: Mapping[str, Any]) -> Any:
        """Log-likelihood (natural log, up to a constant) as a scalar tensor or float.

        Parameters
        ----------
        theory
            Theory quantities at the current point.
        nuisances
            This component's nuisance values by local name (see :meth:`nuisance_priors`). The normal
            priors of the nuisances are NOT included here: the model adds them.
        """

    def expected(self, theory: "TheoryPoint", nuisances: Mapping[str, Any]) -> dict[str, Any]:
        """Predicted observables per bin (for plots and posterior-predictive bands). Default: none."""
        return {}

    def observed(self) -> dict[str, Any]:
        """Observed data per bin, keys matching :meth:`expected` (numpy arrays), plus optional ``"edges"``."""
        return {}

    def expected_components(self, theory: "TheoryPoint", nuisances: Mapping[str, Any],
                            axis: str | None = None) -> dict[str, Any]:
        """Named contributions to the expected counts (``"CEvNS"``, each background...), in events per bin, for the
        posterior-predictive breakdown, the signal first (plots stack the backgrounds under it and subtract them for
        the excess panel). Default: none.

        With ``axis`` None they are per bin of ``expected()["counts"]`` and sum to it; with the name of one of
        :meth:`projections` they are projected on that axis of a multi-dimensional dataset.
        """
        return {}

    def projections(self) -> dict[str, dict[str, Any]]:
        """Further 1-D projections of a multi-dimensional binned dataset (CsI 2021 t_rec; LAr F90 and time): axis
        name -> the data projected on it, in the format of :meth:`observed` (counts, errors, edges, xlabel). Default:
        none (the projection of :meth:`observed` is the only one)."""
        return {}

    def counting_regions(self, theory: "TheoryPoint") -> list[CountingRegion]:
        """Single-bin regions for CLs limits; empty for components that are not counting experiments."""
        return []


_REGISTRY: dict[str, type[Component]] = {}


def register(cls: type[Component]) -> type[Component]:
    """Class decorator: make ``cls`` the implementation of ``cls.kind``."""
    if not cls.kind:
        raise TypeError(f"{cls.__name__} has no kind")
    _REGISTRY[cls.kind] = cls
    return cls


def component_class(kind: str) -> type[Component]:
    """The class registered for ``kind`` (importing the component modules on first use)."""
    from globalfit.components import load_all

    load_all()
    if kind not in _REGISTRY:
        from globalfit.errors import DataError

        raise DataError(f"no component implements kind {kind!r}; known kinds: {', '.join(sorted(_REGISTRY)) or 'none'}")
    return _REGISTRY[kind]


def registered_kinds() -> dict[str, type[Component]]:
    """All registered kinds (after importing the component modules)."""
    from globalfit.components import load_all

    load_all()
    return dict(_REGISTRY)
