"""The one seam for parallel work: map a picklable function over items.

Where the work goes is chosen by the run config's ``executor:`` block (or the CLI's ``--scheduler ADDRESS``), made
active for a block of code by :func:`using`:

- ``kind: processes`` (default): local worker processes (``concurrent.futures.ProcessPoolExecutor``), at most
  ``$GLOBALFIT_PROCESSES`` (the CLI's ``-j N``); ``processes=1`` runs serially in this process (no pickling, easiest
  to debug);
- ``kind: dask``: a Dask cluster (``pip install 'globalfit[dask]'``): the scheduler at ``address`` (a cluster started
  by ``dask-jobqueue`` on SLURM, say), or without an address a ``distributed.LocalCluster`` of ``workers`` processes
  started for the block and closed after it. The environment variable ``GLOBALFIT_DASK_SCHEDULER`` still selects a
  scheduler when no executor is active.

The likelihood objects of a task (:class:`globalfit.model.Fit`) are shipped to each worker once, not once per task,
and kept there in a per-process cache keyed by the digest of their pickle, so that their compiled functions are built
once per worker however many small tasks it runs. A task that fails can become a substitute result (``on_error``,
e.g. a NaN row with the reason) instead of ending the whole map.

:class:`WorkerPool` keeps local workers up across many small maps (nested sampling maps each iteration's proposals),
and :func:`single_blas_thread` gives the serial path the one BLAS thread every worker has.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import io
import logging
import os
import pickle
import sys
import threading
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

from globalfit.errors import ConfigError

LOG = logging.getLogger("globalfit.executor")

#: Environment variable capping the worker processes (set by the CLI's ``-j N``).
PROCESSES_ENV = "GLOBALFIT_PROCESSES"
#: Environment variable naming a Dask scheduler when no executor is active (kept for older scripts).
SCHEDULER_ENV = "GLOBALFIT_DASK_SCHEDULER"
#: Seconds to wait for a Dask scheduler before calling it unreachable.
CONNECT_TIMEOUT_S = 10.0
#: Fits kept per worker process (each holds compiled functions of some MB; a sweep visits many).
CACHE_SIZE = 16


@dataclass
class ExecutorSpec:
    """Where :func:`parallel_map` sends work (the ``executor:`` block of a run config).

    Attributes
    ----------
    kind
        ``"processes"`` or ``"dask"``.
    address
        Dask scheduler address (``tcp://host:8786``); None starts a ``LocalCluster`` (kind dask).
    workers
        Worker processes of a ``LocalCluster`` (default: :func:`default_processes`).
    key
        Config path named in error messages (``executor.address`` or ``--scheduler``).
    """

    kind: str = "processes"
    address: str | None = None
    workers: int | None = None
    key: str = "executor"
    _client: Any = field(default=None, repr=False)
    _cluster: Any = field(default=None, repr=False)

    def client(self):
        """The Dask client of this block, connected (or its LocalCluster started) on first use."""
        if self._client is None:
            self._client, self._cluster = _connect(self)
        return self._client

    def close(self) -> None:
        for obj in (self._client, self._cluster):
            if obj is not None:
                with contextlib.suppress(Exception):  # closing a cluster that already went away is not an error
                    obj.close()
        self._client = self._cluster = None


_ACTIVE: contextvars.ContextVar[ExecutorSpec | None] = contextvars.ContextVar("globalfit_executor", default=None)


@contextlib.contextmanager
def using(config: Any = None, *, scheduler: str | None = None) -> Iterator[ExecutorSpec]:
    """Make an executor active for the block: every :func:`parallel_map` inside it uses it.

    Parameters
    ----------
    config
        The ``executor:`` block of a run config (:class:`globalfit.config.ExecutorConfig`, or anything with ``kind``,
        ``address``, ``workers``), or None for the default (local processes).
    scheduler
        A Dask scheduler address overriding the config (the CLI's ``--scheduler``); implies kind dask.

    Raises
    ------
    ConfigError
        On first use of a Dask executor: without the ``dask`` extra, or for an unreachable scheduler.
    """
    kind = getattr(config, "kind", "processes")
    address = getattr(config, "address", None)
    key = "executor"
    if scheduler:
        kind, address, key = "dask", scheduler, "--scheduler"
    spec = ExecutorSpec(kind=kind, address=address, workers=getattr(config, "workers", None), key=key)
    token = _ACTIVE.set(spec)
    try:
        yield spec
    finally:
        _ACTIVE.reset(token)
        spec.close()


def active() -> ExecutorSpec | None:
    """The executor made active by :func:`using` (or by ``$GLOBALFIT_DASK_SCHEDULER``), None for local processes."""
    spec = _ACTIVE.get()
    if spec is None and os.environ.get(SCHEDULER_ENV):
        spec = ExecutorSpec(kind="dask", address=os.environ[SCHEDULER_ENV], key=SCHEDULER_ENV)
        _ACTIVE.set(spec)  # one connection for the rest of this context, not one per map
    return spec if spec is not None and spec.kind == "dask" else None


def _cap() -> int | None:
    value = os.environ.get(PROCESSES_ENV, "")
    return max(1, int(value)) if value.isdigit() else None


def default_processes() -> int:
    """Parallel slots to size work for: the worker threads of an active Dask cluster; else ``$GLOBALFIT_PROCESSES``
    when set, else the CPUs available to this process."""
    spec = active()
    if spec is not None:
        return max(1, sum(spec.client().nthreads().values()))
    if _cap():
        return _cap()
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def parallel_map(fn: Callable[[Any], Any], items: Sequence[Any], processes: int | None = None,
                 progress: str | None = None,
                 on_error: Callable[[Any, BaseException], Any] | None = None, compiles: bool = False) -> list[Any]:
    """``[fn(x) for x in items]`` computed in parallel, results in input order.

    Parameters
    ----------
    fn
        Picklable function of one argument.
    items
        Inputs; many small ones are fine (the Fits they hold are sent to each worker once and compiled once there).
    processes
        Local worker processes (default: :func:`default_processes`); 1 runs serially. Ignored on a Dask cluster.
    progress
        Label for progress lines logged at INFO as results arrive (``"limits: 12/60"``), or None for silence.
    on_error
        ``on_error(item, exc)`` gives the result of an item whose task raised (e.g. NaN rows with the reason); None
        lets the exception end the map.
    compiles
        The tasks compile PyTensor graphs (implied when they hold likelihoods, :class:`globalfit.model.Fit`): local
        workers then inherit PyTensor's module cache read once here (:mod:`globalfit.compile_cache`) instead of each
        reading it, one after the other under PyTensor's compile lock.
    """
    items = list(items)
    spec = active()
    if spec is not None:
        return _dask_map(spec, fn, items, progress, on_error)
    processes = min(processes or default_processes(), _cap() or 10**6)  # -j N caps even a configured count
    n = len(items)
    results: list[Any] = [None] * n
    if processes == 1 or n <= 1:
        with single_blas_thread():
            for i, x in enumerate(items):
                results[i] = _guarded(fn, x, on_error)
                _progress(progress, i + 1, n)
        return results
    shared, packed = _pack(fn, items)
    if shared or compiles:
        # the workers will compile: read PyTensor's module cache here, once, and the workers forked below inherit it
        from globalfit.compile_cache import load_module_cache

        load_module_cache()
    freeze_before_fork()
    with ProcessPoolExecutor(max_workers=min(processes, n), initializer=_init_worker, initargs=(shared,)) as pool:
        futs = {pool.submit(_run_packed, p): i for i, p in enumerate(packed)}
        for done, fut in enumerate(as_completed(futs), start=1):
            i = futs[fut]
            results[i] = _outcome(fut, items[i], on_error)
            _progress(progress, done, n)
    return results


class WorkerPool:
    """Local worker processes that stay up for a block of many small maps, with the pool interface dynesty expects
    (``map(fn, items)`` and ``size``).

    :func:`parallel_map` starts its workers per call, which suits a few long tasks (a mass of a scan); a nested
    sampler maps a batch of ``size`` proposals once per iteration, thousands of times a run (each batch tens of
    milliseconds), so its workers must outlive the maps and a map must cost little besides its work. The calling
    process is one of the ``size``: it sends each of the ``size - 1`` workers its share of the items down the worker's
    own pipe, computes the first share itself, then reads the workers' answers. No helper thread stands in between:
    through ``concurrent.futures`` (a manager and a feeder thread in the calling process) a worker's share of a batch
    of the global fit (~40 ms of work) started 5 ms after it was submitted and its answer arrived 7 ms after the worker
    finished; through the pipes 1.4 and 3.5 ms (measured with timestamps in both processes; a shorter interpreter
    switch interval did not shorten the threads' delays, so their cause is not pinned down). Each worker runs ``setup()`` once when it starts (e.g. to install the
    likelihood it will compile on first use), with one BLAS thread, ignoring SIGINT: an interrupt is the parent's to
    handle, which then ends the pool. The calling process must have run ``setup()`` itself.

    Parameters
    ----------
    processes
        Processes working on each map, the calling one included (capped by ``$GLOBALFIT_PROCESSES``, the CLI's
        ``-j N``).
    setup
        Picklable callable of no argument run in each worker at start (None: nothing).
    """

    #: Seconds a worker is given to finish after the pool closes, before it is terminated.
    JOIN_TIMEOUT_S = 10.0

    def __init__(self, processes: int, setup: Callable[[], Any] | None = None):
        self.size = max(1, min(int(processes), _cap() or 10**6))
        self.setup = setup
        self._workers: list[tuple[Any, Any]] | None = None  # (process, connection) of each worker

    def __enter__(self) -> "WorkerPool":
        import multiprocessing

        ctx = multiprocessing.get_context()
        if self.size > 1:
            freeze_before_fork()
        self._workers = []
        try:
            for _ in range(self.size - 1):
                mine, theirs = ctx.Pipe()
                proc = ctx.Process(target=_pool_worker, args=(theirs, self.setup), daemon=True)
                proc.start()
                theirs.close()  # the worker's end: this process keeps only its own
                self._workers.append((proc, mine))
        except BaseException:
            self.__exit__()
            raise
        return self

    def map(self, fn: Callable[[Any], Any], items) -> list[Any]:
        """``[fn(x) for x in items]`` in input order: consecutive items split into ``size`` shares, the first
        computed here, each other one sent to a worker as one message.

        Raises
        ------
        RuntimeError
            Outside the with-block, or when a worker process has died (its exit code in the message).
        Exception
            The first exception raised by ``fn`` (in this process or a worker), after every share is done.
        """
        if self._workers is None:
            raise RuntimeError("WorkerPool.map outside its with-block")
        items = list(items)
        share = max(1, -(-len(items) // self.size))
        shares = [items[i:i + share] for i in range(share, len(items), share)]
        busy = self._workers[:len(shares)]
        for (_, conn), part in zip(busy, shares):
            conn.send((fn, part))
        failure: BaseException | None = None
        try:
            out = [fn(x) for x in items[:share]]
        except Exception as exc:  # the workers' answers are read all the same, so the pipes stay in step
            failure, out = exc, []
        for proc, conn in busy:
            try:
                status, value = conn.recv()
            except (EOFError, OSError):
                proc.join(1.0)
                raise RuntimeError(f"a worker process of the pool ended unexpectedly (exit code {proc.exitcode})") \
                    from None
            if status == "ok":
                out.extend(value)
            elif failure is None:
                failure = value
        if failure is not None:
            raise failure
        return out

    def __exit__(self, *exc) -> None:
        workers, self._workers = self._workers or [], None
        for _, conn in workers:
            with contextlib.suppress(OSError):
                conn.send(None)  # stop after the current share
        for proc, conn in workers:
            proc.join(self.JOIN_TIMEOUT_S)
            if proc.is_alive():
                proc.terminate()
                proc.join()
            conn.close()


def _pool_worker(conn, setup: Callable[[], Any] | None) -> None:
    """A :class:`WorkerPool` worker: ``setup()``, then one share per message until ``None`` or a closed pipe."""
    _init_pool_worker(setup)
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):  # the parent has gone
            return
        if msg is None:
            return
        fn, part = msg
        try:
            answer = ("ok", [fn(x) for x in part])
        except Exception as exc:
            answer = ("error", exc)
        try:
            conn.send(answer)
        except Exception as exc:  # an exception that cannot be pickled: its text instead
            conn.send(("error", RuntimeError(f"in a worker process: {answer[1]!r} ({exc})")))


def freeze_before_fork() -> None:
    """Collect, then freeze every object of this process (``gc.freeze``) before local workers are forked.

    A forked worker starts with a copy of this process's heap: PyTensor's module cache (millions of objects), the
    compiled likelihood, the data. Python's collector would walk all of it in each worker at every full collection,
    and by touching each object's header copy its memory page by page; frozen objects are skipped. The collection
    first, so that no garbage is frozen (frozen objects are never freed by the collector).
    """
    import gc

    gc.collect()
    gc.freeze()


def _init_pool_worker(setup: Callable[[], Any] | None) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _init_worker()
    if setup is not None:
        setup()


def _dask_map(spec: ExecutorSpec, fn, items: list, progress: str | None, on_error) -> list[Any]:
    client = spec.client()  # first: without the dask extra this is the ConfigError saying so
    from distributed import as_completed as dask_completed

    shared, packed = _pack(fn, items)
    # the Fits go to every worker once; each task names them by digest (scattered as one object in a list: a dict
    # would be scattered value by value under its own keys, which the next map's scatter would then release)
    shared_future = client.scatter([shared], broadcast=True, hash=False)[0] if shared else None
    futures = [client.submit(_run_packed, p, shared_future, pure=False) for p in packed]
    index = {f.key: i for i, f in enumerate(futures)}
    results: list[Any] = [None] * len(items)
    try:
        for done, fut in enumerate(dask_completed(futures), start=1):
            i = index[fut.key]
            results[i] = _outcome(fut, items[i], on_error)
            _progress(progress, done, len(items))
    finally:
        client.cancel(futures)  # an interrupted map leaves no work behind on the cluster
    return results


def _guarded(fn, x, on_error):
    if on_error is None:
        return fn(x)
    try:
        return fn(x)
    except Exception as exc:  # the caller asked for a substitute result: any failure of the task qualifies
        LOG.warning("task failed (%s: %s); its result is replaced", type(exc).__name__, exc)
        return on_error(x, exc)


def _outcome(fut, item, on_error):
    """A finished future's result, or ``on_error``'s substitute for its exception."""
    if on_error is None:
        return fut.result()
    try:
        return fut.result()
    except Exception as exc:  # includes a worker killed under the task (KilledWorker, BrokenProcessPool)
        LOG.warning("task failed (%s: %s); its result is replaced", type(exc).__name__, exc)
        return on_error(item, exc)


# ----------------------------------------------------------------------------------------------------------
# Dask connection
def _connect(spec: ExecutorSpec):
    """``(client, cluster)``: a client of the scheduler at ``spec.address``, or of a new LocalCluster."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError("the dask executor needs the dask extra: pip install 'globalfit[dask]'",
                          f"{spec.key}.kind" if spec.key == "executor" else spec.key) from None
    if spec.address:
        if spec.workers:
            LOG.warning("%s: 'workers' is ignored with a scheduler address (the cluster has its own)", spec.key)
        try:
            client = Client(spec.address, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            where = f"{spec.key}.address" if spec.key == "executor" else spec.key
            raise ConfigError(f"cannot reach the Dask scheduler at {spec.address!r} within {CONNECT_TIMEOUT_S:g} s "
                              f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no answer'})",
                              where) from None
        LOG.info("Dask scheduler %s: %d worker(s)", spec.address, len(client.nthreads()))
        return client, None
    n = spec.workers or (_cap() or _local_cpus())
    # one thread per worker: PyTensor's compiled functions are not made for concurrent calls, and BLAS is limited too
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None)
    LOG.info("Dask LocalCluster with %d worker(s) started", n)
    return Client(cluster), cluster


def _local_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# ----------------------------------------------------------------------------------------------------------
# Tasks: the Fits are pickled once per map, named by digest, cached per worker process
def _is_shared(obj: Any) -> bool:
    # by name, so that the executor needs no import of the model (and so of PyTensor)
    model = sys.modules.get("globalfit.model")
    return model is not None and type(obj) is getattr(model, "Fit", None)


class _Packer(pickle.Pickler):
    def __init__(self, buf, shared: dict[str, bytes], seen: dict[int, str]):
        super().__init__(buf, protocol=pickle.HIGHEST_PROTOCOL)
        self.shared, self.seen = shared, seen

    def persistent_id(self, obj):
        if not _is_shared(obj):
            return None
        token = self.seen.get(id(obj))
        if token is None:
            data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
            token = hashlib.sha256(data).hexdigest()
            self.shared[token] = data
            self.seen[id(obj)] = token
        return ("fit", token)


def _pack(fn, items: list) -> tuple[dict[str, bytes], list[bytes]]:
    """``(shared, tasks)``: the pickles of the Fits by digest and one pickle of ``(fn, item)`` per item naming them."""
    shared: dict[str, bytes] = {}
    seen: dict[int, str] = {}
    packed = []
    for x in items:
        buf = io.BytesIO()
        _Packer(buf, shared, seen).dump((fn, x))
        packed.append(buf.getvalue())
    return shared, packed


_SHARED: dict[str, bytes] = {}
_CACHE: "OrderedDict[tuple, Any]" = OrderedDict()
_CACHE_LOCK = threading.Lock()
_WORKER_READY = False


def worker_cached(key: Any, build: Callable[[], Any]) -> Any:
    """``build()`` once per worker process and thread for ``key`` (hashable), then the same object.

    Compiled PyTensor functions are not thread-safe, so each thread of a multi-threaded Dask worker gets its own; the
    oldest entries go beyond :data:`CACHE_SIZE`.
    """
    full = (key, threading.get_ident())
    with _CACHE_LOCK:
        if full in _CACHE:
            _CACHE.move_to_end(full)
            return _CACHE[full]
    obj = build()
    with _CACHE_LOCK:
        _CACHE[full] = obj
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return obj


class _Unpacker(pickle.Unpickler):
    def __init__(self, buf, shared: dict[str, bytes]):
        super().__init__(buf)
        self.shared = shared

    def persistent_load(self, pid):
        kind, token = pid
        if kind != "fit":  # pragma: no cover - only _Packer writes these pickles
            raise pickle.UnpicklingError(f"unknown shared object {kind!r}")
        return worker_cached(("fit", token), lambda: pickle.loads(self.shared[token]))


def _init_worker(shared: dict[str, bytes] | None = None) -> None:
    """Worker initialiser: one BLAS thread per process, and the Fits of the map."""
    global _WORKER_READY
    if shared:
        _SHARED.update(shared)
    if not _WORKER_READY:
        _single_threaded_blas()
        _WORKER_READY = True


def _run_packed(task: bytes, shared: dict[str, bytes] | None = None) -> Any:
    """Worker side of a task: resolve its Fits from the per-process cache (unpickled on first use) and call it."""
    _init_worker()
    # on Dask the Fits come with the task (held once per worker by Dask); in a process pool from the initialiser
    fn, x = _Unpacker(io.BytesIO(task), shared if shared is not None else _SHARED).load()
    return fn(x)


def _single_threaded_blas() -> None:
    """One BLAS thread per process. Without it each worker's OpenBLAS spins up a thread per core and two workers on
    two cores run 3-4 times slower than one (measured with benchmarks/bench_runs.py)."""
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        pass


@contextlib.contextmanager
def single_blas_thread() -> Iterator[None]:
    """One BLAS thread (numpy's and scipy's OpenBLAS, through threadpoolctl at run time, so it works after import)
    for the block, restored after it: the serial path of the same work a worker does.

    Our arrays are small, so BLAS threads only cost: on 2 busy cores scipy's L-BFGS-B (which calls BLAS for its
    2-vectors) took 2.7 ms per iteration with 2 OpenBLAS threads and 0.01 ms with one (cProfile of one mass of
    runs/global_b3lmu.yaml, 28.7 s vs 0.1 s in ``setulb``).

    Cheap enough to enter per optimisation: threadpoolctl finds the loaded libraries by reading the process's memory
    map (~5 ms a time, half the time of a limits scan when done per optimisation), so that is done once per process,
    and nested blocks cost nothing (only the outermost one sets and restores the limit).
    """
    global _BLAS_DEPTH
    if _BLAS_DEPTH:
        yield
        return
    global _BLAS_CONTROLLER
    if _BLAS_CONTROLLER is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - threadpoolctl is a dependency
            yield
            return
        _BLAS_CONTROLLER = ThreadpoolController()  # scans the loaded libraries once per process
    _BLAS_DEPTH += 1
    try:
        with _BLAS_CONTROLLER.limit(limits=1):
            yield
    finally:
        _BLAS_DEPTH -= 1


#: Depth of nested :func:`single_blas_thread` blocks in this process (threads share it: the limit is process-wide).
_BLAS_DEPTH = 0
#: threadpoolctl's view of the thread pools of this process, found on first use (numpy and scipy loaded by then).
_BLAS_CONTROLLER = None


def call(job: Callable[[], Any]) -> Any:
    """``job()``: the function :func:`parallel_map` maps over a list of picklable job objects."""
    return job()


def _progress(label: str | None, done: int, total: int) -> None:
    # a log line, not a print: the CLI shows globalfit's INFO lines on stderr, a library caller decides for itself
    if label:
        LOG.info("%s: %d/%d", label, done, total)
