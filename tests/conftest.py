"""Shared fixtures: paths, the shared reference folder (skip with a reason when absent), small run configs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GLOBALFIT_SHARED", ROOT.parent / "shared"))


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


def profiled_chi2(components, point) -> float:
    """-2 log L of several components at one theory point, each with its nuisances profiled (L-BFGS-B, Gaussian pull
    terms from the components' nuisance priors, normalisations bounded to [-0.99, 3])."""
    import numpy as np
    from scipy.optimize import minimize

    total = 0.0
    for c in components:
        pri = c.nuisance_priors()
        names, sig = [n.name for n in pri], [n.sigma for n in pri]

        def f(v, c=c):
            return -2 * c.log_likelihood(point, dict(zip(names, v))) + sum((x / s) ** 2 for x, s in zip(v, sig))

        total += minimize(f, np.zeros(len(names)), method="L-BFGS-B", bounds=[(-0.99, 3)] * len(names)).fun
    return float(total)
