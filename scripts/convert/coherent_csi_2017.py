"""Write likelihoods/coherent_csi_2017/ from the COHERENT 2017 CsI[Na] data release (../shared/reference/coherent/csi2017).

Run: ``python scripts/convert/coherent_csi_2017.py``. Re-tabulates the release's text histograms with explicit bin
edges (the release gives bin centres), in the project's CSV format.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import yaml

from globalfit.datatools import shared_reference, write_dataset


def load(path) -> np.ndarray:
    return np.genfromtxt(path, delimiter=",", comments="#", invalid_raise=False)


def main() -> None:
    ref = shared_reference() / "coherent" / "csi2017"
    if not ref.is_dir():
        sys.exit(f"reference material not found at {ref}; set GLOBALFIT_SHARED")
    c = load(ref / "data_coincidence_beamOn.txt")
    ac = load(ref / "data_anticoincidence_beamOn.txt")
    assert np.allclose(c[:, :2], ac[:, :2]), "coincidence and anticoincidence histograms must share bins"
    counts = pd.DataFrame({
        "pe_low": c[:, 0] - 1.0, "pe_high": c[:, 0] + 1.0,
        "t_low_us": c[:, 1] - 0.25, "t_high_us": c[:, 1] + 0.25,
        "coincidence": c[:, 2].astype(int), "anticoincidence": ac[:, 2].astype(int),
    })
    tp = {k: load(ref / f"arrivalTimePDF_{k}.txt") for k in ("promptNeutrinos", "delayedNeutrinos", "promptNeutrons")}
    times = pd.DataFrame({
        "t_low_us": tp["promptNeutrinos"][:, 0] - 0.25, "t_high_us": tp["promptNeutrinos"][:, 0] + 0.25,
        "prompt_neutrinos": tp["promptNeutrinos"][:, 1], "delayed_neutrinos": tp["delayedNeutrinos"][:, 1],
        "prompt_neutrons": tp["promptNeutrons"][:, 1],
    })
    brn = load(ref / "promptPDF.txt")
    brn_frame = pd.DataFrame({"pe_low": brn[:, 0] - 0.5, "pe_high": brn[:, 0] + 0.5, "counts_per_GWhr": brn[:, 1]})
    params = yaml.safe_load((ref / "coherent_parameters.yaml").read_text())
    acc = {p["name"]: p["value"] for p in params["acceptanceEfficiency"]["parameters"]}
    spec = {
        "kind": "coherent_csi_2017",
        "description": "COHERENT CsI[Na] 2017 energy spectrum, chi^2 of paper 002 eq. 3.9 (6-30 PE)",
        "citation": "COHERENT, D. Akimov et al., Science 357 (2017) 1123, arXiv:1708.01294; data release Zenodo 1228631",
        "detector_mass_kg": 14.57,             # Science 357 (2017) 1123
        "pot": 1.76e23,                        # protons on target, Science 357 (2017) 1123
        "nu_per_pot": params["neutrinosPerProton"]["value"],
        "distance_m": params["distanceToTarget"]["value"],
        "beam_exposure_GWhr": params["beamExposure"]["value"],
        "light_yield_pe_per_keVnr": 1.17,      # paper 002 eq. 3.7 (release: 0.0878 x 13.348 = 1.172)
        "acceptance": {"a": acc["a"], "k": acc["k"], "x0": acc["x_0"], "threshold_pe": 5.0},
        "analysis_pe": [6.0, 30.0],            # paper 002: bins i = 4..15
        "time_window_us": 12.0,
        "sigma_gamma": 0.28,                   # paper 002 below eq. 3.9
        "sigma_beta": 0.25,
        "published": {"sm_prediction": [173, 48], "fitted_cevns": [134, 22]},
    }
    write_dataset(
        "likelihoods", "coherent_csi_2017", spec,
        {"counts.csv": counts, "time_pdfs.csv": times, "brn.csv": brn_frame},
        "# coherent_csi_2017\n\nCOHERENT CsI[Na] first observation of CEvNS (D. Akimov et al., Science 357 (2017) 1123,\n"
        "arXiv:1708.01294), official data release (Zenodo record 1228631; see the reference SOURCES.md).\n\n"
        "- `counts.csv`: beam-on coincidence (signal window) and anticoincidence (steady-state background) counts in\n"
        "  2-PE x 0.5-us bins (release files data_*_beamOn.txt, bin centres turned into edges).\n"
        "- `time_pdfs.csv`: arrival-time probabilities of prompt neutrinos, delayed neutrinos, prompt neutrons per 0.5 us.\n"
        "- `brn.csv`: prompt beam-related neutron spectrum per GWhr in 1-PE bins, before acceptance (release promptPDF.txt).\n\n"
        "Spec numbers: exposure 7.47594 GWhr, distance 19.3 m, 0.08 nu/flavour/POT, acceptance parameters (release\n"
        "coherent_parameters.yaml); detector mass 14.57 kg and 1.76e23 POT (the Science paper); light yield 1.17 PE/keVnr,\n"
        "sigma_gamma 0.28, sigma_beta 0.25 and the 6-30 PE window (paper 002 eqs. 3.7-3.9).\n"
        "Converted by `scripts/convert/coherent_csi_2017.py`.\n",
    )


if __name__ == "__main__":
    main()
