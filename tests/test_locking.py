"""globalfit.locking: the output lock (holder named, stale locks taken over), the output probe, SIGTERM as a clean
interrupt with the right resume hint."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from globalfit.errors import OutputError, OutputLockedError
from globalfit.locking import (OutputLock, Terminated, deferred_termination, interruption_message, lock_path,
                               probe_output, remove_stale_staging, terminate_as_interrupt)

ROOT = Path(__file__).resolve().parents[1]


def wait_for(path: Path, timeout: float = 30.0) -> None:
    """Wait until ``path`` exists (polling, so a loaded machine only makes it slower, never wrong)."""
    t0 = time.monotonic()
    while not path.exists():
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"{path} did not appear within {timeout} s")
        time.sleep(0.02)


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# ----------------------------------------------------------------------------------------------------
def test_lock_names_holder_and_is_removed(tmp_path):
    out = tmp_path / "res"
    with OutputLock(out) as lock:
        info = json.loads(lock.path.read_text())
        assert info["pid"] == os.getpid() and info["host"] == socket.gethostname() and info["started"]
        with pytest.raises(OutputLockedError) as exc:
            OutputLock(out).acquire()
        assert f"pid {os.getpid()} on {socket.gethostname()}" in str(exc.value) and str(out) in str(exc.value)
    assert not lock_path(out).exists()
    OutputLock(out).acquire().release()  # free again


def test_second_process_refused(tmp_path):
    out = tmp_path / "res"
    ready = tmp_path / "ready"
    code = textwrap.dedent(f"""
        import time, pathlib
        from globalfit.locking import OutputLock
        with OutputLock({str(out)!r}):
            pathlib.Path({str(ready)!r}).touch()
            time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        wait_for(ready)
        with pytest.raises(OutputLockedError, match=f"pid {proc.pid} on"):
            OutputLock(out).acquire()
    finally:
        proc.kill()
        proc.wait()
    # killed (SIGKILL): its lock file is left behind, and taken over as stale
    assert lock_path(out).exists()
    lock = OutputLock(out).acquire()
    assert lock.took_over is not None and lock.took_over.pid == proc.pid
    lock.release()


def test_stale_lock_taken_over(tmp_path):
    out = tmp_path / "res"
    pid = dead_pid()
    lock_path(out).write_text(json.dumps({"pid": pid, "host": socket.gethostname(), "started": "yesterday"}))
    lock = OutputLock(out).acquire()
    assert lock.took_over.pid == pid and json.loads(lock.path.read_text())["pid"] == os.getpid()
    lock.release()


def test_garbage_lock_taken_over(tmp_path):
    out = tmp_path / "res"
    lock_path(out).write_text("not json")
    OutputLock(out).acquire().release()


def test_lock_of_other_host_not_taken(tmp_path):
    out = tmp_path / "res"
    lock_path(out).write_text(json.dumps({"pid": dead_pid(), "host": "elsewhere.invalid", "started": "t0"}))
    with pytest.raises(OutputLockedError, match="on elsewhere.invalid.*delete"):
        OutputLock(out).acquire()


def test_remove_stale_staging(tmp_path):
    out = tmp_path / "res"
    (tmp_path / ".res.tmp-abc").mkdir()
    (tmp_path / ".res.old-123").mkdir()
    (tmp_path / ".other.tmp-abc").mkdir()
    gone = remove_stale_staging(out)
    assert sorted(p.name for p in gone) == [".res.old-123", ".res.tmp-abc"]
    assert (tmp_path / ".other.tmp-abc").is_dir()


# ----------------------------------------------------------------------------------------------------
def test_probe_ok(tmp_path):
    assert probe_output(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert not (tmp_path / "a").exists()  # the probe creates nothing
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["", "   "])
def test_probe_empty(name):
    with pytest.raises(OutputError, match="output.dir: the output folder is an empty string"):
        probe_output(name)


def test_probe_existing_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match="is an existing file"):
        probe_output(tmp_path / "f", key="--out")


def test_probe_below_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match=r"because .*f' is a file"):
        probe_output(tmp_path / "f" / "sub" / "res")


def test_probe_unwritable(tmp_path):
    if os.geteuid() == 0:
        target = Path("/proc/globalfit-results")  # not writable even for root
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        target = ro / "res"
    with pytest.raises(OutputError, match="not writable|cannot be"):
        probe_output(target)


def test_probe_disk_full(tmp_path):
    with pytest.raises(OutputError, match="MB free"):
        probe_output(tmp_path / "res", min_free_bytes=1 << 62)


def test_probe_nul():
    with pytest.raises(OutputError, match="NUL"):
        probe_output("res\0x")


def test_probe_long_name_clipped(tmp_path):
    with pytest.raises(OutputError) as exc:
        probe_output(tmp_path / ("x" * 5000))
    assert len(str(exc.value)) < 400


# ----------------------------------------------------------------------------------------------------
def test_sigterm_raises_terminated_and_restores_handler():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated) as exc:
        with terminate_as_interrupt():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # interrupted long before
    assert isinstance(exc.value, KeyboardInterrupt) and exc.value.signal_name == "SIGTERM"
    assert signal.getsignal(signal.SIGTERM) is before


def test_deferred_termination():
    done = []
    with pytest.raises(Terminated):
        with terminate_as_interrupt():
            with deferred_termination():
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.05)
                done.append("critical section finished")
    assert done == ["critical section finished"]


def test_interruption_message(tmp_path, monkeypatch):
    monkeypatch.setenv("GLOBALFIT_KEY_DIR", str(tmp_path / "keys"))
    from globalfit.checkpoint import seal

    ckpt = tmp_path / "res.partial" / "dynesty.save"
    msg = interruption_message("run", Terminated(signal.SIGTERM), ckpt)
    assert msg == "globalfit run: interrupted (SIGTERM) before the first checkpoint; nothing can be resumed, run again without --resume."
    ckpt.parent.mkdir()
    ckpt.write_bytes(b"state")
    seal(ckpt, {"config_sha256": "x"})
    assert "resume with --resume" in interruption_message("run", KeyboardInterrupt(), ckpt)
    assert interruption_message("limits", KeyboardInterrupt()) == "globalfit limits: interrupted (Ctrl-C)."


def test_sigterm_while_writing_results_leaves_no_staging(tmp_path):
    """SIGTERM while a result folder is staged: the staging folder is removed, no result folder appears, the process
    prints one line and exits 130 (the wiring the CLI needs: terminate_as_interrupt around staged_folder)."""
    out, ready = tmp_path / "res", tmp_path / "ready"
    code = textwrap.dedent(f"""
        import pathlib, sys, time
        from globalfit.output import staged_folder
        from globalfit.locking import OutputLock, interruption_message, terminate_as_interrupt
        try:
            with terminate_as_interrupt(), OutputLock({str(out)!r}), staged_folder(pathlib.Path({str(out)!r})) as tmp:
                (tmp / "posterior.nc").write_bytes(b"x" * 1000)
                pathlib.Path({str(ready)!r}).touch()
                time.sleep(60)
        except KeyboardInterrupt as exc:
            print(interruption_message("run", exc), file=sys.stderr)
            sys.exit(130)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stderr=subprocess.PIPE, text=True)
    wait_for(ready)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and err.strip() == "globalfit run: interrupted (SIGTERM)."
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ready"]
