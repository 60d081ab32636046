"""Small shared helpers: did-you-mean suggestions, checksums, logging set-up."""

from __future__ import annotations

import difflib
import hashlib
import logging
from pathlib import Path
from typing import Iterable

LOG = logging.getLogger("globalfit")


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest of ``choices``, or ``""``."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_warned: set[str] = set()


def log_once(message: str, level: int = logging.INFO) -> None:
    """Log ``message`` once per process (e.g. "prior X has no sensitivity to these charges")."""
    if message not in _warned:
        _warned.add(message)
        LOG.log(level, message)
