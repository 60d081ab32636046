"""Sealed checkpoints: a nested-sampling checkpoint is loaded only if this installation wrote it, unchanged.

dynesty writes its checkpoint with :mod:`pickle`, and unpickling runs code chosen by whoever wrote the file. So every
checkpoint globalfit writes gets a *seal*, a sidecar ``<checkpoint>.seal.json`` holding

- ``meta``: the globalfit and dynesty versions and the sha256 of the resolved config the run was started with
  (:func:`checkpoint_meta`);
- ``size`` and ``sha256`` of the checkpoint bytes;
- ``mac``: HMAC-SHA256, under a per-user secret key, of the canonical JSON of everything above.

:func:`verify` (and :func:`restore_sampler`, which verifies and then unpickles *the bytes it verified*, so the file
cannot be swapped between check and load) refuses, with a :class:`~globalfit.errors.CheckpointError` each: a
missing seal, a truncated or modified file, a seal whose MAC does not match (a planted or foreign file, or another
user's or machine's), other globalfit or dynesty versions, and another config.

The key is 32 random bytes in ``$GLOBALFIT_KEY_DIR/checkpoint.key`` or else
``$XDG_CONFIG_HOME/globalfit/checkpoint.key`` (``~/.config/globalfit/checkpoint.key``), created on first use with
mode 0600 in a 0700 folder, i.e. outside any result tree; a key file readable by group or others is refused.

Threat model
------------
Protects against: a checkpoint planted or replaced next to a result folder (a shared project directory, an
unpacked archive, a copied results tree, a colleague's folder) by someone who cannot read the key; accidental
damage (truncation by a full disk or a killed copy); resuming with other code or another config.

Does not protect against: anyone who can read the key file (the same user, root, a stolen home directory): they can
seal whatever they like; a modified globalfit or dynesty installation; denial of service (deleting checkpoints).
A checkpoint copied to another machine or user cannot be resumed (its seal does not verify there): that is the price
of the design, and the message says so.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import importlib.metadata
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, Iterator, Mapping

from globalfit.errors import CheckpointError

#: Name of the seal next to a checkpoint: ``<checkpoint>`` + SEAL_SUFFIX.
SEAL_SUFFIX = ".seal.json"
KEY_NAME = "checkpoint.key"
KEY_BYTES = 32
SEAL_FORMAT = 1
#: Largest seal read [bytes]: a seal is about 400 bytes; a bigger file is not one of ours.
MAX_SEAL_BYTES = 64 * 1024
#: Keys of the resolved config that do not decide whether a run can be resumed (versions are checked separately).
UNCOMPARED_KEYS = ("versions", "output")


def key_path() -> Path:
    """Path of the checkpoint key (see module docstring); not created here."""
    base = os.environ.get("GLOBALFIT_KEY_DIR")
    if base:
        return Path(base) / KEY_NAME
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return (Path(xdg) if xdg else Path.home() / ".config") / "globalfit" / KEY_NAME


def load_key(create: bool = True) -> bytes:
    """The secret key, created (mode 0600, folder 0700) on first use when ``create``.

    Raises
    ------
    CheckpointError
        If the key file is not a regular file, is readable by group or others, or has the wrong length.
    """
    path = key_path()
    if create and not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except FileExistsError:
            pass  # another process created it first; read theirs
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(os.urandom(KEY_BYTES))
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise CheckpointError(f"no checkpoint key at {path}: a checkpoint cannot be verified without it") from None
    except OSError as exc:
        raise CheckpointError(f"checkpoint key {path} cannot be opened ({exc.strerror}); it must be a regular file, "
                              "not a symbolic link") from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise CheckpointError(f"checkpoint key {path} is not a regular file")
        if st.st_mode & 0o077:
            raise CheckpointError(f"checkpoint key {path} is readable by others (mode {stat.S_IMODE(st.st_mode):04o}); "
                                  f"run 'chmod 600 {path}'")
        key = fh.read(KEY_BYTES + 1)
    if len(key) != KEY_BYTES:
        raise CheckpointError(f"checkpoint key {path} has {len(key)} bytes, not {KEY_BYTES}; delete it to make a new one "
                              "(existing checkpoints then cannot be resumed)")
    return key


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def config_digest(resolved: Mapping[str, Any], ignore: tuple[str, ...] = UNCOMPARED_KEYS) -> str:
    """sha256 (hex) of the canonical JSON of a resolved config without the keys ``ignore``."""
    data = {k: v for k, v in resolved.items() if k not in ignore}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str, allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


def checkpoint_meta(resolved: Mapping[str, Any]) -> dict[str, str]:
    """What a checkpoint is sealed with and checked against: globalfit and dynesty versions, config digest."""
    return {"globalfit": _version("globalfit"), "dynesty": _version("dynesty"), "config_sha256": config_digest(resolved)}


def seal_path(path: str | Path) -> Path:
    """The seal (sidecar JSON) of checkpoint ``path``."""
    path = Path(path)
    return path.with_name(path.name + SEAL_SUFFIX)


def _mac(key: bytes, body: Mapping[str, Any]) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def _body(data: bytes, name: str, meta: Mapping[str, Any]) -> dict[str, Any]:
    return {"format": SEAL_FORMAT, "file": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
            "meta": {str(k): str(v) for k, v in meta.items()}}


def seal(path: str | Path, meta: Mapping[str, Any]) -> Path:
    """Write the seal of checkpoint ``path`` (atomically: a temporary file renamed into place); return its path.

    Parameters
    ----------
    path
        The checkpoint, as written (e.g. by dynesty).
    meta
        Usually :func:`checkpoint_meta` of the run's resolved config; values are stored as strings.
    """
    path = Path(path)
    data = path.read_bytes()
    body = _body(data, path.name, meta)
    body["mac"] = _mac(load_key(), body)
    out = seal_path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(body, fh, indent=1, sort_keys=True)
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return out


def is_sealed(path: str | Path) -> bool:
    """Whether checkpoint ``path`` and its seal both exist (no verification: use it for messages, not trust)."""
    return Path(path).is_file() and seal_path(path).is_file()


def verify(path: str | Path, expected_meta: Mapping[str, Any]) -> None:
    """Check checkpoint ``path`` against its seal and ``expected_meta``; raise if it must not be loaded."""
    verified_bytes(path, expected_meta)


def verified_bytes(path: str | Path, expected_meta: Mapping[str, Any]) -> bytes:
    """The bytes of checkpoint ``path``, after checking them against the seal and ``expected_meta``.

    Raises
    ------
    CheckpointError
        Missing checkpoint or seal, unreadable seal, truncated or modified file, bad MAC (not written by this
        installation), other globalfit or dynesty version, other config.
    """
    path = Path(path)
    sp = seal_path(path)
    fresh = "; rerun without --resume (or with --force) to start afresh."
    if not path.is_file():
        raise CheckpointError(f"no checkpoint {path}{fresh}")
    if not sp.is_file():
        raise CheckpointError(f"checkpoint {path} has no seal {sp.name}, so it was not written by this installation "
                              f"and is not loaded (loading a checkpoint runs code stored in it){fresh}")
    try:
        with open(sp, "rb") as fh:
            raw = fh.read(MAX_SEAL_BYTES + 1)
        if len(raw) > MAX_SEAL_BYTES:
            raise ValueError("too large")
        stored = json.loads(raw)
        if not isinstance(stored, dict) or not isinstance(stored.get("meta"), dict):
            raise ValueError("not a seal")
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"seal {sp} of checkpoint {path} is unreadable ({exc}){fresh}") from None
    data = path.read_bytes()
    size = stored.get("size")
    if isinstance(size, int) and len(data) != size:
        what = "truncated" if len(data) < size else "modified"
        raise CheckpointError(f"checkpoint {path} is {what} ({len(data)} bytes, sealed with {size}){fresh}")
    body = _body(data, path.name, stored["meta"])
    if stored.get("format") != SEAL_FORMAT or not hmac.compare_digest(str(stored.get("mac", "")), _mac(load_key(), body)):
        raise CheckpointError(f"checkpoint {path} does not match its seal: it was modified, or written by another "
                              f"user, machine or installation, and is not loaded{fresh}")
    meta = stored["meta"]
    for package in ("dynesty", "globalfit"):
        if package in expected_meta and meta.get(package) != str(expected_meta[package]):
            raise CheckpointError(f"checkpoint {path} was written by {package} {meta.get(package)}, this is "
                                  f"{package} {expected_meta[package]}; it cannot be resumed{fresh}")
    for k, v in expected_meta.items():
        if meta.get(k) != str(v):
            what = "a different config" if k == "config_sha256" else f"a different {k}"
            raise CheckpointError(f"checkpoint {path} was written for {what}{fresh}")
    return data


def restore_sampler(path: str | Path, expected_meta: Mapping[str, Any], pool: Any = None):
    """Verify checkpoint ``path`` and restore the dynesty sampler from exactly the verified bytes (its proposals
    mapped over ``pool`` when given: an object with ``map`` and ``size``).

    The bytes are copied into a private temporary folder (mode 0700) and restored from there, because dynesty's
    ``restore`` takes a file name and the original could be swapped between the check and the load.
    """
    import dynesty

    data = verified_bytes(path, expected_meta)
    with tempfile.TemporaryDirectory(prefix="globalfit-restore-") as tmp:
        private = Path(tmp) / Path(path).name
        private.write_bytes(data)
        return dynesty.NestedSampler.restore(str(private), pool=pool)


@contextlib.contextmanager
def sealing_saves(sampler, meta: Mapping[str, Any]) -> Iterator[Any]:
    """Within the block, every ``sampler.save(fname)`` (dynesty's periodic checkpoint) is followed by :func:`seal`.

    The hook is an instance attribute removed while dynesty pickles the sampler, so it never ends up in a checkpoint;
    SIGTERM is deferred from the save to the seal (see :func:`globalfit.locking.deferred_termination`) so the pair is
    not torn apart by an interrupt. A SIGKILL in between leaves a checkpoint whose seal does not match: it is refused,
    never trusted.
    """
    from globalfit.locking import deferred_termination

    def save(fname: str) -> None:
        sampler.__dict__.pop("save", None)
        try:
            with deferred_termination():
                type(sampler).save(sampler, fname)
                seal(fname, meta)
        finally:
            sampler.__dict__["save"] = save

    sampler.__dict__["save"] = save
    try:
        yield sampler
    finally:
        sampler.__dict__.pop("save", None)


# ----------------------------------------------------------------------------------------------------
# Finished pieces of a long verb
class FinishedStore:
    """The finished pieces of a long verb (one mass of a ``limits`` scan, one model of ``compare``), each a sealed
    JSON file in the verb's partial folder, so that ``--resume`` skips them.

    The files are plain JSON (an open format: nothing is unpickled), sealed like a checkpoint so that a resume also
    checks the globalfit version and the config digest, and refuses a modified or foreign file. The store is
    picklable (a folder and the meta), so worker processes write their pieces themselves as they finish.

    Parameters
    ----------
    folder
        The partial folder (``<out>.partial/``), created on the first :meth:`put`.
    meta
        :func:`checkpoint_meta` of the run's resolved config.
    """

    SUFFIX = ".json"

    def __init__(self, folder: str | Path, meta: Mapping[str, Any]):
        self.folder = Path(folder)
        self.meta = {str(k): str(v) for k, v in meta.items()}

    def path(self, key: str) -> Path:
        """File of piece ``key`` (a short name such as ``mass-0003``)."""
        return self.folder / f"{key}{self.SUFFIX}"

    def put(self, key: str, value: Any) -> Path:
        """Write piece ``key`` (JSON-able; NaN allowed) atomically and seal it; a SIGTERM waits for the seal."""
        from globalfit.locking import deferred_termination

        self.folder.mkdir(parents=True, exist_ok=True)
        out = self.path(key)
        with deferred_termination():
            fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=self.folder)
            try:
                with os.fdopen(fd, "w") as fh:
                    json.dump(value, fh, default=_builtin)
                os.replace(tmp, out)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
            seal(out, self.meta)
        return out

    def keys(self) -> list[str]:
        """Keys of the pieces present (sealed or not), sorted."""
        if not self.folder.is_dir():
            return []
        return sorted(p.name[: -len(self.SUFFIX)] for p in self.folder.glob(f"*{self.SUFFIX}")
                      if not p.name.endswith(SEAL_SUFFIX) and not p.name.startswith("."))

    def exists(self) -> bool:
        """Whether any piece is present (a previous run was interrupted after finishing something)."""
        return bool(self.keys())

    def load(self) -> dict[str, Any]:
        """Every piece, verified against its seal and :attr:`meta`.

        Raises
        ------
        CheckpointError
            For a piece without a valid seal, or written by another globalfit version or for another config.
        """
        out = {}
        for key in self.keys():
            data = verified_bytes(self.path(key), self.meta)
            try:
                out[key] = json.loads(data)
            except ValueError as exc:  # sealed by us, so only a bug could get here; still no traceback
                raise CheckpointError(f"{self.path(key)} is not valid JSON ({exc})") from None
        return out


def _builtin(x: Any) -> Any:
    """JSON fallback: numpy scalars (``np.float64`` is a float already; ``np.bool_`` and ``np.int64`` are not)."""
    item = getattr(x, "item", None)
    if item is None:
        raise TypeError(f"{type(x).__name__} is not JSON serialisable")
    return item()
