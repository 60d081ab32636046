"""posterior.nc as ArviZ reads it (groups, per-bin log-likelihood, posterior predictive, attributes) and the saved
nested run as dynesty reads it; evidence errors from repeats."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from globalfit.config import parse_config

ROOT = Path(__file__).resolve().parents[1]
BINS = "coherent_csi_2017_counts"


def _cfg(method: str, **sampler):
    raw = yaml.safe_load((ROOT / "runs" / "quickstart.yaml").read_text())
    raw["sampler"] = {"method": method, "seed": 2, **sampler}
    if method == "nuts":  # unimodal: mass fixed, as in test_inference.test_nuts_and_nested_agree
        raw["parameters"] = {"gprime": {"prior": "log-uniform", "lower": 1e-6, "upper": 1e-2}, "mass_GeV": {"value": 0.05}}
        raw["priors"] = []
    return parse_config(raw)


@pytest.fixture(scope="module")
def nested_folder(tmp_path_factory):
    import globalfit

    out = tmp_path_factory.mktemp("nested") / "run"
    globalfit.run(_cfg("nested", nlive=60, dlogz=1.0)).save(out)
    return out


def test_groups_and_attrs(nested_folder):
    """Every ArviZ group is present; ln Z, versions, config, checksums and citations are in the attributes."""
    import arviz as az

    idata = az.from_netcdf(str(nested_folder / "posterior.nc"))
    assert {"posterior", "log_likelihood", "sample_stats", "prior", "observed_data", "posterior_predictive"} <= \
        set(idata.groups())
    attrs = idata.posterior.attrs
    assert attrs["inference_library"] == "dynesty" and attrs["inference_library_version"]
    assert attrs["globalfit_version"] and "coherent_csi_2017" in attrs["data_checksums"]
    assert "COHERENT" in attrs["citations"] or "Akimov" in attrs["citations"]
    assert yaml.safe_load(attrs["resolved_config"])["name"] == "quickstart"
    assert np.isfinite(attrs["log_evidence"]) and attrs["log_evidence_err"] > 0
    assert attrs["evidence_error_model"].startswith("jitter+resample")


def test_log_likelihood_per_bin_and_total(nested_folder):
    """log_likelihood: one scalar per dataset per draw, their sum ``total``, and per-bin values of the binned CsI
    2017 spectrum (12 bins) with an observation dimension; for CsI 2017 (independent Gaussian bins) the per-bin
    values sum to the dataset term up to the draw-independent normalisation."""
    import arviz as az

    idata = az.from_netcdf(str(nested_folder / "posterior.nc"))
    ll = idata.log_likelihood
    ds = ["coherent_csi_2017", "oscillation_esteban2018", "lhcb_darkphoton_2019", "babar_4mu_2016", "ccfr_trident"]
    np.testing.assert_allclose(ll["total"].values, sum(ll[d].values for d in ds), rtol=1e-12)
    assert ll[BINS].dims == ("chain", "draw", "coherent_csi_2017_bin")
    assert ll[BINS].shape[-1] == idata.observed_data[BINS].size == idata.posterior_predictive[BINS].shape[-1]
    diff = ll[BINS].values.sum(axis=-1) - ll["coherent_csi_2017"].values
    assert np.ptp(diff) < 1e-8 * max(1.0, abs(diff).max())
    sw = idata.sample_stats["importance_weight"].values
    assert np.all(sw > 0) and np.all(sw <= 1)


def test_arviz_functions_work(nested_folder):
    """az.summary, az.plot_trace, az.plot_ppc and az.loo run on the nested output."""
    import arviz as az
    import matplotlib

    matplotlib.use("Agg")
    idata = az.from_netcdf(str(nested_folder / "posterior.nc"))
    assert "mean" in az.summary(idata, var_names=["gprime"]).columns
    az.plot_trace(idata, var_names=["gprime"])
    az.plot_ppc(idata, var_names=[BINS], num_pp_samples=20)
    loo = az.loo(idata, var_name=BINS)
    assert np.isfinite(loo.elpd_loo) and loo.n_data_points == idata.observed_data[BINS].size


def test_nested_run_loads_in_dynesty(nested_folder):
    """nested_run.npz opens as a dynesty Results: runplot works and its ln Z is evidence.json's (no constant
    term in the quickstart)."""
    import json

    import matplotlib

    matplotlib.use("Agg")
    from dynesty import plotting

    from globalfit.results import load_nested_run, load_results

    res = load_nested_run(nested_folder)
    ev = json.loads((nested_folder / "evidence.json").read_text())
    assert res.logz[-1] + ev["constant_loglike_of_insensitive_datasets"] == pytest.approx(ev["log_evidence"], abs=1e-12)
    assert {"logwt", "logl", "logvol", "information", "samples"} <= set(res.keys())
    plotting.runplot(res)
    assert load_results(nested_folder).nested_run is not None


def test_nuts_sample_stats_and_energy(tmp_path):
    """NUTS keeps PyMC's full sample stats; az.plot_energy and az.loo work."""
    import arviz as az
    import matplotlib

    import globalfit

    matplotlib.use("Agg")
    out = globalfit.run(_cfg("nuts", draws=100, tune=100, chains=2)).save(tmp_path / "nuts")
    idata = az.from_netcdf(str(out / "posterior.nc"))
    assert {"energy", "tree_depth", "step_size", "diverging", "lp"} <= set(idata.sample_stats.data_vars)
    assert idata.posterior.attrs["inference_library"] == "pymc"
    az.plot_energy(idata)
    assert np.isfinite(az.loo(idata, var_name=BINS).elpd_loo)
    assert not (out / "nested_run.npz").exists()


def test_repeats_merge_runs(tmp_path, monkeypatch):
    """sampler.repeats: 3 merges three seeds; the error is the scatter over sqrt(3) (never below dynesty's); the
    Gaussian toy's ln Z = -ln 2 (analytic, uniform prior of width 2) within 3 of those errors."""
    import globalfit
    from globalfit.datatools import write_dataset

    root = tmp_path / "data"
    write_dataset("likelihoods", "toy_gauss",
                  {"kind": "gaussian_toy", "description": "Gaussian toy", "citation": "test", "parameter": "eps_u_ee",
                   "mean": 0.2, "sigma": 0.05}, {"note.txt": "toy\n"}, "# toy\n", root=root)
    monkeypatch.setenv("GLOBALFIT_DATA_PATH", str(root))
    cfg = parse_config({"schema_version": 1, "name": "toy", "model": {"type": "eft"},
                        "parameters": {"eps_u_ee": {"prior": "uniform", "lower": -1.0, "upper": 1.0}},
                        "likelihoods": ["toy_gauss"], "sampler": {"nlive": 100, "dlogz": 0.1, "seed": 5, "repeats": 3}})
    r = globalfit.run(cfg)
    ev = r.evidence
    assert ev["error_model"] == "repeats:3" and len(set(ev["log_evidence_repeats"])) == 3
    assert ev["log_evidence_err"] >= ev["dynesty_logzerr"] - 1e-15
    assert ev["log_evidence_err"] >= np.std(ev["log_evidence_repeats"], ddof=1) / np.sqrt(3) - 1e-15
    assert abs(ev["log_evidence"] + np.log(2.0)) < 3 * ev["log_evidence_err"]
    assert r.nested_run.isdynamic()  # merged runs carry samples_n


def test_repeats_is_validated():
    """sampler.repeats below 1 is a ConfigError naming the key."""
    from globalfit.errors import ConfigError

    raw = yaml.safe_load((ROOT / "runs" / "quickstart.yaml").read_text())
    raw["sampler"]["repeats"] = 0
    with pytest.raises(ConfigError, match="repeats"):
        parse_config(raw)


def test_jeffreys_category_only_when_stable():
    """Kass & Raftery thresholds 1, 2.5, 5 in |ln B|: 3.0 +- 0.2 is moderate throughout; 3.0 +- 0.6 reaches 2.4
    (weak) and is reported unstable; -0.5 +- 0.4 stays inconclusive across 0."""
    from globalfit.comparison import stable_jeffreys

    assert stable_jeffreys(3.0, 0.2) == "moderate evidence for"
    assert stable_jeffreys(3.0, 0.6) == "unstable: weak evidence for .. moderate evidence for"
    assert stable_jeffreys(-0.5, 0.4) == "inconclusive"


def test_compare_keeps_error_model_and_posteriors(tmp_path):
    """compare.csv gains error_model after the pinned columns; each model's posterior is written."""
    import pandas as pd

    from globalfit.comparison import bayes_factor_table
    from globalfit.results import COMPARE_COLUMNS, CompareResult

    t = bayes_factor_table([{"model": m, "log_evidence": z, "log_evidence_err": 0.1, "error_model": "repeats:3"}
                            for m, z in (("A", -1.0), ("B", -4.0))])
    post = {"A": {"gprime": np.ones(5)}, "B": {"gprime": np.zeros(5)}}
    out = CompareResult(t, {"name": "x"}, name="x", posteriors=post).save(tmp_path / "cmp")
    cols = list(pd.read_csv(out / "compare.csv").columns)
    assert cols[:4] == COMPARE_COLUMNS[:4] and cols[-1] == "error_model"
    assert np.load(out / "posteriors" / "B.npz")["gprime"].sum() == 0
