"""Detector-response helpers of the COHERENT detectors (CsI[Na] 2017, CsI[Na] 2021, LAr 2020).

Each turns a release's published response (acceptance, efficiencies, scintillation response, resolution) into the
weights or matrices that :meth:`globalfit.physics.cevns.RecoilKernel.folded` puts on CEvNS kernels, so the
components and converters share one implementation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import gammainc

#: Sub-bin width for integrating efficiency x resolution over a PE bin [PE].
PE_STEP = 0.05


def bin_fold(fine_lo: np.ndarray, fine_hi: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """0/1 matrix [n_bins, n_fine] summing fine bins [fine_lo, fine_hi) that lie inside each bin of ``edges``
    (1e-9 tolerance on the edges)."""
    out = np.zeros((len(edges) - 1, len(fine_lo)))
    for i in range(len(edges) - 1):
        out[i] = (fine_lo >= edges[i] - 1e-9) & (fine_hi <= edges[i + 1] + 1e-9)
    return out


def centre_fold(centres: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """0/1 matrix [n_bins, n_fine] assigning each fine-bin centre to the bin of ``edges`` containing it ([lo, hi))."""
    out = np.zeros((len(edges) - 1, len(centres)))
    for i in range(len(edges) - 1):
        out[i] = (centres >= edges[i]) & (centres < edges[i + 1])
    return out


def release_acceptance(pe_centre: np.ndarray, a: float, k: float, x0: float, threshold_pe: float = 5.0) -> np.ndarray:
    """CsI 2017 (paper 002 eq. 3.8 / release): a/(1 + exp(-k (x - x0))) H(x), H = 0 below 5 PE, 1/2 in [5, 6), 1
    above; x in PE."""
    x = np.asarray(pe_centre, dtype=float)
    h = np.where(x < threshold_pe, 0.0, np.where(x < threshold_pe + 1.0, 0.5, 1.0))
    return a / (1.0 + np.exp(-k * (x - x0))) * h


def energy_efficiency(pe: np.ndarray, a: float, b: float, c: float, d: float) -> np.ndarray:
    """CsI 2021 release energy efficiency a/(1 + exp(-b (x - c))) + d at reconstructed PE x, clipped at 0 (it is
    negative below about 7 PE, where the release's BRN/NIN PDFs vanish too)."""
    x = np.asarray(pe, dtype=float)
    return np.clip(a / (1.0 + np.exp(-b * (x - c))) + d, 0.0, None)


def electron_equivalent_keV(recoil_keV: np.ndarray, coeffs: list[float]) -> np.ndarray:
    """CsI 2021 scintillation response E_ee [keVee] of a nuclear recoil T [keVnr]: the release polynomial in MeV."""
    x = np.asarray(recoil_keV, dtype=float) * 1e-3
    a, b, c, d = coeffs
    return np.clip((a * x + b * x**2 + c * x**3 + d * x**4) * 1e3, 1e-6, None)


def time_efficiency(t_us: np.ndarray, t0_us: float, slope_per_us: float) -> np.ndarray:
    """CsI 2021 timing efficiency eps_T(t) = 1 for t < t0, exp(-slope (t - t0)) above (PRL 129 081801); t in us."""
    t = np.asarray(t_us, dtype=float)
    return np.where(t < t0_us, 1.0, np.exp(-slope_per_us * (t - t0_us)))


def pe_response(e_ee_keV: np.ndarray, pe_edges: np.ndarray, a_coeff: float, b_coeff: float,
                eff_coeffs: list[float]) -> np.ndarray:
    """CsI 2021: probability x efficiency that a deposit E_ee [keVee] is reconstructed in each PE bin, [n_pe, n_E].

    PE ~ Gamma(shape 1 + b, rate a (1 + b)) with a = a_coeff/E_ee, b = b_coeff E_ee (mean E_ee/a_coeff); the
    efficiency is integrated over each bin on a PE_STEP sub-grid (it changes by 0.07 per PE near threshold).
    """
    e = np.asarray(e_ee_keV, dtype=float)
    a = a_coeff / e
    b = b_coeff * e
    shape, rate = 1.0 + b, a * (1.0 + b)
    sub = np.arange(pe_edges[0], pe_edges[-1] + PE_STEP / 2, PE_STEP)
    cdf = gammainc(shape[None, :], rate[None, :] * sub[:, None])  # [n_sub_edges, n_E]
    prob = np.diff(cdf, axis=0) * energy_efficiency(0.5 * (sub[1:] + sub[:-1]), *eff_coeffs)[:, None]
    which = np.searchsorted(pe_edges, 0.5 * (sub[1:] + sub[:-1]), side="right") - 1
    out = np.zeros((len(pe_edges) - 1, len(e)))
    np.add.at(out, which, prob)
    return out


def ratio_to_sm(model: Any, sm: np.ndarray) -> Any:
    """model/SM per energy bin; 1 where the SM rate vanishes (no signal there, e.g. above the prompt end point)."""
    has = sm > 0
    return model / np.where(has, sm, 1.0) * has + (1.0 - has)
