"""Charge assignments: presets of paper 002, the expression grammar, the anomaly condition."""

from fractions import Fraction as F

import pytest

from globalfit.errors import PhysicsError
from globalfit.physics.charges import parse_charges


@pytest.mark.parametrize(
    "spec, expected",
    [
        # paper 002 section 1, cases A, B, C
        ("A", (F(1, 3), 0, -3, 0)),
        ("B", (F(1, 3), 0, F(-3, 2), F(-3, 2))),
        ("C", (F(1, 3), 0, 0, -3)),
        ("B-3Lmu", (F(1, 3), 0, -3, 0)),
        ("B-3/2(Lmu+Ltau)", (F(1, 3), 0, F(-3, 2), F(-3, 2))),
        ("B-3Ltau", (F(1, 3), 0, 0, -3)),
        ("Lmu-Ltau", (0, 0, 1, -1)),
        ("B-L", (F(1, 3), -1, -1, -1)),
        ("B-3Le", (F(1, 3), -3, 0, 0)),
        ("Le-Lmu", (0, 1, -1, 0)),
        ("Le-Ltau", (0, 1, 0, -1)),
        ("B - 3 * Ltau", (F(1, 3), 0, 0, -3)),
        ("-(Lmu-Ltau)", (0, 0, -1, 1)),
        ("0.5(Le-Lmu)", (0, F(1, 2), F(-1, 2), 0)),
    ],
)
def test_parse(spec, expected):
    """Hand-derived charges (Q_q, Q_e, Q_mu, Q_tau); B gives each quark 1/3. Exact (rational arithmetic)."""
    ca = parse_charges(spec)
    assert (ca.q, ca.e, ca.mu, ca.tau) == tuple(F(x) for x in expected)
    assert ca.anomaly_sum == 0


@pytest.mark.parametrize(
    "r, expected",
    [
        # paper 004 eq. (2): X = r_BL (B-L) + r_mutau (Lmu-Ltau) + r_mue (Lmu-Le)
        ({"r_BL": 1}, (F(1, 3), -1, -1, -1)),
        ({"r_BL": 1, "r_mutau": 2}, (F(1, 3), -1, 1, -3)),  # B - Le + Lmu - 3Ltau
        ({"r_BL": 1, "r_mutau": -1, "r_mue": 0}, (F(1, 3), -1, -2, 0)),
        ({"r_mue": 1}, (0, -1, 1, 0)),
    ],
)
def test_r_basis(r, expected):
    """Paper 004 eq. (2) r-basis, expanded by hand."""
    ca = parse_charges(r)
    assert (ca.q, ca.e, ca.mu, ca.tau) == tuple(F(x) for x in expected)


def test_paper004_rmutau_cases():
    """Paper 004 sec. 3.1.1: electrophobic models have r_mue = -r_BL (Q_e = -r_BL - r_mue = 0); with r_BL = 1, B-3Ltau is
    r_mutau = 2, B-3/2(Lmu+Ltau) is r_mutau = 1/2 and B-3Lmu is r_mutau = -1. Exact."""
    for expr, rmt in (("B-3Ltau", 2), ("B-3/2(Lmu+Ltau)", "1/2"), ("B-3Lmu", -1)):
        a = parse_charges(expr)
        b = parse_charges({"r_BL": 1, "r_mutau": str(rmt), "r_mue": -1})
        assert (a.q, a.e, a.mu, a.tau) == (b.q, b.e, b.mu, b.tau)


def test_anomaly_error_names_the_sum():
    """B-2Lmu: 9*(1/3) - 2 = 1, not anomaly-free."""
    with pytest.raises(PhysicsError, match=r"not anomaly-free.*= 1, not 0"):
        parse_charges("B-2Lmu")


@pytest.mark.parametrize("bad", ["", "B+", "3", "Lx", "B*L", "B-3/0Lmu", "(B-3Lmu", "eval('1')"])
def test_bad_expressions(bad):
    with pytest.raises(PhysicsError, match="(?i)charge assignment"):
        parse_charges(bad)


def test_explicit_mapping_and_canonical_expression():
    ca = parse_charges({"q": "1/3", "mu": -3})
    assert ca.expression() == "B-3Lmu"
    assert parse_charges(ca.expression()) == parse_charges("B-3Lmu")


@pytest.mark.parametrize("text, message", [
    ("(" * 25 + "B-3Lmu" + ")" * 25, "nested deeper than 20"),
    ("B" + "+Lmu-Lmu" * 40, "limited to 200"),
    ({"q": "1e400", "e": 0, "mu": 0, "tau": 0}, r"exceed 1e\+06"),
    ({"q": float("inf"), "e": 0, "mu": 0, "tau": 0}, "must be finite numbers"),
    ({"q": float("nan")}, "must be finite numbers"),
    ({"q": "x" * 10_000}, "must be finite numbers"),
])
def test_hostile_charge_input_is_refused_briefly(text, message):
    """Hostile charge input: deep parentheses, very long expressions, huge or non-finite charges. Each is one
    PhysicsError of bounded length (never a RecursionError, an OverflowError or the input echoed in full)."""
    with pytest.raises(PhysicsError, match=message) as exc:
        parse_charges(text)
    assert len(str(exc.value)) < 400


def test_many_leading_signs_do_not_recurse():
    """Leading signs are folded iteratively: 150 minus signs parse (inside the length limit) (an even number: the sign is +)."""
    assert parse_charges("-" * 150 + "B-3Lmu").mu == -3
