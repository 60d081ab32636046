"""The catalogue of datasets: folders under ``likelihoods/`` and ``priors/``.

Each folder ``<section>/<id>/`` holds ``spec.yaml``, its data files and ``SOURCES.md``. The spec names the
component ``kind`` (see :mod:`globalfit.components`), a one-line ``description``, the ``citation``, and
``files``: a mapping of data-file name to its sha256, checked when the dataset is loaded.

The folders are found in a checkout (next to the package) and in an installed wheel (shipped as
``globalfit/_data/``), plus any folder listed in the environment variable ``GLOBALFIT_DATA_PATH``
(``os.pathsep``-separated roots that contain ``likelihoods/`` and/or ``priors/``), so adding a dataset of
an existing kind is a new folder and no code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from globalfit.errors import DataError, UnknownDatasetError
from globalfit.util import did_you_mean, sha256_file

SECTIONS = ("likelihoods", "priors")
SPEC_NAME = "spec.yaml"


def data_roots() -> list[Path]:
    """Folders that may contain ``likelihoods/`` and ``priors/``, in search order."""
    pkg = Path(__file__).resolve().parent
    roots = [Path(p) for p in os.environ.get("GLOBALFIT_DATA_PATH", "").split(os.pathsep) if p]
    roots += [pkg / "_data", pkg.parent]
    return [r for r in roots if any((r / s).is_dir() for s in SECTIONS)]


@dataclass
class DatasetEntry:
    """One dataset folder.

    Attributes
    ----------
    id
        Folder name, used in run configs.
    section
        ``"likelihoods"`` or ``"priors"``.
    folder
        Absolute path of the folder.
    spec
        Parsed ``spec.yaml``.
    """

    id: str
    section: str
    folder: Path
    spec: dict[str, Any] = field(repr=False)

    @property
    def kind(self) -> str:
        return str(self.spec.get("kind", ""))

    @property
    def description(self) -> str:
        return " ".join(str(self.spec.get("description", "")).split())

    @property
    def citation(self) -> str:
        return " ".join(str(self.spec.get("citation", "")).split())

    def verify(self) -> None:
        """Check every data file listed under ``files`` exists and matches its sha256.

        Raises
        ------
        DataError
            Naming the file, and for a mismatch the expected and found checksums.
        """
        files = self.spec.get("files") or {}
        for name, expected in files.items():
            path = self.folder / name
            if not path.is_file():
                raise DataError(f"Data file {path} of dataset {self.id!r} is missing (expected sha256 {expected}).")
            found = sha256_file(path)
            if found != expected:
                raise DataError(
                    f"Data file {path} of dataset {self.id!r} is corrupted: sha256 is {found}, expected {expected}. "
                    f"Restore it from the repository or rerun its converter."
                )

    def path(self, name: str) -> Path:
        """Path of a data file listed in the spec (checked with :meth:`verify` at load)."""
        files = self.spec.get("files") or {}
        if name not in files:
            raise DataError(f"Dataset {self.id!r} has no data file {name!r} in its spec (has: {sorted(files)}).")
        return self.folder / name

    def read_csv(self, name: str):
        """Read a listed CSV data file with pandas (comment lines start with ``#``)."""
        import pandas as pd

        return pd.read_csv(self.path(name), comment="#")

    def read_yaml(self, name: str) -> Any:
        """Read a listed YAML data file."""
        with open(self.path(name)) as fh:
            return yaml.safe_load(fh)

    def checksums(self) -> dict[str, str]:
        """The spec's checksums, for the resolved config of a run."""
        return dict(self.spec.get("files") or {})


class Catalogue:
    """All datasets found under the data roots.

    Parameters
    ----------
    roots
        Folders to search (default: :func:`data_roots`).
    """

    def __init__(self, roots: list[Path] | None = None):
        self.roots = roots if roots is not None else data_roots()

    @cached_property
    def entries(self) -> dict[str, dict[str, DatasetEntry]]:
        """``{section: {id: entry}}``; the first root that has an id wins."""
        out: dict[str, dict[str, DatasetEntry]] = {s: {} for s in SECTIONS}
        for root in self.roots:
            for section in SECTIONS:
                base = root / section
                if not base.is_dir():
                    continue
                for folder in sorted(p for p in base.iterdir() if (p / SPEC_NAME).is_file()):
                    if folder.name in out[section]:
                        continue
                    try:
                        spec = yaml.safe_load((folder / SPEC_NAME).read_text()) or {}
                    except yaml.YAMLError as exc:
                        raise DataError(f"Spec {folder / SPEC_NAME} is not valid YAML: {exc}") from None
                    if not isinstance(spec, dict) or "kind" not in spec:
                        raise DataError(f"Spec {folder / SPEC_NAME} must be a mapping with a 'kind' key.")
                    out[section][folder.name] = DatasetEntry(folder.name, section, folder, spec)
        return out

    def ids(self, section: str) -> list[str]:
        """Dataset ids of a section."""
        return sorted(self.entries[section])

    def get(self, dataset_id: str, section: str = "likelihoods", verify: bool = True) -> DatasetEntry:
        """The entry for ``dataset_id`` in ``section``, with its data files verified.

        Raises
        ------
        UnknownDatasetError
            With a did-you-mean and the list of known ids.
        """
        known = self.entries[section]
        if dataset_id not in known:
            other = next((s for s in SECTIONS if s != section and dataset_id in self.entries[s]), None)
            hint = f" (it is listed under {other}/)" if other else did_you_mean(dataset_id, known)
            raise UnknownDatasetError(
                f"unknown dataset {dataset_id!r}{hint}; known {section}: {', '.join(sorted(known)) or 'none'}",
                section,
            )
        entry = known[dataset_id]
        if verify:
            entry.verify()
        return entry
