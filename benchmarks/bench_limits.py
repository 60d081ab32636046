"""Benchmark: the 60-mass ``limits`` scan of the global fit (runs/global_b3lmu.yaml: profile Delta chi^2 of 8 datasets
and combined, CLs of the mono-jet regions, Bayesian limits at 12 masses) with 1 and with 2 worker processes, in the
same run. Prints wall and CPU time (this process and its workers; on a shared machine the wall-time ratio alone says
little). Compilation is included (each worker compiles its graphs once), PyTensor's on-disk cache warmed first.

Run: python benchmarks/bench_limits.py [--num 60]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from bench_nested_pool import _cpu_s

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--num", type=int, default=60, help="masses in the grid")
    args = ap.parse_args()
    import globalfit
    from globalfit.model import Fit

    base = globalfit.load_config(ROOT / "runs" / "global_b3lmu.yaml")
    grid = base.limits.masses_GeV.model_copy(update={"num": args.num})
    Fit(base).compiled("terms")  # warm PyTensor's on-disk cache of C code (never counted)
    out = {}
    for procs in (1, 2):
        cfg = base.model_copy(update={"limits": base.limits.model_copy(update={"masses_GeV": grid, "processes": procs})})
        wall, cpu = time.perf_counter(), _cpu_s()
        table = globalfit.limits(cfg).table
        out[procs] = (time.perf_counter() - wall, _cpu_s() - cpu, table)
    print(f"global_b3lmu limits, {args.num} masses (os.cpu_count() = {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.2f})")
    for procs, (w, c, _) in out.items():
        print(f"  {procs} process(es): wall {w:.1f} s, CPU {c:.1f} s")
    same = out[1][2]["upper"].fillna(-1).equals(out[2][2]["upper"].fillna(-1))
    print(f"speed-up (wall) {out[1][0] / out[2][0]:.2f}x; CPU time 2 procs / 1 proc {out[2][1] / out[1][1]:.2f}; "
          f"identical tables: {same}")


if __name__ == "__main__":
    main()
