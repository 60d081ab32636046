"""Result folders: the one "output exists" guard and the one staged writer (a temporary sibling folder renamed into
place, so a folder is never half-written), plus the resolved config written into every folder."""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterator

import yaml

from globalfit.errors import OutputExistsError


def partial_dir_for(out_dir: Path) -> Path:
    """Folder of the resumable state (checkpoint, finished pieces) of a verb writing to ``out_dir``: a sibling
    ``<out>.partial/``, because the result folder itself appears only at the end."""
    out_dir = Path(out_dir)
    return out_dir.with_name(out_dir.name + ".partial")


def check_output(out_dir: Path, force: bool = False) -> Path:
    """The output guard: call it before any work so that a long run never ends on a refused folder.

    Raises
    ------
    OutputExistsError
        If ``out_dir`` exists and ``force`` is False.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not force:
        raise OutputExistsError(f"{out_dir} exists already; use --force to replace it or --out to choose another folder.")
    return out_dir


@contextlib.contextmanager
def staged_folder(out_dir: Path, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder next to ``out_dir``; on success it replaces ``out_dir`` atomically, on any error it is
    removed and ``out_dir`` is left as it was.

    Raises
    ------
    OutputExistsError
        If ``out_dir`` exists and ``force`` is False (see :func:`check_output`).
    """
    out_dir = check_output(out_dir, force)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        yield tmp
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
            os.replace(out_dir, old)
            os.replace(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def versions() -> dict[str, str]:
    """Versions of globalfit and the libraries that determine its numbers."""
    out = {}
    for pkg in ("globalfit", "numpy", "scipy", "pymc", "pytensor", "arviz", "dynesty"):
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def resolved_config(cfg, fit=None, extra: dict | None = None) -> dict:
    """The run's config as written to ``config.yaml``: resolved keys, versions, data checksums, seed."""
    d = cfg.resolved_dict()
    d["versions"] = versions()
    if fit is not None:
        d["data_checksums"] = {c.id: c.entry.checksums() for c in fit.components}
        if fit.dropped:
            d["dropped_datasets"] = dict(fit.dropped)
    d["seed"] = cfg.sampler.seed
    if extra:
        d.update(extra)
    return d


def resume_config(resolved: dict) -> dict:
    """The part of a resolved config that decides whether an interrupted verb may be resumed: all of it but where the
    work runs (``limits.processes``, ``sampler.processes``, the ``executor`` block), which changes no number (a scan
    interrupted with 4 processes can go on with 2, or on a Dask cluster). Versions and the output folder are left out
    by :func:`globalfit.checkpoint.config_digest` and checked separately."""
    d = dict(resolved)
    d["limits"] = {k: v for k, v in d.get("limits", {}).items() if k != "processes"}
    if "sampler" in d:
        d["sampler"] = {k: v for k, v in d["sampler"].items() if k != "processes"}
    d.pop("executor", None)
    return d


def write_yaml(path: Path, data: dict) -> None:
    """Write ``data`` as block-style YAML in insertion order."""
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def write_folder(out_dir: Path, writer: Callable[[Path], None], *, force: bool = False) -> Path:
    """Write a result folder through :func:`staged_folder`: ``writer(tmp)`` fills the temporary folder."""
    with staged_folder(out_dir, force=force) as tmp:
        writer(tmp)
    return Path(out_dir)
