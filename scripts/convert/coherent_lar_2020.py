"""Write likelihoods/coherent_lar_2020/ from the COHERENT CENNS-10 liquid-argon 2020 (Analysis A) data release
(../shared/reference/coherent/lar2020). Run: ``python scripts/convert/coherent_lar_2020.py``.

The five 3D histograms (energy x F90 x time) are merged into one table with explicit bin edges; the efficiency curve
and the release parameters go into their own files and the spec.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import yaml

from globalfit.datatools import shared_reference, write_dataset


def main() -> None:
    ref = shared_reference() / "coherent" / "lar2020"
    if not ref.is_dir():
        sys.exit(f"reference material not found at {ref}; set GLOBALFIT_SHARED")
    cols = {"data": "datanobkgsub.txt", "cevns_sm": "cevnspdf.txt", "brn_prompt": "brnpdf.txt",
            "brn_delayed": "delbrnpdf.txt", "steady_state": "bkgpdf.txt"}
    arrays = {k: np.loadtxt(ref / f) for k, f in cols.items()}
    first = arrays["data"]
    for k, a in arrays.items():
        assert np.allclose(a[:, :3], first[:, :3]), f"{k}: bins differ"
    table = pd.DataFrame({
        "e_low_keVee": first[:, 0] - 5.0, "e_high_keVee": first[:, 0] + 5.0,
        "f90_low": np.round(first[:, 1] - 0.025, 3), "f90_high": np.round(first[:, 1] + 0.025, 3),
        "t_low_us": np.round(first[:, 2] - 0.25, 3), "t_high_us": np.round(first[:, 2] + 0.25, 3),
        **{k: a[:, 3] for k, a in arrays.items()},
    })
    eff = np.loadtxt(ref / "CENNS10AnlAEfficiency.txt")
    eff_frame = pd.DataFrame({"energy_keVee": eff[:, 0], "energy_keVnr": eff[:, 1], "efficiency": eff[:, 2]})
    p = yaml.safe_load((ref / "LArParametersAnlA.yaml").read_text())
    qf = {q["name"]: q["value"] for q in p["larQF"]["parameters"]}
    spec = {
        "kind": "coherent_lar_2020",
        "description": "COHERENT CENNS-10 LAr 2020 (analysis A): Poisson likelihood in energy x F90 x time",
        "citation": "COHERENT, D. Akimov et al., PRL 126 (2021) 012002, arXiv:2003.10630; data release arXiv:2006.12659, "
                    "Zenodo 3903810",
        "pot": p["beamExposure"]["value"] * 1e22,
        "nu_per_pot": p["neutrinosPerProton"]["value"],
        "distance_m": p["distanceToTarget"]["value"],
        "fiducial_mass_kg": p["fiducialMass"]["value"],
        "quenching": {"a": qf["a"], "b_per_keVnr": qf["b"]},
        "pot_trace_ns": {"mean": 440.0, "width": 150.0},
        "normalisations": {  # release CV predictions and their 1-sigma uncertainties (LArParametersAnlA.yaml)
            "cevns": [128.0, 17.0], "brn_prompt": [497.0, 160.0], "brn_delayed": [33.0, 33.0], "steady_state": [3154.0, 25.0]},
        "published": {"sm_prediction": [128, 17], "fitted_cevns": [159, 43]},
    }
    write_dataset(
        "likelihoods", "coherent_lar_2020", spec, {"bins.csv": table, "efficiency.csv": eff_frame},
        "# coherent_lar_2020\n\nCOHERENT CENNS-10 liquid argon, first CEvNS detection on argon (Akimov et al., PRL 126 (2021) 012002,\n"
        "arXiv:2003.10630), Analysis A data release (arXiv:2006.12659, Zenodo 3903810; see the reference SOURCES.md).\n\n"
        "- `bins.csv`: 12 energy (keVee) x 8 F90 x 10 time bins: on-beam data, the SM CEvNS PDF (normalised to the 128-event\n"
        "  CV prediction), prompt and delayed beam-related neutrons, steady-state background (release *pdf.txt files).\n"
        "- `efficiency.csv`: Analysis-A detection efficiency vs energy (CENNS10AnlAEfficiency.txt).\n"
        "- spec: exposure 13.8e22 POT, 27.5 m, 24.4 kg, 0.09 nu/flavour/POT, QF = 0.246 + 0.00078 T[keVnr], POT trace\n"
        "  440 +- 200 ns mean and 150 ns width, CV normalisations and uncertainties (LArParametersAnlA.yaml).\n"
        "Converted by `scripts/convert/coherent_lar_2020.py`.\n",
    )


if __name__ == "__main__":
    main()
