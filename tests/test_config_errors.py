"""Run-config validation and the CLI's error contract: exit code 2, one clear message on stderr, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from globalfit.cli import main
from globalfit.config import load_config

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "runs" / "quickstart.yaml"


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "run.yaml"
    p.write_text(text)
    return p


def mutate(tmp_path: Path, fn) -> Path:
    raw = yaml.safe_load(QUICKSTART.read_text())
    fn(raw)
    return write(tmp_path, yaml.safe_dump(raw))


def run_cli(capsys, *argv) -> tuple[int, str]:
    code = main(list(argv))
    err = capsys.readouterr().err
    return code, err


def test_quickstart_parses_floats():
    """YAML 1.1 reads '1.0e-6' fine but '1e-3' as a string; our loader makes both floats."""
    cfg = load_config(QUICKSTART)
    assert cfg.parameters["gprime"].lower == 1.0e-6
    assert cfg.theory_spec().charges.expression() == "B-3Lmu"


def test_plain_exponent_is_float(tmp_path):
    p = mutate(tmp_path, lambda r: None)
    p.write_text(p.read_text().replace("1.0e-06", "1e-6"))
    assert load_config(p).parameters["gprime"].lower == 1e-6


def test_misspelled_key(tmp_path, capsys):
    def fn(r):
        r["sampler"]["nlve"] = r["sampler"].pop("nlive")

    code, err = run_cli(capsys, "check", str(mutate(tmp_path, fn)))
    assert code == 2
    assert "sampler.nlve" in err and "did you mean 'nlive'" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 2


def test_misspelled_top_level_key(tmp_path, capsys):
    def fn(r):
        r["likelihods"] = r.pop("likelihoods")

    code, err = run_cli(capsys, "check", str(mutate(tmp_path, fn)))
    assert code == 2 and "did you mean 'likelihoods'" in err


def test_not_anomaly_free(tmp_path, capsys):
    def fn(r):
        r["model"]["charges"] = "B-2Lmu"

    code, err = run_cli(capsys, "check", str(mutate(tmp_path, fn)))
    assert code == 2
    assert "model.charges" in err and "not anomaly-free" in err and "= 1, not 0" in err


def test_negative_mass_bound(tmp_path, capsys):
    def fn(r):
        r["parameters"]["mass_GeV"] = {"prior": "uniform", "lower": -1.0, "upper": 10.0}

    code, err = run_cli(capsys, "check", str(mutate(tmp_path, fn)))
    assert code == 2 and "parameters.mass_GeV" in err and "positive" in err


def test_negative_log_uniform_bound(tmp_path, capsys):
    def fn(r):
        r["parameters"]["mass_GeV"]["lower"] = -0.005

    code, err = run_cli(capsys, "check", str(mutate(tmp_path, fn)))
    assert code == 2 and "parameters.mass_GeV" in err and "lower > 0" in err


def test_unknown_dataset(tmp_path, capsys):
    def fn(r):
        r["likelihoods"][0] = "coherent_csi_2071"

    code, err = run_cli(capsys, "check", str(mutate(tmp_path, fn)))
    assert code == 2 and "likelihoods[0]" in err and "unknown dataset 'coherent_csi_2071'" in err


def test_yaml_syntax_error(tmp_path, capsys):
    p = write(tmp_path, "schema_version: 1\nmodel: {type: u1, charges: B-3Lmu\nparameters: [\n")
    code, err = run_cli(capsys, "check", str(p))
    assert code == 2 and "not valid YAML at line" in err


def test_missing_file(capsys, tmp_path):
    code, err = run_cli(capsys, "check", str(tmp_path / "nope.yaml"))
    assert code == 2 and "does not exist" in err


def test_missing_theory_parameter(tmp_path, capsys):
    def fn(r):
        del r["parameters"]["gprime"]

    code, err = run_cli(capsys, "check", str(mutate(tmp_path, fn)))
    assert code == 2 and "needs parameter 'gprime'" in err


def test_wrong_parameter_for_mode(tmp_path, capsys):
    def fn(r):
        r["model"] = {"type": "simplified", "width_ratio": 0.1}

    code, err = run_cli(capsys, "check", str(mutate(tmp_path, fn)))
    assert code == 2 and "needs parameter 'epsilon'" in err


def test_bad_prior_combination(tmp_path, capsys):
    def fn(r):
        r["parameters"]["gprime"] = {"prior": "normal", "mu": 0.0}

    code, err = run_cli(capsys, "check", str(mutate(tmp_path, fn)))
    assert code == 2 and "parameters.gprime" in err and "sigma" in err


def test_mass_list_and_grid(tmp_path):
    def fn(r):
        r["limits"]["masses_GeV"] = [1, 10, 100]

    cfg = load_config(mutate(tmp_path, fn))
    assert list(cfg.limits.mass_grid()) == [1.0, 10.0, 100.0]
    assert len(load_config(QUICKSTART).limits.mass_grid()) == 60


def test_at_parsing(capsys, tmp_path):
    code, err = run_cli(capsys, "evaluate", str(QUICKSTART), "--at", "gprime")
    assert code == 2 and "name=value" in err


def test_console_script_no_traceback(tmp_path):
    """The installed entry point behaves the same in a subprocess (exit 2, message on stderr)."""
    p = write(tmp_path, "model: {type: u1, charges: B-2Lmu}\nparameters: {}\nlikelihoods: [x]\n")
    proc = subprocess.run([sys.executable, "-m", "globalfit.cli", "check", str(p)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "anomaly-free" in proc.stderr


def test_import_is_fast():
    """`import globalfit` (and the CLI module) must not import PyMC/PyTensor/ArviZ: under 1 s in a fresh interpreter."""
    code = (
        "import time, sys; t = time.perf_counter(); import globalfit, globalfit.cli; dt = time.perf_counter() - t; "
        "heavy = [m for m in ('pymc', 'pytensor', 'arviz', 'dynesty', 'matplotlib') if m in sys.modules]; print(dt, heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split(maxsplit=1)
    assert float(out[0]) < 1.0
    assert out[1].strip() == "[]"


def test_compile_cache_lock_timeout_is_one_clear_line(monkeypatch, capsys):
    """A PyTensor compile-cache lock held by another process past its timeout (filelock.Timeout) ends the verb with
    exit code 2 and one line naming the lock and the way out, not a traceback."""
    import filelock

    import globalfit.cli as cli

    def locked(args):
        raise filelock.Timeout("/cache/.lock")

    monkeypatch.setattr(cli, "cmd_list", locked)
    assert cli.main(["list"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "/cache/.lock" in err[0] and "PYTENSOR_FLAGS=compiledir" in err[0]
