"""The import rules and code conventions of docs/ARCHITECTURE.md, checked on the source (AST, no imports)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "globalfit"

#: (modules the rule applies to, globalfit modules they must never import); prefixes match sub-packages
RULES = [
    ("physics", ("components", "config", "model", "inference", "frequentist", "cli", "catalogue", "results")),
    ("tensor", ("physics", "components", "config", "model", "inference", "frequentist", "catalogue")),
    ("stats", ("physics", "components", "config", "model", "inference", "frequentist", "catalogue")),
    ("safe_yaml", ("physics", "components", "config", "model", "inference", "frequentist", "catalogue")),
    ("output", ("physics", "components", "config", "model", "inference", "frequentist", "catalogue")),
    ("locking", ("physics", "components", "config", "model", "inference", "frequentist", "catalogue")),
    ("checkpoint", ("physics", "components", "config", "model", "inference", "frequentist", "catalogue")),
    ("parameters", ("physics", "components", "config", "model", "inference", "frequentist", "catalogue")),
    ("schemas", ("components", "physics", "model", "config", "inference", "frequentist")),
    ("catalogue", ("components", "physics", "model", "config", "inference", "frequentist")),
    ("components", ("config", "model", "inference", "frequentist", "cli", "results")),
    ("config", ("components", "model", "inference", "frequentist", "cli", "results")),
    ("model", ("inference", "frequentist", "results", "cli", "comparison")),
]


def _modules() -> dict[str, Path]:
    out = {}
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG).with_suffix("")
        parts = [p for p in rel.parts if p != "__init__"]
        out[".".join(parts)] = path
    return out


def _imports(path: Path) -> set[str]:
    """globalfit modules imported anywhere in the file (top level and inside functions), without the prefix."""
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        found |= {n.removeprefix("globalfit.") for n in names if n.startswith("globalfit.")}
    return found


def _matches(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


@pytest.mark.parametrize("owner, forbidden", RULES, ids=[r[0] for r in RULES])
def test_import_rules(owner, forbidden):
    """docs/ARCHITECTURE.md, 'Import rules': no module of ``owner`` imports any of ``forbidden``."""
    bad = []
    for name, path in _modules().items():
        if not _matches(name, owner):
            continue
        for imp in _imports(path):
            if any(_matches(imp, f) for f in forbidden):
                bad.append(f"{name} imports {imp}")
    assert not bad, "; ".join(bad)


def test_rules_see_the_modules_they_govern():
    """The rule table is not vacuous: every rule's owner exists, and the scanner sees imports, lazy ones included
    (model imports config at the top, cli imports frequentist inside a function)."""
    mods = _modules()
    for owner, _ in RULES:
        assert [n for n in mods if _matches(n, owner)], owner
    assert "config" in _imports(mods["model"])
    assert any(_matches(i, "frequentist") for i in _imports(mods["cli"]))


def _calls(path: Path, name: str) -> list[int]:
    """Line numbers of calls to a bare ``name(...)`` or ``sys.name(...)``."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            f = node.func
            if (isinstance(f, ast.Name) and f.id == name) or (isinstance(f, ast.Attribute) and f.attr == name
                                                               and isinstance(f.value, ast.Name) and f.value.id == "sys"):
                lines.append(node.lineno)
    return lines


def test_no_print_or_exit_in_library_modules():
    """Library modules report through exceptions and logging; only cli.py prints or exits."""
    bad = []
    for name, path in _modules().items():
        if name == "cli":
            continue
        bad += [f"{name}:{ln} print" for ln in _calls(path, "print")]
        bad += [f"{name}:{ln} sys.exit" for ln in _calls(path, "exit")]
    assert not bad, ", ".join(bad)


def test_prior_types_are_decoded_in_one_module():
    """Only globalfit/parameters.py compares prior-type strings (``prior == "normal"`` and the like)."""
    bad = []
    for name, path in _modules().items():
        if name == "parameters":
            continue
        for i, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if any(s in code for s in ('== "log-uniform"', '== "uniform"', '== "normal"', "prior ==", "prior !=")):
                bad.append(f"{name}:{i}")
    assert not bad, ", ".join(bad)
