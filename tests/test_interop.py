"""globalfit.interop: pyhf export of the counting LHC datasets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pyhf = pytest.importorskip("pyhf")

from globalfit.cli import main  # noqa: E402
from globalfit.config import load_config  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def test_export_pyhf_validates(tmp_path):
    """`globalfit export pyhf runs/paper000_lhc.yaml --mass 2000` writes a workspace and a patchset that validate
    with pyhf.schema and open as pyhf objects; the CMS channel has its 22 exclusive bins, observed counts equal
    the dataset's, and the reference signal is 2 sigma in the most sensitive bin."""
    from globalfit.interop.pyhf import REFERENCE_SIGNIFICANCE
    from globalfit.model import Fit

    out = tmp_path / "ws"
    assert main(["export", "pyhf", str(ROOT / "runs" / "paper000_lhc.yaml"), "--mass", "2000", "--out", str(out)]) == 0
    ws = json.loads((out / "workspace.json").read_text())
    ps = json.loads((out / "patchset.json").read_text())
    pyhf.schema.validate(ws, "workspace.json")
    pyhf.schema.validate(ps, "patchset.json")
    w = pyhf.Workspace(ws)
    patches = pyhf.PatchSet(ps)
    assert len(patches.patches) == 13 and patches.labels == ["mass_GeV", "width_ratio"]
    comp = Fit(load_config(ROOT / "runs" / "paper000_lhc.yaml")).components[0]
    obs = ws["observations"][0]["data"]
    assert obs == list(comp.n_obs) and len(obs) == 22
    sig = np.array(ws["channels"][0]["samples"][0]["data"])
    assert np.max(sig / np.sqrt(comp.n_obs + comp.bkg_var)) == pytest.approx(REFERENCE_SIGNIFICANCE, rel=1e-6)
    patched = patches.apply(w, patches.patches[0].name)  # a signal point opens as a workspace
    assert patched.model().config.poi_name == "mu"


def test_export_needs_a_counting_dataset(capsys):
    """The quickstart has no mono-X dataset: a one-line error naming the key, exit 2."""
    assert main(["export", "pyhf", str(ROOT / "runs" / "quickstart.yaml"), "--mass", "100", "--out", "/tmp/none"]) == 2
    assert "monox_inclusive" in capsys.readouterr().err
