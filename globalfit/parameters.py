"""Parameter naming convention: nuisance parameters are called ``<dataset id>.<name>``."""

from __future__ import annotations


def split_name(full: str) -> tuple[str | None, str]:
    """``"coherent_csi_2017.norm"`` -> ``("coherent_csi_2017", "norm")``; ``"gprime"`` -> ``(None, "gprime")``."""
    owner, sep, local = full.partition(".")
    return (owner, local) if sep else (None, full)


def nuisance_name(owner: str, local: str) -> str:
    """Full name of the nuisance ``local`` of dataset ``owner``."""
    return f"{owner}.{local}"
