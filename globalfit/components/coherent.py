"""COHERENT CEvNS likelihoods.

``coherent_csi_2017``: the chi^2 of paper 002 eq. 3.9 on the CsI[Na] 2017 energy spectrum::

    chi^2 = sum_{i in 6-30 PE} [(N_meas - N_th (1 + gamma) - B_on (1 + beta)) / sigma_i]^2 + (gamma/0.28)^2 + (beta/0.25)^2

with N_meas the steady-state-subtracted counts (coincidence minus anticoincidence, beam on), B_on the prompt-neutron
background, sigma_i^2 = N_meas + 2 B_SS + B_on (B_SS: anticoincidence counts), and N_th from
:mod:`globalfit.physics.cevns` (Klein-Nystrand form factor, tree-level couplings, light yield 1.17 PE/keVnr, the
release acceptance evaluated at 1-PE bin centres, no PE smearing; all switchable by options). The pull terms are
added by the model from the nuisance priors ``gamma`` and ``beta``.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from globalfit.components.base import Component, NuisancePrior, register
from globalfit.physics import cevns
from globalfit.physics.constants import ISOTOPES, N_AVOGADRO
from globalfit.physics.sns_flux import E_MAX_DELAYED, fluence_per_flavour


def release_acceptance(pe_centre: np.ndarray, a: float, k: float, x0: float, threshold_pe: float = 5.0) -> np.ndarray:
    """Paper 002 eq. 3.8 / release: a/(1 + exp(-k (x - x0))) H(x), H = 0 below 5 PE, 1/2 in [5, 6), 1 above."""
    x = np.asarray(pe_centre, dtype=float)
    h = np.where(x < threshold_pe, 0.0, np.where(x < threshold_pe + 1.0, 0.5, 1.0))
    return a / (1.0 + np.exp(-k * (x - x0))) * h


@register
class CoherentCsI2017(Component):
    """COHERENT CsI[Na] 2017 energy spectrum (see module docstring)."""

    kind = "coherent_csi_2017"
    default_options = {
        "form_factor": "klein-nystrand",
        "radiative_corrections": False,
        "light_yield_pe_per_keVnr": None,
        "time_window_us": None,
        "end_point_GeV": E_MAX_DELAYED,
        "detector_mass_kg": None,
        "form_factor_radius_fm": None,
        "sin2_theta_w": None,
    }

    def __init__(self, entry, theory, options=None):
        super().__init__(entry, theory, options)
        spec, opt = entry.spec, self.options
        ly = float(opt["light_yield_pe_per_keVnr"] or spec["light_yield_pe_per_keVnr"])
        t_max = float(opt["time_window_us"] or spec["time_window_us"])
        mass_kg = float(opt["detector_mass_kg"] or spec["detector_mass_kg"])
        pe_lo, pe_hi = spec["analysis_pe"]
        acc = spec["acceptance"]

        # observed counts in 2-PE bins inside the time window
        counts = entry.read_csv("counts.csv")
        counts = counts[counts["t_high_us"] <= t_max + 1e-9]
        grouped = counts.groupby(["pe_low", "pe_high"], as_index=False)[["coincidence", "anticoincidence"]].sum()
        sel = (grouped["pe_low"] >= pe_lo - 1e-9) & (grouped["pe_high"] <= pe_hi + 1e-9)
        grouped = grouped[sel].reset_index(drop=True)
        self.edges_pe = np.append(grouped["pe_low"].to_numpy(float), grouped["pe_high"].to_numpy(float)[-1])
        self.coincidence = grouped["coincidence"].to_numpy(float)
        self.b_ss = grouped["anticoincidence"].to_numpy(float)
        self.n_meas = self.coincidence - self.b_ss

        # time-window fractions of the neutrino components and of the prompt neutrons
        tp = entry.read_csv("time_pdfs.csv")
        inwin = tp["t_high_us"] <= t_max + 1e-9
        f_prompt = float(tp.loc[inwin, "prompt_neutrinos"].sum())
        f_delayed = float(tp.loc[inwin, "delayed_neutrinos"].sum())
        f_brn = float(tp.loc[inwin, "prompt_neutrons"].sum())

        # fine 1-PE bins for the acceptance (release convention), folded into the 2-PE analysis bins
        fine_pe = np.arange(np.floor(self.edges_pe[0]), np.ceil(self.edges_pe[-1]) + 1.0)
        self.fine_acceptance = release_acceptance(0.5 * (fine_pe[:-1] + fine_pe[1:]), acc["a"], acc["k"], acc["x0"],
                                                  acc.get("threshold_pe", 5.0))
        nfine = len(fine_pe) - 1
        self.fold = np.zeros((len(self.n_meas), nfine))
        for i in range(len(self.n_meas)):
            self.fold[i] = (fine_pe[:-1] >= self.edges_pe[i] - 1e-9) & (fine_pe[1:] <= self.edges_pe[i + 1] + 1e-9)

        brn = entry.read_csv("brn.csv")
        brn_fine = np.interp(0.5 * (fine_pe[:-1] + fine_pe[1:]), 0.5 * (brn["pe_low"] + brn["pe_high"]), brn["counts_per_GWhr"])
        self.b_on = self.fold @ (brn_fine * self.fine_acceptance) * spec["beam_exposure_GWhr"] * f_brn
        self.sigma2 = self.n_meas + 2.0 * self.b_ss + self.b_on

        molar = ISOTOPES["Cs133"].molar_mass_g + ISOTOPES["I127"].molar_mass_g
        n_molecules = mass_kg * 1e3 / molar * N_AVOGADRO
        fluence = fluence_per_flavour(spec["pot"], spec["nu_per_pot"], spec["distance_m"])
        fine_kernel = cevns.build_kernel(
            [(ISOTOPES["Cs133"], n_molecules), (ISOTOPES["I127"], n_molecules)],
            fluence, fine_pe / ly, lambda idx: self.fine_acceptance,
            {"nu_mu": f_prompt, "nu_e": f_delayed, "nubar_mu": f_delayed},
            form_factor=opt["form_factor"], radiative=bool(opt["radiative_corrections"]),
            end_point=float(opt["end_point_GeV"]),
            form_factor_radius_fm=opt["form_factor_radius_fm"],
            **({"sin2w": float(opt["sin2_theta_w"])} if opt["sin2_theta_w"] else {}),
        )
        # fold the fine kernels into analysis bins once: counts = sum K_fold @ Q^2
        for key in fine_kernel.kernels:
            fine_kernel.kernels[key] = self.fold @ fine_kernel.kernels[key]
        self.kernel = fine_kernel
        self.sigma_gamma = float(spec["sigma_gamma"])
        self.sigma_beta = float(spec["sigma_beta"])

    def nuisance_priors(self) -> list[NuisancePrior]:
        return [
            NuisancePrior("gamma", 0.0, self.sigma_gamma, lower=-1.0, description="signal normalisation (flux, QF, acceptance)"),
            NuisancePrior("beta", 0.0, self.sigma_beta, lower=-1.0, description="beam-on prompt-neutron normalisation"),
        ]

    def is_sensitive(self) -> tuple[bool, str]:
        spec = self.theory
        if spec.mode == "u1":
            ch = spec.charges
            if ch.q == 0 or (ch.e == 0 and ch.mu == 0):
                return False, (f"{self.id}: the charges {ch.label or ch.expression()} give no quark-nu_e/nu_mu coupling "
                               "(no tau neutrinos at the SNS); no constraint")
        elif spec.mode == "simplified" and not set(spec.flavours) & {"e", "mu"}:
            return False, f"{self.id}: no nu_e or nu_mu coupling in the simplified model; no constraint"
        return True, ""

    def predicted_signal(self, theory) -> Any:
        """Expected CEvNS counts per analysis bin (before the gamma normalisation)."""
        return self.kernel.counts(theory.eps)

    def log_likelihood(self, theory, nuisances: Mapping[str, Any]) -> Any:
        gamma = nuisances.get("gamma", 0.0)
        beta = nuisances.get("beta", 0.0)
        resid = self.n_meas - self.predicted_signal(theory) * (1.0 + gamma) - self.b_on * (1.0 + beta)
        return -0.5 * ((resid**2) / self.sigma2).sum()

    def expected(self, theory, nuisances) -> dict[str, Any]:
        gamma = nuisances.get("gamma", 0.0)
        beta = nuisances.get("beta", 0.0)
        return {"counts": self.predicted_signal(theory) * (1.0 + gamma) + self.b_on * (1.0 + beta)}

    def observed(self) -> dict[str, Any]:
        return {"counts": self.n_meas, "errors": np.sqrt(self.sigma2), "edges": self.edges_pe, "xlabel": "photoelectrons"}
