"""What a dataset's ``spec.yaml`` and data files must contain: one pydantic schema per dataset ``kind``.

Every spec has the common keys of :class:`DatasetSpec` (``kind``, ``description``, ``citation``, ``files`` with the
sha256 of each data file, optional ``published`` numbers) plus the keys of its kind. Extra keys are forbidden, so a
misspelled key is an error instead of a silently ignored value. Each schema also declares the columns its component
reads from each CSV file (:meth:`DatasetSpec.required_columns`); the catalogue checks them on the header row.

The catalogue validates a spec when the dataset is loaded (:meth:`globalfit.catalogue.DatasetEntry.verify`), so a
component only ever sees a valid spec; components keep reading it as a dictionary. This module imports neither the
components nor the physics: a kind's schema states its component's contract without depending on it (a test checks
that the two registries name the same kinds). Units are in the key names, as in the rest of the project.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from globalfit.errors import DataError
from globalfit.util import did_you_mean

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Positive = Annotated[float, Field(gt=0)]
#: A central value and its uncertainty (``[173, 48]``), or a normalisation and its relative/absolute uncertainty.
ValueUncertainty = tuple[float, float]
#: A closed interval ``[low, high]``.
Interval = tuple[float, float]
#: Polynomial or efficiency-curve coefficients of the CsI 2021 release (four numbers each).
Coefficients = tuple[float, float, float, float]


class _Strict(BaseModel):
    """A mapping with exactly the declared keys (misspelled or unknown keys are errors)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DatasetSpec(_Strict):
    """Keys every ``spec.yaml`` has.

    Attributes
    ----------
    kind
        Component kind (selects the schema and the component class).
    description, citation
        One line each (``globalfit list`` shows the description).
    files
        ``{data file name: sha256}``, written by :func:`globalfit.datatools.write_dataset`.
    published
        ``{name: [value, uncertainty]}``: numbers the publication quotes, compared with the project's prediction or
        fit by ``tests/test_published.py``.
    """

    kind: str
    description: str
    citation: str
    files: dict[str, Sha256]
    published: dict[str, ValueUncertainty] = {}

    #: The kind this schema validates.
    KIND: ClassVar[str] = ""
    #: ``{file: columns}`` this kind always reads (see :meth:`required_columns` for spec-dependent ones).
    COLUMNS: ClassVar[Mapping[str, tuple[str, ...]]] = {}

    def required_columns(self) -> dict[str, tuple[str, ...]]:
        """``{data file: columns its component reads}``; every such file must be listed under ``files``."""
        return dict(self.COLUMNS)


SCHEMAS: dict[str, type[DatasetSpec]] = {}


def _register(cls: type[DatasetSpec]) -> type[DatasetSpec]:
    SCHEMAS[cls.KIND] = cls
    return cls


# -- COHERENT ----------------------------------------------------------------------------------------------------
class ReleaseAcceptance(_Strict):
    """CsI 2017 data-release acceptance a / (1 + exp(-k (x - x0))) above ``threshold_pe`` (x in PE)."""

    a: float
    k: float
    x0: float
    threshold_pe: float = 5.0


class PotTrace(_Strict):
    """Gaussian proton-on-target time trace (ns)."""

    mean: float
    width: Positive


@_register
class CoherentCsI2017Spec(DatasetSpec):
    """COHERENT CsI[Na] 2017 (component :class:`globalfit.components.coherent.CoherentCsI2017`)."""

    KIND = "coherent_csi_2017"
    COLUMNS = {
        "counts.csv": ("pe_low", "pe_high", "t_high_us", "coincidence", "anticoincidence"),
        "time_pdfs.csv": ("t_high_us", "prompt_neutrinos", "delayed_neutrinos", "prompt_neutrons"),
        "brn.csv": ("pe_low", "pe_high", "counts_per_GWhr"),
    }
    detector_mass_kg: Positive
    pot: Positive
    nu_per_pot: Positive
    distance_m: Positive
    beam_exposure_GWhr: Positive
    light_yield_pe_per_keVnr: Positive
    acceptance: ReleaseAcceptance
    analysis_pe: Interval
    time_window_us: Positive
    sigma_gamma: Positive
    sigma_beta: Positive


class Resolution(_Strict):
    """CsI 2021 PE resolution coefficients."""

    a_coeff_keVee: float
    b_coeff_per_keVee: float


class TimeEfficiency(_Strict):
    """CsI 2021 timing efficiency (onset ``t0_us``, decay ``slope_per_us``)."""

    t0_us: float
    slope_per_us: float


class EnergyEfficiency(_Strict):
    """CsI 2021 energy efficiency curve: nominal and the two systematic variants."""

    model: str = ""
    nominal: Coefficients
    syst_a: Coefficients
    syst_b: Coefficients


class ScintillationResponse(_Strict):
    """CsI 2021 quenching polynomial E_ee(T): nominal and the +-1 sigma variants of its two eigen-directions."""

    model: str = ""
    nominal: Coefficients
    syst0_plus: Coefficients
    syst0_minus: Coefficients
    syst1_plus: Coefficients
    syst1_minus: Coefficients


class AnalysisWindow(_Strict):
    """CsI 2021 analysis window in PE and reconstructed time (us)."""

    pe: Interval
    t_us: Interval


class CsI2021Normalisations(_Strict):
    """Expected counts and relative uncertainties of CEvNS, BRN and NIN."""

    cevns: ValueUncertainty
    brn: ValueUncertainty
    nin: ValueUncertainty


@_register
class CoherentCsI2021Spec(DatasetSpec):
    """COHERENT CsI[Na] full dataset (component :class:`globalfit.components.coherent_csi2021.CoherentCsI2021`)."""

    KIND = "coherent_csi_2021"
    COLUMNS = {
        "counts.csv": ("pe_low", "pe_high", "t_low_us", "t_high_us", "coincidence", "anticoincidence"),
        "pe_pdfs.csv": ("pe_low", "pe_high", "brn", "nin"),
        "time_pdfs.csv": ("t_low_us", "t_high_us", "brn", "nin"),
    }
    pot: Positive
    nu_per_pot: Positive
    distance_m: Positive
    detector_mass_kg: Positive
    # stated by the release, not read by the likelihood
    beam_energy_GWhr: Positive | None = None
    light_yield_pe_per_keVee: Positive | None = None
    resolution: Resolution
    time_efficiency: TimeEfficiency
    energy_efficiency: EnergyEfficiency
    scintillation_response: ScintillationResponse
    pot_trace_ns: PotTrace
    analysis_window: AnalysisWindow
    normalisations: CsI2021Normalisations
    steady_state_sigma: Positive


class Quenching(_Strict):
    """LAr quenching factor a + b T (T in keVnr)."""

    a: float
    b_per_keVnr: float


class LAr2020Normalisations(_Strict):
    """Expected counts and absolute uncertainties of CEvNS and the backgrounds."""

    cevns: ValueUncertainty
    brn_prompt: ValueUncertainty
    brn_delayed: ValueUncertainty
    steady_state: ValueUncertainty


@_register
class CoherentLAr2020Spec(DatasetSpec):
    """COHERENT CENNS-10 LAr 2020 (component :class:`globalfit.components.coherent.CoherentLAr2020`)."""

    KIND = "coherent_lar_2020"
    COLUMNS = {
        "bins.csv": ("e_low_keVee", "e_high_keVee", "t_low_us", "t_high_us", "data", "cevns_sm", "brn_prompt",
                     "brn_delayed", "steady_state"),
        "efficiency.csv": ("energy_keVee", "efficiency"),
    }
    pot: Positive
    nu_per_pot: Positive
    distance_m: Positive
    fiducial_mass_kg: Positive
    quenching: Quenching
    pot_trace_ns: PotTrace
    normalisations: LAr2020Normalisations


# -- oscillation -------------------------------------------------------------------------------------------------
@_register
class NsiIntervalsSpec(DatasetSpec):
    """Published NSI intervals (component :class:`globalfit.components.oscillation.NsiIntervals`)."""

    KIND = "nsi_intervals"
    COLUMNS = {"intervals.csv": ("combination", "observable", "lower", "upper")}
    mode: Literal["differences", "single"] = "differences"
    confidence: str = ""
    default_matter: Literal["u", "d", "p", "n", "p+n"] = "p+n"


# -- LHC ---------------------------------------------------------------------------------------------------------
LIMIT_COLUMNS = ("mass_GeV", "width_ratio", "sigma_B_limit_fb")


class ChannelLimit(_Strict):
    """A single-flavour dilepton limit used when the charges couple to one of e, mu only."""

    file: str
    fiducial: bool = False


@_register
class ResonanceLimitSpec(DatasetSpec):
    """A sigma x B resonance limit (component :class:`globalfit.components.collider.ResonanceLimit`)."""

    KIND = "resonance_limit"
    confidence_level: float = Field(0.95, gt=0, lt=1)
    q_cl: Positive = 3.84
    channel: Literal["ll", "tautau"] = "ll"
    #: ``false`` for a limit on the total sigma x B; otherwise (``true`` or a description of the fiducial region)
    #: the limit is fiducial and the signal table needs the acceptance
    fiducial: bool | str = True
    channel_limits: dict[Literal["ee", "mumu"], ChannelLimit] = {}

    def required_columns(self) -> dict[str, tuple[str, ...]]:
        fiducial = self.fiducial is not False or any(c.fiducial for c in self.channel_limits.values())
        out = {"limit.csv": LIMIT_COLUMNS,
               "signal_table.csv": ("mass_GeV", "sigma_pb_unit_coupling") + (("acceptance_ll",) if fiducial else ())}
        out.update({c.file: LIMIT_COLUMNS for c in self.channel_limits.values()})
        return out


@_register
class MonoxInclusiveSpec(DatasetSpec):
    """A mono-X search (component :class:`globalfit.components.collider.MonoxInclusive`); the optional
    ``background_covariance.csv`` is a square matrix with free column names."""

    KIND = "monox_inclusive"
    COLUMNS = {
        "exclusive_bins.csv": ("ptmiss_low_GeV", "ptmiss_high_GeV", "n_obs", "n_bkg", "n_bkg_err"),
        "inclusive_regions.csv": ("ptmiss_threshold_GeV", "n_obs", "n_bkg", "n_bkg_err"),
        "signal_table.csv": ("mass_GeV", "width_ratio", "ptmiss_threshold_GeV", "sigma_pb_unit_coupling"),
    }
    lumi_pb: Positive
    # descriptions of the analysis and of the signal simulation, not read by the likelihood
    sqrt_s_GeV: Positive | None = None
    jet_rapidity_max: Positive | None = None
    photon_pt_min_GeV: Positive | None = None
    photon_eta_max: Positive | None = None
    photon_eta_crack: Interval | None = None
    signal: str = ""


# -- external limits used as prior terms -------------------------------------------------------------------------
#: Production fractions of the LHCb dark-photon recast (Ilten et al.), one column each.
LHCB_PRODUCTION_COLUMNS = ("rho0", "eta_gamma", "omega_pi0", "omega", "phi", "d_d", "u_u", "s_s", "c_c", "b_b")


@_register
class RecastLimitSpec(DatasetSpec):
    """A coupling limit vs mass recast to the run's charges (component
    :class:`globalfit.components.limit_curve.RecastLimit`)."""

    KIND = "recast_limit"
    method: Literal["lhcb_darkphoton", "muon_radiation", "darkcast"]
    confidence_level: float = Field(0.9, gt=0, lt=1)
    q_cl: Positive = 2.71
    limit_file: str = "limit.csv"
    #: ``darkcast`` only: production mechanism (``mixture`` reads the fraction columns named in ``fractions``).
    production: Literal["e_e", "e_brem", "mu_mu", "pi0_gamma", "eta_gamma", "p_brem", "mixture"] | None = None
    #: ``darkcast`` only: final state of the search.
    decay: Literal["e_e", "mu_mu", "e_e+mu_mu", "invisible"] | None = None
    #: ``darkcast`` beam dumps: decay-volume length / shield length (columns eps_limit and eps_upper, no window).
    length_ratio: Positive | None = None
    #: ``darkcast``: BR of the dark photon to the final state assumed by the publication (0.99 for invisible).
    br_dark_photon: float | None = Field(None, gt=0, le=1)
    #: ``darkcast`` with ``production: mixture``: the production-fraction columns.
    fractions: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _darkcast_keys(self) -> "RecastLimitSpec":
        if self.method == "darkcast":
            if self.production is None or self.decay is None:
                raise ValueError("method darkcast needs the keys 'production' and 'decay'")
            if (self.production == "mixture") != bool(self.fractions):
                raise ValueError("'fractions' (column names) go with production 'mixture', and only with it")
        elif any(v is not None for v in (self.production, self.decay, self.length_ratio, self.br_dark_photon)):
            raise ValueError(f"production, decay, length_ratio and br_dark_photon are keys of method darkcast, "
                             f"not {self.method}")
        return self

    def required_columns(self) -> dict[str, tuple[str, ...]]:
        if self.method == "lhcb_darkphoton":
            return {self.limit_file: ("mass_GeV", "eps_limit") + LHCB_PRODUCTION_COLUMNS}
        if self.method == "darkcast":
            window = ("eps_upper",) if self.length_ratio is not None else ("t_min_s", "t_max_s")
            return {self.limit_file: ("mass_GeV", "eps_limit") + window + self.fractions}
        return {self.limit_file: ("mass_GeV", "gprime_limit")}


@_register
class TridentSpec(DatasetSpec):
    """A neutrino-trident cross-section ratio (component :class:`globalfit.components.trident.Trident`)."""

    KIND = "trident"
    measurement_file: str = "measurement.csv"
    #: contact formula (option ``propagator: contact``): full weight above this mass, switched off below half of it
    valid_above_GeV: Positive = 1.0
    #: table of the full-propagator averages f_1(M), f_2(M) (``globalfit.physics.trident.TridentTable``)
    propagator_file: str | None = None
    #: sigma_AA / sigma_VV of the SM trident rate for this beam and target
    aa_over_vv: Positive = 1.0
    #: the neutrino energy the table was computed at [GeV] (documentation of the assumption)
    neutrino_energy_GeV: Positive | None = None
    target: str | None = None

    def required_columns(self) -> dict[str, tuple[str, ...]]:
        cols = {self.measurement_file: ("ratio", "error")}
        if self.propagator_file:
            cols[self.propagator_file] = ("mass_GeV", "f1", "f2")
        return cols


class NuElectronBeam(_Strict):
    """One part of a nu-e scattering experiment's flux: a line (``energy_MeV``) or a reactor spectrum."""

    flavour: Literal["e", "mu", "tau"]
    antineutrino: bool = False
    fraction: Positive = 1.0
    energy_MeV: Positive | None = None
    reactor_fission_fractions: dict[Literal["U235", "Pu239", "Pu241", "U238"], Positive] | None = None


class NuElectronChannel(_Strict):
    """A separately measured nu-e rate: its beams (summed), recoil window and relative weight in the chi^2."""

    name: str
    recoil_MeV: Interval
    weight: Positive = 1.0
    beams: list[NuElectronBeam] = Field(min_length=1)


@_register
class NuElectronSpec(DatasetSpec):
    """A nu-e scattering limit on a reference model's coupling, read as a bound on the rate change (component
    :class:`globalfit.components.nu_electron.NuElectronScattering`)."""

    KIND = "nu_electron"
    reference_charges: str = "B-L"
    confidence_level: float = Field(0.9, gt=0, lt=1)
    q_cl: Positive = 2.71
    limit_file: str = "limit.csv"
    channels: list[NuElectronChannel] = Field(min_length=1)

    def required_columns(self) -> dict[str, tuple[str, ...]]:
        return {self.limit_file: ("mass_GeV", "gprime_limit")}


@_register
class AnomalousMomentSpec(DatasetSpec):
    """A measured (g-2) discrepancy of a charged lepton (component
    :class:`globalfit.components.anomalous_moment.AnomalousMoment`)."""

    KIND = "anomalous_moment"
    lepton: Literal["e", "mu", "tau"]
    measurement_file: str = "measurement.csv"

    def required_columns(self) -> dict[str, tuple[str, ...]]:
        return {self.measurement_file: ("delta_a", "error")}


# -- toys (sampler and CLs validation) ---------------------------------------------------------------------------
@_register
class GaussianToySpec(DatasetSpec):
    """A normalised Gaussian in one theory parameter (component :class:`globalfit.components.toy.GaussianToy`)."""

    KIND = "gaussian_toy"
    parameter: str
    mean: float
    sigma: Positive
    shift_sigma: Positive | None = None


@_register
class CountingToySpec(DatasetSpec):
    """A single-bin counting toy (component :class:`globalfit.components.toy.CountingToy`)."""

    KIND = "counting_toy"
    coupling: str
    norm: float
    observed: float
    background: float
    background_err: Positive


# -- validation ----------------------------------------------------------------------------------------------------
def validate_spec(spec: Mapping[str, Any], dataset_id: str, where: str) -> DatasetSpec:
    """The spec as its kind's schema, or a :class:`DataError` naming the dataset, the file and the key.

    Parameters
    ----------
    spec
        Parsed ``spec.yaml``.
    dataset_id
        Dataset id, for the message.
    where
        The spec file, for the message.

    Raises
    ------
    DataError
        ``dataset 'x' (<where>): <problem with key 'a.b'>``; the first problem, and how many more there are.
    """
    prefix = f"dataset {dataset_id!r} ({where})"
    kind = spec.get("kind")
    schema = SCHEMAS.get(kind) if isinstance(kind, str) else None
    if schema is None:
        raise DataError(f"{prefix}: unknown kind {kind!r}{did_you_mean(str(kind), SCHEMAS)}; "
                        f"known kinds: {', '.join(sorted(SCHEMAS))}")
    try:
        return schema.model_validate(dict(spec))
    except ValidationError as exc:
        # a misspelled key is both unknown and missing: name the unknown one first, with its did-you-mean
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise DataError(f"{prefix}: {_describe(errors[0], schema)}{more}") from None


def _describe(error: Mapping[str, Any], schema: type[BaseModel]) -> str:
    """One pydantic error as a sentence naming the key by its dotted YAML path."""
    loc = tuple(error["loc"])
    key = ".".join(str(p) for p in loc)
    if error["type"] == "missing":
        return f"missing required key {key!r}"
    if error["type"] == "extra_forbidden":
        return f"unknown key {key!r}{did_you_mean(str(loc[-1]), _keys_at(schema, loc[:-1]))}"
    got = repr(error.get("input"))
    got = got if len(got) <= 60 else got[:57] + "..."
    return f"key {key!r}: {error['msg']} (got {got})"


def _keys_at(schema: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Key names accepted by the (nested) model at ``loc``, for a did-you-mean; [] where it is not a model."""
    model: Any = schema
    for part in loc:
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            return []
        model = field.annotation
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []
