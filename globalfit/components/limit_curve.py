"""External limits used as prior terms (kind ``recast_limit``): a published upper-limit curve, recast to the run's
charges once at load, becomes ``chi^2 = q_CL (g'/g'_bound(M))^2`` (paper 002 section 5; q_CL = 2.71 at 90 % CL).

``method`` in the spec selects the recast (:mod:`globalfit.physics.darkphoton`):

``lhcb_darkphoton``
    prompt dark photon -> mu mu limit on eps, rescaled by production mixture and BR(mu mu);
``muon_radiation``
    BaBar e+e- -> mu mu Z' limit on g' of L_mu - L_tau, rescaled by Q_mu^2 and BR(mu mu).

Outside the published mass range the term is zero (logged once). Where the recast gives no sensitivity (no muon
coupling, no quark coupling for LHCb), the component reports itself insensitive and the model drops it.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from globalfit.components.base import Component, register
from globalfit.errors import DataError
from globalfit.physics import darkphoton
from globalfit.physics.theory import Requirement, coupling_requirement
from globalfit.tensor import inside_range, interp, math_of
from globalfit.util import log_once

PRODUCTION_COLUMNS = ("rho0", "eta_gamma", "omega_pi0", "omega", "phi", "d_d", "u_u", "s_s", "c_c", "b_b")


@register
class RecastLimit(Component):
    """A published coupling limit vs mass, recast to the run's charges (see module docstring)."""

    kind = "recast_limit"
    modes = ("u1",)

    def __init__(self, entry, theory, options=None):
        super().__init__(entry, theory, options)
        table = entry.read_csv(entry.spec.get("limit_file", "limit.csv"))
        self.q_cl = float(entry.spec.get("q_cl", 2.71))
        mass = table["mass_GeV"].to_numpy(float)
        self.mass_range = (float(mass[0]), float(mass[-1]))
        method = entry.spec.get("method")
        if method == "lhcb_darkphoton":
            fractions = {c: table[c].to_numpy(float) for c in PRODUCTION_COLUMNS}
            self.bound = darkphoton.lhcb_recast(table["eps_limit"].to_numpy(float), mass, fractions, theory.theory_mode.effective_charges())
        elif method == "muon_radiation":
            self.bound = darkphoton.muon_radiation_recast(table["gprime_limit"].to_numpy(float), mass, theory.theory_mode.effective_charges())
        else:
            raise DataError(f"{entry.id}: unknown recast method {method!r} in spec.yaml")
        finite = np.isfinite(self.bound)
        self._log_m = np.log(mass)
        # interpolate log(1/g_bound^2) in log m; where there is no sensitivity (bound inf, or the publication's
        # vetoed resonance windows) a floor of exp(-200) makes the term vanish
        with np.errstate(divide="ignore"):
            self._log_inv_g2 = np.where(finite, -2.0 * np.log(self.bound), -200.0)
        if self.is_sensitive()[0]:
            log_once(f"{entry.id}: applies for {self.mass_range[0]:.3g} < M_Z' < {self.mass_range[1]:.3g} GeV "
                     f"(zero contribution outside)")

    def requirements(self) -> list[Requirement]:
        # both recasts observe Z' -> mu mu
        return [coupling_requirement(("mu",), what="muon coupling"), Requirement("branching_fractions", decisive=False),
                Requirement("mass", decisive=False)]

    def data_blindness(self) -> str:
        return "the recast limit is infinite at every mass for these charges; no constraint" if not np.isfinite(self.bound).any() else ""

    def gprime_bound(self, mass: Any) -> Any:
        """g'_bound(M) for the run's charges (numpy or PyTensor; meaningful inside :attr:`mass_range`)."""
        m = math_of(mass)
        return m.exp(-0.5 * interp(m.log(mass), self._log_m, self._log_inv_g2))

    def chi2(self, theory) -> Any:
        m = math_of(theory.gprime, theory.mass)
        inv_g2 = m.exp(interp(m.log(theory.mass), self._log_m, self._log_inv_g2))
        inside = inside_range(theory.mass, *self.mass_range)
        return inside * self.q_cl * theory.gprime**2 * inv_g2

    def log_likelihood(self, theory, nuisances: Mapping[str, Any]) -> Any:
        return -0.5 * self.chi2(theory)
