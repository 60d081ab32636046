"""Every allowed interval of the coupling (globalfit.frequentist.intervals, intervals.csv of `globalfit limits`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from globalfit.frequentist.intervals import INTERVAL_COLUMNS, Interval, allowed_intervals

A, S, LEVEL = 1.0, 0.1, 4.0


def toy(c):
    """Two degenerate minima at c = 0 and c = A: chi^2 = ((c^2 - A c)/S)^2."""
    c = np.asarray(c, float)
    return ((c * c - A * c) / S) ** 2


def _edges():
    """Hand calculation: Delta chi^2 = 4 where c^2 - A c = +-2 S, c = (A +- sqrt(A^2 +- 8 S))/2."""
    outer, inner = np.sqrt(A * A + 8 * S), np.sqrt(A * A - 8 * S)
    return (A - outer) / 2, (A - inner) / 2, (A + inner) / 2, (A + outer) / 2


def test_toy_two_bands_root_refined_edges():
    """Both bands of the analytic toy with edges from root finding, to 1e-8 absolute (hand calculation _edges)."""
    lo1, hi1, lo2, hi2 = _edges()
    grid = np.linspace(-0.5, 1.5, 21)
    found = allowed_intervals(grid, toy(grid), LEVEL, toy)
    assert len(found) == 2
    assert [found[0].lower, found[0].upper, found[1].lower, found[1].upper] == pytest.approx([lo1, hi1, lo2, hi2],
                                                                                             abs=1e-8)
    assert not any(iv.lower_at_range_end or iv.upper_at_range_end for iv in found)
    # without a chi^2 function the edges are interpolated: right to within a grid step only
    coarse = allowed_intervals(grid, toy(grid), LEVEL)
    assert [coarse[0].upper, coarse[1].lower] == pytest.approx([hi1, lo2], abs=0.1)
    assert coarse[0].upper != pytest.approx(hi1, abs=1e-6)


def test_toy_log_grid_range_ends_and_nan():
    """On a log grid from 1e-3 the SM-like band starts at the range end (flagged, not refined); a band reaching the
    top of the range ends there; NaN points are excluded; all-NaN gives no interval."""
    _, hi1, lo2, hi2 = _edges()
    # the reference is the minimum on the grid: put the exact minimum c = A on it, so that the edges are analytic
    grid = np.unique(np.append(np.geomspace(1e-3, 2.0, 50), A))
    found = allowed_intervals(grid, toy(grid), LEVEL, toy, log=True)
    assert found[0] == Interval(1e-3, pytest.approx(hi1, abs=1e-6), True, False)
    assert found[0].note == "lower edge at the end of the coupling range"
    assert found[1].lower == pytest.approx(lo2, abs=1e-6) and found[1].upper == pytest.approx(hi2, abs=1e-6)
    top = np.geomspace(1e-3, 1.05, 50)
    last = allowed_intervals(top, toy(top), LEVEL, toy, log=True)[-1]
    assert last.upper == 1.05 and last.upper_at_range_end and "upper edge" in last.note
    chi = toy(grid)
    k = int(np.argmin(np.abs(grid - 0.92)))  # a failed point inside the second band splits it at its neighbours
    chi[k] = np.nan
    split = allowed_intervals(grid, chi, LEVEL, toy, log=True)
    assert len(split) == 3 and split[1].upper == grid[k - 1] and split[2].lower == grid[k + 1]
    assert allowed_intervals(grid, np.full_like(grid, np.nan), LEVEL) == []
    with pytest.raises(ValueError, match="increasing"):
        allowed_intervals(grid[::-1], chi, LEVEL)


def _csi_fit(sign: str):
    from globalfit.config import parse_config
    from globalfit.model import Fit

    return Fit(parse_config({
        "model": {"type": "simplified", "flavours": ["mu"]}, "likelihoods": ["coherent_csi_2017"],
        "parameters": {"epsilon": {"prior": "log-uniform", "lower": 1e-4, "upper": 0.3}, "mass_GeV": {"value": 1e3}},
        "limits": {"masses_GeV": [1e3], "sign": sign}}))


def test_csi2017_positive_coupling_has_the_second_band():
    """COHERENT CsI 2017, simplified mode (nu_mu, physical convention eps^V = 2 epsilon), M = 1 TeV, Delta chi^2 < 4:
    the second, sign-flipped weak-charge band is on the positive side (tests/test_coherent.py finds it along eps_mumu
    > 0 in eft mode; checked: with limits.sign negative there is none, next test). Measured here: [1e-4, 0.0346] and
    [0.0597, 0.128] in epsilon; tolerance 5 % on the inner edges (grid and optimiser). A few seconds (a minute on a
    loaded machine)."""
    from globalfit.frequentist.intervals import interval_rows

    rows = [r for r in interval_rows(_csi_fit("positive"), 1e3, 4.0, (1e-4, 0.3)) if r["component"] == "combined"]
    assert [r["interval"] for r in rows] == [0, 1]
    assert rows[0]["lower"] == 1e-4 and "lower edge" in rows[0]["note"]
    assert [rows[0]["upper"], rows[1]["lower"], rows[1]["upper"]] == pytest.approx([0.0346, 0.0597, 0.128], rel=0.05)


def test_negative_sign_one_interval_ending_at_the_upper_limit():
    """CsI 2017 with limits.sign negative (same model as above): no second band for epsilon < 0, so one interval
    [range start, u] for the dataset and combined, u equal to the profile Delta chi^2 upper limit of limits.csv
    (globalfit.frequentist.profile.delta_chi2_rows: the same crossing, to 1e-4 relative). A few seconds."""
    from globalfit.frequentist.intervals import interval_rows
    from globalfit.frequentist.profile import delta_chi2_rows

    fit = _csi_fit("negative")
    rows = interval_rows(fit, 1e3, 4.0, (1e-4, 0.3))
    assert [(r["component"], r["interval"]) for r in rows] == [("coherent_csi_2017", 0), ("combined", 0)]
    assert all(r["parameter"] == "-epsilon" and r["lower"] == 1e-4 for r in rows)
    upper = delta_chi2_rows(fit, 1e3, 4.0, (1e-4, 0.3))[-1]["upper"]
    assert [r["upper"] for r in rows] == pytest.approx([upper, upper], rel=1e-4)


def test_one_scan_gives_the_limits_and_intervals_of_the_two_separate_scans():
    """limit_and_interval_rows (the path of `globalfit limits`) profiles once on the interval grid and must give the
    rows of delta_chi2_rows (60-point log grid) and of interval_rows exactly: the interval grid holds the log grid's
    points bit for bit, and each chi^2 is a deterministic optimisation. CsI 2017 at 1 TeV, both signs."""
    from globalfit.frequentist.intervals import interval_rows, limit_and_interval_rows
    from globalfit.frequentist.profile import delta_chi2_rows

    for sign in ("positive", "negative"):
        fit = _csi_fit(sign)
        lim, iv = limit_and_interval_rows(fit, 1e3, 4.0, (1e-4, 0.3))
        assert lim == delta_chi2_rows(fit, 1e3, 4.0, (1e-4, 0.3))
        assert iv == interval_rows(fit, 1e3, 4.0, (1e-4, 0.3))


def test_combined_profile_is_the_sum_of_the_component_profiles():
    """profile_chi2 of several components sums each one's own profile (globalfit.frequentist.profile): exact when
    every nuisance is read by its own component only. Checked against one joint L-BFGS-B over all nuisances of CsI
    2017 and LAr 2020 (Fit.profile with both) at two couplings of the B-L Z' at 0.1 GeV: equal to 1e-4 in chi^2 ~ 1e3 (L-BFGS-B
    stops at a relative change of 2.2e-9, i.e. a few 1e-6 here; measured 6e-6); a nuisance shared between datasets
    would make the joint optimum lower by its pull, of order 1."""
    from globalfit.config import parse_config
    from globalfit.frequentist.profile import component_chi2, profile_chi2
    from globalfit.model import Fit

    fit = Fit(parse_config({
        "model": {"type": "u1", "charges": "B-L"}, "likelihoods": ["coherent_csi_2017", "coherent_lar_2020"],
        "parameters": {"gprime": {"prior": "log-uniform", "lower": 1e-6, "upper": 1.0},
                       "mass_GeV": {"prior": "log-uniform", "lower": 1e-3, "upper": 10.0}}}))
    assert all(fit.own_nuisances(j) for j in range(2))  # both have nuisances: the check means something
    for g in (1e-5, 2e-4):
        values = {"gprime": g, "mass_GeV": 0.1}
        x = np.array([values.get(p.name, p.to_physical(p.initial())) for p in fit.free], dtype=float)
        nuis = fit.own_nuisances(0) + fit.own_nuisances(1)
        joint = -2.0 * fit.profile(x, [0, 1], nuis)[1]
        parts = [component_chi2(fit, values, j) for j in range(2)]
        assert profile_chi2(fit, values) == pytest.approx(sum(parts), abs=1e-12)
        assert sum(parts) == pytest.approx(joint, abs=1e-4)


def test_limits_result_writes_intervals_csv(tmp_path):
    """LimitsResult.save writes intervals.csv with the pinned columns when it holds intervals, and none otherwise."""
    from globalfit.results import LimitsResult

    table = pd.DataFrame([{"mass_GeV": 1.0, "component": "combined", "method": "delta_chi2_profile", "level": 4.0,
                           "parameter": "epsilon", "upper": 0.1, "note": ""}])
    iv = pd.DataFrame([{"mass_GeV": 1.0, "component": "combined", "level": 4.0, "parameter": "epsilon",
                        "lower": lo, "upper": hi, "interval": k, "note": ""}
                       for k, (lo, hi) in enumerate([(1e-4, 0.03), (0.06, 0.13)])])
    LimitsResult(table, {"name": "x", "model": {"type": "simplified"}}, {}, intervals=iv).save(tmp_path / "a")
    back = pd.read_csv(tmp_path / "a" / "intervals.csv")
    assert list(back.columns) == INTERVAL_COLUMNS + ["note"] and back["upper"].tolist() == [0.03, 0.13]
    LimitsResult(table, {"name": "x", "model": {"type": "simplified"}}, {}).save(tmp_path / "b")
    assert not (tmp_path / "b" / "intervals.csv").exists()


@pytest.mark.slow
def test_limits_cli_writes_intervals_csv_next_to_limits_csv(tmp_path):
    """`globalfit limits` end to end (limits.sign negative, CsI 2017, one mass): intervals.csv next to limits.csv,
    one interval per component, its upper edge the profile upper limit of limits.csv to 1e-4. About 3 minutes on a
    loaded machine (the Bayesian limit dominates)."""
    from globalfit.cli import main

    cfg = {"name": "iv", "model": {"type": "simplified", "flavours": ["mu"]}, "likelihoods": ["coherent_csi_2017"],
           "parameters": {"epsilon": {"prior": "log-uniform", "lower": 1e-4, "upper": 0.3},
                          "mass_GeV": {"value": 1e3}},
           "limits": {"masses_GeV": [1e3], "sign": "negative"}, "output": {"dir": str(tmp_path / "out")}}
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["-q", "-j", "1", "limits", str(path)]) == 0
    out = tmp_path / "out_limits"
    iv = pd.read_csv(out / "intervals.csv")
    assert list(iv.columns) == INTERVAL_COLUMNS + ["note"]
    assert sorted(iv["component"]) == ["coherent_csi_2017", "combined"] and (iv["interval"] == 0).all()
    lim = pd.read_csv(out / "limits.csv")
    upper = lim[(lim["method"] == "delta_chi2_profile") & (lim["component"] == "combined")]["upper"].iloc[0]
    assert iv["upper"].to_numpy() == pytest.approx([upper, upper], rel=1e-4)
