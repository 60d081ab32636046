"""LHC machinery validated on the Standard Model first: the PDF reader and LO Drell-Yan at 13 TeV."""

from __future__ import annotations

import numpy as np
import pytest

from globalfit.physics.lhc.drell_yan import partonic, sigma_drell_yan
from globalfit.physics.lhc.pdf import GridPDF


@pytest.fixture(scope="module")
def nnpdf23(request):
    from conftest import SHARED

    path = SHARED / "reference" / "pdf" / "NNPDF23_lo_as_0130_qed" / "NNPDF23_lo_as_0130_qed_0000.dat"
    if not path.is_file():
        pytest.skip(f"PDF grid not found at {path} (needs ../shared; the project ships computed tables, not grids)")
    return GridPDF(path)


def test_momentum_and_valence_sum_rules(nnpdf23):
    """Momentum sum sum_i int x f_i dx = 1 and valence numbers u_v = 2, d_v = 1 at Q = 91 GeV (NNPDF2.3 LO; the
    reference SOURCES.md finds 1.005, 2.005, 1.001 with a trapezoid rule). Tolerance 2 %."""
    x = np.geomspace(1e-7, 1.0, 20001)
    q = np.full_like(x, 91.0)
    mom = sum(np.trapezoid(nnpdf23.xfx(pid, x, q), x) for pid in (-5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 21, 22))
    uv = np.trapezoid(nnpdf23.f(2, x, q) - nnpdf23.f(-2, x, q), x)
    dv = np.trapezoid(nnpdf23.f(1, x, q) - nnpdf23.f(-1, x, q), x)
    assert mom == pytest.approx(1.0, rel=0.02)
    assert uv == pytest.approx(2.0, rel=0.02) and dv == pytest.approx(1.0, rel=0.02)


def test_partonic_peak_hand_calculation():
    """At s = M_Z^2 the Z term dominates: sigma = 4 pi alpha^2/(9 M_Z^2) (A_l^2 + V_l^2)(A_q^2 + V_q^2) kappa^2 M_Z^2/Gamma_Z^2
    (+ photon term); the photon-only cross section far below the Z is 4 pi alpha^2 Q_q^2/(9 s) (hand formula), 1e-3."""
    s = 10.0**2
    photon_only = 4 * np.pi * (1 / 132.507) ** 2 * (2 / 3) ** 2 / (9 * s)
    assert partonic(np.array(s), 2) == pytest.approx(photon_only, rel=0.05)  # Z contamination at 10 GeV is a few %
    assert partonic(np.array(91.188**2), 2) > 100 * partonic(np.array(s), 2) * s / 91.188**2


def test_drell_yan_13TeV(nnpdf23):
    """LO sigma(pp -> gamma*/Z -> l l, 66 < M < 116 GeV, mu_F = M) at 13 TeV with NNPDF2.3 LO: an independent LO
    parton-level calculation gives 1.42 nb (issue 5); ours is 1.483 nb (+4.4 %; electroweak inputs of MG5's default SM,
    Z width 2.4414 GeV). Tolerance 5 %. ATLAS measures 1.98 nb (the number quoted in issue 5), i.e. K = sigma_meas/sigma_LO = 1.34,
    the size expected for the NNLO QCD correction to Drell-Yan at the LHC (checked to lie in 1.2-1.5)."""
    sigma_pb = sigma_drell_yan(nnpdf23, 13000.0, 66.0, 116.0)
    assert sigma_pb / 1000 == pytest.approx(1.42, rel=0.05)
    k = 1.98 / (sigma_pb / 1000)
    assert 1.2 < k < 1.5
