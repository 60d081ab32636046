"""Mono-X signal tables on a grid of Gamma/M (u1 mode, where the width follows g'), per quark flavour, and the
ATLAS mono-photon dataset (q qbar -> gamma Z')."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from globalfit.catalogue import Catalogue
from globalfit.components import component_class
from globalfit.physics.theory import TheorySpec

ROOT = Path(__file__).resolve().parents[1]


class _QuarksOnly:
    """A toy PDF without gluons: f_q(x) = (1 - x)^3 / x for every quark and antiquark, no scale dependence."""

    def f(self, pid, x, q):
        return np.zeros_like(x) if pid == 21 else (1 - x) ** 3 / x


def _component(dataset: str, spec: TheorySpec, options: dict | None = None):
    e = Catalogue().get(dataset)
    return component_class(e.kind)(e, spec, options or {})


def test_photon_to_gluon_ratio_hand_calculation():
    """dsigma(q qbar -> V gamma)/dsigma(q qbar -> V g) = 3 alpha e_q^2/(4 alpha_s(mu)) point by point (the colour sum
    C_F/N_c = 4/9 becomes 1/N_c = 1/3 and g_s^2 -> e^2 e_q^2; module docstring of physics/lhc/vector_jet.py). With a
    gluon-free PDF the jet result is the q qbar channel alone, so the ratio holds exactly (1e-10) for u and d quarks."""
    from globalfit.physics.constants import ALPHA_EM
    from globalfit.physics.lhc.vector_jet import alpha_s, dsigma_dpt_per_quark

    pts, mass = np.array([300.0, 800.0]), 1000.0
    jet = dsigma_dpt_per_quark(_QuarksOnly(), 13000.0, mass, pts, "jet", 2.4, pids=(1, 2))
    photon = dsigma_dpt_per_quark(_QuarksOnly(), 13000.0, mass, pts, "photon", 2.4, pids=(1, 2))
    mu = (np.sqrt(pts**2 + mass**2) + pts) / 2
    for i, eq in enumerate((-1 / 3, 2 / 3)):
        np.testing.assert_allclose(photon[i] / jet[i], 3 * ALPHA_EM * eq**2 / (4 * alpha_s(mu)), rtol=1e-10)


def test_rapidity_acceptance_with_crack():
    """The photon acceptance |eta| < 2.37 outside 1.37 < |eta| < 1.52 (ATLAS mono-photon, paper 000 sec. 2.2) has
    length 2 (2.37 - 0.15) = 4.44, and the quadrature integrates y^2 exactly: 2 (2.37^3 - 1.52^3 + 1.37^3)/3."""
    from globalfit.physics.lhc.vector_jet import _acceptance_grid

    y, w = _acceptance_grid(32, 2.37, ((1.37, 1.52),))
    assert w.sum() == pytest.approx(4.44, rel=1e-12)
    assert (w * y**2).sum() == pytest.approx(2 * (2.37**3 - 1.52**3 + 1.37**3) / 3, rel=1e-12)
    assert not np.any((np.abs(y) > 1.37) & (np.abs(y) < 1.52))


@pytest.mark.parametrize("dataset", ["lhc_cms_monojet_2017", "lhc_atlas_monojet_2017", "lhc_atlas_monophoton_2017"])
def test_tables_per_flavour(dataset):
    """The shipped tables carry one column per quark flavour that add up to the total (1e-5, the CSV precision), and
    up-type quarks dominate the rate at M = 2 TeV as the proton's valence content says (u + c over d + s + b between 1.5
    and 3: u_v = 2 d_v, diluted by the sea), times e_u^2/e_d^2 = 4 for the photon, which couples to the quark charge."""
    t = Catalogue().get(dataset).read_csv("signal_table.csv")
    cols = ["sigma_pb_d", "sigma_pb_u", "sigma_pb_s", "sigma_pb_c", "sigma_pb_b"]
    np.testing.assert_allclose(t[cols].sum(axis=1), t["sigma_pb_unit_coupling"], rtol=1e-5)
    row = t[np.isclose(t["mass_GeV"], t["mass_GeV"].unique()[np.argmin(abs(t["mass_GeV"].unique() - 2000))])
            & np.isclose(t["width_ratio"], 0.1)].iloc[0]
    charge = 4.0 if "photon" in dataset else 1.0
    ratio = (row["sigma_pb_u"] + row["sigma_pb_c"]) / (row["sigma_pb_d"] + row["sigma_pb_s"] + row["sigma_pb_b"])
    assert 1.5 < ratio / charge < 3


@pytest.mark.slow
def test_narrow_width_limit(nnpdf23):
    """Narrow-width approximation by hand: at Gamma/M -> 0 the Breit-Wigner integral tends to sigma(pp -> V j; M) x
    Gamma_nunu/Gamma with Gamma_nunu = M/(24 pi) at unit coupling. At Gamma/M = 0.001 (the narrowest table width) and
    M = 1 TeV the table's pT > 250 GeV entry matches sigma_v_jet(M) M/(24 pi Gamma) within 3 % (off-shell tails and the
    pT-dependence of the acceptance over the line shape)."""
    from globalfit.physics.lhc.vector_jet import PIDS, sigma_v_jet

    comp = _component("lhc_cms_monojet_2017", TheorySpec("simplified", width_ratio=0.001))
    mass = float(comp.masses[np.argmin(abs(comp.masses - 1000.0))])
    nwa = sigma_v_jet(nnpdf23, 13000.0, mass, {p: 1.0 for p in PIDS}, 250.0) / (24 * np.pi * 0.001)
    point = TheorySpec("simplified", width_ratio=0.001).point({"epsilon": 1.0, "mass_GeV": mass})
    assert comp._tails(point)[0] == pytest.approx(nwa, rel=0.03)


@pytest.mark.slow
def test_width_interpolation_against_direct(nnpdf23):
    """Between the tabulated widths the component interpolates log(sigma Gamma/M) linearly in log(Gamma/M): at
    Gamma/M = 0.03 (between the nodes 0.01 and 0.1) and M = 1.5 TeV (between mass nodes) the interpolated
    sigma(pT > 250 GeV) and sigma(pT > 900 GeV) agree with a direct calculation within 5 %."""
    from globalfit.physics.lhc.vector_jet import zprime_jet_tail_sigmas

    spec = TheorySpec("simplified", width_ratio=0.03)
    comp = _component("lhc_cms_monojet_2017", spec)
    tails = comp._tails(spec.point({"epsilon": 1.0, "mass_GeV": 1500.0}))
    k = [list(comp.thresholds).index(250.0), list(comp.thresholds).index(900.0)]
    direct = zprime_jet_tail_sigmas(nnpdf23, 13000.0, 1500.0, 45.0, np.array([250.0, 900.0]), n_pt=72)
    np.testing.assert_allclose(tails[k], direct, rtol=0.05)


def test_u1_signal_hand_formula():
    """u1 mode, B-3Lmu (Q_q = 1/3, Q_mu = Q_numu = -3, so sum_a Q_a^2 = 9, sum_a Q_a = -3): the expected signal in the
    first CMS bin is lumi x [g'^4 Q_q^2 sum_a Q_a^2 (S(250) - S(280)) + g'^2 Q_q sum_a Q_a (I(250) - I(280))] at
    Gamma/M = Gamma(g')/M, here g' = 0.3 at M = 1.1 TeV where Gamma/M is between table nodes. The pure part S is rebuilt
    by hand from the table with scipy's PCHIP in log M and linear interpolation in log Gamma/M (1e-9, with
    sm_interference off); the interference part I enters with the stated coupling factor (1e-9) and equals the table
    at a table node (1e-9)."""
    from scipy.interpolate import PchipInterpolator

    from globalfit.physics.charges import parse_charges
    from globalfit.physics.widths import total_width

    ch = parse_charges("B-3Lmu")
    spec = TheorySpec("u1", charges=ch)
    comp = _component("lhc_cms_monojet_2017", spec, {"k_factor_uncertainty": 0.0, "sm_interference": False})
    full = _component("lhc_cms_monojet_2017", spec, {"k_factor_uncertainty": 0.0})
    g, mass = 0.3, 1100.0
    r = total_width(ch, g, mass) / mass
    t = comp.entry.read_csv("signal_table.csv")

    def table(thr):
        lr = np.log(comp.width_ratios)
        per_w = [PchipInterpolator(np.log(comp.masses),
                                   np.log(t[np.isclose(t.width_ratio, w) & (t.ptmiss_threshold_GeV == thr)]
                                          .sort_values("mass_GeV")["sigma_pb_unit_coupling"] * w))(np.log(mass))
                 for w in comp.width_ratios]
        return np.exp(np.interp(np.log(r), lr, per_w)) / r

    point = spec.point({"gprime": g, "mass_GeV": mass})
    pure = 35900.0 * g**4 * (1 / 3) ** 2 * 9.0 * (table(250.0) - table(280.0))
    assert 0.001 < r < 1.0
    assert comp.signal_events(point, {})[0] == pytest.approx(pure, rel=1e-9)
    inter = full._interference_tails(point)
    assert full.signal_events(point, {})[0] == pytest.approx(pure + 35900.0 * g**2 / 3 * -3.0 * (inter[0] - inter[1]),
                                                              rel=1e-9)
    node_m, node_r = float(comp.masses[9]), 0.1
    row = t[(t.mass_GeV == node_m) & np.isclose(t.width_ratio, node_r) & (t.ptmiss_threshold_GeV == 250.0)]
    node = TheorySpec("simplified", width_ratio=node_r)
    simp = _component("lhc_cms_monojet_2017", node, {})
    assert simp._interference_tails(node.point({"epsilon": 1.0, "mass_GeV": node_m}))[0] == pytest.approx(
        row["interference_pb_unit_coupling"].iloc[0], rel=1e-9)


def test_u1_insensitive_without_neutrino_or_quark_coupling():
    """Le-Lmu couples no quark: the mono-X term says it cannot constrain the model (and is then kept as a constant)."""
    from globalfit.physics.charges import parse_charges

    comp = _component("lhc_cms_monojet_2017", TheorySpec("u1", charges=parse_charges("Le-Lmu")))
    ok, why = comp.is_sensitive()
    assert not ok and "no quark" in why


def test_width_outside_table_is_an_error():
    """A simplified-mode Gamma/M outside the tabulated widths (0.001-1) is refused with a message naming the dataset
    and the range, never extrapolated."""
    from globalfit.errors import DataError

    with pytest.raises(DataError, match=r"lhc_cms_monojet_2017.*0.001 <= Gamma/M <= 1.*width_ratio = 2"):
        _component("lhc_cms_monojet_2017", TheorySpec("simplified", width_ratio=2.0))


def test_u1_gradient_finite_differences():
    """The u1-mode mono-jet log-likelihood is differentiable in (log10 g', log10 M) through the width interpolation:
    the PyTensor gradient equals central finite differences of the numpy evaluation (relative 1e-4)."""
    import pytensor
    import pytensor.tensor as pt

    from globalfit.physics.charges import parse_charges

    spec = TheorySpec("u1", charges=parse_charges("B-3Lmu"))
    comp = _component("lhc_cms_monojet_2017", spec, {"k_factor_uncertainty": 0.0})
    lg, lm = pt.dscalar(), pt.dscalar()
    ll = comp.log_likelihood(spec.point({"gprime": 10**lg, "mass_GeV": 10**lm}), {})
    f = pytensor.function([lg, lm], [ll, *pt.grad(ll, [lg, lm])])
    x0 = (np.log10(0.25), np.log10(1500.0))
    val, dg, dm = f(*x0)
    h = 1e-5

    def num(a, b):
        return comp.log_likelihood(spec.point({"gprime": 10**a, "mass_GeV": 10**b}), {})

    assert val == pytest.approx(num(*x0), rel=1e-9)
    assert dg == pytest.approx((num(x0[0] + h, x0[1]) - num(x0[0] - h, x0[1])) / (2 * h), rel=1e-4)
    assert dm == pytest.approx((num(x0[0], x0[1] + h) - num(x0[0], x0[1] - h)) / (2 * h), rel=1e-4)


@pytest.fixture(scope="module")
def cls_limits(tmp_path_factory) -> pd.DataFrame:
    """CLs limits on eps (simplified model, Gamma/M = 0.1) of the three mono-X datasets at 0.5, 2 and 10 TeV."""
    import yaml

    from globalfit.cli import main

    tmp = tmp_path_factory.mktemp("monox")
    raw = yaml.safe_load((ROOT / "runs" / "paper000_lhc.yaml").read_text())
    raw["likelihoods"] = ["lhc_cms_monojet_2017", "lhc_atlas_monojet_2017", "lhc_atlas_monophoton_2017"]
    raw["limits"]["masses_GeV"] = [500.0, 2000.0, 10000.0]
    (tmp / "run.yaml").write_text(yaml.safe_dump(raw))
    assert main(["limits", str(tmp / "run.yaml"), "--out", str(tmp / "lim")]) == 0
    t = pd.read_csv(tmp / "lim" / "limits.csv")
    return t[t["method"] == "cls"].pivot_table(index="mass_GeV", columns="component", values="upper")


def test_monophoton_weaker_than_monojet(cls_limits):
    """Paper 000 sec. 2.3 and its Table 1 ranking (CMS jet 1st, ATLAS jet 3rd, ATLAS gamma 6th): mono-photon gives
    weaker constraints than mono-jet. At every mass the ATLAS mono-photon CLs limit is finite and above the ATLAS
    mono-jet one, which is above the CMS one. (Ours: the photon limit is 1.15-1.7 times the ATLAS jet one; paper 000
    calls it "much weaker" with NLO + shower signals, where the photon analysis' jet veto costs signal; at LO there
    is no extra jet to veto.)"""
    assert np.all(np.isfinite(cls_limits["lhc_atlas_monophoton_2017"]))
    assert np.all(cls_limits["lhc_atlas_monophoton_2017"] > cls_limits["lhc_atlas_monojet_2017"])
    assert np.all(cls_limits["lhc_atlas_monojet_2017"] > cls_limits["lhc_cms_monojet_2017"])


def test_u1_monojet_limit_scan(tmp_path):
    """`globalfit limits` in u1 mode (B-3Lmu) with the CMS mono-jet data: a finite Delta chi^2 limit on g' at 0.3 and
    1 TeV, and the limit grows with the mass (the rate falls with M at fixed g' once M exceeds the pT_miss reach)."""
    import yaml

    from globalfit.cli import main

    raw = {"schema_version": 1, "name": "u1_monojet", "model": {"type": "u1", "charges": "B-3Lmu"},
           "parameters": {"gprime": {"prior": "log-uniform", "lower": 1e-3, "upper": 1.0},
                          "mass_GeV": {"prior": "log-uniform", "lower": 100.0, "upper": 1e4}},
           "likelihoods": ["lhc_cms_monojet_2017"], "sampler": {"method": "nested", "nlive": 50},
           "limits": {"masses_GeV": [300.0, 1000.0], "delta_chi2": 4.0}}
    (tmp_path / "u1.yaml").write_text(yaml.safe_dump(raw))
    assert main(["limits", str(tmp_path / "u1.yaml"), "--out", str(tmp_path / "lim")]) == 0
    t = pd.read_csv(tmp_path / "lim" / "limits.csv")
    t = t[(t["method"] == "delta_chi2_profile") & (t["component"] == "combined")].set_index("mass_GeV")["upper"]
    assert np.all(np.isfinite(t)) and t[1000.0] > t[300.0]


def test_combined_cls_hand_calculation(cls_limits):
    """Paper 000 sec. 4: the combined CLs limit takes each dataset's most sensitive inclusive region and sums their
    chi^2 (eq. 2.5). At 2 TeV the combined limit satisfies mu_up = 1 (eq. 2.6) for the sum of those regions, rebuilt
    by hand from the components' regions (1e-6), and it is at most the best single-dataset limit."""
    import yaml

    from globalfit.cls import mu_upper
    from globalfit.config import parse_config
    from globalfit.frequentist import best_cls_region
    from globalfit.model import Fit

    raw = yaml.safe_load((ROOT / "runs" / "paper000_lhc.yaml").read_text())
    raw["likelihoods"] = ["lhc_cms_monojet_2017", "lhc_atlas_monojet_2017", "lhc_atlas_monophoton_2017"]
    fit = Fit(parse_config(raw))
    eps = cls_limits.loc[2000.0, "combined"]
    regions = []
    for comp in fit.components:
        _, _, k = best_cls_region(fit, comp, 2000.0, (1e-4, 10.0), 0.95)
        regions.append(comp.counting_regions(fit.theory.point({"epsilon": eps, "mass_GeV": 2000.0}))[k])
    mu = mu_upper([r.observed for r in regions], [r.background for r in regions], [float(r.signal) for r in regions],
                  [r.background_err for r in regions], 0.95)
    assert mu == pytest.approx(1.0, abs=1e-6)
    single = cls_limits.loc[2000.0, ["lhc_cms_monojet_2017", "lhc_atlas_monojet_2017", "lhc_atlas_monophoton_2017"]]
    assert eps <= single.min() * 1.0001


def test_hermite_rows_match_scipy_pchip():
    """The graph-friendly Hermite interpolation with PCHIP node slopes equals scipy's PchipInterpolator (1e-12) on
    a curved, steeply falling table, for numpy and PyTensor inputs alike, and is clamped at the ends."""
    import pytensor
    import pytensor.tensor as pt
    from scipy.interpolate import PchipInterpolator

    from globalfit.tensor import HermiteRows

    xp = np.log(np.geomspace(50.0, 1e5, 18))
    fp = np.stack([-0.4 * xp**2 + xp, -3 * xp + np.sin(xp)], axis=1)
    rows = HermiteRows(xp, fp)
    x = pt.dscalar()
    f = pytensor.function([x], rows(x))
    for v in (np.log(77.0), np.log(1500.0), np.log(2.3e4)):
        ref = PchipInterpolator(xp, fp, axis=0)(v)
        np.testing.assert_allclose(rows(v), ref, rtol=1e-12)
        np.testing.assert_allclose(f(v), ref, rtol=1e-12)
    np.testing.assert_allclose(rows(xp[-1] + 3.0), fp[-1], rtol=1e-12)


def test_z_couplings_hand_values():
    """a_nu (a_qL + a_qR) = (g_Z^2/2)(T3 - 2 Q s_W^2) with g_Z^2 = 4 sqrt2 G_F M_Z^2 and s_W^2 = 1 - M_W^2/M_Z^2 of
    the LO inputs (G_F = 1.16639e-5, M_Z = 91.188, M_W = 80.419): 0.05587 for up-type and -0.09652 for down-type
    quarks, by hand (1e-4). These are 2 sqrt2 G_F M_Z^2 times the eps-like SM couplings g_V^u = 0.1296 and
    g_V^d = -0.2222 of the same scheme (the sign convention that makes b_q b_nu > 0 mean eps > 0)."""
    from globalfit.physics.lhc.vector_jet import z_couplings

    gz2 = 4 * np.sqrt(2) * 1.16639e-5 * 91.188**2
    s2w = 1 - (80.419 / 91.188) ** 2
    c = z_couplings()
    assert c[2] == pytest.approx(gz2 / 2 * (0.5 - 4 / 3 * s2w), rel=1e-12) == pytest.approx(0.05587, abs=1e-4)
    assert c[1] == pytest.approx(gz2 / 2 * (-0.5 + 2 / 3 * s2w), rel=1e-12) == pytest.approx(-0.09652, abs=1e-4)
    assert c[4] == c[2] and c[3] == c[5] == c[1]


@pytest.mark.slow
def test_interference_identity_at_the_z(nnpdf23):
    """Exact identity of the interference formula: for a Z' with the Z's mass and width, Re(P' P_Z^*) = |P_Z|^2, so the
    interference per unit b_q b_nu equals a_nu (a_qL + a_qR) times the pure table, flavour by flavour. The two terms
    are integrated on different m^2 nodes (arctan map vs the two-peak map), so this also checks both quadratures
    (0.5 %)."""
    from globalfit.physics.lhc.drell_yan import MG5_EW
    from globalfit.physics.lhc.vector_jet import PIDS, z_couplings, zprime_tail_tables

    pure, inter = zprime_tail_tables(nnpdf23, 13000.0, MG5_EW["mz"], MG5_EW["gz"], np.array([250.0, 600.0]))
    expected = np.array([z_couplings()[p] for p in PIDS])[:, None] * pure
    np.testing.assert_allclose(inter, expected, rtol=5e-3)


def test_interference_sign_in_the_contact_limit():
    """At M = 100 TeV the Z' propagator is -1/M^2 while the s-channel Z propagator above the Z pole is positive, so
    for eps > 0 the interference is destructive for up quarks (g_V^u > 0) and constructive for down quarks
    (g_V^d < 0): negative u and positive d columns at every threshold of the shipped CMS table, and a net effect of a
    few per cent of the pure Z' rate at the size of the limit (|eps| ~ 0.01, paper 000 Table 2: 0.011)."""
    from globalfit.physics.constants import G_F

    t = Catalogue().get("lhc_cms_monojet_2017").read_csv("signal_table.csv")
    row = t[(t["mass_GeV"] == t["mass_GeV"].max()) & np.isclose(t["width_ratio"], 0.1)]
    assert np.all(row["interference_pb_u"] < 0) and np.all(row["interference_pb_d"] > 0)
    f = 2 * np.sqrt(2) * G_F * 1e5**2 * 0.011
    ratio = row["interference_pb_unit_coupling"] / (f * row["sigma_pb_unit_coupling"])
    assert np.all(np.abs(ratio) < 0.1) and np.abs(ratio).max() > 0.003
