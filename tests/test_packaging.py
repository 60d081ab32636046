"""The wheel ships the datasets under globalfit/_data/ and the catalogue finds them from an installed package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_ships_datasets_and_catalogue_finds_them(tmp_path):
    pytest.importorskip("hatchling")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr
    wheel = next(tmp_path.glob("globalfit-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = [p for sec in ("likelihoods", "priors") for p in (ROOT / sec).rglob("*") if p.is_file()]
    if not shipped:
        pytest.skip("no datasets in likelihoods/ or priors/ yet")
    for p in shipped:
        assert f"globalfit/_data/{p.relative_to(ROOT).as_posix()}" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = "from globalfit.catalogue import Catalogue; c = Catalogue(); print(c.roots[0]); print(len(c.ids('likelihoods')) + len(c.ids('priors')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                         env={"PYTHONPATH": str(site), "PATH": ""}, check=True).stdout.split()
    assert out[0].endswith("_data")
    n_sets = len({p.parent for p in shipped if p.name == "spec.yaml"})
    assert int(out[1]) == n_sets
