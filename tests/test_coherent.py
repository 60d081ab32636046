"""COHERENT CsI 2017: SM prediction against COHERENT and an independent reduction, ingredient by ingredient; the fitted
signal; NSI degeneracies; the light-Z' propagator against direct integration; gradients; data-file errors."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from scipy.optimize import minimize

from globalfit.catalogue import Catalogue
from globalfit.components import component_class
from globalfit.errors import DataError
from globalfit.physics import cevns
from globalfit.physics.charges import parse_charges
from globalfit.physics.constants import ISOTOPES, N_AVOGADRO
from globalfit.physics.sns_flux import delayed_spectrum, fluence_per_flavour
from globalfit.physics.theory import TheorySpec

EFT = TheorySpec("eft", eft_parameters=("eps_u_ee", "eps_d_ee", "eps_u_mumu", "eps_d_mumu"))
SM = EFT.point({k: 0.0 for k in EFT.eft_parameters})


def csi(theory=EFT, **options):
    e = Catalogue().get("coherent_csi_2017")
    return component_class(e.kind)(e, theory, options)


def sm_total(**options) -> float:
    return float(np.sum(csi(**options).predicted_signal(SM)))


def test_flux_normalisation():
    """Paper 002 eq. 3.1 Michel spectra integrate to one neutrino each (hand: 192 (1/48 - 1/64) = 1, 64 (1/32 - 1/64) = 1)."""
    e = np.linspace(0, 0.06, 200001)
    for comp in ("nu_e", "nubar_mu"):
        assert np.trapezoid(delayed_spectrum(comp, e), e) == pytest.approx(1.0, rel=1e-5)
    # fluence: 0.08 * 1.76e23 / (4 pi (1930 cm)^2) = 3.008e14 per cm^2 per flavour
    assert fluence_per_flavour(1.76e23, 0.08, 19.3) == pytest.approx(3.008e14, rel=1e-3)


def test_sm_prediction_vs_coherent():
    """COHERENT 2017 (Science 357, 1123): SM prediction 173 +- 48 events. Ours (Klein-Nystrand, tree-level couplings,
    1.17 PE/keVnr, 6-30 PE, t < 12 us): 162.6, 6 % low, well inside the 28 % uncertainty. Tolerance: 10 %."""
    assert sm_total() == pytest.approx(173.0, rel=0.10)


def test_sm_decomposition_against_reduced():
    """REDUCED.md (independent code, pyCEvNS): 175.4 events for 6-30 PE, t < 12 us, with a Helm form factor, no
    radiative corrections, 1.172 PE/keVnr and an equivalent exposure (4466 kg day at 1.13e7 nu/cm^2/s: 0.5 % below ours).
    Effects of each ingredient on our 162.6 (stated, each checked within the given band):
    - form factor Klein-Nystrand -> Helm (Lewin-Smith radius 5.87 fm for A = 133): +6.9 % (band 4-10 %);
    - radiative corrections to g_p, g_n (Erler-Su): +4.9 % (band 3-7 %);
    - light yield 1.17 -> 1.172 PE/keVnr: +0.2 % (a lower recoil threshold; band 0 to 1 %);
    - flux end point m_mu/2 -> 0.95 m_mu/2 (a 5 % softer Michel spectrum): -10.8 % (band -13 to -8 %);
    - time window 12 -> 6 us: -7.1 % (the delayed fraction below 6 us is 0.915; band -9 to -5 %);
    - photoelectron smearing: not modelled by either calculation (0 by construction).
    With REDUCED.md's ingredients (Helm, 1.172 PE/keVnr, no radiative corrections) we get 174.1: within 5 % of 175.4.
    pyCEvNS's "HelmFormFactor(4.7 fm)" is not a Helm radius r_n = 4.7 fm in our parametrisation (that would give 214)."""
    base = sm_total()
    effects = {
        "helm": (sm_total(form_factor="helm") / base - 1, 0.04, 0.10),
        "radiative": (sm_total(radiative_corrections=True) / base - 1, 0.03, 0.07),
        "light_yield": (sm_total(light_yield_pe_per_keVnr=1.172) / base - 1, 0.0, 0.01),
        "end_point": (sm_total(end_point_GeV=0.95 * 0.1056583755 / 2) / base - 1, -0.13, -0.08),
        "time_window": (sm_total(time_window_us=6.0) / base - 1, -0.09, -0.05),
    }
    for name, (eff, lo, hi) in effects.items():
        assert lo <= eff <= hi, f"{name}: {eff:+.3f} outside [{lo}, {hi}]"
    same = sm_total(form_factor="helm", light_yield_pe_per_keVnr=1.172)
    assert same == pytest.approx(175.4, rel=0.05)


def fitted_signal(comp) -> float:
    sig = float(np.sum(comp.predicted_signal(SM)))

    def chi2(v):
        return -2 * comp.log_likelihood(SM, {"gamma": v[0], "beta": v[1]}) + (v[0] / 0.28) ** 2 + (v[1] / 0.25) ** 2

    g = minimize(chi2, [0.0, 0.0]).x[0]
    return sig * (1 + g)


def test_best_fit_signal():
    """COHERENT 2017 maximum-likelihood fit: 134 +- 22 CEvNS events (2D energy-time fit). The eq. 3.9 chi^2 with gamma
    and beta free gives 140 in the early window t < 6 us (within 10 %) and 152 with all of t < 12 us (within 15 %): the
    collaboration's time-dependent fit weights the early window where the neutrino signal is."""
    assert fitted_signal(csi(time_window_us=6.0)) == pytest.approx(134.0, rel=0.10)
    assert fitted_signal(csi()) == pytest.approx(134.0, rel=0.15)


def nsi_scan(flavour: str, grid: np.ndarray) -> np.ndarray:
    comp = csi()
    out = []
    for eps in grid:
        vals = {k: 0.0 for k in EFT.eft_parameters}
        vals[f"eps_u_{flavour}"] = vals[f"eps_d_{flavour}"] = eps
        p = EFT.point(vals)
        f = lambda v, p=p: -2 * comp.log_likelihood(p, {"gamma": v[0], "beta": v[1]}) + (v[0] / .28) ** 2 + (v[1] / .25) ** 2  # noqa: E731
        out.append(minimize(f, [0.0, 0.0]).fun)
    out = np.array(out)
    return out - out.min()


def test_nsi_degenerate_intervals():
    """Paper 001 and its ref. [22]: with eps^u = eps^d the CEvNS rate is degenerate between the SM-like solution and one
    where the NSI flips the sign of the weak charge, giving two separate allowed intervals. Along eps_mumu (eps_ee = 0)
    CsI 2017 alone shows them (Delta chi^2 < 4 in two disjoint pieces). Along eps_ee the nu_e flux is only a third of
    the total and the two pieces merge for CsI alone; separating them needs the LAr data (not yet in the catalogue)."""
    grid = np.linspace(-0.3, 0.6, 91)
    allowed = nsi_scan("mumu", grid) < 4.0
    pieces = np.sum(np.diff(allowed.astype(int)) == 1) + int(allowed[0])
    assert pieces == 2
    assert allowed[np.argmin(np.abs(grid))]  # the SM is allowed


def test_case_C_gives_no_constraint():
    """Paper 002 sec. 3: no tau neutrinos at the SNS, so B-3Ltau (case C) is not constrained by COHERENT."""
    comp = csi(TheorySpec("u1", parse_charges("C")))
    assert not comp.is_sensitive()[0]


@pytest.mark.parametrize("mass", [0.005, 1.0])
def test_light_zprime_against_direct_integration(mass):
    """B-3Lmu at M = 5 MeV and 1 GeV (g' chosen for an O(10 %) effect): the kernel prediction with eps(q^2) of paper 002
    eq. 3.5 equals a direct adaptive integration (scipy quad over E_r and E_nu with eps evaluated in the integrand)
    within 0.5 %, bin by bin."""
    spec = TheorySpec("u1", parse_charges("A"))
    g = {0.005: 2e-5, 1.0: 2e-3}[mass]
    point = spec.point({"gprime": g, "mass_GeV": mass})
    comp = csi(spec)
    fast = comp.predicted_signal(point)
    assert abs(fast.sum() / csi().predicted_signal(SM).sum() - 1) > 0.02  # the Z' matters at this point
    e = Catalogue().get("coherent_csi_2017")
    mass_kg, ly = e.spec["detector_mass_kg"], e.spec["light_yield_pe_per_keVnr"]
    n = mass_kg * 1e3 / (ISOTOPES["Cs133"].molar_mass_g + ISOTOPES["I127"].molar_mass_g) * N_AVOGADRO
    fine = np.arange(6.0, 31.0)
    direct_fine = cevns.direct_counts(
        [(ISOTOPES["Cs133"], n), (ISOTOPES["I127"], n)],
        fluence_per_flavour(e.spec["pot"], e.spec["nu_per_pot"], e.spec["distance_m"]),
        fine / ly, comp.fine_acceptance, {"nu_mu": 1.0, "nu_e": 1.0, "nubar_mu": 1.0}, point.eps)
    direct = direct_fine.reshape(-1, 2).sum(axis=1)
    assert np.allclose(fast, direct, rtol=5e-3)


def test_gradient_against_finite_differences():
    """PyTensor gradient of the CsI log-likelihood in (log10 g', log10 M, gamma, beta) vs central differences (1e-4)."""
    import pytensor
    import pytensor.tensor as pt

    spec = TheorySpec("u1", parse_charges("A"))
    comp = csi(spec)
    x = pt.dvector("x")
    ll = comp.log_likelihood(spec.point({"gprime": 10 ** x[0], "mass_GeV": 10 ** x[1]}), {"gamma": x[2], "beta": x[3]})
    f = pytensor.function([x], ll)
    g = pytensor.function([x], pytensor.grad(ll, x))
    x0 = np.array([-4.3, -1.5, 0.05, -0.1])
    num = np.array([(f(x0 + h) - f(x0 - h)) / 2e-6 for h in np.eye(4) * 1e-6])
    assert np.allclose(g(x0), num, rtol=1e-4, atol=1e-6)


def test_corrupted_data_file(tmp_path, monkeypatch):
    """A corrupted data file gives a DataError naming the file and the expected checksum."""
    src = Catalogue().get("coherent_csi_2017").folder
    dst = tmp_path / "likelihoods" / "coherent_csi_2017"
    shutil.copytree(src, dst)
    expected = Catalogue().get("coherent_csi_2017").checksums()["counts.csv"]
    with open(dst / "counts.csv", "a") as fh:
        fh.write("0,2,0,0.5,1,1\n")
    with pytest.raises(DataError, match=rf"counts.csv.*expected {expected}"):
        Catalogue([tmp_path]).get("coherent_csi_2017")
    (dst / "counts.csv").unlink()
    with pytest.raises(DataError, match="counts.csv.*missing"):
        Catalogue([tmp_path]).get("coherent_csi_2017")


def test_converter_reproduces_shipped_data(shared_reference, tmp_path, monkeypatch):
    """The converter run on ../shared/reference rewrites exactly the shipped files (same checksums)."""
    import importlib.util

    from globalfit import datatools

    spec = importlib.util.spec_from_file_location("conv", datatools.REPO_ROOT / "scripts/convert/coherent_csi_2017.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    calls = {}
    monkeypatch.setattr(mod, "write_dataset", lambda *a, **k: calls.update(path=datatools.write_dataset(*a, **k, root=tmp_path)))
    mod.main()
    shipped = Catalogue().get("coherent_csi_2017").checksums()
    assert Catalogue([tmp_path]).get("coherent_csi_2017").checksums() == shipped
