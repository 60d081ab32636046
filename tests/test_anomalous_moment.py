"""(g-2)_mu datasets (kind anomalous_moment): the likelihood term by hand, sensitivity and gradients."""

from __future__ import annotations

import numpy as np
import pytest

from globalfit.config import parse_config
from globalfit.model import Fit
from globalfit.physics import gminus2


def _fit(dataset: str, charges: str) -> Fit:
    return Fit(parse_config({
        "model": {"type": "u1", "charges": charges}, "likelihoods": [dataset],
        "parameters": {"gprime": {"prior": "log-uniform", "lower": 1e-6, "upper": 1.0},
                       "mass_GeV": {"prior": "log-uniform", "lower": 1e-3, "upper": 10.0}}}))


def test_chi2_by_hand_lmu_ltau():
    """L_mu - L_tau (Q_mu = 1) at g' = 5e-4, M = 10 MeV with gm2_muon_2019 (29 +- 9)e-10: by hand r = (0.01/m_mu)^2
    = 8.9576e-3, I(r) = 0.391322 (closed form of tests/test_gminus2.py), Delta a = g'^2 I / (4 pi^2) = 2.4781e-9, and
    chi^2 = ((2.4781 - 2.9)/0.9)^2 - (2.9/0.9)^2 = 0.2198 - 10.3827 = -10.1629. Tolerance 1e-6."""
    fit = _fit("gm2_muon_2019", "Lmu-Ltau")
    terms = fit.compiled("terms")(fit.vector({"gprime": np.log10(5e-4), "mass_GeV": np.log10(0.01)}))
    delta = (5e-4) ** 2 * 0.391322142 / (4 * np.pi**2)
    assert delta == pytest.approx(2.4781e-9, rel=1e-4)
    chi2 = ((delta - 29e-10) / 9e-10) ** 2 - (29e-10 / 9e-10) ** 2
    assert -2 * float(terms[0]) == pytest.approx(chi2, rel=1e-6)


def test_charge_scaling_and_insensitive_models():
    """The term reads g' Q_mu: B-3Lmu (Q_mu = -3) at g' equals L_mu - L_tau at 3 g'; B-3Ltau has no muon coupling and
    is reported insensitive (dropped with a reason), never an error."""
    a, b = _fit("gm2_muon_2025", "B-3Lmu"), _fit("gm2_muon_2025", "Lmu-Ltau")
    x = {"gprime": np.log10(2e-4), "mass_GeV": np.log10(0.3)}
    y = {"gprime": np.log10(6e-4), "mass_GeV": np.log10(0.3)}
    assert float(a.compiled("terms")(a.vector(x))[0]) == pytest.approx(float(b.compiled("terms")(b.vector(y))[0]),
                                                                          rel=1e-9)
    with pytest.raises(Exception, match="muon"):
        _fit("gm2_muon_2025", "B-3Ltau")


def test_preferred_band_and_gradient():
    """With the 2019 value the SM is disfavoured by chi^2 = (29/9)^2 = 10.4 and the best fit sits on the band
    Delta a = 29e-10 (chi^2 = -10.38 there); the gradient is finite across 1 MeV - 10 GeV."""
    fit = _fit("gm2_muon_2019", "Lmu-Ltau")
    f = fit.compiled("total")
    for m in np.geomspace(1e-3, 10.0, 9):
        g = gminus2.coupling_for(29e-10, m)
        val, grad = f(fit.vector({"gprime": np.log10(g), "mass_GeV": np.log10(m)}))
        assert -2 * val == pytest.approx(-(29 / 9) ** 2, rel=1e-6)
        assert np.all(np.isfinite(grad))
