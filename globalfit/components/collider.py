"""LHC mono-X searches (kind ``monox_inclusive``): exclusive pT_miss bins with a background covariance for the
likelihood, inclusive regions for CLs limits (paper 000 section 2.2).

Signal: the dataset's table of sigma(pT_miss > T) at unit couplings g_q = g_nu = 1 and fixed Gamma/M, interpolated
log-log in M (never extrapolated: outside the tabulated masses the term is zero and the log says so once), scaled by
(g_q g_nu)^2 — in the simplified model (g_q g_nu)^2 = (2 sqrt2 G_F M^2 eps)^2 (paper 000 eq. 2.4). Exclusive-bin signals
are differences of neighbouring tails. Options ``k_factor`` (default 1, LO) and ``k_factor_uncertainty`` (default
0.25, a normal nuisance ``signal_scale`` in the likelihood; CLs limits use the nominal signal, as paper 000). Likelihood: chi^2 = r^T (V_bkg + diag(N_obs))^-1 r with r = N_obs - N_bg - s
(eq. 2.5 generalised to correlated bins). The u1 mode needs tables in Gamma/M for a coupling-dependent width and is not
supported yet.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from globalfit.components.base import Component, CountingRegion, NuisancePrior, register
from globalfit.errors import DataError
from globalfit.tensor import interp, math_of
from globalfit.util import log_once


@register
class MonoXInclusive(Component):
    """A mono-X search with exclusive bins, covariance and inclusive regions (see module docstring)."""

    kind = "monox_inclusive"
    modes = ("simplified",)
    #: K = sigma_NLO/sigma_LO applied to the LO tables (1: LO, as paper 000's nominal limits) and the relative theory
    #: uncertainty of the signal, a nuisance ``signal_scale`` (paper 000 sec. 3: scale + PDF uncertainties of about 25 %
    #: at LO weaken the limits by 10-15 %; at NLO, K = 1.25-1.45 with 7-11 %).
    default_options = {"k_factor": 1.0, "k_factor_uncertainty": 0.25}

    def __init__(self, entry, theory, options=None):
        super().__init__(entry, theory, options)
        spec = entry.spec
        self.lumi = float(spec["lumi_pb"])
        ex = entry.read_csv("exclusive_bins.csv")
        inc = entry.read_csv("inclusive_regions.csv")
        if "background_covariance.csv" in (entry.spec.get("files") or {}):
            cov = entry.read_csv("background_covariance.csv").to_numpy(float)
        else:  # no published correlations: independent bins (stated in the dataset's SOURCES.md)
            cov = np.diag(ex["n_bkg_err"].to_numpy(float) ** 2)
        sig = entry.read_csv("signal_table.csv")
        sig = sig[np.isclose(sig["width_ratio"], theory.width_ratio)]
        if sig.empty:
            raise DataError(f"{entry.id}: no signal table for Gamma/M = {theory.width_ratio}; rebuild it with "
                            "scripts/build_signal_tables.py for that width")
        self.thresholds = inc["ptmiss_threshold_GeV"].to_numpy(float)
        self.n_obs_inc, self.n_bkg_inc = inc["n_obs"].to_numpy(float), inc["n_bkg"].to_numpy(float)
        self.n_err_inc = inc["n_bkg_err"].to_numpy(float)
        self.n_obs, self.n_bkg = ex["n_obs"].to_numpy(float), ex["n_bkg"].to_numpy(float)
        self.inv_cov = np.linalg.inv(cov + np.diag(self.n_obs))
        self.bkg_var = np.diag(cov).copy()
        self.masses = np.sort(sig["mass_GeV"].unique())
        self.log_m = np.log(self.masses)
        tab = sig.pivot_table(index="mass_GeV", columns="ptmiss_threshold_GeV", values="sigma_pb_unit_coupling")
        tails = tab[self.thresholds].to_numpy(float)  # [mass, threshold]
        self.log_tails = np.log(np.maximum(tails, 1e-300))
        # exclusive bin k = tail(low_k) - tail(high_k), with tail(inf) = 0
        index = {float(t): i for i, t in enumerate(self.thresholds)}
        try:
            self.bin_low = [index[float(v)] for v in ex["ptmiss_low_GeV"]]
            self.bin_high = [None if not np.isfinite(v) else index[float(v)] for v in ex["ptmiss_high_GeV"]]
        except KeyError as exc:
            raise DataError(f"{entry.id}: exclusive bin edge {exc} is not a tabulated threshold") from None
        log_once(f"{entry.id}: signal tabulated for {self.masses[0]:g} < M_Z' < {self.masses[-1]:g} GeV at "
                 f"Gamma/M = {theory.width_ratio}; zero contribution outside")

    def _tails(self, mass: Any) -> list[Any]:
        """sigma(pT > T_k) [pb] at unit couplings, per threshold."""
        m = math_of(mass)
        lm = m.log(mass)
        return [m.exp(interp(lm, self.log_m, self.log_tails[:, k])) for k in range(len(self.thresholds))]

    def nuisance_priors(self) -> list[NuisancePrior]:
        unc = float(self.options["k_factor_uncertainty"])
        return [NuisancePrior("signal_scale", 0.0, unc, lower=-1.0, description="signal theory uncertainty")] if unc > 0 else []

    def _scale(self, theory) -> Any:
        inside = (theory.mass >= self.masses[0]) * (theory.mass <= self.masses[-1])
        return inside * theory.coupling_product_q_nu() ** 2 * self.lumi * float(self.options["k_factor"])

    def signal_events(self, theory, nuisances: Mapping[str, Any] | None = None) -> list[Any]:
        """Expected signal events in the exclusive bins."""
        tails = self._tails(theory.mass)
        scale = self._scale(theory) * (1.0 + (nuisances or {}).get("signal_scale", 0.0))
        return [scale * (tails[lo] - (tails[hi] if hi is not None else 0.0)) for lo, hi in zip(self.bin_low, self.bin_high)]

    def log_likelihood(self, theory, nuisances: Mapping[str, Any]) -> Any:
        s = self.signal_events(theory, nuisances)
        m = math_of(*s)
        r = m.stack([self.n_obs[k] - self.n_bkg[k] - s[k] for k in range(len(s))]) if m is not np else \
            self.n_obs - self.n_bkg - np.array([float(x) for x in s])
        return -0.5 * (r * m.dot(self.inv_cov, r)).sum() if m is not np else -0.5 * float(r @ self.inv_cov @ r)

    def chi2_offset(self) -> float:
        return 0.0

    def counting_regions(self, theory) -> list[CountingRegion]:
        tails = self._tails(theory.mass)
        scale = self._scale(theory)
        return [CountingRegion(scale * tails[k], self.n_bkg_inc[k], self.n_err_inc[k], self.n_obs_inc[k],
                               f"pTmiss > {self.thresholds[k]:g} GeV") for k in range(len(self.thresholds))]

    def expected(self, theory, nuisances) -> dict[str, Any]:
        s = self.signal_events(theory, nuisances)
        m = math_of(*s)
        return {"counts": (m.stack(s) if m is not np else np.array(s, dtype=float)) + self.n_bkg}

    def observed(self) -> dict[str, Any]:
        return {"counts": self.n_obs, "errors": np.sqrt(self.n_obs + self.bkg_var)}


@register
class ResonanceLimit(Component):
    """A resonance search's limit on (fiducial) sigma x B vs mass and Gamma/M, as a likelihood term (kind
    ``resonance_limit``): chi^2 = q_CL (sigma_fid B / limit(M, Gamma/M))^2 (issue convention for limit curves).
    Spec ``channel``: ``ll`` (B per lepton flavour, averaged over e and mu) or ``tautau``; ``fiducial: false`` for
    limits on the total sigma x B (no acceptance).

    u1 mode: sigma_fid B = g'^2 Q_q^2 sigma_unit(M) A(M) B, with the narrow-width production table and acceptance of
    the dataset, and B the branching fraction per lepton flavour averaged over e and mu (the combined limit assumes
    universality). The limit is interpolated log-log in mass and linearly in Gamma/M between the published widths
    (clamped at the widest, 10 %). Zero outside the published mass range (logged once).
    """

    kind = "resonance_limit"
    modes = ("u1",)

    def __init__(self, entry, theory, options=None):
        super().__init__(entry, theory, options)
        lim = entry.read_csv("limit.csv")
        self.q_cl = float(entry.spec.get("q_cl", 3.84))
        self.widths = np.sort(lim["width_ratio"].unique())
        self.masses = np.sort(lim["mass_GeV"].unique())
        table = lim.pivot_table(index="mass_GeV", columns="width_ratio", values="sigma_B_limit_fb")
        self.log_limit_fb = np.log(table.loc[self.masses, self.widths].to_numpy(float))
        sig = entry.read_csv("signal_table.csv")
        self.sig_log_m = np.log(sig["mass_GeV"].to_numpy(float))
        self.sig_log_sigma = np.log(sig["sigma_pb_unit_coupling"].to_numpy(float))
        # fiducial limits need the acceptance; limits on total sigma x B (spec fiducial: false) do not
        self.sig_acc = (sig["acceptance_ll"].to_numpy(float) if entry.spec.get("fiducial", True) is not False
                        else np.ones(len(sig)))
        self.channel = str(entry.spec.get("channel", "ll"))
        if self.channel not in ("ll", "tautau"):
            raise DataError(f"{entry.id}: unknown channel {self.channel!r} (ll or tautau)")
        self.lo = max(self.masses[0], float(np.exp(self.sig_log_m[0])))
        self.hi = min(self.masses[-1], float(np.exp(self.sig_log_m[-1])))
        if self.is_sensitive()[0]:
            log_once(f"{entry.id}: applies for {self.lo:g} < M_Z' < {self.hi:g} GeV (zero contribution outside)")

    def is_sensitive(self) -> tuple[bool, str]:
        ch = self.theory.charges
        leptons = (ch.tau,) if self.channel == "tautau" else (ch.e, ch.mu)
        if ch.q == 0 or all(q == 0 for q in leptons):
            return False, (f"{self.id}: no quark or no {self.channel} coupling for {ch.label or ch.expression()}; "
                           "no constraint")
        return True, ""

    def predicted_fb(self, theory) -> Any:
        """sigma_fid x B per lepton flavour [fb]."""
        m = math_of(theory.gprime, theory.mass)
        lm = m.log(theory.mass)
        br = theory.branching_fractions()
        b_ll = br["tau"] if self.channel == "tautau" else 0.5 * (br["e"] + br["mu"])
        sigma_pb = m.exp(interp(lm, self.sig_log_m, self.sig_log_sigma)) * (theory.gprime * float(self.theory.charges.q)) ** 2
        return 1e3 * sigma_pb * interp(lm, self.sig_log_m, self.sig_acc) * b_ll

    def limit_fb(self, theory) -> Any:
        m = math_of(theory.gprime, theory.mass)
        lm = m.log(theory.mass)
        ratio = m.clip(theory.width() / theory.mass, self.widths[0], self.widths[-1])
        total = 0.0
        for j, wj in enumerate(self.widths):  # hat functions in Gamma/M
            left = self.widths[j - 1] if j > 0 else wj - 1.0
            right = self.widths[j + 1] if j + 1 < len(self.widths) else wj + 1.0
            hat = m.maximum(0.0, m.minimum((ratio - left) / (wj - left), (right - ratio) / (right - wj)))
            total = total + hat * m.exp(interp(lm, np.log(self.masses), self.log_limit_fb[:, j]))
        return total

    def chi2(self, theory) -> Any:
        inside = (theory.mass >= self.lo) * (theory.mass <= self.hi)
        return inside * self.q_cl * (self.predicted_fb(theory) / self.limit_fb(theory)) ** 2

    def log_likelihood(self, theory, nuisances: Mapping[str, Any]) -> Any:
        return -0.5 * self.chi2(theory)
