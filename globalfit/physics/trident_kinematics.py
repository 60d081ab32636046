"""Neutrino trident nu_mu N -> nu_mu N mu+ mu- in the equivalent-photon approximation: the parameter-independent
integrals that give sigma(SM + Z')/sigma(SM) with the full Z' propagator (used by :mod:`globalfit.physics.trident`).

Method (after Altmannshofer, Gori, Pospelov, Yavin, arXiv:1406.2332, whose coherent equivalent-photon formula is
quoted here from memory and rederived rather than copied)::

    sigma(nu N -> nu N mu mu) = (Z^2 alpha / pi) Int ds/s sigma_{nu gamma}(s) Int_{(s / 2E)^2} dq^2/q^2 F^2(q)

with s the nu-gamma invariant mass squared, E the neutrino energy and F the nuclear charge form factor (Helm,
:func:`globalfit.physics.form_factors.helm`). The sub-process nu(k) gamma(p) -> nu(k') mu-(p1) mu+(p2) is computed
exactly at tree level (muon mass kept), with the nu_mu-mu interaction

    L = -sqrt(2) G_F [nubar gamma_a P_L nu] [mubar gamma^a (c_V - c_A gamma5) mu],
    c_V = g_V + Delta M^2 / (M^2 + Q^2),   c_A = g_A = 1/2,   Q^2 = -(k - k')^2 >= 0,

where the Z' (couplings g' Q_nu, g' Q_mu) carries the momentum k - k' of the neutrino pair (equal to the dimuon-pair
momentum minus the photon momentum), always space-like, so its propagator 1/(q^2 - M^2) = -1/(Q^2 + M^2) has no pole,
and Delta = g'^2 Q_nu Q_mu / (sqrt2 G_F M^2) is the contact-limit shift of :func:`globalfit.physics.trident.trident_ratio`.
The squared matrix element is a quadratic form in (c_V, c_A):
``|M|^2 = c_V^2 W_VV + 2 c_V c_A W_VA + c_A^2 W_AA``. W_VA is odd under mu+ <-> mu- (C parity: the photon-vector pair
is C-even, the photon-axial pair C-odd), so it integrates to zero over the symmetric final state and is dropped.
The phase-space integral is done once by quasi Monte Carlo (scrambled Sobol points, fixed seed) with weights that follow
the collinear and low-Q^2 peaks, and reduced to three numbers per Z' mass::

    f_n(M) = <[M^2/(M^2+Q^2)]^n>_VV  (n = 1, 2),   r = Int W_AA / Int W_VV,

the averages weighted by the W_VV part of the SM cross section. Then (module :mod:`globalfit.physics.trident`)
``sigma/sigma_SM = 1 + (2 g_V Delta f_1 + Delta^2 f_2) / (g_V^2 + r g_A^2)``: f_n -> 1 and r -> 1 (massless muons)
give the contact formula back, and for M^2 << <Q^2> the Z' term is suppressed by M^2/Q^2 per propagator.
Same sample points for every mass, so the table is smooth in M.

Approximations, stated: coherent scattering on the nucleus only (the incoherent nucleon part, ~10 % of the rate at
CCFR energies, is left out of both numerator and denominator); a real photon in the sub-process; one neutrino
energy per experiment (the mean of the beam) instead of the flux spectrum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from globalfit.errors import PhysicsError
from globalfit.physics.constants import ALPHA_EM, G_F, M_MU
from globalfit.physics.form_factors import helm

# --- Dirac algebra (Dirac representation, metric +---) ------------------------------------------------------------
_I2 = np.eye(2)
_Z2 = np.zeros((2, 2))
_PAULI = [np.array([[0, 1], [1, 0]], complex), np.array([[0, -1j], [1j, 0]], complex),
          np.array([[1, 0], [0, -1]], complex)]
GAMMA = np.array([np.block([[_I2, _Z2], [_Z2, -_I2]]).astype(complex)]
                 + [np.block([[_Z2, s], [-s, _Z2]]) for s in _PAULI])
GAMMA5 = 1j * GAMMA[0] @ GAMMA[1] @ GAMMA[2] @ GAMMA[3]
METRIC = np.array([1.0, -1.0, -1.0, -1.0])
P_L = 0.5 * (np.eye(4) - GAMMA5)
P_R = 0.5 * (np.eye(4) + GAMMA5)


def slash(p: np.ndarray) -> np.ndarray:
    """p-slash = gamma^mu p_mu for momenta ``p`` of shape (n, 4) (contravariant components): shape (n, 4, 4)."""
    return np.einsum("nm,mij->nij", p * METRIC, GAMMA)


def dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Minkowski product of rows of two (n, 4) arrays."""
    return np.einsum("nm,nm->n", a * METRIC, b)


def bar(o: np.ndarray) -> np.ndarray:
    """Dirac adjoint gamma0 O^dagger gamma0 of matrices in the last two axes."""
    return GAMMA[0] @ np.conj(np.swapaxes(o, -1, -2)) @ GAMMA[0]


def squared_amplitudes(k: np.ndarray, kp: np.ndarray, p_gamma: np.ndarray, p_minus: np.ndarray,
                       p_plus: np.ndarray, m: float = M_MU, polarisation: np.ndarray | None = None
                       ) -> dict[str, np.ndarray]:
    """Spin- and polarisation-summed |M|^2 pieces of nu(k) gamma(p) -> nu(k') mu-(p1) mu+(p2), without the coupling
    factor 2 G_F^2 e^2: ``{"VV", "VA", "AA"}`` with |M|^2 / (2 G_F^2 e^2) = c_V^2 VV + 2 c_V c_A VA + c_A^2 AA.

    Parameters
    ----------
    k, kp, p_gamma, p_minus, p_plus
        Four-momenta [GeV], arrays of shape (n, 4), contravariant components.
    m
        Muon mass [GeV].
    polarisation
        Photon polarisation sum P_{mu nu} (lower indices, shape (n, 4, 4)); default -g_{mu nu}, valid because the two
        diagrams form a gauge-invariant set (tested against the sum over the two physical polarisations).
    """
    one = np.eye(4)
    q1, q2 = p_minus - p_gamma, p_gamma - p_plus
    s1 = (slash(q1) + m * one) / (dot(q1, q1) - m**2)[:, None, None]
    s2 = (slash(q2) + m * one) / (dot(q2, q2) - m**2)[:, None, None]
    rho_minus = slash(p_minus) + m * one
    rho_plus = slash(p_plus) - m * one
    if polarisation is None:
        polarisation = np.broadcast_to(-np.diag(METRIC), (len(k), 4, 4))
    g_low = GAMMA * METRIC[:, None, None]
    # neutrino tensor N_{ab} = Tr[k'/ gamma_a P_L k/ P_R gamma_b] (lower indices; only left-handed nu_mu)
    nu = np.einsum("nij,ajk,kl,nlm,mp,bpi->nab", slash(kp), g_low, P_L, slash(k), P_R, g_low, optimize=True)
    vertices = {"V": GAMMA, "A": -GAMMA @ GAMMA5}
    # O^{a x} = gamma^x S1 Gamma^a + Gamma^a S2 gamma^x (x: photon index), shape (n, a, x, 4, 4)
    amp = {v: np.einsum("xij,njk,akl->naxil", GAMMA, s1, g, optimize=True)
           + np.einsum("aij,njk,xkl->naxil", g, s2, GAMMA, optimize=True) for v, g in vertices.items()}
    left = {v: np.einsum("nij,naxjk->naxik", rho_minus, o) for v, o in amp.items()}
    right = {v: np.einsum("nij,nayjk,nxy->naxik", rho_plus, bar(o), polarisation, optimize=True)
             for v, o in amp.items()}
    out = {}
    for a, b in (("V", "V"), ("V", "A"), ("A", "A")):
        lab = np.einsum("naxij,nbxji->nab", left[a], right[b], optimize=True)
        out[a + b] = np.real(np.einsum("nab,nab->n", nu, lab))
    return out


# --- kinematics ----------------------------------------------------------------------------------------------------
def boost(p: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Lorentz boost of four-momenta ``p`` (n, 4) by velocities ``beta`` (n, 3): the frame moving with -beta."""
    b2 = np.einsum("ni,ni->n", beta, beta)
    gamma = 1.0 / np.sqrt(1.0 - b2)
    bp = np.einsum("ni,ni->n", beta, p[:, 1:])
    coef = np.where(b2 > 0, (gamma - 1.0) / np.where(b2 > 0, b2, 1.0), 0.0)
    e = gamma * (p[:, 0] + bp)
    vec = p[:, 1:] + (coef * bp + gamma * p[:, 0])[:, None] * beta
    return np.column_stack([e, vec])


@dataclass(frozen=True)
class Nucleus:
    """A target nucleus in the coherent photon flux: charge Z, mass number A, and how many per target unit."""

    z: int
    a: float
    count: float = 1.0


@dataclass
class Events:
    """Weighted nu gamma -> nu mu mu events: ``sum(weight * |M|^2/(2 G_F^2 e^2))`` is sigma(nu N) [GeV^-2] for
    c_V = c_A = 1 pieces; ``q2`` is the Z' virtuality Q^2 = -(k - k')^2 [GeV^2] of each event."""

    weight: np.ndarray
    q2: np.ndarray
    pieces: dict[str, np.ndarray]


def flux_integral(targets: tuple[Nucleus, ...], q2_min: np.ndarray) -> np.ndarray:
    """Coherent equivalent-photon factor sum_i n_i Z_i^2 Int_{q2_min}^inf dq^2/q^2 F_i^2(q) (Helm form factor)."""
    grid = np.geomspace(1e-14, 10.0, 4000)
    lg = np.log(grid)
    out = np.zeros_like(np.asarray(q2_min, dtype=float))
    for t in targets:
        f2 = helm(np.sqrt(grid), t.a) ** 2
        # G(x) = Int_x^inf F^2 dlog q^2, cumulative trapezoid from the top
        seg = 0.5 * (f2[1:] + f2[:-1]) * np.diff(lg)
        g = np.concatenate([np.cumsum(seg[::-1])[::-1], [0.0]])
        out = out + t.count * t.z**2 * np.interp(np.log(q2_min), lg, g)
    return out


def subprocess_events(s: np.ndarray, u: np.ndarray, m: float = M_MU, q2_floor: float = 1e-12
                      ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """Map unit-cube points ``u`` (n, 4) to nu gamma -> nu mu- mu+ events at invariant masses squared ``s`` [GeV^2].

    Variables: log W^2 (dimuon mass, uniform between 4 m^2 and s), log Q^2 (between ``q2_floor`` and s - W^2),
    the mu- polar angle to the photon in the dimuon rest frame through cos = tanh(y)/beta with y uniform (this
    follows the collinear 1/(1 - beta^2 cos^2) peaks), and its azimuth; the azimuth of the outgoing neutrino is
    integrated (the event is rotated). Returns (phase-space weight dPhi_3 per unit-cube volume, Q^2, momenta
    (k, k', p_gamma, p_minus, p_plus)) in the nu gamma centre-of-mass frame; sum(weight)/n -> Phi_3 [GeV^2].
    """
    w2_lo = 4 * m**2 * (1 + 1e-9)
    w2 = w2_lo * (s / w2_lo) ** u[:, 0]
    w = w2 * np.log(s / w2_lo) / (2 * np.pi)
    rs = np.sqrt(s)
    e_nu = rs / 2
    e_out = (s - w2) / (2 * rs)
    q2_max = s - w2
    q2 = np.minimum(q2_floor * (q2_max / q2_floor) ** u[:, 1], q2_max)
    # dPhi_2(sqrt s; 0, W) = E'/(16 pi^2 sqrt s) dOmega, with dcos = dQ^2/(2 E E')
    w = w * e_out / (16 * np.pi**2 * rs) * 2 * np.pi * q2 * np.log(q2_max / q2_floor) / (2 * e_nu * e_out)
    cos_t = np.clip(1 - q2 / (2 * e_nu * e_out), -1.0, 1.0)
    sin_t = np.sqrt(1 - cos_t**2)
    beta = np.sqrt(1 - 4 * m**2 / w2)
    ymax = np.arctanh(beta)
    cos_s = np.tanh(ymax * (2 * u[:, 2] - 1)) / beta
    # dPhi_2(W; m, m) = beta/(32 pi^2) dOmega*
    w = w * beta / (32 * np.pi**2) * (1 - beta**2 * cos_s**2) / beta * 2 * ymax * 2 * np.pi
    phi_s = 2 * np.pi * u[:, 3]

    zero = np.zeros_like(s)
    k = np.column_stack([e_nu, zero, zero, e_nu])
    pg = np.column_stack([e_nu, zero, zero, -e_nu])
    kp = np.column_stack([e_out, e_out * sin_t, zero, e_out * cos_t])
    pair = k + pg - kp
    bpair = pair[:, 1:] / pair[:, :1]
    pg_rest = boost(pg, -bpair)
    z_ax = pg_rest[:, 1:] / np.linalg.norm(pg_rest[:, 1:], axis=1)[:, None]
    x_ax = np.cross(z_ax, np.array([0.0, 1.0, 0.0]))
    x_ax /= np.linalg.norm(x_ax, axis=1)[:, None]
    y_ax = np.cross(z_ax, x_ax)
    sin_s = np.sqrt(1 - cos_s**2)
    direction = (sin_s * np.cos(phi_s))[:, None] * x_ax + (sin_s * np.sin(phi_s))[:, None] * y_ax \
        + cos_s[:, None] * z_ax
    pstar = (beta * np.sqrt(w2) / 2)[:, None] * direction
    e_star = np.sqrt(w2) / 2
    p_minus = boost(np.column_stack([e_star, pstar]), bpair)
    p_plus = boost(np.column_stack([e_star, -pstar]), bpair)
    return w, q2, (k, kp, pg, p_minus, p_plus)


def sample_events(energy_GeV: float, targets: tuple[Nucleus, ...], n_log2: int = 15, seed: int = 1,
                  q2_floor: float = 1e-12, chunk: int = 4096) -> Events:
    """Quasi-Monte-Carlo events of nu_mu N -> nu_mu N mu+ mu- (coherent EPA) at one neutrino energy.

    Parameters
    ----------
    energy_GeV
        Neutrino energy [GeV].
    targets
        Nuclei of the target (their Z^2-weighted photon fluxes add).
    n_log2
        log2 of the number of Sobol points.
    seed
        Scrambling seed (the table is reproducible).
    q2_floor
        Lowest Z' virtuality sampled [GeV^2]; the part below contributes < q2_floor/M^2 of the Z' term.
    chunk
        Events per matrix-element batch (memory).
    """
    from scipy.stats import qmc

    s_lo = 4 * M_MU**2 * (1 + 1e-6)
    s_hi = 2 * energy_GeV * 0.6  # q_min = s/2E above 0.6 GeV: the nuclear form factor is ~0 there
    if not np.isfinite(energy_GeV) or s_hi <= 2 * s_lo:
        raise PhysicsError(f"trident neutrino energy {energy_GeV} GeV leaves no dimuon phase space")
    u = np.clip(qmc.Sobol(d=5, scramble=True, seed=seed).random_base2(n_log2), 1e-12, 1 - 1e-12)
    s = s_lo * (s_hi / s_lo) ** u[:, 0]
    # ds/s (Z^2 alpha/pi) Int dq^2/q^2 F^2, with s log-uniform
    w = flux_integral(targets, (s / (2 * energy_GeV)) ** 2) * ALPHA_EM / np.pi * np.log(s_hi / s_lo)
    w_ps, q2, mom = subprocess_events(s, u[:, 1:], q2_floor=q2_floor)
    # flux factor 1/(2s), photon polarisation average, Monte Carlo mean, the coupling factor 2 G_F^2 e^2
    w = w * w_ps / (2 * s) / 2 / len(s) * 2 * G_F**2 * 4 * np.pi * ALPHA_EM
    pieces: dict[str, list[np.ndarray]] = {"VV": [], "VA": [], "AA": []}
    for lo in range(0, len(s), chunk):
        got = squared_amplitudes(*(p[lo:lo + chunk] for p in mom))
        for key in pieces:
            pieces[key].append(got[key])
    return Events(weight=w, q2=q2, pieces={key: np.concatenate(v) for key, v in pieces.items()})


@dataclass(frozen=True)
class PropagatorTable:
    """The parameter-independent trident integrals on a mass grid (module docstring): f_1(M), f_2(M) and r."""

    mass_GeV: np.ndarray
    f1: np.ndarray
    f2: np.ndarray
    aa_over_vv: float
    sigma_vv_GeV2: float


def propagator_table(events: Events, masses_GeV: np.ndarray) -> PropagatorTable:
    """Reduce weighted events to f_n(M) = <[M^2/(M^2+Q^2)]^n>_VV on ``masses_GeV`` and r = sigma_AA/sigma_VV."""
    wvv = events.weight * events.pieces["VV"]
    t0 = wvv.sum()
    if not np.isfinite(t0) or t0 <= 0:
        raise PhysicsError("trident phase-space integral is not positive")
    m2 = np.asarray(masses_GeV, dtype=float)[:, None] ** 2
    prop = m2 / (m2 + events.q2[None, :])
    return PropagatorTable(mass_GeV=np.asarray(masses_GeV, dtype=float), f1=(prop * wvv).sum(axis=1) / t0,
                           f2=(prop**2 * wvv).sum(axis=1) / t0,
                           aa_over_vv=float((events.weight * events.pieces["AA"]).sum() / t0), sigma_vv_GeV2=float(t0))
