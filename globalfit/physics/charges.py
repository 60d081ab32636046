"""U(1)' charge assignments: presets, a small expression grammar, and the anomaly condition.

A charge assignment gives the U(1)' charges (Q_q, Q_e, Q_mu, Q_tau) of quarks (generation-universal, per
quark, so baryon number B has Q_q = 1/3) and of the lepton doublets of each flavour (paper 002 eq. 1.3-1.6).
With three right-handed neutrinos the theory is anomaly free iff (paper 002 eq. 1.4, with Q_1 = Q_2 = Q_3)::

    3 * 3 Q_q + Q_e + Q_mu + Q_tau = 0.

Expressions are linear combinations, with rational coefficients, of the generators ``B``, ``L``, ``Le``,
``Lmu``, ``Ltau``: ``B-3Lmu``, ``B-3/2(Lmu+Ltau)``, ``Lmu-Ltau``, ``-1/3B + Ltau``. They are parsed by a
recursive-descent parser (never ``eval``). Presets ``A``, ``B``, ``C`` are the cases of paper 002 section 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping

from globalfit.errors import PhysicsError

FLAVOURS = ("e", "mu", "tau")

#: Generators in the basis (Q_q, Q_e, Q_mu, Q_tau).
GENERATORS: dict[str, tuple[Fraction, Fraction, Fraction, Fraction]] = {
    "B": (Fraction(1, 3), Fraction(0), Fraction(0), Fraction(0)),
    "L": (Fraction(0), Fraction(1), Fraction(1), Fraction(1)),
    "Le": (Fraction(0), Fraction(1), Fraction(0), Fraction(0)),
    "Lmu": (Fraction(0), Fraction(0), Fraction(1), Fraction(0)),
    "Ltau": (Fraction(0), Fraction(0), Fraction(0), Fraction(1)),
}

#: Presets: paper 002 cases A, B, C (section 1).
PRESETS: dict[str, tuple[str, str]] = {
    "A": ("B-3Lmu", "paper 002 case A: Q_q = 1/3, Q_mu = -3"),
    "B": ("B-3/2(Lmu+Ltau)", "paper 002 case B: Q_q = 1/3, Q_mu = Q_tau = -3/2"),
    "C": ("B-3Ltau", "paper 002 case C: Q_q = 1/3, Q_tau = -3"),
}


@dataclass(frozen=True)
class ChargeAssignment:
    """U(1)' charges of quarks and lepton doublets (dimensionless, g' factored out).

    Attributes
    ----------
    q, e, mu, tau
        Charge of each quark (all generations, u and d alike) and of the lepton doublets L_e, L_mu, L_tau.
    label
        How the user wrote it (``"B-3Lmu"``, ``"A"``) for messages and plots.
    """

    q: Fraction
    e: Fraction
    mu: Fraction
    tau: Fraction
    label: str = ""

    @property
    def anomaly_sum(self) -> Fraction:
        """The anomaly sum 3*3*Q_q + Q_e + Q_mu + Q_tau (zero for an anomaly-free assignment)."""
        return 9 * self.q + self.e + self.mu + self.tau

    def lepton(self, flavour: str) -> Fraction:
        """Charge of the lepton doublet of ``flavour`` (``"e"``, ``"mu"``, ``"tau"``)."""
        return {"e": self.e, "mu": self.mu, "tau": self.tau}[flavour]

    def fermion(self, f: str) -> Fraction:
        """Vector charge of a fermion: quarks ``u d s c b t``, charged leptons, or neutrinos ``nu_e`` etc."""
        if f in ("u", "d", "s", "c", "b", "t"):
            return self.q
        if f.startswith("nu_"):
            return self.lepton(f[3:])
        return self.lepton(f)

    def check_anomaly_free(self) -> "ChargeAssignment":
        """Return self, or raise :class:`PhysicsError` naming the anomaly sum."""
        if self.anomaly_sum != 0:
            raise PhysicsError(
                f"Charges {self.label or self.as_dict()} are not anomaly-free: 9*Q_q + Q_e + Q_mu + Q_tau = "
                f"9*({self.q}) + ({self.e}) + ({self.mu}) + ({self.tau}) = {self.anomaly_sum}, not 0."
            )
        return self

    def as_dict(self) -> dict[str, float]:
        """Charges as floats, keys ``q, e, mu, tau``."""
        return {"q": float(self.q), "e": float(self.e), "mu": float(self.mu), "tau": float(self.tau)}

    def expression(self) -> str:
        """A canonical expression in the generators B, Le, Lmu, Ltau."""
        parts = []
        for name, c in (("B", 3 * self.q), ("Le", self.e), ("Lmu", self.mu), ("Ltau", self.tau)):
            if c == 0:
                continue
            sign = "-" if c < 0 else "+"
            mag = abs(c)
            coef = "" if mag == 1 else f"{mag}"
            parts.append(f"{sign}{coef}{name}")
        s = "".join(parts) or "0"
        return s[1:] if s.startswith("+") else s


# ----------------------------------------------------------------------------------------------------------
# Expression grammar (recursive descent):
#   expr    := term (("+" | "-") term)*
#   term    := ("+" | "-") term | product
#   product := primary (["*"] primary)*          juxtaposition multiplies: 3Lmu, 3/2(Lmu+Ltau)
#   primary := number ["/" number] | NAME | "(" expr ")"
# A value is (scalar, vector); products require one factor to be a pure scalar.
_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_]\w*)|(.))")


#: Limits of the expression grammar: charge expressions are short (``B-3/2(Lmu+Ltau)``); anything far longer or
#: deeper is refused before it can exhaust the recursion of the parser or echo a huge string back.
MAX_EXPRESSION_LENGTH = 200
MAX_NESTING = 20
#: Largest |Q| accepted: charges are O(1) rationals by convention (g' sets the scale); 1e400 is a typo, not a model.
MAX_CHARGE = 1.0e6


class _Parser:
    def __init__(self, text: str):
        if len(text) > MAX_EXPRESSION_LENGTH:
            raise PhysicsError(f"Charge assignment {text[:40]!r}... is {len(text)} characters long; charge expressions "
                               f"are limited to {MAX_EXPRESSION_LENGTH} (e.g. 'B-3Lmu', 'B-3/2(Lmu+Ltau)').")
        self.text = text
        self.depth = 0
        self.tokens: list[tuple[str, str]] = []
        for m in _TOKEN.finditer(text):
            num, name, op = m.groups()
            if num is not None:
                self.tokens.append(("num", num))
            elif name is not None:
                self.tokens.append(("name", name))
            elif op is not None and op.strip():
                self.tokens.append(("op", op))
        self.i = 0

    def error(self, what: str) -> PhysicsError:
        return PhysicsError(
            f"Cannot parse charge assignment {self.text!r}: {what}. Use presets {', '.join(PRESETS)} or "
            f"combinations of {', '.join(GENERATORS)} such as 'B-3Lmu' or 'B-3/2(Lmu+Ltau)'."
        )

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise self.error("unexpected end of expression")
        self.i += 1
        return tok

    def parse(self) -> tuple[Fraction | None, tuple[Fraction, ...] | None]:
        if not self.tokens:
            raise self.error("empty expression")
        val = self.expr()
        if self.peek() is not None:
            raise self.error(f"unexpected {self.peek()[1]!r}")
        return val

    # values: (scalar, None) or (None, vector)
    def expr(self):
        val = self.term()
        while (tok := self.peek()) is not None and tok in (("op", "+"), ("op", "-")):
            self.take()
            rhs = self.term()
            val = self._add(val, rhs, -1 if tok[1] == "-" else 1)
        return val

    def term(self):
        sign = 1
        # leading signs iteratively (no recursion: "------B" must not reach the recursion limit)
        while (tok := self.peek()) in (("op", "+"), ("op", "-")):
            self.take()
            sign = -sign if tok[1] == "-" else sign
        val = self.product()
        return self._scale(val, Fraction(sign)) if sign < 0 else val

    def product(self):
        val = self.primary()
        while (tok := self.peek()) is not None and (
            tok == ("op", "*") or tok[0] in ("num", "name") or tok == ("op", "(")
        ):
            if tok == ("op", "*"):
                self.take()
            rhs = self.primary()
            val = self._mul(val, rhs)
        return val

    def primary(self):
        kind, text = self.take()
        if kind == "num":
            value = Fraction(text)
            if self.peek() == ("op", "/"):
                self.take()
                kind2, text2 = self.take()
                if kind2 != "num" or Fraction(text2) == 0:
                    raise self.error("a fraction needs a non-zero number after '/'")
                value = value / Fraction(text2)
            return (value, None)
        if kind == "name":
            if text not in GENERATORS:
                raise self.error(f"unknown generator {text!r}")
            return (None, GENERATORS[text])
        if text == "(":
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise self.error(f"parentheses nested deeper than {MAX_NESTING}")
            val = self.expr()
            if self.take() != ("op", ")"):
                raise self.error("missing ')'")
            self.depth -= 1
            return val
        raise self.error(f"unexpected {text!r}")

    def _add(self, a, b, sign):
        if a[1] is None or b[1] is None:
            raise self.error("a bare number cannot be added to a charge")
        return (None, tuple(x + sign * y for x, y in zip(a[1], b[1])))

    @staticmethod
    def _scale(a, s):
        if a[1] is None:
            return (a[0] * s, None)
        return (None, tuple(s * x for x in a[1]))

    def _mul(self, a, b):
        if a[1] is None:
            return self._scale(b, a[0])
        if b[1] is None:
            return self._scale(a, b[0])
        raise self.error("two charges cannot be multiplied")


def parse_charges(spec: str | Mapping[str, float | str], check: bool = True) -> ChargeAssignment:
    """Parse a charge assignment.

    Parameters
    ----------
    spec
        A preset (``"A"``, ``"B"``, ``"C"``), an expression (``"B-3Lmu"``), a mapping of explicit charges
        ``{q:, e:, mu:, tau:}`` (missing ones are 0), or the r-basis of paper 004 eq. (2)
        ``{r_BL:, r_mutau:, r_mue:}`` meaning r_BL (B-L) + r_mutau (Lmu-Ltau) + r_mue (Lmu-Le).
    check
        Raise :class:`PhysicsError` if the assignment is not anomaly-free.

    Returns
    -------
    ChargeAssignment
    """
    if isinstance(spec, Mapping):
        keys = set(spec)
        r_keys = {"r_BL", "r_mutau", "r_mue"}
        q_keys = {"q", "e", "mu", "tau"}
        try:
            vals = {k: Fraction(str(v)) for k, v in spec.items()}
        except (ValueError, ZeroDivisionError) as exc:
            shown = repr(dict(spec))
            shown = shown if len(shown) <= 80 else shown[:77] + "..."
            raise PhysicsError(f"Charges {shown} must be finite numbers or fractions like '3/2'.") from None
        if keys <= r_keys and keys:
            r_bl, r_mt, r_me = (vals.get(k, Fraction(0)) for k in ("r_BL", "r_mutau", "r_mue"))
            ca = ChargeAssignment(
                q=r_bl / 3, e=-r_bl - r_me, mu=-r_bl + r_mt + r_me, tau=-r_bl - r_mt,
                label=f"r_BL={r_bl}, r_mutau={r_mt}, r_mue={r_me}",
            )
        elif keys <= q_keys and keys:
            ca = ChargeAssignment(*(vals.get(k, Fraction(0)) for k in ("q", "e", "mu", "tau")), label=str(dict(spec)))
        else:
            raise PhysicsError(
                f"Charge mapping keys {sorted(keys)} are not understood: use {sorted(q_keys)} or {sorted(r_keys)}."
            )
    else:
        text = str(spec).strip()
        expr = PRESETS[text][0] if text in PRESETS else text
        scalar, vec = _Parser(expr).parse()
        if vec is None:
            raise PhysicsError(f"Charge assignment {text!r} is a bare number, not a combination of B, L, Le, Lmu, Ltau.")
        ca = ChargeAssignment(*vec, label=text)
    big = [k for k, v in zip(("q", "e", "mu", "tau"), (ca.q, ca.e, ca.mu, ca.tau)) if abs(v) > MAX_CHARGE]
    if big:
        raise PhysicsError(f"Charge(s) {', '.join(big)} exceed {MAX_CHARGE:g} in size: only the ratios of charges are "
                           "physical (g' carries the scale), so write them as small rationals.")
    return ca.check_anomaly_free() if check else ca
