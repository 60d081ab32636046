"""Benchmark: nested sampling of the global fit (runs/global_b3lmu.yaml, 11 free parameters) with 1 and with 2
processes (``sampler.processes``), same seed, in the same run. Prints the compilation time of the likelihood (the
same in both: it is compiled once, before the workers start), then of the sampling: wall time, CPU time (this process
and its children: on a shared machine the wall-time ratio alone says little) and ln Z; the speed-up of the sampling
and of compilation plus sampling.

Run: python benchmarks/bench_nested_pool.py [--nlive 400] [--maxiter 6000]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _cpu_s() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nlive", type=int, default=400)
    ap.add_argument("--maxiter", type=int, default=6000)
    args = ap.parse_args()
    os.environ.setdefault("GLOBALFIT_KEY_DIR", tempfile.mkdtemp(prefix="bench-key-"))
    import globalfit
    from globalfit.inference.nested import LogLike, backend, run_nested
    from globalfit.model import Fit

    base = globalfit.load_config(ROOT / "runs" / "global_b3lmu.yaml")
    out = {}
    for procs in (1, 2):
        s = base.sampler.model_copy(update={"nlive": args.nlive, "maxiter": args.maxiter, "processes": procs,
                                            "checkpoint_every_s": 1e6})
        fit = Fit(base.model_copy(update={"sampler": s}))
        # the likelihood is compiled (and, on numba, called once) first and timed on its own: the same few seconds
        # in both runs, which the processes cannot share; the run then finds it compiled
        t0 = time.perf_counter()
        LogLike(fit).warm()
        compile_s = time.perf_counter() - t0
        wall, cpu = time.perf_counter(), _cpu_s()
        with tempfile.TemporaryDirectory() as tmp:
            res = run_nested(fit, Path(tmp), {"bench": procs}, print_progress=False)
        # children's CPU is counted once they have exited (the pool is shut down inside run_nested)
        out[procs] = (time.perf_counter() - wall, _cpu_s() - cpu, float(res.logz[-1]), float(res.logzerr[-1]),
                      int(res.niter), int(sum(res.ncall)), compile_s)
    print(f"global_b3lmu nested, nlive {args.nlive}, maxiter {args.maxiter} (os.cpu_count() = {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.2f}), likelihood on {backend(fit)}")
    for procs, (w, c, z, e, n, nc, comp) in out.items():
        print(f"  {procs} process(es): compile {comp:.1f} s, sampling wall {w:.1f} s, CPU {c:.1f} s, {n} iterations, "
              f"{nc} likelihood calls ({nc / w:.0f} per wall second), ln Z {z:.3f} +- {e:.3f}")
    rate = {p: o[5] / o[0] for p, o in out.items()}
    print(f"speed-up of the sampling: wall {out[1][0] / out[2][0]:.2f}x, likelihood calls per wall second "
          f"{rate[2] / rate[1]:.2f}x; CPU time 2 procs / 1 proc {out[2][1] / out[1][1]:.2f}; with the compilation: "
          f"{(out[1][0] + out[1][6]) / (out[2][0] + out[2][6]):.2f}x")


if __name__ == "__main__":
    main()
