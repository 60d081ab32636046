"""Benchmark: the 60-mass ``limits`` scan of the global fit (runs/global_b3lmu.yaml: profile Delta chi^2 of 8 datasets
and combined, CLs of the mono-jet regions, Bayesian limits at 12 masses) with 1 and with 2 worker processes, in the
same run, twice: compiling every function ("cold": the function cache of globalfit.compile_cache off, each worker
compiles its graphs once) and with the compiled functions kept from an earlier run ("warm": a user's second run).
Prints wall and CPU time (this process and its workers; on a shared machine the wall-time ratio alone says little).
PyTensor's module cache is loaded in this process first (never counted; forked workers inherit it).

Run: python benchmarks/bench_limits.py [--num 60]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from bench_nested_pool import _cpu_s

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--num", type=int, default=60, help="masses in the grid")
    args = ap.parse_args()
    import globalfit
    from globalfit.compile_cache import CACHE_ENV, load_module_cache
    from globalfit.model import Fit

    base = globalfit.load_config(ROOT / "runs" / "global_b3lmu.yaml")
    grid = base.limits.masses_GeV.model_copy(update={"num": args.num})
    load_module_cache()
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        for label, where in (("cold", "off"), ("warm", cache)):
            os.environ[CACHE_ENV] = where
            if label == "warm":  # an earlier run: every function the scan uses compiled and stored
                fit = Fit(base)
                for j in range(len(fit.components)):
                    fit.component_profile(j)
            for procs in (1, 2):
                cfg = base.model_copy(update={"limits": base.limits.model_copy(
                    update={"masses_GeV": grid, "processes": procs})})
                wall, cpu = time.perf_counter(), _cpu_s()
                table = globalfit.limits(cfg).table
                out[label, procs] = (time.perf_counter() - wall, _cpu_s() - cpu, table)
    print(f"global_b3lmu limits, {args.num} masses (os.cpu_count() = {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.2f})")
    for label in ("cold", "warm"):
        for procs in (1, 2):
            w, c, _ = out[label, procs]
            print(f"  {label}, {procs} process(es): wall {w:.1f} s, CPU {c:.1f} s")
        same = out[label, 1][2]["upper"].fillna(-1).equals(out[label, 2][2]["upper"].fillna(-1))
        print(f"  {label}: speed-up (wall) {out[label, 1][0] / out[label, 2][0]:.2f}x; CPU time 2 procs / 1 proc "
              f"{out[label, 2][1] / out[label, 1][1]:.2f}; identical tables: {same}")
    same = out["cold", 1][2]["upper"].fillna(-1).equals(out["warm", 1][2]["upper"].fillna(-1))
    print(f"cold and warm tables identical: {same}")


if __name__ == "__main__":
    main()
