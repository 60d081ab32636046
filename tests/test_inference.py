"""Samplers and result folders: evidence of a Gaussian toy, NUTS vs nested sampling, resume, pinned outputs, compare."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from globalfit.cli import main
from globalfit.config import load_config, parse_config
from globalfit.datatools import write_dataset

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def key_dir(tmp_path, monkeypatch) -> Path:
    """A checkpoint key of this test only (never the user's)."""
    monkeypatch.setenv("GLOBALFIT_KEY_DIR", str(tmp_path / "keys"))
    return tmp_path / "keys"


@pytest.fixture()
def toy_root(tmp_path, monkeypatch):
    """A data root with a Gaussian toy dataset, found through GLOBALFIT_DATA_PATH."""
    root = tmp_path / "data"
    write_dataset("likelihoods", "toy_gauss",
                  {"kind": "gaussian_toy", "description": "Gaussian toy", "citation": "test", "parameter": "eps_u_ee",
                   "mean": 0.2, "sigma": 0.05},
                  {"note.txt": "toy\n"}, "# toy\n", root=root)
    monkeypatch.setenv("GLOBALFIT_DATA_PATH", str(root))
    return root


def toy_config(tmp_path, **sampler) -> Path:
    raw = {"schema_version": 1, "name": "toy", "model": {"type": "eft"},
           "parameters": {"eps_u_ee": {"prior": "uniform", "lower": -1.0, "upper": 1.0}},
           "likelihoods": ["toy_gauss"],
           "sampler": {"method": "nested", "nlive": 300, "dlogz": 0.05, "seed": 3, **sampler},
           "output": {"dir": str(tmp_path / "toy_out")}}
    p = tmp_path / "toy.yaml"
    p.write_text(yaml.safe_dump(raw))
    return p


def test_toy_evidence(toy_root, tmp_path):
    """Normalised Gaussian (sigma 0.05) inside a uniform prior of width 2: ln Z = -ln 2 = -0.6931 (analytic). dynesty's
    ln Z within 3 times its reported error."""
    import globalfit

    out = globalfit.run(load_config(toy_config(tmp_path))).save(tmp_path / "toy_out")
    ev = json.loads((out / "evidence.json").read_text())
    assert abs(ev["log_evidence"] + np.log(2.0)) < 3 * ev["log_evidence_err"]
    post = pd.read_csv(out / "summary.csv", index_col=0)
    assert post.loc["eps_u_ee", "mean"] == pytest.approx(0.2, abs=0.01)
    assert post.loc["eps_u_ee", "sd"] == pytest.approx(0.05, rel=0.15)


def test_same_seed_same_summary(toy_root, tmp_path):
    """Reproducibility: two runs with the same seed give identical summaries."""
    import globalfit

    cfg = load_config(toy_config(tmp_path, nlive=100, dlogz=0.5))
    a = globalfit.run(cfg).save(tmp_path / "a")
    b = globalfit.run(cfg).save(tmp_path / "b")
    assert (a / "summary.csv").read_text() == (b / "summary.csv").read_text()


def test_progress_lines_in_a_log(toy_root, tmp_path, capsys, caplog, monkeypatch):
    """Long work shows progress: with stderr not a terminal (a log file, CI) nested sampling logs plain lines with the
    iteration, ln Z and the remaining Delta ln Z (the CLI shows them on stderr) instead of dynesty's carriage-return
    status line, and prints nothing itself."""
    import logging

    import globalfit
    from globalfit.inference import nested

    monkeypatch.setattr(nested, "PROGRESS_EVERY_S", 0.0)
    caplog.set_level(logging.INFO, logger="globalfit.nested")
    globalfit.run(load_config(toy_config(tmp_path, nlive=50, dlogz=1.0)))
    assert "nested sampling: iteration" in caplog.text and "remaining Delta ln Z" in caplog.text
    assert "\r" not in capsys.readouterr().err


def test_output_exists_needs_force(toy_root, tmp_path, capsys):
    p = toy_config(tmp_path, nlive=50, dlogz=1.0)
    (tmp_path / "toy_out").mkdir()
    assert main(["run", str(p)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["run", str(p), "--force"]) == 0


@pytest.mark.slow
def test_resume_after_kill(toy_root, tmp_path):
    """Kill a nested run (SIGTERM) after its first checkpoint, then --resume: it says it resumed and ends with about the
    same number of iterations as an uninterrupted run (within 5 %)."""
    from test_resume import WAIT_S, wait_for_file

    # every checkpoint is pickled and sealed: a few per second of a big sampler would dominate the run on a loaded box
    cfgp = toy_config(tmp_path, nlive=500, dlogz=0.01, checkpoint_every_s=1.0)
    env = {**os.environ, "GLOBALFIT_DATA_PATH": str(toy_root), "GLOBALFIT_KEY_DIR": str(tmp_path / "keys")}
    out = tmp_path / "toy_out"
    partial = out.with_name(out.name + ".partial")
    proc = subprocess.Popen([sys.executable, "-m", "globalfit.cli", "run", str(cfgp)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # the seal is written right after the checkpoint: wait for it (polling), never for a fixed time
    if not wait_for_file(partial / "dynesty.save.seal.json", proc):
        proc.communicate()
        pytest.skip("the run finished before its first checkpoint")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=WAIT_S)
    if proc.returncode == 0:
        pytest.skip("the run finished before it could be interrupted")
    assert proc.returncode == 130 and "resume with --resume" in err and "Traceback" not in err
    assert not out.exists()  # no partial result folder
    res = subprocess.run([sys.executable, "-m", "globalfit.cli", "-v", "run", str(cfgp), "--resume"], env=env,
                         capture_output=True, text=True, timeout=WAIT_S)
    assert res.returncode == 0, res.stderr
    assert "resumed nested sampling" in res.stderr
    resumed = json.loads((out / "evidence.json").read_text())
    ref = subprocess.run([sys.executable, "-m", "globalfit.cli", "run", str(cfgp), "--out", str(tmp_path / "ref")],
                         env=env, capture_output=True, text=True, timeout=WAIT_S)
    assert ref.returncode == 0, ref.stderr
    full = json.loads((tmp_path / "ref" / "evidence.json").read_text())
    assert resumed["niter"] == pytest.approx(full["niter"], rel=0.05)
    assert abs(resumed["log_evidence"] - full["log_evidence"]) < 3 * np.hypot(resumed["log_evidence_err"], full["log_evidence_err"])


def test_resume_refuses_changed_config(toy_root, tmp_path, capsys):
    from globalfit.inference.nested import CHECKPOINT, CONFIG

    cfgp = toy_config(tmp_path)
    partial = tmp_path / "toy_out.partial"
    partial.mkdir()
    (partial / CHECKPOINT).write_text("x")
    (partial / CONFIG).write_text(yaml.safe_dump({"name": "something else"}))
    assert main(["run", str(cfgp), "--resume"]) == 2
    assert "different config" in capsys.readouterr().err


def small_real_config(tmp_path, method: str, **sampler) -> Path:
    raw = yaml.safe_load((ROOT / "runs" / "quickstart.yaml").read_text())
    raw["sampler"] = {"method": method, "seed": 2, **sampler}
    raw["output"] = {"dir": str(tmp_path / f"out_{method}")}
    p = tmp_path / f"{method}.yaml"
    p.write_text(yaml.safe_dump(raw))
    return p


def test_pinned_outputs_and_log_likelihood(tmp_path):
    """A real (small) nested run writes every pinned file; posterior.nc opens with ArviZ and has one log_likelihood
    variable per dataset."""
    import arviz as az

    p = small_real_config(tmp_path, "nested", nlive=60, dlogz=1.0)
    assert main(["run", str(p)]) == 0
    out = tmp_path / "out_nested"
    for name in ("config.yaml", "posterior.nc", "summary.csv", "evidence.json"):
        assert (out / name).is_file()
    assert list((out / "plots").glob("*.png"))
    idata = az.from_netcdf(str(out / "posterior.nc"))
    ids = {"coherent_csi_2017", "oscillation_esteban2018", "lhcb_darkphoton_2019", "babar_4mu_2016", "ccfr_trident"}
    assert ids <= set(idata.log_likelihood.data_vars) <= ids | {"total", "coherent_csi_2017_counts"}
    assert {"eps_pn_mumu", "mass_over_gprime_GeV", "br_mumu"} <= set(idata.posterior.data_vars)
    conf = yaml.safe_load((out / "config.yaml").read_text())
    assert conf["seed"] == 2 and "pymc" in conf["versions"] and "coherent_csi_2017" in conf["data_checksums"]


@pytest.mark.slow
def test_nuts_and_nested_agree(tmp_path):
    """Unimodal case (M fixed at 50 MeV, g' free, CsI 2017 + oscillations): the 95 % upper quantile of g' from NUTS and
    from nested sampling agree within 10 %."""
    import arviz as az

    base = {"parameters": {"gprime": {"prior": "log-uniform", "lower": 1e-6, "upper": 1e-2}, "mass_GeV": {"value": 0.05}},
            "priors": []}
    q = {}
    for method, sampler in (("nested", {"nlive": 400, "dlogz": 0.05}),
                            ("nuts", {"draws": 1000, "tune": 1000, "chains": 2, "target_accept": 0.99})):
        p = small_real_config(tmp_path, method, **sampler)
        raw = yaml.safe_load(p.read_text())
        raw.update(base)
        p.write_text(yaml.safe_dump(raw))
        assert main(["run", str(p)]) == 0
        idata = az.from_netcdf(str(tmp_path / f"out_{method}" / "posterior.nc"))
        q[method] = float(np.quantile(idata.posterior["gprime"].values.ravel(), 0.95))
    assert q["nuts"] == pytest.approx(q["nested"], rel=0.10)


@pytest.mark.slow
def test_compare_ABC(tmp_path):
    """compare with models [A, B, C] writes finite log-evidences with errors below 0.3."""
    p = small_real_config(tmp_path, "nested", nlive=150, dlogz=0.1)
    assert main(["compare", str(p), "--out", str(tmp_path / "cmp")]) == 0
    table = pd.read_csv(tmp_path / "cmp" / "compare.csv")
    assert list(table["model"]) == ["A", "B", "C"]
    assert np.all(np.isfinite(table["log_evidence"])) and np.all(table["log_evidence_err"] < 0.3)
    assert table["ln_bayes_factor"].iloc[0] == 0.0
    assert (tmp_path / "cmp" / "plots" / "bayes_factors.png").is_file()


def test_evaluate_table(capsys):
    """Per-component chi^2 and pulls at a point; the combined row is their sum."""
    assert main(["evaluate", str(ROOT / "runs" / "quickstart.yaml"), "--at", "gprime=1e-4,mass_GeV=0.1"]) == 0
    out = capsys.readouterr().out
    assert "coherent_csi_2017" in out and "combined" in out and "pull" in out


def test_unused_parameter_is_an_error(toy_root, tmp_path, capsys):
    """A sampled parameter that no dataset reads is an error naming it."""
    raw = yaml.safe_load(toy_config(tmp_path).read_text())
    raw["parameters"]["eps_d_ee"] = {"prior": "uniform", "lower": -1, "upper": 1}
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(raw))
    assert main(["run", str(p)]) == 2
    assert "eps_d_ee" in capsys.readouterr().err


def test_limits_command(tmp_path):
    """globalfit limits writes limits.csv with the pinned columns (NaN + reason for points without a limit), a
    combined row per mass, and a plot with the Bayesian upper limits overlaid."""
    raw = yaml.safe_load((ROOT / "runs" / "quickstart.yaml").read_text())
    raw["limits"] = {"masses_GeV": [0.05, 2.0], "delta_chi2": 4.0, "processes": 1}
    p = tmp_path / "lim.yaml"
    p.write_text(yaml.safe_dump(raw))
    assert main(["limits", str(p), "--out", str(tmp_path / "lim")]) == 0
    t = pd.read_csv(tmp_path / "lim" / "limits.csv")
    # the pinned columns first and in order; then the flag of the Bayesian rows
    assert list(t.columns) == ["mass_GeV", "component", "method", "level", "parameter", "upper", "prior_dominated"]
    comb = t[(t["component"] == "combined") & (t["method"] == "delta_chi2_profile")]
    assert len(comb) == 2 and np.all(np.isfinite(comb["upper"]))
    # at 2 GeV the oscillation bound is M/g' = 1005 GeV; the combination can only be stronger (to 1 %)
    osc = t[(t["component"] == "oscillation_esteban2018") & (t["mass_GeV"] == 2.0)]["upper"].iloc[0]
    assert 2.0 / osc == pytest.approx(1005, rel=5e-3)
    assert (tmp_path / "lim" / "plots" / "limits.png").is_file()


def test_limits_without_bayesian_rows():
    """limits.bayesian: false leaves out the Bayesian credible limits (no rows of method bayesian) and nothing else:
    the profile rows equal those of the default run at the same mass (relative 1e-9)."""
    import globalfit
    from globalfit.config import load_config

    base = load_config(ROOT / "runs" / "quickstart.yaml")
    limits = base.limits.model_copy(update={"masses_GeV": [2.0], "processes": 1})
    with_b = globalfit.limits(base.model_copy(update={"limits": limits})).table
    without = globalfit.limits(base.model_copy(update={"limits": limits.model_copy(update={"bayesian": False})})).table
    assert "bayesian" in set(with_b["method"]) and "bayesian" not in set(without["method"])
    prof = lambda t: t[t["method"] == "delta_chi2_profile"].set_index("component")["upper"].sort_index()
    assert np.allclose(prof(with_b).to_numpy(), prof(without).to_numpy(), rtol=1e-9, equal_nan=True)


def test_derived_quantities_are_consistent(tmp_path):
    """Derived draws follow from the sampled ones: M/g' = mass_GeV/gprime and eps^{p+n}_mumu = 1.5 * 2 g'^2 Q_q Q_mu /
    (sqrt2 G_F M^2) for B-3Lmu (Q_q Q_mu = -1), draw by draw (relative 1e-10)."""
    import arviz as az

    from globalfit.physics.constants import G_F

    p = small_real_config(tmp_path, "nested", nlive=50, dlogz=2.0)
    assert main(["run", str(p)]) == 0
    post = az.from_netcdf(str(tmp_path / "out_nested" / "posterior.nc")).posterior
    g, m = post["gprime"].values, post["mass_GeV"].values
    assert np.allclose(post["mass_over_gprime_GeV"].values, m / g, rtol=1e-10)
    assert np.allclose(post["eps_pn_mumu"].values, -3.0 * g**2 / (np.sqrt(2) * G_F * m**2), rtol=1e-10)
    assert np.allclose(10 ** post["log10_gprime"].values, g, rtol=1e-12)
