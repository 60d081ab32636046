"""Benchmark: a run config's global fit end to end (``globalfit run``: compile, nested sampling, saving, plots) with
this checkout and with an earlier commit of it, side by side on the same machine, same config, seed and nlive.

The earlier commit is checked out into a temporary git worktree and run with this interpreter (same dependencies);
each run writes into its own temporary folder and a fresh key folder. This checkout runs twice, with an empty
folder of compiled functions (a first run: everything compiled) and then with the one the first run filled (a
user's next run; ``globalfit.compile_cache``). Prints wall and CPU time of each, the ratios, and the ln Z.

Run: python benchmarks/bench_vs_commit.py [--commit 77569eb] [--run runs/global_b3lmu.yaml]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = "import sys; from globalfit.cli import main; sys.exit(main(sys.argv[1:]))"


def _children_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run(tree: Path, run: Path, out: Path, key_dir: str, functions: str) -> tuple[float, float, float]:
    """(wall s, CPU s, ln Z) of ``globalfit run`` from the checkout ``tree``."""
    env = dict(os.environ, PYTHONPATH=str(tree), GLOBALFIT_KEY_DIR=key_dir, GLOBALFIT_FUNCTION_CACHE=functions)
    wall, cpu = time.perf_counter(), _children_cpu_s()
    subprocess.run([sys.executable, "-c", CLI, "run", str(run), "--out", str(out), "--force"], cwd=tree, env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall, cpu = time.perf_counter() - wall, _children_cpu_s() - cpu
    return wall, cpu, float(json.loads((out / "evidence.json").read_text())["log_evidence"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--commit", default="77569eb", help="the earlier commit")
    ap.add_argument("--run", default="runs/global_b3lmu.yaml", help="run config (this checkout's file, for both)")
    args = ap.parse_args()
    run = (ROOT / args.run).resolve()
    known = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{args.commit}^{{commit}}"],
                           capture_output=True).returncode == 0
    if not known:  # e.g. a shallow clone: nothing to compare with, which is not a failure of this checkout
        print(f"commit {args.commit} is not in this clone's history: nothing to compare with (skipped)")
        return
    with tempfile.TemporaryDirectory(prefix="bench-vs-") as tmp:
        old = Path(tmp) / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), args.commit], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        key, functions = tempfile.mkdtemp(prefix="bench-key-", dir=tmp), str(Path(tmp) / "functions")
        try:
            t_old = _run(old, run, Path(tmp) / "out_old", key, functions)
            t_new = _run(ROOT, run, Path(tmp) / "out_new", key, functions)
            t_warm = _run(ROOT, run, Path(tmp) / "out_warm", key, functions)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)
    print(f"{args.run}: {args.commit} vs this checkout (load average {os.getloadavg()[0]:.2f})")
    for label, (w, c, z) in ((args.commit, t_old), ("this checkout, first run", t_new),
                             ("this checkout, compiled functions kept", t_warm)):
        print(f"  {label}: wall {w:.1f} s, CPU {c:.1f} s, ln Z {z:.3f}")
    print(f"speed-up (wall) {t_old[0] / t_new[0]:.2f}x first run, {t_old[0] / t_warm[0]:.2f}x with the compiled "
          f"functions kept")


if __name__ == "__main__":
    main()
