"""Benchmark: the prior transform of the global fit (``runs/global_b3lmu.yaml``: 2 log-uniform theory parameters and 9
truncated-normal nuisances), today's per-parameter ``scipy.stats.truncnorm.ppf`` path against the vectorised
:class:`globalfit.parameters.ParameterSet` transform, in one run:

1. per point: the transform alone, and the log-likelihood for scale;
2. a nested run (dynesty, same seed, reduced ``nlive``/``maxiter`` so that both finish in about two minutes) with each
   transform; and the whole-run ratio estimated for the full run from the per-call costs.

The reference transform is the code of ``Parameter.from_unit`` before the typed priors, reimplemented below.

Run: python benchmarks/bench_prior.py [--nlive 100] [--maxiter 1200]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


class OldPriorTransform:
    """Today's prior transform: one ``scipy.stats`` call per parameter and point (``Parameter.from_unit``)."""

    def __init__(self, free) -> None:
        from globalfit.parameters import Normal

        self.settings = []
        for p in free:
            if isinstance(p.prior, Normal):
                self.settings.append(("normal", p.prior.lower, p.prior.upper, p.prior.mu, p.prior.sigma))
            else:  # flat in sampling space (log10 for log-uniform)
                lo, hi = p.sampling_bounds()
                self.settings.append(("flat", lo, hi, None, None))

    def __call__(self, u: np.ndarray) -> np.ndarray:
        from scipy import stats

        out = []
        for (kind, lower, upper, mu, sigma), ui in zip(self.settings, u):
            if kind == "flat":
                out.append(lower + ui * (upper - lower))
                continue
            a = -np.inf if lower is None else (lower - mu) / sigma
            b = np.inf if upper is None else (upper - mu) / sigma
            out.append(stats.truncnorm.ppf(ui, a, b, loc=mu, scale=sigma))
        return np.array(out, dtype=float)


def per_call(fn, points: np.ndarray) -> float:
    """Mean wall time [s] of ``fn(point)`` over ``points``."""
    t = time.perf_counter()
    for x in points:
        fn(x)
    return (time.perf_counter() - t) / len(points)


def nested_run(fit, transform, nlive: int, maxiter: int, seed: int) -> tuple[float, int, float]:
    """Wall time [s], likelihood calls and ln Z of a dynesty run of ``fit`` with ``transform``."""
    import dynesty

    from globalfit.inference.nested import LogLike

    warnings.filterwarnings("ignore", message="The sampling was stopped short")  # maxiter is the point here
    sampler = dynesty.NestedSampler(LogLike(fit), transform, len(fit.free), nlive=nlive, bound="multi", sample="auto",
                                    rstate=np.random.default_rng(seed))
    t = time.perf_counter()
    sampler.run_nested(dlogz=0.1, maxiter=maxiter, print_progress=False)
    return time.perf_counter() - t, int(np.sum(sampler.results.ncall)), float(sampler.results.logz[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nlive", type=int, default=100)
    ap.add_argument("--maxiter", type=int, default=1200)
    args = ap.parse_args()

    from globalfit.config import load_config
    from globalfit.model import Fit

    cfg = load_config(ROOT / "runs" / "global_b3lmu.yaml")
    fit = Fit(cfg)
    old, new = OldPriorTransform(fit.free), fit.prior_transform
    u = np.random.default_rng(0).random((2000, len(fit.free)))
    diff = max(float(np.max(np.abs(old(x) - new(x)))) for x in u[:200])
    loglike = fit.compiled("terms")
    loglike(new(u[0]))  # compile outside the timing
    t_old = per_call(old, u[:300])
    t_new = per_call(new, u)
    t_ll = per_call(loglike, new(u[:1000]))
    t_batch = per_call(new, u[None, ...]) / len(u)
    print(f"global_b3lmu: {len(fit.free)} free parameters ({', '.join(fit.free_names)})")
    print(f"prior transform per point: old {t_old * 1e3:.3f} ms, new {t_new * 1e3:.4f} ms "
          f"(ratio {t_old / t_new:.0f}x; batched over 2000 points {t_batch * 1e6:.2f} us/point); "
          f"max |old - new| = {diff:.1e}")
    print(f"log-likelihood per point: {t_ll * 1e3:.3f} ms")

    runs = {}
    for label, tr in (("old", old), ("new", new)):
        runs[label] = nested_run(fit, tr, args.nlive, args.maxiter, cfg.sampler.seed)
        wall, ncall, logz = runs[label]
        print(f"nested run (nlive {args.nlive}, maxiter {args.maxiter}) with the {label} transform: {wall:.1f} s, "
              f"{ncall} likelihood calls, ln Z so far {logz:.3f}")
    (w_old, n_old, _), (w_new, n_new, _) = runs["old"], runs["new"]
    print(f"measured whole-run ratio: {w_old / w_new:.2f}x")
    # per likelihood call, the run costs the transform, the likelihood and dynesty's own work (bounds, proposals);
    # the last is what remains of the new run's time
    other = max(w_new / n_new - t_new - t_ll, 0.0)
    est = (t_old + t_ll + other) / (t_new + t_ll + other)
    print(f"per call: transform old {t_old * 1e3:.3f} / new {t_new * 1e3:.4f} ms, likelihood {t_ll * 1e3:.3f} ms, "
          f"sampler {other * 1e3:.3f} ms -> estimated whole-run ratio {est:.2f}x "
          f"(the old transform is {t_old / (t_old + t_ll + other):.0%} of the old run's time)")


if __name__ == "__main__":
    main()
