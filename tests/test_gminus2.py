"""One-loop Z' contribution to (g-2) of a charged lepton (globalfit.physics.gminus2)."""

from __future__ import annotations

import numpy as np
import pytest

from globalfit.physics import gminus2
from globalfit.physics.constants import ALPHA_EM, M_MU


def closed_form_integral(r: float) -> float:
    """I(r) for 0 < r < 4 by hand (partial fractions of z(1-z)^2 / (z^2 - (2-r) z + 1)):

    I = 1/2 - r - (2-r)/2 r ln r + r (1 - (2-r)^2/2) J,
    J = int_0^1 dz/D = [atan((r/2)/sqrt(d)) + atan(((2-r)/2)/sqrt(d))] / sqrt(d),  d = r (4 - r)/4.
    (Well conditioned for r <~ 1; for r >> 1 it cancels to O(1/r), which is why the module tabulates.)
    """
    d = r * (4.0 - r) / 4.0
    j = (np.arctan((r / 2) / np.sqrt(d)) + np.arctan(((2 - r) / 2) / np.sqrt(d))) / np.sqrt(d)
    return 0.5 - r - (2 - r) / 2 * r * np.log(r) + r * (1 - (2 - r) ** 2 / 2) * j


def test_integral_at_r_equal_one_by_hand():
    """I(1) = pi/(3 sqrt 3) - 1/2 = 0.1045998 (closed form above with d = 3/4). Tolerance 1e-7 (table)."""
    exact = np.pi / (3 * np.sqrt(3)) - 0.5
    assert gminus2.loop_integral_direct(1.0) == pytest.approx(exact, rel=1e-12)
    assert gminus2.loop_integral(0.0) == pytest.approx(exact, rel=1e-7)


@pytest.mark.parametrize("r", [1e-8, 1e-4, 0.008957, 0.3, 2.0, 3.9])
def test_integral_against_closed_form(r):
    """Table interpolation vs the hand closed form for 0 < r < 4, tolerance 2e-6 (monotone cubics on 0.05 in ln r)."""
    assert gminus2.loop_integral(np.log(r)) == pytest.approx(closed_form_integral(r), rel=2e-6)


def test_schwinger_and_heavy_limits():
    """M << m: Delta a = g^2/(8 pi^2), i.e. alpha/(2 pi) for g = e (Schwinger); M >> m: g^2 m^2 / (12 pi^2 M^2)
    (Jegerlehner & Nyffeler, Phys. Rept. 477 (2009) 1). Tolerances 1e-5 (O(sqrt r) at M = 1e-7 GeV) and 1e-8."""
    e = np.sqrt(4 * np.pi * ALPHA_EM)
    assert gminus2.delta_a(e, 1e-7) == pytest.approx(ALPHA_EM / (2 * np.pi), rel=1e-5)
    g, m = 0.3, 1.0e3
    assert gminus2.delta_a(g, m) == pytest.approx(g**2 * M_MU**2 / (12 * np.pi**2 * m**2), rel=1e-8)
    # beyond both ends of the table: asymptotic forms, continuous with the table
    assert gminus2.delta_a(g, 1e9) == pytest.approx(g**2 * M_MU**2 / (12 * np.pi**2 * 1e18), rel=1e-9)
    assert gminus2.delta_a(g, 1e-14) == pytest.approx(g**2 / (8 * np.pi**2), rel=1e-9)


def test_lmu_ltau_preferred_coupling_at_10_MeV_by_hand():
    """L_mu - L_tau (Q_mu = 1): the g' giving Delta a_mu = 29e-10 (paper 002 Fig. 2's band centre) at M = 10 MeV.
    By hand: r = (0.01/0.1056584)^2 = 8.9577e-3, I(r) from the closed form = 0.3864, g' = sqrt(4 pi^2 Delta a / I)
    = 5.41e-4. Tolerance 1e-6."""
    r = (0.01 / M_MU) ** 2
    g_hand = np.sqrt(4 * np.pi**2 * 29e-10 / closed_form_integral(r))
    assert g_hand == pytest.approx(5.41e-4, rel=2e-3)
    assert gminus2.coupling_for(29e-10, 0.01) == pytest.approx(g_hand, rel=1e-6)


def test_finite_gradient_and_continuity_in_mass():
    """d(Delta a)/dM is finite from 1 keV to 100 TeV on the PyTensor graph, and Delta a is continuous and non-increasing
    across the table ends (a fine scan: the local slope d ln(Delta a)/d ln M stays within [-2, 0])."""
    import pytensor
    import pytensor.tensor as pt

    m = pt.dscalar("m")
    da = gminus2.delta_a(1e-3, m)
    f = pytensor.function([m], [da, pytensor.grad(da, m)])
    masses = np.geomspace(1e-12, 1e12, 1201)
    vals = np.array([f(x) for x in masses])
    assert np.all(np.isfinite(vals))
    assert np.all(np.diff(vals[:, 0]) <= 1e-9 * vals[1:, 0])  # non-increasing up to round-off
    # no step: d ln(Delta a) / d ln M lies between -2 (heavy) and 0 (light) everywhere, ends of the table included
    dln_m = np.log(masses[1] / masses[0])
    assert np.max(np.abs(np.diff(np.log(vals[:, 0])))) <= 2.0 * dln_m * (1 + 1e-6)


def test_against_darkcast_amm_curve(shared_reference):
    """Darkcast v1.2 ``AMMmu_Bodas2021fsy_2l.lmt``: the dark-photon epsilon whose one-loop contribution equals
    Delta a_mu = 1.27e-9 (../shared/reference/priors/darkcast_models/amm_inputs.csv), coupling e*epsilon with
    Darkcast's alpha = 1/137.03599904. Tolerance 0.5 % (the file has 5 significant digits; Darkcast's own
    integration)."""
    path = shared_reference / "priors" / "darkcast_v1.2" / "limits" / "AMMmu_Bodas2021fsy_2l.lmt"
    data = np.loadtxt(path)
    e = np.sqrt(4 * np.pi / 137.03599904)
    for mass, eps in data[::10]:
        assert gminus2.coupling_for(1.27e-9, mass) / e == pytest.approx(eps, rel=5e-3), mass


@pytest.mark.parametrize("r", [1e-3, 0.1, 0.9])
def test_closed_form_against_quadrature(r):
    """The hand closed form (used by the module below r = 1) against direct adaptive quadrature of the integrand,
    where both are well conditioned. Tolerance 1e-10."""
    from scipy.integrate import quad

    val, _ = quad(lambda z: z * (1 - z) ** 2 / ((1 - z) ** 2 + r * z), 0, 1, epsabs=0, epsrel=1e-13, limit=200)
    assert closed_form_integral(r) == pytest.approx(val, rel=1e-10)
    assert gminus2.loop_integral_direct(r) == pytest.approx(val, rel=1e-10)
