"""globalfit: Bayesian global fits of neutrino non-standard interactions from a U(1)' Z' boson.

Importing the package is cheap: the heavy libraries (PyMC, PyTensor, ArviZ, dynesty) are imported only by
the modules that need them. The public API is re-exported lazily from here: ``run``, ``limits`` and ``compare``
take a run config (:func:`load_config`) and return result objects that write their folder only on ``.save(dir)``.

>>> import globalfit                                                                  # doctest: +SKIP
>>> r = globalfit.run(globalfit.load_config("runs/quickstart.yaml"))                 # doctest: +SKIP
>>> r.evidence["log_evidence"], r.summary                                             # doctest: +SKIP
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# name -> module that defines it; resolved on first attribute access (PEP 562) so `import globalfit` is fast.
_LAZY = {
    "ChargeAssignment": "globalfit.physics.charges",
    "parse_charges": "globalfit.physics.charges",
    "load_config": "globalfit.config",
    "RunConfig": "globalfit.config",
    "Catalogue": "globalfit.catalogue",
    "run": "globalfit.inference.run",
    "likelihood": "globalfit.likelihood",
    "Likelihood": "globalfit.likelihood",
    "limits": "globalfit.frequentist",
    "predicted_spectrum": "globalfit.spectrum",
    "compare": "globalfit.comparison",
    "load_results": "globalfit.results",
    "RunResult": "globalfit.results",
    "LimitsResult": "globalfit.results",
    "CompareResult": "globalfit.results",
    "Results": "globalfit.results",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'globalfit' has no attribute {name!r}")
