"""Write the prior datasets (external limits) from the reference material in ../shared/reference/priors.

Run: ``python scripts/convert/priors.py [darkphoton] [trident]`` (needs ../shared; all groups by default). Writes priors/lhcb_darkphoton_2019/,
priors/lhcb_darkphoton_2017/, priors/babar_4mu_2016/, priors/ccfr_trident/ and priors/charm2_trident/ (the
trident datasets include their propagator tables, computed here; about a minute). The published curves are re-tabulated
(mass-sorted, the LHCb production fractions interpolated onto each limit's mass grid); nothing is copied verbatim.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from globalfit.datatools import shared_reference, write_dataset

PRD_COLUMNS = ["rho0", "eta_gamma", "omega_pi0", "omega", "phi", "d_d", "u_u", "s_s", "c_c", "b_b"]


def read_table(path) -> np.ndarray:
    return np.loadtxt(path, comments="#")


def lhcb(ref, dataset: str, lmt: str, year: int, arxiv: str, lumi: str) -> None:
    raw = read_table(ref / "darkcast_v1.2" / "limits" / lmt)
    prd = read_table(ref / "darkcast_v1.2" / "limits" / "LHCb_Aaij2017rft.prd")
    order = np.argsort(raw[:, 0])
    mass, eps = raw[order, 0], raw[order, 1]
    keep = np.concatenate([[True], np.diff(mass) > 0])
    mass, eps = mass[keep], eps[keep]
    frame = pd.DataFrame({"mass_GeV": mass, "eps_limit": eps})
    for j, name in enumerate(PRD_COLUMNS, start=1):
        frame[name] = np.interp(mass, prd[:, 0], prd[:, j])
    norm = frame[PRD_COLUMNS].sum(axis=1)
    frame[PRD_COLUMNS] = frame[PRD_COLUMNS].div(norm, axis=0)  # fractions sum to 1 after interpolation
    write_dataset(
        "priors", dataset,
        {
            "kind": "recast_limit",
            "description": f"LHCb {year} prompt dark photon -> mu mu ({lumi}), recast to the run's charges",
            "citation": f"LHCb collaboration, {arxiv}; recast method of Ilten et al., arXiv:1801.04847",
            "method": "lhcb_darkphoton",
            "confidence_level": 0.90,
            "q_cl": 2.71,
            "limit_file": "limit.csv",
        },
        {"limit.csv": frame},
        f"# {dataset}\n\nLHCb search for prompt dark photons A' -> mu+ mu- ({arxiv}, {lumi}), 90 % CL upper limit on the\n"
        "kinetic-mixing parameter epsilon vs mass, as distributed with Darkcast v1.2 (`limits/" + lmt + "`), and the\n"
        "dark-photon production fractions of the LHCb production model (`limits/LHCb_Aaij2017rft.prd`, Ilten et al.),\n"
        "interpolated onto the limit's mass points and renormalised to sum to 1, by `scripts/convert/priors.py`.\n"
        "Columns: mass_GeV, eps_limit, then the fraction of dark-photon production per mechanism.\n"
        "The recast to a Z' (production mixture and branching-fraction ratio; prompt decays) is\n"
        "`globalfit/physics/darkphoton.py`; as a prior term chi^2 = 2.71 (g'/g'_bound(M))^2 (paper 002 section 5).\n"
        "Confidence level: 90 % as recorded in the reference metadata (marked 'recalled' there).\n",
    )


def babar(ref) -> None:
    raw = read_table(ref / "darkcast_v1.2" / "limits" / "BaBar_TheBABAR2016rlg.lmt")
    order = np.argsort(raw[:, 0])
    mass, g = raw[order, 0], raw[order, 1]
    keep = np.concatenate([[True], np.diff(mass) > 0]) & (g < 1.0)  # drop the 1e5 'no sensitivity' sentinel
    frame = pd.DataFrame({"mass_GeV": mass[keep], "gprime_limit": g[keep]})
    write_dataset(
        "priors", "babar_4mu_2016",
        {
            "kind": "recast_limit",
            "description": "BaBar e+e- -> mu mu Z', Z' -> mu mu (514/fb): L_mu-L_tau g' limit rescaled to the run's charges",
            "citation": "BaBar collaboration, Phys. Rev. D 94 (2016) 011102, arXiv:1606.03501",
            "method": "muon_radiation",
            "confidence_level": 0.90,
            "q_cl": 2.71,
            "limit_file": "limit.csv",
        },
        {"limit.csv": frame},
        "# babar_4mu_2016\n\nBaBar search for e+e- -> mu+ mu- Z', Z' -> mu+ mu- (arXiv:1606.03501, Fig. 5), 90 % CL upper limit on\n"
        "the gauge coupling g' of an L_mu - L_tau Z'. Taken from Darkcast v1.2 `limits/BaBar_TheBABAR2016rlg.lmt`,\n"
        "whose second column is BaBar's L_mu - L_tau g' even though Darkcast labels the file as a dark-photon limit\n"
        "(see the reference SOURCES.md): Darkcast's own recasts of this file treat it as electron-produced and must\n"
        "not be used. Mass-sorted, the 1e5 'no sensitivity' sentinel dropped, by `scripts/convert/priors.py`.\n"
        "Rescaling (production by radiation off muons, prompt Z' -> mu mu): g_new = g'_BaBar sqrt(BR_{Lmu-Ltau}(mu mu) /\n"
        "(Q_mu^2 BR_new(mu mu))), `globalfit/physics/darkphoton.py`. Prior term chi^2 = 2.71 (g'/g'_bound)^2.\n",
    )


#: Z' mass grid of the trident propagator tables [GeV]: 10 points per decade, wide enough for every run's mass prior
TRIDENT_MASSES = np.geomspace(1e-5, 1e4, 91)
#: 2^16 quasi-Monte-Carlo events per table: the averages f_1, f_2 and r agree to ~0.3 % between scrambling seeds
TRIDENT_LOG2_EVENTS = 16


def trident_table(energy_GeV: float, targets) -> tuple[pd.DataFrame, float]:
    """The full-propagator trident averages f_1(M), f_2(M) on :data:`TRIDENT_MASSES` and r = sigma_AA/sigma_VV for a
    neutrino energy and target (``globalfit/physics/trident_kinematics.py``)."""
    from globalfit.physics.trident_kinematics import propagator_table, sample_events

    table = propagator_table(sample_events(energy_GeV, targets, n_log2=TRIDENT_LOG2_EVENTS, seed=1), TRIDENT_MASSES)
    frame = pd.DataFrame({"mass_GeV": table.mass_GeV, "f1": table.f1, "f2": table.f2})
    return frame, round(table.aa_over_vv, 5)


def trident_row(ref, experiment: str, err_source: str) -> pd.DataFrame:
    """One measurement of ``trident_measurements.csv`` (symmetric errors), selected by experiment and by the
    publication that quotes the uncertainty."""
    t = pd.read_csv(ref / "trident" / "trident_measurements.csv")
    rows = t[(t["experiment"] == experiment) & t["quoted_in"].str.contains(err_source, regex=False)]
    if len(rows) != 1:
        sys.exit(f"expected one {experiment} trident row quoted in {err_source}, found {len(rows)}")
    row = rows.iloc[0]
    if float(row["err_plus"]) != float(row["err_minus"]):
        sys.exit(f"{experiment} trident error is asymmetric; the Gaussian term needs a symmetric one")
    return pd.DataFrame({"experiment": [experiment], "ratio": [float(row["sigma_over_sigma_SM"])],
                         "error": [float(row["err_plus"])]})


TRIDENT_METHOD = (
    "The prediction keeps the full Z' propagator (`globalfit/physics/trident_kinematics.py`): the SM + Z' trident\n"
    "rate in the coherent equivalent-photon approximation (after Altmannshofer, Gori, Pospelov, Yavin,\n"
    "arXiv:1406.2332), with the exact tree-level nu gamma -> nu mu+ mu- matrix element (muon mass kept), integrated\n"
    "once by quasi Monte Carlo ({n} Sobol events, seed 1) into `propagator.csv`: f1 = <M^2/(M^2+Q^2)> and\n"
    "f2 = <[M^2/(M^2+Q^2)]^2> over the vector part of the SM rate, Q^2 the virtuality of the Z' (the neutrino-pair\n"
    "momentum transfer), on a log grid of 91 masses from 1e-5 to 1e4 GeV; and `aa_over_vv` = sigma_AA/sigma_VV in\n"
    "spec.yaml. sigma/sigma_SM = 1 + (2 g_V Delta f1 + Delta^2 f2)/(g_V^2 + r g_A^2), Delta = g'^2 Q_nu Q_mu /\n"
    "(sqrt2 G_F M^2) (`globalfit/physics/trident.py`). Assumptions: one neutrino energy, {energy:g} GeV, instead of\n"
    "the beam spectrum; {target}; coherent scattering on nuclei only (Helm charge form factor), no incoherent\n"
    "nucleon part; a real photon in the sub-process. The option `propagator: contact` gives the heavy-Z' formula\n"
    "instead (valid above `valid_above_GeV`, switched off below half of it).\n"
)


def trident_dataset(ref, dataset: str, experiment: str, err_source: str, energy_GeV: float, targets,
                    target_text: str, citation: str, measured: str) -> None:
    frame = trident_row(ref, experiment, err_source)
    table, aa_over_vv = trident_table(energy_GeV, targets)
    ratio, error = float(frame["ratio"].iloc[0]), float(frame["error"].iloc[0])
    write_dataset(
        "priors", dataset,
        {
            "kind": "trident",
            "description": f"{experiment} neutrino trident nu_mu N -> nu_mu N mu+ mu-: sigma/sigma_SM = {ratio:g} +- "
                           f"{error:g}",
            "citation": f"{citation}; Z' effect: W. Altmannshofer et al., Phys. Rev. Lett. 113 (2014) 091801, "
                        "arXiv:1406.2332",
            "measurement_file": "measurement.csv",
            "valid_above_GeV": 1.0,
            "propagator_file": "propagator.csv",
            "aa_over_vv": aa_over_vv,
            "neutrino_energy_GeV": energy_GeV,
            "target": target_text,
        },
        {"measurement.csv": frame, "propagator.csv": table},
        f"# {dataset}\n\n{measured}\nConverted by `scripts/convert/priors.py` from the project's reference table of trident\n"
        "measurements (`priors/trident/trident_measurements.csv`), which states that these values were taken from\n"
        "secondary text, not from the primary publications: secondary provenance.\n\n"
        + TRIDENT_METHOD.format(n=2**TRIDENT_LOG2_EVENTS, energy=energy_GeV, target=target_text),
    )


def ccfr(ref) -> None:
    from globalfit.physics.trident_kinematics import Nucleus

    trident_dataset(
        ref, "ccfr_trident", "CCFR", "1406.2332", 160.0, (Nucleus(26, 56),),
        "iron target (56Fe, Z = 26; CCFR's calorimeter is iron)",
        "CCFR, S.R. Mishra et al., Phys. Rev. Lett. 66 (1991) 3117",
        "CCFR measurement of neutrino trident production, sigma/sigma_SM = 0.82 +- 0.28 (Mishra et al., PRL 66\n"
        "(1991) 3117; 37.0 +- 12.4 events observed, 45.3 +- 2.3 expected), as quoted in arXiv:1406.2332.\n"
        "Mean neutrino energy of the CCFR beam taken as 160 GeV (an assumption of this dataset, not re-read from the\n"
        "publication).",
    )


def charm2(ref) -> None:
    from globalfit.physics.trident_kinematics import Nucleus

    trident_dataset(
        ref, "charm2_trident", "CHARM-II", "1902.06765", 24.0, (Nucleus(14, 28), Nucleus(8, 16, 2.0)),
        "glass target taken as SiO2 (28Si, Z = 14, and two 16O, Z = 8, per unit; photon fluxes add with Z^2)",
        "CHARM-II, D. Geiregat et al., Phys. Lett. B 245 (1990) 271",
        "CHARM-II measurement of neutrino trident production, sigma/sigma_SM = 1.58 +- 0.64 (Geiregat et al.,\n"
        "PLB 245 (1990) 271), with the uncertainty as quoted in arXiv:1902.06765; arXiv:1406.2332 quotes +- 0.57 for the\n"
        "same measurement (the reference table lists both); the larger, conservative one is used here.\n"
        "Mean neutrino energy of the CHARM-II wide-band beam taken as 24 GeV (a 20-25 GeV mean is the usual statement;\n"
        "not re-read from the publication), and its glass target as SiO2; both are assumptions of this dataset.\n"
        "The measured ratio is above 1, so the Z' term (which only raises the rate when Q_nu Q_mu > 0) is\n"
        "compared with a value it can approach: the bound is weaker than CCFR's at equal sensitivity.",
    )


def main(groups: list[str]) -> None:
    """Write the prior datasets of ``groups`` (``darkphoton``, ``trident``; all when empty)."""
    ref = shared_reference() / "priors"
    if not ref.is_dir():
        sys.exit(f"reference material not found at {ref}; set GLOBALFIT_SHARED")
    unknown = set(groups) - {"darkphoton", "trident"}
    if unknown:
        sys.exit(f"unknown group(s) {sorted(unknown)}; use darkphoton and/or trident")
    if not groups or "darkphoton" in groups:
        lhcb(ref, "lhcb_darkphoton_2019", "LHCb_Aaij2019bvg_prompt.lmt", 2019, "arXiv:1910.06926", "5.5/fb at 13 TeV")
        lhcb(ref, "lhcb_darkphoton_2017", "LHCb_Aaij2017rft_prompt.lmt", 2017, "arXiv:1710.02867", "1.6/fb at 13 TeV")
        babar(ref)
    if not groups or "trident" in groups:
        ccfr(ref)
        charm2(ref)


if __name__ == "__main__":
    main(sys.argv[1:])
