"""Coherent elastic neutrino-nucleus scattering (paper 002 eqs. 3.2-3.4) and precomputed count kernels.

Cross section for flavour alpha on a nucleus (Z, N, mass M)::

    dsigma/dE_r = G_F^2/(2 pi) Q_alpha^2 F^2(q) M (2 - M E_r / E_nu^2),      q^2 = 2 M E_r

    Q_alpha = Z (g_p + 2 eps^u_aa + eps^d_aa) + N (g_n + eps^u_aa + 2 eps^d_aa),   g_p = 1/2 - 2 s_W^2, g_n = -1/2

(eq. 3.4; the eps are evaluated at the recoil's q^2, eq. 3.5). Antineutrinos see the same vector charge.
Optionally the radiatively corrected couplings g_p = 0.0229, g_n = -0.5117 (J. Erler, S. Su, Prog. Part. Nucl.
Phys. 71 (2013) 119; as used in COHERENT's own predictions) replace the tree-level ones.

Everything that does not depend on the parameters is folded into :class:`RecoilKernel`: per isotope and flavour a
matrix K[bin, point] such that the predicted counts are ``sum_iso sum_flav K @ Q^2(eps(q^2_point))``, a few small
array operations on PyTensor or numpy vectors.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping

import numpy as np

from globalfit.physics.constants import G_F, GEV2_TO_PB, SIN2_THETA_W_LOW, Isotope
from globalfit.physics.form_factors import FORM_FACTORS
from globalfit.physics.sns_flux import COMPONENTS, E_MAX_DELAYED, E_PROMPT, delayed_spectrum
from globalfit.tensor import math_of

GEV2_TO_CM2 = GEV2_TO_PB * 1e-36

#: Radiatively corrected vector couplings to protons and neutrons (Erler & Su 2013).
G_P_RADIATIVE = 0.0229
G_N_RADIATIVE = -0.5117


def standard_model_eps(f: str, alpha: str, q2: Any) -> float:
    """An ``eps(f, alpha, q2)`` for :meth:`RecoilKernel.counts` that is zero everywhere: the Standard Model."""
    return 0.0


def nucleon_couplings(radiative: bool = False, sin2w: float = SIN2_THETA_W_LOW) -> tuple[float, float]:
    """(g_p^V, g_n^V): tree level 1/2 - 2 s_W^2, -1/2 (paper 002 below eq. 3.4) or radiatively corrected."""
    if radiative:
        return G_P_RADIATIVE, G_N_RADIATIVE
    return 0.5 - 2.0 * sin2w, -0.5


def weak_charge(z: float, n: float, eps_u: Any, eps_d: Any, g_p: float, g_n: float) -> Any:
    """Q_alpha of paper 002 eq. 3.4 (works on floats, arrays and PyTensor tensors)."""
    return z * (g_p + 2.0 * eps_u + eps_d) + n * (g_n + eps_u + 2.0 * eps_d)


def dsigma_dEr_unit_charge(e_r: np.ndarray, e_nu: np.ndarray, isotope: Isotope, form_factor: Callable) -> np.ndarray:
    """dsigma/dE_r / Q^2 [GeV^-3]: G_F^2/(2 pi) F^2 M (2 - M E_r/E_nu^2), zero where kinematically forbidden."""
    m = isotope.mass_GeV
    q = np.sqrt(2.0 * m * e_r)
    kin = 2.0 - m * e_r / e_nu**2
    return np.where(kin > 0, G_F**2 / (2 * np.pi) * form_factor(q, isotope.A) ** 2 * m * kin, 0.0)


def flux_averaged(e_r: np.ndarray, isotope: Isotope, component: str, form_factor: Callable,
                  end_point: float = E_MAX_DELAYED, n_energy: int = 400) -> np.ndarray:
    """int dE_nu phi(E_nu) dsigma/dE_r / Q^2 for a unit-normalised SNS component [GeV^-3], at recoils e_r [GeV]."""
    e_r = np.asarray(e_r, dtype=float)
    if component == "nu_mu":
        return dsigma_dEr_unit_charge(e_r, np.full_like(e_r, E_PROMPT), isotope, form_factor)
    m = isotope.mass_GeV
    e_min = np.sqrt(m * e_r / 2.0)
    # Gauss-Legendre on [e_min, end_point] per recoil (the integrand is a smooth polynomial times a constant)
    x, w = np.polynomial.legendre.leggauss(n_energy // 10)
    lo = np.minimum(e_min, end_point)[:, None]
    half = (end_point - lo) / 2.0
    e_nu = lo + half * (x[None, :] + 1.0)
    vals = delayed_spectrum(component, e_nu, end_point) * dsigma_dEr_unit_charge(e_r[:, None], e_nu, isotope, form_factor)
    return np.sum(vals * w[None, :] * half, axis=1)


@dataclass
class RecoilKernel:
    """Precomputed CEvNS count kernels for one detector and binning.

    Attributes
    ----------
    isotopes
        Target isotopes with the number of nuclei of each.
    q2
        Momentum transfer squared per isotope at the quadrature points [GeV^2].
    kernels
        ``kernels[(iso, flavour)]``: matrix [n_bins, n_points] of counts per unit Q^2.
    """

    isotopes: list[tuple[Isotope, float]]
    q2: dict[str, np.ndarray] = field(default_factory=dict)
    kernels: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    g_p: float = 0.0
    g_n: float = -0.5

    def folded(self, response: np.ndarray) -> "RecoilKernel":
        """The same kernels seen through a detector response: ``response`` [n_out, n_bins] maps the recoil bins to
        observed bins (energy resolution, quenching, efficiency, rebinning)."""
        return replace(self, kernels={k: response @ v for k, v in self.kernels.items()})

    def counts(self, eps: Callable[[str, str, np.ndarray], Any]) -> Any:
        """Predicted counts per bin; ``eps(f, alpha, q2)`` gives eps^f_aa at an array of q^2 (a TheoryPoint.eps)."""
        total = 0.0
        for iso, _ in self.isotopes:
            q2 = self.q2[iso.name]
            for flav in ("e", "mu"):
                key = (iso.name, flav)
                if key not in self.kernels:
                    continue
                qw = weak_charge(iso.Z, iso.N, eps("u", flav, q2), eps("d", flav, q2), self.g_p, self.g_n)
                qw = qw * np.ones_like(q2) if not hasattr(qw, "shape") or np.ndim(qw) == 0 else qw
                m = math_of(qw)
                total = total + (m.dot(self.kernels[key], qw**2) if m is not np else self.kernels[key] @ qw**2)
        return total


def build_kernel(
    isotopes: list[tuple[Isotope, float]],
    fluence_per_flavour: float,
    bin_edges_keV: np.ndarray,
    bin_weights: Callable[[np.ndarray], np.ndarray] | None,
    time_fractions: Mapping[str, float],
    form_factor: str = "klein-nystrand",
    radiative: bool = False,
    end_point: float = E_MAX_DELAYED,
    n_points: int = 8,
    sin2w: float = SIN2_THETA_W_LOW,
    form_factor_radius_fm: float | None = None,
) -> RecoilKernel:
    """Build a :class:`RecoilKernel` for recoil-energy bins.

    Parameters
    ----------
    isotopes
        ``[(isotope, number of nuclei)]``.
    fluence_per_flavour
        Neutrinos per cm^2 per flavour over the exposure.
    bin_edges_keV
        Recoil-energy bin edges [keVnr] (fine bins; folding into analysis bins is done by the caller).
    bin_weights
        Optional function of the bin-centre index array returning a per-bin efficiency (applied to each bin).
    time_fractions
        Fraction of each SNS component (``nu_mu``, ``nu_e``, ``nubar_mu``) inside the analysis time window.
    form_factor, radiative, end_point, n_points, sin2w, form_factor_radius_fm
        Physics options (radius overrides the default nuclear radius of the form factor) and Gauss-Legendre
        points per bin.
    """
    base_ff = FORM_FACTORS[form_factor]
    ff = base_ff if form_factor_radius_fm is None else (lambda q, a: base_ff(q, a, form_factor_radius_fm))
    g_p, g_n = nucleon_couplings(radiative, sin2w)
    edges = np.asarray(bin_edges_keV, dtype=float) * 1e-6  # GeV
    x, w = np.polynomial.legendre.leggauss(n_points)
    lo, hi = edges[:-1], edges[1:]
    half = (hi - lo) / 2
    pts = (lo[:, None] + half[:, None] * (x[None, :] + 1)).ravel()  # [n_bins * n_points]
    wts = (half[:, None] * w[None, :]).ravel()
    nb = len(lo)
    eff = np.ones(nb) if bin_weights is None else np.asarray(bin_weights(np.arange(nb)), dtype=float)
    kern = RecoilKernel(isotopes=isotopes, g_p=g_p, g_n=g_n)
    for iso, n_targets in isotopes:
        kern.q2[iso.name] = 2.0 * iso.mass_GeV * pts
        for comp, (flav, _timing) in COMPONENTS.items():
            frac = time_fractions.get(comp, 0.0)
            if frac == 0.0:
                continue
            rate = flux_averaged(pts, iso, comp, ff, end_point) * wts  # per unit Q^2, per nucleus, per cm^-2 fluence
            mat = np.zeros((nb, nb * n_points))
            for b in range(nb):
                mat[b, b * n_points:(b + 1) * n_points] = rate[b * n_points:(b + 1) * n_points]
            mat *= eff[:, None] * frac * n_targets * fluence_per_flavour * GEV2_TO_CM2
            key = (iso.name, flav)
            kern.kernels[key] = kern.kernels.get(key, 0.0) + mat
    return kern


def direct_counts(
    isotopes: list[tuple[Isotope, float]],
    fluence_per_flavour: float,
    bin_edges_keV: np.ndarray,
    efficiency: np.ndarray,
    time_fractions: Mapping[str, float],
    eps: Callable[[str, str, float], float],
    form_factor: str = "klein-nystrand",
    radiative: bool = False,
    end_point: float = E_MAX_DELAYED,
) -> np.ndarray:
    """Counts per recoil bin by direct adaptive integration (scipy ``quad`` over E_r and E_nu), point by point.

    A slow, independent reference for :func:`build_kernel` (tests and benchmarks): no precomputation, the q^2
    dependence of eps evaluated inside the integrand. ``efficiency`` is per bin.
    """
    from scipy.integrate import quad

    ff = FORM_FACTORS[form_factor]
    g_p, g_n = nucleon_couplings(radiative)
    edges = np.asarray(bin_edges_keV, dtype=float) * 1e-6
    out = np.zeros(len(edges) - 1)
    for b in range(len(out)):
        total = 0.0
        for iso, n_targets in isotopes:
            m = iso.mass_GeV

            def rate(e_r, comp, flav):
                q2 = 2.0 * m * e_r
                qw = weak_charge(iso.Z, iso.N, eps("u", flav, q2), eps("d", flav, q2), g_p, g_n)
                if comp == "nu_mu":
                    xs = dsigma_dEr_unit_charge(np.array(e_r), np.array(E_PROMPT), iso, ff)
                    return float(xs) * qw**2
                e_min = np.sqrt(m * e_r / 2.0)
                if e_min >= end_point:
                    return 0.0
                inner = quad(lambda e: float(delayed_spectrum(comp, np.array(e), end_point)
                                             * dsigma_dEr_unit_charge(np.array(e_r), np.array(e), iso, ff)),
                             e_min, end_point, epsabs=0, epsrel=1e-9)[0]
                return inner * qw**2

            for comp, (flav, _) in COMPONENTS.items():
                frac = time_fractions.get(comp, 0.0)
                if frac:
                    val = quad(rate, edges[b], edges[b + 1], args=(comp, flav), epsabs=0, epsrel=1e-8)[0]
                    total += frac * n_targets * val
        out[b] = total * efficiency[b] * fluence_per_flavour * GEV2_TO_CM2
    return out
