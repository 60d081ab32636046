"""Likelihood components: one module per kind. Importing a module registers its classes."""

from __future__ import annotations

import importlib
import pkgutil

from globalfit.components.base import Component, CountingRegion, NuisancePrior, component_class, register

__all__ = ["Component", "CountingRegion", "NuisancePrior", "component_class", "register", "load_all"]

_LOADED = False


def load_all() -> None:
    """Import every module of this package once, so their ``@register`` decorators run."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for mod in pkgutil.iter_modules(__path__):
        if mod.name != "base" and not mod.name.startswith("_"):
            importlib.import_module(f"{__name__}.{mod.name}")
