"""Write likelihoods/coherent_csi_2021/ from the COHERENT CsI[Na] full-dataset release (../shared/reference/coherent/csi2021).

Run: ``python scripts/convert/coherent_csi_2021.py`` (about 1 minute, mostly the POT-trace fit below).

What it does:

- bins the unbinned beam-on coincidence (C) and anticoincidence (AC) events in PE x t_rec inside the analysis window
  PE < 60, 0 <= t_rec < 6 us (the release stops at 6 us);
- re-tabulates the BRN and NIN energy PDFs (1-PE bins) and time PDFs (0.01-us bins) with explicit bin edges;
- fits the SNS proton-on-target (POT) trace (a Gaussian in time, the convention of
  :func:`globalfit.physics.sns_flux.sns_time_profiles`) to the release's NIN time PDF, which follows the neutrino
  arrival time (the neutrons are produced by the neutrinos in the shielding); the NIN PDF has no timing efficiency
  folded in (its tail falls with the muon lifetime, 2.2 us, not 2.0 us) and is truncated at 6.25 us, so model and PDF
  are both normalised over the tabulated range. The neutron transport time (tens of ns) is neglected;
- collects the efficiency and scintillation-response coefficients and the paper's numbers in the spec.

Binning (justification): PE edges 0, 8, 12, 16, 20, 24, 32, 40, 50, 60 follow the energy efficiency, which rises from
0 at 7.1 PE to 0.9 at 20 PE (narrow bins where it changes fast, wider where the spectrum is smooth); the first bin
holds the few events between the lowest selected 6.2 PE and 8 PE. t_rec edges 0, 0.125, ..., 1, 2, 4, 6 us resolve
the prompt region, where the prompt nu_mu signal (POT trace) and the BRN (peaked at 0.65 us, 0.3 us wide) overlap,
in 0.125-us steps; the delayed signal falls with the muon lifetime and is binned coarsely. 99 bins, 16 C events
per bin on average.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from globalfit.physics.sns_flux import sns_time_profiles
from globalfit.datatools import shared_reference, write_dataset

PE_EDGES = [0.0, 8.0, 12.0, 16.0, 20.0, 24.0, 32.0, 40.0, 50.0, 60.0]
T_EDGES_US = [0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1.0, 2.0, 4.0, 6.0]


def read_coefficients(path) -> list[list[float]]:
    """Rows of numbers of a release coefficient file (comments and blank lines skipped), in file order."""
    rows = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            rows.append([float(x) for x in line.split()])
    return rows


def fit_pot_trace(t_centre_us: np.ndarray, pdf: np.ndarray) -> dict[str, float]:
    """Least-squares fit of the POT-trace mean and width [ns] to a time PDF in 0.01-us bins.

    Model: the delayed (muon-decay) profile of :func:`sns_time_profiles`, normalised over the tabulated range like the
    PDF itself. The NIN of this release are delayed: a fit with a free prompt share returns 1e-4 for it (the nu_e
    charged-current reaction on lead dominates), so the share is fixed at 0 here.
    """
    edges = np.round(np.append(t_centre_us - 0.005, t_centre_us[-1] + 0.005), 4)
    target = pdf / pdf.sum()

    def cost(x):
        if x[1] < 10.0:
            return 1e9
        td = sns_time_profiles(edges, x[0], x[1])[1]
        return float(np.sum((td / td.sum() - target) ** 2) * 1e6)

    res = minimize(cost, [475.0, 145.0], method="Nelder-Mead", options={"xatol": 0.5, "fatol": 1e-6, "maxiter": 80})
    return {"mean": round(float(res.x[0]), 1), "width": round(float(res.x[1]), 1)}


def main() -> None:
    ref = shared_reference() / "coherent" / "csi2021"
    if not ref.is_dir():
        sys.exit(f"reference material not found at {ref}; set GLOBALFIT_SHARED")
    c = np.loadtxt(ref / "dataBeamOnC.txt", comments="#")
    ac = np.loadtxt(ref / "dataBeamOnAC.txt", comments="#")
    hist = {}
    for name, ev in (("coincidence", c), ("anticoincidence", ac)):
        hist[name] = np.histogram2d(ev[:, 0], ev[:, 1], bins=[PE_EDGES, T_EDGES_US])[0].astype(int)
    n_pe, n_t = len(PE_EDGES) - 1, len(T_EDGES_US) - 1
    ipe, it = np.meshgrid(np.arange(n_pe), np.arange(n_t), indexing="ij")
    counts = pd.DataFrame({
        "pe_low": np.asarray(PE_EDGES)[ipe.ravel()], "pe_high": np.asarray(PE_EDGES)[ipe.ravel() + 1],
        "t_low_us": np.asarray(T_EDGES_US)[it.ravel()], "t_high_us": np.asarray(T_EDGES_US)[it.ravel() + 1],
        "coincidence": hist["coincidence"].ravel(), "anticoincidence": hist["anticoincidence"].ravel(),
    })
    n_c, n_ac = int(counts["coincidence"].sum()), int(counts["anticoincidence"].sum())
    assert (n_c, n_ac) == (1578, 1295), (n_c, n_ac)  # the analysis-window totals stated in the reference SOURCES.md

    brn_pe, nin_pe = np.loadtxt(ref / "brnPE.txt"), np.loadtxt(ref / "ninPE.txt")
    assert np.allclose(brn_pe[:, 0], nin_pe[:, 0])
    keep = brn_pe[:, 0] < 60.0
    pe_pdfs = pd.DataFrame({"pe_low": brn_pe[keep, 0] - 0.5, "pe_high": brn_pe[keep, 0] + 0.5,
                            "brn": brn_pe[keep, 1], "nin": nin_pe[keep, 1]})
    brn_t, nin_t = np.loadtxt(ref / "brnTrec.txt"), np.loadtxt(ref / "ninTrec.txt")
    assert np.allclose(brn_t[:, 0], nin_t[:, 0])
    time_pdfs = pd.DataFrame({"t_low_us": np.round(brn_t[:, 0] - 0.005, 4), "t_high_us": np.round(brn_t[:, 0] + 0.005, 4),
                              "brn": brn_t[:, 1], "nin": nin_t[:, 1]})
    trace = fit_pot_trace(nin_t[:, 0], nin_t[:, 1])

    eff = read_coefficients(ref / "effCoefficients.txt")
    qf = read_coefficients(ref / "scintRespCoefficients.txt")
    assert len(eff) == 3 and len(qf) == 5
    spec = {
        "kind": "coherent_csi_2021",
        "description": "COHERENT CsI[Na] full dataset (2021): Poisson likelihood in PE x t_rec, AC events for the steady state",
        "citation": "COHERENT, D. Akimov et al., PRL 129 (2022) 081801, arXiv:2110.07730 (data release: ancillary files)",
        "pot": 3.198e23,                    # PRL 129 081801: 13.99 GWhr, 3.198e23 POT
        "beam_energy_GWhr": 13.99,
        "nu_per_pot": 0.0848,               # per flavour, PRL 129 081801
        "distance_m": 19.3,
        "detector_mass_kg": 14.6,
        "light_yield_pe_per_keVee": 13.35,
        # Gamma-distributed PE (Akimov et al. supplement, as used with this release): shape 1 + b, rate a (1 + b) [1/PE],
        # with a = a_coeff / E_ee[keVee], b = b_coeff * E_ee[keVee]; mean 1/a = E_ee/a_coeff = 13.35 PE/keVee E_ee
        "resolution": {"a_coeff_keVee": 0.0749, "b_coeff_per_keVee": 9.56},
        "time_efficiency": {"t0_us": 0.52, "slope_per_us": 0.0494},  # eps_T = 1 below t0, exp(-slope (t - t0)) above
        "energy_efficiency": {"model": "a/(1 + exp(-b (x - c))) + d, x in PE, clipped at 0",
                              "nominal": eff[0], "syst_a": eff[1], "syst_b": eff[2]},
        "scintillation_response": {"model": "E_ee[MeVee] = a T + b T^2 + c T^3 + d T^4, T in MeVnr",
                                   "nominal": qf[0], "syst0_plus": qf[1], "syst0_minus": qf[2],
                                   "syst1_plus": qf[3], "syst1_minus": qf[4]},
        "pot_trace_ns": {"mean": trace["mean"], "width": trace["width"]},
        "analysis_window": {"pe": [0.0, 60.0], "t_us": [0.0, 6.0]},
        "normalisations": {  # expected events in the analysis window, relative 1-sigma uncertainty
            "cevns": [333.0, 0.13], "brn": [18.4, 0.25], "nin": [5.6, 0.35]},
        "steady_state_sigma": 0.10,
        "published": {"sm_prediction": [333, 43], "fitted_cevns": [306, 20]},
    }
    sources = f"""# coherent_csi_2021

COHERENT CsI[Na] full dataset: D. Akimov et al. (COHERENT), "Measurement of the Coherent Elastic Neutrino-Nucleus
Scattering Cross Section on CsI by COHERENT", PRL 129 (2022) 081801, arXiv:2110.07730. Data: the release's ancillary
files as kept in `../shared/reference/coherent/csi2021/` (see the SOURCES.md there for their provenance).

## Files (written by `scripts/convert/coherent_csi_2021.py`)

- `counts.csv`: beam-on events of `dataBeamOnC.txt` (coincidence) and `dataBeamOnAC.txt` (anticoincidence) binned in
  PE edges {PE_EDGES} and t_rec edges {T_EDGES_US} us: {n_c} C and {n_ac} AC events in PE < 60, t_rec < 6 us
  (the release has no events at t_rec >= 6 us).
- `pe_pdfs.csv`: BRN and NIN energy PDFs in 1-PE bins below 60 PE (`brnPE.txt`, `ninPE.txt`; unit sum over 0-60 PE,
  energy efficiency already folded in: both vanish below 7 PE, where the efficiency model is zero).
- `time_pdfs.csv`: BRN and NIN time PDFs in 0.01-us bins (`brnTrec.txt`, `ninTrec.txt`; arbitrary normalisation, no
  timing efficiency folded in; the component applies eps_T and renormalises over the analysis window).
- spec `energy_efficiency`: `effCoefficients.txt` (nominal and the two systematic models, both labelled "+1 sigma"
  in the file; the second has the higher threshold and is used as the -1 sigma model).
- spec `scintillation_response`: `scintRespCoefficients.txt` (nominal and the +-1 sigma models of two systematic
  components).
- spec `pot_trace_ns`: mean {trace['mean']} ns and width {trace['width']} ns of a Gaussian POT trace, fitted by the
  converter to the NIN time PDF (delayed, muon-decay timing), since the release's 2D SNS flux histograms
  (`snsFlux2D.root`) are not available. This is our construction, not a number of the paper.

## Numbers from the paper (not in the release files)

- Exposure 3.198e23 POT (13.99 GWhr), 0.0848 neutrinos per flavour per POT, distance 19.3 m, 14.6 kg CsI[Na].
- Timing efficiency eps_T(t) = 1 for t < 0.52 us, exp(-0.0494/us (t - 0.52 us)) above.
- Light yield 13.35 PE/keVee. Energy resolution: the number of PE x for an electron-equivalent energy E_ee is
  Gamma distributed, P(x) = (a (1+b))^(1+b) / Gamma(1+b) x^b exp(-a (1+b) x), a = 0.0749 / E_ee[keVee],
  b = 9.56 E_ee[keVee] (shape k = 1 + b, scale 1/(a (1+b)); mean 1/a = 13.35 PE/keVee x E_ee, relative width
  1/sqrt(1 + b)). The same constants are used by Newtrinos.jl with this release; we could not check them against the
  supplemental PDF, which is missing.
- Expected backgrounds in the analysis window (PE < 60, t_rec < 6 us): 18.4 BRN and 5.6 NIN events. The
  normalisation uncertainties used, 25 % (BRN) and 35 % (NIN), are **our assumption**: we could not confirm them
  against the paper or its supplement.
- SM CEvNS prediction 333 +- 11 (theory) +- 42 (experiment): the 13 % relative uncertainty of the CEvNS
  normalisation nuisance. Published fit: 306 +- 20 CEvNS events.

## Our construction

- Steady-state (SS) background: the AC events measure it in situ. Its template is the AC PE spectrum (per PE bin,
  summed over t_rec < 6 us) times uniform arrival times weighted by the timing efficiency eps_T (random coincidences
  pass the same timing cut; the AC events fall by 14 % from 0-1 us to 4-6 us, as eps_T does: Poisson chi^2 of their
  time distribution 4.0 for 10 degrees of freedom, against 8.2 for a flat shape); the same template times
  (1 + s) enters the C expectation and a second Poisson term comparing it with the binned AC events, so the AC counts
  constrain s (about 3 %). The normal prior on s (sigma 0.10) is a loose regulator of our choice, not a published
  number.
- Option `shape_systematics` (off by default): unit-normal nuisances for the two scintillation-response components
  and the energy efficiency, each a linear per-bin change of the SM signal by half the difference of the release's
  +-1 sigma models (the efficiency pair changes the total by +-11 %). Off by default because the 13 % CEvNS
  normalisation uncertainty of the paper already includes these sources.

## Validation (tests/test_coherent_csi2021.py)

- SM prediction in the window: 322.6 events with the Klein-Nystrand form factor and tree-level couplings, 3 % below
  the paper's 333 +- 43 (Helm: +7.8 %, radiative corrections: +4.9 %).
- Fit at the SM with the CEvNS normalisation free: 310.5 CEvNS events, 1.5 % above the paper's 306 +- 20; BRN 17.0,
  NIN 5.5, SS 1271.5 in the C window (AC: 1295). A template flat in time instead gives 334 (+9 %): it puts the
  early-time excess of random coincidences (before the timing efficiency falls) into the signal.
"""
    write_dataset("likelihoods", "coherent_csi_2021", spec,
                  {"counts.csv": counts, "pe_pdfs.csv": pe_pdfs, "time_pdfs.csv": time_pdfs}, sources)


if __name__ == "__main__":
    main()
