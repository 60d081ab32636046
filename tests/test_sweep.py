"""globalfit sweep: points of the r-basis grid (paper 004 eq. 2), the sweep table against `limits` on each point
alone, resume, and the CLI verb."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from globalfit.config import parse_config
from globalfit.errors import ConfigError
from globalfit.sweep import point_config, r_coordinates, sweep, sweep_points

#: Paper 004 Table 2's electrophobic models and their r-basis coordinates (r_BL, r_mutau, r_mue), by hand from eq. 2:
#: Q_e = -r_BL - r_mue = 0, Q_mu = -r_BL + r_mutau + r_mue, Q_tau = -r_BL - r_mutau (the text: B-3Ltau is r_mutau = 2).
TABLE2 = {"B-3Ltau": (1, 2, -1), "B-3/2Lmu-3/2Ltau": (1, Fraction(1, 2), -1), "B-3Lmu": (1, -1, -1)}

RAW = {
    "schema_version": 1, "name": "sweep",
    "model": {"type": "u1", "charges": "B-3Lmu"},
    "parameters": {"gprime": {"prior": "log-uniform", "lower": 1e-6, "upper": 1.0},
                   "mass_GeV": {"prior": "log-uniform", "lower": 0.005, "upper": 1e4}},
    "likelihoods": [{"id": "oscillation_esteban2018", "options": {"matter": "p+n"}}],
    "sweep": {"grid": {"r_BL": 1, "r_mutau": {"start": -1, "stop": 2, "num": 7}, "r_mue": -1},
              "masses_GeV": [0.1, 10.0]},
}


def test_grid_points_contain_table2_models():
    """The grid r_mutau = -1 ... 2 in 7 steps (exact rationals) holds Table 2's three models, with r coordinates that
    invert eq. 2 exactly."""
    points = sweep_points(parse_config(RAW))
    assert len(points) == 7
    by_charges = {p.charges: p.r for p in points}
    for expr, r in TABLE2.items():
        assert by_charges[expr] == tuple(Fraction(x) for x in r)
    from globalfit.physics.charges import parse_charges

    assert r_coordinates(parse_charges("B-3Lmu")) == (1, -1, -1)


def test_bad_sweep_blocks():
    """No points, an anomalous charge point, and a dataset set are checked with the key named."""
    with pytest.raises(ConfigError, match="sweep: a sweep needs 'charges'"):
        parse_config({**RAW, "sweep": {"masses_GeV": [1.0]}})
    with pytest.raises(ConfigError, match=r"sweep.charges\[0\]: .*not anomaly-free"):
        sweep_points(parse_config({**RAW, "sweep": {"charges": ["Lmu"]}}))
    with pytest.raises(ConfigError, match="sweep: 'datasets' must be"):
        parse_config({**RAW, "sweep": {"charges": ["B-3Lmu"], "datasets": [[]]}})
    cfg = parse_config({**RAW, "priors": ["ccfr_trident"],
                        "sweep": {"charges": ["B-3Lmu"], "datasets": [["oscillation_esteban2018", "ccfr_trident"]]}})
    pc = point_config(cfg, sweep_points(cfg)[0])
    assert [r.id for r in pc.likelihoods] == ["oscillation_esteban2018"] and [r.id for r in pc.priors] == ["ccfr_trident"]
    assert pc.likelihoods[0].options == {"matter": "p+n"}  # the run's options of the dataset are kept


@pytest.mark.slow
def test_sweep_equals_limits_on_each_point_and_resumes(tmp_path):
    """For Table 2's three models the sweep's combined profile limits (M/g') equal those `globalfit limits` computes on
    each model alone (its per-mass function scan_mass on a Fit of that model alone; same code path: to 1e-9 relative, well inside the 1 % asked); a resume over a complete store computes
    nothing and gives the same table."""
    from globalfit.frequentist import scan
    from globalfit.model import Fit

    # r_mutau = -1, 1/2, 2: exactly Table 2's three models (the 7-point grid of RAW holds them too, at 2x the cost)
    cfg = parse_config({**RAW, "sweep": {**RAW["sweep"], "grid": {**RAW["sweep"]["grid"],
                                                                   "r_mutau": {"start": -1, "stop": 2, "num": 3}}}})
    result = sweep(cfg, partial_dir=tmp_path / "partial")
    t = result.table
    assert set(t["point"]) == set(range(3)) and set(t["mass_GeV"]) == {0.1, 10.0}
    for expr in TABLE2:
        alone = parse_config({**RAW, "model": {"type": "u1", "charges": expr},
                              "limits": {"masses_GeV": [0.1, 10.0]}})
        fit = Fit(alone)
        crange = scan.coupling_range(alone, fit)
        for m in (0.1, 10.0):
            ref = [r for r in scan.scan_mass(fit, m, 4.0, crange) if r["component"] == "combined"][0]["upper"]
            got = t[(t["charges"] == expr) & (t["mass_GeV"] == m) & (t["component"] == "combined")
                    & (t["method"] == "delta_chi2_profile")]
            assert len(got) == 1
            assert got["upper"].iloc[0] == pytest.approx(ref, rel=1e-9)
            assert got["M_over_g_GeV"].iloc[0] == pytest.approx(m / ref, rel=1e-9)
    again = sweep(cfg, partial_dir=tmp_path / "partial", resume=True).table
    assert np.allclose(again["upper"].to_numpy(), t["upper"].to_numpy(), equal_nan=True)
    out = result.save(tmp_path / "out")
    assert (out / "sweep.csv").is_file() and (out / "plots" / "sweep.png").is_file()
