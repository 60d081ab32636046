"""Write the low-mass dark-photon limits with decay-time windows (beam dumps, NA64, KLOE, BaBar, CMS) as priors.

Run: ``python scripts/convert/darkcast_limits.py`` (needs ../shared). Reads the raw limits of Darkcast v1.2
(``reference/priors/darkcast_v1.2/limits/*.lmt``) and their per-limit metadata
(``reference/priors/darkcast_models/limit_metadata.csv``: production mechanism, final state, decay-time window, CL)
and writes one ``priors/<id>/`` folder per search (kind ``recast_limit``, method ``darkcast``): the limit re-tabulated
(mass-sorted, duplicate masses dropped, the 1e5 'no limit' sentinel written as an empty cell so that gaps stay gaps),
with the proper-decay-time window [t_min_s, t_max_s] evaluated per mass from the metadata's formula, or, for a beam
dump, the band's upper edge and the decay/shield length ratio (the window is then solved at load from the two edges,
:func:`globalfit.physics.darkphoton.beam_dump_window`). Nothing is copied verbatim.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd

from globalfit.datatools import shared_reference, write_dataset

#: Darkcast's 'no limit' value in .lmt files (reference darkcast_models/darkcast_parameters.csv).
SENTINEL = 1.0e5
#: speed of light [m/s] (exact, SI).
C_M_PER_S = 299_792_458.0
#: phi(1020) mass [GeV] (PDG 2022: 1019.461 MeV), for the KLOE boost gamma = (m_phi^2 + m^2)/(2 m_phi m).
M_PHI_GEV = 1.019461
#: CMS Drell-Yan production-fraction columns of CMS_CMS2019kiy.prd.
CMS_FRACTIONS = ("d_d", "u_u", "s_s", "c_c", "b_b")


def kloe_window(mass: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """KLOE: t0 = 0, t1 = 0.08 m / (gamma c) with gamma = (m_phi^2 + m^2)/(2 m_phi m) (metadata, from Darkcast)."""
    gamma = (M_PHI_GEV**2 + mass**2) / (2.0 * M_PHI_GEV * mass)
    return np.zeros_like(mass), 0.08 / (gamma * C_M_PER_S)


def cms_window(mass: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CMS 2019: t1 = inf below 45 GeV, 5e-12 s for 45-130 GeV, (-3.66e-11 + 3.12e-13 m/GeV) s above (metadata)."""
    t1 = np.where(mass < 45.0, np.inf, np.where(mass <= 130.0, 5e-12, -3.66e-11 + 3.12e-13 * mass))
    return np.zeros_like(mass), t1


def open_window(mass: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """No displacement requirement: t0 = 0, t1 = inf (every decay counts)."""
    return np.zeros_like(mass), np.full_like(mass, np.inf)


@dataclass(frozen=True)
class Search:
    """One dataset to write: its id, the raw file, and how the metadata is turned into spec keys."""

    dataset: str
    lmt: str
    production: str
    decay: str
    summary: str
    window: object = None            # callable mass -> (t_min_s, t_max_s); None for a beam dump
    br_dark_photon: float | None = None
    fractions_file: str | None = None


SEARCHES = (
    Search("e137_beamdump", "E137_Andreas2012mt.lmt", "e_brem", "e_e",
           "SLAC E137 electron beam dump, A' -> e+e- (island in epsilon)"),
    Search("charm_beamdump", "CHARM_Bergsma1985qz.lmt", "eta_gamma", "e_e",
           "CHARM proton beam dump, eta -> gamma A', A' -> e+e- (island)"),
    Search("nucal_beamdump_pi0", "NuCAL_Blumlein1990ay.lmt", "pi0_gamma", "e_e",
           "nu-Cal I proton beam dump, pi0 -> gamma A', A' -> e+e- (island)"),
    Search("nucal_beamdump_pbrem", "NuCAL_Blumlein1991xh.lmt", "p_brem", "e_e",
           "nu-Cal I proton beam dump, proton bremsstrahlung, A' -> e+e- (island)"),
    Search("na64_visible_2019", "NA64_Banerjee2019hmi.lmt", "e_brem", "e_e",
           "NA64 visible A' -> e+e- (2019; island)"),
    Search("na64_invisible_2019", "NA64_NA642019imj.lmt", "e_brem", "invisible",
           "NA64 missing energy, A' -> invisible (2.84e11 EOT)", open_window, 0.99),
    Search("kloe_mumu_2018", "KLOE_Anastasi2018azp_mumu.lmt", "e_e", "mu_mu",
           "KLOE e+e- -> gamma U, U -> mu mu", kloe_window),
    Search("kloe_ee_2015", "KLOE_Anastasi2015qla.lmt", "e_e", "e_e",
           "KLOE e+e- -> gamma U, U -> e+e-", kloe_window),
    Search("babar_visible_2014", "BaBar_Lees2014xha.lmt", "e_e", "e_e+mu_mu",
           "BaBar e+e- -> gamma A', A' -> e+e-, mu+mu-", open_window),
    Search("babar_invisible_2017", "BaBar_Lees2017lec.lmt", "e_e", "invisible",
           "BaBar e+e- -> gamma A', A' -> invisible", open_window, 0.99),
    Search("cms_dimuon_2019", "CMS_CMS2019kiy.lmt", "mixture", "mu_mu",
           "CMS 13 TeV dimuon scouting resonance search, Drell-Yan A' -> mu mu", cms_window,
           fractions_file="CMS_CMS2019kiy.prd"),
)


def read_limit(path) -> pd.DataFrame:
    """A .lmt file as mass_GeV, eps_limit[, eps_upper], mass-sorted, one row per mass, sentinels as NaN."""
    raw = np.loadtxt(path, comments="#", ndmin=2)
    raw = raw[np.argsort(raw[:, 0], kind="stable")]
    # Darkcast marks a vetoed window (e.g. CMS around the Z) by a repeated mass: value then sentinel where it starts,
    # sentinel then value where it ends; move the sentinel a relative 1e-6 into the window so both edge values stay
    same = np.concatenate([[False], np.diff(raw[:, 0]) == 0])
    for i in np.nonzero(same)[0]:
        first, second = raw[i - 1], raw[i]
        if second[1] >= SENTINEL > first[1]:
            second[0] *= 1.0 + 1e-6
        elif first[1] >= SENTINEL > second[1]:
            first[0] *= 1.0 - 1e-6
    raw = raw[np.argsort(raw[:, 0], kind="stable")]
    raw = raw[np.concatenate([[True], np.diff(raw[:, 0]) > 0])]  # any other repeat: keep the first
    values = np.where(raw[:, 1:] >= SENTINEL, np.nan, raw[:, 1:])
    frame = pd.DataFrame({"mass_GeV": raw[:, 0], "eps_limit": values[:, 0]})
    if raw.shape[1] > 2:
        frame["eps_upper"] = values[:, 1]
    return frame


def length_ratio(efficiency: str) -> float:
    """Decay/shield length ratio from the metadata text ('displaced: ratio 204/179')."""
    found = re.search(r"ratio\s+([\d.]+)\s*/\s*([\d.]+)", efficiency)
    if not found:
        raise ValueError(f"no length ratio in the efficiency text {efficiency!r}")
    return float(found.group(1)) / float(found.group(2))


def confidence(row: pd.Series) -> tuple[float, str]:
    """(CL as a fraction, how sure): the metadata's CL, or 90 % assumed where it says 'see source'."""
    try:
        return float(row["CL_percent"]) / 100.0, f"{row['CL_percent']} % ({row['CL_status']} in the reference metadata)"
    except ValueError:
        return 0.90, ("90 % ASSUMED: the reference metadata has no confidence level for this curve ('see source', "
                      "not checked); 90 % is the convention of the compilations it was digitised from, not verified")


#: Delta chi^2 of a one-parameter limit at each confidence level (2.71 at 90 %, 3.84 at 95 %).
Q_CL = {0.90: 2.71, 0.95: 3.84}


def write(ref, search: Search, meta: pd.DataFrame) -> None:
    row = meta.loc[meta["file"] == search.lmt].iloc[0]
    frame = read_limit(ref / "darkcast_v1.2" / "limits" / search.lmt)
    mass = frame["mass_GeV"].to_numpy()
    cl, cl_text = confidence(row)
    spec = {"kind": "recast_limit",
            "description": f"{search.summary}, recast to the run's charges (production, BR, decay-time window)",
            "citation": f"{row['experiment']}, {row['publication']}; recast method of Ilten et al., arXiv:1801.04847",
            "method": "darkcast", "production": search.production, "decay": search.decay,
            "confidence_level": cl, "q_cl": Q_CL[cl], "limit_file": "limit.csv"}
    if search.window is None:
        spec["length_ratio"] = length_ratio(row["darkcast_efficiency"])
        window_text = (f"beam dump: decay-volume length / shield length = {spec['length_ratio']:.6g} "
                       f"(metadata '{row['darkcast_efficiency']}'); the proper-time window [t0, t0 (1 + ratio)] is "
                       "solved "
                       "at load so that a dark photon gives equal decays at both published edges")
    else:
        frame["t_min_s"], frame["t_max_s"] = search.window(mass)
        window_text = f"decay-time window from the metadata ('{row['darkcast_efficiency']}'), columns t_min_s, t_max_s"
    if search.br_dark_photon is not None:
        spec["br_dark_photon"] = search.br_dark_photon
    if search.fractions_file:
        prd = np.loadtxt(ref / "darkcast_v1.2" / "limits" / search.fractions_file, comments="#", ndmin=2)
        for j, name in enumerate(CMS_FRACTIONS, start=1):
            frame[name] = np.interp(mass, prd[:, 0], prd[:, j])
        frame[list(CMS_FRACTIONS)] = frame[list(CMS_FRACTIONS)].div(frame[list(CMS_FRACTIONS)].sum(axis=1), axis=0)
        spec["fractions"] = list(CMS_FRACTIONS)
    two_sided = "eps_upper" in frame
    edges = ("lower and upper edge of the excluded epsilon band (eps_limit, eps_upper)" if two_sided
             else "upper limit on epsilon (eps_limit)")
    sources = (
        f"# {search.dataset}\n\n{row['experiment']}: {row['publication']}. {edges.capitalize()} vs mass, "
        f"{row['mass_min_GeV']}-{row['mass_max_GeV']} GeV, {row['darkcast_extraction']}, as distributed with "
        "Darkcast v1.2 "
        f"(`limits/{search.lmt}`; repository and commit in the reference `darkcast_v1.2/SOURCES.md`).\n"
        f"Confidence level: {cl_text}; prior term q_CL = {Q_CL[cl]}.\n"
        f"Production `{search.production}`, final state `{search.decay}` (Darkcast names), {window_text}.\n"
        + (f"The dark photon's BR to the final state assumed by the publication: {search.br_dark_photon}; the Z' has "
           "its own BR(invisible) = BR(nu nubar) of `globalfit/physics/widths.py` (no dark-sector width).\n"
           if search.br_dark_photon is not None else "")
        + (f"Drell-Yan production fractions from `limits/{search.fractions_file}` interpolated onto the limit's masses "
           "and renormalised to 1.\n" if search.fractions_file else "")
        + "Converted by `scripts/convert/darkcast_limits.py`: mass-sorted, one row per mass, Darkcast's 1e5 'no limit' "
        "sentinel written as an empty cell (no sensitivity there; the recast does not interpolate through it).\n"
        "Recast to the run's charges at load (production x BR x decay probability in the window, Darkcast's method): "
        "`globalfit/physics/darkphoton.py` (`recast_band`); prior term in `globalfit/components/limit_curve.py`"
        + (" (an island in g': the one-sided penalty with the mirrored upper edge).\n" if two_sided else ".\n")
    )
    write_dataset("priors", search.dataset, spec, {"limit.csv": frame}, sources)


def main() -> None:
    ref = shared_reference() / "priors"
    if not ref.is_dir():
        sys.exit(f"reference material not found at {ref}; set GLOBALFIT_SHARED")
    meta = pd.read_csv(ref / "darkcast_models" / "limit_metadata.csv")
    for search in SEARCHES:
        write(ref, search, meta)


if __name__ == "__main__":
    main()
