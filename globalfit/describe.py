"""``globalfit describe ID``: what a dataset offers a run config - kind, options with defaults, nuisance parameters
with their priors, the mass range where it applies, theory modes and citation."""

from __future__ import annotations

from globalfit.errors import ConfigError


def _section_of(cat, dataset_id: str) -> str:
    from globalfit.catalogue import SECTIONS
    from globalfit.util import did_you_mean

    for section in SECTIONS:
        if dataset_id in cat.ids(section):
            return section
    known = [i for s in SECTIONS for i in cat.ids(s)]
    raise ConfigError(f"unknown dataset {dataset_id!r}{did_you_mean(dataset_id, known)}; `globalfit list` shows all")


def _mass_range(comp) -> str:
    """The component's declared mass window (limit curves and resonance searches), else all masses."""
    for lo_hi in (getattr(comp, "mass_range", None), (getattr(comp, "lo", None), getattr(comp, "hi", None))):
        if lo_hi is not None and None not in lo_hi:
            return f"{float(lo_hi[0]):.4g} < M_Z' < {float(lo_hi[1]):.4g} GeV (no contribution outside)"
    return "all masses"


def describe(dataset_id: str) -> str:
    """The description of a dataset as plain text.

    The component is built for the ``u1`` model with charges B-3Lmu (paper 002 case A) when it supports it, else for
    its first mode, only to read its nuisances and mass range.

    Raises
    ------
    ConfigError
        For an unknown id (with the closest known one).
    """
    from globalfit.catalogue import Catalogue
    from globalfit.components import component_class
    from globalfit.physics.charges import parse_charges
    from globalfit.physics.theory import TheorySpec

    cat = Catalogue()
    section = _section_of(cat, dataset_id)
    entry = cat.get(dataset_id, section)
    cls = component_class(entry.kind)
    mode = "u1" if "u1" in cls.modes else cls.modes[0]
    spec = TheorySpec(mode=mode, charges=parse_charges("B-3Lmu") if mode == "u1" else None)
    comp = cls(entry, spec, {})
    lines = [f"{dataset_id} ({section}, kind {entry.kind})", f"  {entry.description}",
             f"  citation: {entry.citation or '(none given)'}", f"  theory modes: {', '.join(cls.modes)}",
             f"  mass range: {_mass_range(comp)}", "  options:"]
    lines += [f"    {k} (default {v!r})" for k, v in cls.default_options.items()] or ["    (none)"]
    lines.append("  nuisance parameters:")
    for n in comp.nuisance_priors():
        bounds = "".join(f", {side} {b:g}" for side, b in (("lower", n.lower), ("upper", n.upper)) if b is not None)
        lines.append(f"    {dataset_id}.{n.name}: normal(mu={n.mu:g}, sigma={n.sigma:g}{bounds})"
                     + (f" - {n.description}" if n.description else ""))
    if not comp.nuisance_priors():
        lines.append("    (none)")
    return "\n".join(lines)
