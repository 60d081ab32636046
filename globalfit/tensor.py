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


def pchip_slopes(xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """Node derivatives of the monotonicity-preserving piecewise-cubic Hermite interpolant (Fritsch-Carlson, as
    :class:`scipy.interpolate.PchipInterpolator`) of the columns of ``fp`` (shape ``(len(xp), k)``), for
    :func:`interp_rows`. Computed once per table, not per evaluation."""
    from scipy.interpolate import PchipInterpolator

    return PchipInterpolator(np.asarray(xp, float), np.asarray(fp, float), axis=0).derivative()(xp)


def interp_rows(x: Any, xp: np.ndarray, fp: np.ndarray, slopes: np.ndarray | None = None) -> Any:
    """Interpolation of every column of ``fp`` (shape ``(len(xp), k)``) at one scalar ``x``, clamped at the ends: a
    length-k vector, from one index search (cheaper in a graph than k calls of :func:`interp`).

    Without ``slopes``: piecewise linear. With ``slopes`` (node derivatives, e.g. :func:`pchip_slopes`): piecewise
    cubic Hermite, C1 and exact at the nodes; with PCHIP slopes it does not overshoot and is much closer than linear
    interpolation for smooth curved data such as log sigma vs log M.
    """
    xp = np.asarray(xp, dtype=float)
    fp = np.asarray(fp, dtype=float)
    h = np.diff(xp)[:, None]
    m = math_of(x)
    xc = m.clip(x, xp[0], xp[-1])
    if slopes is not None:
        d = np.asarray(slopes, dtype=float)
        # Hermite form on each interval: f = y_i + t (a_i + t (b_i + t c_i)), t = (x - x_i)/h_i
        coef = [fp[:-1], h * d[:-1], 3 * (fp[1:] - fp[:-1]) - h * (2 * d[:-1] + d[1:]),
                -2 * (fp[1:] - fp[:-1]) + h * (d[:-1] + d[1:])]
    else:
        coef = [fp[:-1], fp[1:] - fp[:-1]]
    if m is np:
        idx = int(np.clip(np.searchsorted(xp, xc, side="right") - 1, 0, len(xp) - 2))
        t = (xc - xp[idx]) / h[idx, 0]
        return sum(c[idx] * t**p for p, c in enumerate(coef))
    import pytensor.tensor as pt

    idx = pt.clip(pt.extra_ops.searchsorted(xp, xc, side="right") - 1, 0, len(xp) - 2)
    t = (xc - pt.as_tensor_variable(xp)[idx]) / pt.as_tensor_variable(h[:, 0])[idx]
    return sum(pt.as_tensor_variable(c)[idx] * t**p for p, c in enumerate(coef))


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
