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
        return [1.0 + 0.0 * x]
    xc = m.clip(x, nodes[0], nodes[-1])
    out = []
    for j, nj in enumerate(nodes):
        left = nodes[j - 1] if j > 0 else nj - 1.0
        right = nodes[j + 1] if j + 1 < len(nodes) else nj + 1.0
        out.append(m.maximum(0.0, m.minimum((xc - left) / (nj - left), (right - xc) / (right - nj))))
    return out
