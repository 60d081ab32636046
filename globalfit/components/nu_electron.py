"""Neutrino-electron elastic scattering limits as prior terms (kind ``nu_electron``: TEXONO, Borexino, CHARM-II).

Each dataset is a published limit g_ref(M) on one reference model (B-L, from Bauer, Foldenauer, Jaeckel,
arXiv:1803.05466 fig. 13 as tabulated by Darkcast v2.1). The limit is read as a bound on the *change of the measured
rate*, not on g', so that it can be recast to any charges (NOTES.md of the reference priors: the Z' effect on nu-e
scattering interferes with W/Z exchange and is not a simple square of a coupling):

* each measured channel c (a flux of one or more flavours, a recoil window) has a rate change
  ``Delta sigma_c(theta)`` from :class:`globalfit.physics.nu_electron.ScatteringResponse`, built from the
  eps^{eV}_{aa}(q^2 = 2 m_e T) the theory point gives on the channel's recoil nodes;
* the deviation is ``D(theta) = sum_c w_c (Delta sigma_c / sigma_c^SM)^2`` (channels measured independently with
  relative precisions proportional to 1/sqrt(w_c); one channel for TEXONO and Borexino, nu_mu and anti-nu_mu for
  CHARM-II);
* the reference model at its limit defines the bound: ``D_ref(M) = D(g_ref(M), M; reference charges)`` at each mass
  of the table, interpolated in log M (clamped outside the table: in the light and in the contact limit the bound on
  the rate no longer depends on M);
* ``chi^2 = q_CL D(theta) / D_ref(M)``, i.e. a Gaussian measurement of the rate(s), consistent with the Standard Model,
  whose precision is fixed so that the reference model's published limit has chi^2 = q_CL.

Consequences: for the reference charges the limit is reproduced at every tabulated mass (identity); for a single
flavour (TEXONO anti-nu_e, CHARM-II nu_mu) and a coupling product Q_e Q_alpha of the same sign the recast is exactly
``g_new = g_ref sqrt(Q_e^ref Q_alpha^ref / (Q_e Q_alpha))``; with the opposite sign the interference changes sign and
the quadratic term (and the point where g_V + eps = -g_V, where the rate returns to the SM) makes the difference; for
Borexino's flavour mixture the flavour fractions matter. The chi^2 is quadratic in the rate change, hence quartic in
g' where the interference dominates (the ``recast_limit`` kind uses (g'/g'_bound)^2 instead; both equal q_CL at the
bound). Charges without an electron coupling or without a coupling of the observed neutrino flavours are insensitive
(the term is dropped); kinetic mixing (e.g. the loop-induced electron coupling of L_mu - L_tau) is not included.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from globalfit.components.base import Component, register
from globalfit.errors import DataError, PhysicsError
from globalfit.physics import nsi
from globalfit.physics.charges import parse_charges
from globalfit.physics.nu_electron import Beam, ScatteringResponse, channel_response
from globalfit.physics.theory import Requirement, eps_requirement
from globalfit.tensor import interp, math_of
from globalfit.util import log_once


def beams_from_spec(channel: Mapping[str, Any]) -> list[Beam]:
    """The :class:`Beam` list of one ``channels`` entry of a spec (energies converted from MeV to GeV)."""
    beams = []
    for b in channel["beams"]:
        reactor = b.get("reactor_fission_fractions")
        beams.append(Beam(flavour=b["flavour"], antineutrino=bool(b.get("antineutrino", False)),
                          fraction=float(b.get("fraction", 1.0)),
                          energy_GeV=None if b.get("energy_MeV") is None else 1e-3 * float(b["energy_MeV"]),
                          spectrum=None if reactor is None else {"reactor": dict(reactor)}))
    return beams


@register
class NuElectronScattering(Component):
    """A nu-e scattering limit on a reference model, recast through the rate change (module docstring)."""

    kind = "nu_electron"
    modes = ("u1",)

    def __init__(self, entry, theory, options=None):
        super().__init__(entry, theory, options)
        spec = entry.spec
        self.q_cl = float(spec.get("q_cl", 2.71))
        self.channels: list[tuple[float, ScatteringResponse]] = []
        for c in spec["channels"]:
            try:
                resp = channel_response(beams_from_spec(c), tuple(1e-3 * x for x in c["recoil_MeV"]))
            except PhysicsError as exc:
                raise DataError(f"{entry.id}: channel {c.get('name', '?')!r} in spec.yaml: {exc}") from None
            self.channels.append((float(c.get("weight", 1.0)), resp))
        self.flavours = tuple(sorted({a for _, r in self.channels for a in r.flavours}))
        table = entry.read_csv(spec.get("limit_file", "limit.csv"))
        mass, g_ref = table["mass_GeV"].to_numpy(float), table["gprime_limit"].to_numpy(float)
        if len(mass) < 2 or np.any(np.diff(mass) <= 0) or np.any(g_ref <= 0):
            raise DataError(f"{entry.id}: {spec.get('limit_file', 'limit.csv')} needs >= 2 increasing masses and "
                            "positive gprime_limit")
        self.mass_range = (float(mass[0]), float(mass[-1]))
        self.reference = parse_charges(spec.get("reference_charges", "B-L"))
        bound = np.array([self.deviation_at(g, m, self.reference) for g, m in zip(g_ref, mass)])
        if not np.all(bound > 0):
            raise DataError(f"{entry.id}: the reference charges {self.reference.expression()} give no nu-e effect")
        self._log_m, self._log_bound = np.log(mass), np.log(bound)
        if self.is_sensitive()[0]:
            log_once(f"{entry.id}: nu-e rate bound from the {self.reference.expression()} limit for "
                     f"{self.mass_range[0]:.3g} < M_Z' < {self.mass_range[1]:.3g} GeV, held constant outside")

    def requirements(self) -> list[Requirement]:
        return [eps_requirement(("e",), self.flavours, what="neutrino-electron coupling",
                                note=f"flavours seen: {', '.join('nu_' + a for a in self.flavours)}"),
                Requirement("mass", decisive=False)]

    # -- the observable ------------------------------------------------------------------------------------------------
    def _deviation(self, eps_of: Any) -> Any:
        """D = sum_c w_c (Delta sigma_c / sigma_c^SM)^2 with ``eps_of(flavour, q2)`` giving eps^{eV}_{aa}(q2)."""
        total: Any = 0.0
        for weight, resp in self.channels:
            eps = {a: eps_of(a, resp.q2_GeV2) for a in resp.flavours}
            total = total + weight * (resp.delta_sigma(eps) / resp.sm) ** 2
        return total

    def deviation(self, theory) -> Any:
        """D(theta) of the theory point (numpy or PyTensor)."""
        return self._deviation(lambda a, q2: theory.eps("e", a, q2))

    def deviation_at(self, gprime: float, mass: float, charges) -> float:
        """D at (g', M) for explicit charges (numpy; used for the reference model's bound)."""
        q_e = float(charges.fermion("e"))
        return float(self._deviation(
            lambda a, q2: nsi.eps_from_coupling(gprime, q_e, float(charges.lepton(a)), mass, q2)))

    def deviation_bound(self, mass: Any) -> Any:
        """D_ref(M): the deviation the reference model has at its published limit (log-M interpolation, clamped)."""
        m = math_of(mass)
        return m.exp(interp(m.log(mass), self._log_m, self._log_bound))

    def chi2(self, theory) -> Any:
        return self.q_cl * self.deviation(theory) / self.deviation_bound(theory.mass)

    def log_likelihood(self, theory, nuisances: Mapping[str, Any]) -> Any:
        return -0.5 * self.chi2(theory)
