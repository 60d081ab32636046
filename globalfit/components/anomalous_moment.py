"""Anomalous magnetic moment of a charged lepton as a Gaussian likelihood term (kind ``anomalous_moment``).

A measured discrepancy Delta a_l = a_l(exp) - a_l(SM) with uncertainty sigma is compared with the one-loop Z'
contribution of :mod:`globalfit.physics.gminus2` for the vector coupling g' Q_l of the run's charges::

    chi^2 = ((Delta a_Z'(g', M) - Delta a_obs) / sigma)^2 - (Delta a_obs / sigma)^2

The offset makes the Standard Model (Delta a_Z' = 0) chi^2 = 0, as for the trident term: the term is a likelihood
ratio to the SM, so a discrepancy pulls the fit towards the preferred band without changing the evidence of models
that cannot produce it by a dataset-specific constant. The Z' contribution of a vector coupling is positive, so a
positive discrepancy is explained on a band in (M, g'), and a result compatible with zero is an upper limit.
"""

from __future__ import annotations

from typing import Any, Mapping

from globalfit.components.base import Component, register
from globalfit.physics import gminus2
from globalfit.physics.theory import Requirement, coupling_requirement


@register
class AnomalousMoment(Component):
    """Delta a_l measurement vs the one-loop Z' contribution (see module docstring)."""

    kind = "anomalous_moment"
    modes = ("u1",)

    def __init__(self, entry, theory, options=None):
        super().__init__(entry, theory, options)
        row = entry.read_csv(entry.spec["measurement_file"]).iloc[0]
        self.lepton = str(entry.spec["lepton"])
        self.delta, self.error = float(row["delta_a"]), float(row["error"])

    def requirements(self) -> list[Requirement]:
        return [coupling_requirement((self.lepton,), what=f"coupling to the {self.lepton} lepton"),
                Requirement("mass", decisive=False)]

    def predicted(self, theory) -> Any:
        """One-loop Z' contribution Delta a_l at the theory point (dimensionless)."""
        # the theory point's vector coupling g_l (g' Q_l, plus Z-Z' mixing when set)
        return gminus2.delta_a(theory.coupling(self.lepton), theory.mass, self.lepton)

    def chi2(self, theory) -> Any:
        """chi^2 relative to the Standard Model (see module docstring)."""
        pull = (self.predicted(theory) - self.delta) / self.error
        return pull**2 - (self.delta / self.error) ** 2

    def log_likelihood(self, theory, nuisances: Mapping[str, Any]) -> Any:
        return -0.5 * self.chi2(theory)

    def expected(self, theory, nuisances) -> dict[str, Any]:
        return {"delta_a": self.predicted(theory)}

    def observed(self) -> dict[str, Any]:
        return {"delta_a": self.delta, "error": self.error}
