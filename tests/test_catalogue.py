"""Catalogue: dataset folders found by id, checksums verified at load, clear errors for missing or corrupted files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from globalfit.catalogue import Catalogue
from globalfit.datatools import write_dataset
from globalfit.errors import DataError, UnknownDatasetError


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    write_dataset(
        "likelihoods", "toy_counts",
        {"kind": "gaussian_toy", "description": "A toy dataset\nsecond line", "citation": "nobody",
         "parameter": "eps_u_ee", "mean": 0.0, "sigma": 1.0},
        {"counts.csv": pd.DataFrame({"bin": [1, 2], "n": [3, 4]})},
        "# toy\nMade up for a test.",
        root=tmp_path,
    )
    return tmp_path


def test_found_and_verified(root):
    cat = Catalogue([root])
    assert cat.ids("likelihoods") == ["toy_counts"]
    e = cat.get("toy_counts")
    assert e.description == "A toy dataset second line"
    assert list(e.read_csv("counts.csv")["n"]) == [3, 4]
    assert (e.folder / "SOURCES.md").is_file()


def test_corrupted_file_names_file_and_checksum(root):
    path = root / "likelihoods" / "toy_counts" / "counts.csv"
    expected = Catalogue([root]).get("toy_counts").checksums()["counts.csv"]
    path.write_text(path.read_text() + "9,9\n")
    with pytest.raises(DataError, match=rf"counts.csv.*corrupted.*expected {expected}"):
        Catalogue([root]).get("toy_counts")


def test_missing_file(root):
    (root / "likelihoods" / "toy_counts" / "counts.csv").unlink()
    with pytest.raises(DataError, match="counts.csv.*missing"):
        Catalogue([root]).get("toy_counts")


def test_unknown_id_suggests(root):
    with pytest.raises(UnknownDatasetError, match="did you mean 'toy_counts'"):
        Catalogue([root]).get("toy_count")


def test_wrong_section_is_explained(root):
    with pytest.raises(UnknownDatasetError, match="listed under likelihoods/"):
        Catalogue([root]).get("toy_counts", "priors")


def test_shipped_datasets_verify():
    """Every dataset shipped in likelihoods/ and priors/ has a spec with kind, description, citation, SOURCES.md,
    matching checksums, and a registered component class."""
    from globalfit.components.base import registered_kinds

    cat = Catalogue()
    kinds = registered_kinds()
    for section in ("likelihoods", "priors"):
        for i in cat.ids(section):
            e = cat.get(i, section)
            assert e.kind in kinds, f"{section}/{i}: kind {e.kind!r} has no component"
            assert e.description and e.citation, f"{section}/{i}: description and citation are required"
            assert (e.folder / "SOURCES.md").is_file()
