"""Z' partial widths and branching fractions (paper 002 eq. 1.7; hadrons below 2 GeV from e+e- data).

For a vector coupling g' Q_f to fermion f (paper 002 eq. 1.6)::

    Gamma(Z' -> f fbar) = N_f Q_f^2 g'^2 / (12 pi M) * (M^2 + 2 m_f^2) * sqrt(1 - 4 m_f^2 / M^2)

with N_q = 3 (colour), N_l = 1 and N_nu = 1/2 per neutrino flavour (only the left-handed neutrino couples;
right-handed neutrinos are taken heavy and decoupled, paper 002 footnote 1).

Light hadrons: the ``"hadrons"`` channel
----------------------------------------
Free u, d, s quarks are not the final states near the hadronic thresholds and resonances. The light-quark part of
the width is one channel, ``"hadrons"``, which replaces the partonic ``u``, ``d``, ``s`` entries:

* below 1.8 GeV it is the vector-meson-dominance width of :mod:`globalfit.physics.hadronic` (Darkcast's R_mu^F
  curves from e+e- -> hadrons data, each rho/omega/phi component rescaled by the squared ratio of the Z' coupling
  to that meson to the photon's; arXiv:1801.04847 sec. 2.3);
* above 2 GeV it is the sum of the partonic u, d, s widths of eq. (1.7) (N_c = 3, no QCD correction);
* between 1.8 and 2.0 GeV the two are blended with the C^1 weight w = 3t^2 - 2t^3, t = (M - 1.8 GeV)/0.2 GeV, so
  the width, every branching fraction and every likelihood built on them are continuous (and once differentiable)
  in M. The mismatch being blended away, VMD/partonic at 2.0 GeV: +9 % for a dark photon (R = 2.18 against the
  partonic 2); below 1e-5 relative for any isoscalar charge x_u = x_d = x_s (B - L, the B - 3L cases): above 1.8 GeV
  Darkcast's omega- and phi-like 'other' curves equal the partonic isoscalar width (R_omega + R_phi = 1/2 of the
  dark photon's 2); for charges with an isovector part (x_u != x_d) the rho-like part carries the dark photon's
  +9 %.

``br["quarks"]`` keeps its meaning "all hadronic": hadrons + c + b + t. The heavy quarks open partonically at 2 m_q
(with the MS-bar masses of :data:`~globalfit.physics.constants.QUARK_MASSES`), as before.

Every function works on numpy floats/arrays and on PyTensor tensors (the VMD table is summed per charge assignment
in numpy, cached, and interpolated linearly in M; below-threshold velocity factors have finite gradients).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from globalfit.physics.charges import ChargeAssignment
from globalfit.physics.constants import LEPTON_MASSES, QUARK_MASSES
from globalfit.physics.hadronic import r_vmd
from globalfit.tensor import math_of, sqrt_positive

LIGHT_QUARKS = ("u", "d", "s")
HEAVY_QUARKS = ("c", "b", "t")
QUARKS = LIGHT_QUARKS + HEAVY_QUARKS
CHARGED_LEPTONS = ("e", "mu", "tau")
NEUTRINOS = ("nu_e", "nu_mu", "nu_tau")
#: Channels of :func:`partial_widths`: ``hadrons`` is the light-quark (u, d, s) part, see the module docstring.
CHANNELS = ("hadrons",) + HEAVY_QUARKS + CHARGED_LEPTONS + NEUTRINOS

#: Mass interval [GeV] over which the VMD hadronic width is blended into the partonic u, d, s widths.
BLEND_GEV = (1.8, 2.0)


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
    Width [GeV]; exactly zero below threshold 2 m_f (with a zero, not NaN, gradient there).
    """
    r = 4.0 * m_f**2 / mass**2
    # sqrt_positive, not sqrt(maximum(1 - r, 0)): below threshold the latter has a NaN gradient (0 * inf)
    beta = sqrt_positive(1.0 - r)
    return n_f * coupling**2 / (12.0 * np.pi * mass) * (mass**2 + 2.0 * m_f**2) * beta


def blend_weight(mass: Any) -> Any:
    """Weight of the partonic light-quark width: 0 below, 1 above :data:`BLEND_GEV`, 3t^2 - 2t^3 in between."""
    m = math_of(mass)
    lo, hi = BLEND_GEV
    t = m.clip((mass - lo) / (hi - lo), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def light_hadron_width(x_uds: tuple[float, float, float], gprime: Any, mass: Any) -> Any:
    """Width [GeV] to light hadrons (the u, d, s part) of a vector with quark couplings g' (x_u, x_d, x_s).

    VMD (:func:`globalfit.physics.hadronic.r_vmd`) below 1.8 GeV, partonic u + d + s above 2 GeV, blended in between
    (module docstring). ``x_uds`` are plain floats; ``gprime`` and ``mass`` may be tensors.
    """
    w = blend_weight(mass)
    vmd = gprime**2 * mass / (12.0 * np.pi) * r_vmd(x_uds, mass)
    parton = sum(fermion_width(mass, gprime * x, QUARK_MASSES[q], 3.0) for q, x in zip(LIGHT_QUARKS, x_uds))
    return (1.0 - w) * vmd + w * parton


def vector_partial_widths(couplings: Mapping[str, float], gprime: Any, mass: Any) -> dict[str, Any]:
    """Partial widths [GeV] of a vector with couplings g' x_f, for every channel in :data:`CHANNELS`.

    Parameters
    ----------
    couplings
        x_f per fermion: quarks ``u d s c b t``, charged leptons ``e mu tau``, neutrinos ``nu_e nu_mu nu_tau``
        (missing ones are 0). A dark photon has x_f = e Q_f and no neutrino coupling.
    gprime
        Global coupling g' (float or tensor).
    mass
        Mass [GeV] (float, array or tensor).
    """
    x = {f: float(couplings.get(f, 0.0)) for f in QUARKS + CHARGED_LEPTONS + NEUTRINOS}
    out: dict[str, Any] = {"hadrons": light_hadron_width(tuple(x[q] for q in LIGHT_QUARKS), gprime, mass)}
    for f in HEAVY_QUARKS:
        out[f] = fermion_width(mass, gprime * x[f], QUARK_MASSES[f], 3.0)
    for f in CHARGED_LEPTONS:
        out[f] = fermion_width(mass, gprime * x[f], LEPTON_MASSES[f], 1.0)
    for f in NEUTRINOS:
        out[f] = fermion_width(mass, gprime * x[f], 0.0, 0.5)
    return out


def partial_widths(charges: ChargeAssignment, gprime: Any, mass: Any) -> dict[str, Any]:
    """Partial widths [GeV] for every channel in :data:`CHANNELS` (``hadrons`` = the light-quark part).

    Parameters
    ----------
    charges
        U(1)' charges.
    gprime
        Gauge coupling g'.
    mass
        Z' mass [GeV].
    """
    couplings = {f: float(charges.fermion(f)) for f in QUARKS + CHARGED_LEPTONS + NEUTRINOS}
    return vector_partial_widths(couplings, gprime, mass)


def total_width(charges: ChargeAssignment, gprime: Any, mass: Any) -> Any:
    """Total width [GeV]: the sum of :func:`partial_widths` over SM final states."""
    return sum(partial_widths(charges, gprime, mass).values())


def fractions_of(pw: Mapping[str, Any], mass: Any) -> dict[str, Any]:
    """Branching fractions from partial widths, with grouped entries ``"quarks"`` (all hadronic: hadrons + c + b + t)
    and ``"neutrinos"`` besides each channel."""
    tot = sum(pw.values())
    m = math_of(mass, tot)
    br = {k: v / m.maximum(tot, 1e-300) for k, v in pw.items()}
    br["quarks"] = br["hadrons"] + sum(br[q] for q in HEAVY_QUARKS)
    br["neutrinos"] = sum(br[n] for n in NEUTRINOS)
    return br


def branching_fractions(charges: ChargeAssignment, mass: Any) -> dict[str, Any]:
    """Branching fractions, with grouped entries ``"quarks"`` (all hadronic) and ``"neutrinos"`` besides each channel.

    They do not depend on g' (it cancels), so it is set to 1.
    """
    return fractions_of(partial_widths(charges, 1.0, mass), mass)
