"""The quickstart notebook runs top to bottom on a small result folder (so it cannot rot)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_quickstart_notebook_executes(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from globalfit.cli import main

    raw = yaml.safe_load((ROOT / "runs" / "quickstart.yaml").read_text())
    raw["sampler"] = {"method": "nested", "nlive": 60, "dlogz": 1.0, "seed": 1}
    raw["limits"] = {"masses_GeV": [0.05, 1.0], "processes": 1}
    cfg = tmp_path / "nb.yaml"
    cfg.write_text(yaml.safe_dump(raw))
    out = tmp_path / "results" / "quickstart"  # where `make run` puts it, relative to the checkout
    assert main(["run", str(cfg), "--out", str(out)]) == 0
    assert main(["limits", str(cfg), "--out", str(tmp_path / "results" / "quickstart_limits")]) == 0
    nb = nbformat.read(ROOT / "notebooks" / "quickstart.ipynb", as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit the notebook without outputs"
    # opened from notebooks/ without GLOBALFIT_RESULTS: the notebook finds results/quickstart in the folder above
    monkeypatch.delenv("GLOBALFIT_RESULTS", raising=False)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    (tmp_path / "notebooks").mkdir()
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path / "notebooks")}}).execute()
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "quickstart" in text
