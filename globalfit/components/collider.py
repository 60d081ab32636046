"""LHC mono-X searches (kind ``monox_inclusive``): exclusive pT_miss bins with a background covariance for the
likelihood, inclusive regions for CLs limits (paper 000 section 2.2).

Signal: the dataset's table of sigma(pT_miss > T) at unit couplings g_q = g_nu = 1 and fixed Gamma/M, interpolated
log-log in M (never extrapolated: outside the tabulated masses the term is zero and the log says so once), scaled by
(g_q g_nu)^2 — in the simplified model (g_q g_nu)^2 = (2 sqrt2 G_F M^2 eps)^2 (paper 000 eq. 2.4). Exclusive-bin signals
are differences of neighbouring tails. Likelihood: chi^2 = r^T (V_bkg + diag(N_obs))^-1 r with r = N_obs - N_bg - s
(eq. 2.5 generalised to correlated bins). The u1 mode needs tables in Gamma/M for a coupling-dependent width and is not
supported yet.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from globalfit.components.base import Component, CountingRegion, register
from globalfit.errors import DataError
from globalfit.tensor import interp, math_of
from globalfit.util import log_once


@register
class MonoXInclusive(Component):
    """A mono-X search with exclusive bins, covariance and inclusive regions (see module docstring)."""

    kind = "monox_inclusive"
    modes = ("simplified",)

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

    def _scale(self, theory) -> Any:
        inside = (theory.mass >= self.masses[0]) * (theory.mass <= self.masses[-1])
        return inside * theory.coupling_product_q_nu() ** 2 * self.lumi

    def signal_events(self, theory) -> list[Any]:
        """Expected signal events in the exclusive bins."""
        tails = self._tails(theory.mass)
        scale = self._scale(theory)
        return [scale * (tails[lo] - (tails[hi] if hi is not None else 0.0)) for lo, hi in zip(self.bin_low, self.bin_high)]

    def log_likelihood(self, theory, nuisances: Mapping[str, Any]) -> Any:
        s = self.signal_events(theory)
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
        s = self.signal_events(theory)
        m = math_of(*s)
        return {"counts": (m.stack(s) if m is not np else np.array(s, dtype=float)) + self.n_bkg}

    def observed(self) -> dict[str, Any]:
        return {"counts": self.n_obs, "errors": np.sqrt(self.n_obs + self.bkg_var)}
