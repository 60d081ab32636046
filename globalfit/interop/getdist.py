"""getdist adapter: a run's posterior as ``getdist.MCSamples`` (:func:`to_getdist`).

>>> from globalfit.interop.getdist import to_getdist                                    # doctest: +SKIP
>>> s = to_getdist("results/quickstart")                                                # doctest: +SKIP
>>> s.getMeans(), s.getInlineLatex("log10_gprime", limit=2)                             # doctest: +SKIP

A nested-sampling run gives its weighted dead points (``nested_run.npz``: weights exp(logwt - ln Z), ``loglikes``
= -ln L as getdist expects); a NUTS run its equal-weight draws, one getdist chain per chain. Parameters are those of
``summary.csv``: the sampling-space ones (``log10_gprime``, nuisances) and the physical value of each log-uniform
one (``gprime``; masses in GeV); labels are LaTeX with units.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from globalfit.errors import DataError


def math_label(name: str) -> str:
    """getdist/cobaya label of a parameter: the axis label of the plots (:func:`globalfit.plots.style.label`) in
    math mode without dollars, units and dataset in roman (``M_{Z'}\\;[\\mathrm{GeV}]``)."""
    from globalfit.plots.style import label

    _, math, rest = label(name).split("$", 2)
    rest = rest.strip()
    if not rest:
        return math
    text = rest.replace("\\", "").replace("_", r"\_").replace(" ", r"\ ")
    return math + r"\;\mathrm{" + text + "}"


def _free_names(result, ndim: int) -> list[str]:
    # summary.csv lists the free sampling-space names first, in sampling-vector order (globalfit.inference.run)
    names = [str(n) for n in result.summary.index[:ndim]]
    missing = [n for n in names if n not in result.posterior.posterior]
    if len(names) != ndim or missing:
        raise DataError(f"{result.path or 'result'}: summary.csv does not list the {ndim} sampled parameters first")
    return names


def _columns(names: list[str], x: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Sampling-space columns plus the physical value of each log10 one."""
    out_names, cols = list(names), [x[..., i] for i in range(len(names))]
    for i, n in enumerate(names):
        if n.startswith("log10_"):
            out_names.append(n[len("log10_"):])
            cols.append(10.0 ** x[..., i])
    return out_names, np.stack(cols, axis=-1)


def to_getdist(results, *, label: str | None = None):
    """``getdist.MCSamples`` of a :class:`globalfit.results.RunResult` or of a result folder.

    Parameters
    ----------
    results
        A :class:`~globalfit.results.RunResult` or the path of a folder written by ``globalfit run``.
    label
        getdist's label of the samples (default: the run name).

    Raises
    ------
    DataError
        If the folder is no result folder.
    """
    from getdist import MCSamples

    from globalfit.results import load_results

    if isinstance(results, (str, Path)):
        results = load_results(results)
    run = results.posterior.posterior.attrs.get("run") or results.config.get("name", "globalfit")
    label = label or str(run)
    nested = results.nested_run
    if nested is not None:
        x = np.asarray(nested.samples, dtype=float)
        names, samples = _columns(_free_names(results, x.shape[1]), x)
        w = np.exp(np.asarray(nested.logwt) - float(nested.logz[-1]))
        kwargs = {"weights": w / w.sum(), "loglikes": -np.asarray(nested.logl, dtype=float)}
    else:
        post = results.posterior.posterior
        # the summary lists each log10 parameter twice (sampling name, then physical)
        ndim = len(results.summary.index) - sum(str(n).startswith("log10_") for n in results.summary.index)
        free = _free_names(results, ndim)
        x = np.stack([np.asarray(post[n].values, dtype=float) for n in free], axis=-1)  # (chain, draw, ndim)
        names, cols = _columns(free, x)
        samples = [cols[c] for c in range(cols.shape[0])]
        kwargs = {}
    return MCSamples(samples=samples, names=names, labels=[math_label(n) for n in names], label=label,
                     sampler="nested" if nested is not None else "mcmc", ignore_rows=0, **kwargs)
