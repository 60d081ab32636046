"""2-D profile scans (``globalfit scan``): scan2d.csv, the contour plot, and agreement with profile_chi2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from globalfit.cli import main

N = 9


def _config(tmp_path: Path, datasets: list[str], extra: dict | None = None) -> Path:
    cfg = {"name": "plane", "model": {"type": "eft"},
           "parameters": {p: {"prior": "uniform", "lower": -0.4, "upper": 0.8} for p in ("eps_u_ee", "eps_u_mumu")},
           "likelihoods": datasets, "output": {"dir": str(tmp_path / "out")}} | (extra or {})
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.fixture(scope="module")
def csi_osc_scan(tmp_path_factory):
    """CsI 2017 + oscillations in (eps_u_ee, eps_u_mumu), 9 x 9 (one task per row)."""
    tmp = tmp_path_factory.mktemp("scan2d")
    cfg = _config(tmp, ["coherent_csi_2017", "oscillation_esteban2018"])
    out = tmp / "scan"
    assert main(["-j", "1", "scan", str(cfg), "--x", "eps_u_ee", "--y", "eps_u_mumu", "--n", str(N),
                 "--out", str(out)]) == 0
    return cfg, out


def test_scan_writes_table_and_plot_with_zero_minima(csi_osc_scan):
    _, out = csi_osc_scan
    table = pd.read_csv(out / "scan2d.csv")
    assert list(table.columns) == ["x", "y", "delta_chi2_coherent_csi_2017", "delta_chi2_oscillation_esteban2018",
                                   "delta_chi2_combined"]
    assert len(table) == N * N
    assert np.allclose(np.unique(table["x"]), np.linspace(-0.4, 0.8, N))
    for col in table.columns[2:]:
        assert np.isfinite(table[col]).all()
        assert table[col].min() == 0.0 and table[col].max() > 5.99  # every term excludes part of the plane
    assert (out / "plots" / "scan2d.png").stat().st_size > 10_000
    meta = yaml.safe_load((out / "config.yaml").read_text())["scan2d"]
    assert meta["x"] == "eps_u_ee" and meta["y"] == "eps_u_mumu" and meta["n"] == N


def test_scan_region_matches_profile_chi2(csi_osc_scan):
    """The combined Delta chi^2 of the table equals profile_chi2 (the path of `globalfit limits`) minus the grid
    minimum at a few points, to 1e-6 absolute, and so the 95 % region (Delta chi^2 < 5.99) is the same."""
    from globalfit.config import load_config
    from globalfit.frequentist import profile_chi2
    from globalfit.model import Fit

    cfg, out = csi_osc_scan
    table = pd.read_csv(out / "scan2d.csv")
    fit = Fit(load_config(cfg))
    best = table.loc[table["delta_chi2_combined"].idxmin()]
    chi_min = profile_chi2(fit, {"eps_u_ee": best["x"], "eps_u_mumu": best["y"]})
    inside = table[table["delta_chi2_combined"] < 5.99].iloc[0]
    outside = table[table["delta_chi2_combined"] > 5.99].iloc[-1]
    for row in (inside, outside, table.iloc[N * N // 2]):
        d = profile_chi2(fit, {"eps_u_ee": row["x"], "eps_u_mumu": row["y"]}) - chi_min
        assert d == pytest.approx(row["delta_chi2_combined"], abs=1e-6)
        assert (d < 5.99) == (row["delta_chi2_combined"] < 5.99)


def test_scan_bad_axes_are_one_line_errors(tmp_path, capsys):
    cfg = _config(tmp_path, ["coherent_csi_2017"])
    assert main(["scan", str(cfg), "--x", "eps_d_ee", "--y", "eps_u_mumu", "--n", "3"]) == 2
    assert "'eps_d_ee' is not a free theory parameter" in capsys.readouterr().err
    assert main(["scan", str(cfg), "--x", "eps_u_ee", "--y", "eps_u_ee", "--n", "3"]) == 2
    assert main(["scan", str(cfg), "--n", "3"]) == 2
    assert "needs two parameters" in capsys.readouterr().err


def test_scan_block_gives_axes_range_and_fixed_values(tmp_path):
    """The scan: block alone (no --x/--y) runs; with a third free parameter it must be fixed in scan.at."""
    from globalfit.config import parse_config
    from globalfit.errors import ConfigError
    from globalfit.frequentist.scan2d import scan2d

    base = {"model": {"type": "eft"}, "likelihoods": ["coherent_csi_2017"],
            "parameters": {p: {"prior": "uniform", "lower": -1.0, "upper": 1.0}
                           for p in ("eps_u_ee", "eps_u_mumu", "eps_d_ee")}}
    scan = {"x": "eps_u_ee", "y": "eps_u_mumu", "n": 2, "x_range": [0.0, 0.1], "processes": 1}
    with pytest.raises(ConfigError, match="eps_d_ee in scan.at"):
        scan2d(parse_config(base | {"scan": scan}))
    res = scan2d(parse_config(base | {"scan": scan | {"at": {"eps_d_ee": 0.0}}}))
    assert np.allclose(np.unique(res.table["x"]), [0.0, 0.1]) and np.allclose(np.unique(res.table["y"]), [-1.0, 1.0])
    assert res.meta["at"] == {"eps_d_ee": 0.0}


def test_plot_redraws_a_scan_folder_and_load_scan_checks_it(csi_osc_scan, tmp_path):
    """`globalfit plot DIR` on a scan folder redraws plots/scan2d.png from scan2d.csv; load_scan gives back the axes
    and the table; a folder without the scan2d block is a DataError naming it."""
    from globalfit.errors import DataError
    from globalfit.frequentist.scan2d import load_scan

    _, out = csi_osc_scan
    png = out / "plots" / "scan2d.png"
    png.unlink()
    assert main(["plot", str(out)]) == 0 and png.stat().st_size > 10_000
    res = load_scan(out)
    assert (res.x_name, res.y_name) == ("eps_u_ee", "eps_u_mumu") and len(res.table) == N * N
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "scan2d.csv").write_text("x,y\n0,0\n")
    (tmp_path / "bad" / "config.yaml").write_text("name: x\n")
    with pytest.raises(DataError, match="no scan2d block"):
        load_scan(tmp_path / "bad")
