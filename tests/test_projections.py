"""Projections: the ``projections/`` catalogue section, the ``projections:`` config key, ``combined_projected`` and
the HL-LHC mono-X projections (paper 000 sec. 4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from globalfit.catalogue import Catalogue
from globalfit.config import check_datasets, parse_config
from globalfit.errors import ConfigError

BASE = {"model": {"type": "u1", "charges": "B-3Lmu"},
        "parameters": {"gprime": {"prior": "log-uniform", "lower": 1e-6, "upper": 1.0},
                       "mass_GeV": {"prior": "log-uniform", "lower": 1e-3, "upper": 10.0}}}


def test_projections_are_a_section_apart():
    """dune_t2hk_projection and the HL-LHC projections are under projections/, none among the likelihoods, and every
    projection folder verifies (checksums, schema)."""
    cat = Catalogue()
    proj = cat.ids("projections")
    assert {"dune_t2hk_projection", "hllhc_cms_monojet_300", "hllhc_cms_monojet_3000", "hllhc_atlas_monojet_300",
            "hllhc_atlas_monojet_3000"} <= set(proj)
    assert not set(proj) & set(cat.ids("likelihoods"))
    for pid in proj:
        cat.get(pid, "projections")


def test_projection_listed_as_likelihood_is_a_config_error():
    """A projection under likelihoods: is a ConfigError naming the entry and pointing to 'projections:'."""
    cfg = parse_config({**BASE, "likelihoods": ["oscillation_esteban2018_single", "dune_t2hk_projection"]})
    with pytest.raises(ConfigError, match=r"likelihoods\[1\].*projections:"):
        check_datasets(cfg)
    ok = parse_config({**BASE, "likelihoods": ["oscillation_esteban2018_single"], "projections": ["dune_t2hk_projection"]})
    check_datasets(ok)
    with pytest.raises(ConfigError, match="listed twice"):
        parse_config({**BASE, "likelihoods": ["coherent_csi_2017"],
                      "projections": ["dune_t2hk_projection", "dune_t2hk_projection"]})


def test_combined_stays_data_only(tmp_path):
    """limits with a projection: component 'combined' equals the data-only limit (oscillation_esteban2018_single
    alone, exact), the projection and 'combined_projected' appear as extra rows, combined_projected is at least as
    strong as either (DUNE+T2HK ranges are narrower than today's), and the fit of the run never sees the projection."""
    from globalfit.cli import main

    p = tmp_path / "c.yaml"
    p.write_text(yaml.safe_dump({**BASE, "likelihoods": ["oscillation_esteban2018_single"],
                                 "projections": ["dune_t2hk_projection"],
                                 "limits": {"masses_GeV": [0.01, 1.0], "processes": 1}}))
    assert main(["limits", str(p), "--out", str(tmp_path / "lim"), "--expected"]) == 0
    t = pd.read_csv(tmp_path / "lim" / "limits.csv")
    d = t[t["method"] == "delta_chi2_profile"].set_index(["mass_GeV", "component"])["upper"]
    for m in (0.01, 1.0):
        assert d[(m, "combined")] == d[(m, "oscillation_esteban2018_single")]
        assert d[(m, "combined_projected")] <= min(d[(m, "combined")], d[(m, "dune_t2hk_projection")]) * (1 + 1e-6)
        assert d[(m, "dune_t2hk_projection")] < d[(m, "combined")]
    e = pd.read_csv(tmp_path / "lim" / "expected_limits.csv")
    assert {"combined", "combined_projected", "dune_t2hk_projection"} <= set(e["component"])


def _hl_limit(projection: str, mass: float) -> float:
    """95 % CLs limit on eps of one projection (its most sensitive inclusive region), paper 000's simplified model."""
    from globalfit.config import load_config
    from globalfit.frequentist.cls import best_cls_region
    from globalfit.projections import projected_fit

    cfg = load_config(Path(__file__).resolve().parents[1] / "runs" / "paper000_lhc.yaml")
    cfg.projections = [type(cfg.likelihoods[0])(id=projection)]
    pfit = projected_fit(cfg)
    comp = next(j for j, c in enumerate(pfit.components) if c.id == projection)
    return best_cls_region(pfit, pfit.components[comp], mass, (1e-4, 10.0), 0.95)[0]


@pytest.mark.parametrize("projection, mass, published", [
    ("hllhc_cms_monojet_300", 200.0, 0.035), ("hllhc_cms_monojet_300", 2000.0, 0.0030),
    ("hllhc_cms_monojet_300", 1e5, 0.010), ("hllhc_cms_monojet_3000", 200.0, 0.035),
    ("hllhc_cms_monojet_3000", 2000.0, 0.0028), ("hllhc_cms_monojet_3000", 1e5, 0.0097)])
def test_table2_cmsj_hllhc(projection, mass, published):
    """Paper 000 Table 2, CMSJ HL-LHC columns (95 % CLs, eps_u = eps_d, Gamma/M = 0.1; the paper at NLO with theory
    uncertainties): 0.035 / 0.0030 / 0.010 at 300/fb and 0.035 / 0.0028 / 0.0097 at 3000/fb for M = 0.2 / 2 / 100 TeV.
    Ours at LO: 0.0421 / 0.00302 / 0.0104 and 0.0415 / 0.00285 / 0.00982. Tolerance 25 % (the 0.2 TeV point is +20 %,
    as the current-data one is +22 % in tests/test_lhc_monojet.py)."""
    assert _hl_limit(projection, mass) == pytest.approx(published, rel=0.25)


def test_hllhc_gains_little_over_current_data():
    """Paper 000 sec. 4: mono-jet is systematics dominated, so 3000/fb improves on 300/fb by only 'a few percents'
    (ours: 5.6 % at 2 TeV), and 300/fb on the current data by less than 15 % at 2 TeV."""
    l300, l3000 = _hl_limit("hllhc_cms_monojet_300", 2000.0), _hl_limit("hllhc_cms_monojet_3000", 2000.0)
    assert 0.0 < 1 - l3000 / l300 < 0.10
    assert np.isfinite(l300) and l300 < 0.00315 and l300 > 0.85 * 0.00315


# -- paper 002 projections: COHERENT LAr 750 kg and HL-LHC resonances ------------------------------------------
def test_lar750_projection_is_lar2020_scaled():
    """projections/coherent_lar750_projection (paper 002 sec. 3): the LAr 2020 SM CEvNS template times
    (750/24.4) (8.4e23/1.38e23) (27.5/29)^2 = 168.2 (hand calculation) in every kept bin (energy < 40 keVee), the
    steady state 1/4 of the SM total and the same in every energy x time bin, no BRN, data = the SM expectation;
    nuisances gamma (17.5 %) and steady state (1/sqrt(N_ss)) only. Tolerance 2e-9 (the CSV keeps 10 digits)."""
    cat = Catalogue()
    now, proj = cat.get("coherent_lar_2020"), cat.get("coherent_lar750_projection", "projections")
    a, b = now.read_csv("bins.csv"), proj.read_csv("bins.csv")
    a = a[a["e_high_keVee"] <= 40.0].reset_index(drop=True)
    scale = (750 / 24.4) * (8.4e23 / 1.38e23) * (27.5 / 29.0) ** 2
    assert scale == pytest.approx(168.2, abs=0.05)
    assert np.allclose(b["cevns_sm"], scale * a["cevns_sm"], rtol=1e-9)
    assert b["steady_state"].sum() == pytest.approx(0.25 * b["cevns_sm"].sum(), rel=1e-9)
    per_bin = b.groupby(["e_low_keVee", "t_low_us"])["steady_state"].sum()
    assert np.allclose(per_bin, per_bin.iloc[0], rtol=1e-9)
    assert not b[["brn_prompt", "brn_delayed"]].to_numpy().any()
    assert np.allclose(b["data"], b["cevns_sm"] + b["steady_state"], rtol=2e-9)  # 10 digits in the CSV
    from globalfit.config import parse_config
    from globalfit.projections import projected_fit

    cfg = parse_config({**BASE, "likelihoods": ["oscillation_esteban2018_single"],
                        "projections": ["coherent_lar750_projection"]})
    comp = projected_fit(cfg).components[1]
    assert comp.sigmas == pytest.approx({"gamma": 0.175, "steady_state": 1 / np.sqrt(b["steady_state"].sum())})


def test_hllhc_resonance_projections_scale_as_root_luminosity():
    """projections/hllhc_atlas_{dilepton,ditau}_3000: every limit is the 139 (36.1)/fb one times sqrt(L0/3000)
    (background dominated, paper 002 eq. 4.4); the combined ll and ditau curves from the current datasets, the
    single-channel ones from the expected (HiggsBounds 'pred') dimuon/dielectron tables, which lie below the observed
    dimuon limit at 250 GeV (12.83 vs 12.33 fb: above it there; hand-read from the tables). Tolerance 1e-9."""
    cat = Catalogue()
    for pid, current, lumi in (("hllhc_atlas_dilepton_3000", "lhc_atlas_dilepton_2019", 139.0),
                               ("hllhc_atlas_ditau_3000", "lhc_atlas_ditau_2017", 36.1)):
        now, proj = cat.get(current), cat.get(pid, "projections")
        f = np.sqrt(lumi / 3000.0)
        assert np.allclose(proj.read_csv("limit.csv")["sigma_B_limit_fb"],
                           f * now.read_csv("limit.csv")["sigma_B_limit_fb"], rtol=1e-9)
        assert proj.spec["kind"] == "resonance_limit"
    mumu = cat.get("hllhc_atlas_dilepton_3000", "projections").read_csv("limit_mumu.csv")
    first = mumu[(mumu["mass_GeV"] == 250) & (mumu["width_ratio"] == 0)]["sigma_B_limit_fb"].iloc[0]
    assert first == pytest.approx(12.826691126232118 * np.sqrt(139 / 3000.0), rel=1e-9)


def _case_a_fit(projections: list[str], likelihoods: list[str], priors: list[str] = ()):
    from globalfit.config import parse_config
    from globalfit.projections import projected_fit

    return projected_fit(parse_config({
        "model": {"type": "u1", "charges": "A"},
        "parameters": {"gprime": {"prior": "log-uniform", "lower": 1e-6, "upper": 1.0},
                       "mass_GeV": {"prior": "log-uniform", "lower": 0.005, "upper": 6000.0}},
        "likelihoods": likelihoods, "priors": list(priors), "projections": projections}))


@pytest.mark.slow
def test_lar750_a_factor_three_below_csi2017():
    """Paper 002 sec. 3 and Fig. 2 (Case A, B-3Lmu): the 750 kg LAr expected 2 sigma limit on g' improves on the CsI
    2017 one by 'a factor of three'. Ours (Delta chi^2 = 4; CsI observed, LAr Asimov): 4.16 at 0.1 GeV, 3.72 at 1 GeV
    (6.4 at 10 MeV, where the paper's figure is not read). Tolerance: the ratio within 2-5 over 0.1-1 GeV."""
    from globalfit.frequentist.expected import asimov_fit, profile_limits

    fit = _case_a_fit(["coherent_lar750_projection"], ["coherent_csi_2017"])
    asimov = asimov_fit(fit)
    for mass in (0.1, 1.0):
        (csi,), _ = profile_limits(fit, [0], mass, (1e-6, 1.0), [4.0])
        (lar,), _ = profile_limits(asimov, [1], mass, (1e-6, 1.0), [4.0])
        assert 2.0 < csi / lar < 5.0, (mass, csi, lar)


@pytest.mark.slow
def test_paper002_who_leads_where_case_a():
    """Paper 002 sec. 3 and 6 (Case A, Fig. 2): among current data and projections DUNE+T2HK lead for 5-20 MeV, the
    750 kg LAr detector for 20 MeV - 1 GeV (then LHCb, current data) and the HL-LHC dilepton search (3000/fb) at high
    mass. Tolerance: each crossover within a factor 2 (the leader is checked at half and twice the paper's crossover:
    10/40 MeV and 0.5/2 GeV). The HL-LHC projection here is the ATLAS 139/fb search scaled with luminosity, which
    starts at 250 GeV (the paper's own simulation reaches down to 10 GeV): it is checked to lead at 0.5 and 2 TeV.
    Ours on a 19-point grid (globalfit.projections.projected_dominance): DUNE+T2HK up to 23 MeV, LAr 750 50 MeV -
    1.08 GeV, LHCb 2.3-50 GeV, LAr 750 108-232 GeV, HL-LHC 0.5-2.3 TeV."""
    from globalfit.config import parse_config
    from globalfit.projections import projected_dominance

    cfg = parse_config({
        "model": {"type": "u1", "charges": "A"},
        "parameters": {"gprime": {"prior": "log-uniform", "lower": 1e-6, "upper": 1.0},
                       "mass_GeV": {"prior": "log-uniform", "lower": 0.005, "upper": 6000.0}},
        "likelihoods": ["coherent_csi_2017", "oscillation_esteban2018_single", "lhc_atlas_dilepton_2019"],
        "priors": ["lhcb_darkphoton_2019", "babar_4mu_2016", "ccfr_trident"],
        "projections": ["dune_t2hk_projection", "coherent_lar750_projection", "hllhc_atlas_dilepton_3000"],
        "limits": {"masses_GeV": [0.005, 0.01, 0.04, 0.5, 2.0, 500.0, 2000.0], "processes": 1}})
    lead = dict(zip(*projected_dominance(cfg, processes=1).dominant[["mass_GeV", "dataset"]].to_numpy().T))
    want = {0.005: "dune_t2hk_projection", 0.01: "dune_t2hk_projection", 0.04: "coherent_lar750_projection",
            0.5: "coherent_lar750_projection", 2.0: "lhcb_darkphoton_2019", 500.0: "hllhc_atlas_dilepton_3000",
            2000.0: "hllhc_atlas_dilepton_3000"}
    assert lead == want
