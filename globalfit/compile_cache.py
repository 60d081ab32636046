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
``python benchmarks/bench_module_cache.py`` measures it.
"""

from __future__ import annotations

import gc
from typing import Any

_LOADED = False


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


def function(inputs: list, outputs: Any, **kwargs: Any):
    """``pytensor.function(inputs, outputs, **kwargs)`` after :func:`load_module_cache`: every compilation of the
    package goes through here."""
    load_module_cache()
    import pytensor

    return pytensor.function(inputs, outputs, **kwargs)
