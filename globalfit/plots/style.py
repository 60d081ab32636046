"""Shared pieces of the plots: the headless pyplot, physical axis labels (LaTeX, with units), the model title, the
credible interval shared with ``summary.csv`` and the one figure writer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from globalfit.inference.arviz_adapter import INTERVAL_PROB
from globalfit.parameters import split_name

#: Resolution of every PNG (dots per inch); PDFs are vector graphics.
DPI = 110
#: LaTeX symbols of theory parameters: (symbol, unit or "").
_THEORY = {"gprime": (r"g'", ""), "mass_GeV": (r"M_{Z'}", "GeV"), "epsilon": (r"\varepsilon", "")}
#: LaTeX of nuisance names that are Greek letters.
_GREEK = {"alpha", "beta", "gamma", "delta", "eta", "kappa", "lambda", "mu", "nu", "rho", "sigma", "tau", "theta"}

__all__ = ["DPI", "INTERVAL_PROB", "pyplot", "save", "label", "model_title", "hdi"]


def pyplot():
    """``matplotlib.pyplot`` on the non-interactive Agg backend (plots are written to files, never shown)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, path: Path) -> Path:
    """Write ``fig`` to ``path`` (format from the suffix, png or pdf) and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    pyplot().close(fig)
    return path


def _symbol(local: str) -> str:
    if local in _THEORY:
        return _THEORY[local][0]
    if local.startswith("epsilon_"):  # simplified mode per flavour: epsilon_<flavours>
        return rf"\varepsilon_{{{local.split('_', 1)[1]}}}"
    if local.startswith("eps_"):  # eft parameters eps_<fermion>_<flavours>
        _, f, ab = local.split("_", 2)
        return rf"\varepsilon^{{{f}}}_{{{ab}}}"
    if local in _GREEK:
        return "\\" + local
    return r"\mathrm{" + local.replace("_", r"\_") + "}"


def label(name: str, short: bool = False) -> str:
    """Axis label of a parameter, in LaTeX with its unit: ``log10_mass_GeV`` -> ``log10(M_Z' / GeV)``,
    ``coherent_csi_2017.gamma`` -> ``gamma (coherent_csi_2017)``; ``short`` drops the dataset of a nuisance."""
    log = name.startswith("log10_")
    base = name[len("log10_"):] if log else name
    owner, local = split_name(base)
    sym = _symbol(local)
    unit = _THEORY.get(local, ("", ""))[1] if owner is None else ""
    if log:
        text = rf"$\log_{{10}}({sym}/\mathrm{{{unit}}})$" if unit else rf"$\log_{{10}} {sym}$"
    else:
        text = rf"${sym}$ [{unit}]" if unit else f"${sym}$"
    return text if owner is None or short else f"{text} ({owner})"


def model_title(config: dict) -> str:
    """One-line description of the model of a resolved run config: type, charges and (Q_q, Q_e, Q_mu, Q_tau)."""
    model = config.get("model", {})
    kind = model.get("type", "?")
    if kind == "u1":
        q = model.get("charges_resolved") or {}
        charges = ", ".join(f"{q[k]}" for k in ("q", "e", "mu", "tau") if k in q)
        return rf"U(1)$'$ {model.get('charges', '')}" + (rf": $(Q_q, Q_e, Q_\mu, Q_\tau)$ = ({charges})" if q else "")
    if kind == "simplified":
        return f"simplified Z$'$ (flavours {', '.join(model.get('flavours', []) or ['?'])})"
    return f"{kind} model"


def hdi(x: Any, prob: float = INTERVAL_PROB, weights: Any = None) -> tuple[float, float]:
    """Shortest interval holding ``prob`` of the (weighted) draws ``x``: the highest-density interval of ArviZ for equal
    weights, the convention of ``summary.csv``."""
    x = np.asarray(x, dtype=float).ravel()
    order = np.argsort(x)
    xs = x[order]
    w = np.ones_like(xs) if weights is None else np.asarray(weights, dtype=float).ravel()[order]
    cdf = np.cumsum(w) / np.sum(w)
    # for each start i, the first j with mass(i..j) >= prob; the shortest such [x_i, x_j]
    starts = np.concatenate([[0.0], cdf[:-1]])
    ends = np.searchsorted(cdf, starts + prob - 1e-12)
    ok = ends < len(xs)
    if not ok.any():
        return float(xs[0]), float(xs[-1])
    i = np.nonzero(ok)[0]
    widths = xs[ends[i]] - xs[i]
    k = i[int(np.argmin(widths))]
    return float(xs[k]), float(xs[ends[k]])
