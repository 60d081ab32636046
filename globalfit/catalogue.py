"""The catalogue of datasets: folders under ``likelihoods/``, ``priors/`` and ``projections/``.

``projections/<id>/`` holds projected (future) datasets in the same layout as a likelihood: their data are the
expectation of a future experiment (observed = expected background), so they are used only through the run-config key
``projections:`` and combine with the data as component ``combined_projected``, never as ``combined``.

Each folder ``<section>/<id>/`` holds ``spec.yaml``, its data files, ``SOURCES.md`` and ``MANIFEST.sha256``. The
spec names the component ``kind`` (see :mod:`globalfit.components`), a one-line ``description``, the ``citation``,
``files`` (a mapping of data-file name to its sha256) and the keys of its kind (:mod:`globalfit.schemas`). The
manifest holds the sha256 of ``spec.yaml`` itself, so an edited spec is noticed like a corrupted data file.

When a dataset is loaded (:meth:`Catalogue.get`) everything is checked before a component sees it: the spec's
checksum, its keys against its kind's schema, that ``files`` names plain files inside the folder (no ``..``,
absolute paths or symlinks), each file's sha256, and the header row of each CSV file against the columns its kind
reads. Every problem is a :class:`~globalfit.errors.DataError` naming the dataset, the file and the key or column.

The folders are found in a checkout (next to the package) and in an installed wheel (shipped as
``globalfit/_data/``), plus any folder listed in the environment variable ``GLOBALFIT_DATA_PATH``
(``os.pathsep``-separated roots that contain ``likelihoods/``, ``priors/`` or ``projections/``), so adding a dataset of
an existing kind is a new folder and no code. A folder there that has the id of a built-in dataset is refused
unless the catalogue is built with ``allow_shadowing=True`` (the run-config key ``allow_shadowing: true``).
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any


from globalfit.errors import DataError, UnknownDatasetError
from globalfit.safe_yaml import clip, load_yaml
from globalfit.schemas import DatasetSpec, validate_spec
from globalfit.util import did_you_mean, log_once, sha256_file

SECTIONS = ("likelihoods", "priors", "projections")
SPEC_NAME = "spec.yaml"
MANIFEST_NAME = "MANIFEST.sha256"
#: How to regenerate a dataset folder's checksums, for error messages.
REGENERATE = ("rerun its converter (scripts/convert/), or after a deliberate edit call "
              "globalfit.datatools.refresh_manifest(folder)")


def builtin_roots() -> list[Path]:
    """The roots shipped with globalfit: ``globalfit/_data`` of a wheel and the checkout next to the package."""
    pkg = Path(__file__).resolve().parent
    return [r for r in (pkg / "_data", pkg.parent) if any((r / s).is_dir() for s in SECTIONS)]


def user_roots() -> list[Path]:
    """The roots listed in ``GLOBALFIT_DATA_PATH`` that contain ``likelihoods/`` or ``priors/``."""
    roots = [Path(p) for p in os.environ.get("GLOBALFIT_DATA_PATH", "").split(os.pathsep) if p]
    return [r for r in roots if any((r / s).is_dir() for s in SECTIONS)]


def data_roots() -> list[Path]:
    """Folders that may contain ``likelihoods/`` and ``priors/``, in search order (user roots first)."""
    return user_roots() + builtin_roots()


def read_manifest(folder: Path) -> dict[str, str]:
    """``{file name: sha256}`` of a folder's ``MANIFEST.sha256`` (``sha256sum`` format: ``<hex>  <name>``)."""
    path = folder / MANIFEST_NAME
    out: dict[str, str] = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            raise DataError(f"{path}, line {n}: expected '<sha256>  <file name>'; {REGENERATE}")
        out[name.strip()] = digest
    return out


def csv_header(path: Path) -> list[str]:
    """Column names of a CSV data file: its first line that is not a ``#`` comment (the file is not read further)."""
    with open(path, newline="") as fh:
        for line in fh:
            if line.strip() and not line.lstrip().startswith("#"):
                return [c.strip() for c in next(csv.reader([line]))]
    return []


@dataclass
class DatasetEntry:
    """One dataset folder.

    Attributes
    ----------
    id
        Folder name, used in run configs.
    section
        ``"likelihoods"``, ``"priors"`` or ``"projections"``.
    folder
        Absolute path of the folder.
    spec
        Parsed ``spec.yaml`` (a plain mapping: components read it as such; :meth:`verify` validates it).
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

    @property
    def spec_path(self) -> Path:
        return self.folder / SPEC_NAME

    def verify(self) -> DatasetSpec:
        """Check the folder completely: spec checksum, spec keys, file names, data checksums, CSV columns.

        Returns
        -------
        The validated spec (its kind's schema).

        Raises
        ------
        DataError
            Naming the dataset, the file and the key or column (for a checksum, the expected and found values).
        """
        self._verify_spec_checksum()
        schema = validate_spec(self.spec, self.id, str(self.spec_path))
        for name, expected in schema.files.items():
            path = self._safe_path(name)
            if not path.is_file():
                raise DataError(f"Data file {path} of dataset {self.id!r} is missing (expected sha256 {expected}).")
            found = sha256_file(path)
            if found != expected:
                raise DataError(
                    f"Data file {path} of dataset {self.id!r} is corrupted: sha256 is {found}, expected {expected}. "
                    f"Restore it from the repository or rerun its converter."
                )
        for name, columns in schema.required_columns().items():
            self._check_columns(name, columns, schema)
        return schema

    def _verify_spec_checksum(self) -> None:
        manifest = self.folder / MANIFEST_NAME
        if not manifest.is_file():
            raise DataError(f"dataset {self.id!r}: {manifest} is missing, so {self.spec_path} cannot be checked; "
                            f"{REGENERATE}")
        expected = read_manifest(self.folder).get(SPEC_NAME)
        if expected is None:
            raise DataError(f"dataset {self.id!r}: {manifest} has no checksum for {SPEC_NAME}; {REGENERATE}")
        if sha256_file(self.spec_path) != expected:
            raise DataError(f"dataset {self.id!r}: {self.spec_path} was edited (its sha256 does not match "
                            f"{MANIFEST_NAME}); {REGENERATE}")

    def _safe_path(self, name: str) -> Path:
        """``folder / name`` for a plain relative name that stays inside the folder and crosses no symlink."""
        pure = PurePosixPath(name)
        if not name or pure.is_absolute() or Path(name).is_absolute() or ".." in pure.parts or "\\" in name:
            raise DataError(f"dataset {self.id!r} ({self.spec_path}): file entry {name!r} must be a plain name "
                            "inside the dataset folder (no '..', no absolute path)")
        path = self.folder
        for part in pure.parts:
            path = path / part
            if path.is_symlink():
                raise DataError(f"dataset {self.id!r} ({self.spec_path}): file entry {name!r} is a symlink "
                                f"({path}); data files must be regular files inside the dataset folder")
        return path

    def _check_columns(self, name: str, columns: tuple[str, ...], schema: DatasetSpec) -> None:
        if name not in schema.files:
            raise DataError(f"dataset {self.id!r} ({self.spec_path}): kind {schema.kind!r} reads {name!r}, which is "
                            f"not listed under 'files' (has: {', '.join(sorted(schema.files)) or 'none'})")
        path = self.folder / name
        header = csv_header(path)
        for col in columns:
            if col not in header:
                raise DataError(f"dataset {self.id!r}: {path} has no column {col!r}{did_you_mean(col, header)}; "
                                f"kind {schema.kind!r} reads {', '.join(columns)}")

    def path(self, name: str) -> Path:
        """Path of a data file listed in the spec (checked with :meth:`verify` at load)."""
        files = self.spec.get("files") or {}
        if name not in files:
            raise DataError(f"Dataset {self.id!r} has no data file {name!r} in its spec (has: {sorted(files)}).")
        return self._safe_path(name)

    def read_csv(self, name: str):
        """Read a listed CSV data file with pandas (comment lines start with ``#``)."""
        import pandas as pd

        return pd.read_csv(self.path(name), comment="#")

    def checksums(self) -> dict[str, str]:
        """The sha256 of each data file and of ``spec.yaml``, for the resolved config of a run."""
        out = dict(self.spec.get("files") or {})
        manifest = self.folder / MANIFEST_NAME
        if manifest.is_file():
            out.update({k: v for k, v in read_manifest(self.folder).items() if k == SPEC_NAME})
        return out


class Catalogue:
    """All datasets found under the data roots.

    Parameters
    ----------
    roots
        Folders to search, in order (default: :func:`data_roots`).
    allow_shadowing
        Whether a dataset of a non-built-in root may replace a built-in dataset of the same id (the run config's
        ``allow_shadowing: true``). Without it such an id is refused when it is loaded.
    """

    def __init__(self, roots: list[Path] | None = None, allow_shadowing: bool = False):
        self.roots = roots if roots is not None else data_roots()
        self.allow_shadowing = allow_shadowing
        builtin = {r.resolve() for r in builtin_roots()}
        self._builtin = [r for r in self.roots if Path(r).resolve() in builtin]

    @cached_property
    def _found(self) -> tuple[dict[str, dict[str, DatasetEntry]], dict[tuple[str, str], tuple[Path, Path]]]:
        """The entries (first root that has an id wins) and ``{(section, id): (user folder, built-in folder)}``."""
        out: dict[str, dict[str, DatasetEntry]] = {s: {} for s in SECTIONS}
        shadowed: dict[tuple[str, str], tuple[Path, Path]] = {}
        for root in self.roots:
            builtin = root in self._builtin
            for section in SECTIONS:
                base = root / section
                if not base.is_dir():
                    continue
                for folder in sorted(p for p in base.iterdir() if (p / SPEC_NAME).is_file()):
                    seen = out[section].get(folder.name)
                    if seen is not None:
                        if builtin and seen.folder.parent.parent not in self._builtin:
                            shadowed[(section, folder.name)] = (seen.folder, folder)
                        continue
                    out[section][folder.name] = DatasetEntry(folder.name, section, folder, _read_spec(folder))
        return out, shadowed

    @property
    def entries(self) -> dict[str, dict[str, DatasetEntry]]:
        """``{section: {id: entry}}``; the first root that has an id wins."""
        return self._found[0]

    def ids(self, section: str) -> list[str]:
        """Dataset ids of a section."""
        return sorted(self.entries[section])

    def get(self, dataset_id: str, section: str = "likelihoods", verify: bool = True) -> DatasetEntry:
        """The entry for ``dataset_id`` in ``section``, checked completely (see :meth:`DatasetEntry.verify`).

        Raises
        ------
        UnknownDatasetError
            With a did-you-mean and the list of known ids.
        DataError
            A defect of the dataset folder, or a user dataset that shadows a built-in one without
            ``allow_shadowing``.
        """
        known = self.entries[section]
        if dataset_id not in known:
            other = next((s for s in SECTIONS if s != section and dataset_id in self.entries[s]), None)
            hint = f" (it is listed under {other}/)" if other else did_you_mean(dataset_id, known)
            if other == "projections":
                hint = (f" (it is a projection, projections/{dataset_id}/: list it under 'projections:' of the run "
                        "config, never as data)")
            raise UnknownDatasetError(
                f"unknown dataset {clip(dataset_id)}{hint}; known {section}: {', '.join(sorted(known)) or 'none'}",
                section,
            )
        shadow = self._found[1].get((section, dataset_id))
        if shadow is not None:
            user, builtin = shadow
            if not self.allow_shadowing:
                raise DataError(f"dataset {dataset_id!r} in {user} (from GLOBALFIT_DATA_PATH) has the id of the "
                                f"built-in dataset {builtin}; rename its folder, or set 'allow_shadowing: true' in "
                                "the run config to use it instead of the built-in one")
            log_once(f"dataset {dataset_id!r}: using {user} instead of the built-in {builtin} (allow_shadowing)")
        entry = known[dataset_id]
        if verify:
            entry.verify()
        return entry


def _read_spec(folder: Path) -> dict[str, Any]:
    """The parsed ``spec.yaml`` of a folder: a mapping with a ``kind``."""
    path = folder / SPEC_NAME
    spec = load_yaml(path, "dataset spec", error=DataError) or {}
    if not isinstance(spec, dict) or "kind" not in spec:
        raise DataError(f"Spec {path} must be a mapping with a 'kind' key.")
    return spec
