"""Shared fixtures: paths, the shared reference folder (skip with a reason when absent), small run configs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GLOBALFIT_SHARED", ROOT.parent / "shared"))
# compiled functions are not kept across runs in the tests (inherited by the command-line and notebook subprocesses):
# a test that patches a physics function must see it compiled; tests/test_compile_cache.py turns the cache on
os.environ["GLOBALFIT_FUNCTION_CACHE"] = "off"


@pytest.fixture()
def shared_reference() -> Path:
    """../shared/reference, or skip: tests that re-derive numbers from the raw releases need it."""
    ref = SHARED / "reference"
    if not ref.is_dir():
        pytest.skip(f"shared reference material not found at {ref} (set GLOBALFIT_SHARED)")
    return ref


def quickstart_raw() -> dict:
    return yaml.safe_load((ROOT / "runs" / "quickstart.yaml").read_text())


@pytest.fixture()
def write_config(tmp_path):
    """Write a run config (mapping, merged over the quickstart) and return its path."""

    def _write(changes: dict, name: str = "run.yaml") -> Path:
        raw = quickstart_raw()
        raw.update(changes)
        raw.setdefault("output", {})["dir"] = str(tmp_path / "out")
        path = tmp_path / name
        path.write_text(yaml.safe_dump(raw))
        return path

    return _write


@pytest.fixture(scope="session")
def nnpdf23():
    """The NNPDF2.3 LO grid of ../shared/reference/pdf, or skip (the project ships computed tables, not grids)."""
    from globalfit.physics.lhc.pdf import GridPDF

    path = SHARED / "reference" / "pdf" / "NNPDF23_lo_as_0130_qed" / "NNPDF23_lo_as_0130_qed_0000.dat"
    if not path.is_file():
        pytest.skip(f"PDF grid not found at {path} (needs ../shared; the project ships computed tables, not grids)")
    return GridPDF(path)


def eft_profile(datasets: list[str], eft_parameters: tuple[str, ...] = ("eps_u_ee", "eps_d_ee", "eps_u_mumu",
                                                                         "eps_d_mumu")):
    """chi^2 of ``datasets`` in eft mode with their nuisances profiled, as a function of a mapping of eps values (the
    others 0): globalfit.frequentist.profile_chi2 on the compiled graph of a Fit, the path `globalfit limits` takes."""
    from globalfit.config import parse_config
    from globalfit.frequentist import profile_chi2
    from globalfit.model import Fit

    fit = Fit(parse_config({
        "model": {"type": "eft"}, "likelihoods": list(datasets),
        "parameters": {p: {"prior": "uniform", "lower": -1.0, "upper": 1.0} for p in eft_parameters}}))

    def chi2(values: dict[str, float]) -> float:
        return profile_chi2(fit, {p: 0.0 for p in eft_parameters} | dict(values))

    return chi2
