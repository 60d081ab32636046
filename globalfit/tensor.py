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
