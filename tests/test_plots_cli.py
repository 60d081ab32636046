"""Plots redrawn from result folders, the who-dominates-where map, describe, the common CLI flags and full-precision
summaries (issue 14)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from globalfit.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _images(folder: Path) -> dict[str, tuple[int, int]]:
    from PIL import Image

    return {p.name: Image.open(p).size for p in sorted((folder / "plots").glob("*.png"))}


def _small_quickstart(tmp_path: Path) -> Path:
    raw = yaml.safe_load((ROOT / "runs" / "quickstart.yaml").read_text())
    raw["sampler"] = {"method": "nested", "nlive": 40, "dlogz": 2.0, "seed": 3}
    raw["limits"] = {"masses_GeV": [0.05, 1.0], "processes": 1}
    p = tmp_path / "q.yaml"
    p.write_text(yaml.safe_dump(raw))
    return p


def test_plot_redraws_every_plot_of_run_limits_and_compare_folders(tmp_path):
    """`globalfit plot DIR` rewrites the same files, with the same image sizes, as the run / limits / compare wrote."""
    from globalfit.comparison import bayes_factor_table
    from globalfit.results import CompareResult

    cfg = _small_quickstart(tmp_path)
    run, lim = tmp_path / "res", tmp_path / "res_limits"
    assert main(["run", str(cfg), "--out", str(run)]) == 0
    assert main(["limits", str(cfg), "--out", str(lim)]) == 0
    rows = [{"model": m, "charges": c, "log_evidence": z, "log_evidence_err": 0.2, "datasets": "", "insensitive": ""}
            for m, c, z in [("A", "B-3Lmu", -3.0), ("B", "B-3/2(Lmu+Ltau)", -1.5), ("C", "B-3Ltau", -9.0)]]
    comp = CompareResult(bayes_factor_table(rows), {"name": "t"}, name="t").save(tmp_path / "res_compare")
    for folder in (run, lim, comp):
        before = _images(folder)
        assert before, folder
        for p in (folder / "plots").iterdir():
            p.unlink()
        assert main(["plot", str(folder)]) == 0
        assert _images(folder) == before
    assert {"corner.png", "mass_coupling.png", "coherent_csi_2017_predictive.png"} <= set(_images(run))
    assert main(["plot", str(comp), "--format", "pdf"]) == 0 and (comp / "plots" / "bayes_factors.pdf").is_file()
    assert main(["plot", str(tmp_path)]) == 2  # not a result folder: one line, exit 2
    # summary.csv at full precision: gprime's HDI edges are ~1e-6, not 0.0 (ArviZ rounds to 3 decimals by default)
    s = pd.read_csv(run / "summary.csv", index_col=0)
    assert 0 < s.loc["gprime", "hdi_2.5%"] < 1e-3


def test_verbose_after_the_verb_and_library_debug_only_with_vv(capsys):
    """-v after the verb turns on globalfit's DEBUG/INFO lines with their level names; other libraries stay at WARNING
    unless -vv; -q leaves warnings only."""
    from globalfit.cli import build_parser

    assert build_parser().parse_args(["describe", "x", "-v"]).verbose == 1
    assert build_parser().parse_args(["-v", "describe", "x"]).verbose == 1
    assert main(["describe", "lhcb_darkphoton_2019", "-v"]) == 0
    capsys.readouterr()
    logging.getLogger("globalfit.probe").debug("own debug line")
    logging.getLogger("filelock").debug("library chatter")
    err = capsys.readouterr().err
    assert "DEBUG globalfit.probe: own debug line" in err and "library chatter" not in err
    assert main(["-q", "describe", "lhcb_darkphoton_2019", "-vv"]) == 0
    capsys.readouterr()
    logging.getLogger("filelock").debug("library chatter")
    assert "DEBUG filelock: library chatter" in capsys.readouterr().err
    assert main(["describe", "lhcb_darkphoton_2019", "-q"]) == 0
    assert logging.getLogger("globalfit").level == logging.WARNING and capsys.readouterr().err == ""
    main(["describe", "lhcb_darkphoton_2019"])  # back to the defaults for the tests that follow


def test_describe_lists_options_nuisances_mass_range_and_citation(capsys):
    assert main(["describe", "coherent_csi_2017"]) == 0
    out = capsys.readouterr().out
    assert "coherent_csi_2017.gamma: normal(mu=0, sigma=0.28" in out and "form_factor" in out
    assert "arXiv:1708.01294" in out and "all masses" in out
    assert main(["describe", "lhcb_darkphoton_2019"]) == 0
    assert "0.2141 < M_Z' < 69.6 GeV" in capsys.readouterr().out
    assert main(["describe", "coherent_csi_2071"]) == 2
    assert "did you mean" in capsys.readouterr().err.lower()


def test_no_limit_notes_one_line_per_dataset():
    from globalfit.frequentist.scan import no_limit_notes

    t = pd.DataFrame({"mass_GeV": [0.01, 0.1, 1.0, 0.01, 1.0], "component": ["a", "a", "a", "b", "b"],
                      "method": ["delta_chi2_profile"] * 5, "upper": [np.nan, np.nan, 1e-3, np.nan, 2e-3],
                      "note": ["no crossing", "no crossing", "", "no crossing", ""]})
    lines = no_limit_notes(t)
    assert lines == ["no limit for a (delta_chi2_profile) at 2 mass(es) [0.01, 0.1] GeV: no crossing",
                     "no limit for b (delta_chi2_profile) at 1 mass(es) [0.01] GeV: no crossing"]


def test_hdi_matches_arviz_and_weights_shift_it():
    """The corner titles' interval is ArviZ's 95 % HDI (summary.csv's) for equal weights, to one draw spacing."""
    import arviz as az

    from globalfit.plots.style import hdi

    x = np.random.default_rng(1).normal(size=4000)
    lo, hi = hdi(x)
    ref = az.hdi(x, hdi_prob=0.95)
    assert abs(lo - ref[0]) < 2e-3 and abs(hi - ref[1]) < 2e-3
    lo_w, hi_w = hdi(x, weights=np.where(x > 0, 3.0, 1.0))
    assert lo_w > lo and hi_w > hi - 0.2


def test_mass_ranges_from_a_limits_table():
    from globalfit.dominance import from_table

    t = pd.DataFrame({"mass_GeV": [1, 1, 2, 2, 3, 3, 4, 4], "component": ["x", "y"] * 4,
                      "method": ["delta_chi2_profile"] * 8, "upper": [1, 2, 1, 2, 3, 2, np.nan, np.nan]})
    r = from_table(pd.concat([t, t.assign(component="combined", upper=0.5)]))
    assert r.ranges.to_dict("records") == [
        {"dataset": "x", "mass_min_GeV": 1, "mass_max_GeV": 2, "n_masses": 2},
        {"dataset": "y", "mass_min_GeV": 3, "mass_max_GeV": 3, "n_masses": 1}]


@pytest.mark.slow
def test_map_orders_oscillation_lhcb_lhc_for_cases_ABC(tmp_path, capsys):
    """Paper 002 sec. 6 (current data): for cases A and B oscillations lead at the lowest masses, LHCb between the
    dimuon threshold and 70 GeV, the ATLAS dimuon search above 250 GeV; case C has no LHCb limit (no muon coupling):
    oscillations up to ~200 GeV, then the ATLAS ditau search. Coarse grid avoiding the J/psi, phi and Upsilon gaps."""
    raw = yaml.safe_load((ROOT / "runs" / "quickstart.yaml").read_text())
    raw.update(likelihoods=[{"id": "oscillation_esteban2018", "options": {"matter": "p+n"}}, "lhc_atlas_dilepton_2019",
                            "lhc_atlas_ditau_2017"], priors=["lhcb_darkphoton_2019"],
               limits={"masses_GeV": [0.01, 0.05, 2.0, 5.0, 500.0, 1500.0], "processes": 1})
    cfg = tmp_path / "m.yaml"
    cfg.write_text(yaml.safe_dump(raw))
    expected = {"A": ["oscillation_esteban2018", "lhcb_darkphoton_2019", "lhc_atlas_dilepton_2019"],
                "B": ["oscillation_esteban2018", "lhcb_darkphoton_2019", "lhc_atlas_dilepton_2019"],
                "C": ["oscillation_esteban2018", "lhc_atlas_ditau_2017"]}
    for case, order in expected.items():
        out = tmp_path / f"map_{case}"
        assert main(["map", str(cfg), "--charges", case, "--out", str(out)]) == 0
        ranges = pd.read_csv(out / "mass_ranges.csv")
        assert list(ranges["dataset"]) == order, (case, ranges)
        assert (out / "plots" / "map.png").is_file()
    assert "lhc_atlas_ditau_2017" in capsys.readouterr().out


def test_one_mass_limits_are_drawn_as_markers(tmp_path, monkeypatch):
    """A limits table of one mass draws every curve as a marker (a line of one point is invisible), a table of two masses
    as lines without markers."""
    import matplotlib.pyplot as plt

    from globalfit.plots.limits import plot_limits

    seen = []
    monkeypatch.setattr(plt, "close", lambda fig=None: seen.append(fig))
    for masses in ([100.0], [100.0, 200.0]):
        rows = [{"mass_GeV": m, "component": c, "method": "delta_chi2_profile", "level": 4.0, "parameter": "gprime",
                 "upper": 1e-3 * (1 + i), "note": ""} for m in masses for i, c in enumerate(["combined", "osc"])]
        plot_limits(pd.DataFrame(rows), tmp_path / f"l{len(masses)}.png")
    one, two = ([ln.get_marker() for ln in fig.axes[0].get_lines()] for fig in seen)
    assert one and all(m == "o" for m in one)
    assert two and all(m in ("None", None, "") for m in two)
