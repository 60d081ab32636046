"""Write projections/coherent_lar750_projection/ : the 750 kg COHERENT LAr detector of paper 002 sec. 3, on the
response of the CENNS-10 LAr 2020 dataset (likelihoods/coherent_lar_2020). Run:
``python scripts/convert/projection_coherent_lar750.py``.

Paper 002 sec. 3 (text above its eq. 3.10, and Figs. 2-3): a 750 kg LAr detector at L = 29 m, a 4-year exposure "with
the same neutrino production rate as the current setup", 8.4e23 POT; an energy x time analysis; the steady-state
background "uniform in energy and 1/4 of the SM expectation"; sigma_gamma = 17.5 %; the background normalisation
beta constrained by a background-only measurement of the same size (the Poisson factor in beta of eq. 3.10, i.e. a
relative uncertainty 1/sqrt(N_bg)); no beam-related neutrons. From the LAr 2020 dataset we keep the binning, the
efficiency, the quenching and the SNS timing; the SM CEvNS template is scaled by mass x POT / distance^2
(neutrinos per POT unchanged). Energy bins above 40 keVee (0.01 % of the SM signal, outside the paper's 20-100 keVnr)
are dropped. Data = the Asimov SM expectation (CEvNS + steady state at their nominal values).
"""

from __future__ import annotations

import numpy as np

from globalfit.catalogue import Catalogue
from globalfit.datatools import write_dataset

PROJECTION_ID = "coherent_lar750_projection"
#: Paper 002 sec. 3: detector mass [kg], distance [m], total exposure [POT] (4 years), years.
MASS_KG, DISTANCE_M, POT, YEARS = 750.0, 29.0, 8.4e23, 4
#: Paper 002 sec. 3: steady-state background / SM CEvNS expectation, signal normalisation uncertainty.
SS_FRACTION, SIGMA_GAMMA = 0.25, 0.175
#: Highest energy bin edge kept [keVee]: 100 keVnr (the paper's upper edge) is 32.4 keVee with the LAr 2020 quenching.
E_MAX_KEVEE = 40.0


def exposure_scale(current: dict) -> float:
    """Signal scale of the projection over the LAr 2020 dataset: mass x POT / distance^2 (same nu per POT)."""
    return (MASS_KG / current["fiducial_mass_kg"]) * (POT / current["pot"]) * (current["distance_m"] / DISTANCE_M) ** 2


def project(entry) -> tuple[dict, dict]:
    """(spec, files) of the LAr 750 kg projection from the coherent_lar_2020 dataset entry (module docstring)."""
    bins = entry.read_csv("bins.csv")
    bins = bins[bins["e_high_keVee"] <= E_MAX_KEVEE + 1e-9].reset_index(drop=True)
    scale = exposure_scale(entry.spec)
    cevns = scale * bins["cevns_sm"].to_numpy(float)
    n_sm = float(cevns.sum())
    # steady state: 1/4 of the SM total, uniform in energy (equal 10 keVee bins) and in time (equal 0.5 us bins); in
    # F90 it follows the CEvNS shape of its energy bin, so that F90 adds nothing (the paper analyses energy x time)
    n_e = bins["e_low_keVee"].nunique()
    n_t = bins["t_low_us"].nunique()
    f90_share = bins["cevns_sm"] / bins.groupby(["e_low_keVee", "t_low_us"])["cevns_sm"].transform("sum")
    ss = SS_FRACTION * n_sm / (n_e * n_t) * f90_share.to_numpy(float)
    bins["cevns_sm"] = cevns
    bins["brn_prompt"] = 0.0
    bins["brn_delayed"] = 0.0
    bins["steady_state"] = ss
    bins["data"] = cevns + ss  # Asimov SM expectation (not rounded: a projection's data are its expectation)
    n_ss = float(ss.sum())
    spec = {k: v for k, v in entry.spec.items() if k not in ("files", "published")}
    spec.update({
        "description": "PROJECTION COHERENT LAr 750 kg, 29 m, 4 years (8.4e23 POT), paper 002 sec. 3: LAr 2020 response, "
                       "steady state 1/4 of the SM, data = SM expectation",
        "citation": "projection of " + entry.citation + "; exposure and backgrounds of paper 002 (T. Han, J. Liao, H. Liu, "
                    "D. Marfatia, NSI at COHERENT, DUNE, T2HK and LHC) sec. 3, Figs. 2-3",
        "pot": POT, "distance_m": DISTANCE_M, "fiducial_mass_kg": MASS_KG,
        "normalisations": {"cevns": [n_sm, SIGMA_GAMMA * n_sm], "brn_prompt": [0.0, 0.0], "brn_delayed": [0.0, 0.0],
                           "steady_state": [n_ss, float(np.sqrt(n_ss))]},
    })
    return spec, {"bins.csv": bins, "efficiency.csv": entry.read_csv("efficiency.csv")}


def main() -> None:
    entry = Catalogue().get("coherent_lar_2020")
    spec, files = project(entry)
    n_sm, n_ss = spec["normalisations"]["cevns"][0], spec["normalisations"]["steady_state"][0]
    write_dataset(
        "projections", PROJECTION_ID, spec, files,
        f"# {PROJECTION_ID}\n\nPROJECTION (not data): the 750 kg liquid-argon detector of the COHERENT upgrade plan as paper 002\n"
        "(Han, Liao, Liu, Marfatia) section 3 assumes it for the red dashed lines of its Fig. 2 and for Fig. 3, on the\n"
        "detector response of the CENNS-10 LAr 2020 dataset (likelihoods/coherent_lar_2020: binning in keVee x F90 x time,\n"
        "Analysis-A efficiency, quenching 0.246 + 0.00078 T, SNS timing, the release's SM CEvNS shape).\n\n"
        "Numbers from paper 002 sec. 3 (text above eq. 3.10):\n"
        f"- {MASS_KG:g} kg at {DISTANCE_M:g} m, {YEARS} years, {POT:.2g} POT in total, the same neutrinos per POT as now\n"
        f"  (0.09, the LAr 2020 release value): SM CEvNS template x mass x POT / distance^2 = x {exposure_scale(entry.spec):.4g}\n"
        f"  over coherent_lar_2020 ({n_sm:.0f} SM events in the kept bins);\n"
        f"- sigma_gamma = {SIGMA_GAMMA:g} (the paper's reduced quenching uncertainty);\n"
        f"- steady-state background 1/4 of the SM expectation ({n_ss:.0f} events), uniform in energy (equal per 10 keVee\n"
        "  bin) and in time (equal per 0.5 us bin); its F90 shape is taken equal to the CEvNS one in each energy bin, so\n"
        "  that F90 gives no discrimination (the paper's analysis is energy x time only);\n"
        "- its normalisation uncertainty 1/sqrt(N_ss): the Poisson factor in beta of the paper's eq. 3.10 is a\n"
        "  background-only measurement of the same expected size;\n"
        "- no beam-related (prompt or delayed) neutrons: the paper names no other background (templates 0, no nuisance).\n\n"
        "Differences from the paper, kept on purpose: the LAr 2020 energy response (threshold, efficiency, 10 keVee bins\n"
        f"up to {E_MAX_KEVEE:g} keVee; the paper uses 2 keVnr bins in 20-100 keVnr with no stated efficiency) and time\n"
        "bins (-0.1 to 4.9 us in 0.5 us; the paper 0-6 us). Energy bins above 40 keVee, with 0.01 % of the SM signal, are\n"
        "dropped. Data = the SM expectation (CEvNS + steady state at nominal), not rounded.\n\n"
        "Converted from the project's own likelihoods/coherent_lar_2020/ by `scripts/convert/projection_coherent_lar750.py`.\n",
    )


if __name__ == "__main__":
    main()
