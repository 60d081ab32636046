"""globalfit.checkpoint: only checkpoints sealed by this installation, unchanged, for this config and these versions,
are loaded; a planted pickle is refused without being unpickled."""

from __future__ import annotations

import json
import os
import pickle
import stat

import numpy as np
import pytest

from globalfit import checkpoint as ck
from globalfit.errors import CheckpointError

META = {"globalfit": "0.1.0", "dynesty": "3.0.0", "config_sha256": "ab" * 32}


@pytest.fixture(autouse=True)
def key_dir(tmp_path, monkeypatch):
    d = tmp_path / "keys"
    monkeypatch.setenv("GLOBALFIT_KEY_DIR", str(d))
    return d


@pytest.fixture()
def sealed(tmp_path):
    p = tmp_path / "out.partial" / "dynesty.save"
    p.parent.mkdir()
    p.write_bytes(pickle.dumps({"state": list(range(100))}))
    ck.seal(p, META)
    return p


class _Planted:
    """Unpickling this creates the marker file (the kind of payload a planted checkpoint carries)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_roundtrip(sealed):
    ck.verify(sealed, META)
    assert pickle.loads(ck.verified_bytes(sealed, META)) == {"state": list(range(100))}


def test_key_created_private(sealed, key_dir):
    path = key_dir / ck.KEY_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(key_dir.stat().st_mode) == 0o700
    assert len(path.read_bytes()) == ck.KEY_BYTES


def test_key_readable_by_others_refused(sealed, key_dir):
    os.chmod(key_dir / ck.KEY_NAME, 0o644)
    with pytest.raises(CheckpointError, match="readable by others"):
        ck.verify(sealed, META)


def test_planted_pickle_refused_and_not_executed(tmp_path):
    """A file planted as a checkpoint (no seal) is refused; its payload never runs."""
    marker = tmp_path / "pwned"
    p = tmp_path / "dynesty.save"
    p.write_bytes(pickle.dumps(_Planted(marker)))
    with pytest.raises(CheckpointError, match="no seal"):
        ck.verify(p, META)
    with pytest.raises(CheckpointError):
        ck.restore_sampler(p, META)
    assert not marker.exists()
    pickle.loads(p.read_bytes())  # the payload is real: loading it blindly would have created the marker
    assert marker.exists()


def test_planted_pickle_with_forged_seal(tmp_path, sealed):
    """A planted file with a seal copied from a genuine checkpoint (or made up) fails the MAC."""
    marker = tmp_path / "pwned"
    planted = tmp_path / "planted.save"
    planted.write_bytes(pickle.dumps(_Planted(marker)))
    seal = json.loads(ck.seal_path(sealed).read_text())
    data = planted.read_bytes()
    import hashlib

    seal.update(size=len(data), sha256=hashlib.sha256(data).hexdigest(), file=planted.name)
    ck.seal_path(planted).write_text(json.dumps(seal))
    with pytest.raises(CheckpointError, match="does not match its seal"):
        ck.restore_sampler(planted, META)
    assert not marker.exists()


def test_other_key_refused(sealed, tmp_path, monkeypatch):
    """A checkpoint sealed by another installation (another key) is refused."""
    monkeypatch.setenv("GLOBALFIT_KEY_DIR", str(tmp_path / "other_keys"))
    with pytest.raises(CheckpointError, match="another user, machine or installation"):
        ck.verify(sealed, META)


def test_truncated(sealed):
    data = sealed.read_bytes()
    sealed.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated"):
        ck.verify(sealed, META)


def test_modified_same_size(sealed):
    data = bytearray(sealed.read_bytes())
    data[-3] ^= 1
    sealed.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="does not match its seal"):
        ck.verify(sealed, META)


@pytest.mark.parametrize("package", ["dynesty", "globalfit"])
def test_version_change(sealed, package):
    with pytest.raises(CheckpointError, match=f"written by {package} {META[package]}"):
        ck.verify(sealed, {**META, package: "9.9.9"})


def test_config_change(sealed):
    with pytest.raises(CheckpointError, match="different config"):
        ck.verify(sealed, {**META, "config_sha256": "cd" * 32})


def test_garbage_seal(sealed):
    ck.seal_path(sealed).write_text("{not json")
    with pytest.raises(CheckpointError, match="unreadable"):
        ck.verify(sealed, META)


def test_missing_checkpoint(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint"):
        ck.verify(tmp_path / "nope.save", META)


def test_config_digest_ignores_output_and_versions():
    a = {"name": "x", "sampler": {"nlive": 50}, "output": {"dir": "a"}, "versions": {"numpy": "1"}}
    b = {**a, "output": {"dir": "b"}, "versions": {"numpy": "2"}}
    assert ck.config_digest(a) == ck.config_digest(b)
    assert ck.config_digest(a) != ck.config_digest({**a, "sampler": {"nlive": 51}})
    meta = ck.checkpoint_meta(a)
    assert set(meta) == {"globalfit", "dynesty", "config_sha256"} and meta["dynesty"] != "not installed"


def _gauss(x):
    return -0.5 * float(np.sum(x**2))


def _unit(u):
    return 2.0 * u - 1.0


def test_dynesty_sealing_saves_and_restore(tmp_path):
    """dynesty's periodic checkpoint written inside sealing_saves is sealed, has no hook pickled in, and restores."""
    import dynesty

    ckpt = tmp_path / "dynesty.save"
    meta = ck.checkpoint_meta({"name": "toy"})
    sampler = dynesty.NestedSampler(_gauss, _unit, 1, nlive=20, rstate=np.random.default_rng(1))
    with ck.sealing_saves(sampler, meta):
        sampler.run_nested(maxiter=30, print_progress=False, checkpoint_file=str(ckpt), checkpoint_every=0.0)
    assert "save" not in sampler.__dict__
    ck.verify(ckpt, meta)
    restored = ck.restore_sampler(ckpt, meta)
    assert restored.it == sampler.it and "save" not in restored.__dict__
