"""Writing dataset folders: used by the converter scripts under ``scripts/convert/``.

A converter reads raw material (``../shared/reference/`` or numbers printed in a paper), builds the
project's own tables, and calls :func:`write_dataset`, which writes the data files, ``SOURCES.md`` and a
``spec.yaml`` whose ``files`` map carries each file's sha256 (checked at load by the catalogue).
Everything is written to a temporary folder first and renamed into place, so a failed conversion never
leaves a half-written dataset.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Mapping

import yaml

from globalfit.util import sha256_file

REPO_ROOT = Path(__file__).resolve().parent.parent


def shared_reference() -> Path:
    """Path of the shared reference material (``../shared/reference`` next to the checkout).

    Overridable with ``GLOBALFIT_SHARED``; converters fail with a clear message when it is absent.
    """
    env = os.environ.get("GLOBALFIT_SHARED")
    base = Path(env) if env else REPO_ROOT.parent / "shared"
    return base / "reference"


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
        Repository root (default: this checkout).

    Returns
    -------
    The dataset folder.
    """
    root = root or REPO_ROOT
    dest = root / section / dataset_id
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
        (tmp / "spec.yaml").write_text(yaml.safe_dump(full_spec, sort_keys=False, allow_unicode=True, width=110))
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
    ``scripts/signal_tables/<table>`` (as a DataFrame) of an LHC converter; exits with a one-line message naming
    what is missing."""
    import sys

    import pandas as pd

    ref = shared_reference() / "lhc" / folder
    if not ref.is_dir():
        sys.exit(f"reference material not found at {ref}; set GLOBALFIT_SHARED")
    path = REPO_ROOT / "scripts" / "signal_tables" / table
    if not path.is_file():
        sys.exit(f"signal table {path} missing: run scripts/build_signal_tables.py first")
    return ref, pd.read_csv(path)
