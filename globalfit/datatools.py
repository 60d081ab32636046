"""Writing dataset folders: used by the converter scripts under ``scripts/convert/``.

A converter reads raw material (``../shared/reference/`` or numbers printed in a paper), builds the
project's own tables, and calls :func:`write_dataset`, which writes the data files, ``SOURCES.md``, a
``spec.yaml`` whose ``files`` map carries each file's sha256, and ``MANIFEST.sha256`` with the sha256 of
``spec.yaml`` itself (all checked at load by the catalogue). The folder is checked as the catalogue would check
it (spec keys, columns) before it is renamed into place, so a failed conversion never leaves a half-written or
invalid dataset.

Datasets are written into a checkout (its ``likelihoods/`` and ``priors/``) or under an explicit root, never into
an installed package. Errors are raised (:class:`~globalfit.errors.DataError`); the converter scripts report them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Mapping

import yaml

from globalfit.catalogue import MANIFEST_NAME, SECTIONS, SPEC_NAME, DatasetEntry
from globalfit.errors import DataError
from globalfit.util import sha256_file

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent


def shared_reference() -> Path:
    """Path of the shared reference material (``../shared/reference`` next to the checkout).

    Overridable with ``GLOBALFIT_SHARED``; converters fail with a clear message when it is absent.
    """
    env = os.environ.get("GLOBALFIT_SHARED")
    base = Path(env) if env else REPO_ROOT.parent / "shared"
    return base / "reference"


def checkout_root() -> Path:
    """The repository checkout this package runs from (it has ``pyproject.toml`` and ``likelihoods/``).

    Raises
    ------
    DataError
        When globalfit is installed as a package: datasets are then written under an explicit ``root``.
    """
    if (REPO_ROOT / "pyproject.toml").is_file() and any((REPO_ROOT / s).is_dir() for s in SECTIONS):
        return REPO_ROOT
    raise DataError(f"globalfit runs from an installed package ({PACKAGE_DIR}), not a checkout: pass root= (a "
                    "folder to hold likelihoods/ and priors/, listed in GLOBALFIT_DATA_PATH) to write a dataset")


def _target_root(root: Path | None) -> Path:
    """The root to write into: explicit, or the checkout; never inside the installed package."""
    target = Path(root) if root is not None else checkout_root()
    if target.resolve().is_relative_to(PACKAGE_DIR):
        raise DataError(f"refusing to write a dataset into the globalfit package ({target}); pass another root=")
    return target


def write_manifest(folder: Path) -> Path:
    """Write ``folder/MANIFEST.sha256`` with the sha256 of ``folder/spec.yaml`` as it is now.

    Used by :func:`write_dataset`; call :func:`refresh_manifest` after a deliberate hand edit of a spec.
    """
    spec = Path(folder) / SPEC_NAME
    if not spec.is_file():
        raise DataError(f"{folder} has no {SPEC_NAME}: not a dataset folder")
    path = Path(folder) / MANIFEST_NAME
    path.write_text(f"{sha256_file(spec)}  {SPEC_NAME}\n")
    return path


def refresh_manifest(folder: Path | str) -> Path:
    """Record the current ``spec.yaml`` of a dataset folder as the trusted one (no data file is touched).

    Parameters
    ----------
    folder
        ``<root>/<section>/<id>/``.

    Returns
    -------
    The manifest written.
    """
    return write_manifest(Path(folder))


def write_dataset(
    section: str,
    dataset_id: str,
    spec: Mapping[str, Any],
    files: Mapping[str, Any],
    sources_md: str,
    root: Path | None = None,
) -> Path:
    """Write ``<root>/<section>/<dataset_id>/`` atomically.

    Parameters
    ----------
    section
        ``"likelihoods"`` or ``"priors"``.
    dataset_id
        Folder name.
    spec
        Spec mapping (``kind``, ``description``, ``citation``, kind-specific keys); ``files`` is filled in.
    files
        ``{file name: content}``; a pandas DataFrame is written as CSV (no index), a ``str`` as text, any
        other object as YAML.
    sources_md
        Text of ``SOURCES.md``: the publication, the table or figure, and how the numbers were converted.
    root
        Folder holding ``likelihoods/`` and ``priors/`` (default: this checkout; required when globalfit is
        installed as a package).

    Returns
    -------
    The dataset folder.

    Raises
    ------
    DataError
        An unknown section, no root to write to, or a dataset the catalogue would refuse (named key or column).
    """
    if section not in SECTIONS:
        raise DataError(f"unknown section {section!r} (one of {', '.join(SECTIONS)})")
    dest = _target_root(root) / section / dataset_id
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dataset_id}.", dir=dest.parent))
    try:
        checksums: dict[str, str] = {}
        for name, content in files.items():
            path = tmp / name
            if hasattr(content, "to_csv"):
                content.to_csv(path, index=False, float_format="%.10g", lineterminator="\n")
            elif isinstance(content, str):
                path.write_text(content)
            else:
                path.write_text(yaml.safe_dump(content, sort_keys=False))
            checksums[name] = sha256_file(path)
        (tmp / "SOURCES.md").write_text(sources_md.rstrip() + "\n")
        full_spec = dict(spec)
        full_spec["files"] = checksums
        (tmp / SPEC_NAME).write_text(yaml.safe_dump(full_spec, sort_keys=False, allow_unicode=True, width=110))
        write_manifest(tmp)
        # the checks of a load, so that a converter cannot write a folder the catalogue refuses
        DatasetEntry(dataset_id, section, tmp, full_spec).verify()
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def split_signal_regions(regions: Any, low: str, high: str) -> tuple[Any, Any]:
    """Split a transcribed table of LHC signal regions (columns ``region, kind, <low>, <high>, n_obs, n_bkg,
    n_bkg_unc_total``; ``kind`` is ``exclusive`` or ``inclusive``) into the project's ``exclusive_bins.csv`` and
    ``inclusive_regions.csv`` frames (pT_miss in GeV; an empty upper edge is an open bin, written as inf)."""
    import numpy as np
    import pandas as pd

    ex = regions[regions["kind"] == "exclusive"]
    inc = regions[regions["kind"] == "inclusive"]
    exclusive = pd.DataFrame({"region": ex["region"], "ptmiss_low_GeV": ex[low].astype(float),
                              "ptmiss_high_GeV": ex[high].astype(float).fillna(np.inf),
                              "n_obs": ex["n_obs"].astype(float), "n_bkg": ex["n_bkg"].astype(float),
                              "n_bkg_err": ex["n_bkg_unc_total"].astype(float)})
    inclusive = pd.DataFrame({"region": inc["region"], "ptmiss_threshold_GeV": inc[low].astype(float),
                              "n_obs": inc["n_obs"].astype(float), "n_bkg": inc["n_bkg"].astype(float),
                              "n_bkg_err": inc["n_bkg_unc_total"].astype(float)})
    return exclusive.reset_index(drop=True), inclusive.reset_index(drop=True)


def lhc_inputs(folder: str, table: str) -> tuple[Path, Any]:
    """The reference folder ``../shared/reference/lhc/<folder>`` and the project's signal table
    ``scripts/signal_tables/<table>`` (as a DataFrame) of an LHC converter.

    Raises
    ------
    DataError
        Naming what is missing and how to get it.
    """
    import pandas as pd

    ref = shared_reference() / "lhc" / folder
    if not ref.is_dir():
        raise DataError(f"reference material not found at {ref}; set GLOBALFIT_SHARED")
    path = REPO_ROOT / "scripts" / "signal_tables" / table
    if not path.is_file():
        raise DataError(f"signal table {path} missing: run scripts/build_signal_tables.py first")
    return ref, pd.read_csv(path)
