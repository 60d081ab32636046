"""Write the vector-meson-dominance hadronic curves R_mu^F(m) of Darkcast v1.2 as the project's own table.

Run: ``python scripts/convert/vmd.py`` (needs ../shared). Reads ``priors/darkcast_v1.2/vmd/rf.<F>.<V>.dat`` (Darkcast
v1.2, the curves of Fig. 1 of Ilten, Soreq, Williams, Xue, arXiv:1801.04847) and writes
``globalfit/physics/data/vmd/`` (inside the package, so it ships in the wheel): ``rf.csv`` with one column per
(final state F, meson component V) on a common 0.5 MeV mass grid, ``SOURCES.md`` and ``spec.yaml`` with the sha256
of ``rf.csv`` (checked when :mod:`globalfit.physics.hadronic` loads it).
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from globalfit.datatools import REPO_ROOT, shared_reference, write_dataset

#: Final states and their meson components, as Darkcast v1.2 ``pars.rfs`` lists them.
CURVES = {
    "pi+_pi-": ("rho0",),
    "pi+_pi-_pi+_pi-": ("rho0",),
    "pi+_pi-_pi0_pi0": ("rho0",),
    "pi+_pi-_pi0": ("omega", "phi", "omega_phi"),
    "pi0_gamma": ("omega",),
    "K_K": ("phi",),
    "K_K_pi": ("phi",),
    "other": ("rho0", "omega", "phi"),
}
#: Common grid [GeV]: every Darkcast curve is tabulated on this 0.5 MeV lattice between its threshold and 2 GeV.
GRID = np.round(np.arange(0.1400, 2.00001, 0.0005), 4)

SOURCES = """# vmd: hadronic R_mu^F(m) per final state and vector-meson component

Publication: P. Ilten, Y. Soreq, M. Williams, W. Xue, "Serendipity in dark photon searches", JHEP 06 (2018) 004,
arXiv:1801.04847, Fig. 1 (R_mu^F = Gamma(A' -> F)/Gamma(A' -> mu mu) of a dark photon for each exclusive hadronic
final state F, from fits to e+e- -> hadrons data, split by the rho, omega, phi components and the omega-phi
interference). Numbers: Darkcast v1.2 `vmd/rf.<F>.<V>.dat` (GPL-2.0-or-later; GitHub mirror
`micha-a-schmidt/darkcast`, commit db9a0f66ec99946930dc263a042ec531c9576068; see the shared reference
`priors/darkcast_v1.2/vmd/SOURCES.md`).

## File

`rf.csv`: column `mass_GeV` (0.1400-2.0000 GeV in 0.5 MeV steps, the lattice of every Darkcast curve), then one
column `<F>.<V>` per curve, F in pi+_pi-, pi+_pi-_pi+_pi-, pi+_pi-_pi0_pi0, pi+_pi-_pi0, pi0_gamma, K_K, K_K_pi,
other, V in rho0, omega, phi, omega_phi. Values are the tabulated R_mu^F (dimensionless) unchanged at the nodes;
below a curve's first node it is 0 (closed channel); `pi+_pi-_pi0.omega_phi` ends at 1.478 GeV with value 0 and is 0
above (Darkcast clamps to its edge value, which is 0).

## How it is used (`globalfit/physics/hadronic.py`)

For a vector X with quark couplings x = diag(x_u, x_d, x_s) (per unit global coupling), the width to F is
Gamma(X -> F) = g^2 m/(12 pi) sum_V c_V(x) R_V^F(m), with c_V = r_V^2 for a single meson and
c_{omega phi} = -2 r_omega r_phi for the interference column, where r_V = tr(T_V x)/tr(T_V e Q) with
T_rho = diag(1,-1,0), T_omega = diag(1,1,0), T_phi = diag(0,0,1), Q = diag(2/3,-1/3,-1/3). The factor -2 of the
interference column is how Darkcast v1.2 (`model.py`, with its `pars.rvs` normalisation, for which the dark
photon's phi coupling is -1) adds that file; the dark photon therefore has R(m) = sum of every column, with the
interference column counted -2 times.

Converted by `scripts/convert/vmd.py`.
"""


def read_curve(path) -> tuple[np.ndarray, np.ndarray]:
    """Mass [GeV] and R_mu^F columns of one Darkcast ``.dat`` file (``#`` header)."""
    data = np.loadtxt(path, comments="#")
    if data.ndim != 2 or data.shape[1] != 2 or np.any(np.diff(data[:, 0]) <= 0):
        raise ValueError(f"{path}: expected two columns with increasing mass")
    return data[:, 0], data[:, 1]


def build_table(vmd_dir) -> pd.DataFrame:
    """All curves on :data:`GRID` (linear interpolation; 0 outside each curve's range)."""
    cols = {"mass_GeV": GRID}
    for final, comps in CURVES.items():
        for comp in comps:
            m, r = read_curve(vmd_dir / f"rf.{final}.{comp}.dat")
            on_grid = np.isin(np.round(m, 4), GRID)
            if not on_grid.all():
                raise ValueError(f"rf.{final}.{comp}.dat: nodes off the 0.5 MeV lattice")
            cols[f"{final}.{comp}"] = np.interp(GRID, m, r, left=0.0, right=0.0)
    return pd.DataFrame(cols)


def main() -> int:
    vmd_dir = shared_reference() / "priors" / "darkcast_v1.2" / "vmd"
    if not vmd_dir.is_dir():
        sys.stderr.write(f"Darkcast vmd curves not found at {vmd_dir}\n")
        return 1
    table = build_table(vmd_dir)
    spec = {"kind": "physics_table", "description": "Darkcast v1.2 VMD curves R_mu^F(m) per final state and meson",
            "citation": "arXiv:1801.04847 Fig. 1; Darkcast v1.2"}
    write_dataset("data", "vmd", spec, {"rf.csv": table}, SOURCES, root=REPO_ROOT / "globalfit" / "physics")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
