"""CLs of paper 000 eqs. 2.5-2.8: hand calculations and a counting toy through `globalfit limits`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.stats import norm

from globalfit.cls import chi2_regions, mu_upper, quadratic_coefficients, sigma_upper
from globalfit.datatools import write_dataset


def test_sigma_upper_hand_calculation():
    """N_obs = N_bg = 100, delta_sys = 0, L = 1: sigma_hat = 0, dsigma = 10, so sigma_up = 10 Phi^-1(1 - 0.05 * 0.5)
    = 10 * 1.95996 = 19.5996 (eq. 2.7-2.8)."""
    assert sigma_upper(100, 100, 0.0, 1.0, 0.95) == pytest.approx(19.5996, rel=1e-5)


def test_one_region_eq_2_6_equals_eq_2_7():
    """For one region the signal-strength limit of eq. 2.6 times the signal equals the cross-section limit of eq. 2.7."""
    n, b, d, lumi, sig = 1200.0, 1100.0, 40.0, 35.9, 3.0
    mu = mu_upper([n], [b], [sig * lumi], [d], 0.95)
    assert mu * sig == pytest.approx(sigma_upper(n, b, d, lumi, 0.95), rel=1e-10)


def test_quadratic_coefficients():
    """chi^2(mu) = chi0 + A mu + B mu^2 reproduces eq. 2.5 at any mu (two regions)."""
    args = ([120, 80], [100, 90], [10.0, 4.0], [5.0, 3.0])
    c0, a, b = quadratic_coefficients(*args)
    for mu in (-1.0, 0.0, 0.7, 3.0):
        assert chi2_regions(mu, *args) == pytest.approx(c0 + a * mu + b * mu**2, rel=1e-12)


def test_cls_limit_through_limits_command(tmp_path, monkeypatch):
    """A counting toy with signal = 1000 eps^2 events, N_obs = N_bg = 400, delta = 20: sigma_up (L = 1) =
    sqrt(800) Phi^-1(0.975) = 55.43 events, so eps_up = sqrt(55.43/1000) = 0.2354 (analytic). `globalfit limits` writes it
    with method 'cls' within 1e-4."""
    from globalfit.cli import main

    root = tmp_path / "data"
    write_dataset("likelihoods", "toy_count", {"kind": "counting_toy", "description": "counting toy", "citation": "test",
                                               "coupling": "epsilon", "norm": 1000.0, "observed": 400, "background": 400,
                                               "background_err": 20.0}, {"note.txt": "toy\n"}, "# toy\n", root=root)
    monkeypatch.setenv("GLOBALFIT_DATA_PATH", str(root))
    cfg = {"model": {"type": "simplified", "width_ratio": 0.1},
           "parameters": {"epsilon": {"prior": "log-uniform", "lower": 1e-4, "upper": 10.0},
                          "mass_GeV": {"value": 1000.0}},
           "likelihoods": ["toy_count"], "limits": {"masses_GeV": [1000.0], "processes": 1, "cls_level": 0.95}}
    p = tmp_path / "c.yaml"
    p.write_text(yaml.safe_dump(cfg))
    assert main(["limits", str(p), "--out", str(tmp_path / "lim")]) == 0
    t = pd.read_csv(tmp_path / "lim" / "limits.csv")
    cls = t[t["method"] == "cls"]["upper"].iloc[0]
    expected = np.sqrt(np.sqrt(800.0) * norm.ppf(0.975) / 1000.0)
    assert cls == pytest.approx(expected, rel=1e-4)
