"""Benchmark: wall time of the quickstart nested run, and of a 60-mass `limits` scan with 1 and with 2 processes
(speed-up = t1/t2), in the same run. Results stay in memory (the library writes no folder).

Run: python benchmarks/bench_runs.py
"""

from __future__ import annotations

import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    import globalfit

    cfg = globalfit.load_config(ROOT / "runs" / "quickstart.yaml")
    t = time.perf_counter()
    globalfit.run(cfg)
    t_run = time.perf_counter() - t
    times = {}
    for procs in (1, 2):
        c = cfg.model_copy(deep=True)
        c.limits.processes = procs
        t = time.perf_counter()
        globalfit.limits(c)
        times[procs] = time.perf_counter() - t
    print(f"quickstart nested run (nlive {cfg.sampler.nlive}): {t_run:.1f} s")
    print(f"limits, {len(cfg.limits.mass_grid())} masses: {times[1]:.1f} s with 1 process, {times[2]:.1f} s with 2 "
          f"(speed-up {times[1] / times[2]:.2f}x)")


if __name__ == "__main__":
    main()
