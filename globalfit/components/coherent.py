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
from globalfit.physics.detector_response import bin_fold, centre_fold, ratio_to_sm, release_acceptance
from globalfit.physics.sns_flux import E_MAX_DELAYED, fluence_per_flavour, sns_time_profiles
from globalfit.physics.theory import Requirement, eps_requirement
from globalfit.stats import poisson_half_deviance
from globalfit.tensor import math_of


class SNSCEvNS(Component):
    """Shared declarations of the CEvNS datasets at the SNS: they read eps^{u,d} of nu_e and nu_mu at the recoil q^2."""

    modes = ("u1", "simplified", "eft")

    def requirements(self) -> list[Requirement]:
        return [eps_requirement(("u", "d"), ("e", "mu"), what="quark-nu_e/nu_mu coupling",
                                note="no tau neutrinos at the SNS")]


@register
class CoherentCsI2017(SNSCEvNS):
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
        self.fold = bin_fold(fine_pe[:-1], fine_pe[1:], self.edges_pe)

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
        self.kernel = fine_kernel.folded(self.fold)
        self.sigma_gamma = float(spec["sigma_gamma"])
        self.sigma_beta = float(spec["sigma_beta"])

    def nuisance_priors(self) -> list[NuisancePrior]:
        return [
            NuisancePrior("gamma", 0.0, self.sigma_gamma, lower=-1.0, description="signal normalisation (flux, QF, acceptance)"),
            NuisancePrior("beta", 0.0, self.sigma_beta, lower=-1.0, description="beam-on prompt-neutron normalisation"),
        ]

    def predicted_signal(self, theory) -> Any:
        """Expected CEvNS counts per analysis bin (before the gamma normalisation)."""
        return self.kernel.counts(theory.eps)

    def log_likelihood(self, theory, nuisances: Mapping[str, Any]) -> Any:
        gamma = nuisances.get("gamma", 0.0)
        beta = nuisances.get("beta", 0.0)
        resid = self.n_meas - self.predicted_signal(theory) * (1.0 + gamma) - self.b_on * (1.0 + beta)
        return -0.5 * ((resid**2) / self.sigma2).sum()

    def expected_components(self, theory, nuisances, axis=None) -> dict[str, Any]:
        g = nuisances.get
        return {"CEvNS": self.predicted_signal(theory) * (1.0 + g("gamma", 0.0)),
                "beam-on prompt neutrons": self.b_on * (1.0 + g("beta", 0.0))}

    def expected(self, theory, nuisances) -> dict[str, Any]:
        return {"counts": sum(self.expected_components(theory, nuisances).values())}

    def observed(self) -> dict[str, Any]:
        return {"counts": self.n_meas, "errors": np.sqrt(self.sigma2), "edges": self.edges_pe, "xlabel": "photoelectrons"}


@register
class CoherentLAr2020(SNSCEvNS):
    """COHERENT CENNS-10 LAr 2020, analysis A: binned Poisson likelihood in (energy, F90, time).

    The expected counts per bin are ``cevns_SM (1 + gamma) R + brn_prompt (1 + b_p) + brn_delayed (1 + b_d) +
    steady_state (1 + s)``, with the release's SM CEvNS PDF reweighted by the model: ``R = w_p r_p(E) + (1 - w_p) r_d(E)``,
    where r_p, r_d are the ratios model/SM of the prompt (nu_mu) and delayed (nu_e + nubar_mu) CEvNS rates in that
    energy bin (our kernels, Ar-40, quenching a + b T, the release efficiency) and w_p the prompt share of the SM signal
    in that (energy, time) bin from the SNS timing model (POT trace convolved with the pi and mu lifetimes). The F90
    shape of the signal is the release's. Nuisances: CEvNS, prompt-BRN, delayed-BRN and steady-state normalisations with
    the release's CV uncertainties (none for a background whose expected count is 0). log L is minus half the Poisson
    deviance. The same kind serves projections of a LAr detector on this response
    (projections/coherent_lar750_projection: other exposure numbers, templates and normalisations in spec and bins).
    """

    kind = "coherent_lar_2020"
    default_options = {"form_factor": "klein-nystrand", "radiative_corrections": False}

    def __init__(self, entry, theory, options=None):
        super().__init__(entry, theory, options)
        spec = entry.spec
        bins = entry.read_csv("bins.csv")
        self.data = bins["data"].to_numpy(float)
        self.cevns_sm = bins["cevns_sm"].to_numpy(float)
        self.brn_p = bins["brn_prompt"].to_numpy(float)
        self.brn_d = bins["brn_delayed"].to_numpy(float)
        self.ss = bins["steady_state"].to_numpy(float)
        e_edges = np.unique(np.concatenate([bins["e_low_keVee"], bins["e_high_keVee"]]))
        t_edges = np.unique(np.concatenate([bins["t_low_us"], bins["t_high_us"]]))
        f_edges = np.unique(np.concatenate([bins["f90_low"], bins["f90_high"]]))
        self.e_index = np.searchsorted(e_edges, bins["e_low_keVee"].to_numpy(float) + 1e-9) - 1
        t_index = np.searchsorted(t_edges, bins["t_low_us"].to_numpy(float) + 1e-9) - 1
        f_index = np.searchsorted(f_edges, bins["f90_low"].to_numpy(float) + 1e-9) - 1
        self.e_edges = e_edges
        #: (bin index of every (energy, F90, time) bin, edges, axis label) per projection axis
        self.axes = {"energy": (self.e_index, e_edges, "energy [keVee]"), "F90": (f_index, f_edges, "F90"),
                     "time": (t_index, t_edges, r"time [$\mu$s]")}

        eff = entry.read_csv("efficiency.csv")
        a, b = spec["quenching"]["a"], spec["quenching"]["b_per_keVnr"]
        fine_ee = np.linspace(e_edges[0], e_edges[-1], 12 * int(len(e_edges) - 1) + 1)
        fine_ee[0] = max(fine_ee[0], 0.05)
        fine_nr = (-a + np.sqrt(a * a + 4 * b * fine_ee)) / (2 * b)  # invert E_ee = T (a + b T)
        centres_ee = 0.5 * (fine_ee[1:] + fine_ee[:-1])
        eff_fine = np.interp(centres_ee, eff["energy_keVee"], eff["efficiency"], right=float(eff["efficiency"].iloc[-1]))
        fold = centre_fold(centres_ee, e_edges)
        ar = ISOTOPES["Ar40"]
        n_nuclei = spec["fiducial_mass_kg"] * 1e3 / ar.molar_mass_g * N_AVOGADRO
        fluence = fluence_per_flavour(spec["pot"], spec["nu_per_pot"], spec["distance_m"])
        common = dict(form_factor=self.options["form_factor"], radiative=bool(self.options["radiative_corrections"]))
        self.k_prompt = cevns.build_kernel([(ar, n_nuclei)], fluence, fine_nr, lambda i: eff_fine, {"nu_mu": 1.0}, **common)
        self.k_delayed = cevns.build_kernel([(ar, n_nuclei)], fluence, fine_nr, lambda i: eff_fine,
                                            {"nu_e": 1.0, "nubar_mu": 1.0}, **common)
        self.k_prompt, self.k_delayed = self.k_prompt.folded(fold), self.k_delayed.folded(fold)
        sm = cevns.standard_model_eps
        self.sm_prompt = np.asarray(self.k_prompt.counts(sm), dtype=float)
        self.sm_delayed = np.asarray(self.k_delayed.counts(sm), dtype=float)
        tp, td = sns_time_profiles(t_edges, spec["pot_trace_ns"]["mean"], spec["pot_trace_ns"]["width"])
        num = self.sm_prompt[self.e_index] * tp[t_index]
        den = num + self.sm_delayed[self.e_index] * td[t_index]
        self.w_prompt = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.5)
        n = spec["normalisations"]
        # relative uncertainty of each normalisation; a background absent from a dataset (expected 0, e.g. the BRN of
        # the LAr 750 kg projection) has no nuisance
        names = {"gamma": "cevns", "brn_prompt": "brn_prompt", "brn_delayed": "brn_delayed",
                 "steady_state": "steady_state"}
        self.sigmas = {k: n[key][1] / n[key][0] for k, key in names.items() if n[key][0] > 0}

    def nuisance_priors(self) -> list[NuisancePrior]:
        desc = {"gamma": "CEvNS normalisation", "brn_prompt": "prompt beam-related neutrons",
                "brn_delayed": "delayed beam-related neutrons", "steady_state": "steady-state background"}
        return [NuisancePrior(k, 0.0, s, lower=-1.0, description=desc[k]) for k, s in self.sigmas.items()]

    def sm_prediction(self) -> float:
        """Our absolute SM CEvNS prediction over the analysis range (events)."""
        return float(self.sm_prompt.sum() + self.sm_delayed.sum())

    def signal(self, theory) -> Any:
        """Expected CEvNS counts per (energy, F90, time) bin before the gamma normalisation."""
        r_p = ratio_to_sm(self.k_prompt.counts(theory.eps), self.sm_prompt)
        r_d = ratio_to_sm(self.k_delayed.counts(theory.eps), self.sm_delayed)
        return self.cevns_sm * (self.w_prompt * r_p[self.e_index] + (1.0 - self.w_prompt) * r_d[self.e_index])

    def contributions(self, theory, nuisances: Mapping[str, Any]) -> dict[str, Any]:
        """Signal and each background per (energy, F90, time) bin."""
        g = nuisances.get
        return {"CEvNS": self.signal(theory) * (1.0 + g("gamma", 0.0)),
                "prompt BRN": self.brn_p * (1.0 + g("brn_prompt", 0.0)),
                "delayed BRN": self.brn_d * (1.0 + g("brn_delayed", 0.0)),
                "steady state": self.ss * (1.0 + g("steady_state", 0.0))}

    def expected_counts(self, theory, nuisances: Mapping[str, Any]) -> Any:
        return sum(self.contributions(theory, nuisances).values())

    def _project(self, values: np.ndarray, axis: str) -> np.ndarray:
        index, edges, _ = self.axes[axis]
        return np.bincount(index, np.asarray(values, dtype=float), minlength=len(edges) - 1)

    def expected_components(self, theory, nuisances, axis=None) -> dict[str, Any]:
        return {k: self._project(v, axis or "energy") for k, v in self.contributions(theory, nuisances).items()}

    def projections(self) -> dict[str, dict[str, Any]]:
        out = {}
        for axis in ("F90", "time"):
            counts = self._project(self.data, axis)
            out[axis] = {"counts": counts, "errors": np.sqrt(counts), "edges": self.axes[axis][1],
                         "xlabel": self.axes[axis][2]}
        return out

    def log_likelihood(self, theory, nuisances: Mapping[str, Any]) -> Any:
        return -poisson_half_deviance(self.expected_counts(theory, nuisances), self.data)

    def expected(self, theory, nuisances) -> dict[str, Any]:
        lam = self.expected_counts(theory, nuisances)
        m = math_of(lam)
        return {"counts": m.stack([lam[self.e_index == i].sum() for i in range(len(self.e_edges) - 1)])
                if m is not np else np.array([lam[self.e_index == i].sum() for i in range(len(self.e_edges) - 1)])}

    def observed(self) -> dict[str, Any]:
        counts = np.array([self.data[self.e_index == i].sum() for i in range(len(self.e_edges) - 1)])
        return {"counts": counts, "errors": np.sqrt(counts), "edges": self.e_edges, "xlabel": "energy [keVee]"}

