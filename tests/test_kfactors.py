"""NLO/LO K-factor curves of the mono-X signal (globalfit.physics.lhc.kfactors, option k_factor of monox_inclusive)."""

from __future__ import annotations

import numpy as np
import pytest

from globalfit.config import parse_config
from globalfit.errors import ConfigError
from globalfit.physics.lhc.kfactors import k_factor


def test_monojet_curve_reproduces_the_numbers_of_paper000_text():
    """Paper 000 sec. 3.1: mono-jet K from 1.40 (1.45) at low pT_miss to about 1.25 (1.10) at high pT_miss for
    M = 100 GeV (1 TeV); mono-W/Z from 1.30 (1.20) to 1.50 (1.25). Exact at the ends (1e-12), linear in log M and in
    the threshold between them (hand calculation at the midpoints), clamped outside."""
    assert k_factor(100.0, 250.0) == pytest.approx(1.40, abs=1e-12)
    assert k_factor(100.0, 1250.0) == pytest.approx(1.25, abs=1e-12)
    assert k_factor(1000.0, 250.0) == pytest.approx(1.45, abs=1e-12)
    assert k_factor(1000.0, 1250.0) == pytest.approx(1.10, abs=1e-12)
    assert k_factor(np.sqrt(1e5), 750.0) == pytest.approx((1.40 + 1.45 + 1.25 + 1.10) / 4, abs=1e-12)
    assert k_factor(20.0, 100.0) == pytest.approx(1.40, abs=1e-12)
    assert k_factor(1e5, 3000.0) == pytest.approx(1.10, abs=1e-12)
    assert np.allclose(k_factor(100.0, [250.0, 1250.0], "paper000_monovz"), [1.30, 1.50], atol=1e-12)
    assert np.allclose(k_factor(1000.0, [250.0, 1250.0], "paper000_monovz"), [1.20, 1.25], atol=1e-12)


def test_curve_works_on_a_pytensor_mass():
    import pytensor
    import pytensor.tensor as pt

    m = pt.dscalar("m")
    # python implementations only (FAST_COMPILE): no C compilation for a three-number check
    f = pytensor.function([m], k_factor(m, np.array([250.0, 700.0, 1250.0])), mode="FAST_COMPILE")
    assert np.allclose(f(300.0), k_factor(300.0, np.array([250.0, 700.0, 1250.0])), rtol=1e-12)


def _component(**options):
    from globalfit.model import Fit

    cfg = parse_config({"model": {"type": "simplified", "flavours": ["e"]},
                        "parameters": {"epsilon": {"prior": "log-uniform", "lower": 1e-4, "upper": 1.0},
                                       "mass_GeV": {"value": 300.0}},
                        "likelihoods": [{"id": "lhc_cms_monojet_2017", "options": options}]})
    return Fit(cfg).components[0]


def test_monojet_signal_is_scaled_by_the_curve_per_threshold():
    """CMS mono-jet at M = 300 GeV: the signal above each threshold is the LO one times K(300 GeV, T) (1e-12); the
    signal_scale nuisance takes the curve's NLO uncertainty (0.11) unless k_factor_uncertainty is given; a bad k_factor
    is a ConfigError naming the option."""
    lo, nlo = _component(), _component(k_factor="paper000_monojet")
    point = {"epsilon": 0.02, "mass_GeV": 300.0}
    ratio = np.asarray(nlo.signal_tails(nlo.theory.point(point))) / np.asarray(lo.signal_tails(lo.theory.point(point)))
    assert np.allclose(ratio, k_factor(300.0, lo.thresholds), rtol=1e-12, atol=0)
    assert ratio[0] > ratio[-1]  # K falls with the threshold (mono-jet)
    assert [p.sigma for p in nlo.nuisance_priors()] == [0.11]
    assert [p.sigma for p in _component(k_factor="paper000_monojet", k_factor_uncertainty=0.2).nuisance_priors()] == [0.2]
    assert [p.sigma for p in lo.nuisance_priors()] == [0.25]
    for bad in ("nlo", -1.0):
        with pytest.raises(ConfigError, match="k_factor must be a positive number or one of paper000_monojet"):
            _component(k_factor=bad)
