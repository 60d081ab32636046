"""Property-based checks (hypothesis) over random anomaly-free charges, the three theory modes, dataset subsets and
points of the prior box (issue 11 part 6).

Properties
----------
1. A charge assignment a dataset cannot see is dropped as insensitive (or, if no dataset of the run sees it, a
   ConfigError saying so): never another error.
2. log L and its gradient are finite at every point of the prior box (compiled graphs, the path of NUTS, nested
   sampling and limits).
3. Every eps and log L are invariant under g' -> lambda g', Q -> Q/lambda (only the products g' Q are physical).

Charges: the r-basis of paper 004 eq. (2) (r_BL (B-L) + r_mutau (Lmu-Ltau) + r_mue (Lmu-Le)) and integer combinations
a B + b Le + c Lmu + d Ltau with the anomaly condition 9 Q_q + Q_e + Q_mu + Q_tau = 3a + b + c + d = 0.

Bounded time: Fit objects are compiled once per (charges, datasets, mode) and cached; few examples, deadline=None.

Designed to catch on the code of commit 77569eb (not yet run there: ``git worktree add /tmp/old 77569eb``;
``PYTHONPATH=/tmp/old pytest tests/test_property.py``): the NaN mass gradient of the dilepton and mono-jet terms below the
top threshold (property 2, LHC subsets: sqrt(max(1 - 4 m_t^2/M^2, 0)) has gradient 0 * inf); the missing electron
term of the matter potential (property 1: Le-Lmu-like charges with the oscillation data stopped with "does not depend
on any sampled parameter").
"""

from __future__ import annotations

import functools
from fractions import Fraction

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
#: compiles a graph per drawn charge pattern: part of `make test`, not of `make test-fast`
pytestmark = pytest.mark.slow
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SUBSETS = (("oscillation_esteban2018", "ccfr_trident"),
           ("lhc_atlas_dilepton_2019", "lhc_cms_monojet_2017"),
           ("oscillation_esteban2018", "lhc_cms_monojet_2017", "lhcb_darkphoton_2019"))
PRIORS = {"ccfr_trident", "lhcb_darkphoton_2019", "babar_4mu_2016"}
SETTINGS = settings(max_examples=2, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _charges_dict(q, e, mu, tau) -> dict[str, str]:
    return {"q": str(Fraction(q)), "e": str(Fraction(e)), "mu": str(Fraction(mu)), "tau": str(Fraction(tau))}


@st.composite
def integer_charges(draw):
    """a B + b Le + c Lmu + d Ltau with 3a + b + c + d = 0 (not all zero)."""
    a, b, c = (draw(st.integers(-2, 2)) for _ in range(3))
    d = -3 * a - b - c
    if (a, b, c, d) == (0, 0, 0, 0):
        c, d = 1, -1
    return (Fraction(a, 3), Fraction(b), Fraction(c), Fraction(d))


@st.composite
def r_basis_charges(draw):
    """Paper 004 eq. (2): Q_q = r_BL/3, Q_e = -r_BL - r_mue, Q_mu = -r_BL + r_mutau + r_mue, Q_tau = -r_BL - r_mutau."""
    r_bl, r_mt, r_me = (Fraction(draw(st.integers(-2, 2)), 2) for _ in range(3))
    if (r_bl, r_mt, r_me) == (0, 0, 0):
        r_mt = Fraction(1)
    return (r_bl / 3, -r_bl - r_me, -r_bl + r_mt + r_me, -r_bl - r_mt)


CHARGES = st.one_of(integer_charges(), r_basis_charges())


def _raw(datasets, mode: str, charges=None) -> dict:
    likelihoods = [d for d in datasets if d not in PRIORS]
    priors = [d for d in datasets if d in PRIORS]
    if mode == "u1":
        model = {"type": "u1", "charges": _charges_dict(*charges)}
        params = {"gprime": {"prior": "log-uniform", "lower": 1e-6, "upper": 1.0}}
    elif mode.startswith("simplified"):
        model = {"type": "simplified", "flavours": ["e"], "width_ratio": 0.1}
        if mode == "simplified+charged_leptons":
            model |= {"flavours": ["e", "mu", "tau"], "charged_leptons": True}
        params = {"epsilon": {"prior": "uniform", "lower": -0.5, "upper": 0.5}}
    else:
        model = {"type": "eft"}
        params = {"eps_u_ee": {"prior": "uniform", "lower": -0.5, "upper": 0.5},
                  "eps_d_mumu": {"prior": "uniform", "lower": -0.5, "upper": 0.5}}
    if mode != "eft":
        params["mass_GeV"] = {"prior": "log-uniform", "lower": 0.005, "upper": 1.0e4}
    return {"model": model, "parameters": params, "likelihoods": likelihoods, "priors": priors}


@functools.lru_cache(maxsize=64)
def _fit(datasets: tuple[str, ...], mode: str, charges: tuple | None):
    """(Fit, compiled total, compiled terms), or the ConfigError text if no dataset sees the model. Cached."""
    from globalfit.config import parse_config
    from globalfit.errors import ConfigError
    from globalfit.model import Fit

    try:
        fit = Fit(parse_config(_raw(datasets, mode, charges)))
    except ConfigError as exc:
        assert "no dataset of this run is sensitive" in str(exc), str(exc)
        return None
    return fit, fit.compiled("total"), fit.compiled("terms")


def _prior_point(fit, u: list[float]) -> np.ndarray:
    x = fit.prior_transform(np.clip(np.resize(np.asarray(u), len(fit.free)), 1e-6, 1 - 1e-6))
    return x


@SETTINGS
@given(charges=CHARGES, subset=st.sampled_from(SUBSETS), u=st.lists(st.floats(0, 1), min_size=4, max_size=4),
       lam=st.sampled_from([2, 3, -2]))
def test_u1_finite_and_rescaling_invariant(charges, subset, u, lam):
    """Properties 1-3 in u1 mode; the invariance to 1e-9 relative (plus 1e-12 absolute) in log L and eps."""
    from globalfit.physics.charges import ChargeAssignment
    from globalfit.physics.theory import TheorySpec

    built = _fit(subset, "u1", charges)
    if built is None:
        return
    fit, total, terms = built
    x = _prior_point(fit, u)
    value, grad = total(x)
    assert np.isfinite(value) and np.all(np.isfinite(grad)), (charges, subset, x, value, grad)

    scaled = tuple(Fraction(q) / lam for q in charges)
    fit2, _, terms2 = _fit(subset, "u1", scaled)
    assert fit2.component_ids == fit.component_ids  # sensitivity does not depend on the normalisation
    x2 = x.copy()
    g_index = fit.free_names.index("log10_gprime")
    x2[g_index] = x[g_index] + np.log10(abs(lam))
    np.testing.assert_allclose(terms2(x2), terms(x), rtol=1e-9, atol=1e-12)

    g, m = 10 ** x[g_index], 10 ** x[fit.free_names.index("log10_mass_GeV")]
    p1 = TheorySpec("u1", ChargeAssignment(*charges)).point({"gprime": g, "mass_GeV": m})
    p2 = TheorySpec("u1", ChargeAssignment(*scaled)).point({"gprime": abs(lam) * g, "mass_GeV": m})
    for f in ("u", "d", "e", "p", "n", "p+n"):
        for a in ("e", "mu", "tau"):
            assert p2.eps(f, a, 1e-3) == pytest.approx(p1.eps(f, a, 1e-3), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("mode", ["simplified", "simplified+charged_leptons", "eft"])  # each mode, not 2 draws of 3
@SETTINGS
@given(u=st.lists(st.floats(0, 1), min_size=4, max_size=4))
def test_other_modes_finite(mode, u):
    """Property 2 in simplified mode (oscillations + mono-jet; with charged leptons mono-jet + dilepton + ditau) and
    eft mode (oscillations)."""
    subset = {"simplified": ("oscillation_esteban2018", "lhc_cms_monojet_2017"),
              "simplified+charged_leptons": ("lhc_atlas_dilepton_2019", "lhc_atlas_ditau_2017", "lhc_cms_monojet_2017"),
              "eft": ("oscillation_esteban2018",)}[mode]
    fit, total, _ = _fit(subset, mode, None)
    value, grad = total(_prior_point(fit, u))
    assert np.isfinite(value) and np.all(np.isfinite(grad))
