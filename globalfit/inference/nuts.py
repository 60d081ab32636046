"""NUTS through PyMC on the model of :meth:`globalfit.model.Fit.pymc_model`, with convergence checks."""

from __future__ import annotations

import logging

import numpy as np

from globalfit.errors import InferenceError

LOG = logging.getLogger("globalfit.nuts")
RHAT_MAX = 1.01
ESS_MIN = 400


def run_nuts(fit, strict: bool = False) -> tuple[np.ndarray, dict]:
    """Sample with NUTS; return draws in sampling space (chain, draw, ndim) and sample stats.

    Multimodal posteriors (e.g. the degenerate COHERENT bands) are the nested sampler's job: NUTS chains may stay
    in one mode. Bad R-hat / ESS / divergences give a warning, or an :class:`InferenceError` when ``strict``.
    """
    import arviz as az
    import pymc as pm

    s = fit.cfg.sampler
    if any(p.is_log and p.name == "mass_GeV" for p in fit.free):
        LOG.warning("NUTS with a free Z' mass: the posterior in (M, g') is usually multimodal and banded; "
                    "nested sampling (sampler.method: nested) is the better tool here")
    with fit.pymc_model():
        idata = pm.sample(draws=s.draws, tune=s.tune, chains=s.chains, cores=1, target_accept=s.target_accept,
                          random_seed=s.seed, progressbar=False, compute_convergence_checks=False)
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
