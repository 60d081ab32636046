"""Benchmark: the fixed cost of compiling in a fresh process (globalfit.compile_cache), each variant in its own
subprocess, in the same run:

- PyTensor's module-cache read with Python's garbage collector on (PyTensor as it comes) vs paused and frozen
  (``load_module_cache``), with the number of modules in the compiledir;
- the profile functions of runs/global_b3lmu.yaml (8 datasets) compiled vs loaded from the function cache kept
  across runs (a temporary folder, filled by the first variant).

Run: python benchmarks/bench_module_cache.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

READ = """
import gc, json, time
import pytensor
from pytensor.link.c.basic import get_module_cache
mode = {mode!r}
t = time.perf_counter()
if mode == "paused":
    from globalfit.compile_cache import load_module_cache
    load_module_cache()
else:
    get_module_cache()
print(json.dumps({{"s": time.perf_counter() - t, "modules": len(get_module_cache().module_hash_to_key_data)}}))
"""

COMPILE = """
import json, time
import globalfit
from globalfit.compile_cache import load_module_cache
from globalfit.model import Fit
fit = Fit(globalfit.load_config({run!r}))
load_module_cache()
t = time.perf_counter()
for j in range(len(fit.components)):
    fit.component_profile(j)
print(json.dumps({{"s": time.perf_counter() - t}}))
"""


def _child(code: str, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    on = _child(READ.format(mode="on"), env)
    paused = _child(READ.format(mode="paused"), env)
    print(f"PyTensor module-cache read ({on['modules']} modules): collector on {on['s']:.2f} s, "
          f"paused and frozen {paused['s']:.2f} s ({on['s'] / paused['s']:.1f}x)")
    run = str(ROOT / "runs" / "global_b3lmu.yaml")
    with tempfile.TemporaryDirectory() as cache:
        env_cache = {**env, "GLOBALFIT_FUNCTION_CACHE": cache}
        cold = _child(COMPILE.format(run=run), {**env, "GLOBALFIT_FUNCTION_CACHE": "off"})
        _child(COMPILE.format(run=run), env_cache)  # fills the cache
        warm = _child(COMPILE.format(run=run), env_cache)
    print(f"profile functions of global_b3lmu (8 datasets): compiled {cold['s']:.2f} s, from the function cache "
          f"{warm['s']:.2f} s ({cold['s'] / warm['s']:.1f}x)")
    print(f"(os.cpu_count() = {os.cpu_count()}, load average {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
