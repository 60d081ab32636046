"""Benchmark: one CLs limit at one mass from the shipped signal tables (runs/paper000_lhc.yaml, M = 2 TeV), against the
naive route of recomputing the signal cross sections from the PDF grid for that mass (needs ../shared).

Run: python benchmarks/bench_lhc.py
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    from globalfit.config import load_config
    from globalfit.datatools import shared_reference
    from globalfit.frequentist import cls_limit
    from globalfit.model import Fit

    fit = Fit(load_config(ROOT / "runs" / "paper000_lhc.yaml"))
    comp = fit.components[0]
    cls_limit(fit, comp, 2000.0, (1e-4, 10.0), 0.95)
    n = 20
    t = time.perf_counter()
    for _ in range(n):
        val, _ = cls_limit(fit, comp, 2000.0, (1e-4, 10.0), 0.95)
    fast = (time.perf_counter() - t) / n
    print(f"CLs limit at 2 TeV from the tables: eps < {val:.5f} in {fast * 1e3:.1f} ms")
    pdf_path = shared_reference() / "pdf/NNPDF23_lo_as_0130_qed/NNPDF23_lo_as_0130_qed_0000.dat"
    if pdf_path.is_file():
        from globalfit.physics.lhc.pdf import GridPDF
        from globalfit.physics.lhc.vector_jet import zprime_jet_tail_sigmas

        t = time.perf_counter()
        zprime_jet_tail_sigmas(GridPDF(pdf_path), 13000.0, 2000.0, 200.0, comp.thresholds, n_pt=72)
        naive = time.perf_counter() - t
        print(f"recomputing the signal from the PDF grid for one mass: {naive:.1f} s ({naive / fast:.0f}x slower)")


if __name__ == "__main__":
    main()
