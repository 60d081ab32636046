"""Benchmark: one CsI 2017 log-likelihood evaluation with gradient (compiled PyTensor, precomputed kernels) against a
straightforward per-point scipy integration of the same spectrum, in the same run. Prints the ratio and the agreement.

Run: python benchmarks/bench_coherent.py
"""

from __future__ import annotations

import time

import numpy as np


def main() -> None:
    import pytensor
    import pytensor.tensor as pt

    from globalfit.catalogue import Catalogue
    from globalfit.components import component_class
    from globalfit.physics import cevns
    from globalfit.physics.charges import parse_charges
    from globalfit.physics.constants import ISOTOPES, N_AVOGADRO
    from globalfit.physics.sns_flux import fluence_per_flavour
    from globalfit.physics.theory import TheorySpec

    spec = TheorySpec("u1", parse_charges("B-3Lmu"))
    e = Catalogue().get("coherent_csi_2017")
    comp = component_class(e.kind)(e, spec, {})
    x = pt.dvector("x")
    ll = comp.log_likelihood(spec.point({"gprime": 10 ** x[0], "mass_GeV": 10 ** x[1]}), {"gamma": x[2], "beta": x[3]})
    f = pytensor.function([x], [ll, pytensor.grad(ll, x)])
    x0 = np.array([-4.0, -1.5, 0.0, 0.0])
    f(x0)
    n = 2000
    t = time.perf_counter()
    for _ in range(n):
        f(x0)
    fast = (time.perf_counter() - t) / n

    point = spec.point({"gprime": 1e-4, "mass_GeV": 10**-1.5})
    n_mol = e.spec["detector_mass_kg"] * 1e3 / (ISOTOPES["Cs133"].molar_mass_g + ISOTOPES["I127"].molar_mass_g) * N_AVOGADRO
    ly = e.spec["light_yield_pe_per_keVnr"]
    t = time.perf_counter()
    direct = cevns.direct_counts(
        [(ISOTOPES["Cs133"], n_mol), (ISOTOPES["I127"], n_mol)],
        fluence_per_flavour(e.spec["pot"], e.spec["nu_per_pot"], e.spec["distance_m"]),
        np.arange(6.0, 31.0) / ly, comp.fine_acceptance, {"nu_mu": 1.0, "nu_e": 1.0, "nubar_mu": 1.0}, point.eps)
    resid = comp.n_meas - direct.reshape(-1, 2).sum(axis=1) - comp.b_on
    ll_naive = -0.5 * np.sum(resid**2 / comp.sigma2)
    naive = time.perf_counter() - t  # one evaluation, without gradient (a gradient would need several more)
    ll_fast = float(f(x0)[0])
    print(f"compiled log-likelihood + gradient: {fast * 1e6:.1f} us per evaluation")
    print(f"direct scipy integration (no gradient): {naive:.2f} s per evaluation")
    print(f"speed-up: {naive / fast:.0f}x; log-likelihood {ll_fast:.4f} vs {ll_naive:.4f} "
          f"(relative difference {abs(ll_fast / ll_naive - 1):.2e})")


if __name__ == "__main__":
    main()
