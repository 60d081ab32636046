"""Expected limits: Asimov data, asymptotic bands (globalfit.frequentist.expected) and ``limits --expected``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.stats import norm

from globalfit.datatools import write_dataset
from globalfit.errors import ConfigError
from globalfit.frequentist.expected import (BANDS, EXPECTED_COLUMNS, cls_band_factor, delta_chi2_band_factor)


def test_band_factors():
    """Hand calculation: Delta chi^2 = 4 limits of a Gaussian with the best fit at n sigma (boundary at 0):
    n + sqrt(n^2 + 4) below 0, n + 2 above (0.8284, 1.2361, 2, 3, 4); CLs: n + Phi^-1(1 - 0.05 Phi(n)), 1.95996 at
    n = 0 (pyhf's median). Tolerance 1e-10."""
    assert [delta_chi2_band_factor(n, 4.0) for n in (-2, -1, 0, 1, 2)] == pytest.approx(
        [np.sqrt(8) - 2, np.sqrt(5) - 1, 2, 3, 4], rel=1e-10)
    assert cls_band_factor(0, 0.95) == pytest.approx(norm.ppf(0.975), rel=1e-10)
    assert cls_band_factor(-2, 0.95) == pytest.approx(-2 + norm.ppf(1 - 0.05 * norm.cdf(-2)), rel=1e-10)


def _toy_config(tmp_path, monkeypatch, observed: float) -> dict:
    """Write the counting toy (b = 400 +- 20, signal 1000 eps^2, ``observed`` events) and return a run config of it."""
    root = tmp_path / "data"
    write_dataset("likelihoods", "toy_count", {"kind": "counting_toy", "description": "counting toy", "citation": "test",
                                               "coupling": "epsilon", "norm": 1000.0, "observed": observed,
                                               "background": 400, "background_err": 20.0},
                  {"note.txt": "toy\n"}, "# toy\n", root=root)
    monkeypatch.setenv("GLOBALFIT_DATA_PATH", str(root))
    return {"model": {"type": "simplified", "width_ratio": 0.1},
            "parameters": {"epsilon": {"prior": "log-uniform", "lower": 1e-4, "upper": 10.0},
                           "mass_GeV": {"value": 1000.0}},
            "likelihoods": ["toy_count"], "limits": {"masses_GeV": [1000.0], "processes": 1}}


def _toy_run(tmp_path, monkeypatch, observed: float) -> pd.DataFrame:
    from globalfit.cli import main

    cfg = _toy_config(tmp_path, monkeypatch, observed)
    p = tmp_path / "c.yaml"
    p.write_text(yaml.safe_dump(cfg))
    assert main(["limits", str(p), "--out", str(tmp_path / "lim"), "--expected"]) == 0
    assert (tmp_path / "lim" / "plots" / "limits.png").is_file()
    return pd.read_csv(tmp_path / "lim" / "expected_limits.csv")


def test_counting_toy_expected_equals_analytic(tmp_path, monkeypatch):
    """Toy counting experiment, b = 400 +- 20, signal 1000 eps^2, observed 460 (the data must not matter).
    Hand calculation: Asimov data n = b, so chi^2_A = s^2 / (b + 20^2) = s^2/800; band n of the Delta chi^2 = 4 limit
    at s = k_n sqrt(800) (k = 0.828, 1.236, 2, 3, 4), of CLs (paper 000 eq. 2.6) at s = sqrt(800) (n + Phi^-1(1 - 0.05
    Phi(n))); eps = sqrt(s/1000). Tolerance 1e-4 (root finding)."""
    t = _toy_run(tmp_path, monkeypatch, observed=460)
    assert list(t.columns[:len(EXPECTED_COLUMNS)]) == EXPECTED_COLUMNS
    assert "delta_chi2_toys" not in set(t["method"])  # no pseudo-experiments unless limits.expected_toys asks
    for method, factor, level in (("delta_chi2_profile", delta_chi2_band_factor, 4.0), ("cls", cls_band_factor, 0.95)):
        row = t[(t["method"] == method) & (t["component"] == "toy_count")].iloc[0]
        for key, n in BANDS.items():
            want = np.sqrt(factor(n, level) * np.sqrt(800.0) / 1000.0)
            assert row[key] == pytest.approx(want, rel=1e-4), (method, key)
        assert row["minus2"] < row["minus1"] < row["median"] < row["plus1"] < row["plus2"]


def test_limits_without_expected_writes_no_expected_csv(tmp_path, monkeypatch):
    """Without --expected, no expected_limits.csv (the flag adds it)."""
    from globalfit.cli import main

    _toy_run(tmp_path, monkeypatch, observed=400)
    cfg = tmp_path / "c.yaml"
    assert main(["limits", str(cfg), "--out", str(tmp_path / "plain")]) == 0
    assert not (tmp_path / "plain" / "expected_limits.csv").exists()


def _cms_fit(mass: float):
    from globalfit.config import parse_config
    from globalfit.model import Fit

    return Fit(parse_config({
        "model": {"type": "simplified", "width_ratio": 0.1},
        "parameters": {"epsilon": {"prior": "log-uniform", "lower": 1e-4, "upper": 1.0}, "mass_GeV": {"value": mass}},
        "likelihoods": [{"id": "lhc_cms_monojet_2017", "options": {"k_factor_uncertainty": 0.0}}]}))


def test_asimov_data_of_monox_is_background():
    """The Asimov copy of CMS mono-jet has observed = expected background in every bin (exact), leaves the original
    component untouched, and its chi^2 at zero signal is 0."""
    from globalfit.frequentist.expected import asimov_component

    fit = _cms_fit(2000.0)
    comp = fit.components[0]
    a = asimov_component(comp)
    assert np.array_equal(a.n_obs, comp.n_bkg) and np.array_equal(a.n_obs_inc, comp.n_bkg_inc)
    assert not np.array_equal(comp.n_obs, comp.n_bkg)
    point = fit.theory.point({"epsilon": 0.0, "mass_GeV": 2000.0})
    assert float(a.log_likelihood(point, {})) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.slow
def test_cms_monojet_asimov_matches_pseudo_experiments():
    """CMS mono-jet (35.9/fb, 22 bins with covariance), simplified model, M = 2 TeV, Gamma/M = 0.1, no signal
    nuisance: the Asimov expected Delta chi^2 = 4 limit is within 10 % of the median of 200 pseudo-experiments drawn
    from the likelihood's own model (bins ~ N(b, V_bkg + diag(b))); the asymptotic +-1 sigma band edges within 15 %
    of the toys' 16 / 84 % quantiles."""
    from globalfit.frequentist.expected import asimov_fit, profile_limits, pseudo_limits

    fit = _cms_fit(2000.0)
    crange = (1e-4, 1.0)
    targets = [delta_chi2_band_factor(n, 4.0) ** 2 for n in (0, -1, 1)]
    (median, lo, hi), _ = profile_limits(asimov_fit(fit), [0], 2000.0, crange, targets)
    toys = pseudo_limits(fit, 0, 2000.0, 4.0, crange, n_toys=200, seed=3)
    assert np.isfinite(toys["limits"]).sum() >= 195
    assert median == pytest.approx(toys["median"], rel=0.10)
    assert lo == pytest.approx(toys["minus1"], rel=0.15)
    assert hi == pytest.approx(toys["plus1"], rel=0.15)


def test_counting_toy_pseudo_experiment_rows(tmp_path, monkeypatch):
    """``expected_rows(..., n_toys=100)`` adds a row of method delta_chi2_toys for the counting toy (b = 400 +- 20,
    signal 1000 eps^2): with Gaussian toys n ~ N(b, sqrt(800)) the toy median of the Delta chi^2 = 4 limit is the
    Asimov one (hand calculation: s = 2 sqrt(800), eps = sqrt(s/1000) = 0.3363). Tolerance 10 % (the sample median of
    100 toys scatters by ~3 % in eps). The run-config key ``limits.expected_toys`` takes N >= 0 (default 0)."""
    from globalfit.config import parse_config
    from globalfit.frequentist.expected import expected_rows
    from globalfit.model import Fit

    raw = _toy_config(tmp_path, monkeypatch, 460)
    raw["limits"] = {"masses_GeV": [1000.0], "expected_toys": 100}
    cfg = parse_config(raw)
    assert cfg.limits.expected_toys == 100 and parse_config({**raw, "limits": {}}).limits.expected_toys == 0
    with pytest.raises(ConfigError, match="expected_toys"):
        parse_config({**raw, "limits": {"expected_toys": -1}})
    rows = expected_rows(Fit(cfg), 1000.0, 4.0, (1e-4, 10.0), 0.95, n_toys=100, seed=1)
    row = next(r for r in rows if r["method"] == "delta_chi2_toys")
    assert row["component"] == "toy_count" and "100 pseudo-experiments" in row["note"]
    assert row["median"] == pytest.approx(np.sqrt(2 * np.sqrt(800.0) / 1000.0), rel=0.10)
    assert row["minus2"] <= row["minus1"] <= row["median"] <= row["plus1"] <= row["plus2"]


def test_asimov_data_of_csi2021_is_sm_expectation():
    """CsI 2021: the SM Asimov copy has coincidence counts = the SM expectation and anticoincidence counts = the
    steady-state template in every bin (exact), so its -2 log L at the SM is 0 (1e-9); the original keeps its data;
    a pseudo-experiment has integer counts with a total within 5 sigma of the expectation."""
    from globalfit.config import parse_config
    from globalfit.frequentist.expected import TOYS, asimov_component
    from globalfit.model import Fit

    fit = Fit(parse_config({"model": {"type": "u1", "charges": "B-3Lmu"},
                            "parameters": {"gprime": {"prior": "log-uniform", "lower": 1e-6, "upper": 1.0},
                                           "mass_GeV": {"value": 0.1}},
                            "likelihoods": ["coherent_csi_2021"]}))
    comp = fit.components[0]
    a = asimov_component(comp)
    point = fit.theory.point({"gprime": 0.0, "mass_GeV": 0.1})
    lam_c, lam_ac = comp.expected_counts(point, {})
    assert np.allclose(a.data_c, lam_c, rtol=1e-12) and np.array_equal(a.data_ac, comp.ss)
    assert not np.allclose(comp.data_c, a.data_c)
    assert -2.0 * float(a.log_likelihood(point, {})) == pytest.approx(0.0, abs=1e-9)
    toy = TOYS[comp.kind](comp, np.random.default_rng(2))
    assert np.array_equal(toy.data_c, np.round(toy.data_c))
    assert abs(toy.data_c.sum() - lam_c.sum()) < 5 * np.sqrt(lam_c.sum())
