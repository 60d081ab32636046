"""CLs statistics of paper 000 (its eqs. 2.5-2.8), for counting experiments (LHC inclusive regions).

For regions i with observed N_obs, SM background N_bg, systematic uncertainty delta_sys (events), signal cross section
sigma_i and luminosity L, paper 000 eq. 2.5::

    chi^2(mu) = sum_i (N_obs,i - N_bg,i - mu sigma_i L)^2 / (N_obs,i + delta_sys,i^2) = chi0^2 + A mu + B mu^2

and the CLs upper limit on the signal strength at confidence level 1 - alpha' (eq. 2.6) is

    mu_up = mu_hat + dmu Phi^-1(1 - alpha' Phi(mu_hat/dmu)),   mu_hat = -A/(2B),  dmu = 1/sqrt(B);

a model point is excluded when mu_up < 1. For one region this is eq. 2.7-2.8 on the cross section:
sigma_up = sigma_hat + dsigma Phi^-1(1 - alpha' Phi(sigma_hat/dsigma)), sigma_hat = (N_obs - N_bg)/L,
dsigma = sqrt(N_obs + delta_sys^2)/L.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from scipy.stats import norm

from globalfit.tensor import math_of


def chi2_regions(mu: Any, n_obs: Sequence[float], n_bg: Sequence[float], signal_events: Sequence[Any],
                 delta_sys: Sequence[float]) -> Any:
    """Paper 000 eq. 2.5 with signal_events = sigma_i L (events at mu = 1); works on floats and tensors."""
    total = 0.0
    for n, b, s, d in zip(n_obs, n_bg, signal_events, delta_sys):
        total = total + (n - b - mu * s) ** 2 / (n + d**2)
    return total


def quadratic_coefficients(n_obs, n_bg, signal_events, delta_sys) -> tuple[float, float, float]:
    """(chi0^2, A, B) of eq. 2.5 for numpy inputs."""
    n, b, s, d = (np.asarray(v, dtype=float) for v in (n_obs, n_bg, signal_events, delta_sys))
    w = 1.0 / (n + d**2)
    return float(np.sum(w * (n - b) ** 2)), float(np.sum(-2.0 * w * (n - b) * s)), float(np.sum(w * s**2))


def mu_upper(n_obs, n_bg, signal_events, delta_sys, level: float = 0.95) -> float:
    """CLs upper limit on the signal strength (eq. 2.6); inf when the regions have no signal (B = 0)."""
    _, a, b = quadratic_coefficients(n_obs, n_bg, signal_events, delta_sys)
    if b <= 0:
        return np.inf
    mu_hat, dmu = -a / (2 * b), 1.0 / np.sqrt(b)
    return float(mu_hat + dmu * norm.ppf(1.0 - (1.0 - level) * norm.cdf(mu_hat / dmu)))


def sigma_upper(n_obs: float, n_bg: float, delta_sys: float, lumi: float, level: float = 0.95) -> float:
    """CLs upper limit on a signal cross section from one inclusive region (eqs. 2.7-2.8), in 1/lumi units."""
    s_hat = (n_obs - n_bg) / lumi
    ds = np.sqrt(n_obs + delta_sys**2) / lumi
    return float(s_hat + ds * norm.ppf(1.0 - (1.0 - level) * norm.cdf(s_hat / ds)))
