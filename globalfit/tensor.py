"""Helpers that let one physics expression serve numpy arrays and PyTensor graphs alike.

Physics functions are written once with :func:`math_of` choosing the module (``numpy`` or
``pytensor.tensor``) from their inputs, so the same code is unit-tested with floats and compiled into the
likelihood graphs (the "one source of truth" rule). PyTensor is imported only when a tensor is passed.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np


def is_tensor(x: Any) -> bool:
    """True if ``x`` is a PyTensor variable (checked without importing PyTensor)."""
    return type(x).__module__.startswith("pytensor")


def math_of(*xs: Any) -> ModuleType:
    """Return ``pytensor.tensor`` if any argument is a PyTensor variable, else ``numpy``."""
    if any(is_tensor(x) for x in xs):
        import pytensor.tensor as pt

        return pt
    return np


def interp(x: Any, xp: np.ndarray, fp: np.ndarray) -> Any:
    """Piecewise-linear interpolation of tabulated ``fp(xp)`` at ``x``, clamped at the ends.

    Works for numpy inputs (``numpy.interp``) and for PyTensor ``x`` (differentiable almost everywhere).

    Parameters
    ----------
    x
        Points (scalar or array; float or tensor).
    xp, fp
        Increasing abscissae and values (numpy arrays of equal length >= 2).
    """
    xp = np.asarray(xp, dtype=float)
    fp = np.asarray(fp, dtype=float)
    if not is_tensor(x):
        return np.interp(x, xp, fp)
    import pytensor.tensor as pt

    slopes = np.diff(fp) / np.diff(xp)
    xc = pt.clip(x, xp[0], xp[-1])
    idx = pt.clip(pt.extra_ops.searchsorted(xp, xc, side="right") - 1, 0, len(xp) - 2)
    return pt.as_tensor_variable(fp)[idx] + pt.as_tensor_variable(slopes)[idx] * (xc - pt.as_tensor_variable(xp)[idx])


class HermiteRows:
    """Monotone piecewise-cubic Hermite interpolation (PCHIP slopes, Fritsch-Carlson, as
    :class:`scipy.interpolate.PchipInterpolator`) of every column of a table ``fp`` (shape ``(len(xp), k)``) at one
    scalar x, clamped at the ends. The per-interval polynomial coefficients are computed once here, so an evaluation
    is one index search and a cubic: a length-k vector, on numpy floats or PyTensor scalars alike. C1, exact at the
    nodes, no overshoot, and much closer than linear interpolation for smooth curved data such as log sigma vs log M.
    """

    def __init__(self, xp: np.ndarray, fp: np.ndarray):
        from scipy.interpolate import PchipInterpolator

        self.xp = np.asarray(xp, dtype=float)
        fp = np.asarray(fp, dtype=float)
        d = PchipInterpolator(self.xp, fp, axis=0).derivative()(self.xp)
        h = np.diff(self.xp)[:, None]
        self.h = h[:, 0]
        # f = c0 + t (c1 + t (c2 + t c3)) on [x_i, x_i+1], t = (x - x_i)/h_i
        self.coef = [fp[:-1], h * d[:-1], 3 * (fp[1:] - fp[:-1]) - h * (2 * d[:-1] + d[1:]),
                     -2 * (fp[1:] - fp[:-1]) + h * (d[:-1] + d[1:])]

    def __call__(self, x: Any) -> Any:
        xp = self.xp
        m = math_of(x)
        xc = m.clip(x, xp[0], xp[-1])
        if m is np:
            idx = int(np.clip(np.searchsorted(xp, xc, side="right") - 1, 0, len(xp) - 2))
            t = (xc - xp[idx]) / self.h[idx]
            return sum(c[idx] * t**p for p, c in enumerate(self.coef))
        import pytensor.tensor as pt

        idx = pt.clip(pt.extra_ops.searchsorted(xp, xc, side="right") - 1, 0, len(xp) - 2)
        t = (xc - pt.as_tensor_variable(xp)[idx]) / pt.as_tensor_variable(self.h)[idx]
        return sum(pt.as_tensor_variable(c)[idx] * t**p for p, c in enumerate(self.coef))


def hat_weights(x: Any, nodes: np.ndarray) -> list[Any]:
    """Weights of piecewise-linear interpolation between ``nodes`` at ``x`` (clamped to the node range): one weight per
    node, summing to 1, so that ``sum_j w_j f_j`` interpolates values f_j given at the nodes."""
    nodes = np.asarray(nodes, dtype=float)
    m = math_of(x)
    if len(nodes) == 1:
        # a constant: no graph of x at all (x may be an expensive expression, e.g. a width, whose gradient would
        # otherwise be built and compiled only to be multiplied by zero)
        return [1.0]
    xc = m.clip(x, nodes[0], nodes[-1])
    out = []
    for j, nj in enumerate(nodes):
        left = nodes[j - 1] if j > 0 else nj - 1.0
        right = nodes[j + 1] if j + 1 < len(nodes) else nj + 1.0
        out.append(m.maximum(0.0, m.minimum((xc - left) / (nj - left), (right - xc) / (right - nj))))
    return out


#: Relative tolerance of :func:`inside_range` at the edges of a tabulated range: a mass that went through floating
#: point (10**log10(250) = 250.00000000000003) is still at the edge, not outside.
EDGE_RTOL = 1e-9


def inside_range(x: Any, lower: float, upper: float, rtol: float = EDGE_RTOL) -> Any:
    """1.0 where ``lower <= x <= upper`` (inclusive, with relative tolerance ``rtol`` at both edges), else 0.0.

    Returns a Python/numpy float for float inputs and a float64 tensor for PyTensor inputs, so that it can multiply a
    tensor whatever the type of ``x`` (a bare Python ``bool`` cannot: PyTensor refuses to cast it). Its gradient is
    zero everywhere.
    """
    lo, hi = lower * (1.0 - rtol), upper * (1.0 + rtol)
    if not is_tensor(x):
        return np.asarray((np.asarray(x) >= lo) & (np.asarray(x) <= hi), dtype=float)[()]
    import pytensor.tensor as pt

    return pt.cast(pt.and_(pt.ge(x, lo), pt.le(x, hi)), "float64")


def sqrt_positive(x: Any) -> Any:
    """sqrt(max(x, 0)) with a finite gradient everywhere, also for x <= 0 (gradient 0 there).

    ``sqrt(maximum(x, 0))`` has gradient 0 * inf = NaN for x < 0 (the untaken branch of a where/clip still enters the
    chain rule); the double-where trick feeds sqrt a safe argument (1) where x <= 0 and then discards it.
    """
    m = math_of(x)
    positive = x > 0.0
    if m is np:
        return np.where(positive, np.sqrt(np.where(positive, x, 1.0)), 0.0)[()]
    return m.switch(positive, m.sqrt(m.switch(positive, x, 1.0)), 0.0)


def smoothstep(x: Any, x0: float, x1: float) -> Any:
    """C2 switch from 0 (x <= x0) to 1 (x >= x1): the quintic 6t^5 - 15t^4 + 10t^3 of t = (x - x0)/(x1 - x0).

    Finite value and gradient everywhere (the clip's untaken branch is a constant), on floats and tensors.
    """
    m = math_of(x)
    t = m.clip((x - x0) / (x1 - x0), 0.0, 1.0)
    return t**3 * (10.0 - 15.0 * t + 6.0 * t**2)


def step_above(x: Any, threshold: float) -> Any:
    """1.0 where ``x > threshold``, else 0.0: a float for float ``x``, a float64 tensor for PyTensor ``x`` (so that it can
    multiply a tensor whichever of the two ``x`` is)."""
    if not is_tensor(x):
        return np.asarray(np.asarray(x) > threshold, dtype=float)[()]
    import pytensor.tensor as pt

    return pt.cast(pt.gt(x, threshold), "float64")
