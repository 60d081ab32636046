"""Pion-decay-at-rest neutrino spectra of the SNS (paper 002 eq. 3.1), normalised to one neutrino per flavour.

pi+ -> mu+ nu_mu gives a prompt nu_mu line at E = (m_pi^2 - m_mu^2)/(2 m_pi) = 29.79 MeV; mu+ -> e+ nu_e nubar_mu
gives delayed Michel spectra up to m_mu/2 = 52.8 MeV:

    phi_nue(E)     = (192/m_mu) (E/m_mu)^2 (1/2 - E/m_mu)
    phi_numubar(E) = ( 64/m_mu) (E/m_mu)^2 (3/4 - E/m_mu)

The total fluence per flavour at distance L is r N_POT / (4 pi L^2) (paper 002 below eq. 3.1).
"""

from __future__ import annotations

import numpy as np

from globalfit.physics.constants import M_MU, M_PI_CHARGED

#: Energy of the prompt nu_mu line [GeV].
E_PROMPT = (M_PI_CHARGED**2 - M_MU**2) / (2 * M_PI_CHARGED)
#: Michel end point [GeV].
E_MAX_DELAYED = M_MU / 2

#: The three components: name -> (neutrino flavour seen by the weak charge, timing class).
COMPONENTS = {"nu_mu": ("mu", "prompt"), "nu_e": ("e", "delayed"), "nubar_mu": ("mu", "delayed")}


def delayed_spectrum(component: str, energy: np.ndarray, end_point: float = E_MAX_DELAYED) -> np.ndarray:
    """dN/dE [1/GeV] of ``"nu_e"`` or ``"nubar_mu"``, unit normalised, zero above ``end_point``.

    ``end_point`` other than m_mu/2 rescales the spectrum shape (x = E/(2 end_point)) keeping unit normalisation; it
    exists to study the sensitivity to the end point.
    """
    m = 2.0 * end_point
    x = np.asarray(energy, dtype=float) / m
    if component == "nu_e":
        f = 192.0 / m * x**2 * (0.5 - x)
    elif component == "nubar_mu":
        f = 64.0 / m * x**2 * (0.75 - x)
    else:
        raise ValueError(f"unknown delayed component {component!r}")
    return np.where((x >= 0) & (x <= 0.5), f, 0.0)


def fluence_per_flavour(pot: float, nu_per_pot: float, distance_m: float) -> float:
    """Neutrinos per cm^2 per flavour at the detector: r N_POT / (4 pi L^2)."""
    return nu_per_pot * pot / (4 * np.pi * (distance_m * 100.0) ** 2)


# -- timing ----------------------------------------------------------------------------------------------------
#: Muon lifetime [us] (PDG).
MUON_LIFETIME_US = 2.1969811
#: Charged-pion lifetime [us] (PDG).
PION_LIFETIME_US = 0.026033


def sns_time_profiles(edges_us: np.ndarray, mean_ns: float, width_ns: float) -> tuple[np.ndarray, np.ndarray]:
    """Fractions of prompt (pi -> mu nu_mu) and delayed (mu -> e nu nu) neutrinos per time bin.

    A Gaussian proton-on-target trace (``mean_ns``, ``width_ns`` [ns]) convolved with the pion lifetime, and in
    addition with the muon lifetime for the delayed flux, integrated over the bins ``edges_us`` [us] and normalised
    to unit total over t in [-2, 20] us.
    """
    from scipy.signal import fftconvolve  # O(n log n): the direct convolution of 22001 points took ~1 s

    t = np.linspace(-2.0, 20.0, 22001)
    dt = t[1] - t[0]
    pot = np.exp(-0.5 * ((t - mean_ns / 1e3) / (width_ns / 1e3)) ** 2)
    tt = t - t[0]

    def conv(f: np.ndarray, tau: float) -> np.ndarray:
        kern = np.exp(-tt / tau) / tau
        return fftconvolve(f, kern)[: len(t)] * dt

    prompt = conv(pot, PION_LIFETIME_US)
    delayed = conv(prompt, MUON_LIFETIME_US)
    out = []
    for prof in (prompt, delayed):
        cdf = np.concatenate([[0.0], np.cumsum(prof) * dt])
        cdf /= cdf[-1]
        out.append(np.diff(np.interp(edges_us, np.append(t, t[-1] + dt), cdf)))
    return out[0], out[1]
