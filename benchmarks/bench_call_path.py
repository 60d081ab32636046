"""Benchmark: one call of a run config's compiled log-likelihood (the per-component terms nested sampling sums) on
each PyTensor call path, in the same run, with the compilation time of each:

- ``pytensor default``: ``pytensor.function`` as it comes (FAST_RUN, C backend; where PyTensor links to no BLAS, its
  BLAS rewrites still make matrix-vector products ``Gemv`` ops that run in Python);
- ``c``: :func:`globalfit.compile_cache.call_mode` ``("c")`` (intermediates kept between calls; no BLAS rewrites
  without a BLAS), what every compiled function of the package uses;
- ``numba``: ``call_mode("numba")``, what nested sampling uses with ``sampler.backend: numba`` (or ``auto``).

All three give the same terms (checked to 1e-9 relative before timing). Best of 5 blocks of 1000 calls.

Run: python benchmarks/bench_call_path.py [RUN_CONFIG ...]   (default: runs/quickstart.yaml runs/global_b3lmu.yaml)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _per_call_us(f, x: np.ndarray, blocks: int = 5, n: int = 1000) -> float:
    best = np.inf
    for _ in range(blocks):
        t = time.perf_counter()
        for _ in range(n):
            f(x)
        best = min(best, (time.perf_counter() - t) / n)
    return best * 1e6


def main() -> None:
    os.environ.setdefault("GLOBALFIT_FUNCTION_CACHE", "off")  # compile every path afresh
    import pytensor
    import pytensor.tensor as pt

    import globalfit
    from globalfit.compile_cache import _blas_linked, call_mode, load_module_cache
    from globalfit.model import Fit

    load_module_cache()
    runs = sys.argv[1:] or ["runs/quickstart.yaml", "runs/global_b3lmu.yaml"]
    print(f"PyTensor {pytensor.__version__}, C code linked to a BLAS: {_blas_linked()}")
    for run in runs:
        fit = Fit(globalfit.load_config(ROOT / run))
        xs, terms, _ = fit._graph()
        vec = pt.dvector("x")
        givens = {x: vec[i] for i, x in enumerate(xs)}
        x = fit.parameter_set.rescale(np.full(len(fit.free), 0.5))
        rows, ref = {}, None
        for name, mode in (("pytensor default", None), ("c", call_mode("c")), ("numba", call_mode("numba"))):
            kw = {} if mode is None else {"mode": mode}
            t = time.perf_counter()
            f = pytensor.function([vec], pt.stack(terms), givens=givens, on_unused_input="ignore", **kw)
            value = f(x)  # numba compiles on the first call: counted as compilation
            compile_s = time.perf_counter() - t
            ref = value if ref is None else ref
            np.testing.assert_allclose(value, ref, rtol=1e-9, atol=1e-9)
            rows[name] = (compile_s, _per_call_us(f, x))
        print(f"{run} ({len(fit.free)} free parameters, {len(terms)} components)")
        base = rows["pytensor default"][1]
        for name, (c, us) in rows.items():
            print(f"  {name:17s} compile {c:5.1f} s   call {us:7.1f} us   ({base / us:4.1f}x the default's speed)")


if __name__ == "__main__":
    main()
