"""Resume for every long verb (issue 13 part 3) and checkpoints that are never trusted blindly (issue 19 part 4):
finished masses and models are kept and skipped, a run refuses to start over a checkpoint, a planted checkpoint is
refused without being executed, NUTS refuses --resume, and a second run into a locked folder is refused.

Subprocess tests wait for files (polling with a generous overall timeout), never for a fixed time."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from globalfit.checkpoint import FinishedStore, checkpoint_meta
from globalfit.cli import main
from globalfit.config import load_config
from globalfit.errors import CheckpointError
from globalfit.output import partial_dir_for, resolved_config, resume_config, write_yaml

ROOT = Path(__file__).resolve().parents[1]
#: Overall limit of a wait for a file [s]: generous, a loaded 2-core machine is slow, never wrong.
WAIT_S = 600.0


@pytest.fixture(autouse=True)
def key_dir(tmp_path, monkeypatch) -> Path:
    """A checkpoint key of this test only (never the user's)."""
    d = tmp_path / "keys"
    monkeypatch.setenv("GLOBALFIT_KEY_DIR", str(d))
    return d


def wait_for_file(path: Path, proc: subprocess.Popen | None = None, timeout: float = WAIT_S) -> bool:
    """Poll until ``path`` exists; False if ``proc`` ended first. Raises AssertionError after ``timeout`` seconds."""
    t0 = time.monotonic()
    while not path.exists():
        if proc is not None and proc.poll() is not None:
            return path.exists()
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"{path} did not appear within {timeout} s")
        time.sleep(0.05)
    return True


def _write(tmp_path: Path, raw: dict) -> Path:
    p = tmp_path / "lim.yaml"
    p.write_text(yaml.safe_dump(raw))
    return p


def limits_config(tmp_path: Path, masses: list[float]) -> Path:
    raw = yaml.safe_load((ROOT / "runs" / "quickstart.yaml").read_text())
    raw["limits"] = {"masses_GeV": masses, "delta_chi2": 4.0, "processes": 1}
    raw["output"] = {"dir": str(tmp_path / "res")}
    p = tmp_path / "lim.yaml"
    p.write_text(yaml.safe_dump(raw))
    return p


def _meta(cfg, fit=None) -> dict:
    return checkpoint_meta(resume_config(resolved_config(cfg, fit)))


# ----------------------------------------------------------------------------------------------------
# limits and compare keep their finished pieces
def test_limits_resume_takes_finished_masses_from_the_store(tmp_path):
    """Every mass and Bayesian limit already in the store: --resume computes nothing and returns exactly the stored
    rows (marked values that no computation could give)."""
    from globalfit.frequentist import limits
    from globalfit.model import Fit

    cfg = load_config(limits_config(tmp_path, [0.05, 2.0]))
    partial = tmp_path / "res_limits.partial"
    store = FinishedStore(partial, _meta(cfg, Fit(cfg)))
    for key, m in (("mass-0000", 0.05), ("mass-0001", 2.0), ("bayes-0000", 0.05), ("bayes-0001", 2.0)):
        store.put(key, [{"mass_GeV": m, "component": "combined", "method": key.split("-")[0], "level": 0.95,
                         "parameter": "gprime", "upper": 12345.0, "note": "stored"}])
    table = limits(cfg, partial_dir=partial, resume=True).table
    assert len(table) == 4 and set(table["upper"]) == {12345.0} and set(table["note"]) == {"stored"}


def test_limits_resume_with_intervals_rescans_a_mass_stored_without_them(tmp_path):
    """A mass stored by a scan that did not ask for intervals (limits without ``intervals``) holds none: a resume
    that asks for them scans it again, so intervals.csv has that mass, and the upper limits are the stored ones."""
    from globalfit.frequentist import limits

    raw = yaml.safe_load(limits_config(tmp_path, [0.05]).read_text())
    raw["limits"]["bayesian"] = False
    cfg = load_config(_write(tmp_path, raw))
    partial = tmp_path / "res_limits.partial"
    first = limits(cfg, partial_dir=partial).table
    again = limits(cfg, partial_dir=partial, resume=True, intervals=True)
    assert list(again.intervals["mass_GeV"].unique()) == [0.05]
    assert list(again.table["upper"].fillna(-1)) == list(first["upper"].fillna(-1))


def test_limits_resume_refuses_another_config(tmp_path):
    """Finished masses written for another config (here another delta chi^2) are refused, naming the file."""
    from globalfit.frequentist import limits

    cfg = load_config(limits_config(tmp_path, [0.05]))
    partial = tmp_path / "p"
    FinishedStore(partial, checkpoint_meta({"other": "config"})).put("mass-0000", [])
    with pytest.raises(CheckpointError, match="different config"):
        limits(cfg, partial_dir=partial, resume=True)


def test_limits_resume_refuses_unsealed_piece(tmp_path):
    """A planted finished-mass file without a seal is refused (never read as a result)."""
    from globalfit.frequentist import limits

    cfg = load_config(limits_config(tmp_path, [0.05]))
    partial = tmp_path / "p"
    partial.mkdir()
    (partial / "mass-0000.json").write_text("[]")
    with pytest.raises(CheckpointError, match="no seal"):
        limits(cfg, partial_dir=partial, resume=True)


def test_compare_resume_skips_finished_models(tmp_path):
    """Both models in the store: --resume runs no nested sampling and the Bayes factor is that of the stored rows."""
    from globalfit.comparison import compare

    raw = yaml.safe_load((ROOT / "runs" / "quickstart.yaml").read_text())
    raw["compare"] = {"models": ["A", "B"]}
    p = tmp_path / "cmp.yaml"
    p.write_text(yaml.safe_dump(raw))
    cfg = load_config(p)
    partial = tmp_path / "cmp.partial"
    store = FinishedStore(partial, _meta(cfg))
    for i, (m, lnz) in enumerate((("A", -10.0), ("B", -7.5))):
        store.put(f"model-{i:02d}", {"model": m, "charges": m, "log_evidence": lnz, "log_evidence_err": 0.1,
                                     "datasets": "x", "insensitive": ""})
    t0 = time.process_time()
    table = compare(cfg, partial_dir=partial, resume=True).table
    assert list(table["model"]) == ["A", "B"] and table["ln_bayes_factor"].iloc[1] == pytest.approx(2.5)
    assert time.process_time() - t0 < 30  # no nested run happened (one takes minutes)


@pytest.mark.slow
def test_limits_resume_after_sigterm(tmp_path, key_dir):
    """SIGTERM after the first finished mass: one line, exit 130, the finished masses kept; `limits --resume` then
    finishes, computing only the masses that were not finished (counted from its log lines), and writes the full
    table."""
    masses = [0.05, 0.2, 1.0, 2.0]
    cfgp = limits_config(tmp_path, masses)
    partial = tmp_path / "res_limits.partial"
    env = {**os.environ, "GLOBALFIT_KEY_DIR": str(key_dir), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "globalfit.cli", "limits", str(cfgp)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = wait_for_file(partial / "mass-0000.json.seal.json", proc)
    if not started or proc.poll() is not None:
        proc.communicate()
        pytest.skip("the scan ended before it could be interrupted")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=WAIT_S)
    if proc.returncode == 0:
        pytest.skip("the scan finished before it could be interrupted")
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1].startswith("globalfit limits: interrupted (SIGTERM); resume with --resume")
    assert "Traceback" not in err
    finished = {p.name for p in partial.glob("mass-*.json") if not p.name.endswith(".seal.json")}
    assert 1 <= len(finished) < len(masses)
    assert not (tmp_path / "res_limits").exists()
    # without --resume the finished masses are not thrown away
    res = subprocess.run([sys.executable, "-m", "globalfit.cli", "limits", str(cfgp)], env=env, capture_output=True,
                         text=True, timeout=WAIT_S)
    assert res.returncode == 2 and "--resume" in res.stderr and "--force" in res.stderr
    res = subprocess.run([sys.executable, "-m", "globalfit.cli", "limits", str(cfgp), "--resume"], env=env,
                         capture_output=True, text=True, timeout=WAIT_S)
    assert res.returncode == 0, res.stderr
    assert f"resuming: {len(finished)} of {len(masses)} masses" in res.stderr
    assert f"scanning {len(masses) - len(finished)} masses" in res.stderr
    import pandas as pd

    table = pd.read_csv(tmp_path / "res_limits" / "limits.csv")
    comb = table[(table["component"] == "combined") & (table["method"] == "delta_chi2_profile")]
    assert sorted(comb["mass_GeV"]) == masses
    assert not partial.exists()


# ----------------------------------------------------------------------------------------------------
# run: checkpoints
def toy_config(tmp_path: Path, **sampler) -> Path:
    raw = yaml.safe_load((ROOT / "tests" / "corpus" / "cases" / "at_nan.yaml").read_text())
    raw["sampler"] = {"method": "nested", "nlive": 20, "dlogz": 1.0, "seed": 1, **sampler}
    raw["output"] = {"dir": str(tmp_path / "out")}
    p = tmp_path / "toy.yaml"
    p.write_text(yaml.safe_dump(raw))
    return p


@pytest.fixture()
def corpus_data(monkeypatch):
    monkeypatch.setenv("GLOBALFIT_DATA_PATH", str(ROOT / "tests" / "corpus" / "data"))


def test_run_refuses_to_start_over_a_checkpoint(tmp_path, corpus_data, capsys):
    """A checkpoint of an interrupted run: `run` without --resume refuses (naming --resume and --force) and leaves
    it untouched; --force starts afresh."""
    p = toy_config(tmp_path)
    ckpt = partial_dir_for(tmp_path / "out") / "dynesty.save"
    ckpt.parent.mkdir()
    ckpt.write_bytes(b"hours of sampling")
    assert main(["run", str(p)]) == 2
    err = capsys.readouterr().err
    assert "--resume" in err and "--force" in err and len(err.strip().splitlines()) == 1
    assert ckpt.read_bytes() == b"hours of sampling"
    assert main(["run", str(p), "--force"]) == 0
    assert (tmp_path / "out" / "evidence.json").is_file() and not ckpt.parent.exists()


class _Planted:
    """Unpickling this writes a marker file: proof that a checkpoint was executed."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "executed"))


def test_planted_checkpoint_refused_and_not_executed(tmp_path, corpus_data, capsys):
    """A pickle planted as the checkpoint, with a matching config.yaml: --resume refuses it (no seal) and nothing
    in it runs."""
    from globalfit.model import Fit

    p = toy_config(tmp_path)
    cfg = load_config(p)
    partial = partial_dir_for(tmp_path / "out")
    partial.mkdir()
    write_yaml(partial / "config.yaml", resolved_config(cfg, Fit(cfg)))
    marker = tmp_path / "marker"
    (partial / "dynesty.save").write_bytes(pickle.dumps(_Planted(marker)))
    assert main(["run", str(p), "--resume"]) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("globalfit run:")]
    assert len(errors) == 1 and "no seal" in errors[0], err
    assert "Traceback" not in err
    assert not marker.exists()


def test_nuts_refuses_resume(tmp_path, corpus_data, capsys):
    p = toy_config(tmp_path, method="nuts", draws=10, tune=10, chains=1)
    raw = yaml.safe_load(p.read_text())
    for k in ("nlive", "dlogz"):
        raw["sampler"].pop(k)
    p.write_text(yaml.safe_dump(raw))
    (tmp_path / "out.partial").mkdir()
    (tmp_path / "out.partial" / "dynesty.save").write_bytes(b"x")
    assert main(["run", str(p), "--resume"]) == 2
    assert "nuts runs cannot be resumed" in capsys.readouterr().err


def test_second_run_into_a_locked_folder_refused(tmp_path, corpus_data, capsys):
    """Another run holds the lock of the result folder: refused, naming its pid, before any work."""
    from globalfit.locking import OutputLock

    p = toy_config(tmp_path)
    with OutputLock(tmp_path / "out"):
        assert main(["run", str(p)]) == 2
    err = capsys.readouterr().err
    assert "being written by another run" in err and f"pid {os.getpid()}" in err


def test_sigterm_before_first_checkpoint_says_nothing_to_resume(tmp_path, key_dir):
    """SIGTERM after the run started but before its first checkpoint: exit 130 and one line saying that nothing can
    be resumed (no dynesty traceback)."""
    p = toy_config(tmp_path, nlive=2000, dlogz=0.001, checkpoint_every_s=1e6)
    env = {**os.environ, "GLOBALFIT_KEY_DIR": str(key_dir), "PYTHONPATH": str(ROOT),
           "GLOBALFIT_DATA_PATH": str(ROOT / "tests" / "corpus" / "data")}
    proc = subprocess.Popen([sys.executable, "-m", "globalfit.cli", "run", str(p)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # config.yaml is written just before sampling starts; the first checkpoint would come after 1e6 s
    if not wait_for_file(partial_dir_for(tmp_path / "out") / "config.yaml", proc):
        proc.communicate()
        pytest.fail("the run ended before it started sampling")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=WAIT_S)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == ("globalfit run: interrupted (SIGTERM) before the first checkpoint; nothing "
                                            "can be resumed, run again without --resume.")
    assert "Traceback" not in err and not (tmp_path / "out").exists()
