"""Z' partial widths and branching fractions (paper 002 eq. 1.7).

For a vector coupling g' Q_f to fermion f (paper 002 eq. 1.6)::

    Gamma(Z' -> f fbar) = N_f Q_f^2 g'^2 / (12 pi M) * (M^2 + 2 m_f^2) * sqrt(1 - 4 m_f^2 / M^2)

with N_q = 3 (colour), N_l = 1 and N_nu = 1/2 per neutrino flavour (only the left-handed neutrino couples;
right-handed neutrinos are taken heavy and decoupled, paper 002 footnote 1).

Hadronic decays below 2 GeV
---------------------------
Perturbative quark final states are not physical near the hadronic thresholds. We keep the partonic
formula but open the light-quark channels only where a hadronic final state exists for a vector coupled to
baryon number (an isoscalar, omega/phi-like current): u and d above the three-pion threshold 3 m_pi
(omega -> pi+ pi- pi0), s above the kaon-pair threshold 2 m_K. Below 3 m_pi the hadronic width is set to
zero (Z' -> pi0 gamma is neglected; it is O(alpha) suppressed). c, b and t open at 2 m_q with the quark
masses of :data:`~globalfit.physics.constants.QUARK_MASSES` through the velocity factor of eq. (1.7). This is an approximation: resonance shapes (omega, phi) are not modelled, so
branching fractions between 0.4 and 2 GeV are uncertain at the tens-of-per-cent level; above 2 GeV the
partonic result is used unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from globalfit.physics.charges import ChargeAssignment
from globalfit.physics.constants import LEPTON_MASSES, M_PI_CHARGED, M_PI0, QUARK_MASSES
from globalfit.tensor import math_of, sqrt_positive, step_above

M_K_CHARGED = 0.493677  # PDG [GeV]

#: Hadronic thresholds [GeV] below which a quark channel is closed (see module docstring).
HADRONIC_THRESHOLDS = {
    "u": 2 * M_PI_CHARGED + M_PI0,
    "d": 2 * M_PI_CHARGED + M_PI0,
    "s": 2 * M_K_CHARGED,
}

QUARKS = ("u", "d", "s", "c", "b", "t")
CHARGED_LEPTONS = ("e", "mu", "tau")
NEUTRINOS = ("nu_e", "nu_mu", "nu_tau")
CHANNELS = QUARKS + CHARGED_LEPTONS + NEUTRINOS


def fermion_width(mass: Any, coupling: Any, m_f: float, n_f: float) -> Any:
    """Partial width of a vector boson to a fermion pair, paper 002 eq. (1.7).

    Parameters
    ----------
    mass
        Z' mass M [GeV] (float, array or tensor).
    coupling
        Vector coupling g' Q_f (dimensionless).
    m_f
        Fermion mass [GeV].
    n_f
        Multiplicity: 3 for quarks, 1 for charged leptons, 1/2 for a (left-handed) neutrino.

    Returns
    -------
    Width [GeV]; zero below threshold 2 m_f.
    """
    r = 4.0 * m_f**2 / mass**2
    # sqrt_positive, not sqrt(maximum(1 - r, 0)): below threshold the latter has a NaN gradient (0 * inf)
    beta = sqrt_positive(1.0 - r)
    return n_f * coupling**2 / (12.0 * np.pi * mass) * (mass**2 + 2.0 * m_f**2) * beta


def partial_widths(charges: ChargeAssignment, gprime: Any, mass: Any) -> dict[str, Any]:
    """Partial widths [GeV] for every channel in :data:`CHANNELS`.

    Parameters
    ----------
    charges
        U(1)' charges.
    gprime
        Gauge coupling g'.
    mass
        Z' mass [GeV].
    """
    out: dict[str, Any] = {}
    for f in QUARKS:
        w = fermion_width(mass, gprime * float(charges.q), QUARK_MASSES[f], 3.0)
        if f in HADRONIC_THRESHOLDS:
            # a 0/1 factor of the mass alone: works when the mass is a fixed float and g' a tensor (a where on the
            # Python bool ``mass > threshold`` does not), and w is finite on both sides, so the gradient is too
            w = w * step_above(mass, HADRONIC_THRESHOLDS[f])
        out[f] = w
    for f in CHARGED_LEPTONS:
        out[f] = fermion_width(mass, gprime * float(charges.lepton(f)), LEPTON_MASSES[f], 1.0)
    for f in NEUTRINOS:
        out[f] = fermion_width(mass, gprime * float(charges.lepton(f[3:])), 0.0, 0.5)
    return out


def total_width(charges: ChargeAssignment, gprime: Any, mass: Any) -> Any:
    """Total width [GeV]: the sum of :func:`partial_widths` over SM fermion final states."""
    return sum(partial_widths(charges, gprime, mass).values())


def branching_fractions(charges: ChargeAssignment, mass: Any) -> dict[str, Any]:
    """Branching fractions, with grouped entries ``"quarks"``, ``"neutrinos"`` besides each channel.

    They do not depend on g' (it cancels), so it is set to 1.
    """
    pw = partial_widths(charges, 1.0, mass)
    tot = sum(pw.values())
    m = math_of(mass)
    safe = m.maximum(tot, 1e-300) if m is not np else np.maximum(tot, 1e-300)
    br = {k: v / safe for k, v in pw.items()}
    br["quarks"] = sum(br[q] for q in QUARKS)
    br["neutrinos"] = sum(br[n] for n in NEUTRINOS)
    return br
