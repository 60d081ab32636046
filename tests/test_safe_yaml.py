"""globalfit.safe_yaml: YAML 1.2 floats, and one clear ConfigError (file and line) per hostile input, in bounded time."""

from __future__ import annotations

import math
import time

import pytest

from globalfit.errors import ConfigError, DataError
from globalfit.safe_yaml import MAX_ECHO, clip, load_yaml, loads_yaml


def refused(text, **kw) -> str:
    with pytest.raises(ConfigError) as info:
        loads_yaml(text, "run.yaml", "run config", **kw)
    msg = str(info.value)
    assert "run.yaml" in msg and "\n" not in msg
    return msg


def test_floats_yaml12():
    d = loads_yaml("a: 1e-3\nb: 1.0e-6\nc: .nan\nd: -.inf\ne: 3\nf: 1e400\n")
    assert d["a"] == 1e-3 and d["b"] == 1e-6 and math.isnan(d["c"]) and d["d"] == -math.inf
    assert d["e"] == 3 and isinstance(d["e"], int) and d["f"] == math.inf


def test_small_aliases_and_merge_keys_allowed():
    d = loads_yaml("base: &b {nlive: 50, seed: 1}\nrun: {<<: *b, seed: 2}\ncopy: *b\n")
    assert d["run"] == {"nlive": 50, "seed": 2} and d["copy"] == {"nlive": 50, "seed": 1}


def test_alias_bomb_refused_fast():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]  # 9^10 leaves
    t0 = time.perf_counter()
    msg = refused("\n".join(lines))
    assert time.perf_counter() - t0 < 1.0
    assert "aliases" in msg and "line" in msg


def test_recursive_alias_refused():
    assert "recursive" in refused("x: &x [1, *x]\n")


def test_deep_nesting_refused():
    msg = refused("[" * 10000 + "]" * 10000)
    assert "deeper than 50" in msg and "line 1" in msg


def test_depth_through_aliases_counts():
    text = "a0: &a0 [1]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 60))
    assert "deeper than 50" in refused(text)


def test_depth_limit_is_inclusive():
    loads_yaml("[" * 50 + "]" * 50)
    with pytest.raises(ConfigError):
        loads_yaml("[" * 51 + "]" * 51)


def test_duplicate_keys_name_both_lines():
    msg = refused("name: a\nsampler: {nlive: 10}\nname: b\n")
    assert "duplicate key 'name'" in msg and "line 1" in msg and "line 3" in msg


def test_nested_duplicate_keys():
    assert "duplicate key 'nlive'" in refused("sampler:\n  nlive: 10\n  seed: 1\n  nlive: 20\n")


def test_not_utf8():
    msg = refused(b"name: caf\xe9\n")
    assert "not UTF-8" in msg and "line 1" in msg


def test_utf8_bom_accepted():
    assert loads_yaml(b"\xef\xbb\xbfname: x\n") == {"name": "x"}


def test_size_limit(tmp_path):
    p = tmp_path / "big.yaml"
    p.write_text("name: '" + "a" * (1 << 20) + "'\n")
    with pytest.raises(ConfigError) as info:
        load_yaml(p)
    assert "bytes" in str(info.value) and len(str(info.value)) < 300


def test_long_scalar_not_echoed():
    msg = refused("k" * 1000 + ": 1\n" + "k" * 1000 + ": 2\n")
    assert len(msg) < 400 and "1000 characters" in msg


def test_syntax_error_has_line():
    msg = refused("a: 1\nb: [1, 2\n")
    assert "not valid YAML at line" in msg


def test_python_tags_refused():
    assert "not valid YAML" in refused("x: !!python/object/apply:os.system ['true']\n")


def test_control_characters():
    assert "not valid YAML" in refused("a: \x07\n")


def test_error_class_for_specs():
    with pytest.raises(DataError):
        loads_yaml("a: 1\na: 2\n", "spec.yaml", "dataset spec", error=DataError)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_yaml(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="not a regular file"):
        load_yaml(tmp_path)


def test_clip():
    assert clip("abc") == "'abc'"
    long = clip("x" * 10**6)
    assert len(long) < MAX_ECHO + 40 and "1000000 characters" in long


def test_empty_document():
    assert loads_yaml("") is None and loads_yaml("# only a comment\n") is None
