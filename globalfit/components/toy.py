"""A Gaussian toy likelihood (kind ``gaussian_toy``) with a known evidence, for validating samplers and examples.

The spec names a theory parameter (``parameter: eps_u_ee``), a ``mean`` and a ``sigma``; the log-likelihood is the
normalised Gaussian log-density, so with a uniform prior of width W covering it the evidence is ln Z = -ln W.
An optional nuisance ``shift`` (normal prior, ``shift_sigma``) moves the mean, which makes the evidence
ln Z = -ln W as well (the nuisance integrates out) while exercising nuisance handling.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from globalfit.components.base import Component, CountingRegion, NuisancePrior, register
from globalfit.physics.theory import Requirement


@register
class GaussianToy(Component):
    """Normalised Gaussian in one theory parameter."""

    kind = "gaussian_toy"

    def __init__(self, entry, theory, options=None):
        super().__init__(entry, theory, options)
        self.parameter = str(entry.spec["parameter"])
        self.mean = float(entry.spec["mean"])
        self.sigma = float(entry.spec["sigma"])
        self.shift_sigma = entry.spec.get("shift_sigma")

    def requirements(self) -> list[Requirement]:
        return [Requirement("parameter", (self.parameter,), what=f"parameter {self.parameter}")]

    def nuisance_priors(self) -> list[NuisancePrior]:
        if self.shift_sigma:
            return [NuisancePrior("shift", 0.0, float(self.shift_sigma), description="toy mean shift")]
        return []

    def log_likelihood(self, theory, nuisances: Mapping[str, Any]) -> Any:
        x = theory.values[self.parameter]
        mu = self.mean + nuisances.get("shift", 0.0)
        s = self.sigma if not self.shift_sigma else float(np.hypot(self.sigma, 0.0))
        return -0.5 * ((x - mu) / s) ** 2 - np.log(s * np.sqrt(2 * np.pi))


@register
class CountingToy(Component):
    """A single-bin counting experiment with signal = ``norm`` x coupling^2 events (a contact-like rate), for testing
    CLs limits. Spec keys: ``coupling`` (theory parameter name), ``norm``, ``observed``, ``background``,
    ``background_err``. The likelihood is the Gaussian chi^2 of paper 000 eq. 2.5 at mu = 1."""

    kind = "counting_toy"

    def __init__(self, entry, theory, options=None):
        super().__init__(entry, theory, options)
        sp = entry.spec
        self.coupling, self.norm = str(sp["coupling"]), float(sp["norm"])
        self.n, self.b, self.db = float(sp["observed"]), float(sp["background"]), float(sp["background_err"])

    def requirements(self) -> list[Requirement]:
        return [Requirement("parameter", (self.coupling,), what=f"parameter {self.coupling}")]

    def signal(self, theory) -> Any:
        return self.norm * theory.values[self.coupling] ** 2

    def counting_regions(self, theory) -> list[CountingRegion]:
        return [CountingRegion(self.signal(theory), self.b, self.db, self.n, "toy")]

    def log_likelihood(self, theory, nuisances: Mapping[str, Any]) -> Any:
        from globalfit.cls import chi2_regions

        return -0.5 * chi2_regions(1.0, [self.n], [self.b], [self.signal(theory)], [self.db])
