"""`globalfit scan --resume`: finished rows of a 2-D scan are kept in the verb's partial folder and reused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from globalfit.checkpoint import FinishedStore, seal_path
from globalfit.config import load_config
from globalfit.errors import CheckpointError
from globalfit.frequentist.scan2d import SCAN_CSV, scan2d
from tests.test_resume import key_dir  # noqa: F401 - autouse: a checkpoint key of each test only, never the user's

N = 3


def _config(tmp_path: Path) -> Path:
    raw = {"name": "plane", "model": {"type": "eft"}, "likelihoods": ["coherent_csi_2017"],
           "parameters": {p: {"prior": "uniform", "lower": -0.2, "upper": 0.4} for p in ("eps_u_ee", "eps_u_mumu")},
           "scan": {"x": "eps_u_ee", "y": "eps_u_mumu", "n": N, "processes": 1}, "output": {"dir": str(tmp_path / "o")}}
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_resume_takes_finished_rows_and_refuses_another_grid(tmp_path):
    """A scan keeps one sealed piece per row; on resume a stored row is taken as stored (a marked row no computation
    could give) and the others are the same numbers; another --n is refused (the pieces are sealed with the grid)."""
    cfg = load_config(_config(tmp_path))
    partial = tmp_path / "o_scan.partial"
    first = scan2d(cfg, partial_dir=partial)
    store_keys = FinishedStore(partial, {}).keys()
    assert store_keys == [f"row-{i:04d}" for i in range(N)]
    # plant a marked middle row, sealed with the scan's own meta (taken from a piece it wrote)
    meta = json.loads(seal_path(FinishedStore(partial, {}).path("row-0000")).read_text())["meta"]
    marked = np.full((N, 2), 1.0e6)
    FinishedStore(partial, meta).put("row-0001", marked.tolist())
    again = scan2d(cfg, partial_dir=partial, resume=True)
    _, _, z0 = first.grid("coherent_csi_2017")
    _, _, z1 = again.grid("coherent_csi_2017")
    assert np.allclose(z1[[0, 2]], z0[[0, 2]], rtol=0, atol=1e-9)
    assert np.allclose(z1[1] + again.meta["chi2_min"]["coherent_csi_2017"], 1.0e6)
    with pytest.raises(CheckpointError):
        scan2d(cfg, n=N + 1, partial_dir=partial, resume=True)


def test_cli_scan_refuses_leftover_rows_without_resume_then_resumes(tmp_path, capsys):
    """An interrupted scan's rows in <out>.partial: `scan` without --resume refuses naming --resume and --force; with
    --resume it writes scan2d.csv and removes the partial folder."""
    from globalfit.cli import main

    path = _config(tmp_path)
    cfg = load_config(path)
    partial = tmp_path / "o_scan.partial"
    scan2d(cfg, partial_dir=partial)
    last = FinishedStore(partial, {}).path("row-0002")
    last.unlink()  # as if interrupted before the last row
    seal_path(last).unlink()
    assert main(["scan", str(path)]) == 2
    err = capsys.readouterr().err
    assert "--resume" in err and "--force" in err
    assert main(["-q", "scan", str(path), "--resume"]) == 0
    table = pd.read_csv(tmp_path / "o_scan" / SCAN_CSV)
    assert len(table) == N * N and not partial.exists()
