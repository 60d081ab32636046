"""``globalfit plot DIR``: redraw every plot of a result folder (run, limits or compare) from the files in it."""

from __future__ import annotations

import logging
from pathlib import Path

from globalfit.errors import ConfigError, DataError, GlobalfitError
from globalfit.safe_yaml import load_yaml

LOG = logging.getLogger("globalfit.plots")
FORMATS = ("png", "pdf")


def fit_from_resolved(config: dict):
    """The :class:`~globalfit.model.Fit` of a result folder's ``config.yaml`` (its run keys; the bookkeeping that
    ``resolved_config`` adds - versions, checksums, seed, runtime - is left out)."""
    from globalfit.config import RunConfig, parse_config
    from globalfit.model import Fit

    raw = {k: v for k, v in config.items() if k in RunConfig.model_fields}
    raw["model"] = {k: v for k, v in raw.get("model", {}).items() if k != "charges_resolved"}
    return Fit(parse_config(raw, "config.yaml"))


def _limits_next_to(folder: Path):
    import pandas as pd

    for cand in (folder / "limits.csv", folder.with_name(folder.name + "_limits") / "limits.csv"):
        if cand.is_file():
            return pd.read_csv(cand)
    return None


def redraw(folder: str | Path, fmt: str = "png") -> list[Path]:
    """Redraw the plots of ``folder`` into ``folder/plots`` and return their paths.

    A run folder (``posterior.nc``) gets the corner, (M, coupling) plane (with the limits of ``limits.csv`` in the
    folder or in ``<folder>_limits`` overlaid) and posterior-predictive plots; a limits folder ``limits.png``; a
    comparison folder ``bayes_factors.png``; a 2-D scan folder ``scan2d.png``.

    Raises
    ------
    DataError
        If ``folder`` is not a result folder.
    ConfigError
        For an unknown format.
    """
    import pandas as pd

    from globalfit.plots import plot_bayes_factors, plot_limits

    if fmt not in FORMATS:
        raise ConfigError(f"plot format must be one of {', '.join(FORMATS)}, got {fmt!r}", "--format")
    folder = Path(folder)
    plots = folder / "plots"
    written: list[Path] = []
    if (folder / "posterior.nc").is_file():
        from globalfit.plots.run_plots import write_run_plots
        from globalfit.results import load_results

        res = load_results(folder)
        try:
            fit = fit_from_resolved(res.config)
        except GlobalfitError as exc:  # data moved or changed: the plots that need no model still come
            LOG.warning("posterior-predictive plots skipped: the run's fit cannot be rebuilt (%s)", exc)
            fit = None
        free = [n for n in res.summary.index if f"log10_{n}" not in res.summary.index]
        written += write_run_plots(fit, res.posterior, plots, fmt=fmt, limits=_limits_next_to(folder),
                                   config=res.config, free=free)
    elif (folder / "limits.csv").is_file():
        written.append(plots / f"limits.{fmt}")
        exp_path = folder / "expected_limits.csv"
        cfg_path = folder / "config.yaml"
        from globalfit.plots.style import model_title

        config = load_yaml(cfg_path, "result config") if cfg_path.is_file() else {}
        plot_limits(pd.read_csv(folder / "limits.csv"), written[-1],
                    pd.read_csv(exp_path) if exp_path.is_file() else None, config.get("projections") or [],
                    title=model_title(config))
    elif (folder / "compare.csv").is_file():
        written.append(plot_bayes_factors(pd.read_csv(folder / "compare.csv"), plots / f"bayes_factors.{fmt}"))
    elif (folder / "scan2d.csv").is_file():
        from globalfit.frequentist.scan2d import load_scan
        from globalfit.plots.scan2d import plot_scan2d

        written.append(plot_scan2d(load_scan(folder), plots / f"scan2d.{fmt}"))
    else:
        raise DataError(f"{folder} is not a globalfit result folder (no posterior.nc, limits.csv, compare.csv or "
                        "scan2d.csv)")
    if (folder / "config.yaml").is_file():
        LOG.debug("model of %s: %s", folder, load_yaml(folder / "config.yaml", "result config").get("model"))
    return written
