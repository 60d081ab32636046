"""The simplified Z' that also couples to charged leptons (``model.charged_leptons``; paper 001 eq. 7, Fig. 3): its
coupling maps, the dilepton and ditau rates of the resonance kind, agreement with a u1 Z' of the same couplings,
and the build-time refusal of what the mode does not fix (anything that needs g_l/g_q)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from globalfit.catalogue import Catalogue
from globalfit.config import parse_config
from globalfit.errors import ConfigError, PhysicsError
from globalfit.model import Fit
from globalfit.physics.charges import parse_charges
from globalfit.physics.constants import G_F
from globalfit.physics.theory import TheorySpec

ALL = ["e", "mu", "tau"]
#: a node of the dilepton/ditau production table (lhc_atlas_dilepton_2019/signal_table.csv): interpolation is exact
NODE_GEV = 999.012


def _raw(likelihoods, model=None, priors=(), mass=NODE_GEV) -> dict:
    return {"model": {"type": "simplified", "flavours": ALL, "charged_leptons": True, "width_ratio": 0.1} | (model or {}),
            "parameters": {"epsilon": {"prior": "uniform", "lower": -1.0, "upper": 1.0}, "mass_GeV": {"value": mass}},
            "likelihoods": list(likelihoods), "priors": list(priors)}


def _component(dataset, **model):
    fit = Fit(parse_config(_raw([dataset], model)))
    return fit, next(c for c in fit.components if c.id == dataset)


def test_config_errors_name_the_key():
    """charged_leptons belongs to the simplified mode: elsewhere a ConfigError at model.charged_leptons."""
    params = {"gprime": {"value": 0.1}, "mass_GeV": {"value": 10.0}}
    with pytest.raises(ConfigError, match="charged_leptons is a setting of the simplified mode") as err:
        parse_config({"model": {"type": "u1", "charges": "B-L", "charged_leptons": True}, "parameters": params,
                      "likelihoods": ["coherent_csi_2021"]})
    assert err.value.path == "model.charged_leptons"
    with pytest.raises(ConfigError, match="charged_leptons") as err:
        parse_config({"model": {"type": "eft", "charged_leptons": True},
                      "parameters": {"eps_u_ee": {"value": 0.1}}, "likelihoods": ["coherent_csi_2021"]})
    assert err.value.path == "model.charged_leptons"
    with pytest.raises(ConfigError, match="simplified mode") as err:
        TheorySpec("u1", parse_charges("B-L"), charged_leptons=True)
    assert err.value.path == "model.charged_leptons"


@pytest.mark.parametrize("per_flavour", [False, True])
def test_couplings_follow_the_doublet(per_flavour):
    """Paper 001 eq. 7 with paper 000 eq. 2.4: g_q g_l_a = g_q g_nu_a = 2 sqrt2 G_F M^2 epsilon(_aa) for the coupled
    flavours (here e, mu), zero for tau and zero for every charged lepton without the flag (hand calculation,
    1e-12 relative). eps^u, eps^d unchanged; eps^e (needs g_l^2) is an error, not a number."""
    names = ("epsilon_ee", "epsilon_mumu") if per_flavour else ("epsilon", "epsilon")
    spec = TheorySpec("simplified", flavours=("e", "mu"), charged_leptons=True, per_flavour=per_flavour)
    off = TheorySpec("simplified", flavours=("e", "mu"), per_flavour=per_flavour)
    values = {names[0]: 0.02, names[1]: 0.02 if not per_flavour else -0.03, "mass_GeV": 500.0}
    point, point_off = spec.point(values), off.point(values)
    unit = 2.0 * np.sqrt(2.0) * G_F * 500.0**2
    for lepton, name in zip(("e", "mu"), names):
        assert spec.theory_mode.coupling_weight(lepton) != 0.0
        assert point.quark_lepton_coupling(lepton) == pytest.approx(unit * values[name], rel=1e-12)
        assert point.quark_lepton_coupling(lepton) == point.quark_neutrino_coupling(lepton)
        assert point_off.quark_lepton_coupling(lepton) == 0.0
        assert point.eps("u", lepton, 1e-3) == point_off.eps("u", lepton, 1e-3)
        with pytest.raises(PhysicsError, match="g_l/g_q"):
            point.eps("e", lepton)
        assert point_off.eps("e", lepton) == 0.0
    assert spec.theory_mode.coupling_weight("tau") == 0.0 and point.quark_lepton_coupling("tau") == 0.0
    assert off.theory_mode.coupling_weight("e") == 0.0
    # the quark combinations do not read eps^e
    assert point.eps("p+n", "e") == pytest.approx(1.5 * 2 * point.eps("u", "e"), rel=1e-12)


def test_u1_quark_lepton_coupling():
    """u1 mode: g_q g_l = g'^2 Q_q Q_l (B - 3L_mu: Q_q = 1/3, Q_mu = -3, Q_e = 0), exact."""
    point = TheorySpec("u1", parse_charges("B-3Lmu")).point({"gprime": 0.2, "mass_GeV": 300.0})
    assert point.quark_lepton_coupling("mu") == pytest.approx(0.04 * (1 / 3) * (-3), rel=1e-14)
    assert point.quark_lepton_coupling("e") == 0.0


@pytest.mark.parametrize("dataset, fiducial", [("lhc_atlas_dilepton_2019", True), ("lhc_atlas_ditau_2017", False)])
def test_sigma_b_hand_calculation(dataset, fiducial):
    """Narrow-width sigma x B against the hand formula (module docstring of collider.py, paper 001 eq. 13 with N_c = 1
    for a vector charged-lepton coupling):

        sigma_fid B = 1e3 fb/pb * sigma_unit(M) * A(M) * (2 sqrt2 G_F M^2 eps)^2 / (12 pi width_ratio)

    at the tabulated M = 999.012 GeV (sigma_unit, A read from the dataset's signal_table.csv; A = 1 for the ditau
    limit on the total sigma x B), eps = 1e-4 and 3e-4, width_ratio 0.1. Tolerance 1e-9 relative (the lepton masses,
    kept in the widths, change Gamma_ll by (m_l/M)^4 < 1e-11). Also: the rate scales as eps^2."""
    fit, comp = _component(dataset)
    table = pd.read_csv(Catalogue().get(dataset).folder / "signal_table.csv", comment="#")
    row = table[np.isclose(table["mass_GeV"], NODE_GEV)].iloc[0]
    acceptance = row["acceptance_ll"] if fiducial else 1.0
    for eps in (1e-4, 3e-4):
        product = 2.0 * np.sqrt(2.0) * G_F * NODE_GEV**2 * eps
        hand = 1e3 * row["sigma_pb_unit_coupling"] * acceptance * product**2 / (12.0 * np.pi * 0.1)
        got = float(comp.predicted_fb(fit.theory.point({"epsilon": eps, "mass_GeV": NODE_GEV})))
        assert got == pytest.approx(hand, rel=1e-9)
    # and the limit is read at the fixed Gamma/M of the config (width_ratio 0.1, a published width of the dilepton
    # search; the ditau search publishes 0.03 only, clamped)
    point = fit.theory.point({"epsilon": 1e-4, "mass_GeV": NODE_GEV})
    assert point.width_ratio() == 0.1


@pytest.mark.parametrize("dataset", ["lhc_atlas_dilepton_2019", "lhc_atlas_ditau_2017"])
def test_simplified_equals_u1_with_the_same_couplings(dataset):
    """One physical Z': a u1 B - L Z' (Q_q = 1/3, Q_l = -1, vector couplings to the charged leptons) at g' = 0.05,
    M = 1500 GeV has g_q g_l = -g'^2/3 and Gamma/M from its partial widths; the simplified Z' with charged leptons, eps
    = g_q g_l / (2 sqrt2 G_F M^2) and width_ratio = that Gamma/M has the same g_q g_l and Gamma, so the same g_q^2 B(l l)
    = (g_q g_l)^2 Gamma_ll^unit / Gamma and the same sigma x B and chi^2 (to 1e-12: rounding only). The charged-lepton
    chirality agrees because both modes use the vector width of widths.fermion_width (N = 1)."""
    mass, g = 1500.0, 0.05
    u1 = Fit(parse_config({"model": {"type": "u1", "charges": "B-L"},
                           "parameters": {"gprime": {"prior": "log-uniform", "lower": 1e-4, "upper": 1.0},
                                          "mass_GeV": {"value": mass}}, "likelihoods": [dataset]}))
    p_u1 = u1.theory.point({"gprime": g, "mass_GeV": mass})
    ratio = float(p_u1.width_ratio())
    eps = float(p_u1.quark_lepton_coupling("mu")) / (2.0 * np.sqrt(2.0) * G_F * mass**2)
    simp, comp = _component(dataset, width_ratio=ratio)
    p_s = simp.theory.point({"epsilon": eps, "mass_GeV": mass})
    assert float(p_s.quark_lepton_coupling("e")) == pytest.approx(float(p_u1.quark_lepton_coupling("e")), rel=1e-12)
    for lepton in ALL:
        assert float(p_s.dilepton_strength(lepton)) == pytest.approx(float(p_u1.dilepton_strength(lepton)), rel=1e-12)
    c_u1 = u1.components[0]
    assert comp.channel == c_u1.channel
    assert float(comp.predicted_fb(p_s)) == pytest.approx(float(c_u1.predicted_fb(p_u1)), rel=1e-12)
    assert float(comp.chi2(p_s)) == pytest.approx(float(c_u1.chi2(p_u1)), rel=1e-12)


def test_without_charged_leptons_the_dilepton_search_is_blind():
    """No charged-lepton coupling: the resonance terms are dropped as insensitive (a constant, the model's reason),
    exactly as a u1 model without lepton charges; with the flag they are part of the fit."""
    raw = _raw(["coherent_csi_2021", "lhc_atlas_dilepton_2019", "lhc_atlas_ditau_2017"], {"charged_leptons": False})
    fit = Fit(parse_config(raw))
    assert fit.component_ids == ["coherent_csi_2021"]
    assert "no quark or no ll coupling for the simplified model" in fit.dropped["lhc_atlas_dilepton_2019"]
    assert "no quark or no tautau coupling" in fit.dropped["lhc_atlas_ditau_2017"]
    on = Fit(parse_config(_raw(["coherent_csi_2021", "lhc_atlas_dilepton_2019", "lhc_atlas_ditau_2017"])))
    assert on.component_ids == ["coherent_csi_2021", "lhc_atlas_dilepton_2019", "lhc_atlas_ditau_2017"]


def test_what_needs_g_l_over_g_q_is_refused():
    """With charged leptons the Z' also gives electron NSI (g_nu g_e) and muon couplings (trident: g_nu_mu g_mu), which
    epsilon does not fix: a dataset reading them is a ConfigError at build time (Fit and ``globalfit check``), not a
    silently wrong number. The oscillation intervals read eps^e through the matter potential (refused), without it
    only the quark eps (accepted); COHERENT and the LHC read quark x lepton products only."""
    from globalfit.cli import _dataset_errors

    with pytest.raises(ConfigError, match=r"oscillation_esteban2018.*electron NSI.*depends on g_l/g_q, which the "
                                          r"simplified mode does not fix") as err:
        Fit(parse_config(_raw(["oscillation_esteban2018"])))
    assert err.value.path == "likelihoods"
    with pytest.raises(ConfigError, match=r"ccfr_trident.*does not support the simplified model.*g_l/g_q"):
        Fit(parse_config(_raw(["coherent_csi_2021"], priors=["ccfr_trident"])))
    errors = _dataset_errors(parse_config(_raw(["oscillation_esteban2018", "coherent_csi_2021"])))
    assert len(errors) == 1 and "likelihoods[0]" in errors[0] and "g_l/g_q" in errors[0]
    ok = Fit(parse_config(_raw([{"id": "oscillation_esteban2018", "options": {"matter_potential": False}},
                                "coherent_csi_2021", "lhc_cms_monojet_2017", "lhc_atlas_dilepton_2019"])))
    assert len(ok.components) == 4
    # without charged leptons the matter potential has no electron term: accepted as before
    Fit(parse_config(_raw(["oscillation_esteban2018"], {"charged_leptons": False})))


def test_monojet_unchanged_by_charged_leptons():
    """With Gamma/M fixed by width_ratio the mono-jet rate (g_q g_nu)^2 sigma_unit(M, Gamma/M) does not depend on the
    charged-lepton couplings (exact): the known difference from paper 001 Fig. 3, whose width follows its couplings so
    that charged-lepton decays lower BR(nu nu) and weaken the mono-jet limit."""
    rates = []
    for flag in (False, True):
        fit, comp = _component("lhc_cms_monojet_2017", charged_leptons=flag)
        rates.append(np.asarray(comp.signal_tails(fit.theory.point({"epsilon": 0.01, "mass_GeV": 300.0})), float))
    assert np.array_equal(rates[0], rates[1])
