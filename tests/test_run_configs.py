"""Every run config shipped in runs/ passes ``globalfit check``: it parses, every dataset exists, supports the model
and accepts its options (the configs are documentation users copy, so none may rot)."""

from __future__ import annotations

import pytest

from globalfit.cli import _dataset_errors
from globalfit.config import load_config
from tests.conftest import ROOT

RUNS = sorted((ROOT / "runs").glob("*.yaml"))


def test_runs_are_found():
    assert len(RUNS) >= 10 and ROOT / "runs" / "paper001_fig3.yaml" in RUNS


@pytest.mark.parametrize("path", RUNS, ids=lambda p: p.name)
def test_run_config_checks(path):
    """``globalfit check`` on the config finds no error (the same function the CLI verb calls)."""
    assert _dataset_errors(load_config(path)) == []
