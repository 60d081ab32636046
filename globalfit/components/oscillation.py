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

What the model's eps are compared with (option ``matter_potential``, default true)
-----------------------------------------------------------------------------------
Oscillations see the matter potential. In neutral matter with Y_n = n_n/n_e (paper 004 footnote 2; Earth average
Y_n = 1.051, :data:`globalfit.physics.nsi.Y_N_EARTH`)::

    eps^matter_aa = eps^e_aa + eps^p_aa + Y_n eps^n_aa        (electrons count like protons: n_e = n_p)

Each published interval set was derived with NSI on one matter combination f only, i.e. for a fixed ratio of the
proton, neutron and electron terms (Esteban et al.'s angle eta). The option ``matter`` chooses that set; the model's
Earth-matter eps^matter is turned into the equivalent eps^f, ``eps^f_equiv = eps^matter / w_f``, and compared with
it, where w_f is the potential per unit eps^f of that combination (:data:`MATTER_WEIGHTS`):

``u``    eps^u alone (eps^d = eps^e = 0): w = 2 + Y_n;
``d``    eps^d alone: w = 1 + 2 Y_n;
``p``    eps^p alone (eta = 0): w = 1. Also the set for electron NSI: a potential proportional to n_e = n_p is
         exactly the eta = 0 one, so paper 004 section 3.1.2 uses the proton bounds as the proxy for e + p (it neglects
         the change of the detection cross sections, constrained independently by nu-e scattering);
``n``    eps^n alone (eta = +-90 deg): w = Y_n;
``p+n``  eps^p = eps^n (eta = 45 deg; eps^{p+n} = (eps^p + eps^n)/2 = 3(eps^u + eps^d)/2): w = 1 + Y_n. Default.

This is exact in Earth matter (atmospheric and long-baseline data) for any model, and exact everywhere when the model
has the ratio of the chosen set; otherwise the solar part of the fit, where Y_n varies with the radius, is only
approximated (pick the set closest to the model's ratio). For a model with universal quark charges and no electron
coupling (eps^u = eps^d) and the default ``p+n``, eps^f_equiv equals the model's own eps^{p+n}, as before.

``matter_potential: false`` compares the model's own eps^f with the f intervals, ignoring the rest of the potential
(the electrons, and the d quarks for ``u``): the convention of paper 002 Table 2's single-parameter ranges and of the
releases before the electron term, kept to reproduce those numbers.

The chi^2 of an interval is the flat-bottomed construction of :mod:`globalfit.stats`; unions (LMA ⊕ LMA-D) use
its smooth minimum. log L = -chi^2/2.
"""

from __future__ import annotations

from typing import Any, Mapping

from globalfit.components.base import Component, register
from globalfit.errors import ConfigError, DataError
from globalfit.physics.charges import FLAVOURS
from globalfit.physics.nsi import Y_N_EARTH
from globalfit.physics.theory import Requirement, eps_requirement
from globalfit.stats import union_chi2

COMBINATIONS = ("u", "d", "p", "n", "p+n")

#: Earth-matter potential per unit eps^f of each interval set's combination f (module docstring).
MATTER_WEIGHTS = {"u": 2.0 + Y_N_EARTH, "d": 1.0 + 2.0 * Y_N_EARTH, "p": 1.0, "n": Y_N_EARTH, "p+n": 1.0 + Y_N_EARTH}


def matter_eps(theory, alpha: str, y_n: float = Y_N_EARTH) -> Any:
    """eps^matter_aa = eps^e + eps^p + Y_n eps^n at q^2 = 0 (paper 004 footnote 2), dimensionless."""
    return theory.eps("e", alpha) + theory.eps("p", alpha) + y_n * theory.eps("n", alpha)


@register
class NSIIntervals(Component):
    """Published 2-sigma NSI intervals from oscillation data (see module docstring)."""

    kind = "nsi_intervals"
    modes = ("u1", "simplified", "eft")
    default_options = {"matter": None, "matter_potential": True}

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
        # the matter potential reads eps^u, eps^d and (unless matter_potential is off) eps^e at q^2 = 0
        fermions = ("u", "d", "e") if self.options["matter_potential"] else ("u", "d")
        out = [eps_requirement(fermions, FLAVOURS, what="coupling of the neutrinos to matter (quarks or electrons)",
                               note="no matter NSI")]
        if self.mode == "single":
            out.append(Requirement("eps_differences", what="flavour dependence of the NSI",
                                   note="oscillations cannot see flavour-universal NSI"))
        return out

    def eps_compared(self, theory, alpha: str) -> Any:
        """The model's eps_aa in the interval set's variable: eps^matter / w_f, or with ``matter_potential: false``
        the model's own eps^f (module docstring)."""
        if not self.options["matter_potential"]:
            return theory.eps(self.matter, alpha)
        return matter_eps(theory, alpha) / MATTER_WEIGHTS[self.matter]

    def observables(self, theory) -> dict[str, Any]:
        """The eps combinations compared with the intervals, at q^2 = 0."""
        eps = {a: self.eps_compared(theory, a) for a in FLAVOURS}
        if self.mode == "differences":
            return {"ee-mumu": eps["e"] - eps["mu"], "tautau-mumu": eps["tau"] - eps["mu"]}
        a = self.single_target
        b = next(x for x in FLAVOURS if x != a)
        name = {"e": "ee", "mu": "mumu", "tau": "tautau"}[a]
        return {name: eps[a] - eps[b]}

    def chi2(self, theory) -> Any:
        """Sum of the interval chi^2 of each observable."""
        return sum(union_chi2(x, self.pieces[obs]) for obs, x in self.observables(theory).items())

    def log_likelihood(self, theory, nuisances: Mapping[str, Any]) -> Any:
        return -0.5 * self.chi2(theory)

    def expected(self, theory, nuisances) -> dict[str, Any]:
        return self.observables(theory)
