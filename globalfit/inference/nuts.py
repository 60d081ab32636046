"""NUTS through PyMC on the model of :meth:`globalfit.model.Fit.pymc_model`, with convergence checks."""

from __future__ import annotations

import logging

import numpy as np

from globalfit.errors import InferenceError

LOG = logging.getLogger("globalfit.nuts")
RHAT_MAX = 1.01
ESS_MIN = 400


class DrawProgress:
    """PyMC sampling callback: one INFO line per tenth of each chain's draws (tuning included), so that a long NUTS
    run shows progress in logs too (log lines end with a newline; PyMC's own bar redraws one terminal line).

    Parameters
    ----------
    tune, draws
        Tuning and kept draws per chain.
    chains
        Number of chains.
    every
        Draws between lines (default: a tenth of a chain).
    """

    def __init__(self, tune: int, draws: int, chains: int, every: int | None = None):
        self.total = int(tune) + int(draws)
        self.chains = int(chains)
        self.every = max(1, int(every or self.total // 10))

    def __call__(self, trace=None, draw=None) -> None:
        done = draw.draw_idx + 1
        if done % self.every == 0 or done == self.total:
            LOG.info("NUTS chain %d/%d: %d/%d draws%s", draw.chain + 1, self.chains, done, self.total,
                     " (tuning)" if draw.tuning else "")


def run_nuts(fit, strict: bool = False) -> tuple[np.ndarray, dict]:
    """Sample with NUTS; return draws in sampling space (chain, draw, ndim) and sample stats.

    Multimodal posteriors (e.g. the degenerate COHERENT bands) are the nested sampler's job: NUTS chains may stay
    in one mode. Bad R-hat / ESS / divergences give a warning, or an :class:`InferenceError` when ``strict``.
    """
    import arviz as az
    import pymc as pm

    from globalfit.compile_cache import call_mode, load_module_cache

    load_module_cache()  # PyMC compiles its own functions: the cache read is made cheap here (see that module)
    s = fit.cfg.sampler
    if any(p.is_log and p.name == "mass_GeV" for p in fit.free):
        LOG.warning("NUTS with a free Z' mass: the posterior in (M, g') is usually multimodal and banded; "
                    "nested sampling (sampler.method: nested) is the better tool here")
    with fit.pymc_model():
        idata = pm.sample(draws=s.draws, tune=s.tune, chains=s.chains, cores=1, target_accept=s.target_accept,
                          random_seed=s.seed, progressbar=False, compute_convergence_checks=False,
                          callback=DrawProgress(s.tune, s.draws, s.chains),
                          # PyMC's log-density and gradient on the package's call path (compile_cache.call_mode:
                          # without a linked BLAS, PyTensor's Gemv runs in Python, many times per leapfrog step)
                          compile_kwargs={"mode": call_mode("c")})
    names = fit.parameter_set.sampling_names
    draws = np.stack([idata.posterior[n].values for n in names], axis=-1)
    div = idata.sample_stats["diverging"].values
    summ = az.summary(idata, var_names=names)
    bad = []
    if (summ["r_hat"] > RHAT_MAX).any():
        bad.append(f"R-hat up to {summ['r_hat'].max():.3f}")
    if (summ["ess_bulk"] < ESS_MIN).any():
        bad.append(f"bulk ESS down to {summ['ess_bulk'].min():.0f}")
    if div.sum():
        bad.append(f"{int(div.sum())} divergences")
    if bad:
        msg = "NUTS diagnostics are poor: " + ", ".join(bad)
        if strict:
            raise InferenceError(msg + " (--strict).")
        LOG.warning(msg)
    # PyMC's full set (energy, tree_depth, step_size, lp, ...): az.plot_energy and az.bfmi read them
    stats = {k: np.asarray(idata.sample_stats[k].values) for k in idata.sample_stats.data_vars}
    return draws, stats
