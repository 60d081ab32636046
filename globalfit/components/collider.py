"""LHC mono-X searches (kind ``monox_inclusive``): exclusive pT_miss bins with a background covariance for the
likelihood, inclusive regions for CLs limits (paper 000 section 2.2).

Signal: the dataset's table of sigma(pp -> Z'* X -> nu nubar X, pT_miss > T) at unit couplings g_q = g_nu = 1 on a
grid of M and Gamma/M (scripts/build_signal_tables.py): log(sigma Gamma/M) interpolated in log M by monotone cubic
Hermite splines (PCHIP; linear interpolation of the steeply falling rates was off by up to 8 % between mass nodes) and
linearly in log Gamma/M -- a quantity that tends to a constant in the narrow-width limit, so widths below the grid follow the
exact narrow-width scaling sigma ~ M/Gamma, and widths above Gamma = M (the last node) are clamped there. Outside the
tabulated masses the term is zero (never extrapolated; the log says so once). The rate scales with the couplings as

- simplified mode: (g_q g_nu)^2 = (2 sqrt2 G_F M^2 eps)^2 (paper 000 eq. 2.4), Gamma/M fixed by the config;
- u1 mode: (g' Q_q)^2 sum_alpha (g' Q_alpha)^2 (all quarks share Q_q; each neutrino flavour is one left-handed
  flavour of the table), Gamma/M = Gamma(g', M)/M from the charges (paper 002 eq. 1.7), so the width varies with g'.

The interference with the SM Z (Z -> nu nubar of the same flavour) is tabulated too, per unit g_q g_nu with the SM
couplings included (physics/lhc/vector_jet.py: ``zprime_tail_tables``), and enters linearly in the couplings:
g_q g_nu (simplified; its sign is the sign of eps) or g'^2 Q_q sum_alpha Q_alpha (u1). It is interpolated as
I/sqrt(sigma Gamma/M), which stays finite both in the narrow-width and in the contact limit. Option
``sm_interference`` (default true) switches it off. Paper 000: it makes +eps and -eps limits differ by about 2 %.

Option ``quark_couplings`` ({u: w_u, d: w_d}, default 1 and 1) gives the up-type (u, c) and down-type (d, s, b)
quarks couplings w g_q, i.e. independent eps_u = w_u eps and eps_d = w_d eps (paper 001 Fig. 1: up-only, down-only),
from the per-quark-flavour columns of the table.

eft mode (contact operators, paper 000 sec. 2.3): the heavy-mediator limit of the per-quark-flavour tables. At the
heaviest tabulated mass M (100 TeV) and the narrowest width, M^4 sigma_q and M^2 I_q are the contact-interaction rates
per unit (g_q g_nu / M^2)^2 and g_q g_nu / M^2 (they change by 0.1 % from 64 to 100 TeV and by 1 % from Gamma/M =
0.001 to 0.1), and matching the Z' onto eq. 1.1 of paper 002 gives g_q g_nu_a / M^2 = sqrt2 G_F eps^{qV}_{aa}. As in
paper 000 (quark couplings independent of the generation), ``eps_u_aa`` acts on u and c and ``eps_d_aa`` on d, s and
b; the rate sums over the neutrino flavours, each interfering with the SM Z on its own. Paper 000's eps is half the
eps^V of this convention (its eq. 2.1 has eps^L = eps^R = eps with 2 sqrt2 G_F), so its CMS mono-jet EFT bound
eps < 0.011 reads eps_u_ee = eps_d_ee < 0.022 here. Its perturbativity bound (Wilson coefficient c < 4 pi at
Lambda = 5 TeV, eps = c / (2 sqrt2 G_F Lambda^2) = 0.015, eps^V = 0.030 here) is
:func:`eft_perturbativity_bound`: above it the contact description does not hold at the LHC without a cut on the
partonic energy.

Exclusive-bin signals are differences of neighbouring tails. Options ``k_factor`` (default 1, LO; or the name of an
NLO/LO curve K(M, pT_miss threshold) read from paper 000 sec. 3.1, ``paper000_monojet`` or ``paper000_monovz``, see
:mod:`globalfit.physics.lhc.kfactors`) and ``k_factor_uncertainty`` (default 0.25, or the curve's NLO uncertainty when
a curve is named; a normal nuisance ``signal_scale`` in the likelihood; CLs limits use the nominal signal, as paper
000). Likelihood: chi^2 = r^T (V_bkg + diag(N_obs))^-1 r with r = N_obs - N_bg - s (eq. 2.5
generalised to correlated bins).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from globalfit.components.base import Component, CountingRegion, NuisancePrior, register
from globalfit.errors import DataError
from globalfit.physics.charges import FLAVOURS
from globalfit.physics.constants import G_F
from globalfit.physics.theory import (NEUTRINOS, QUARKS, EFTMode, Requirement, coupling_requirement,
                                      eps_requirement)
from globalfit.tensor import HermiteRows, hat_weights, inside_range, interp, math_of
from globalfit.util import log_once


#: Quark flavours of the per-flavour signal tables that eps_u (up-type) and eps_d (down-type) act on in eft mode.
QUARK_TYPES = {"u": ("u", "c"), "d": ("d", "s", "b")}
#: Paper 000 sec. 2.3: typical partonic centre-of-mass energy of the 13 TeV LHC [GeV], the smallest valid Lambda.
EFT_SCALE_GEV = 5000.0


def eft_perturbativity_bound(scale_gev: float = EFT_SCALE_GEV, wilson_max: float = 4.0 * np.pi) -> float:
    """Largest eps^V (this package's convention, paper 002 eq. 1.1) of a tree-level contact operator with Wilson
    coefficient below ``wilson_max`` at ``scale_gev`` (paper 000 sec. 2.3 after its eq. 2.2:
    eps = c / (2 sqrt2 G_F Lambda^2) = 0.015 in its convention, times 2 for eps^V = eps^L + eps^R): 0.030."""
    return 2.0 * wilson_max / (2.0 * np.sqrt(2.0) * G_F * scale_gev**2)


class SignalScale:
    """The ``k_factor`` option and its theory-uncertainty nuisance ``signal_scale``, shared by the collider kinds.

    The signal is multiplied by K = sigma_NLO/sigma_LO (option ``k_factor``) and, in the likelihood, by
    ``1 + signal_scale`` with ``signal_scale`` a normal nuisance of width ``k_factor_uncertainty`` (no nuisance when
    that is 0). Each kind sets its defaults in ``default_options``.
    """

    options: dict[str, Any]
    id: str

    def _checked_k_factor(self, names: Sequence[str] = ()) -> float | None:
        """The ``k_factor`` option checked once at load: a positive finite number (returned), or one of the curve
        ``names`` a kind accepts (None returned); anything else is a ConfigError naming the option."""
        from globalfit.errors import ConfigError

        k = self.options["k_factor"]
        if isinstance(k, str) and k in names:
            return None
        if isinstance(k, bool) or not isinstance(k, (int, float)) or not np.isfinite(k) or k <= 0:
            choices = f" or one of {', '.join(names)}" if names else ""
            raise ConfigError(f"{self.id}: k_factor must be a positive number{choices} (got {k!r})",
                              f"likelihoods.{self.id}.options.k_factor")
        return float(k)

    def nuisance_priors(self) -> list[NuisancePrior]:
        unc = float(self.options["k_factor_uncertainty"])
        return [NuisancePrior("signal_scale", 0.0, unc, lower=-1.0, description="signal theory uncertainty")] if unc > 0 else []

    @staticmethod
    def signal_scale(nuisances: Mapping[str, Any] | None) -> Any:
        """1 + the theory-uncertainty nuisance (1 when it is absent: nominal signal)."""
        return 1.0 + (nuisances or {}).get("signal_scale", 0.0)


@register
class MonoXInclusive(SignalScale, Component):
    """A mono-X search with exclusive bins, covariance and inclusive regions (see module docstring)."""

    kind = "monox_inclusive"
    modes = ("u1", "simplified", "eft")
    #: K = sigma_NLO/sigma_LO applied to the LO tables (1: LO, as paper 000's nominal limits) and the relative theory
    #: uncertainty of the signal, a nuisance ``signal_scale`` (paper 000 sec. 3: scale + PDF uncertainties of about 25 %
    #: at LO weaken the limits by 10-15 %; at NLO, K = 1.25-1.45 with 7-11 %).
    #: ``quark_couplings``: Z' couplings of the up-type (u, c) and down-type (d, s, b) quarks in units of g_q
    #: (simplified and u1 modes), e.g. {u: 1, d: 0} for up-only couplings, eps_u = eps and eps_d = 0 (paper 001 Fig. 1).
    default_options = {"k_factor": 1.0, "k_factor_uncertainty": 0.25, "sm_interference": True,
                       "quark_couplings": {"u": 1.0, "d": 1.0}}

    def __init__(self, entry, theory, options=None):
        super().__init__(entry, theory, options)
        self._set_k_factor("k_factor_uncertainty" in (options or {}))
        spec = entry.spec
        self.lumi = float(spec["lumi_pb"])
        ex = entry.read_csv("exclusive_bins.csv")
        inc = entry.read_csv("inclusive_regions.csv")
        if "background_covariance.csv" in (entry.spec.get("files") or {}):
            cov = entry.read_csv("background_covariance.csv").to_numpy(float)
        else:  # no published correlations: independent bins (stated in the dataset's SOURCES.md)
            cov = np.diag(ex["n_bkg_err"].to_numpy(float) ** 2)
        self.thresholds = inc["ptmiss_threshold_GeV"].to_numpy(float)
        self.n_obs_inc, self.n_bkg_inc = inc["n_obs"].to_numpy(float), inc["n_bkg"].to_numpy(float)
        self.n_err_inc = inc["n_bkg_err"].to_numpy(float)
        self.n_obs, self.n_bkg = ex["n_obs"].to_numpy(float), ex["n_bkg"].to_numpy(float)
        self.inv_cov = np.linalg.inv(cov + np.diag(self.n_obs))
        self.bkg_var = np.diag(cov).copy()
        #: contact operators (eft mode): the heavy-mediator limit of the tables (a static property of the mode)
        self.contact = isinstance(theory.theory_mode, EFTMode)
        if self.contact:
            if self.options["quark_couplings"] != self.default_options["quark_couplings"]:
                from globalfit.errors import ConfigError

                raise ConfigError(f"{entry.id}: option quark_couplings is for the Z' modes; in eft mode give "
                                  "eps_u_* and eps_d_* parameters instead", f"likelihoods.{entry.id}.options")
            self._load_contact_table(entry.read_csv("signal_table.csv"))
        else:
            sig = self._weighted_quarks(entry.read_csv("signal_table.csv"))
            self._load_signal_table(sig, theory.theory_mode.fixed_width_ratio)
        # exclusive bin k = tail(low_k) - tail(high_k), with tail(inf) = 0 (index len(thresholds) of the padded tails)
        index = {float(t): i for i, t in enumerate(self.thresholds)}
        try:
            self.bin_low = np.array([index[float(v)] for v in ex["ptmiss_low_GeV"]])
            self.bin_high = np.array([len(index) if not np.isfinite(v) else index[float(v)]
                                      for v in ex["ptmiss_high_GeV"]])
        except KeyError as exc:
            raise DataError(f"{entry.id}: exclusive bin edge {exc} is not a tabulated threshold") from None
        if self.contact:
            log_once(f"{entry.id}: contact-operator signal from the tables at M_Z' = {self.contact_mass:g} GeV, "
                     f"Gamma/M = {self.contact_width:g}; valid for eps^V below {eft_perturbativity_bound():.3f} "
                     "(paper 000's perturbativity bound)")
            return
        fixed = theory.theory_mode.fixed_width_ratio
        widths = (f"Gamma/M = {fixed}" if fixed is not None
                  else f"{self.width_ratios[0]:g} <= Gamma/M <= {self.width_ratios[-1]:g}")
        log_once(f"{entry.id}: signal tabulated for {self.masses[0]:g} < M_Z' < {self.masses[-1]:g} GeV and {widths}; "
                 "zero contribution outside the masses")

    def _set_k_factor(self, explicit_uncertainty: bool) -> None:
        """The ``k_factor`` option checked: a positive number, or a named curve of physics.lhc.kfactors (whose NLO
        uncertainty then is the default of ``k_factor_uncertainty``)."""
        from globalfit.physics.lhc.kfactors import CURVES

        self.k_value = self._checked_k_factor(tuple(CURVES))
        self.k_curve = CURVES[self.options["k_factor"]] if self.k_value is None else None
        if self.k_curve is not None and not explicit_uncertainty:
            self.options["k_factor_uncertainty"] = self.k_curve.uncertainty

    def k_factors(self, theory) -> Any:
        """K applied to the tails above each threshold: the constant option, or the named curve at this point's M (the
        contact mass in eft mode)."""
        if self.k_curve is None:
            return self.k_value
        mass = self.contact_mass if self.contact else theory.mass
        return self.k_curve(mass, self.thresholds)

    def _quark_weights(self) -> dict[str, float]:
        """The ``quark_couplings`` option checked: {u: w_u, d: w_d}, finite numbers."""
        from globalfit.errors import ConfigError

        raw = self.options["quark_couplings"]
        where = f"likelihoods.{self.id}.options.quark_couplings"
        if not isinstance(raw, Mapping) or set(raw) - set(QUARK_TYPES):
            raise ConfigError(f"{self.id}: quark_couplings must map u and/or d to numbers (got {raw!r})", where)
        try:
            weights = {t: float(raw.get(t, 1.0)) for t in QUARK_TYPES}
        except (TypeError, ValueError):
            raise ConfigError(f"{self.id}: quark_couplings must map u and/or d to numbers (got {raw!r})", where) from None
        if not all(np.isfinite(w) for w in weights.values()) or not any(weights.values()):
            raise ConfigError(f"{self.id}: quark_couplings must be finite and not all zero (got {raw!r})", where)
        return weights

    def _weighted_quarks(self, sig):
        """The signal table with its unit-coupling totals rebuilt from the per-quark-flavour columns for couplings
        w_t g_q of the quark types (pure rates ~ w_t^2, interference ~ w_t); unchanged for the default w = 1."""
        weights = self._quark_weights()
        if all(w == 1.0 for w in weights.values()):
            return sig
        need = [f"{c}_{q}" for c in ("sigma_pb", "interference_pb") for qs in QUARK_TYPES.values() for q in qs]
        missing = [c for c in need if c not in sig.columns]
        if missing:
            raise DataError(f"{self.id}: quark_couplings needs the per-quark-flavour columns {missing} in "
                            "signal_table.csv; rebuild it with scripts/build_signal_tables.py")
        sig = sig.copy()
        sig["sigma_pb_unit_coupling"] = sum(w * w * sig[f"sigma_pb_{q}"] for t, w in weights.items()
                                            for q in QUARK_TYPES[t])
        sig["interference_pb_unit_coupling"] = sum(w * sig[f"interference_pb_{q}"] for t, w in weights.items()
                                                   for q in QUARK_TYPES[t])
        return sig

    def _load_contact_table(self, sig) -> None:
        """eft mode: per quark flavour, M^4 sigma_q [pb GeV^4] and M^2 I_q [pb GeV^2] above each threshold at the
        heaviest mass and narrowest width of the table (the contact limit, module docstring)."""
        need = [f"sigma_pb_{q}" for qs in QUARK_TYPES.values() for q in qs]
        missing = [c for c in need if c not in sig.columns]
        if missing:
            raise DataError(f"{self.id}: eft mode needs the per-quark-flavour columns {missing} in signal_table.csv; "
                            "rebuild it with scripts/build_signal_tables.py")
        self.contact_mass = float(sig["mass_GeV"].max())
        self.contact_width = float(sig["width_ratio"].min())
        sub = sig[np.isclose(sig["mass_GeV"], self.contact_mass) & np.isclose(sig["width_ratio"], self.contact_width)]
        sub = sub.set_index("ptmiss_threshold_GeV")
        try:
            sub = sub.loc[self.thresholds]
        except KeyError:
            raise DataError(f"{self.id}: signal_table.csv lacks thresholds at M = {self.contact_mass:g} GeV") from None
        self.has_interference = bool(self.options["sm_interference"]) and all(
            f"interference_pb_{q}" in sig.columns for qs in QUARK_TYPES.values() for q in qs)
        m2 = self.contact_mass**2
        #: {quark type: (pure, interference) contact tails [pb per unit (g g / M^2 in GeV^-2)^(2 or 1)]}
        self.contact_tails = {
            t: (sum(sub[f"sigma_pb_{q}"].to_numpy(float) for q in qs) * m2 * m2,
                sum(sub[f"interference_pb_{q}"].to_numpy(float) for q in qs) * m2 if self.has_interference
                else np.zeros(len(self.thresholds)))
            for t, qs in QUARK_TYPES.items()}

    def _contact_rate(self, theory) -> Any:
        """eft mode: sigma(pT_miss > T_k) [pb], sum over quark types and neutrino flavours of C^2 pure + C inter with
        C = g_q g_nu / M^2 = sqrt2 G_F eps^{qV}_{aa} [GeV^-2]."""
        rate = 0.0
        for t, (pure, inter) in self.contact_tails.items():
            for a in FLAVOURS:
                c = np.sqrt(2.0) * G_F * theory.eps(t, a)
                rate = rate + c * c * pure + c * inter
        return rate

    def _load_signal_table(self, sig, fixed_ratio: float | None) -> None:
        """log(sigma Gamma/M) on the (width, mass, threshold) grid; one width only if the mode fixes Gamma/M
        (``fixed_ratio``, None when the width follows the couplings)."""
        missing = [t for t in self.thresholds if not np.isclose(sig["ptmiss_threshold_GeV"], t).any()]
        if missing:
            raise DataError(f"{self.id}: signal_table.csv has no rows for the pT_miss thresholds {missing}")
        ratios = np.sort(sig["width_ratio"].unique())
        if fixed_ratio is not None:
            exact = np.isclose(ratios, fixed_ratio)
            if exact.any():
                ratios = ratios[exact]
            elif not ratios[0] <= fixed_ratio <= ratios[-1]:
                raise DataError(f"{self.id}: the signal table covers {ratios[0]:g} <= Gamma/M <= {ratios[-1]:g}, not "
                                f"model.width_ratio = {fixed_ratio:g}; rebuild it with "
                                "scripts/build_signal_tables.py for that width")
        elif len(ratios) < 2:
            raise DataError(f"{self.id}: the u1 mode needs signal tables on a grid of Gamma/M (the width follows g'), "
                            f"this one has Gamma/M = {ratios[0]:g} only; rebuild it with scripts/build_signal_tables.py")
        self.width_ratios = ratios
        self.log_r = np.log(ratios)
        self.masses = np.sort(sig["mass_GeV"].unique())
        self.log_m = np.log(self.masses)
        n_k = len(self.thresholds)
        has_interference = "interference_pb_unit_coupling" in sig.columns and bool(self.options["sm_interference"])
        # one table [mass, (width, threshold, quantity)]: log(sigma Gamma/M), and I/sqrt(sigma Gamma/M) for the
        # interference, so that one interpolation serves both
        columns = ["sigma_pb_unit_coupling"] + (["interference_pb_unit_coupling"] if has_interference else [])
        grid = np.empty((len(self.masses), len(ratios), len(columns), n_k))
        for j, r in enumerate(ratios):
            sub = sig[np.isclose(sig["width_ratio"], r)]
            tabs = [sub.pivot_table(index="mass_GeV", columns="ptmiss_threshold_GeV", values=c)[self.thresholds]
                    .to_numpy(float) for c in columns]
            if len(tabs[0]) != len(self.masses):
                raise DataError(f"{self.id}: signal table for Gamma/M = {r:g} does not cover every tabulated mass")
            sr = np.maximum(tabs[0], 1e-300) * r
            grid[:, j, 0] = np.log(sr)
            if has_interference:
                grid[:, j, 1] = tabs[1] / np.sqrt(sr)
        self.has_interference = has_interference
        self.table = HermiteRows(self.log_m, grid.reshape(len(self.masses), -1))

    def width_ratio(self, theory) -> Any:
        """Gamma/M of the Z' at this point (fixed in simplified mode, from g' and the charges in u1 mode)."""
        return theory.width_ratio()

    def _unit_tails(self, theory) -> tuple[Any, Any]:
        """(pure Z' tails at unit couplings, interference tails per unit g_q g_nu) [pb] above each threshold, at this
        point's M (PCHIP in log M) and Gamma/M (linear in log Gamma/M): one interpolation of the combined table."""
        m = math_of(theory.mass, theory.values.get("gprime"))
        ratio = self.width_ratio(theory)
        rows = self.table(m.log(theory.mass)).reshape((len(self.log_r), -1))
        w = hat_weights(m.log(ratio) + 0.0 * theory.mass, self.log_r)
        values = sum(w[j] * rows[j] for j in range(len(self.log_r)))
        n_k = len(self.thresholds)
        sigma_r = m.exp(values[:n_k])
        # sigma = (sigma r) / r, with r clamped at the widest node (Gamma = M) and exact narrow-width scaling below
        pure = sigma_r / m.minimum(ratio, self.width_ratios[-1])
        inter = values[n_k:] * m.sqrt(sigma_r) if self.has_interference else np.zeros(n_k)
        return pure, inter

    def _tails(self, theory) -> Any:
        """sigma(pT > T_k) [pb] at unit couplings and this point's Gamma/M, one entry per threshold (a vector)."""
        return self._unit_tails(theory)[0]

    def _interference_tails(self, theory) -> Any:
        """Interference with the SM Z above each threshold [pb] per unit g_q g_nu (zero without an interference
        table or with ``sm_interference: false``)."""
        return self._unit_tails(theory)[1]

    def requirements(self) -> list[Requirement]:
        if self.contact:
            return [eps_requirement(("u", "d"), what="quark eps")]
        return [coupling_requirement(QUARKS, NEUTRINOS, what="quark or no neutrino coupling"),
                Requirement("width", decisive=False), Requirement("mass", decisive=False)]

    def coupling_factors(self, theory) -> tuple[Any, Any]:
        """(sum over neutrino flavours of (g_q g_nu)^2, of g_q g_nu): the factors of the unit-coupling pure Z' and
        interference tables."""
        prods = [theory.quark_neutrino_coupling(a) for a in FLAVOURS]
        return sum(p * p for p in prods), sum(prods)

    def signal_tails(self, theory) -> Any:
        """Expected signal events above each threshold (nominal: no theory-uncertainty nuisance)."""
        if self.contact:
            return self.lumi * self.k_factors(theory) * self._contact_rate(theory)
        inside = inside_range(theory.mass, self.masses[0], self.masses[-1])
        f_pure, f_inter = self.coupling_factors(theory)
        pure, inter = self._unit_tails(theory)
        rate = f_pure * pure + f_inter * inter if self.has_interference else f_pure * pure
        return inside * self.lumi * self.k_factors(theory) * rate

    def signal_events(self, theory, nuisances: Mapping[str, Any] | None = None) -> Any:
        """Expected signal events in the exclusive bins (a vector)."""
        tails = self.signal_tails(theory)
        m = math_of(tails)
        padded = m.concatenate([tails, m.zeros(1)]) if m is not np else np.append(tails, 0.0)
        return self.signal_scale(nuisances) * (padded[self.bin_low] - padded[self.bin_high])

    def log_likelihood(self, theory, nuisances: Mapping[str, Any]) -> Any:
        r = self.n_obs - self.n_bkg - self.signal_events(theory, nuisances)
        m = math_of(r)
        return -0.5 * (r * m.dot(self.inv_cov, r)).sum() if m is not np else -0.5 * float(r @ self.inv_cov @ r)

    def counting_regions(self, theory) -> list[CountingRegion]:
        s = self.signal_tails(theory)
        return [CountingRegion(s[k], self.n_bkg_inc[k], self.n_err_inc[k], self.n_obs_inc[k],
                               f"pTmiss > {self.thresholds[k]:g} GeV") for k in range(len(self.thresholds))]

    def expected_components(self, theory, nuisances, axis=None) -> dict[str, Any]:
        return {"Z' signal": self.signal_events(theory, nuisances), "SM background": self.n_bkg}

    def expected(self, theory, nuisances) -> dict[str, Any]:
        return {"counts": sum(self.expected_components(theory, nuisances).values())}

    def observed(self) -> dict[str, Any]:
        return {"counts": self.n_obs, "errors": np.sqrt(self.n_obs + self.bkg_var)}


@register
class ResonanceLimit(SignalScale, Component):
    """A resonance search's limit on (fiducial) sigma x B vs mass and Gamma/M, as a likelihood term (kind
    ``resonance_limit``): chi^2 = q_CL (sigma_fid B / limit(M, Gamma/M))^2 (issue convention for limit curves).
    Spec ``channel``: ``ll`` (B per lepton flavour, averaged over e and mu) or ``tautau``; ``fiducial: false`` for
    limits on the total sigma x B (no acceptance).

    Narrow width: sigma_fid B = sigma_unit(M) A(M) g_q^2 B, with the unit-coupling production table and acceptance of
    the dataset, and B the branching fraction per lepton flavour averaged over e and mu (the combined limit assumes
    universality). The theory point gives g_q^2 B per flavour (:meth:`~globalfit.physics.theory.TheoryPoint.dilepton_strength`),
    one code path for the modes:

    - u1 mode: g'^2 Q_q^2 B with B from the charges' partial widths (paper 002 eq. 1.7);
    - simplified mode with ``model.charged_leptons`` (paper 001 eq. 7, Fig. 3): g_q^2 B(l l) = (g_q g_l)^2
      Gamma_l^unit / (width_ratio M) with g_q g_l = 2 sqrt2 G_F M^2 epsilon and Gamma_l^unit = M/(12 pi) (a vector
      charged-lepton coupling, N_c = 1, as paper 001 eq. 13 and u1 mode's widths), so sigma x B = sigma_unit A
      (g_q g_l)^2 / (12 pi width_ratio) depends on epsilon alone. Without charged leptons the simplified Z' has no
      lepton coupling: the dataset is insensitive (dropped with a constant term, as a u1 model without lepton charges).

    The limit is looked up at the point's Gamma/M (fixed ``width_ratio`` in simplified mode). A dataset may also ship single-flavour limits (spec ``channel_limits: {mumu: {file:, fiducial:},
    ee: ...}``): a model that does not couple to electrons (muons) is then compared with the mumu (ee) limit and
    B(mu mu) (B(ee)) instead, as paper 002 does for B-3Lmu with the dimuon limit. The limit is interpolated log-log in
    mass and linearly in Gamma/M between the published widths (clamped at the widest). Zero outside the published mass
    range (logged once).

    Options ``k_factor`` (default 1: the LO production table) and ``k_factor_uncertainty`` (default 0: no nuisance;
    else a normal nuisance ``signal_scale`` of that width), as the mono-X kinds (:class:`SignalScale`):
    sigma_fid B -> K (1 + signal_scale) sigma_fid B. Paper 002 sec. 4.1 uses K = 1.3.
    """

    kind = "resonance_limit"
    modes = ("u1", "simplified")
    default_options = {"k_factor": 1.0, "k_factor_uncertainty": 0.0}

    def __init__(self, entry, theory, options=None):
        super().__init__(entry, theory, options)
        self.k_value = self._checked_k_factor()
        self.q_cl = float(entry.spec.get("q_cl", 3.84))
        self.channel = str(entry.spec.get("channel", "ll"))
        if self.channel not in ("ll", "tautau"):
            raise DataError(f"{entry.id}: unknown channel {self.channel!r} (ll or tautau)")
        limit_file, fiducial = "limit.csv", entry.spec.get("fiducial", True) is not False
        structure = theory.theory_mode
        q_e, q_mu = structure.coupling_weight("e"), structure.coupling_weight("mu")
        single = entry.spec.get("channel_limits") or {}
        if self.channel == "ll" and (q_e == 0) != (q_mu == 0):
            flavour = "mumu" if q_e == 0 else "ee"
            if flavour in single:
                self.channel = flavour
                limit_file, fiducial = single[flavour]["file"], bool(single[flavour].get("fiducial", False))
        lim = entry.read_csv(limit_file)
        self.widths = np.sort(lim["width_ratio"].unique())
        self.masses = np.sort(lim["mass_GeV"].unique())
        table = lim.pivot_table(index="mass_GeV", columns="width_ratio", values="sigma_B_limit_fb")
        self.log_limit_fb = np.log(table.loc[self.masses, self.widths].to_numpy(float))
        sig = entry.read_csv("signal_table.csv")
        self.sig_log_m = np.log(sig["mass_GeV"].to_numpy(float))
        self.sig_log_sigma = np.log(sig["sigma_pb_unit_coupling"].to_numpy(float))
        # fiducial limits need the acceptance; limits on total sigma x B do not
        self.sig_acc = sig["acceptance_ll"].to_numpy(float) if fiducial else np.ones(len(sig))
        # the tabulated masses themselves, not exp(log(M)), so that the range is inclusive at exactly its edges
        sig_masses = sig["mass_GeV"].to_numpy(float)
        self.lo = max(float(self.masses[0]), float(sig_masses.min()))
        self.hi = min(float(self.masses[-1]), float(sig_masses.max()))
        if self.is_sensitive()[0]:
            log_once(f"{entry.id}: {self.channel} limit ({limit_file}) applies for {self.lo:g} < M_Z' < {self.hi:g} GeV "
                     "(zero contribution outside)")

    def requirements(self) -> list[Requirement]:
        leptons = {"tautau": ("tau",), "mumu": ("mu",), "ee": ("e",)}.get(self.channel, ("e", "mu"))
        # the branching fractions are read through the quark x lepton product (dilepton_strength), not on their own
        return [coupling_requirement(QUARKS, leptons, what=f"quark or no {self.channel} coupling"),
                Requirement("width", decisive=False), Requirement("mass", decisive=False)]

    def predicted_fb(self, theory, nuisances: Mapping[str, Any] | None = None) -> Any:
        """K (1 + signal_scale) sigma_fid x B per lepton flavour [fb] (B of the channel the limit is for; nominal
        signal, scale 1, without ``nuisances``)."""
        m = math_of(theory.mass, *theory.values.values())
        lm = m.log(theory.mass)
        # g_q^2 B per lepton flavour: one coupling g_q for every quark, so the unit-coupling production table applies
        strength = {"tautau": lambda: theory.dilepton_strength("tau"), "mumu": lambda: theory.dilepton_strength("mu"),
                    "ee": lambda: theory.dilepton_strength("e")}.get(
            self.channel, lambda: 0.5 * (theory.dilepton_strength("e") + theory.dilepton_strength("mu")))()
        sigma_pb = m.exp(interp(lm, self.sig_log_m, self.sig_log_sigma))
        return self.k_value * self.signal_scale(nuisances) * 1e3 * sigma_pb * interp(lm, self.sig_log_m, self.sig_acc) * strength


    def limit_fb(self, theory) -> Any:
        """The published limit [fb] at this point's M and Gamma/M (the fixed width_ratio in simplified mode)."""
        m = math_of(theory.mass, *theory.values.values())
        lm = m.log(theory.mass)
        w = hat_weights(theory.width_ratio(), self.widths)  # linear in Gamma/M, clamped at the ends
        return sum(w[j] * m.exp(interp(lm, np.log(self.masses), self.log_limit_fb[:, j])) for j in range(len(self.widths)))

    def chi2(self, theory, nuisances: Mapping[str, Any] | None = None) -> Any:
        inside = inside_range(theory.mass, self.lo, self.hi)
        return inside * self.q_cl * (self.predicted_fb(theory, nuisances) / self.limit_fb(theory)) ** 2

    def log_likelihood(self, theory, nuisances: Mapping[str, Any]) -> Any:
        return -0.5 * self.chi2(theory, nuisances)
