"""Hadronic Z' decays from vector-meson dominance (globalfit/physics/hadronic.py, widths.py) and the recasts built on
them (darkphoton.py): against measured e+e- data, hand calculations and Darkcast's own recasts."""

from __future__ import annotations

import numpy as np
import pytest

from globalfit.errors import DataError
from globalfit.physics import hadronic
from globalfit.physics.charges import parse_charges
from globalfit.physics.constants import ALPHA_EM, M_MU, M_TAU
from globalfit.physics.darkphoton import (E_EM, THETA_P_DEG, dark_photon_br_mumu, eta_gamma_ratio,
                                          production_ratio, r_hadrons)
from globalfit.physics.hadronic import component_weight, r_ratio_dark_photon, r_vmd
from globalfit.physics.widths import (BLEND_GEV, branching_fractions, fractions_of, partial_widths, total_width,
                                      vector_partial_widths)

DARKCAST_RECAST = "priors/darkcast_v1.2/recast/limits"
DP_QUARKS = tuple(E_EM * q for q in (2 / 3, -1 / 3, -1 / 3))
ISOSCALAR = (1 / 3, 1 / 3, 1 / 3)


def peak_r(b_ee: float, b_had: float) -> float:
    """R at the peak of a narrow vector V: sigma_peak/sigma_pt(mu mu) = (12 pi B_ee B_had/M^2)/(4 pi alpha^2/(3 M^2))
    = 9 B_ee B_had / alpha^2."""
    return 9.0 * b_ee * b_had / ALPHA_EM**2


def test_meson_weights_hand_values():
    """Signed ratios r_V = tr(T_V x)/tr(T_V e Q) (hadronic.py docstring). Dark photon: every r_V = 1, so the
    single-meson weights are 1 and the omega-phi interference weight is Darkcast's -2. Q_q = 1/3 (B - L):
    r_rho = 0, r_omega = (2/3)/(e/3) = 2/e, r_phi = (1/3)/(-e/3) = -1/e, so the weights are 0, 4/e^2, 1/e^2 and
    -2 (2/e)(-1/e) = 4/e^2."""
    for comp, val in (("rho0", 1.0), ("omega", 1.0), ("phi", 1.0), ("omega_phi", -2.0)):
        assert component_weight(comp, DP_QUARKS) == pytest.approx(val, rel=1e-12)
    for comp, val in (("rho0", 0.0), ("omega", 4 / E_EM**2), ("phi", 1 / E_EM**2), ("omega_phi", 4 / E_EM**2)):
        assert component_weight(comp, ISOSCALAR) == pytest.approx(val, rel=1e-12, abs=1e-15)


def test_isoscalar_vector_has_no_rho_like_channels():
    """B - L (x_u = x_d) does not couple to the rho: no pi+ pi- or 4 pi width (NOTES.md sec. 4), but 3 pi near the
    omega. The dark photon has both."""
    for fs in ("pi+_pi-", "pi+_pi-_pi+_pi-", "pi+_pi-_pi0_pi0"):
        assert r_vmd(ISOSCALAR, 0.77, fs) == 0.0
        assert r_vmd(DP_QUARKS, 0.9, fs) > 0.0
    assert r_vmd(ISOSCALAR, 0.7827, "pi+_pi-_pi0") > 1.0


def test_r_ratio_at_the_omega_and_phi_peaks():
    """The VMD omega and phi components at their peaks against 9 B_ee B_had/alpha^2 from PDG 2022 (omega:
    B_ee = 7.38e-5; phi: B_ee = 2.979e-4, B_mumu = 2.86e-4; B_had = 1 - B_ll, the radiative modes counted as
    hadronic). Tolerance 5 % (the Darkcast fit of the e+e- data, not the PDG averages)."""
    mass, curves = hadronic.vmd_table()
    for meson, m_peak, b_ee, b_had in (("omega", 0.78266, 7.38e-5, 1 - 2 * 7.38e-5),
                                       ("phi", 1.019461, 2.979e-4, 1 - 2.979e-4 - 2.86e-4)):
        i = np.argmin(abs(mass - m_peak))
        ours = sum(r[i] for name, r in curves.items() if name.endswith("." + meson))
        assert ours == pytest.approx(peak_r(b_ee, b_had), rel=0.05)


def test_dark_photon_br_mumu_against_measured_r():
    """BR(A' -> mu mu) = Gamma_mumu/(Gamma_ee + Gamma_mumu + R Gamma_0) with the measured R:
    * at the phi peak R = 9 B_ee B_had/alpha^2 = 50.3 (PDG, see above; rho/omega tails ~1 % neglected);
    * at 2.0 GeV R = 2.18 +- 0.07 +- 0.18 (BES, J.Z. Bai et al., PRL 88 (2002) 101802), checked on the VMD table
      itself since the widths are partonic (R = 2) from 2.0 GeV on by construction;
    * at 1.5 GeV the widths give R = 2.24, inside the 1.4-2.6 GeV plateau of R ~ 2.2 measured by BES/CMD/SND.
    Tolerance 5 % on the BR at the phi, 10 % on R at 2 GeV."""
    m_phi = 1.019461
    r_mu = (M_MU / m_phi) ** 2
    gmumu = (1 + 2 * r_mu) * np.sqrt(1 - 4 * r_mu)
    hand = gmumu / (1.0 + gmumu + peak_r(2.979e-4, 1 - 2.979e-4 - 2.86e-4))
    assert dark_photon_br_mumu(np.array([m_phi]))[0] == pytest.approx(hand, rel=0.05)
    assert r_ratio_dark_photon(2.0) == pytest.approx(2.18, rel=0.10)
    assert r_hadrons(np.array([1.5]))[0] == pytest.approx(2.2, rel=0.10)
    assert r_hadrons(np.array([3.0]))[0] == pytest.approx(2 + 4 / 3 * np.sqrt(1 - 4 * (1.27 / 3.0) ** 2)
                                                          * (1 + 2 * (1.27 / 3.0) ** 2), rel=1e-3)


def test_blend_is_smooth_and_states_its_mismatch():
    """No discontinuity at the edges of the 1.8-2.0 GeV blend (issue 11 rule): BR(mu mu) and the hadrons width
    change by < 1e-6 relative across +-1e-7 GeV at each edge; the mismatch being blended, VMD/partonic at 2.0 GeV, is
    +9 % for the dark photon (widths.py docstring) and < 1e-4 for an isoscalar charge."""
    for case in ("A", "B", "B-L"):
        ca = parse_charges(case)
        for edge in BLEND_GEV:
            lo, hi = (branching_fractions(ca, edge + s * 1e-7)["mu"] for s in (-1, 1))
            assert hi == pytest.approx(lo, rel=1e-6)
            lo, hi = (partial_widths(ca, 1.0, edge + s * 1e-7)["hadrons"] for s in (-1, 1))
            assert hi == pytest.approx(lo, rel=1e-6)
    assert r_ratio_dark_photon(2.0) / 2.0 == pytest.approx(1.09, abs=0.005)
    assert r_vmd(ISOSCALAR, 2.0) == pytest.approx(1.0, rel=1e-4)


@pytest.mark.parametrize("case", ["A", "B", "B-L", "dark photon"])
def test_br_mumu_continuity_scan(case):
    """BR(mu mu) over 0.2-5 GeV on a 10 keV grid has no step: the largest change between neighbours is < 0.005 above
    2 m_mu + 1 MeV (the steepest physical slope, on the phi peak of width 4.2 MeV, gives ~0.002 per 10 keV; the former
    treatment jumped by 0.03-0.13 at 3 m_pi, 2 m_K, 1.1 GeV and 3.7 GeV), and it rises from 0 at the dimuon threshold
    (a sqrt(1 - 4 m_mu^2/M^2) edge, continuous but with infinite slope, hence the 1 MeV excluded from the step test)."""
    def br_mumu(m):
        if case == "dark photon":
            return dark_photon_br_mumu(m)
        return np.asarray(branching_fractions(parse_charges(case), m)["mu"])

    m = np.arange(0.2, 5.0, 1e-5)
    br = br_mumu(m)
    assert np.all(np.isfinite(br))
    above = m > 2 * M_MU + 1e-3
    assert np.max(np.abs(np.diff(br[above]))) < 0.005
    assert np.all(br[m < 2 * M_MU] == 0.0)
    assert br_mumu(np.array([2 * M_MU * (1 + 1e-9)]))[0] < 1e-3


def test_tensor_numpy_agreement_and_finite_gradients():
    """Width and BR(mu mu) on PyTensor scalars equal the numpy values (rel 1e-10) across the VMD range, the blend and
    above (thresholds of charm and tau included); d/dM and d/dg' are finite (the heavy-quark velocity factors below
    threshold have zero, not NaN, gradients)."""
    import pytensor
    import pytensor.tensor as pt

    ca = parse_charges("A")
    g, m = pt.dscalars("g", "m")
    br = branching_fractions(ca, m)["mu"]
    width = total_width(ca, g, m)
    f = pytensor.function([g, m], [width, br, pytensor.grad(br, m), *pytensor.grad(width, [g, m])])
    for mass in (0.25, 0.5, 0.7827, 1.02, 1.85, 1.95, 2.6, 3.7, 5.0, 50.0):
        w, b, db, dwg, dwm = f(0.01, mass)
        assert w == pytest.approx(total_width(ca, 0.01, mass), rel=1e-10)
        assert b == pytest.approx(branching_fractions(ca, mass)["mu"], rel=1e-10)
        assert np.all(np.isfinite([db, dwg, dwm]))
        assert dwg == pytest.approx(2 * w / 0.01, rel=1e-9)


def test_eta_eta_prime_mixing_hand_values():
    """eta -> gamma X for Q_q universal: (3 x_q cos th/(e (cos th - 2 sqrt2 sin th)))^2 (darkphoton.py). theta_P = 0
    gives the pure-octet (3 x_q/e)^2; the default sin(theta_P) = -1/3 gives (1.5 x_q/e)^2, a factor 4 below;
    theta_P = -10 deg gives (3 cos/(cos + 2 sqrt2 * 0.17365))^2 = (2.2017)^2 x_q^2/e^2."""
    assert THETA_P_DEG == pytest.approx(-19.4712, abs=1e-4)
    assert eta_gamma_ratio(ISOSCALAR, 0.0) == pytest.approx((1 / E_EM) ** 2, rel=1e-12)
    assert eta_gamma_ratio(ISOSCALAR) == pytest.approx((0.5 / E_EM) ** 2, rel=1e-12)
    c, s = np.cos(np.radians(-10.0)), np.sin(np.radians(-10.0))
    assert eta_gamma_ratio(ISOSCALAR, -10.0) == pytest.approx((c / (c - 2 * np.sqrt(2) * s) / E_EM) ** 2, rel=1e-12)
    assert eta_gamma_ratio(DP_QUARKS, -10.0) == pytest.approx(1.0, rel=1e-12)  # the dark photon is its own reference
    one = {"eta_gamma": np.array([1.0])}
    assert production_ratio(parse_charges("B-L"), one)[0] == pytest.approx(eta_gamma_ratio(ISOSCALAR), rel=1e-12)


def test_vmd_table_checksum_is_checked(tmp_path, monkeypatch):
    """A VMD table that does not match the sha256 of its spec.yaml is refused with a DataError naming the file."""
    for name in ("rf.csv", "spec.yaml"):
        (tmp_path / name).write_bytes((hadronic.DATA_DIR / name).read_bytes())
    with open(tmp_path / "rf.csv", "a") as fh:
        fh.write("2.0005,0,0,0,0,0,0,0,0,0,0,0,0\n")
    monkeypatch.setattr(hadronic, "DATA_DIR", tmp_path)
    hadronic.vmd_table.cache_clear()
    try:
        with pytest.raises(DataError, match="rf.csv"):
            hadronic.vmd_table()
    finally:
        monkeypatch.undo()
        hadronic.vmd_table.cache_clear()
        hadronic._r_table.cache_clear()


# --- Darkcast's own recasts -------------------------------------------------------------------------------------


def darkcast_recast(shared_reference, model: str, limit: str) -> np.ndarray:
    path = shared_reference / DARKCAST_RECAST / model / limit
    if not path.is_file():
        pytest.skip(f"Darkcast recast {path} not available")
    table = np.loadtxt(path, comments="#")
    return table[table[:, 1] < 1e4]  # 1e5 = no limit


def lhcb_limit():
    from globalfit.catalogue import Catalogue

    return Catalogue().get("lhcb_darkphoton_2019", "priors").read_csv("limit.csv")


def eps_loop(m: float) -> float:
    """One-loop mu/tau kinetic mixing of L_mu - L_tau at q^2 = m^2 (D.W.P. Amaral et al., arXiv:2006.11225 eq. 7,
    integrated over the Feynman parameter; the same expression as Darkcast's Lmu-Ltau_boson model): tends to
    e^2/(12 pi^2) ln(m_tau^2/m_mu^2) = 4.4e-3 for m -> 0."""
    def part(mf):
        root = np.sqrt(complex(4 * mf**2 - m**2))
        return 2 * (m**2 + 2 * mf**2) * root * np.arctan(m / root)
    val = 4 * m * (M_MU**2 - M_TAU**2) - part(M_MU) + part(M_TAU) - m**3 * np.log(M_MU**2 / M_TAU**2)
    return float(abs(E_EM**2 / (12 * np.pi**2) * val / m**3))


@pytest.mark.needs_shared
def test_lhcb_recast_b_minus_l_against_darkcast(shared_reference):
    """Our LHCb 2019 prompt recast for B - L against Darkcast v1.2's recast/limits/B-L_boson/LHCb_Aaij2019bvg_prompt.lmt.
    Tolerances: 1 % over 0.58-1.8 GeV (same VMD curves, same production ratios; the first node after the eta veto,
    0.5727 GeV, is left out: 4 % there from the veto-edge interpolation of the prior table); 6 % over 0.215-0.55 GeV (Darkcast
    weights eta -> gamma X and omega -> pi0 X by vector-meson Breit-Wigners, neglected here; we come out 2-5 %
    stronger); 3 % over 2-20 GeV (Darkcast keeps R at its 2 GeV value 2.18 for the dark photon where we use the
    partonic 2, and opens charm at 3.0 instead of 2.54 GeV). Before the VMD widths and eta-eta' mixing the low-mass
    ratio was 0.54."""
    from globalfit.components import component_class
    from globalfit.physics.theory import TheorySpec
    from globalfit.catalogue import Catalogue

    dc = darkcast_recast(shared_reference, "B-L_boson", "LHCb_Aaij2019bvg_prompt.lmt")
    entry = Catalogue().get("lhcb_darkphoton_2019", "priors")
    comp = component_class(entry.kind)(entry, TheorySpec("u1", parse_charges("B-L")), {})
    for lo, hi, tol in ((0.215, 0.55, 0.06), (0.58, 1.8, 0.01), (2.0, 20.0, 0.03)):
        sel = dc[(dc[:, 0] >= lo) & (dc[:, 0] <= hi)]
        sel = sel[:: max(1, len(sel) // 40)]
        ratio = comp.gprime_bound(sel[:, 0]) / sel[:, 1]
        assert np.all(np.abs(ratio - 1) < tol), (lo, hi, ratio.min(), ratio.max())


@pytest.mark.needs_shared
def test_lhcb_recast_lmu_minus_ltau_against_darkcast(shared_reference):
    """L_mu - L_tau with Darkcast's loop-induced kinetic mixing (x_q = Q_q eps_loop(m), x_e = -eps_loop(m); not a
    ChargeAssignment of this project, so the recast is assembled here from the same pieces lhcb_recast uses):
    g = eps_LHCb e/eps_loop sqrt(BR_DP(mu mu)/BR_X(mu mu)), every production ratio being (eps_loop/e)^2. Against
    Darkcast v1.2's recast/limits/Lmu-Ltau_boson/LHCb_Aaij2019bvg_prompt.lmt within 1.5 % over 0.215-1.8 GeV (787
    nodes: median ratio 0.9999), where the hadronic widths (VMD, a dark-photon-like tiny hadronic part) and neutrino
    widths (1/2 per flavour) decide BR_X(mu mu). Left out: 0.505-0.58 GeV, next to the eta veto, where both this
    model and B - L differ from Darkcast by the same factor (down to 0.96), so it is not the charge rescaling."""
    dc = darkcast_recast(shared_reference, "Lmu-Ltau_boson", "LHCb_Aaij2019bvg_prompt.lmt")
    table = lhcb_limit()
    sel = dc[(dc[:, 0] >= 0.215) & (dc[:, 0] <= 1.8) & ((dc[:, 0] < 0.505) | (dc[:, 0] > 0.58))]
    sel = sel[:: max(1, len(sel) // 60)]
    log_m = np.log(table["mass_GeV"].to_numpy(float))
    log_eps = np.log(table["eps_limit"].to_numpy(float))
    for m, g_dc in sel:
        k = eps_loop(m)
        x = {"mu": 1.0, "nu_mu": 1.0, "tau": -1.0, "nu_tau": -1.0, "e": -k,
             "u": 2 * k / 3, "d": -k / 3, "s": -k / 3, "c": 2 * k / 3, "b": -k / 3, "t": 2 * k / 3}
        br_x = fractions_of(vector_partial_widths(x, 1.0, m), m)["mu"]
        eps = np.exp(np.interp(np.log(m), log_m, log_eps))
        ours = eps * E_EM / k * np.sqrt(dark_photon_br_mumu(np.array([m]))[0] / br_x)
        assert ours == pytest.approx(g_dc, rel=0.015), m
