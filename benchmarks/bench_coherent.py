"""Benchmark: one CsI 2017 log-likelihood evaluation (compiled PyTensor graph of the component, precomputed kernels)
against a tight numpy implementation of the same arithmetic (the same kernels, eps(q^2) of paper 002 eq. 2.3, the chi^2
of eq. 3.9), value alone and value with gradient (the numpy gradient written out by hand), in the same run. Prints the
time ratios and the agreement; the direct scipy integration of the spectrum is kept as a precision check only (it is an
adaptive quadrature far more precise than the kernels, so a speed ratio against it says nothing about the graphs).

Run: python benchmarks/bench_coherent.py
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np

N_CALLS = 3000


def per_call_s(fn, x, n: int = N_CALLS) -> float:
    """Best of three timings of ``n`` calls of ``fn(x)`` (seconds per call): the least disturbed by other load."""
    fn(x)
    best = np.inf
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(n):
            fn(x)
        best = min(best, (time.perf_counter() - t) / n)
    return best


class NumpyCsI:
    """log L of CsI 2017 and its gradient in (log10 g', log10 M, gamma, beta), numpy only, from the component's
    kernels: counts = sum_(iso, flavour) K @ Q_w(q^2)^2, Q_w = Z (g_p + 3 eps) + N (g_n + 3 eps) with eps_u = eps_d =
    g'^2 Q_q Q_a / (sqrt2 G_F (q^2 + M^2))."""

    def __init__(self, comp, charges, g_fermi: float):
        k = comp.kernel
        self.rows = []
        for iso, _ in k.isotopes:
            for flav in ("e", "mu"):
                key = (iso.name, flav)
                if key in k.kernels:
                    c = float(charges.q * charges.lepton(flav)) / (math.sqrt(2.0) * g_fermi)
                    self.rows.append((k.kernels[key], k.q2[iso.name], iso.Z * k.g_p + iso.N * k.g_n,
                                      3.0 * (iso.Z + iso.N), c))
        self.n, self.b, self.inv_s2 = comp.n_meas, comp.b_on, 1.0 / comp.sigma2

    def _signal(self, x, grad: bool):
        g2, m2 = 10.0 ** (2 * x[0]), 10.0 ** (2 * x[1])
        s = 0.0
        ds = [0.0, 0.0]
        for kern, q2, q0, a3, c in self.rows:
            den = 1.0 / (q2 + m2)
            eps = g2 * c * den
            qw = q0 + a3 * eps
            s = s + kern @ (qw * qw)
            if grad:
                w = 2.0 * qw * a3 * eps * math.log(10.0)
                ds[0] = ds[0] + kern @ (2.0 * w)
                ds[1] = ds[1] + kern @ (-2.0 * m2 * den * w)
        return s, ds

    def value(self, x) -> float:
        s, _ = self._signal(x, False)
        r = self.n - s * (1.0 + x[2]) - self.b * (1.0 + x[3])
        return -0.5 * float(r @ (r * self.inv_s2))

    def value_and_grad(self, x):
        s, ds = self._signal(x, True)
        r = self.n - s * (1.0 + x[2]) - self.b * (1.0 + x[3])
        w = r * self.inv_s2
        g = np.array([(1.0 + x[2]) * (w @ ds[0]), (1.0 + x[2]) * (w @ ds[1]), w @ s, w @ self.b])
        return -0.5 * float(r @ w), g


def main() -> None:
    # PyTensor's C code does not call BLAS for these small products; the warning about it is noise here
    warnings.filterwarnings("ignore", message="PyTensor could not link to a BLAS installation")
    import pytensor
    import pytensor.tensor as pt

    from globalfit.catalogue import Catalogue
    from globalfit.components import component_class
    from globalfit.physics import cevns
    from globalfit.physics.charges import parse_charges
    from globalfit.physics.constants import G_F, ISOTOPES, N_AVOGADRO
    from globalfit.physics.sns_flux import fluence_per_flavour
    from globalfit.physics.theory import TheorySpec

    charges = parse_charges("B-3Lmu")
    spec = TheorySpec("u1", charges)
    e = Catalogue().get("coherent_csi_2017")
    comp = component_class(e.kind)(e, spec, {})
    x = pt.dvector("x")
    ll = comp.log_likelihood(spec.point({"gprime": 10 ** x[0], "mass_GeV": 10 ** x[1]}), {"gamma": x[2], "beta": x[3]})
    f_val = pytensor.function([x], ll)
    f_grad = pytensor.function([x], [ll, pytensor.grad(ll, x)])
    ref = NumpyCsI(comp, charges, G_F)
    x0 = np.array([-4.0, -1.5, 0.05, -0.02])

    v_pt, (v2, g_pt) = float(f_val(x0)), f_grad(x0)
    v_np, g_np = ref.value_and_grad(x0)
    if not (np.isclose(v_pt, v_np, rtol=1e-10) and np.allclose(g_pt, g_np, rtol=1e-6)):
        raise SystemExit(f"the numpy reference disagrees: {v_pt} vs {v_np}, {g_pt} vs {g_np}")
    t = {"compiled": per_call_s(f_val, x0), "numpy": per_call_s(ref.value, x0),
         "compiled+grad": per_call_s(f_grad, x0), "numpy+grad": per_call_s(ref.value_and_grad, x0)}

    # precision check: the kernels (8 quadrature points per bin) against a direct adaptive integration
    point = spec.point({"gprime": 1e-4, "mass_GeV": 10**-1.5})
    n_mol = e.spec["detector_mass_kg"] * 1e3 / (ISOTOPES["Cs133"].molar_mass_g + ISOTOPES["I127"].molar_mass_g) * N_AVOGADRO
    ly = e.spec["light_yield_pe_per_keVnr"]
    direct = cevns.direct_counts(
        [(ISOTOPES["Cs133"], n_mol), (ISOTOPES["I127"], n_mol)],
        fluence_per_flavour(e.spec["pot"], e.spec["nu_per_pot"], e.spec["distance_m"]),
        np.arange(6.0, 31.0) / ly, comp.fine_acceptance, {"nu_mu": 1.0, "nu_e": 1.0, "nubar_mu": 1.0}, point.eps)
    resid = comp.n_meas - direct.reshape(-1, 2).sum(axis=1) - comp.b_on
    ll_direct = -0.5 * np.sum(resid**2 / comp.sigma2)
    ll_kernel = float(f_val(np.array([-4.0, -1.5, 0.0, 0.0])))

    print(f"CsI 2017 log L at {x0.tolist()}: compiled {v_pt:.10f}, numpy {v_np:.10f} (gradient agrees to 1e-6)")
    print(f"value:          compiled {t['compiled'] * 1e6:.1f} us, numpy {t['numpy'] * 1e6:.1f} us "
          f"(ratio {t['compiled'] / t['numpy']:.2f})")
    print(f"value+gradient: compiled {t['compiled+grad'] * 1e6:.1f} us, numpy {t['numpy+grad'] * 1e6:.1f} us "
          f"(ratio {t['compiled+grad'] / t['numpy+grad']:.2f})")
    print(f"kernels vs direct integration: log L {ll_kernel:.5f} vs {ll_direct:.5f} "
          f"(relative difference {abs(ll_kernel / ll_direct - 1):.1e})")


if __name__ == "__main__":
    main()
