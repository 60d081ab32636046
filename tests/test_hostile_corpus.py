"""The hostile-input corpus (tests/corpus/index.yaml): every case is refused by the CLI with exit code 2 and one line on
stderr naming the key or file, no traceback, within CASE_CPU_S seconds of CPU and MEMORY_LIMIT_BYTES of address space.

Time is bounded in CPU seconds (:data:`CASE_CPU_S`, enforced with RLIMIT_CPU), with a generous wall-clock guard
against hangs, so that the corpus holds on a loaded machine. The cases run as subprocesses, two at a time, in one session fixture (so the whole corpus costs about half the sum
of its cases); each parametrised test then checks its own outcome. A case that today's code does not yet refuse
properly carries ``xfail: needs integration: <file/function>`` in the index and is marked ``xfail(strict=True)``:
once the integration lands it passes, strict-fails, and the marker must be removed from the index.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

#: one subprocess per case (83 of them): part of `make test`, not of `make test-fast`
pytestmark = pytest.mark.slow
import yaml

CORPUS = Path(__file__).resolve().parent / "corpus"
ROOT = CORPUS.parents[1]
#: CPU-time limit of one case [s] (RLIMIT_CPU, so a loaded machine makes a case slower, never wrong): rejecting an input
#: must not need a fit. A `check` takes about 2.5 s of CPU (imports, then the datasets and the Fit are built); `run`
#: and `evaluate` cases must be refused before the fit is compiled.
CASE_CPU_S = {"check": 10, "run": 6, "evaluate": 6}
#: Wall-clock limit of one case [s]: only catches a case that hangs without using CPU (waiting on a lock, a FIFO).
CASE_WALL_S = 120.0
#: Address-space limit of one case [bytes] (a CLI that imports pytensor maps about 1 GB).
MEMORY_LIMIT_BYTES = 3 * 1024**3
#: Cases run concurrently (the machine may have only 2 cores).
WORKERS = 2


def _cases() -> list[dict]:
    return yaml.safe_load((CORPUS / "index.yaml").read_text())["cases"]


CASES = _cases()


@dataclass
class Outcome:
    code: int | None
    stderr: str
    seconds: float
    timed_out: bool


def _limits(cpu_s: int):
    def preexec() -> None:  # runs in the child before exec
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
        # SIGXCPU at the soft limit (the default action ends the process), SIGKILL a second later
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))

    return preexec


def _prepare(case: dict, work: Path) -> Path:
    """The case's working folder with its run config (and the files its setup names)."""
    work.mkdir(parents=True)
    src = CORPUS / case["file"]
    dst = work / "run.yaml"
    if case.get("generate") == "string_1mb":
        dst.write_text("schema_version: 1\nname: '" + "x" * (1 << 20) + "'\n")
    else:
        dst.write_bytes(src.read_bytes())
    setup = case.get("setup")
    if setup:
        kind, name = setup.split(":", 1)
        assert kind == "file", f"unknown setup {setup!r}"
        (work / name).write_text("a file where the output folder should be\n")
    return dst


def _run(case: dict, work: Path, key_dir: Path) -> Outcome:
    cfg = _prepare(case, work)
    roots = [str(CORPUS / "data")] + ([str(CORPUS / "roots" / case["data"])] if case.get("data") else [])
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GLOBALFIT_DATA_PATH": os.pathsep.join(roots),
           "GLOBALFIT_KEY_DIR": str(key_dir), "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    argv = [sys.executable, "-m", "globalfit.cli", case["verb"], cfg.name, *case.get("args", [])]
    t0 = time.monotonic()
    try:
        res = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, errors="replace",
                             timeout=CASE_WALL_S, preexec_fn=_limits(CASE_CPU_S[case["verb"]]))
    except subprocess.TimeoutExpired as exc:
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        return Outcome(None, err, time.monotonic() - t0, True)
    timed_out = res.returncode in (-signal.SIGXCPU, -signal.SIGKILL)
    return Outcome(res.returncode, res.stderr, time.monotonic() - t0, timed_out)


@pytest.fixture(scope="session")
def outcomes(tmp_path_factory) -> dict[str, Outcome]:
    base = tmp_path_factory.mktemp("corpus")
    with ThreadPoolExecutor(WORKERS) as pool:
        futures = {c["id"]: pool.submit(_run, c, base / c["id"], base / "keys") for c in CASES}
        return {cid: f.result() for cid, f in futures.items()}


def _params():
    for c in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=c["xfail"])] if c.get("xfail") else []
        yield pytest.param(c, id=c["id"], marks=marks)


def test_corpus_is_large_and_unique():
    ids = [c["id"] for c in CASES]
    assert len(ids) >= 60 and len(set(ids)) == len(ids)
    assert {c["category"] for c in CASES} >= {"non-finite/out-of-range", "--at values", "hostile YAML",
                                              "output folders", "datasets"}


@pytest.mark.parametrize("case", _params())
def test_case_refused_cleanly(case, outcomes):
    out = outcomes[case["id"]]
    assert not out.timed_out, (f"no answer within {CASE_CPU_S[case['verb']]} s of CPU or {CASE_WALL_S} s of wall "
                               f"clock (code {out.code}, {out.seconds:.1f} s)")
    assert "Traceback" not in out.stderr, out.stderr[-2000:]
    assert out.code == 2, f"exit code {out.code}; stderr: {out.stderr[-500:]!r}"
    lines = [ln for ln in out.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {out.stderr[:1000]!r}"
    assert len(lines[0]) < 1000, f"message of {len(lines[0])} characters echoes the input"
    for needle in case["expect"]:
        assert needle in lines[0], f"{needle!r} not in {lines[0]!r}"
