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
