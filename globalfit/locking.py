"""Guards around an output folder: a lock naming its holder, a probe before the fit, and a clean SIGTERM.

- :class:`OutputLock`: ``<out>.lock`` next to the result folder, created exclusively and holding the pid, host and
  start time of the run. A second run into the same folder gets an :class:`~globalfit.errors.OutputLockedError`
  naming the holder. A lock left by a run that died (its pid is gone on this host) is taken over; a lock from
  another host is never taken over (its pid cannot be checked from here) and the message says how to remove it.
  The lock file is also ``flock``-ed while held, so two runs that find the same stale lock cannot both take it.
- :func:`probe_output`: before any work, the output location must be usable: not an empty path, not an existing
  file, not below a file, in a writable folder (tested by creating a file, which also catches read-only mounts and
  root-owned folders where ``os.access`` is unreliable), with at least ``min_free_bytes`` free.
- :func:`terminate_as_interrupt`: SIGTERM raised as :class:`Terminated`, a :class:`KeyboardInterrupt`, so the
  cleanup that Ctrl-C gets (staged folders removed, one line printed) also happens for ``kill`` and batch-system
  time limits. Further SIGTERMs during cleanup are ignored (SIGKILL remains). :func:`deferred_termination` holds a
  SIGTERM back across a critical section (writing a checkpoint and its seal, or a whole dynesty run, whose wrappers
  print a traceback for any exception inside the likelihood); :func:`raise_pending` raises it at a safe point.
- :func:`interruption_message`: the one line to print, saying whether a checkpoint exists to resume from.
- :func:`remove_stale_staging`: staging folders ``.<out>.tmp-*`` left by a killed run (SIGKILL, power loss),
  removed once the lock is held (no other run can be using them then).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import fcntl
import json
import os
import shutil
import signal
import socket
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from globalfit.errors import OutputError, OutputLockedError
from globalfit.safe_yaml import clip

LOCK_SUFFIX = ".lock"
#: Default free space required at the output location before a fit [bytes]; a result folder is a few MB.
MIN_FREE_BYTES = 50 * 1024**2
#: Largest lock file read [bytes] (a lock file is about 150 bytes).
MAX_LOCK_BYTES = 4096


# ----------------------------------------------------------------------------------------------------
# The output lock
@dataclass(frozen=True)
class Holder:
    """Who holds a lock: process id, host name, start time (ISO 8601, local time with offset)."""

    pid: int
    host: str
    started: str

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}, started {self.started}"

    @classmethod
    def me(cls) -> "Holder":
        return cls(os.getpid(), socket.gethostname(), _dt.datetime.now().astimezone().isoformat(timespec="seconds"))


def lock_path(out_dir: str | Path) -> Path:
    """The lock file of result folder ``out_dir`` (a sibling: the folder itself appears only at the end)."""
    out_dir = Path(out_dir)
    return out_dir.with_name(out_dir.name + LOCK_SUFFIX)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _read_holder(fd: int) -> Holder | None:
    os.lseek(fd, 0, os.SEEK_SET)
    raw = os.read(fd, MAX_LOCK_BYTES)
    try:
        d = json.loads(raw)
        return Holder(int(d["pid"]), str(d["host"]), str(d["started"]))
    except (ValueError, KeyError, TypeError):
        return None


class OutputLock:
    """Exclusive lock on a result folder, as a context manager (``with OutputLock(out): ...``).

    Parameters
    ----------
    out_dir
        The result folder (need not exist; its parent is created).
    """

    def __init__(self, out_dir: str | Path):
        self.out_dir = Path(out_dir)
        self.path = lock_path(self.out_dir)
        self._fd: int | None = None
        self.took_over: Holder | None = None

    def acquire(self) -> "OutputLock":
        """Take the lock, or raise :class:`OutputLockedError` naming the holder."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(5):  # a lock that disappears between our calls: try again
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                try:
                    fd = os.open(self.path, os.O_RDWR)
                except FileNotFoundError:
                    continue
                if not self._try_flock(fd):
                    holder = _read_holder(fd)
                    os.close(fd)
                    raise self._locked(holder)
                holder = _read_holder(fd)
                if not self._stale(holder):
                    os.close(fd)
                    raise self._locked(holder)
                if not self._same_inode(fd):  # replaced meanwhile by a run that took it over: look again
                    os.close(fd)
                    continue
                self.took_over = holder
            else:
                if not self._try_flock(fd):  # cannot happen for a file we just created, unless flock is broken
                    os.close(fd)
                    continue
            self._write_me(fd)
            self._fd = fd
            return self
        raise OutputLockedError(f"could not take the lock {self.path}: it keeps changing; is another run starting?")

    def release(self) -> None:
        """Remove the lock file (if it is still ours) and release it."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            if self._same_inode(self._fd):
                os.unlink(self.path)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> "OutputLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()

    # -- helpers -------------------------------------------------------------------------------------
    @staticmethod
    def _try_flock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError as exc:  # a file system without flock: the pid check alone decides
            return exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL)
        return True

    @staticmethod
    def _stale(holder: Holder | None) -> bool:
        """A lock nobody holds: unreadable (a writer died between create and write), or its pid is gone here."""
        if holder is None:
            return True
        if holder.host != socket.gethostname():
            return False
        return holder.pid == os.getpid() or not _pid_alive(holder.pid)

    def _same_inode(self, fd: int) -> bool:
        try:
            a, b = os.fstat(fd), os.stat(self.path)
        except OSError:
            return False
        return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)

    def _write_me(self, fd: int) -> None:
        me = Holder.me()
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, (json.dumps({"pid": me.pid, "host": me.host, "started": me.started}) + "\n").encode())
        os.fsync(fd)

    def _locked(self, holder: Holder | None) -> OutputLockedError:
        who = holder.describe() if holder else "an unknown run"
        hint = ("" if holder is None or holder.host == socket.gethostname()
                else f"; if that run is no longer running, delete {self.path}")
        return OutputLockedError(f"{self.out_dir} is being written by another run ({who}); wait for it to finish or "
                                 f"choose another folder with --out{hint}")


def remove_stale_staging(out_dir: str | Path) -> list[Path]:
    """Remove staging folders (``.<name>.tmp-*``, ``.<name>.old-*``) of ``out_dir`` left by killed runs.

    Call it only while holding :class:`OutputLock` of ``out_dir``: then no live run is using them.

    Returns
    -------
    list of Path
        The folders removed.
    """
    out_dir = Path(out_dir)
    if not out_dir.parent.is_dir():
        return []
    gone = []
    for pattern in (f".{out_dir.name}.tmp-*", f".{out_dir.name}.old-*"):
        for p in out_dir.parent.glob(pattern):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
                gone.append(p)
    return gone


# ----------------------------------------------------------------------------------------------------
# Probing the output location
def probe_output(out_dir: str | Path, *, min_free_bytes: int = MIN_FREE_BYTES, key: str = "output.dir") -> Path:
    """Check, before any work, that results can be written to ``out_dir``; return it as a Path.

    Parameters
    ----------
    out_dir
        The result folder (may exist: whether it may be replaced is ``--force``'s business, not this probe's).
    min_free_bytes
        Free space required on the file system that will hold it [bytes].
    key
        Name of the setting, for messages (``output.dir`` or ``--out``).

    Raises
    ------
    OutputError
        Naming ``key`` and the path, for an empty path, an existing file, a folder below a file, an unwritable
        folder or too little free space.
    """
    text = os.fspath(out_dir)
    if not text.strip():
        raise OutputError(f"{key}: the output folder is an empty string; give a folder name")
    if "\0" in text:
        raise OutputError(f"{key}: the output folder {clip(text)} contains a NUL character")
    path = Path(text)
    try:
        if path.exists() and not path.is_dir():
            raise OutputError(f"{key}: {clip(text)} is an existing file, not a folder; choose another --out")
        base = path
        while not base.exists():
            if base.parent == base:
                break
            base = base.parent
        if not base.is_dir():
            raise OutputError(f"{key}: {clip(text)} cannot be created because {clip(str(base))} is a file, not a folder")
        _write_test(base, key, text)
        free = shutil.disk_usage(base).free
    except OSError as exc:  # ENAMETOOLONG, ELOOP, EACCES on a parent and the like
        raise OutputError(f"{key}: {clip(text)} cannot be used ({exc.strerror or exc})") from None
    if free < min_free_bytes:
        raise OutputError(f"{key}: only {free / 1024**2:.1f} MB free at {clip(str(base))}, "
                          f"need at least {min_free_bytes / 1024**2:.0f} MB for the results")
    return path


def _write_test(folder: Path, key: str, text: str) -> None:
    try:
        fd, name = tempfile.mkstemp(prefix=".globalfit-probe-", dir=folder)
    except OSError as exc:
        raise OutputError(f"{key}: {clip(text)} cannot be created: {clip(str(folder))} is not writable "
                          f"({exc.strerror or exc})") from None
    os.close(fd)
    os.unlink(name)


# ----------------------------------------------------------------------------------------------------
# SIGTERM as an interrupt
class Terminated(KeyboardInterrupt):
    """SIGTERM (or another signal given to :func:`terminate_as_interrupt`) raised as an interrupt.

    A subclass of :class:`KeyboardInterrupt`, so code that cleans up after Ctrl-C (``except BaseException``, dynesty's
    own handlers, the CLI) does the same here.
    """

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    @property
    def signal_name(self) -> str:
        return signal.Signals(self.signum).name


_deferred = threading.local()


def _handler(signum, frame):
    if getattr(_deferred, "depth", 0):
        _deferred.pending = signum
        return
    # one interrupt only: a second SIGTERM must not break the cleanup the first one started
    signal.signal(signum, signal.SIG_IGN)
    raise Terminated(signum)


@contextlib.contextmanager
def terminate_as_interrupt(signals: tuple[int, ...] = (signal.SIGTERM,)) -> Iterator[None]:
    """Within the block, ``signals`` raise :class:`Terminated`; the previous handlers are restored afterwards.

    Outside the main thread (where Python cannot install handlers) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, _handler) for s in signals}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


@contextlib.contextmanager
def deferred_termination() -> Iterator[None]:
    """Hold back a SIGTERM (installed by :func:`terminate_as_interrupt`) until the end of the block, then raise it."""
    _deferred.depth = getattr(_deferred, "depth", 0) + 1
    try:
        yield
    finally:
        _deferred.depth -= 1
        pending = getattr(_deferred, "pending", None)
        if _deferred.depth == 0 and pending is not None:
            _deferred.pending = None
            _handler(pending, None)


def raise_pending() -> None:
    """Raise a SIGTERM held back by :func:`deferred_termination` now, even inside the block: for a safe point of a
    long deferred section (between two iterations of a sampler whose own code must not see the interrupt)."""
    pending = getattr(_deferred, "pending", None)
    if pending is not None:
        _deferred.pending = None
        depth, _deferred.depth = getattr(_deferred, "depth", 0), 0
        try:
            _handler(pending, None)
        finally:
            _deferred.depth = depth


def interruption_message(verb: str, exc: BaseException, checkpoint: str | Path | None = None) -> str:
    """The one line the CLI prints for an interrupt of ``globalfit <verb>``.

    Parameters
    ----------
    verb
        The CLI verb (``run``).
    exc
        The :class:`KeyboardInterrupt` or :class:`Terminated` caught.
    checkpoint
        The checkpoint file of the run, or the folder of its sealed finished pieces (``limits``, ``compare``), if the
        verb writes one: the message says whether it can be resumed.
    """
    from globalfit.checkpoint import SEAL_SUFFIX, is_sealed

    what = exc.signal_name if isinstance(exc, Terminated) and exc.signum != signal.SIGINT else "Ctrl-C"
    line = f"globalfit {verb}: interrupted ({what})"
    if checkpoint is None:
        return line + "."
    checkpoint = Path(checkpoint)
    if checkpoint.is_dir():
        if any(is_sealed(p.with_name(p.name[: -len(SEAL_SUFFIX)])) for p in checkpoint.glob(f"*{SEAL_SUFFIX}")):
            return f"{line}; resume with --resume (finished work kept in {checkpoint})."
    elif is_sealed(checkpoint):
        return f"{line}; resume with --resume (checkpoint in {checkpoint.parent})."
    return f"{line} before the first checkpoint; nothing can be resumed, run again without --resume."
