"""The run-config schema (pydantic) and its loader.

A run config is a YAML file with the keys of DESIGN.md (``schema_version``, ``name``, ``model``, ``parameters``,
``likelihoods``, ``priors``, ``projections``, ``sampler``, ``limits``, ``scan``, ``compare``, ``output``). :func:`load_config` parses it
(YAML 1.2 floats: ``1e-3`` is a float, not a string), validates it, and raises :class:`ConfigError` naming the
YAML path of the first problem, with a did-you-mean for misspelled keys.

Parameters: each theory parameter of the mode (``gprime`` and ``mass_GeV`` in u1 mode, ``epsilon`` and
``mass_GeV`` in simplified mode, ``epsilon_<aa>`` and ``mass_GeV`` with ``model.per_flavour``, ``eps_<f>_<aa>`` in
eft mode; ``kinetic_mixing`` / ``mass_mixing`` in u1 mode when ``model.kinetic_mixing`` / ``model.mass_mixing`` is
``parameter``) needs a prior (``log-uniform``, ``uniform``: ``lower``, ``upper``; ``normal``: ``mu``, ``sigma``) or a fixed
``value``. Nuisance parameters of the
components (``coherent_csi_2017.gamma``) may be listed too, to fix them or change their prior. Each entry is the YAML
form of a typed prior of :mod:`globalfit.parameters` (:meth:`ParameterConfig.to_prior`), which also checks it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from globalfit.errors import ConfigError, GlobalfitError
from globalfit.parameters import Fixed, Prior, Uniform, prior_from_config, split_name
from globalfit.physics.charges import ChargeAssignment, parse_charges
from globalfit.physics.theory import EFT_PARAMETERS, TheorySpec
from globalfit.safe_yaml import load_yaml
from globalfit.util import did_you_mean

SCHEMA_VERSION = 1


class _Strict(BaseModel):
    # unknown keys are errors (with did-you-mean), and no float anywhere may be nan or +-inf
    model_config = ConfigDict(extra="forbid", frozen=False, allow_inf_nan=False)


class ModelConfig(_Strict):
    """``model:`` — the theory mode and its fixed settings."""

    type: Literal["u1", "simplified", "eft"] = "u1"
    charges: Union[str, dict[str, Union[float, str]], None] = None
    width_ratio: float = Field(0.1, gt=0, le=1.0, description="Gamma/M in simplified mode")
    flavours: list[Literal["e", "mu", "tau"]] = Field(default_factory=lambda: ["e"])
    epsilon_convention: Literal["physical", "paper000"] = Field(
        "physical", description="simplified mode: 'physical' (eps^V = 2 eps, one Z' in every component) or "
                                "'paper000' (eps^V = eps, the comparison convention of papers 000/001)")
    #: u1 mode, Z-Z' mixing (physics/mixing.py): 'parameter' adds the theory parameter kinetic_mixing (eps, the Z'
    #: coupling e eps Q_f to the electric current) or mass_mixing (xi, the Z-Z' mass-mixing angle); 'loop' sets eps to
    #: its one-loop value e g'/(12 pi^2) ln(m_tau^2/m_mu^2) (L_mu - L_tau and other quark-free finite cases)
    kinetic_mixing: Literal["none", "parameter", "loop"] = "none"
    mass_mixing: Literal["none", "parameter"] = "none"
    per_flavour: bool = Field(False, description="simplified mode: one coupling epsilon_<aa> per neutrino flavour "
                                                 "(paper 001 Fig. 2) instead of one epsilon")
    charged_leptons: bool = Field(False, description="simplified mode: the charged lepton of each coupled flavour "
                                                     "couples with its neutrino's coupling g_l (paper 001 eq. 7)")

    @field_validator("charged_leptons")
    @classmethod
    def _charged_leptons_simplified(cls, v: bool, info) -> bool:
        # a field validator (not the model validator below), so that the error names model.charged_leptons
        if v and info.data.get("type") != "simplified":
            raise ValueError(f"charged_leptons is a setting of the simplified mode (model type simplified), not of "
                             f"{info.data.get('type')} mode")
        return v

    @model_validator(mode="after")
    def _charges_needed(self) -> "ModelConfig":
        if self.type == "u1" and self.charges is None:
            raise ValueError("u1 mode needs 'charges' (a preset A, B, C or an expression like B-3Lmu)")
        for key in ("kinetic_mixing", "mass_mixing"):
            if self.type != "u1" and getattr(self, key) != "none":
                raise ValueError(f"'{key}' is a setting of u1 mode, not of {self.type} mode")
        if self.per_flavour and self.type != "simplified":
            raise ValueError("per_flavour is a setting of the simplified mode (model type simplified)")
        return self

    def charge_assignment(self) -> ChargeAssignment | None:
        """Parsed and anomaly-checked charges (None outside u1 mode)."""
        if self.type != "u1":
            return None
        return parse_charges(self.charges)


class ParameterConfig(_Strict):
    """One parameter: a prior, or a fixed value (the YAML schema; :meth:`to_prior` gives the typed prior)."""

    prior: Literal["log-uniform", "uniform", "normal"] | None = None
    lower: float | None = None
    upper: float | None = None
    mu: float | None = None
    sigma: float | None = Field(None, gt=0)
    value: float | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "ParameterConfig":
        self.to_prior()  # the prior's own checks (a ValueError here becomes a ConfigError naming the path)
        return self

    def to_prior(self) -> Prior:
        """The typed prior of this entry (:class:`~globalfit.parameters.Fixed` for a fixed ``value``)."""
        return prior_from_config(self.prior, lower=self.lower, upper=self.upper, mu=self.mu, sigma=self.sigma,
                                 value=self.value)

    @property
    def fixed(self) -> bool:
        return self.value is not None


class DatasetRef(_Strict):
    """A likelihood or prior entry: an id, with optional per-run options."""

    id: str
    options: dict[str, Any] = Field(default_factory=dict)


class SamplerConfig(_Strict):
    """``sampler:`` — nested sampling (dynesty) or NUTS (PyMC)."""

    method: Literal["nested", "nuts"] = "nested"
    nlive: int = Field(400, ge=10, le=100_000)
    dlogz: float = Field(0.1, gt=0)
    seed: int = Field(1, ge=0, le=2**32 - 1)  # numpy's SeedSequence range
    draws: int = Field(1000, ge=10, le=10**6)
    tune: int = Field(1000, ge=0, le=10**6)
    chains: int = Field(2, ge=1, le=64)
    target_accept: float = Field(0.9, gt=0, lt=1)
    bound: Literal["multi", "single", "balls", "cubes", "none"] = "multi"
    sample: Literal["auto", "unif", "rwalk", "slice", "rslice"] = "auto"
    checkpoint_every_s: float = Field(60.0, gt=0)
    maxiter: int | None = Field(None, ge=1)
    #: independent nested runs (seeds seed, seed + 1, ...) merged into one; their scatter is the ln Z error
    repeats: int = Field(1, ge=1, le=100)
    #: worker processes for the sampler's likelihood calls (None: one)
    processes: int | None = Field(None, ge=1, le=1024)
    #: PyTensor backend of the nested sampler's likelihood: ``c``, ``numba`` (several times cheaper per call, seconds
    #: more to compile) or ``auto`` (numba for runs long enough to repay it, :func:`globalfit.inference.nested.backend`)
    backend: Literal["auto", "c", "numba"] = "auto"


class MassGrid(_Strict):
    start: float = Field(gt=0)
    stop: float = Field(gt=0)
    num: int = Field(ge=1, le=10000)

    @model_validator(mode="after")
    def _order(self) -> "MassGrid":
        if self.stop < self.start:
            raise ValueError(f"'stop' ({self.stop}) must not be below 'start' ({self.start})")
        return self


class LimitsConfig(_Strict):
    """``limits:`` — frequentist scans."""

    masses_GeV: Union[MassGrid, list[float]] = Field(default_factory=lambda: MassGrid(start=0.005, stop=1.0e4, num=60))
    delta_chi2: float = Field(4.0, gt=0)
    cls_level: float = Field(0.95, gt=0, lt=1)
    processes: int | None = Field(None, ge=1)
    #: sign of the coupling in the profile and CLs limits: ``negative`` gives limits on -c (rows with parameter
    #: ``-<name>``); the SM-Z interference makes them differ (paper 000 sec. 2.3). Bayesian rows stay for c > 0.
    sign: Literal["positive", "negative"] = "positive"
    #: pseudo-experiments per mass for the expected limits (``limits --expected``) of the kinds where the asymptotic
    #: formulae do not hold (rows of method ``delta_chi2_toys``); 0: none
    expected_toys: int = Field(0, ge=0)
    #: seed of those pseudo-experiments (reproducible toys)
    expected_toys_seed: int = Field(1, ge=0)
    #: the Bayesian credible limit (method ``bayesian``) on a subset of the masses; false skips it, which saves the
    #: compilation of the combined graph with its gradient when only the frequentist rows are wanted
    bayesian: bool = True

    @field_validator("masses_GeV")
    @classmethod
    def _positive(cls, v):
        if isinstance(v, list):
            if not v:
                raise ValueError("the mass list is empty")
            if any(m <= 0 for m in v):
                raise ValueError(f"masses must be positive (got {v})")
        return v

    def mass_grid(self) -> np.ndarray:
        """Masses [GeV]: the list as given, or ``num`` log-spaced points from ``start`` to ``stop``."""
        m = self.masses_GeV
        if isinstance(m, list):
            return np.asarray(m, dtype=float)
        return np.geomspace(m.start, m.stop, m.num)


class ScanConfig(_Strict):
    """``scan:`` — a 2-D profile scan (``globalfit scan``); the command line's --x, --y, --n override these."""

    x: str | None = None
    y: str | None = None
    #: grid points per axis
    n: int = Field(25, ge=2, le=500)
    #: physical ranges of the axes (default: the parameters' prior bounds)
    x_range: tuple[float, float] | None = None
    y_range: tuple[float, float] | None = None
    #: physical values of the other free theory parameters (e.g. mass_GeV), held fixed on the plane
    at: dict[str, float] = Field(default_factory=dict)
    processes: int | None = Field(None, ge=1)
    #: named sums of datasets drawn and tabulated as one more term (e.g. {coherent: [coherent_csi_2021, ...]})
    groups: dict[str, list[str]] = Field(default_factory=dict)


class CompareConfig(_Strict):
    """``compare:`` — charge assignments compared by Bayes factors (first one is the reference)."""

    models: list[str] = Field(default_factory=list)


class ExecutorConfig(_Strict):
    """``executor:`` — where parallel work goes (:mod:`globalfit.executor`): local processes, or a Dask cluster at
    ``address`` (without one, a ``distributed.LocalCluster`` of ``workers`` processes)."""

    kind: Literal["processes", "dask"] = "processes"
    address: str | None = Field(None, min_length=1, max_length=500)
    workers: int | None = Field(None, ge=1, le=100_000)

    @model_validator(mode="after")
    def _address_needs_dask(self) -> "ExecutorConfig":
        if self.address and self.kind != "dask":
            raise ValueError("'address' names a Dask scheduler: set kind: dask")
        return self


class RGrid(_Strict):
    """One axis of a sweep grid: ``num`` equally spaced values from ``start`` to ``stop`` (exact rationals)."""

    start: Union[float, str]
    stop: Union[float, str]
    num: int = Field(ge=1, le=1000)


class SweepConfig(_Strict):
    """``sweep:`` — limits over charge assignments (a list, and/or a grid in paper 004's r-basis, eq. 2:
    X = r_BL (B-L) + r_mutau (Lmu-Ltau) + r_mue (Lmu-Le)), dataset sets and masses (:mod:`globalfit.sweep`).

    ``grid`` maps each of ``r_BL``, ``r_mutau``, ``r_mue`` to a number (fixed) or ``{start, stop, num}``; ``datasets``
    lists sets of likelihood/prior ids (each set replaces the run's datasets; default: the run's own);
    ``masses_GeV`` defaults to the ``limits:`` grid."""

    charges: list[Union[str, dict[str, Union[float, str]]]] = Field(default_factory=list)
    grid: dict[Literal["r_BL", "r_mutau", "r_mue"], Union[float, str, RGrid]] | None = None
    datasets: list[list[str]] | None = None
    masses_GeV: Union[MassGrid, list[float], None] = None

    @model_validator(mode="after")
    def _some_point(self) -> "SweepConfig":
        if not self.charges and not self.grid:
            raise ValueError("a sweep needs 'charges' (a list) or 'grid' (r_BL, r_mutau, r_mue)")
        if self.datasets is not None and (not self.datasets or any(not s for s in self.datasets)):
            raise ValueError("'datasets' must be a non-empty list of non-empty lists of dataset ids")
        if isinstance(self.masses_GeV, list) and (not self.masses_GeV or any(m <= 0 for m in self.masses_GeV)):
            raise ValueError(f"masses must be positive and at least one (got {self.masses_GeV})")
        return self


class OutputConfig(_Strict):
    dir: str = "results/run"


class RunConfig(_Strict):
    """A validated run config (see module docstring)."""

    schema_version: Literal[1] = 1
    name: str = "run"
    model: ModelConfig
    parameters: dict[str, ParameterConfig]
    likelihoods: list[DatasetRef] = Field(default_factory=list)
    priors: list[DatasetRef] = Field(default_factory=list)
    #: projected datasets (``projections/<id>/``): only in limits, as component ``combined_projected`` with the data
    projections: list[DatasetRef] = Field(default_factory=list)
    sampler: SamplerConfig = Field(default_factory=SamplerConfig)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    scan: ScanConfig = Field(default_factory=ScanConfig)
    compare: CompareConfig = Field(default_factory=CompareConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    executor: ExecutorConfig = Field(default_factory=ExecutorConfig)
    sweep: SweepConfig | None = None
    #: let a dataset under GLOBALFIT_DATA_PATH replace a built-in one with the same id (refused otherwise)
    allow_shadowing: bool = False

    @field_validator("likelihoods", "priors", "projections", mode="before")
    @classmethod
    def _refs(cls, v):
        if v is None:
            return []
        if not isinstance(v, list):
            raise ValueError("must be a list of dataset ids or {id:, options:} mappings")
        return [{"id": x} if isinstance(x, str) else x for x in v]

    # ------------------------------------------------------------------------------------------------
    def theory_spec(self, charges: str | dict | None = None) -> TheorySpec:
        """The :class:`TheorySpec` of this run (optionally with other charges, for ``compare``)."""
        m = self.model
        ca = parse_charges(charges) if charges is not None else m.charge_assignment()
        eft = tuple(p for p in self.parameters if p in EFT_PARAMETERS) if m.type == "eft" else ()
        return TheorySpec(mode=m.type, charges=ca, width_ratio=m.width_ratio, flavours=tuple(m.flavours),
                          eft_parameters=eft, epsilon_convention=m.epsilon_convention,
                          kinetic_mixing=m.kinetic_mixing, mass_mixing=m.mass_mixing, per_flavour=m.per_flavour,
                          charged_leptons=m.charged_leptons)

    def with_charges(self, charges: str) -> "RunConfig":
        """A copy of this config with another charge assignment (u1 mode)."""
        new = self.model_copy(deep=True)
        new.model.charges = charges
        return new

    def resolved_dict(self) -> dict[str, Any]:
        """Plain-data form (for ``config.yaml`` of a result folder and for resume comparisons)."""
        d = self.model_dump(mode="json")
        if isinstance(self.limits.masses_GeV, MassGrid):
            d["limits"]["masses_GeV"] = self.model_dump(mode="json")["limits"]["masses_GeV"]
        ca = self.model.charge_assignment()
        if ca is not None:
            d["model"]["charges_resolved"] = {k: str(v) for k, v in zip(("q", "e", "mu", "tau"), (ca.q, ca.e, ca.mu, ca.tau))}
        return d


def _loc_to_path(loc: tuple) -> str:
    parts: list[str] = []
    for x in loc:
        if isinstance(x, int):
            parts.append(f"[{x}]")
        elif x in ("list[float]", "MassGrid") or "[" in str(x) and "]" in str(x) and "," in str(x):
            continue  # union branch labels from pydantic
        else:
            parts.append(("." if parts else "") + str(x))
    return "".join(parts)


def _allowed_keys(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


def _explain(exc: ValidationError, raw: dict) -> ConfigError:
    """The first validation error as a ConfigError naming the YAML path, with did-you-mean for extra keys."""
    err = exc.errors()[0]
    path = _loc_to_path(err["loc"])
    if err["type"] == "extra_forbidden":
        key = str(err["loc"][-1])
        parent_loc = err["loc"][:-1]
        model: Any = RunConfig
        for part in parent_loc:
            field = getattr(model, "model_fields", {}).get(part) if isinstance(part, str) else None
            ann = field.annotation if field is not None else None
            nxt = None
            for cand in (ann, *getattr(ann, "__args__", ())):
                if isinstance(cand, type) and issubclass(cand, BaseModel):
                    nxt = cand
                    break
            if nxt is None:
                break
            model = nxt
        allowed = _allowed_keys(model) if isinstance(model, type) and issubclass(model, BaseModel) else []
        return ConfigError(f"unknown key {key!r}{did_you_mean(key, allowed)}; allowed here: {', '.join(allowed)}", path)
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "missing":
        msg = "required key is missing"
    return ConfigError(msg, path or None)


def parse_config(raw: Any, source: str = "<config>") -> RunConfig:
    """Validate an already-parsed mapping into a :class:`RunConfig` and check physics-level consistency."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source} must be a YAML mapping of keys (schema_version, name, model, ...)")
    try:
        cfg = RunConfig.model_validate(raw)
    except ValidationError as exc:
        raise _explain(exc, raw) from None
    try:
        spec = cfg.theory_spec()
    except ConfigError:
        raise  # already names its key (e.g. model.kinetic_mixing)
    except GlobalfitError as exc:
        raise ConfigError(str(exc), "model.charges") from None
    _check_parameters(cfg, spec)
    return cfg


def _check_parameters(cfg: RunConfig, spec: TheorySpec) -> None:
    from globalfit.physics.theory import EFT_PARAMETERS as EFT
    from globalfit.physics.theory import SIMPLIFIED_FLAVOUR_PARAMETERS

    needed = spec.parameter_names
    if cfg.model.type == "eft" and not needed:
        raise ConfigError(f"eft mode needs at least one of {', '.join(EFT)}", "parameters")
    for p in needed:
        if p not in cfg.parameters:
            raise ConfigError(f"the {cfg.model.type} model needs parameter {p!r} (a prior or a fixed value)", "parameters")
    theory_like = {"gprime", "mass_GeV", "epsilon", "kinetic_mixing", "mass_mixing", *EFT, *SIMPLIFIED_FLAVOUR_PARAMETERS}
    for name, par in cfg.parameters.items():
        if name in theory_like and name not in needed:
            raise ConfigError(f"parameter {name!r} is not used by the {cfg.model.type} model (it reads {', '.join(needed)})",
                              f"parameters.{name}")
        if name not in theory_like and split_name(name)[0] is None:
            raise ConfigError(
                f"unknown parameter {name!r}{did_you_mean(name, [*needed])}; theory parameters are {', '.join(needed)} "
                f"and nuisances are written '<dataset id>.<name>'",
                f"parameters.{name}",
            )
        # a flat prior or a fixed value must stay positive (log-uniform already is; a normal prior may be truncated
        # anywhere, as before)
        if name in ("gprime", "mass_GeV") and isinstance(prior := par.to_prior(), (Uniform, Fixed)):
            lo = prior.sampling_bounds()[0]
            if lo <= 0:
                raise ConfigError(f"{name} must be positive (got {lo})", f"parameters.{name}.{'value' if par.fixed else 'lower'}")
    for sec in ("likelihoods", "priors", "projections"):
        ids = [r.id for r in getattr(cfg, sec)]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ConfigError(f"dataset {sorted(dup)[0]!r} is listed twice", sec)
    if not cfg.likelihoods and not cfg.priors:
        raise ConfigError("no likelihoods or priors: a fit needs at least one dataset", "likelihoods")


def load_config(path: str | Path) -> RunConfig:
    """Read and validate a run config.

    Raises
    ------
    ConfigError
        For a missing file, a YAML syntax error (with line and column), or an invalid key or value (with its path).
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"run config {path} does not exist")
    # the hardened loader: YAML 1.2 floats, no alias bombs, depth/size limits, duplicate keys refused, UTF-8 only
    raw = load_yaml(path, "run config")
    return parse_config(raw, str(path))


def check_datasets(cfg: RunConfig, catalogue=None) -> None:
    """Check that every likelihood, prior and projection id exists in its section of the catalogue (data files
    verified); a projection listed under ``likelihoods:`` is an error that points to ``projections:``."""
    from globalfit.catalogue import Catalogue

    cat = catalogue or Catalogue(allow_shadowing=cfg.allow_shadowing)
    for sec in ("likelihoods", "priors", "projections"):
        for i, ref in enumerate(getattr(cfg, sec)):
            if sec != "projections" and ref.id in cat.entries["projections"] and ref.id not in cat.entries[sec]:
                raise ConfigError(f"{ref.id!r} is a projection (projections/{ref.id}/), not data: list it under "
                                  "'projections:' (it then enters limits as combined_projected, never a fit)",
                                  f"{sec}[{i}]")
            try:
                cat.get(ref.id, sec)
            except ConfigError as exc:
                raise ConfigError(str(exc).split(": ", 1)[-1], f"{sec}[{i}]") from None
