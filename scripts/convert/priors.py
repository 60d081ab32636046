"""Write the prior datasets (external limits) from the reference material in ../shared/reference/priors.

Run: ``python scripts/convert/priors.py`` (needs ../shared). Writes priors/lhcb_darkphoton_2019/,
priors/lhcb_darkphoton_2017/, priors/babar_4mu_2016/ and priors/ccfr_trident/. The published curves are re-tabulated
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


def ccfr(ref) -> None:
    t = pd.read_csv(ref / "trident" / "trident_measurements.csv")
    row = t[t["experiment"] == "CCFR"].iloc[0]
    frame = pd.DataFrame({"experiment": ["CCFR"], "ratio": [float(row["sigma_over_sigma_SM"])],
                          "error": [float(row["err_plus"])]})
    write_dataset(
        "priors", "ccfr_trident",
        {
            "kind": "trident",
            "description": "CCFR neutrino trident nu_mu N -> nu_mu N mu+ mu-: sigma/sigma_SM = 0.82 +- 0.28",
            "citation": "CCFR, S.R. Mishra et al., Phys. Rev. Lett. 66 (1991) 3117; Z' effect: W. Altmannshofer et al., "
                        "Phys. Rev. Lett. 113 (2014) 091801, arXiv:1406.2332",
            "measurement_file": "measurement.csv",
            "valid_above_GeV": 1.0,
        },
        {"measurement.csv": frame},
        "# ccfr_trident\n\nCCFR measurement of neutrino trident production, sigma/sigma_SM = 0.82 +- 0.28 (Mishra et al., PRL 66\n"
        "(1991) 3117), as quoted in arXiv:1406.2332; secondary provenance (see the reference SOURCES.md). Converted by\n"
        "`scripts/convert/priors.py`. Used as a Gaussian likelihood on the predicted ratio of\n"
        "`globalfit/physics/trident.py` (heavy-mediator formula, applied for M_Z' >= 1 GeV; zero below).\n",
    )


def main() -> None:
    ref = shared_reference() / "priors"
    if not ref.is_dir():
        sys.exit(f"reference material not found at {ref}; set GLOBALFIT_SHARED")
    lhcb(ref, "lhcb_darkphoton_2019", "LHCb_Aaij2019bvg_prompt.lmt", 2019, "arXiv:1910.06926", "5.5/fb at 13 TeV")
    lhcb(ref, "lhcb_darkphoton_2017", "LHCb_Aaij2017rft_prompt.lmt", 2017, "arXiv:1710.02867", "1.6/fb at 13 TeV")
    babar(ref)
    ccfr(ref)


if __name__ == "__main__":
    main()
