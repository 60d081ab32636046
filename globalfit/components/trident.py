"""Neutrino trident production as a prior term (kind ``trident``): a Gaussian on the measured sigma/sigma_SM (CCFR
0.82 +- 0.28, CHARM-II 1.58 +- 0.64) with the Z' prediction for the run's nu_mu and mu charges (equal: one doublet).

Prediction (option ``propagator``):

``full`` (default when the dataset ships a propagator table)
    :func:`globalfit.physics.trident.trident_ratio_full`, the Z' propagator kept inside the phase-space integral
    through the dataset's table of f_1(M), f_2(M) (computed once by ``scripts/convert/priors.py``). Valid and
    continuous for every mass of the table (1e-5 to 1e4 GeV; clamped outside), so there is no switch-off.
``contact``
    The heavy-Z' formula :func:`globalfit.physics.trident.trident_ratio`, used unchanged for M_Z' >= ``valid_above_GeV``
    of the spec (1 GeV) and switched off smoothly below: the chi^2 is multiplied by a C2 quintic switch in log M
    (:func:`globalfit.tensor.smoothstep`) going from 1 at ``valid_above_GeV`` to 0 at
    ``valid_above_GeV / SWITCH_ON_FACTOR``, zero below (the behaviour before the full propagator existed; kept for
    comparisons with contact-limit results).

The chi^2 is offset so that the SM (ratio 1) has chi^2 = 0: the term is a likelihood ratio to the SM, so it does not
change with the SM's own pull.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from globalfit.components.base import Component, register
from globalfit.errors import ConfigError
from globalfit.physics.theory import Requirement, coupling_requirement
from globalfit.physics.trident import TridentTable, trident_ratio, trident_ratio_full
from globalfit.tensor import math_of, smoothstep
from globalfit.util import log_once

#: The contact option's switch-on interval is [valid_above_GeV / SWITCH_ON_FACTOR, valid_above_GeV].
SWITCH_ON_FACTOR = 2.0
PROPAGATORS = ("full", "contact")


@register
class Trident(Component):
    """A neutrino-trident cross-section ratio as a Gaussian likelihood term."""

    kind = "trident"
    modes = ("u1",)
    default_options = {"propagator": None}

    def __init__(self, entry, theory, options=None):
        super().__init__(entry, theory, options)
        spec = entry.spec
        row = entry.read_csv(spec.get("measurement_file", "measurement.csv")).iloc[0]
        self.ratio, self.error = float(row["ratio"]), float(row["error"])
        self.m_min = float(spec.get("valid_above_GeV", 1.0))
        self.table = self._read_table(entry)
        self.propagator = self.options["propagator"] or ("full" if self.table is not None else "contact")
        if self.propagator not in PROPAGATORS:
            raise ConfigError(f"option propagator must be one of {', '.join(PROPAGATORS)}, "
                              f"not {self.propagator!r}", f"priors.{entry.id}.options.propagator")
        if self.propagator == "full" and self.table is None:
            raise ConfigError(f"option propagator: full needs a propagator table (spec key "
                              "propagator_file), which this dataset does not have",
                              f"priors.{entry.id}.options.propagator")
        if self.propagator == "contact" and self.is_sensitive()[0]:
            log_once(f"{entry.id}: heavy-Z' trident formula used for M_Z' >= {self.m_min:g} GeV, switched off "
                     f"smoothly down to {self.m_min / SWITCH_ON_FACTOR:g} GeV; no constraint below")

    @staticmethod
    def _read_table(entry) -> TridentTable | None:
        name = entry.spec.get("propagator_file")
        if not name:
            return None
        t = entry.read_csv(name)
        return TridentTable(mass_GeV=t["mass_GeV"].to_numpy(float), f1=t["f1"].to_numpy(float),
                            f2=t["f2"].to_numpy(float), aa_over_vv=float(entry.spec.get("aa_over_vv", 1.0)))

    def requirements(self) -> list[Requirement]:
        return [coupling_requirement(("mu",), ("nu_mu",), what="muon-neutrino/muon coupling"),
                Requirement("mass", decisive=False)]

    def predicted_ratio(self, theory) -> Any:
        # the couplings g_nu_mu and g_mu of the theory point (equal without Z-Z' mixing: one doublet)
        g_nu, g_mu = theory.coupling("nu_mu"), theory.coupling("mu")
        if self.propagator == "full":
            return trident_ratio_full(1.0, theory.mass, g_nu, g_mu, self.table)
        return trident_ratio(1.0, theory.mass, g_nu, g_mu)

    def chi2(self, theory) -> Any:
        pull = (self.predicted_ratio(theory) - self.ratio) / self.error
        pull_sm = (1.0 - self.ratio) / self.error
        return self.validity(theory.mass) * (pull**2 - pull_sm**2)

    def validity(self, mass: Any) -> Any:
        """Weight of the prediction at mass [GeV]: 1 for the full propagator; for the contact formula 1 above
        ``valid_above_GeV``, 0 below half of it, a C2 switch in log M in between (module docstring)."""
        if self.propagator == "full":
            return 1.0
        m = math_of(mass)
        return smoothstep(m.log(mass), float(np.log(self.m_min / SWITCH_ON_FACTOR)), float(np.log(self.m_min)))

    def log_likelihood(self, theory, nuisances: Mapping[str, Any]) -> Any:
        return -0.5 * self.chi2(theory)

    def expected(self, theory, nuisances) -> dict[str, Any]:
        return {"ratio": self.predicted_ratio(theory)}

    def observed(self) -> dict[str, Any]:
        return {"ratio": self.ratio, "error": self.error}
