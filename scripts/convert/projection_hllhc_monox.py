"""Write projections/hllhc_<experiment>_<search>_<L>/ : HL-LHC 300 and 3000 fb^-1 projections of the CMS mono-jet,
ATLAS mono-jet and ATLAS mono-photon searches, by paper 000 sec. 4's method.

Paper 000 sec. 4 (text next to its Fig. 9): "We rescale the number of SM background events from current values with
luminosities and set the number of observed events to be the same as the SM backgrounds. We assume the relative size
of systematic uncertainties remain the same." So, with f = L / L_now for every bin and inclusive region:
n_bkg -> f n_bkg, n_obs = f n_bkg, background covariance -> f^2 V (relative systematics kept), inclusive
n_bkg_err -> f n_bkg_err, lumi_pb -> L. The signal tables are the 13 TeV ones of the current searches (paper 000 keeps
the current analyses and energy). Read from the project's own dataset folders, not from ../shared.

Run: python scripts/convert/projection_hllhc_monox.py
"""

from __future__ import annotations

from globalfit.catalogue import Catalogue
from globalfit.datatools import write_dataset

#: (projection stem, current dataset)
SEARCHES = (("hllhc_cms_monojet", "lhc_cms_monojet_2017"), ("hllhc_atlas_monojet", "lhc_atlas_monojet_2017"),
            ("hllhc_atlas_monophoton", "lhc_atlas_monophoton_2017"))
LUMIS_FB = (300, 3000)


def project(entry, lumi_fb: float) -> tuple[dict, dict]:
    """(spec, files) of the projection of a current monox_inclusive dataset to ``lumi_fb`` (paper 000 sec. 4)."""
    f = lumi_fb * 1e3 / float(entry.spec["lumi_pb"])
    ex, inc = entry.read_csv("exclusive_bins.csv"), entry.read_csv("inclusive_regions.csv")
    for table in (ex, inc):
        table["n_bkg"] = f * table["n_bkg"]
        table["n_obs"] = table["n_bkg"]
        table["n_bkg_err"] = f * table["n_bkg_err"]
    files = {"exclusive_bins.csv": ex, "inclusive_regions.csv": inc, "signal_table.csv": entry.read_csv("signal_table.csv")}
    if "background_covariance.csv" in entry.spec["files"]:
        files["background_covariance.csv"] = f * f * entry.read_csv("background_covariance.csv")
    spec = {k: v for k, v in entry.spec.items() if k not in ("files", "published")}
    spec["lumi_pb"] = lumi_fb * 1e3
    spec["description"] = (f"PROJECTION HL-LHC {lumi_fb}/fb of {entry.id} (paper 000 sec. 4: background scaled with L, "
                           "observed = background, relative systematics kept)")
    spec["citation"] = (f"projection of {entry.citation}; method of paper 000 (NSIs of neutrinos at the LHC in a "
                        "simplified Z' model, the project's paper 000) sec. 4, Fig. 9 and Table 2")
    return spec, files


def main() -> None:
    cat = Catalogue()
    for stem, current in SEARCHES:
        entry = cat.get(current)
        for lumi in LUMIS_FB:
            spec, files = project(entry, lumi)
            pid = f"{stem}_{lumi}"
            write_dataset(
                "projections", pid, spec, files,
                f"# {pid}\n\nPROJECTION (not data): {current} scaled to {lumi}/fb as paper 000 section 4 does for its\n"
                "Fig. 9 and Table 2 HL-LHC columns: the SM background of every bin and inclusive region times\n"
                f"f = {lumi}/fb / {float(entry.spec['lumi_pb']) / 1e3:g}/fb, observed events set equal to it, the relative\n"
                "systematic uncertainties unchanged (background covariance times f^2, inclusive uncertainties times f),\n"
                "the statistical part (the N_obs of the likelihood's variance) grows with f. Assumptions: the same\n"
                "analysis, pT_miss binning and 13 TeV signal tables as the current search (no 14 TeV rescaling, no\n"
                "extension of the pT_miss range, no reduction of systematics -- paper 000's 'rather conservative'\n"
                "choice). Numbers derived from the project's own likelihoods/" + current + "/ by\n"
                "`scripts/convert/projection_hllhc_monox.py`.\n",
            )


if __name__ == "__main__":
    main()
