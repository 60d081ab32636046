"""External limits used as prior terms (kind ``recast_limit``): a published upper-limit curve, recast to the run's
charges once at load, becomes ``chi^2 = q_CL (g'/g'_bound(M))^2`` (paper 002 section 5; q_CL = 2.71 at 90 % CL).

``method`` in the spec selects the recast (:mod:`globalfit.physics.darkphoton`):

``lhcb_darkphoton``
    prompt dark photon -> mu mu limit on eps, rescaled by production mixture and BR(mu mu);
``muon_radiation``
    BaBar e+e- -> mu mu Z' limit on g' of L_mu - L_tau, rescaled by Q_mu^2 and BR(mu mu);
``darkcast``
    any dark-photon limit with its production mechanism, final state and decay-time window
    (:func:`globalfit.physics.darkphoton.recast_band`): prompt and displaced searches give one edge g_low(M), beam
    dumps (``length_ratio`` in the spec) an excluded island g_low(M) < g' < g_high(M). ``model.kinetic_mixing:
    loop`` adds the lepton-loop kinetic mixing (lepton-only charges such as L_mu - L_tau; Darkcast's L_mu - L_tau
    model), through which a Z' without tree-level electron or quark charge is produced at electron machines.

An island is the one-sided penalty with a second, mirrored edge, combined smoothly::

    chi^2 = q_CL (g'/g_low)^2 / (1 + (g'/g_low)^2 (g'/g_high)^2) = q_CL / ((g_low/g')^2 + (g'/g_high)^2),

i.e. the one-sided q_CL (g'/g_low)^2 far below the island, q_CL (g_high/g')^2 far above it (decays before the
detector), about q_CL at both edges of a wide island (q_CL/(1 + (g_low/g_high)^2) exactly) and at most q_CL g_high/(2
g_low) in its middle; it falls to zero away from the band on both sides and reduces to the one-sided form exactly
when there is no upper edge. A narrow island (its tip in mass) is excluded less strongly, as the data do.

Outside the published mass range the term is zero (logged once). Where the recast gives no sensitivity (no muon
coupling, no quark coupling for LHCb), the component reports itself insensitive and the model drops it.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from globalfit.components.base import Component, register
from globalfit.errors import ConfigError, DataError, PhysicsError
from globalfit.physics import darkphoton
from globalfit.physics.theory import Requirement, coupling_requirement
from globalfit.tensor import inside_range, interp, math_of
from globalfit.util import log_once

#: Fermions through which each Darkcast production mechanism makes the vector (tree-level sensitivity).
PRODUCERS = {"e_e": ("e",), "e_brem": ("e",), "mu_mu": ("mu",), "pi0_gamma": ("u", "d"), "eta_gamma": ("u", "d", "s"),
             "p_brem": ("u", "d"), "mixture": ("u", "d", "s", "c", "b")}
PRODUCTION_COLUMNS = ("rho0", "eta_gamma", "omega_pi0", "omega", "phi", "d_d", "u_u", "s_s", "c_c", "b_b")


@register
class RecastLimit(Component):
    """A published coupling limit vs mass, recast to the run's charges (see module docstring)."""

    kind = "recast_limit"
    modes = ("u1",)

    default_options = {"loop_mixing": False}

    def __init__(self, entry, theory, options=None):
        super().__init__(entry, theory, options)
        table = entry.read_csv(entry.spec.get("limit_file", "limit.csv"))
        self.q_cl = float(entry.spec.get("q_cl", 2.71))
        mass = table["mass_GeV"].to_numpy(float)
        self.mass_range = (float(mass[0]), float(mass[-1]))
        self.method = entry.spec.get("method")
        if self.options["loop_mixing"]:
            # the mixing is a property of the Z' (one set of couplings in every component), not of one limit
            raise ConfigError(f"option loop_mixing of {entry.id} is not a per-limit option: set "
                              "model.kinetic_mixing: loop (every component then follows the mixed couplings)",
                              f"priors.{entry.id}.options.loop_mixing")
        mode = theory.theory_mode
        # raises the ConfigError of a free mixing parameter (couplings not proportional to g'); static otherwise
        charges = mode.effective_charges()
        #: the lepton-loop kinetic mixing of model.kinetic_mixing: loop. The darkcast recasts evaluate it on shell,
        #: at q^2 = M^2 (darkphoton.loop_mixing); the other recasts take the q^2 = 0 value in the effective charges
        self.loop_mixing = getattr(mode.spec, "kinetic_mixing", "none") == "loop"
        self.upper_bound: np.ndarray | None = None  # the island's upper edge g_high(M) (beam dumps only)
        if self.method == "lhcb_darkphoton":
            fractions = {c: table[c].to_numpy(float) for c in PRODUCTION_COLUMNS}
            self.bound = darkphoton.lhcb_recast(table["eps_limit"].to_numpy(float), mass, fractions, charges)
        elif self.method == "muon_radiation":
            self.bound = darkphoton.muon_radiation_recast(table["gprime_limit"].to_numpy(float), mass, charges)
        elif self.method == "darkcast":
            self.bound, self.upper_bound = self._darkcast(entry, table, theory.charges)
        else:
            raise DataError(f"{entry.id}: unknown recast method {self.method!r} in spec.yaml")
        self._log_m = np.log(mass)
        self._log_inv_g2 = _log_inverse_square(self.bound)
        self._log_inv_high2 = None if self.upper_bound is None else _log_inverse_square(self.upper_bound)
        if self.is_sensitive()[0]:
            log_once(f"{entry.id}: applies for {self.mass_range[0]:.3g} < M_Z' < {self.mass_range[1]:.3g} GeV "
                     f"(zero contribution outside)")

    def _darkcast(self, entry, table, charges) -> tuple[np.ndarray, np.ndarray | None]:
        """(g_low, g_high or None) of a ``darkcast`` recast for the run's charges, inf where nothing is excluded."""
        try:
            model = darkphoton.VectorModel.from_charges(charges, with_loop_mixing=self.loop_mixing)
        except PhysicsError as exc:
            raise ConfigError(f"kinetic_mixing: loop with {entry.id}: {exc}", "model.kinetic_mixing") from exc
        g_low, g_high = darkcast_band(entry.spec, table, model)
        g_low = np.where(np.isfinite(g_low), g_low, np.inf)
        return g_low, (np.where(np.isfinite(g_high), g_high, np.inf) if entry.spec.get("length_ratio") else None)

    def requirements(self) -> list[Requirement]:
        context = [Requirement("branching_fractions", decisive=False), Requirement("mass", decisive=False)]
        if self.method != "darkcast":  # the LHCb and BaBar recasts observe Z' -> mu mu
            return [coupling_requirement(("mu",), what="muon coupling")] + context
        if self.loop_mixing:  # the mixing couples what the tree-level charges do not
            return context
        producers = PRODUCERS[self.entry.spec["production"]]
        decays = darkphoton.DECAY_CHANNELS[self.entry.spec["decay"]]
        return [coupling_requirement(producers, decays, what=f"{'/'.join(producers)} coupling with decays to "
                                     f"{'/'.join(decays)}")] + context

    def data_blindness(self) -> str:
        return "the recast limit is infinite at every mass for these charges; no constraint" if not np.isfinite(self.bound).any() else ""

    def gprime_bound(self, mass: Any) -> Any:
        """g'_bound(M) for the run's charges (numpy or PyTensor; meaningful inside :attr:`mass_range`)."""
        m = math_of(mass)
        return m.exp(-0.5 * interp(m.log(mass), self._log_m, self._log_inv_g2))

    def gprime_band(self, mass: Any) -> tuple[Any, Any]:
        """(g_low(M), g_high(M)) of the excluded region; g_high is inf for a one-sided limit (numpy or PyTensor)."""
        m = math_of(mass)
        if self._log_inv_high2 is None:
            return self.gprime_bound(mass), np.inf
        return self.gprime_bound(mass), m.exp(-0.5 * interp(m.log(mass), self._log_m, self._log_inv_high2))

    def chi2(self, theory) -> Any:
        m = math_of(theory.gprime, theory.mass)
        log_mass = m.log(theory.mass)
        inv_g2 = m.exp(interp(log_mass, self._log_m, self._log_inv_g2))
        inside = inside_range(theory.mass, *self.mass_range)
        one_sided = inside * self.q_cl * theory.gprime**2 * inv_g2
        if self._log_inv_high2 is None:
            return one_sided
        # the island: the same penalty with the mirrored upper edge, combined smoothly (module docstring)
        inv_high2 = m.exp(interp(log_mass, self._log_m, self._log_inv_high2))
        return one_sided / (1.0 + theory.gprime**4 * inv_g2 * inv_high2)

    def log_likelihood(self, theory, nuisances: Mapping[str, Any]) -> Any:
        return -0.5 * self.chi2(theory)


def darkcast_band(spec: Mapping[str, Any], table, model) -> tuple[np.ndarray, np.ndarray]:
    """(g_low, g_high) of a ``darkcast`` dataset (its spec and limit table) for a
    :class:`~globalfit.physics.darkphoton.VectorModel`; NaN where nothing is excluded, g_high inf if one-sided."""
    beam_dump = spec.get("length_ratio") is not None
    window = {} if beam_dump else {"t_min_s": table["t_min_s"].to_numpy(float),
                                   "t_max_s": table["t_max_s"].to_numpy(float)}
    fractions = {c: table[c].to_numpy(float) for c in spec.get("fractions", ())} or None
    return darkphoton.recast_band(
        table["mass_GeV"].to_numpy(float), table["eps_limit"].to_numpy(float), model, spec["production"],
        spec["decay"], eps_high=table["eps_upper"].to_numpy(float) if beam_dump else None,
        length_ratio=spec.get("length_ratio"), fractions=fractions, br_dark_photon=spec.get("br_dark_photon"),
        **window)


def _log_inverse_square(bound: np.ndarray) -> np.ndarray:
    """log(1/g^2) of a tabulated edge for interpolation in log m; where there is no sensitivity (bound inf, or the
    publication's vetoed resonance windows) a floor of exp(-200) makes the term vanish."""
    with np.errstate(divide="ignore"):
        return np.where(np.isfinite(bound), -2.0 * np.log(bound), -200.0)
