"""Likelihood shapes shared by components: published intervals and limit curves as chi^2 terms, binned Poisson.

Interval construction (used for oscillation bounds)
---------------------------------------------------
A published 2-sigma interval [a, b] becomes ``chi2(x) = 4 z^40`` with ``z = (x - c)/h``, c = (a + b)/2 and
h = (b - a)/2, so that

* chi2 = 4 exactly at both edges (Delta chi^2 = 4 reproduces the published 2-sigma interval: the source
  papers' exclusion convention);
* there is no preference inside: over the central 80 % (|z| <= 0.8) chi2 <= 4 * 0.8^40 = 5e-4 (< 0.5), and
  even at |z| = 0.9 it is 0.06. The high power matters: published intervals often have the Standard Model
  (eps = 0) close to an edge (z = -0.92 for paper 004's [-0.008, 0.180]); a low power would give the SM a
  chi^2 of order 1 per interval and shift Delta chi^2 limits of models that move several observables;
* it rises outside, and it is smooth.

Outside the interval (|z| > 1) it continues as the quadratic ``4 + 160 d + 3120 d^2`` in d = |z| - 1, which
matches the value, slope and curvature of 4 z^10 at the edge (twice differentiable) but rises polynomially rather
than as z^40, so samplers (NUTS in particular) do not meet an ever-steepening wall and nothing overflows.
A union of intervals (LMA ⊕ LMA-D) is the smooth minimum ``-T log sum_i exp(-chi2_i/T)`` with T = 0.05,
which equals the ordinary minimum to within T ln 2 = 0.035 where pieces overlap and to 1e-30 elsewhere.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from globalfit.tensor import math_of

POWER = 40
SOFTMIN_T = 0.05


def interval_chi2(x: Any, lower: float, upper: float) -> Any:
    """Flat-bottomed chi^2 of a 2-sigma interval [lower, upper] (see module docstring)."""
    m = math_of(x)
    c = 0.5 * (lower + upper)
    h = 0.5 * (upper - lower)
    z = (x - c) / h
    az = m.abs(z)
    zc = m.clip(az, 0.0, 1.0)
    d = m.maximum(az - 1.0, 0.0)
    # inside: 4 zc^40; outside: Taylor continuation to second order at the edge (zc = 1 there)
    return 4.0 * zc**POWER + 4.0 * POWER * d + 2.0 * POWER * (POWER - 1) * d**2


def union_chi2(x: Any, pieces: Sequence[tuple[float, float]]) -> Any:
    """Smooth minimum over the interval chi^2 of each piece (a union of allowed intervals)."""
    if len(pieces) == 1:
        return interval_chi2(x, *pieces[0])
    m = math_of(x)
    chis = [interval_chi2(x, lo, hi) for lo, hi in pieces]
    base = chis[0]
    for c in chis[1:]:
        base = m.minimum(base, c)
    # log-sum-exp around the minimum for numerical stability
    s = sum(m.exp(-(c - base) / SOFTMIN_T) for c in chis)
    return base - SOFTMIN_T * m.log(s)


def poisson_half_deviance(lam: Any, n: np.ndarray, active: np.ndarray | None = None) -> Any:
    """Half the Poisson deviance, sum_i [lam_i - n_i + n_i log(n_i/lam_i)] (= -log L up to a constant, 0 when
    lam = n), over the bins where ``active`` is 1 (default: all). Inactive bins must have lam = n = 0 and are
    skipped, so that log(lam) is never taken of 0. Works on numpy arrays and PyTensor graphs."""
    m = math_of(lam)
    n = np.asarray(n, dtype=float)
    if active is not None:
        lam = lam * active + (1.0 - active)
    # n log(n/lam) only where n > 0: an empty bin contributes lam alone, also when lam -> 0 (a background
    # normalisation at its lower bound), where 0 * log(0) would otherwise give NaN
    observed = n > 0
    lam_obs = m.switch(observed, lam, 1.0) if m is not np else np.where(observed, lam, 1.0)
    log_term = n * (np.log(np.where(observed, n, 1.0)) - m.log(lam_obs))
    diff = lam - n if active is None else (lam - n) * active
    return (diff + log_term).sum()
