"""Hadronic decays of a light vector X below 2 GeV from e+e- data: vector-meson dominance (VMD) as in Darkcast.

Method (Ilten, Soreq, Williams, Xue, arXiv:1801.04847 sec. 2.3, eqs. 2.15-2.18; Darkcast v1.2; the written summary
is the shared reference ``priors/NOTES.md`` sec. 4). Conventions: X couples as ``g X_mu sum_f x_f fbar gamma^mu f``
with one global coupling g and charges x_f (dark photon: g = eps, x_f = e Q_f with e = sqrt(4 pi alpha)).

Derivation
----------
Below ~2 GeV a vector current couples to hadrons through the rho, omega and phi (VMD). The quark current of X is
``sum_q x_q qbar gamma q = tr(x J)`` with x = diag(x_u, x_d, x_s) and J the U(3) matrix of quark currents; projected
on the meson with flavour matrix T_V, its strength is tr(T_V x). For a final state F reached through meson V the
amplitude is therefore proportional to tr(T_V x) times a hadronic factor that is the same for every vector. The
measured e+e- -> F rate fixes that factor for the photon, so with the signed ratio

    r_V(x) = tr(T_V x) / tr(T_V e Q),   T_rho = diag(1,-1,0), T_omega = diag(1,1,0), T_phi = diag(0,0,1),
    Q = diag(2/3, -1/3, -1/3)                           (normalisations of T_V cancel in the ratio)

the width of X is that of a dark photon component by component:

    Gamma(X -> F) = g^2 e^2 (m / 12 pi) sum_V c_V(x) R_V^F(m),     c_V = r_V^2,

where R_V^F(m) = Gamma(A' -> F)_V / Gamma(A' -> mu mu) of a dark photon with massless muons, i.e.
sigma(e+e- -> F)_V / sigma_pt(e+e- -> mu mu), the curves of Fig. 1 of arXiv:1801.04847, and e^2 m/(12 pi) is the
dark photon's massless mu mu width at eps = 1 (Darkcast multiplies R by m/(12 pi) and by (rv_V tr(T_V x))^2 =
e^2 r_V^2 the same way, so R is defined with the point-like mu mu cross section).
Where two mesons feed the same final state (omega and phi in pi+ pi- pi0) the squared amplitude has an interference
term linear in each ratio; Darkcast v1.2 tabulates it as the curve ``omega_phi`` and adds it with the weight
2 (rv_omega tr(T_omega x))(rv_phi tr(T_phi x)), with normalisations rv chosen so that rv_V tr(T_V e Q) = +1, +1, -1
for rho, omega, phi. In the signed ratios above that weight is

    c_{omega phi}(x) = -2 r_omega(x) r_phi(x)

(the dark photon's interference counts -2 times the tabulated curve). For the dark photon every r_V = 1 and the sum
is the measured R(m). An isoscalar X (x_u = x_d, e.g. B - L or the project's B - 3L models) has r_rho = 0: no
pi+ pi-, no 4 pi, only the omega/phi-like channels (3 pi, pi0 gamma, K K, K K pi, ...).

For the project's generation-universal quark charge x_q: r_rho = 0, r_omega = 2 x_q/(e/3) = 6 x_q/e,
r_phi = x_q/(-e/3) = -3 x_q/e.

The table is ``globalfit/physics/data/vmd/rf.csv`` (written by ``scripts/convert/vmd.py``; sha256 checked here at
load). It ends at 2 GeV; how it is continued above is :mod:`globalfit.physics.widths`' business (a smooth blend into
the partonic u, d, s widths).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from globalfit.errors import DataError
from globalfit.physics.constants import ALPHA_EM
from globalfit.tensor import interp

#: Electromagnetic coupling e = sqrt(4 pi alpha) at Q = 0.
E_EM = float(np.sqrt(4 * np.pi * ALPHA_EM))

#: Folder of the VMD table (inside the package, so it ships in the wheel).
DATA_DIR = Path(__file__).resolve().parent / "data" / "vmd"

#: Diagonals of the meson flavour matrices T_V (normalisation irrelevant: only ratios enter).
MESON_FLAVOUR = {"rho0": (1.0, -1.0, 0.0), "omega": (1.0, 1.0, 0.0), "phi": (0.0, 0.0, 1.0)}
#: Photon quark-charge matrix Q (in units of e).
QED_QUARK = (2 / 3, -1 / 3, -1 / 3)


def meson_ratio(meson: str, x: tuple[float, float, float]) -> float:
    """Signed ratio r_V = tr(T_V x)/tr(T_V e Q) of X's coupling to meson V to the photon's (see module docstring).

    Parameters
    ----------
    meson
        ``"rho0"``, ``"omega"`` or ``"phi"``.
    x
        Quark couplings (x_u, x_d, x_s) per unit global coupling.
    """
    t = MESON_FLAVOUR[meson]
    return float(np.dot(t, x) / (E_EM * np.dot(t, QED_QUARK)))


def component_weight(component: str, x: tuple[float, float, float]) -> float:
    """Weight c_V(x) of one tabulated component: r_V^2, or -2 r_omega r_phi for the ``omega_phi`` interference."""
    if component == "omega_phi":
        return -2.0 * meson_ratio("omega", x) * meson_ratio("phi", x)
    return meson_ratio(component, x) ** 2


@lru_cache(maxsize=1)
def vmd_table() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The VMD curves: mass grid [GeV] and ``{"<F>.<V>": R_V^F(m)}``, after checking the file's sha256.

    Raises
    ------
    DataError
        If the table or its ``spec.yaml`` is missing, or the checksum does not match (re-run
        ``scripts/convert/vmd.py``).
    """
    import pandas as pd
    import yaml

    from globalfit.util import sha256_file

    path, spec_path = DATA_DIR / "rf.csv", DATA_DIR / "spec.yaml"
    if not path.is_file() or not spec_path.is_file():
        raise DataError(f"VMD table {path} (or its spec.yaml) is missing; run scripts/convert/vmd.py.")
    expected = (yaml.safe_load(spec_path.read_text()) or {}).get("files", {}).get("rf.csv")
    if sha256_file(path) != expected:
        raise DataError(f"VMD table {path} does not match the sha256 in {spec_path}; run scripts/convert/vmd.py.")
    frame = pd.read_csv(path)
    mass = frame["mass_GeV"].to_numpy(float)
    return mass, {c: frame[c].to_numpy(float) for c in frame.columns if c != "mass_GeV"}


@lru_cache(maxsize=64)
def _r_table(x: tuple[float, float, float], final_state: str | None) -> np.ndarray:
    """sum_V c_V(x) R_V^F on the table grid, for one final state F or (None) all of them; cached per charges."""
    mass, curves = vmd_table()
    out = np.zeros_like(mass)
    for name, r in curves.items():
        fs, comp = name.rsplit(".", 1)
        if final_state is None or fs == final_state:
            out += component_weight(comp, x) * r
    return E_EM**2 * out


def final_states() -> tuple[str, ...]:
    """The tabulated hadronic final states F (``pi+_pi-``, ``pi+_pi-_pi0``, ``K_K``, ..., ``other``)."""
    return tuple(dict.fromkeys(name.rsplit(".", 1)[0] for name in vmd_table()[1]))


def vmd_mass_range() -> tuple[float, float]:
    """First and last mass [GeV] of the VMD table."""
    mass = vmd_table()[0]
    return float(mass[0]), float(mass[-1])


def r_vmd(x: tuple[float, float, float], mass: Any, final_state: str | None = None) -> Any:
    """R_X(m) = Gamma(X -> hadrons)/(g^2 m/(12 pi)) from VMD (dimensionless): the hadronic width in units of the
    massless width of a unit-charge fermion pair at unit coupling, e^2 sum_V c_V(x) R_V^F(m) (for the dark photon this
    is e^2 times the R ratio; for free quarks it would be 3 (x_u^2 + x_d^2 + x_s^2)).

    The sum over components is precomputed per charges in numpy (cached) and interpolated linearly in m, so ``mass``
    may be a float, an array or a PyTensor tensor (zero below the first threshold, clamped at 2 GeV above).

    Parameters
    ----------
    x
        Quark couplings (x_u, x_d, x_s) per unit global coupling (dark photon: e (2/3, -1/3, -1/3)).
    mass
        Mass [GeV].
    final_state
        One tabulated final state (see :func:`final_states`), or None for the sum over all of them.
    """
    key = tuple(float(v) for v in x)
    if final_state is not None and final_state not in final_states():
        raise DataError(f"Unknown hadronic final state {final_state!r}; tabulated: {', '.join(final_states())}.")
    return interp(mass, vmd_table()[0], _r_table(key, final_state))


def r_ratio_dark_photon(mass: Any) -> Any:
    """The measured R(m) = sigma(e+e- -> hadrons)/sigma_pt(e+e- -> mu mu) as carried by the VMD table (< 2 GeV)."""
    x = tuple(E_EM * q for q in QED_QUARK)
    return r_vmd(x, mass) / E_EM**2
