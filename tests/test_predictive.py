"""Posterior-predictive breakdown (signal and backgrounds of every binned dataset), the projections of the 2-D/3-D
COHERENT datasets and their plots, and the progress lines of NUTS and of compare (issue 14, items 6 and 8)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import yaml

from globalfit.config import parse_config
from globalfit.model import Fit
from globalfit.parameters import split_name

ROOT = Path(__file__).resolve().parents[1]
#: Every binned dataset of the catalogue with a signal/background breakdown, and the contributions it must have.
BINNED = {"coherent_csi_2017": {"CEvNS", "beam-on prompt neutrons"},
          "coherent_csi_2021": {"CEvNS", "BRN", "NIN", "steady state"},
          "coherent_lar_2020": {"CEvNS", "prompt BRN", "delayed BRN", "steady state"},
          "lhc_atlas_monojet_2017": {"Z' signal", "SM background"},
          "lhc_atlas_monophoton_2017": {"Z' signal", "SM background"},
          "lhc_cms_monojet_2017": {"Z' signal", "SM background"}}
PROJECTIONS = {"coherent_csi_2021": {"t_rec"}, "coherent_lar_2020": {"F90", "time"}}


def _fit(datasets: list[str], charges: str = "B-3Lmu") -> Fit:
    raw = yaml.safe_load((ROOT / "runs" / "quickstart.yaml").read_text())
    raw.update(likelihoods=datasets, priors=[], model={"type": "u1", "charges": charges})
    return Fit(parse_config(raw))


def _points(fit: Fit, n: int, seed: int = 0) -> list[dict]:
    """Physical values with g' near the COHERENT sensitivity (visible signal changes) and nuisances drawn from their
    priors (so that every normalisation enters)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        x = fit.prior_transform(rng.uniform(size=len(fit.free)))
        vals = fit.physical_values({p.name: float(v) for p, v in zip(fit.free, x)})
        vals.update(gprime=10 ** rng.uniform(-4.6, -4.0), mass_GeV=10 ** rng.uniform(-1.0, 3.0))
        out.append(vals)
    return out


@pytest.fixture(scope="module")
def binned_fit() -> Fit:
    return _fit(list(BINNED))


def test_every_binned_dataset_has_a_breakdown(binned_fit):
    """The list above covers every catalogue dataset of the COHERENT and mono-X kinds, each with its contributions."""
    from globalfit.catalogue import Catalogue

    kinds = ("coherent_", "monox_inclusive")
    ids = {i for i, e in Catalogue().entries["likelihoods"].items() if e.spec["kind"].startswith(kinds)}
    assert ids == set(BINNED)
    from globalfit.plots.predictive import expected_parts

    vals = _points(binned_fit, 1)[0]
    for comp in binned_fit.components:
        assert set(expected_parts(binned_fit, comp, vals)) == BINNED[comp.id], comp.id
        assert set(comp.projections()) == PROJECTIONS.get(comp.id, set()), comp.id


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_breakdown_sums_to_expected(binned_fit, seed):
    """sum of expected_components == expected()["counts"] per bin, to rtol 1e-12 (the same numbers added in the same
    order; a hand identity, no physics reference), at points with a visible Z' signal and pulled nuisances; and every
    projection of a 2-D/3-D dataset holds the same total events as the default one, its data the same total counts."""
    from globalfit.plots.predictive import _split

    for vals in _points(binned_fit, 2, seed):
        for comp in binned_fit.components:
            point, nuis = _split(binned_fit, comp, vals)
            total = np.asarray(comp.expected(point, nuis)["counts"], dtype=float)
            parts = comp.expected_components(point, nuis)
            np.testing.assert_allclose(sum(np.asarray(v, float) for v in parts.values()), total, rtol=1e-12,
                                       err_msg=comp.id)
            for axis, obs in comp.projections().items():
                projected = comp.expected_components(point, nuis, axis)
                assert len(next(iter(projected.values()))) == len(obs["edges"]) - 1 == len(obs["counts"])
                assert sum(v.sum() for v in projected.values()) == pytest.approx(total.sum(), rel=1e-12)
                assert obs["counts"].sum() == pytest.approx(comp.observed()["counts"].sum(), rel=1e-12)


def test_signal_part_responds_to_the_zprime(binned_fit):
    """The first contribution is the signal: it changes with g' (CsI 2021: by more than 1 % at g' = 1e-4, M = 10 MeV,
    B-3Lmu, where the CsI data already constrain the model, paper 002 Fig. 2) while the backgrounds do not."""
    comp = next(c for c in binned_fit.components if c.id == "coherent_csi_2021")
    base = dict(_points(binned_fit, 1)[0], mass_GeV=0.01)
    from globalfit.plots.predictive import expected_parts

    sm = expected_parts(binned_fit, comp, dict(base, gprime=0.0))
    bsm = expected_parts(binned_fit, comp, dict(base, gprime=1e-4))
    assert abs(bsm["CEvNS"].sum() / sm["CEvNS"].sum() - 1.0) > 0.01
    for k in ("BRN", "NIN", "steady state"):
        np.testing.assert_array_equal(bsm[k], sm[k])


def test_predictive_projection_plots_are_written(tmp_path):
    """CsI 2021 (PE, t_rec) and LAr (energy, F90, time): one non-empty PNG per projection."""
    from PIL import Image

    from globalfit.plots.predictive import predictive_plots

    fit = _fit(["coherent_csi_2021", "coherent_lar_2020"])
    pts = _points(fit, 30)
    samples = {p.sampling_name: np.array([p.to_sampling(v[p.name]) for v in pts]) for p in fit.free}
    written = predictive_plots(fit, samples, tmp_path, n_predictive=10)
    names = {p.name for p in written}
    assert names == {"coherent_csi_2021_predictive.png", "coherent_csi_2021_predictive_t_rec.png",
                     "coherent_lar_2020_predictive.png", "coherent_lar_2020_predictive_f90.png",
                     "coherent_lar_2020_predictive_time.png"}
    for p in written:
        assert Image.open(p).size[0] > 500


def test_nuts_progress_lines(caplog):
    """PyMC calls the progress callback for every draw: one line per tenth of a chain, newline-terminated log lines
    (20 tuning + 20 draws, 1 chain: lines at 4, 8, ..., 40; tuning marked)."""
    import pymc as pm

    from globalfit.inference.nuts import DrawProgress

    with pm.Model():
        pm.Normal("x")
        with caplog.at_level(logging.INFO, logger="globalfit.nuts"):
            pm.sample(draws=20, tune=20, chains=1, cores=1, progressbar=False, random_seed=1,
                      compute_convergence_checks=False, callback=DrawProgress(20, 20, 1))
    lines = [r.getMessage() for r in caplog.records if r.name == "globalfit.nuts"]
    assert lines[0] == "NUTS chain 1/1: 4/40 draws (tuning)"
    assert lines[-1] == "NUTS chain 1/1: 40/40 draws"
    assert len(lines) == 10


def test_compare_logs_each_model(monkeypatch, caplog):
    """compare logs one 'started' and one 'finished, ln Z = ...' line per model (nested sampling replaced by a stub
    returning a known ln Z per model)."""
    import globalfit.inference.nested as nested
    import globalfit.inference.run as run
    from globalfit.comparison import compare

    raw = yaml.safe_load((ROOT / "runs" / "quickstart.yaml").read_text())
    raw["limits"] = {"masses_GeV": [0.05], "processes": 1}
    cfg = parse_config(raw)
    lnz = {"A": -1.5, "B": -2.25, "C": -3.0}
    calls = iter(lnz.values())  # processes: 1 runs the models in order

    def fake_evidence(fit, resolved, print_progress=None):
        return None, {"log_evidence": next(calls), "log_evidence_err": 0.1, "error_model": "stub"}

    monkeypatch.setattr(run, "nested_evidence", fake_evidence)
    monkeypatch.setattr(nested, "equal_weight_draws", lambda results, seed: np.zeros((3, 64)))
    with caplog.at_level(logging.INFO, logger="globalfit.compare"):
        compare(cfg)
    lines = [r.getMessage() for r in caplog.records if r.name == "globalfit.compare"]
    assert [m for m in lines if "finished" in m] == [
        f"compare: model {m} finished, ln Z = {lnz[m]:.3f} +- 0.100" for m in ("A", "B", "C")]
    assert sum("started" in m for m in lines) == 3


def test_background_parts_are_the_release_templates(binned_fit):
    """With every nuisance at 0 the background contributions are the releases' numbers: CsI 2021 BRN 18.4 and NIN 5.6
    expected events in the analysis window (Akimov et al., PRL 129 (2022) 081801, data release), LAr the bins.csv
    columns brn_prompt, brn_delayed, steady_state summed over F90 and time, mono-X the published SM background per
    exclusive bin (rtol 1e-9: the same numbers, only summed)."""
    import pandas as pd

    from globalfit.plots.predictive import _split

    vals = {k: (0.0 if split_name(k)[0] else v) for k, v in _points(binned_fit, 1)[0].items()}
    comps = {c.id: c for c in binned_fit.components}
    parts = {i: c.expected_components(*_split(binned_fit, c, vals)) for i, c in comps.items()}
    assert parts["coherent_csi_2021"]["BRN"].sum() == pytest.approx(18.4, rel=1e-9)
    assert parts["coherent_csi_2021"]["NIN"].sum() == pytest.approx(5.6, rel=1e-9)
    bins = pd.read_csv(ROOT / "likelihoods" / "coherent_lar_2020" / "bins.csv")
    lar = comps["coherent_lar_2020"]
    for name, col in (("prompt BRN", "brn_prompt"), ("delayed BRN", "brn_delayed"), ("steady state", "steady_state")):
        expected = bins.groupby(lar.e_index)[col].sum().to_numpy(float)
        np.testing.assert_allclose(parts["coherent_lar_2020"][name], expected, rtol=1e-9, err_msg=name)
    for i in ("lhc_atlas_monojet_2017", "lhc_cms_monojet_2017", "lhc_atlas_monophoton_2017"):
        ex = pd.read_csv(ROOT / "likelihoods" / i / "exclusive_bins.csv")
        np.testing.assert_allclose(parts[i]["SM background"], ex["n_bkg"].to_numpy(float), rtol=1e-9, err_msg=i)
