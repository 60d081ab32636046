"""Oscillation bounds on NSI as likelihood components (kind ``nsi_intervals``).

Two modes, set by the dataset's spec:

``differences`` (paper 004 Table 1)
    2-sigma intervals on d_e = eps^f_ee - eps^f_mumu and d_tau = eps^f_tautau - eps^f_mumu for a matter
    combination f (option ``matter``: u, d, p, n, p+n), applied to the model's eps at q^2 = 0.
``single`` (paper 002 Table 1)
    Ranges for one diagonal eps^u_aa with the others zero. Oscillations are blind to a flavour-universal shift,
    so a model whose two other diagonal entries are equal (cases A, B, C and any model with one of Q_e, Q_mu,
    Q_tau equal to another) is shifted to make them zero and the remaining entry is compared with its range
    (paper 002 section 2, including its Case B remark). Models with three different lepton charges are not
    covered by single-parameter ranges: a clear error points to the ``differences`` dataset.

The chi^2 of an interval is the flat-bottomed construction of :mod:`globalfit.stats`; unions (LMA ⊕ LMA-D) use
its smooth minimum. log L = -chi^2/2.
"""

from __future__ import annotations

from typing import Any, Mapping

from globalfit.components.base import Component, register
from globalfit.errors import ConfigError, DataError
from globalfit.physics.charges import FLAVOURS
from globalfit.physics.theory import Requirement, eps_requirement
from globalfit.stats import union_chi2

COMBINATIONS = ("u", "d", "p", "n", "p+n")


@register
class NSIIntervals(Component):
    """Published 2-sigma NSI intervals from oscillation data (see module docstring)."""

    kind = "nsi_intervals"
    modes = ("u1", "simplified", "eft")
    default_options = {"matter": None}

    def __init__(self, entry, theory, options=None):
        super().__init__(entry, theory, options)
        table = entry.read_csv("intervals.csv")
        self.mode = entry.spec.get("mode", "differences")
        matter = self.options["matter"] or entry.spec.get("default_matter", "p+n")
        if matter not in COMBINATIONS:
            raise ConfigError(f"matter must be one of {', '.join(COMBINATIONS)}, got {matter!r}",
                              f"likelihoods.{entry.id}.options.matter")
        available = sorted(set(table["combination"]))
        if matter not in available:
            raise ConfigError(f"{entry.id} has intervals for {', '.join(available)} only, not {matter!r}",
                              f"likelihoods.{entry.id}.options.matter")
        self.matter = matter
        sub = table[table["combination"] == matter]
        self.pieces: dict[str, list[tuple[float, float]]] = {}
        for obs, grp in sub.groupby("observable", sort=False):
            self.pieces[str(obs)] = [(float(lo), float(hi)) for lo, hi in zip(grp["lower"], grp["upper"])]
        self.single_target: str | None = None
        if self.mode == "single":
            self.single_target = self._single_structure()

    # The flavour structure of the diagonal eps is fixed by the theory spec, so it is resolved once here.
    def _single_structure(self) -> str | None:
        q = self.theory.theory_mode.lepton_pattern()
        for a in FLAVOURS:
            b, c = (x for x in FLAVOURS if x != a)
            if q[b] == q[c]:
                return None if q[a] == q[b] else a
        raise DataError(
            f"{self.entry.id} gives single-parameter ranges, which apply only when two diagonal eps are equal; "
            f"this model has lepton charges {q}. Use oscillation_esteban2018 (differences of eps) instead."
        )

    def requirements(self) -> list[Requirement]:
        # the matter combinations read (u, d, p, n, p+n) are built from eps^u and eps^d at q^2 = 0
        out = [eps_requirement(("u", "d"), FLAVOURS, what="coupling of the neutrinos to quarks",
                               note="no matter NSI")]
        if self.mode == "single":
            out.append(Requirement("eps_differences", what="flavour dependence of the NSI",
                                   note="oscillations cannot see flavour-universal NSI"))
        return out

    def observables(self, theory) -> dict[str, Any]:
        """The eps combinations compared with the intervals, at q^2 = 0."""
        f = self.matter
        if self.mode == "differences":
            mm = theory.eps(f, "mu")
            return {"ee-mumu": theory.eps(f, "e") - mm, "tautau-mumu": theory.eps(f, "tau") - mm}
        a = self.single_target
        b = next(x for x in FLAVOURS if x != a)
        name = {"e": "ee", "mu": "mumu", "tau": "tautau"}[a]
        return {name: theory.eps(f, a) - theory.eps(f, b)}

    def chi2(self, theory) -> Any:
        """Sum of the interval chi^2 of each observable."""
        return sum(union_chi2(x, self.pieces[obs]) for obs, x in self.observables(theory).items())

    def log_likelihood(self, theory, nuisances: Mapping[str, Any]) -> Any:
        return -0.5 * self.chi2(theory)

    def expected(self, theory, nuisances) -> dict[str, Any]:
        return self.observables(theory)
