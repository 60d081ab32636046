"""pyhf JSON workspaces of the counting LHC datasets of a run (``globalfit export pyhf RUN --mass M``).

Each mono-X dataset (kind ``monox_inclusive``) becomes one channel of its exclusive pT_miss bins: observed events,
the SM background with its per-bin uncertainty (``shapesys``, the square root of the covariance diagonal: pyhf's
schema has no correlated background covariance, so the CMS correlations are dropped), and the Z' signal at the
run's reference coupling (``signal_coupling``) with a free normalisation ``mu`` (the POI). A patchset holds one
patch per signal point (mass, Gamma/M) of the run's ``limits.masses_GeV`` grid that replaces the signal yields.

Turning a limit on mu into one on the coupling: the yields are those of the reference coupling c_ref, so the limit
is the coupling c where s(c) = mu_up s(c_ref) (:func:`coupling_at_signal_strength`; s grows like c^4, with the
interference and width terms of the component).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from globalfit.errors import ConfigError

#: pyhf schema version of the documents written.
SCHEMA_VERSION = "1.0.0"


def counting_components(fit) -> list:
    """The mono-X components of ``fit`` (exclusive bins with a background model)."""
    from globalfit.components.collider import MonoXInclusive

    comps = [c for c in fit.components if isinstance(c, MonoXInclusive)]
    if not comps:
        raise ConfigError("pyhf export needs a counting LHC dataset (kind monox_inclusive, e.g. lhc_cms_monojet_2017) "
                          f"among the run's likelihoods; this run has {', '.join(fit.component_ids)}", "likelihoods")
    return comps


def _point(fit, mass: float, coupling: float):
    from globalfit.frequentist.cls import theory_values

    return fit.theory.point(theory_values(fit, coupling, mass))


def signal_yields(fit, mass: float, coupling: float) -> dict[str, list[float]]:
    """Expected signal events per exclusive bin of each counting dataset at ``mass`` [GeV] and ``coupling``."""
    p = _point(fit, mass, coupling)
    return {c.id: [float(v) for v in np.asarray(c.signal_events(p), dtype=float)] for c in counting_components(fit)}


#: Significance of the reference signal in its most sensitive bin (s / sqrt(n + delta_b^2)): the yields are
#: exported at the coupling where it is reached, so that the limit on mu is of order one.
REFERENCE_SIGNIFICANCE = 2.0


def _significance(fit, mass: float, coupling: float) -> float:
    sig = signal_yields(fit, mass, coupling)
    return max(float(np.max(np.abs(sig[c.id]) / np.sqrt(c.n_obs + c.bkg_var))) for c in counting_components(fit))


def reference_coupling(fit, mass: float) -> float:
    """The coupling of the exported yields at ``mass`` [GeV]: where the most sensitive bin's signal reaches
    :data:`REFERENCE_SIGNIFICANCE` standard deviations."""
    from scipy.optimize import brentq

    def f(lc: float) -> float:
        return np.log(max(_significance(fit, mass, 10.0**lc), 1e-300)) - np.log(REFERENCE_SIGNIFICANCE)

    try:
        return float(10.0 ** brentq(f, -8.0, 4.0, xtol=1e-10))
    except ValueError:
        raise ConfigError(f"no signal of the counting datasets at M = {mass:g} GeV (outside their tabulated masses?)",
                          "--mass") from None


def _channel(name: str, signal, background, background_err) -> dict[str, Any]:
    """pyhf channel of counts: the signal with the POI ``mu`` as normalisation, the background with its
    uncertainty (``shapesys``: pyhf's Poisson-constrained per-bin background scale)."""
    return {"name": name, "samples": [
        {"name": "signal", "data": [float(v) for v in signal],
         "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
        {"name": "background", "data": [float(v) for v in background],
         "modifiers": [{"name": f"{name}_bkg_unc", "type": "shapesys", "data": [float(v) for v in background_err]}]},
    ]}


def _document(fit, mass: float, coupling: float, channels: list, observations: list) -> dict[str, Any]:
    return {"version": SCHEMA_VERSION, "channels": channels, "observations": observations,
            "measurements": [{"name": f"Zprime_M{mass:g}_{fit.theory.coupling_name}{coupling:.6g}",
                              "config": {"poi": "mu", "parameters": []}}]}


def workspace(fit, mass: float, coupling: float | None = None) -> dict[str, Any]:
    """pyhf workspace (a dict following pyhf's ``workspace.json`` schema) at ``mass`` [GeV]."""
    coupling = reference_coupling(fit, mass) if coupling is None else float(coupling)
    sig = signal_yields(fit, mass, coupling)
    channels, observations = [], []
    for c in counting_components(fit):
        channels.append(_channel(c.id, sig[c.id], c.n_bkg, np.sqrt(c.bkg_var)))
        observations.append({"name": c.id, "data": [float(v) for v in c.n_obs]})
    return _document(fit, mass, coupling, channels, observations)


def region_workspace(fit, comp, region: int, mass: float, coupling: float) -> dict[str, Any]:
    """One-bin pyhf workspace of inclusive region ``region`` of counting dataset ``comp`` (its
    ``counting_regions``, the regions of the project's CLs limit) with the signal at ``mass`` [GeV] and
    ``coupling``."""
    r = comp.counting_regions(_point(fit, mass, coupling))[region]
    name = f"{comp.id}_inclusive_{region}"
    return _document(fit, mass, coupling, [_channel(name, [float(r.signal)], [r.background], [r.background_err])],
                     [{"name": name, "data": [float(r.observed)]}])


#: pyhf's patchset schema requires a HEPData record (``ins`` + 7 digits); used when no citation names one.
NO_HEPDATA_RECORD = "ins0000000"


def _hepdata_record(comps) -> str:
    """The first HEPData record named in the datasets' citations, else the :data:`NO_HEPDATA_RECORD` placeholder."""
    import re

    for c in comps:
        found = re.search(r"\bins\d{7}\b", c.entry.citation)
        if found:
            return found.group(0)
    return NO_HEPDATA_RECORD


def patchset(fit, masses, ws: dict[str, Any], coupling: float) -> dict[str, Any]:
    """pyhf patchset: one patch per mass [GeV] (and this run's Gamma/M at ``coupling``), replacing the signal yields
    of the workspace ``ws`` (:func:`workspace` at that coupling, whose digest it records)."""
    import pyhf

    comps = counting_components(fit)
    patches = []
    for m in masses:
        p = _point(fit, float(m), coupling)
        width = float(np.asarray(p.width_ratio(), dtype=float))
        sig = signal_yields(fit, float(m), coupling)
        patches.append({"metadata": {"name": f"M{m:g}_GM{width:g}".replace(".", "p").replace("-", "m").replace("+", ""), "values": [float(m), width]},
                        "patch": [{"op": "replace", "path": f"/channels/{i}/samples/0/data", "value": sig[c.id]}
                                  for i, c in enumerate(comps)]})
    return {"version": SCHEMA_VERSION, "patches": patches,
            "metadata": {"description": f"Z' signal points of globalfit run {fit.cfg.name}",
                         "digests": {"sha256": pyhf.utils.digest(ws, algorithm="sha256")}, "labels": ["mass_GeV", "width_ratio"],
                         "references": {"hepdata": _hepdata_record(comps)}}}


def coupling_at_signal_strength(fit, mass: float, mu: float, coupling: float, region=None) -> float:
    """The coupling whose total signal (all exported bins, or with ``region = (component, index)`` that inclusive
    region of :func:`region_workspace`) is ``mu`` times that at ``coupling`` (the exported reference)."""
    from scipy.optimize import brentq

    def total(c: float) -> float:
        if region is None:
            return sum(sum(v) for v in signal_yields(fit, mass, c).values())
        comp, k = region
        return float(comp.counting_regions(_point(fit, mass, c))[k].signal)

    target = mu * total(coupling)

    def f(lc: float) -> float:
        return np.log(max(total(10.0**lc), 1e-300)) - np.log(target)

    hi = np.log10(coupling)
    return float(10.0 ** brentq(f, hi - 6.0, hi + 6.0, xtol=1e-10))


def export(cfg, mass: float, out_dir, *, force: bool = False):
    """Write ``workspace.json`` (at ``mass`` [GeV]) and ``patchset.json`` (one patch per mass of
    ``limits.masses_GeV``) into ``out_dir``; both validated against pyhf's schemas first."""
    import json

    import pyhf

    from globalfit.model import Fit
    from globalfit.output import write_folder

    fit = Fit(cfg)
    coupling = reference_coupling(fit, mass)
    ws = workspace(fit, mass, coupling)
    ps = patchset(fit, [m for m in cfg.limits.mass_grid() if _has_signal(fit, m, coupling)], ws, coupling)
    pyhf.schema.validate(ws, "workspace.json")
    pyhf.schema.validate(ps, "patchset.json")

    def writer(tmp):
        (tmp / "workspace.json").write_text(json.dumps(ws, indent=1))
        (tmp / "patchset.json").write_text(json.dumps(ps, indent=1))

    return write_folder(out_dir, writer, force=force), coupling


def _has_signal(fit, mass: float, coupling: float) -> bool:
    return _significance(fit, float(mass), coupling) > 0
