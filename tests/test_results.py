"""Results as objects: the library returns them without writing, ``.save`` writes the pinned folders through the one
staged writer; the Bayesian cross-check of the limits (credible limit with nuisances marginalised, prior_dominated)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.stats import norm

from globalfit.datatools import write_dataset
from globalfit.errors import OutputExistsError

ROOT = Path(__file__).resolve().parents[1]


def _tree(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


def test_run_in_memory_writes_nothing_and_save_writes_the_pinned_folder(tmp_path, monkeypatch):
    """``globalfit.run(load_config(...))`` on the quickstart config (small sampler settings) gives the evidence in memory
    while the working directory and the config's output.dir stay untouched; ``.save`` writes config.yaml, posterior.nc,
    summary.csv, evidence.json and plots/, and ``load_results`` reads back the same evidence and summary."""
    import globalfit

    raw = yaml.safe_load((ROOT / "runs" / "quickstart.yaml").read_text())
    raw["sampler"] = {"method": "nested", "nlive": 40, "dlogz": 2.0, "seed": 4}
    cfg_path = tmp_path / "cfg" / "q.yaml"
    cfg_path.parent.mkdir()
    cfg_path.write_text(yaml.safe_dump(raw))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    before = _tree(tmp_path)
    r = globalfit.run(globalfit.load_config(cfg_path))
    assert _tree(tmp_path) == before and not (work / raw["output"]["dir"]).exists()
    assert np.isfinite(r.evidence["log_evidence"]) and r.evidence["log_evidence_err"] > 0
    assert set(r.posterior.log_likelihood.data_vars) >= {"coherent_csi_2017", "oscillation_esteban2018"}
    assert "log10_gprime" in r.summary.index and r.metadata["method"] == "nested"

    out = r.save(tmp_path / "saved")
    names = {p.name for p in out.iterdir()}
    assert names == {"config.yaml", "posterior.nc", "summary.csv", "evidence.json", "plots", "nested_run.npz"}
    assert {"corner.png", "mass_coupling.png"} <= {p.name for p in (out / "plots").iterdir()}
    back = globalfit.load_results(out)
    assert back.evidence == r.evidence
    pd.testing.assert_frame_equal(back.summary, pd.read_csv(out / "summary.csv", index_col=0))
    assert back.config["seed"] == 4 and "runtime_s" in back.config
    with pytest.raises(OutputExistsError):
        r.save(out)
    # a loaded result saves again, its plots carried over
    again = back.save(tmp_path / "again")
    assert {p.name for p in again.iterdir()} == names and list((again / "plots").glob("*.png"))


def test_staged_writer_leaves_nothing_on_failure(tmp_path):
    """A writer that fails halfway leaves neither the folder nor a temporary sibling; an existing folder is refused
    without force and replaced with it."""
    from globalfit.output import check_output, staged_folder

    out = tmp_path / "res"
    with pytest.raises(RuntimeError), staged_folder(out) as tmp:
        (tmp / "half.csv").write_text("x")
        raise RuntimeError("disk full")
    assert list(tmp_path.iterdir()) == []
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(OutputExistsError, match="--force"):
        check_output(out)
    with staged_folder(out, force=True) as tmp:
        (tmp / "new.txt").write_text("new")
    assert [p.name for p in tmp_path.iterdir()] == ["res"] and [p.name for p in out.iterdir()] == ["new.txt"]


def test_compare_result_save():
    """The Bayes-factor table of evidences (-1, -3.5, -7) +- (0.1, 0.2, 0.1): ln B = (0, -2.5, -6) with errors
    (0, hypot(0.1, 0.2), hypot(0.1, 0.1)); readings reference / unstable (-2.5 +- 0.22 straddles the weak/moderate
    boundary at 2.5) / strong against (Kass & Raftery)."""
    from globalfit.comparison import bayes_factor_table

    t = bayes_factor_table([{"model": m, "log_evidence": z, "log_evidence_err": e} for m, z, e in
                            (("A", -1.0, 0.1), ("B", -3.5, 0.2), ("C", -7.0, 0.1))])
    assert list(t["ln_bayes_factor"]) == pytest.approx([0.0, -2.5, -6.0])
    assert list(t["ln_bayes_factor_err"]) == pytest.approx([0.1, np.hypot(0.1, 0.2), np.hypot(0.1, 0.1)])
    assert list(t["jeffreys"]) == ["reference", "unstable: moderate evidence against .. weak evidence against",
                                   "strong evidence against"]


# -- Bayesian cross-check --------------------------------------------------------------------------------------------

class _Par:
    """A uniform (or unit-normal nuisance) parameter with the contract methods the Bayesian limit uses."""

    def __init__(self, name, lo, hi, normal=False):
        self.name, self.lo, self.hi, self.normal = name, lo, hi, normal
        self.free, self.is_log, self.sampling_name = True, False, name

    def to_sampling(self, v):
        return v

    def to_physical(self, x):
        return x

    def initial(self):
        return 0.0 if self.normal else 0.5 * (self.lo + self.hi)

    def sampling_bounds(self):
        return (self.lo, self.hi)

    def ln_prob(self, x):
        return -0.5 * x**2 if self.normal else 0.0 * x


class _WidthFit:
    """ln[L pi](c, theta) = -theta^2 (1 + (c/a)^2) / 2: the profile over theta is flat in c, the marginal is not."""

    a = 0.1

    def __init__(self):
        self.free = [_Par("epsilon", 0.0, 1.0), _Par("toy.theta", -10.0, 10.0, normal=True)]
        self.parameters = self.free
        self.theory = type("T", (), {"coupling_name": "epsilon"})()

    components = [object()]

    def own_nuisances(self, j):
        assert j == 0
        return [1]

    def component_profile(self, j):
        """The Fit interface the Bayesian limit uses: physical x -> (ln[L pi], d/d theta)."""
        assert j == 0

        def value_and_grad(x):
            c, th = x
            k = 1.0 + (c / self.a) ** 2
            return -0.5 * th**2 * k, np.array([-th * k])

        return value_and_grad


def test_credible_limit_marginalises_the_nuisances():
    """With ln[L pi] = -theta^2 (1 + (c/a)^2)/2 and a uniform prior on c in [0, 1], the profile over theta is flat (the
    old profile-times-prior limit would be the prior's 0.95) while the marginal is proportional to (1 + (c/a)^2)^(-1/2):
    CDF asinh(c/a)/asinh(1/a), so the 95 % limit is a sinh(0.95 asinh(1/a)) = 0.8847 for a = 0.1 (analytic; the Laplace
    step is exact for a Gaussian nuisance). Tolerance 1e-3 (200-point trapezoid grid)."""
    from globalfit.frequentist import credible_upper_limit

    a = _WidthFit.a
    lim = credible_upper_limit(_WidthFit(), 1.0, (1e-8, 1.0))
    assert lim.upper == pytest.approx(a * np.sinh(0.95 * np.arcsinh(1.0 / a)), rel=1e-3)
    assert lim.prior_upper == pytest.approx(0.95, rel=1e-6)
    assert not lim.prior_dominated


@pytest.fixture()
def toy_data(tmp_path, monkeypatch):
    root = tmp_path / "data"
    write_dataset("likelihoods", "toy_gauss",
                  {"kind": "gaussian_toy", "description": "Gaussian toy", "citation": "test", "parameter": "epsilon",
                   "mean": 0.2, "sigma": 0.05, "shift_sigma": 0.05}, {"note.txt": "toy\n"}, "# toy\n", root=root)
    write_dataset("likelihoods", "toy_blind", {"kind": "counting_toy", "description": "blind counting toy",
                                               "citation": "test", "coupling": "epsilon", "norm": 1e-6,
                                               "observed": 400, "background": 400, "background_err": 20.0},
                  {"note.txt": "toy\n"}, "# toy\n", root=root)
    monkeypatch.setenv("GLOBALFIT_DATA_PATH", str(root))
    return root


def _toy_cfg(dataset: str, prior: dict):
    from globalfit.config import parse_config

    return parse_config({"schema_version": 1, "name": "toy", "model": {"type": "simplified", "width_ratio": 0.1},
                         "parameters": {"epsilon": prior, "mass_GeV": {"value": 1000.0}}, "likelihoods": [dataset],
                         "limits": {"masses_GeV": [1000.0], "processes": 1}})


def test_bayesian_limit_gaussian_toy(toy_data, tmp_path):
    """Gaussian toy eps = 0.2 +- 0.05 whose mean moves with a nuisance of prior sd 0.05, uniform prior on eps in [0, 1]:
    the marginal posterior is N(0.2, hypot(0.05, 0.05)) truncated to [0, 1], whose 95 % quantile is
    0.2 + s Phi^-1(Phi(-0.2/s) + 0.95 (Phi(0.8/s) - Phi(-0.2/s))) = 0.3163 (analytic), to 1e-3. ``globalfit.limits``
    returns it as the row of method bayesian, not prior-dominated, and writes nothing until saved."""
    import globalfit

    res = globalfit.limits(_toy_cfg("toy_gauss", {"prior": "uniform", "lower": 0.0, "upper": 1.0}))
    assert list(tmp_path.iterdir()) == [toy_data]
    row = res.table[res.table["method"] == "bayesian"].iloc[0]
    s = np.hypot(0.05, 0.05)
    lo, hi = norm.cdf(-0.2 / s), norm.cdf(0.8 / s)
    assert row["upper"] == pytest.approx(0.2 + s * norm.ppf(lo + 0.95 * (hi - lo)), rel=1e-3)
    assert bool(row["prior_dominated"]) is False and row["component"] == "combined" and row["level"] == 0.95


def test_blind_toy_is_prior_dominated(toy_data, tmp_path):
    """A counting toy with 1e-6 eps^2 signal events against 400 +- 28 background is blind for eps <= 10: the credible
    limit is the log-uniform prior's own 95 % quantile 10^(-4 + 0.95 x 5) = 5.62, flagged prior_dominated in the row of
    method bayesian of limits.csv (the pinned columns unchanged, the flag after them)."""
    import globalfit

    res = globalfit.limits(_toy_cfg("toy_blind", {"prior": "log-uniform", "lower": 1e-4, "upper": 10.0}))
    out = res.save(tmp_path / "lim")
    t = pd.read_csv(out / "limits.csv")
    assert list(t.columns) == ["mass_GeV", "component", "method", "level", "parameter", "upper", "prior_dominated"]
    b = t[t["method"] == "bayesian"].iloc[0]
    assert bool(b["prior_dominated"]) and b["upper"] == pytest.approx(10 ** 0.75, rel=1e-3)
    assert (out / "plots" / "limits.png").is_file() and (out / "config.yaml").is_file()


def test_quickstart_blind_and_constrained_masses():
    """Quickstart data (B-3Lmu, g' log-uniform in [1e-6, 1]): at 3.7 TeV nothing but the oscillation bound M/g' ~ 1 TeV
    reaches the prior, so the credible limit (0.480) is within 5 % of the prior's 95 % quantile 10^-0.3 = 0.501 and
    flagged prior-dominated (the old profile-times-prior number, 0.48, was drawn as a limit); at 50 MeV COHERENT CsI
    constrains g' to a few 1e-5 and the limit is not flagged."""
    import globalfit
    from globalfit.frequentist import coupling_range, credible_upper_limit
    from globalfit.model import Fit

    cfg = globalfit.load_config(ROOT / "runs" / "quickstart.yaml")
    fit = Fit(cfg)
    crange = coupling_range(cfg, fit)
    blind = credible_upper_limit(fit, 3700.0, crange)
    assert blind.prior_upper == pytest.approx(10**-0.3, rel=1e-6)
    assert blind.prior_dominated and blind.upper == pytest.approx(0.48, rel=0.03)
    seen = credible_upper_limit(fit, 0.05, crange)
    assert not seen.prior_dominated and 1e-5 < seen.upper < 1e-4
