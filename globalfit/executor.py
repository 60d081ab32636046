"""The one seam for parallel work: map a picklable function over items.

Locally it uses processes (``concurrent.futures.ProcessPoolExecutor``); when the environment variable
``GLOBALFIT_DASK_SCHEDULER`` holds the address of a Dask scheduler, work goes to that cluster instead
(``pip install globalfit[dask]``). ``processes=1`` runs serially in this process (no pickling, easiest to debug).
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Callable, Iterable, Sequence

LOG = logging.getLogger("globalfit.executor")


#: Environment variable capping the worker processes (set by the CLI's ``-j N``).
PROCESSES_ENV = "GLOBALFIT_PROCESSES"


def _cap() -> int | None:
    value = os.environ.get(PROCESSES_ENV, "")
    return max(1, int(value)) if value.isdigit() else None


def default_processes() -> int:
    """Processes to use by default: ``$GLOBALFIT_PROCESSES`` when set, else the CPUs available to this process."""
    if _cap():
        return _cap()
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def parallel_map(fn: Callable[[Any], Any], items: Sequence[Any], processes: int | None = None,
                 progress: str | None = None) -> list[Any]:
    """``[fn(x) for x in items]`` computed in parallel, results in input order.

    Parameters
    ----------
    fn
        Picklable function of one argument.
    items
        Inputs.
    processes
        Worker processes (default: :func:`default_processes`); 1 runs serially.
    progress
        Label for progress lines logged at INFO (``"limits: 12/60"``), or None for silence.
    """
    items = list(items)
    n = len(items)
    address = os.environ.get("GLOBALFIT_DASK_SCHEDULER")
    if address:
        from distributed import Client

        with Client(address) as client:
            futures = client.map(fn, items, pure=False)
            return client.gather(futures)
    processes = min(processes or default_processes(), _cap() or 10**6)  # -j N caps even a configured count
    results: list[Any] = [None] * n
    if processes == 1 or n <= 1:
        for i, x in enumerate(items):
            results[i] = fn(x)
            _progress(progress, i + 1, n)
        return results
    with ProcessPoolExecutor(max_workers=min(processes, n), initializer=_single_threaded_blas) as pool:
        futs = {pool.submit(fn, x): i for i, x in enumerate(items)}
        for done, fut in enumerate(as_completed(futs), start=1):
            results[futs[fut]] = fut.result()
            _progress(progress, done, n)
    return results


def _single_threaded_blas() -> None:
    """Worker initialiser: one BLAS thread per process. Without it each worker's OpenBLAS spins up a thread per core and
    two workers on two cores run 3-4 times slower than one (measured with benchmarks/bench_runs.py)."""
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        pass


def call(job: Callable[[], Any]) -> Any:
    """``job()``: the function :func:`parallel_map` maps over a list of picklable job objects."""
    return job()


def _progress(label: str | None, done: int, total: int) -> None:
    # a log line, not a print: the CLI shows globalfit's INFO lines on stderr, a library caller decides for itself
    if label:
        LOG.info("%s: %d/%d", label, done, total)
