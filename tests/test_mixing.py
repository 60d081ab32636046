"""Z-Z' kinetic and mass mixing in u1 mode (globalfit.physics.mixing, paper 004 sec. 3.2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from globalfit.config import parse_config
from globalfit.errors import ConfigError
from globalfit.physics import nsi, widths
from globalfit.physics.charges import parse_charges
from globalfit.physics.theory import PhysicsModeError, TheorySpec

ROOT = Path(__file__).resolve().parents[1]
#: hand constants (not the package's): e = sqrt(4 pi / 137.035999), PDG 2020 lepton masses [GeV], G_F [GeV^-2]
E = np.sqrt(4 * np.pi / 137.035999084)
M_MU, M_TAU, GF = 0.1056583755, 1.77686, 1.1663788e-5
S2W = 0.23857


def lmutau(kinetic="none", mass="none") -> TheorySpec:
    return TheorySpec(charges=parse_charges("Lmu-Ltau"), kinetic_mixing=kinetic, mass_mixing=mass)


def test_kinetic_mixing_cancels_proton_and_electron_nsi():
    """Paper 004 eqs. 28-30: with kinetic mixing only and no U(1)' charges of u, d, e (L_mu - L_tau), the Z' couples
    to the electric charge, so eps^p = -eps^e exactly, eps^n = 0 and the oscillation NSI eps^e + eps^p + Y_n eps^n
    vanish (tolerance: exact up to 1e-15 relative rounding)."""
    point = lmutau("parameter").point({"gprime": 3e-4, "mass_GeV": 0.05, "kinetic_mixing": 2e-4})
    for a in ("mu", "tau"):
        ep, ee = point.eps("p", a), point.eps("e", a)
        assert ep != 0.0
        assert ep == pytest.approx(-ee, rel=1e-15)
        assert point.eps("n", a) == pytest.approx(0.0, abs=1e-15 * abs(ep))
        assert point.eps_matter(a) == pytest.approx(0.0, abs=1e-14 * abs(ep))
    assert point.eps("p", "e") == 0.0  # no U(1)' charge of nu_e


def test_kinetic_mixing_couplings_are_e_eps_q():
    """Hand calculation: the Z' couplings are e eps Q_f for matter (Q_u = 2/3, Q_d = -1/3, Q_e = -1), g' Q_l for the
    neutrinos, and g' Q_mu + e eps Q_mu for the muon (rel 1e-12)."""
    g, eps = 3e-4, 2e-4
    point = lmutau("parameter").point({"gprime": g, "mass_GeV": 0.05, "kinetic_mixing": eps})
    expected = {"u": 2 / 3 * E * eps, "c": 2 / 3 * E * eps, "d": -E * eps / 3, "b": -E * eps / 3, "e": -E * eps,
                "mu": g - E * eps, "tau": -g - E * eps, "nu_e": 0.0, "nu_mu": g, "nu_tau": -g}
    for f, value in expected.items():
        assert point.coupling(f) == pytest.approx(value, rel=1e-12, abs=1e-30), f
    # eps^{eV}_{mumu}(0) = g_nu_mu g_e / (sqrt2 G_F M^2)
    assert point.eps("e", "mu") == pytest.approx(g * (-E * eps) / (np.sqrt(2) * GF * 0.05**2), rel=1e-6)


def test_loop_kinetic_mixing_lmu_ltau_by_hand():
    """One-loop kinetic mixing of L_mu - L_tau, eps = e g'/(12 pi^2) ln(m_tau^2/m_mu^2) (= g'/69.3; Escudero et al.
    arXiv:1901.02010), at g' = 0.01 by hand: eps = 1.4433e-4 (rel 1e-4, the hand constants' precision)."""
    g = 0.01
    eps_hand = E * g / (12 * np.pi**2) * np.log(M_TAU**2 / M_MU**2)
    assert eps_hand == pytest.approx(1.4433e-4, rel=1e-4)
    point = lmutau("loop").point({"gprime": g, "mass_GeV": 0.02})
    assert point.spec.parameter_names == ("gprime", "mass_GeV")
    assert point.coupling("e") == pytest.approx(-E * eps_hand, rel=1e-6)
    assert point.coupling("u") == pytest.approx(2 / 3 * E * eps_hand, rel=1e-6)
    # the same eps given as a parameter gives the same couplings, NSI and widths (also a check of the polarised widths)
    free = lmutau("parameter").point({"gprime": g, "mass_GeV": 0.02, "kinetic_mixing": eps_hand})
    for f in ("e", "u", "mu", "nu_tau"):
        assert free.coupling(f) == pytest.approx(point.coupling(f), rel=1e-6)
    assert free.eps("e", "mu") == pytest.approx(point.eps("e", "mu"), rel=1e-6)
    for m in (0.02, 0.5, 1.0, 1.9, 5.0):  # electrons only; VMD hadrons; blend; partonic
        at, fr = dict(point.values, mass_GeV=m), dict(free.values, mass_GeV=m)
        assert lmutau("parameter").point(fr).width() == pytest.approx(lmutau("loop").point(at).width(), rel=1e-6)


def test_loop_needs_a_finite_quark_free_sum():
    """The loop needs hadronic input for charges with quark charges (B-3Lmu, B-L): ConfigError. (For anomaly-free
    charges without quark charges sum_l Q'_l = 0, so the lepton sum is always finite: Le-Lmu is accepted.)"""
    TheorySpec(charges=parse_charges("Le-Lmu"), kinetic_mixing="loop")
    for charges in ("B-3Lmu", "B-L"):
        with pytest.raises(ConfigError, match="kinetic_mixing: loop"):
            TheorySpec(charges=parse_charges(charges), kinetic_mixing="loop")


def test_mass_mixing_gives_neutron_nsi_paper004_eq31():
    """Paper 004 eq. 31 (first order in xi = dM^2/M_Z^2, M_Z' << M_Z): mass mixing gives neutron NSI
    eps^n_tautau - eps^n_mumu = 2 (eps^n_ee - eps^n_mumu) = -2 e g' xi / (4 sqrt2 G_F s_W c_W M_Z'^2), so the
    oscillation NSI eps^e + eps^p + Y_n eps^n do not cancel; eps^p + eps^e = 0 still (its eq. 29 holds for any
    mixing). Hand value, rel 1e-6."""
    g, xi, m = 1e-3, 1e-4, 0.1
    point = lmutau(mass="parameter").point({"gprime": g, "mass_GeV": m, "mass_mixing": xi})
    hand = -2 * E * g * xi / (4 * np.sqrt(2) * GF * np.sqrt(S2W * (1 - S2W)) * m**2)
    assert point.eps("n", "tau") - point.eps("n", "mu") == pytest.approx(hand, rel=1e-6)
    assert 2 * (point.eps("n", "e") - point.eps("n", "mu")) == pytest.approx(hand, rel=1e-6)
    osc = point.eps_matter("tau") - point.eps_matter("mu")
    assert osc == pytest.approx(nsi.Y_N_EARTH * hand, rel=1e-6) and osc != 0.0
    assert point.eps("p", "mu") + point.eps("e", "mu") == pytest.approx(0.0, abs=1e-12 * abs(hand))
    # kinetic mixing on top changes no neutron or oscillation NSI
    both = TheorySpec(charges=parse_charges("Lmu-Ltau"), kinetic_mixing="parameter", mass_mixing="parameter").point(
        {"gprime": g, "mass_GeV": m, "mass_mixing": xi, "kinetic_mixing": 3e-4})
    assert both.eps_matter("tau") - both.eps_matter("mu") == pytest.approx(osc, rel=1e-9)


@pytest.mark.parametrize("charges", ["B-3Lmu", "B-3/2(Lmu+Ltau)", "B-3Ltau", "Lmu-Ltau", "B-L", "Le-Lmu"])
def test_no_mixing_is_the_old_code(charges):
    """Property: with no mixing (the default) every map is paper 002's, bit for bit: eps = g'^2 Q_f Q_a / (sqrt2 G_F
    (q^2 + M^2)) (nsi.eps_from_coupling), width and branching fractions of widths.py for the charges, couplings g' Q_f;
    and free mixing parameters set to zero reproduce it (rel 1e-12)."""
    ca = parse_charges(charges)
    spec, free = TheorySpec(charges=ca), TheorySpec(charges=ca, kinetic_mixing="parameter", mass_mixing="parameter")
    rng = np.random.default_rng(7)
    for g, m, q2 in zip(10 ** rng.uniform(-5, -1, 6), 10 ** rng.uniform(-2, 3.5, 6), 10 ** rng.uniform(-6, -2, 6)):
        p = spec.point({"gprime": g, "mass_GeV": m})
        z = free.point({"gprime": g, "mass_GeV": m, "kinetic_mixing": 0.0, "mass_mixing": 0.0})
        for f in ("u", "d", "e"):
            for a in ("e", "mu", "tau"):
                q_f, q_a = float(ca.fermion(f)), float(ca.lepton(a))
                old = nsi.eps_from_coupling(g, q_f, q_a, m, q2) if q_f and q_a else 0.0
                assert p.eps(f, a, q2) == old
                assert z.eps(f, a, q2) == pytest.approx(old, rel=1e-12, abs=0.0)
        assert p.width() == widths.total_width(ca, g, m)
        assert z.width() == pytest.approx(p.width(), rel=1e-12)
        assert p.branching_fractions() == widths.branching_fractions(ca, m)
        assert p.coupling("mu") == g * float(ca.mu)
        assert spec.theory_mode.effective_charges() is ca


def test_mixing_changes_visibility_and_recast_charges():
    """Kinetic mixing couples L_mu - L_tau to electrons and quarks (so electron and quark datasets become sensitive);
    loop mixing hands static effective charges to recasts; a free mixing parameter refuses them with a ConfigError;
    the LHC tables (one quark coupling) refuse unequal u and d couplings with a PhysicsModeError."""
    assert lmutau().theory_mode.eps_weight("e", "mu") == 0.0
    assert lmutau("parameter").theory_mode.eps_weight("e", "mu") != 0.0
    eff = lmutau("loop").theory_mode.effective_charges()
    assert eff.fermion("e") == pytest.approx(-E * E / (12 * np.pi**2) * np.log(M_TAU**2 / M_MU**2), rel=1e-6)
    with pytest.raises(ConfigError, match="not proportional to g'"):
        lmutau("parameter").theory_mode.effective_charges()
    with pytest.raises(PhysicsModeError, match="up- and down-type"):
        lmutau("loop").point({"gprime": 0.1, "mass_GeV": 300.0}).quark_neutrino_coupling("mu")


def _config(**model):
    raw = yaml.safe_load((ROOT / "runs" / "quickstart.yaml").read_text())
    raw["model"] = {"type": "u1", "charges": "Lmu-Ltau", **model}
    return raw


def test_config_keys():
    """model.kinetic_mixing / model.mass_mixing: 'parameter' needs the theory parameter; bad settings name the key."""
    raw = _config(kinetic_mixing="parameter")
    with pytest.raises(ConfigError, match="needs parameter 'kinetic_mixing'"):
        parse_config(raw)
    raw["parameters"]["kinetic_mixing"] = {"value": 1e-4}
    assert parse_config(raw).theory_spec().parameter_names == ("gprime", "mass_GeV", "kinetic_mixing")
    assert parse_config(_config(kinetic_mixing="loop")).theory_spec().kinetic_mixing == "loop"
    with pytest.raises(ConfigError) as err:
        parse_config(_config(charges="B-3Lmu", kinetic_mixing="loop"))
    assert err.value.path == "model.kinetic_mixing"
    with pytest.raises(ConfigError, match="kinetic_mixing"):
        parse_config(_config(kinetic_mixing="two-loop"))
    unused = _config()
    unused["parameters"]["mass_mixing"] = {"value": 0.0}
    with pytest.raises(ConfigError, match="not used"):
        parse_config(unused)
