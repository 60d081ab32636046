"""COHERENT CsI[Na] full dataset (Akimov et al., PRL 129 (2022) 081801): binned Poisson likelihood in PE x t_rec.

Expected counts in the coincidence (C) window, bin (i = PE, j = t_rec)::

    lambda_C[i, j] = S[i, j](eps) (1 + gamma) + BRN[i, j] (1 + b) + NIN[i, j] (1 + n) + SS[i, j] (1 + s)
    lambda_AC[i, j] = SS[i, j] (1 + s)

- ``S = P_i(eps) f_p[j] + D_i(eps) f_d[j]``: prompt (nu_mu) and delayed (nu_e + nubar_mu) CEvNS rates per PE bin from
  :func:`globalfit.physics.cevns.build_kernel` (Cs-133 and I-127, eps at each recoil's q^2), folded with the detector
  response (scintillation-response polynomial of the release, Gamma-distributed PE around 13.35 PE/keVee x E_ee,
  energy efficiency of the release integrated over each PE bin), times the fractions f_p, f_d of each SNS timing
  component in time bin j weighted by the timing efficiency eps_T (POT trace of the dataset spec convolved with the
  pion and muon lifetimes, :func:`globalfit.physics.sns_flux.sns_time_profiles`). Energy and time factorise per
  component.
- BRN, NIN: release PE PDFs times the release time PDFs weighted by eps_T and renormalised over the window, scaled to
  the expected 18.4 and 5.6 events.
- SS: steady state measured in situ by the anticoincidence (AC) events; template = AC PE spectrum times uniform
  arrival times weighted by eps_T (random coincidences pass the same timing cut), shared by both windows, so the
  second Poisson term (AC data) constrains s.

log L = -(1/2) (Poisson deviance of C + Poisson deviance of AC). Nuisances (normal priors added by the model):
gamma (CEvNS normalisation, 13 %), b (BRN, 25 %), n (NIN, 35 %), s (SS, loose 10 %; the AC term constrains it to 3 %),
and with option ``shape_systematics`` three unit-normal shape parameters (two scintillation-response components and
the energy efficiency, as linear per-bin changes of the SM signal from the release's +-1 sigma models).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from globalfit.components.base import NuisancePrior, register
from globalfit.components.coherent import SNSCEvNS
from globalfit.errors import DataError
from globalfit.physics import cevns
from globalfit.physics.constants import ISOTOPES, N_AVOGADRO
from globalfit.physics.detector_response import electron_equivalent_keV, pe_response, time_efficiency
from globalfit.physics.sns_flux import fluence_per_flavour, sns_time_profiles
from globalfit.stats import poisson_half_deviance

#: Recoil grid of the response folding [keVnr]: 0.25-keV bins up to beyond the Cs/I kinematic end point (~46 keVnr).
RECOIL_EDGES_KEV = np.arange(0.5, 50.0 + 1e-9, 0.25)
_SM_EPS = cevns.standard_model_eps


@register
class CoherentCsI2021(SNSCEvNS):
    """COHERENT CsI[Na] full dataset (2021), Poisson likelihood in PE x t_rec (see module docstring)."""

    kind = "coherent_csi_2021"
    default_options = {"form_factor": "klein-nystrand", "radiative_corrections": False, "shape_systematics": False}

    def __init__(self, entry, theory, options=None):
        super().__init__(entry, theory, options)
        spec, opt = entry.spec, self.options
        counts = entry.read_csv("counts.csv")
        self.pe_edges = np.unique(np.concatenate([counts["pe_low"], counts["pe_high"]])).astype(float)
        self.t_edges = np.unique(np.concatenate([counts["t_low_us"], counts["t_high_us"]])).astype(float)
        n_pe, n_t = len(self.pe_edges) - 1, len(self.t_edges) - 1
        ipe = np.searchsorted(self.pe_edges, counts["pe_low"].to_numpy(float) + 1e-9) - 1
        it = np.searchsorted(self.t_edges, counts["t_low_us"].to_numpy(float) + 1e-9) - 1
        self.data_c = np.zeros((n_pe, n_t))
        self.data_ac = np.zeros((n_pe, n_t))
        self.data_c[ipe, it] = counts["coincidence"].to_numpy(float)
        self.data_ac[ipe, it] = counts["anticoincidence"].to_numpy(float)
        t_lo, t_hi = spec["analysis_window"]["t_us"]

        # timing: SNS components per time bin, weighted by eps_T on a 5-ns grid
        te = spec["time_efficiency"]
        fine_t = np.linspace(t_lo, t_hi, int(round((t_hi - t_lo) / 0.005)) + 1)
        tp, td = sns_time_profiles(fine_t, spec["pot_trace_ns"]["mean"], spec["pot_trace_ns"]["width"])
        centres = 0.5 * (fine_t[1:] + fine_t[:-1])
        eff_t = time_efficiency(centres, te["t0_us"], te["slope_per_us"])
        tbin = np.searchsorted(self.t_edges, centres, side="right") - 1

        # steady state: the AC PE spectrum times the time distribution of random coincidences after the timing
        # efficiency, i.e. uniform arrival times weighted by eps_T (the AC events themselves fall by 14 % from
        # 0-1 us to 4-6 us, as eps_T does; a flat template would put that excess of early events into the signal)
        ss_time = np.bincount(tbin, eff_t, minlength=n_t)
        self.ss = self.data_ac.sum(axis=1)[:, None] * (ss_time / ss_time.sum())[None, :]
        self.f_prompt = np.bincount(tbin, tp * eff_t, minlength=n_t)
        self.f_delayed = np.bincount(tbin, td * eff_t, minlength=n_t)

        # BRN and NIN templates: PE PDF x (time PDF x eps_T, unit sum over the window), scaled to the expected counts
        pe_pdfs, t_pdfs = entry.read_csv("pe_pdfs.csv"), entry.read_csv("time_pdfs.csv")
        pe_c = 0.5 * (pe_pdfs["pe_low"] + pe_pdfs["pe_high"]).to_numpy(float)
        t_c = 0.5 * (t_pdfs["t_low_us"] + t_pdfs["t_high_us"]).to_numpy(float)
        in_t = (t_c >= t_lo) & (t_c < t_hi)
        t_bin = np.searchsorted(self.t_edges, t_c[in_t], side="right") - 1
        pe_bin = np.searchsorted(self.pe_edges, pe_c, side="right") - 1
        norms = spec["normalisations"]
        self.templates = {}
        for name in ("brn", "nin"):
            e_shape = np.bincount(pe_bin, pe_pdfs[name].to_numpy(float), minlength=n_pe)[:n_pe]
            w = t_pdfs[name].to_numpy(float)[in_t] * time_efficiency(t_c[in_t], te["t0_us"], te["slope_per_us"])
            t_shape = np.bincount(t_bin, w, minlength=n_t)
            self.templates[name] = norms[name][0] * np.outer(e_shape / e_shape.sum(), t_shape / t_shape.sum())

        # CEvNS kernels on a fine recoil grid, folded with the PE response
        isotopes_mass = ISOTOPES["Cs133"].molar_mass_g + ISOTOPES["I127"].molar_mass_g
        n_molecules = spec["detector_mass_kg"] * 1e3 / isotopes_mass * N_AVOGADRO
        isotopes = [(ISOTOPES["Cs133"], n_molecules), (ISOTOPES["I127"], n_molecules)]
        fluence = fluence_per_flavour(spec["pot"], spec["nu_per_pot"], spec["distance_m"])
        common = dict(form_factor=opt["form_factor"], radiative=bool(opt["radiative_corrections"]), n_points=4)
        fine_prompt = cevns.build_kernel(isotopes, fluence, RECOIL_EDGES_KEV, None, {"nu_mu": 1.0}, **common)
        fine_delayed = cevns.build_kernel(isotopes, fluence, RECOIL_EDGES_KEV, None, {"nu_e": 1.0, "nubar_mu": 1.0},
                                          **common)
        recoil_centres = 0.5 * (RECOIL_EDGES_KEV[1:] + RECOIL_EDGES_KEV[:-1])
        eff, scint, res = spec["energy_efficiency"], spec["scintillation_response"], spec["resolution"]

        def response(scint_coeffs, eff_coeffs):
            e_ee = electron_equivalent_keV(recoil_centres, scint_coeffs)
            return pe_response(e_ee, self.pe_edges, res["a_coeff_keVee"], res["b_coeff_per_keVee"], eff_coeffs)

        def sm_signal(resp):
            """SM CEvNS counts [n_pe, n_t] for a detector response."""
            return (np.outer(fine_prompt.folded(resp).counts(_SM_EPS), self.f_prompt)
                    + np.outer(fine_delayed.folded(resp).counts(_SM_EPS), self.f_delayed))

        nominal = response(scint["nominal"], eff["nominal"])
        self.k_prompt, self.k_delayed = fine_prompt.folded(nominal), fine_delayed.folded(nominal)
        self.sm_prompt = np.asarray(self.k_prompt.counts(_SM_EPS), dtype=float)
        self.sm_delayed = np.asarray(self.k_delayed.counts(_SM_EPS), dtype=float)
        self.sm_signal = np.outer(self.sm_prompt, self.f_prompt) + np.outer(self.sm_delayed, self.f_delayed)

        # shape systematics: half the difference of the +-1 sigma models, relative to the nominal SM signal per bin
        self.shape_deltas: dict[str, np.ndarray] = {}
        if opt["shape_systematics"]:
            safe = np.where(self.sm_signal > 0, self.sm_signal, 1.0)
            variants = {"qf_0": ((scint["syst0_plus"], eff["nominal"]), (scint["syst0_minus"], eff["nominal"])),
                        "qf_1": ((scint["syst1_plus"], eff["nominal"]), (scint["syst1_minus"], eff["nominal"])),
                        "efficiency": ((scint["nominal"], eff["syst_a"]), (scint["nominal"], eff["syst_b"]))}
            for name, (up, down) in variants.items():
                diff = 0.5 * (sm_signal(response(*up)) - sm_signal(response(*down)))
                self.shape_deltas[name] = np.where(self.sm_signal > 0, diff / safe, 0.0)

        self.sigmas = {"gamma": norms["cevns"][1], "brn": norms["brn"][1], "nin": norms["nin"][1],
                       "steady_state": float(spec["steady_state_sigma"])}
        # bins with no expectation under any parameters (below the lowest selected event) carry no information
        background = self.templates["brn"] + self.templates["nin"] + self.ss
        active_c, active_ac = (background + self.sm_signal) > 0, self.ss > 0
        if np.any(self.data_c[~active_c]) or np.any(self.data_ac[~active_ac]):
            raise DataError(f"{self.id}: counts.csv has events in bins where no signal or background is expected; "
                            "rerun scripts/convert/coherent_csi_2021.py")
        self.active_c, self.active_ac = active_c.astype(float), active_ac.astype(float)

    # -- statistics ---------------------------------------------------------------------------------------
    def nuisance_priors(self) -> list[NuisancePrior]:
        desc = {"gamma": "CEvNS normalisation (flux, quenching, efficiency, form factor)",
                "brn": "beam-related neutron normalisation", "nin": "neutrino-induced neutron normalisation",
                "steady_state": "steady-state background normalisation (also constrained by the AC events)"}
        out = [NuisancePrior(k, 0.0, s, lower=-1.0, description=desc[k]) for k, s in self.sigmas.items()]
        out += [NuisancePrior(k, 0.0, 1.0, lower=-5.0, upper=5.0, description=f"{k} shape systematic (+-1 sigma model)")
                for k in self.shape_deltas]
        return out

    def sm_prediction(self) -> float:
        """Our absolute SM CEvNS prediction in the analysis window (events)."""
        return float(self.sm_signal.sum())

    def signal(self, theory, nuisances: Mapping[str, Any] | None = None) -> Any:
        """Expected CEvNS counts [n_pe, n_t] before the gamma normalisation (with the shape systematics if enabled)."""
        p = self.k_prompt.counts(theory.eps)
        d = self.k_delayed.counts(theory.eps)
        sig = p[:, None] * self.f_prompt[None, :] + d[:, None] * self.f_delayed[None, :]
        if self.shape_deltas:
            g = (nuisances or {}).get
            sig = sig * (1.0 + sum(g(k, 0.0) * v for k, v in self.shape_deltas.items()))
        return sig

    def contributions(self, theory, nuisances: Mapping[str, Any]) -> dict[str, Any]:
        """Signal and each background in the coincidence window, each [n_pe, n_t]."""
        g = nuisances.get
        return {"CEvNS": self.signal(theory, nuisances) * (1.0 + g("gamma", 0.0)),
                "BRN": self.templates["brn"] * (1.0 + g("brn", 0.0)),
                "NIN": self.templates["nin"] * (1.0 + g("nin", 0.0)),
                "steady state": self.ss * (1.0 + g("steady_state", 0.0))}

    def expected_counts(self, theory, nuisances: Mapping[str, Any]) -> tuple[Any, Any]:
        """(lambda_C, lambda_AC), each [n_pe, n_t]."""
        parts = self.contributions(theory, nuisances)
        return sum(parts.values()), parts["steady state"]

    def log_likelihood(self, theory, nuisances: Mapping[str, Any]) -> Any:
        lam_c, lam_ac = self.expected_counts(theory, nuisances)
        return -(poisson_half_deviance(lam_c, self.data_c, self.active_c)
                 + poisson_half_deviance(lam_ac, self.data_ac, self.active_ac))

    def expected(self, theory, nuisances) -> dict[str, Any]:
        lam_c, _ = self.expected_counts(theory, nuisances)
        return {"counts": lam_c.sum(axis=1)}

    def expected_components(self, theory, nuisances, axis=None) -> dict[str, Any]:
        summed = {None: 1, "PE": 1, "t_rec": 0}[axis]  # the axis summed over: PE spectrum by default
        return {k: v.sum(axis=summed) for k, v in self.contributions(theory, nuisances).items()}

    def observed(self) -> dict[str, Any]:
        counts = self.data_c.sum(axis=1)
        return {"counts": counts, "errors": np.sqrt(counts), "edges": self.pe_edges, "xlabel": "photoelectrons"}

    def projections(self) -> dict[str, dict[str, Any]]:
        counts = self.data_c.sum(axis=0)
        return {"t_rec": {"counts": counts, "errors": np.sqrt(counts), "edges": self.t_edges,
                          "xlabel": r"reconstructed time $t_\mathrm{rec}$ [$\mu$s]"}}
