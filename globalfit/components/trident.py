"""Neutrino trident production as a prior term (kind ``trident``): a Gaussian on sigma/sigma_SM (CCFR 0.82 +- 0.28)
with the Z' prediction of :mod:`globalfit.physics.trident` for the run's nu_mu and mu charges (equal: same doublet).

Validity range: the heavy-mediator formula is used unchanged for M_Z' >= ``valid_above_GeV`` of the spec (1 GeV). Below,
the term is switched off smoothly rather than abruptly (a step in M made the likelihood discontinuous, which NUTS and
optimisers cannot cross): the chi^2 is multiplied by a C2 quintic switch in log M (:func:`globalfit.tensor.smoothstep`)
going from 1 at ``valid_above_GeV`` to 0 at ``valid_above_GeV / SWITCH_ON_FACTOR`` (0.5 GeV), and the term is zero
below. Between 0.5 and 1 GeV the constraint is therefore a documented interpolation, weaker than the heavy formula
would give (the true light-Z' bound, with the full propagator, is also weaker than the contact formula there); it is not
the light-Z' trident calculation of arXiv:1406.2332, which this component does not implement. The run log says so once. The chi^2 is offset so that the SM (ratio 1) has chi^2 = 0: the term is a likelihood ratio
to the SM, so it does not change with the SM's own 0.64 sigma pull.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from globalfit.components.base import Component, register
from globalfit.physics.theory import Requirement, coupling_requirement
from globalfit.physics.trident import trident_ratio
from globalfit.tensor import math_of, smoothstep
from globalfit.util import log_once


#: The switch-on interval is [valid_above_GeV / SWITCH_ON_FACTOR, valid_above_GeV] (see module docstring).
SWITCH_ON_FACTOR = 2.0


@register
class Trident(Component):
    """CCFR trident cross-section ratio as a Gaussian likelihood term."""

    kind = "trident"
    modes = ("u1",)

    def __init__(self, entry, theory, options=None):
        super().__init__(entry, theory, options)
        row = entry.read_csv(entry.spec.get("measurement_file", "measurement.csv")).iloc[0]
        self.ratio, self.error = float(row["ratio"]), float(row["error"])
        self.m_min = float(entry.spec.get("valid_above_GeV", 1.0))
        if self.is_sensitive()[0]:
            log_once(f"{entry.id}: heavy-Z' trident formula used for M_Z' >= {self.m_min:g} GeV, switched off smoothly "
                     f"down to {self.m_min / SWITCH_ON_FACTOR:g} GeV; no constraint below")

    def requirements(self) -> list[Requirement]:
        return [coupling_requirement(("mu",), ("nu_mu",), what="muon-neutrino/muon coupling"),
                Requirement("mass", decisive=False)]

    def predicted_ratio(self, theory) -> Any:
        # the couplings g_nu_mu and g_mu of the theory point (equal without Z-Z' mixing: one doublet)
        return trident_ratio(1.0, theory.mass, theory.coupling("nu_mu"), theory.coupling("mu"))

    def chi2(self, theory) -> Any:
        m = math_of(theory.gprime, theory.mass)
        pull = (self.predicted_ratio(theory) - self.ratio) / self.error
        pull_sm = (1.0 - self.ratio) / self.error
        return self.validity(theory.mass) * (pull**2 - pull_sm**2)

    def validity(self, mass: Any) -> Any:
        """Weight of the heavy-Z' formula at mass [GeV]: 1 above ``valid_above_GeV``, 0 below half of it, a C2 switch in
        log M in between (module docstring)."""
        m = math_of(mass)
        return smoothstep(m.log(mass), float(np.log(self.m_min / SWITCH_ON_FACTOR)), float(np.log(self.m_min)))

    def log_likelihood(self, theory, nuisances: Mapping[str, Any]) -> Any:
        return -0.5 * self.chi2(theory)

    def expected(self, theory, nuisances) -> dict[str, Any]:
        return {"ratio": self.predicted_ratio(theory)}

    def observed(self) -> dict[str, Any]:
        return {"ratio": self.ratio, "error": self.error}
