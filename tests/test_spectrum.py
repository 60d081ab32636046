"""globalfit.predicted_spectrum: expected events per bin of one dataset at one point (paper 002 Fig. 3)."""

from __future__ import annotations

import numpy as np
import pytest

import globalfit
from globalfit.catalogue import Catalogue
from globalfit.config import parse_config
from globalfit.errors import ConfigError
from globalfit.physics.cevns import nucleon_couplings, weak_charge
from globalfit.physics.constants import G_F

CFG = {"model": {"type": "u1", "charges": "A"},
       "parameters": {"gprime": {"prior": "log-uniform", "lower": 1e-6, "upper": 1.0},
                      "mass_GeV": {"prior": "log-uniform", "lower": 0.005, "upper": 6000.0}},
       "likelihoods": ["oscillation_esteban2018_single"], "projections": ["coherent_lar750_projection"]}
LAR = "coherent_lar750_projection"


@pytest.fixture(scope="module")
def cfg():
    return parse_config(CFG)


def test_standard_model_is_the_projection_template(cfg):
    """At g' = 0 the LAr 750 kg projection's CEvNS and steady-state columns are its bins.csv templates summed per
    energy bin and per time bin (exact, 1e-9), and observed = expected (a projection's data are its expectation)."""
    bins = Catalogue().get(LAR, "projections").read_csv("bins.csv")
    sm = {"gprime": 0.0, "mass_GeV": 10.0}
    energy = globalfit.predicted_spectrum(cfg, LAR, sm)
    time = globalfit.predicted_spectrum(cfg, LAR, sm, axis="time")
    assert np.allclose(energy["CEvNS"], bins.groupby("e_low_keVee")["cevns_sm"].sum().to_numpy(), rtol=1e-9)
    assert np.allclose(time["CEvNS"], bins.groupby("t_low_us")["cevns_sm"].sum().to_numpy(), rtol=1e-9)
    assert np.allclose(time["steady state"], bins.groupby("t_low_us")["steady_state"].sum().to_numpy(), rtol=1e-9)
    assert np.allclose(energy["observed"], energy["expected"], rtol=2e-9)
    assert list(time["low"][:2]) == [-0.1, 0.4] and "time" in time.attrs["xlabel"]


def test_case_a_excess_is_prompt(cfg):
    """Paper 002 Fig. 3 point (case A, M = 10 GeV, g' = 0.002): eps^{uV}_mumu = eps^{dV}_mumu = g'^2 (1/3)(-3) /
    (sqrt2 G_F M^2) (q^2 << M^2) raises the nu_mu and nubar_mu rates on Ar-40 by (Q_mu/Q_SM)^2 (eq. 3.4, hand
    calculation: 1.056) and leaves nu_e alone, so every time bin's ratio to the SM lies between 1 and that factor, the
    earliest (prompt nu_mu) bins come closest to it and the ratio falls off at late times (paper 002 sec. 5: 'the
    excess peaks at around t = 1 us'). The total is the same on both axes (1e-9)."""
    g, m = 2e-3, 10.0
    eps = g**2 * (1 / 3) * (-3) / (np.sqrt(2) * G_F * m**2)
    gp, gn = nucleon_couplings()
    r_mu = (weak_charge(18, 22, eps, eps, gp, gn) / weak_charge(18, 22, 0.0, 0.0, gp, gn)) ** 2
    assert r_mu == pytest.approx(1.056, abs=0.002)
    point = {"gprime": g, "mass_GeV": m}
    sm = globalfit.predicted_spectrum(cfg, LAR, {**point, "gprime": 0.0}, axis="time")
    z = globalfit.predicted_spectrum(cfg, LAR, point, axis="time")
    ratio = (z["CEvNS"] / sm["CEvNS"]).to_numpy()
    assert np.all(ratio > 1.0) and np.all(ratio <= r_mu * (1 + 1e-6))
    assert ratio[:3].max() == pytest.approx(r_mu, rel=0.01)
    assert ratio[-1] < ratio[:3].max()
    energy = globalfit.predicted_spectrum(cfg, LAR, point)
    assert energy["expected"].sum() == pytest.approx(z["expected"].sum(), rel=1e-9)
    assert np.allclose(z["steady state"], sm["steady state"])


def test_bad_requests_name_the_problem(cfg):
    """An unknown dataset, an unknown axis and a missing theory parameter are ConfigErrors that say which."""
    with pytest.raises(ConfigError, match="coherent_csi_2017.*not in this run config"):
        globalfit.predicted_spectrum(cfg, "coherent_csi_2017", {"gprime": 1e-3, "mass_GeV": 1.0})
    with pytest.raises(ConfigError, match="no axis 'recoil'.*time"):
        globalfit.predicted_spectrum(cfg, LAR, {"gprime": 1e-3, "mass_GeV": 1.0}, axis="recoil")
    with pytest.raises(ConfigError, match="must give mass_GeV"):
        globalfit.predicted_spectrum(cfg, LAR, {"gprime": 1e-3})
    with pytest.raises(ConfigError, match="not a binned dataset"):
        globalfit.predicted_spectrum(cfg, "oscillation_esteban2018_single", {"gprime": 1e-3, "mass_GeV": 1.0})
