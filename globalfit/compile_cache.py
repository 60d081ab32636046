"""PyTensor compilation: one entry point that first loads PyTensor's on-disk module cache cheaply.

PyTensor keeps every C module it ever compiled under its ``compiledir`` and, in each new process, reads the key of
every one of them before the first compilation (``ModuleCache.refresh``). Unpickling those keys creates millions of
small objects (3.0 million for a compiledir of 1685 modules), and Python's cyclic garbage collector, triggered over
and over while they accumulate, walks all of them each time: on this project's development machine the read took
10.3 s with the collector on and 3.7 s with it paused. Worse, the collections that follow in the same process (the
graph rewrites of every later compilation allocate a lot) walk them again: 1.7 s per full collection, measured in the
second compilation of a profile function.

:func:`load_module_cache` therefore reads the cache once per process with the collector paused and then freezes
what exists (``gc.freeze``: moved to a permanent generation that later collections skip; the keys live as long as the
process anyway). Worker processes forked after it inherit the loaded, frozen cache and read nothing.

Compiled functions are also kept across runs: PyTensor caches the C code of a graph on disk, but not the rewritten
graph itself, and the rewrites are most of a compilation (2-5 s for the likelihood of the global fit, per process).
:func:`function` with a ``cache_key`` stores the compiled function (a pickle: the rewritten graph, linked again on
load) in ``$GLOBALFIT_FUNCTION_CACHE`` (default ``$XDG_CACHE_HOME/globalfit/functions``, i.e.
``~/.cache/globalfit/functions``; ``off`` disables it) under a name that digests

- the caller's key (the likelihood's content, :meth:`globalfit.model.Fit.content_digest`, and which function);
- the source code of the installed globalfit package (every ``.py`` file), and the versions of Python, numpy,
  scipy and PyTensor with PyTensor's compilation settings (mode, linker, optimizer, floatX, compiler),

so a change of the code, the data, the config or the libraries is a new name, never a stale function. Loading a
pickle runs code chosen by whoever wrote it, so each file is sealed with the per-user key of
:mod:`globalfit.checkpoint` and loaded only if the seal verifies (a file planted, modified or written by another user
is ignored and rebuilt). A file that cannot be read or written is never an error: the function is compiled as
without a cache. The folder is kept under :data:`MAX_CACHE_BYTES` (least recently used files go first).

The call path (:func:`call_mode`, measured with ``python benchmarks/bench_call_path.py``): PyTensor's C backend with
intermediate results kept between calls (``allow_gc=False``: no allocation per call) and, where PyTensor found no BLAS
to link its C code to (a pip installation without a system BLAS, the usual case), without its BLAS rewrites: they
would turn each matrix-vector product into a ``Gemv`` that then runs in Python (~20 µs each), where the plain ``Dot``
calls numpy's own BLAS. For a value-only function called a hundred thousand times (nested sampling) the numba backend
is several times cheaper per call again, but its compilation takes seconds more and, for graphs with gradients,
minutes: :func:`function` takes it only when asked (``backend="numba"``), and keeps no numba function across runs (a
pickled one is compiled again on its first call, slower than compiling it afresh).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import logging
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

LOG = logging.getLogger("globalfit.compile_cache")

#: Environment variable: the folder of compiled functions kept across runs, or ``off``.
CACHE_ENV = "GLOBALFIT_FUNCTION_CACHE"
#: The folder is pruned to this size [bytes] (a compiled likelihood is 0.1-10 MB).
MAX_CACHE_BYTES = 2 * 1024**3
#: Bumped when the layout of the cache files or the compilation mode of :func:`call_mode` changes.
CACHE_FORMAT = 3
#: Graph rewrites left out of every compilation. ``local_greedy_distributor`` (factor common terms out of products and
#: quotients, to save multiplications) searches the whole product tree of every ``mul``/``true_div`` node, again after
#: each change: compiling the gradient graph of an LHC resonance search with the mass free (dilepton + mono-jet,
#: ``Fit.compiled("total")`` under cProfile) took 192 s, 133 s of them in this rewrite; without it 21 s. Calls cost the
#: same within the run-to-run noise (``python benchmarks/bench_call_path.py``).
SLOW_REWRITES = ("local_greedy_distributor",)
#: Backends :func:`function` compiles for.
BACKENDS = ("c", "numba")

_LOADED = False
_FINGERPRINT: str | None = None


def load_module_cache() -> None:
    """Read PyTensor's module cache for this process (once; later calls and forked children do nothing).

    The garbage collector is paused during the read and restored after it, then ``gc.freeze()`` exempts the
    objects of the read from later collections (module docstring).
    """
    global _LOADED
    if _LOADED:
        return
    from pytensor.link.c.basic import get_module_cache

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        get_module_cache()
    finally:
        if was_enabled:
            gc.enable()
    gc.freeze()
    _LOADED = True


def function(inputs: list, outputs: Any, *, cache_key: str | None = None, backend: str = "c", **kwargs: Any):
    """``pytensor.function(inputs, outputs, mode=call_mode(backend), **kwargs)`` after :func:`load_module_cache`:
    every compilation of the package goes through here.

    Parameters
    ----------
    inputs, outputs, kwargs
        As for ``pytensor.function``.
    cache_key
        A string that determines the graph completely together with the installed code (e.g. a likelihood's content
        digest and the name of the function): the compiled function is then kept across runs (module docstring).
        None compiles without the cache. Ignored for ``backend="numba"``.
    backend
        ``"c"`` (default) or ``"numba"`` (module docstring: for value-only functions called very often).
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
    kwargs.setdefault("mode", call_mode(backend))
    if backend == "numba":
        import pytensor

        return pytensor.function(inputs, outputs, **kwargs)
    load_module_cache()
    folder = cache_dir() if cache_key is not None else None
    path = folder / f"{_file_key(cache_key)}.pkl" if folder is not None else None
    if path is not None:
        fn = _load(path)
        if fn is not None:
            return fn
    import pytensor

    fn = pytensor.function(inputs, outputs, **kwargs)
    if path is not None:
        _store(path, fn)
    return fn


@functools.lru_cache(maxsize=None)  # one mode object per backend and process, not one per compilation
def call_mode(backend: str = "c"):
    """The PyTensor compilation mode of ``backend`` (module docstring): ``"numba"``, or the C backend's ``FAST_RUN``
    with ``allow_gc=False`` and, when PyTensor has no BLAS to link to, without its BLAS rewrites."""
    from pytensor.compile.mode import get_mode

    if backend == "numba":
        return get_mode("NUMBA").excluding(*SLOW_REWRITES)
    mode = get_mode("FAST_RUN").clone(link_kwargs={"allow_gc": False}).excluding(*SLOW_REWRITES)
    return mode if _blas_linked() else mode.excluding("BlasOpt")


def _blas_linked() -> bool:
    """Whether PyTensor's C code links to a BLAS (its warning that it found none is this module's to act on)."""
    import warnings

    import pytensor

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PyTensor could not link to a BLAS")
        return bool(pytensor.config.blas__ldflags)


def cache_dir() -> Path | None:
    """The folder of compiled functions kept across runs, or None when ``$GLOBALFIT_FUNCTION_CACHE`` is ``off``."""
    value = os.environ.get(CACHE_ENV, "").strip()
    if value.lower() in ("off", "0", "no", "false", "none"):
        return None
    if value:
        return Path(value)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "globalfit" / "functions"


def fingerprint() -> str:
    """sha256 (hex) of the installed globalfit source and of the libraries and settings a compiled function depends
    on (module docstring); computed once per process."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        import numpy
        import pytensor
        import scipy

        h = hashlib.sha256(f"format {CACHE_FORMAT}\n".encode())
        root = Path(__file__).resolve().parent
        for src in sorted(root.rglob("*.py")):
            h.update(str(src.relative_to(root)).encode() + b"\0" + src.read_bytes() + b"\0")
        cfg = pytensor.config
        for item in (sys.version, numpy.__version__, scipy.__version__, pytensor.__version__, cfg.mode, cfg.linker,
                     cfg.optimizer, cfg.floatX, cfg.cxx, cfg.gcc__cxxflags, _blas_linked()):
            h.update(str(item).encode() + b"\0")
        _FINGERPRINT = h.hexdigest()
    return _FINGERPRINT


def _file_key(cache_key: str) -> str:
    return hashlib.sha256(f"{fingerprint()}\0{cache_key}".encode()).hexdigest()


def _meta(path: Path) -> dict[str, str]:
    return {"kind": "compiled function", "name": path.stem}


def _load(path: Path):
    """The compiled function stored at ``path`` if it is there and its seal verifies, else None (and a bad file
    removed, so that it is written afresh)."""
    from globalfit.checkpoint import seal_path, verified_bytes
    from globalfit.errors import CheckpointError

    if not path.is_file():
        return None
    try:
        data = verified_bytes(path, _meta(path))
        fn = pickle.loads(data)
    except (CheckpointError, OSError) as exc:
        LOG.debug("compiled function %s not used (%s)", path.name, exc)
        for p in (path, seal_path(path)):
            with contextlib.suppress(OSError):
                p.unlink()
        return None
    except Exception as exc:  # noqa: BLE001 - a sealed file that no longer loads (a library changed under it): rebuild
        LOG.debug("compiled function %s does not load (%s: %s)", path.name, type(exc).__name__, exc)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # least recently used go first when the folder is pruned
    LOG.debug("compiled function %s from the cache", path.name)
    return fn


def _store(path: Path, fn: Any) -> None:
    """Write ``fn`` to ``path`` (atomically) with its seal; any failure only means no cache."""
    from globalfit.checkpoint import seal

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = pickle.dumps(fn, protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        seal(path, _meta(path))
        _prune(path.parent)
    except Exception as exc:  # noqa: BLE001 - a cache that cannot be written is no error (read-only home, full disk)
        LOG.debug("compiled function not kept in %s (%s: %s)", path.parent, type(exc).__name__, exc)


def _prune(folder: Path, limit: int = MAX_CACHE_BYTES) -> None:
    """Remove the least recently used functions (and their seals) until the folder holds at most ``limit`` bytes."""
    from globalfit.checkpoint import seal_path

    files = []
    for p in folder.glob("*.pkl"):
        with contextlib.suppress(OSError):
            st = p.stat()
            files.append((st.st_mtime, st.st_size, p))
    total = sum(size for _, size, _ in files)
    for _, size, p in sorted(files):
        if total <= limit:
            break
        for q in (p, seal_path(p)):
            with contextlib.suppress(OSError):
                q.unlink()
        total -= size


class _CanonicalPickler(pickle._Pickler):  # the Python pickler: the C one writes sets in hash order
    """A pickler whose bytes do not depend on the process: sets are written sorted (string hashes are salted per
    process, so a set's iteration order is not)."""

    dispatch = dict(pickle._Pickler.dispatch)

    def _save_sorted_set(self, obj):
        self.save_reduce(type(obj), (sorted(obj, key=repr),), obj=obj)

    dispatch[set] = _save_sorted_set
    dispatch[frozenset] = _save_sorted_set


def content_digest(obj: Any) -> str:
    """sha256 (hex) of a canonical pickle of ``obj``: equal for equal content in any process."""
    import io

    buf = io.BytesIO()
    # protocol 4: at 5 the Python pickler writes numpy's buffers without its memo check, and two empty arrays (one
    # b'' object) then fail its assertion
    _CanonicalPickler(buf, protocol=4).dump(obj)
    return hashlib.sha256(buf.getvalue()).hexdigest()
