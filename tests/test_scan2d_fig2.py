"""Paper 001 Fig. 2: per-flavour couplings of the simplified Z' (``model.per_flavour``) and the (eps_ee, eps_mumu)
plane at M_Z' = 100 GeV, where COHERENT CsI 2021 + LAr 2020 leave two regions and the CMS mono-jet removes one."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from globalfit.config import parse_config
from globalfit.errors import ConfigError
from globalfit.physics.constants import G_F
from tests.conftest import ROOT

FIG2 = ROOT / "runs" / "paper001_fig2.yaml"


def _spec(**model):
    params = {"epsilon_ee": {"prior": "uniform", "lower": -1.0, "upper": 1.0},
              "epsilon_mumu": {"prior": "uniform", "lower": -1.0, "upper": 1.0}, "mass_GeV": {"value": 100.0}}
    return parse_config({"model": {"type": "simplified", "flavours": ["e", "mu"], "per_flavour": True} | model,
                         "parameters": params, "likelihoods": ["coherent_csi_2017"]}).theory_spec()


@pytest.mark.parametrize("convention, factor", [("physical", 2.0), ("paper000", 1.0)])
def test_per_flavour_maps_flavour_by_flavour(convention, factor):
    """Hand calculation (theory module docstring, paper 000 eq. 2.4 per flavour): eps^{uV}_aa = eps^{dV}_aa =
    c epsilon_aa M^2/(q^2 + M^2) with c = 2 (physical) or 1 (paper000), zero for tau and electrons; g_q g_nu_a =
    2 sqrt2 G_F M^2 epsilon_aa. Tolerance 1e-12 relative."""
    spec = _spec(epsilon_convention=convention)
    assert spec.parameter_names == ("epsilon_ee", "epsilon_mumu", "mass_GeV")
    point = spec.point({"epsilon_ee": 0.3, "epsilon_mumu": -0.2, "mass_GeV": 100.0})
    q2 = 2.0e-3
    shape = 1e4 / (q2 + 1e4)
    for f in ("u", "d"):
        assert point.eps(f, "e", q2) == pytest.approx(factor * 0.3 * shape, rel=1e-12)
        assert point.eps(f, "mu", q2) == pytest.approx(factor * -0.2 * shape, rel=1e-12)
        assert point.eps(f, "tau", q2) == 0.0
    assert point.eps("e", "e") == 0.0
    unit = 2.0 * np.sqrt(2.0) * G_F * 1e4
    assert point.quark_neutrino_coupling("e") == pytest.approx(unit * 0.3, rel=1e-12)
    assert point.quark_neutrino_coupling("mu") == pytest.approx(unit * -0.2, rel=1e-12)
    assert point.quark_neutrino_coupling("tau") == 0.0
    # independent flavours: the oscillation term sees flavour differences (not flavour-universal)
    assert len(set(spec.theory_mode.lepton_pattern().values())) == 3


def test_per_flavour_config_errors():
    base = {"likelihoods": ["coherent_csi_2017"],
            "parameters": {"epsilon": {"prior": "uniform", "lower": 0.0, "upper": 1.0}, "mass_GeV": {"value": 1.0}}}
    with pytest.raises(ConfigError, match="needs parameter 'epsilon_ee'"):
        parse_config(base | {"model": {"type": "simplified", "per_flavour": True}})
    with pytest.raises(ConfigError, match="per_flavour is a setting of the simplified mode"):
        parse_config(base | {"model": {"type": "u1", "charges": "B-3Lmu", "per_flavour": True}})
    per = {"epsilon_ee": {"prior": "uniform", "lower": 0.0, "upper": 1.0}, "epsilon_mumu": {"value": 0.1},
           "mass_GeV": {"value": 1.0}}
    with pytest.raises(ConfigError, match="'epsilon_mumu' is not used"):
        parse_config(base | {"model": {"type": "simplified", "flavours": ["e"], "per_flavour": True},
                             "parameters": per})


def test_monojet_reads_each_flavour_and_reduces_to_one_epsilon():
    """CMS mono-jet at M = 100 GeV: equal per-flavour couplings give exactly the rate of the one-epsilon model with
    flavours [e, mu] (same tables, to 1e-12); one flavour alone gives the same rate for e and mu (the LHC cannot tell
    neutrino flavours), and the pure Z' part adds over the flavours (interference off: 2x to 1e-12)."""
    from globalfit.model import Fit

    def comp(per_flavour, **opts):
        params = ({"epsilon_ee": {"prior": "uniform", "lower": -1, "upper": 1},
                   "epsilon_mumu": {"prior": "uniform", "lower": -1, "upper": 1}} if per_flavour
                  else {"epsilon": {"prior": "uniform", "lower": -1, "upper": 1}}) | {"mass_GeV": {"value": 100.0}}
        cfg = parse_config({"model": {"type": "simplified", "flavours": ["e", "mu"], "per_flavour": per_flavour},
                            "parameters": params,
                            "likelihoods": [{"id": "lhc_cms_monojet_2017", "options": opts}]})
        return Fit(cfg).components[0]

    per, one = comp(True), comp(False)
    tails = lambda c, **v: np.asarray(c.signal_tails(c.theory.point(v | {"mass_GeV": 100.0})), float)  # noqa: E731
    assert np.allclose(tails(per, epsilon_ee=0.05, epsilon_mumu=0.05), tails(one, epsilon=0.05), rtol=1e-12, atol=0)
    assert np.allclose(tails(per, epsilon_ee=0.05, epsilon_mumu=0.0), tails(per, epsilon_ee=0.0, epsilon_mumu=0.05),
                       rtol=1e-12, atol=0)
    pure = comp(True, sm_interference=False)
    both, single = tails(pure, epsilon_ee=0.05, epsilon_mumu=0.05), tails(pure, epsilon_ee=0.05, epsilon_mumu=0.0)
    assert np.all(single > 0) and np.allclose(both, 2.0 * single, rtol=1e-12, atol=0)


def _pieces(allowed: np.ndarray) -> int:
    """Number of disjoint runs of True."""
    a = allowed.astype(int)
    return int(a[0] + np.sum(np.diff(a) == 1))


@pytest.mark.slow
def test_fig2_coherent_two_regions_monojet_removes_one():
    """Paper 001 Fig. 2 (text of its sec. IV.1): COHERENT CsI + LAr leave two separate regions in the NSI plane, and
    for M_Z' above 80 GeV the mono-jet excludes the second one. The run config runs/paper001_fig2.yaml on a reduced
    4 x 4 grid over [-0.01, 0.20]^2: along the diagonal eps_ee = eps_mumu (a line through both regions: a fine 1-D
    profile puts them at [-0.02, 0.01] and [0.19, 0.21], 95 %, 2 dof) the COHERENT sum is allowed (Delta chi^2 <
    5.99) at 0 and 0.20 and excluded between (two disjoint intervals); with the mono-jet only the SM-like point stays.
    (Off the diagonal the islands with one flipped weak charge, (0, 0.19) and (0.19, 0), stay at Delta chi^2 ~ 3:
    README.) About 3 minutes on a loaded machine."""
    from globalfit.frequentist.scan2d import LEVELS_2D, scan2d

    raw = yaml.safe_load(FIG2.read_text())
    raw["scan"] |= {"n": 4, "x_range": [-0.01, 0.20], "y_range": [-0.01, 0.20], "processes": 1}
    res = scan2d(parse_config(raw))
    d95 = LEVELS_2D[0.95]
    coherent = np.diag(res.grid("coherent")[2])  # scan.groups of the run config: CsI + LAr
    assert np.allclose(coherent, np.diag(res.combination(["coherent_csi_2021", "coherent_lar_2020"])), atol=1e-9)
    combined = np.diag(res.grid("combined")[2])
    assert _pieces(coherent < d95) == 2 and coherent[0] < d95 and coherent[-1] < d95
    assert _pieces(combined < d95) == 1 and combined[0] < d95 and combined[-1] > d95
    # the mono-jet alone allows the SM corner and excludes the far corner of the plane
    monojet = np.diag(res.grid("lhc_cms_monojet_2017")[2])
    assert monojet[0] < d95 < monojet[-1]


def test_scan_groups_add_a_summed_column_and_bad_groups_are_config_errors():
    """scan.groups: a named sum of datasets is one more column, equal to Scan2DResult.combination (1e-9) with minimum
    0; a group with an unknown dataset or the name of a dataset is refused before any work."""
    from globalfit.frequentist.scan2d import scan2d

    base = {"model": {"type": "eft"}, "likelihoods": ["coherent_csi_2017", "oscillation_esteban2018"],
            "parameters": {p: {"prior": "uniform", "lower": -0.2, "upper": 0.4} for p in ("eps_u_ee", "eps_u_mumu")}}
    scan = {"x": "eps_u_ee", "y": "eps_u_mumu", "n": 2, "processes": 1}
    for groups, match in (({"both": ["coherent_csi_2017", "nope"]}, "unknown: nope"),
                          ({"coherent_csi_2017": ["coherent_csi_2017", "oscillation_esteban2018"]}, "has the name")):
        with pytest.raises(ConfigError, match=match):
            scan2d(parse_config(base | {"scan": scan | {"groups": groups}}))
    res = scan2d(parse_config(base | {"scan": scan | {"groups": {"both": ["coherent_csi_2017",
                                                                           "oscillation_esteban2018"]}}}))
    z = res.grid("both")[2]
    assert np.allclose(z, res.combination(["coherent_csi_2017", "oscillation_esteban2018"]), atol=1e-9)
    assert z.min() == 0.0 and res.meta["groups"] == {"both": ["coherent_csi_2017", "oscillation_esteban2018"]}
    # two datasets with no shared nuisance: their sum is the combined column
    assert np.allclose(z, res.grid("combined")[2], atol=1e-6)
