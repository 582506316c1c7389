"""Tests of fscnn_lib.sobolev: the mollifier, the edge measure of a PC_h image, and the
grid forms of Lemmas 2.3, 2.4 and 2.5.

Oracles are closed forms (polar integrals, perimeters, derivatives of polynomials and of
|x|^alpha), SciPy quadrature and ``scipy.signal.convolve2d``, and brute-force loops over
cell edges, all independent of the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import integrate, signal

import fscnn_lib as fl
from fscnn_lib import mollifiers as ml
from fscnn_lib import sobolev as sb


# ------------------------------------------------------------------------ mollifier
def test_bump_mass_against_two_dimensional_quadrature():
    """int exp(-1/(1-|x|^2)) over the unit disk, by dblquad in Cartesian coordinates."""
    val, _ = integrate.dblquad(
        lambda y, x: math.exp(-1.0 / (1.0 - x * x - y * y)) if x * x + y * y < 1 else 0.0,
        -1, 1, lambda x: -math.sqrt(1 - x * x), lambda x: math.sqrt(1 - x * x),
        epsabs=1e-12, epsrel=1e-10,
    )
    assert_allclose(ml.bump_mass(), val, rtol=1e-8)


def test_bump_is_a_mollifier():
    """phi >= 0, supported in the closed unit disk, mass 1, radial."""
    t = np.linspace(-1.2, 1.2, 241)
    X1, X2 = np.meshgrid(t, t, indexing="ij")
    phi = ml.bump(X1, X2)
    assert (phi >= 0).all()
    assert (phi[X1**2 + X2**2 >= 1] == 0).all()
    assert_allclose(ml.bump(0.3, 0.4), ml.bump(0.5, 0.0))
    assert_allclose(ml.bump(0.0, 0.0), math.exp(-1) / ml.bump_mass())
    mass, _ = integrate.quad(lambda r: 2 * math.pi * r * float(ml.bump(r, 0.0)), 0, 1, epsabs=1e-13)
    assert_allclose(mass, 1.0, rtol=1e-9)


def test_bump_gradient_against_central_differences():
    rng = np.random.default_rng(3)
    pts = rng.uniform(-0.9, 0.9, size=(20, 2))
    pts = pts[(pts**2).sum(axis=1) < 0.8]
    d = 1e-6
    g = ml.bump_gradient(pts[:, 0], pts[:, 1])
    fd1 = (ml.bump(pts[:, 0] + d, pts[:, 1]) - ml.bump(pts[:, 0] - d, pts[:, 1])) / (2 * d)
    fd2 = (ml.bump(pts[:, 0], pts[:, 1] + d) - ml.bump(pts[:, 0], pts[:, 1] - d)) / (2 * d)
    assert g.shape == (2, len(pts))
    assert_allclose(g[0], fd1, atol=1e-7)
    assert_allclose(g[1], fd2, atol=1e-7)
    assert (ml.bump_gradient(1.5, 0.0) == 0).all()


@pytest.mark.parametrize("eps,h", [(0.1, 1 / 64), (0.25, 1 / 32), (0.05, 1 / 128)])
def test_mollifier_kernel_normalisations(eps, h):
    K = int(math.floor(eps / h + 1e-9))
    k = ml.mollifier_kernel(eps, h)
    assert k.shape == (2 * K + 1, 2 * K + 1)
    assert_allclose(h * h * k.sum(), 1.0, rtol=1e-12)
    assert_allclose(k, k[::-1, :]) and assert_allclose(k, k.T)
    # samples are close to eps^-2 phi(y/eps) (the renormalisation is a tiny correction)
    t = h * np.arange(-K, K + 1)
    raw = ml.bump(t[:, None] / eps, t[None, :] / eps) / eps**2
    assert_allclose(k, raw, rtol=5e-3, atol=1e-12 * raw.max())
    for i in (0, 1):
        d = ml.mollifier_kernel(eps, h, derivative=i)
        y = (t[:, None] + 0 * t[None, :]) if i == 0 else (0 * t[:, None] + t[None, :])
        assert_allclose(-h * h * (y * d).sum(), 1.0, rtol=1e-12)
        assert abs(d.sum()) < 1e-9 * np.abs(d).max()
    assert_allclose(ml.mollifier_kernel(eps, h, derivative=1), ml.mollifier_kernel(eps, h, derivative=0).T)


def _oracle_mollify(U, h, eps):
    """Valid mollification by scipy.signal.convolve2d (a true convolution)."""
    return h * h * signal.convolve2d(U, ml.mollifier_kernel(eps, h), mode="valid")


def test_mollify_matches_scipy_and_reflection_mode():
    rng = np.random.default_rng(0)
    U = rng.standard_normal((40, 36))
    h, eps = 1 / 40, 0.1
    assert_allclose(ml.mollify(U, h, eps), _oracle_mollify(U, h, eps), atol=1e-12)
    K = 4
    padded = np.pad(U, K, mode="symmetric")
    assert_allclose(ml.mollify(U, h, eps, boundary="symmetric"), _oracle_mollify(padded, h, eps), atol=1e-12)
    padded = np.pad(U, K, mode="reflect")
    assert_allclose(ml.mollify(U, h, eps, boundary="reflect"), _oracle_mollify(padded, h, eps), atol=1e-12)
    assert ml.mollify(U, h, eps, boundary="symmetric").shape == U.shape


def test_mollify_torch_and_batches():
    rng = np.random.default_rng(1)
    U = rng.standard_normal((2, 3, 24, 24))
    out_np = ml.mollify(U, 1 / 24, 0.2)
    out_t = ml.mollify(torch.from_numpy(U), 1 / 24, 0.2)
    assert isinstance(out_t, torch.Tensor) and out_t.dtype == torch.float64
    assert_allclose(out_t.numpy(), out_np, atol=1e-12)
    g = ml.mollified_gradient(torch.from_numpy(U).float(), 1 / 24, 0.2)
    assert g.shape == (2, 3, 2, 16, 16) and g.dtype == torch.float32


def test_mollified_gradient_exact_on_quadratics():
    """By symmetry and the first-moment normalisation, (D phi_eps) * u = Du for quadratic u."""
    h = 1 / 48
    x = (np.arange(48) + 0.5) * h
    X1, X2 = np.meshgrid(x, x, indexing="ij")
    U = 3 * X1**2 - X1 * X2 + 0.5 * X2**2 + X1 - 2
    g = ml.mollified_gradient(U, h, 0.125)
    c = slice(6, -6)
    assert_allclose(g[0], (6 * X1 - X2 + 1)[c, c], atol=1e-10)
    assert_allclose(g[1], (-X1 + X2)[c, c], atol=1e-10)
    # and phi_eps * u = u + (eps-dependent constant) * Laplacian: the second moment of phi
    v = ml.mollify(U, h, 0.125)
    shift = v - U[c, c]
    assert_allclose(shift, shift[0, 0], atol=1e-12)


def test_mollified_gradient_converges_for_smooth_u():
    h = 1 / 256
    x = (np.arange(256) + 0.5) * h
    X1, X2 = np.meshgrid(x, x, indexing="ij")
    U = np.sin(3 * X1) * np.cos(2 * X2)
    errs = []
    for eps in (0.2, 0.1, 0.05):
        g = ml.mollified_gradient(U, h, eps)
        K = int(math.floor(eps / h + 1e-9))
        c = slice(K, 256 - K)
        errs.append(np.abs(g[0] - (3 * np.cos(3 * X1) * np.cos(2 * X2))[c, c]).max())
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] < 1e-2
    assert 1.7 < fl.fit_rate([0.2, 0.1, 0.05], errs) < 2.3  # second order for a symmetric kernel


# ---------------------------------------------------------------------- Lemma 2.3
def _brute_force_edge_conv(U, W, h):
    """Sum over every cell edge of (mass) x (kernel value at x - y_e), with explicit loops."""
    N, M = U.shape
    n, m = W.shape
    out = np.zeros((2, N - n + 1, M - m + 1))
    for i in range(N - n + 1):
        for j in range(M - m + 1):
            # node (i, j) of U*W sees input cells i + n-1-k, j + m-1-l for kernel cell (k, l)
            if i < N - n:
                s = 0.0
                for k in range(n):
                    for l in range(m):
                        a, b = i + n - 1 - k, j + m - 1 - l
                        s += h * (U[a + 1, b] - U[a, b]) * W[k, l]
                out[0, i, j] = s
            if j < M - m:
                s = 0.0
                for k in range(n):
                    for l in range(m):
                        a, b = i + n - 1 - k, j + m - 1 - l
                        s += h * (U[a, b + 1] - U[a, b]) * W[k, l]
                out[1, i, j] = s
    return out


def test_jump_measure_masses_and_total_variation():
    """The indicator of a cell-aligned rectangle: masses +-h on its boundary edges, |Du| = perimeter."""
    h = 1 / 16
    U = np.zeros((16, 16))
    U[4:10, 3:12] = 1.0  # a 6h x 9h rectangle
    du = sb.jump_measure(U, h)
    assert du.d1.shape == (15, 16) and du.d2.shape == (16, 15) and du.h == h
    assert_allclose(du.d1[3, 3:12], h) and assert_allclose(du.d1[9, 3:12], -h)
    assert_allclose(np.abs(du.d1).sum(), 2 * 9 * h)
    assert_allclose(du.total_variation(), 2 * (6 + 9) * h)
    assert_allclose(du.total_variation(), fl.tv(U, h, kind="anisotropic"))
    # the first moment: int x1 dD_1u = -int u over the domain when u vanishes at the border
    edges_x1 = (np.arange(15) + 1) * h  # x1 of the edge between cells i and i+1
    assert_allclose((edges_x1[:, None] * du.d1).sum(), -h * h * U.sum())


def test_jump_measure_torch_batch():
    U = torch.zeros(3, 8, 8, dtype=torch.float64)
    U[:, 2:5, 2:6] = 1.0
    du = sb.jump_measure(U, 0.125)
    tv = du.total_variation()
    assert isinstance(tv, torch.Tensor) and tv.shape == (3,)
    assert_allclose(tv.numpy(), 2 * (3 + 4) * 0.125)


def test_conv_jump_measure_against_brute_force_and_scipy():
    rng = np.random.default_rng(5)
    U = np.round(rng.random((11, 9)) * 3)
    W = rng.standard_normal((4, 3))
    h = 0.25
    G = sb.conv_jump_measure(sb.jump_measure(U, h), W)
    assert_allclose(G, _brute_force_edge_conv(U, W, h), atol=1e-12)
    # scipy: the differences of U convolved with W (no cell area)
    G1 = h * signal.convolve2d(np.diff(U, axis=0), W, mode="valid")
    assert_allclose(G[0, :-1, :], G1, atol=1e-12)


@pytest.mark.parametrize("n", [16, 32, 64])
def test_commutation_identity_exact_for_pixelated_disk(n):
    rng = np.random.default_rng(n)
    U = fl.disk_image(n, radius=0.3)
    W = rng.standard_normal((n // 4, n // 4))
    h = 1 / n
    assert sb.commutation_residual(U, W, h) < 1e-12
    # and both sides against the continuous derivative: the forward difference quotient of
    # the node values of u*w (eq. (8)) computed independently by scipy
    V = h * h * signal.convolve2d(U, W, mode="valid")
    G = sb.conv_jump_measure(sb.jump_measure(U, h), W)
    assert_allclose(G[0, :-1], np.diff(V, axis=0) / h, atol=1e-10)
    assert_allclose(G[1, :, :-1], np.diff(V, axis=1) / h, atol=1e-10)


def test_commutation_residual_torch():
    rng = np.random.default_rng(2)
    U = torch.from_numpy((rng.random((20, 20)) > 0.4).astype(float))
    W = torch.from_numpy(rng.standard_normal((6, 6)))
    assert sb.commutation_residual(U, W, 0.05) < 1e-12


def test_sobolev_seminorm_closed_forms_and_h1():
    h = 1 / 32
    U = np.zeros((32, 32))
    U[:, 16:] = 1.0  # unit step across x2: 32 rows, gradient 1/h on one edge each
    for p in (1.0, 2.0, 3.0):
        assert_allclose(fl.sobolev_seminorm(U, h, p), h ** (1 / p - 1), rtol=1e-12)
    assert_allclose(fl.sobolev_seminorm(U, h, np.inf), 1 / h)
    rng = np.random.default_rng(0)
    V = rng.standard_normal((3, 10, 12))
    assert_allclose(fl.sobolev_seminorm(V, 0.1, 2), np.sqrt(fl.h1_seminorm_squared(V, 0.1)))
    # affine samples: |grad| = |(a, b)| except in the Neumann row/column
    x = np.arange(10) * 0.1
    A = 2 * x[:, None] + 1 * x[None, :]
    assert_allclose(fl.sobolev_seminorm(A[:-1, :-1], 0.1, np.inf), math.sqrt(5))


def test_sobolev_seminorm_of_disk_blows_up_like_h_power():
    hs, vals = [], []
    for n in (64, 128, 256, 512):
        hs.append(1 / n)
        vals.append(fl.sobolev_seminorm(fl.disk_image(n, radius=0.3), 1 / n, 2))
    assert abs(fl.fit_rate(hs, vals) - (-0.5)) < 0.03


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(6, 20),
    k=st.integers(1, 5),
    p=st.sampled_from([1.0, 1.5, 2.0, 4.0, math.inf]),
    seed=st.integers(0, 10_000),
)
def test_bv_gradient_bound_holds_exactly(n, k, p, seed):
    rng = np.random.default_rng(seed)
    U = np.round(rng.standard_normal((n, n)), 1)
    W = rng.standard_normal((k, k))
    h = 1 / n
    b = sb.bv_gradient_bound(U, W, h, p)
    assert b.lhs <= b.rhs * (1 + 1e-12) + 1e-14


def test_bv_gradient_bound_components():
    U = fl.disk_image(32, radius=0.3)
    W = np.ones((8, 8))
    h = 1 / 32
    b = sb.bv_gradient_bound(U, W, h, 2)
    assert_allclose(b.rhs, fl.tv(U, h, kind="anisotropic") * 0.25)  # ||1||_2 on (0,1/4)^2
    assert_allclose(b.lhs, fl.sobolev_seminorm(fl.conv_valid(U, W, h), h, 2))


# ---------------------------------------------------------------------- Lemma 2.4
def test_relu_chain_rule_and_lipschitz_bound():
    f = lambda x1, x2: np.sin(2 * np.pi * x1) * np.cos(np.pi * x2)  # noqa: E731
    for h in (1 / 16, 1 / 64):
        g = fl.Grid(fl.Rectangle(0, 1, 0, 1), h, align="node")
        U = fl.project(f, g)
        S = np.maximum(U, 0)
        assert sb.relu_chain_rule_residual(U, h) == 0.0
        for p in (1, 2, np.inf):
            assert fl.sobolev_seminorm(S, h, p) <= fl.sobolev_seminorm(U, h, p)
    # torch
    assert sb.relu_chain_rule_residual(torch.from_numpy(U), h) == 0.0


def test_relu_chain_rule_residual_sees_only_non_crossing_edges():
    # u = x1 - 1/2 sampled so that no sample is 0: the chain rule holds off the crossing edge
    x = (np.arange(8) + 0.5) / 8
    U = (x[:, None] - 0.5) * np.ones((8, 8))
    assert sb.relu_chain_rule_residual(U, 1 / 8) == 0.0


# ---------------------------------------------------------------------- Lemma 2.5
def test_radial_power_and_gradient_closed_forms():
    rng = np.random.default_rng(0)
    x1, x2 = rng.uniform(-1, 1, (2, 30))
    for alpha in (1.0, 1.5, 2.0):
        assert_allclose(ml.radial_power(x1, x2, alpha), (x1**2 + x2**2) ** (alpha / 2))
        g = ml.radial_power_gradient(x1, x2, alpha)
        d = 1e-6
        fd = (ml.radial_power(x1 + d, x2, alpha) - ml.radial_power(x1 - d, x2, alpha)) / (2 * d)
        assert_allclose(g[0], fd, rtol=1e-6, atol=1e-8)
    assert_allclose(ml.radial_power_gradient(0.0, 0.0, 1.0), [0.0, 0.0])


def _power_grid(h):
    g = fl.Grid(fl.Rectangle(-0.5, 0.5, -0.5, 0.5), h)
    return g.points()


def test_mollifier_sup_errors_c1_versus_kink():
    h = 2.0**-9
    X1, X2 = _power_grid(h)
    epss = [0.2, 0.1, 0.05]
    e15 = [ml.mollifier_sup_errors(ml.radial_power(X1, X2, 1.5), ml.radial_power_gradient(X1, X2, 1.5), h, e, margin=0.25) for e in epss]
    e10 = [ml.mollifier_sup_errors(ml.radial_power(X1, X2, 1.0), ml.radial_power_gradient(X1, X2, 1.0), h, e, margin=0.25) for e in epss]
    # |x|^{3/2}: gradient error ~ C eps^{1/2}, value error ~ C eps^{3/2} (attained at 0)
    assert abs(fl.fit_rate(epss, [e.gradient for e in e15]) - 0.5) < 0.1
    assert abs(fl.fit_rate(epss, [e.value for e in e15]) - 1.5) < 0.15
    # |x|: value error ~ eps * int phi |z|, gradient error stays near 1
    assert abs(fl.fit_rate(epss, [e.value for e in e10]) - 1.0) < 0.15
    assert min(e.gradient for e in e10) > 0.9
    # closed form at x = 0 for |x|: (phi_eps * |.|)(0) = eps * 2 pi int_0^1 r^2 phi(r) dr
    m1, _ = integrate.quad(lambda r: 2 * math.pi * r * r * float(ml.bump(r, 0.0)), 0, 1)
    assert_allclose(e10[0].value, 0.2 * m1, rtol=0.05)


def test_mollifier_sup_errors_validation():
    h = 1 / 32
    U = np.zeros((32, 32))
    G = np.zeros((2, 32, 32))
    with pytest.raises(ValueError, match="must not exceed margin"):
        ml.mollifier_sup_errors(U, G, h, 0.3, margin=0.25)
    with pytest.raises(ValueError, match=r"grad_u must have shape"):
        ml.mollifier_sup_errors(U, G[:, :-1], h, 0.1, margin=0.25)
    with pytest.raises(ValueError, match="single image"):
        ml.mollifier_sup_errors(U[None], G, h, 0.1, margin=0.25)
    with pytest.raises(ValueError, match="leaves no sample"):
        ml.mollifier_sup_errors(U, G, h, 0.1, margin=0.6)
    with pytest.raises(ValueError, match="at least two grid cells"):
        ml.mollifier_sup_errors(U, G, h, 0.04, margin=0.25)


# ---------------------------------------------------------------------- validation
def test_mollifier_validation():
    with pytest.raises(ValueError, match="at least two grid cells"):
        ml.mollifier_kernel(0.01, 0.1)
    with pytest.raises(ValueError, match="derivative must be None, 0 or 1"):
        ml.mollifier_kernel(0.5, 0.1, derivative=2)
    with pytest.raises(TypeError, match="derivative must be an int"):
        ml.mollifier_kernel(0.5, 0.1, derivative=True)
    with pytest.raises(ValueError, match="eps must be positive"):
        ml.mollifier_kernel(-1.0, 0.1)
    with pytest.raises(TypeError, match="h must be a real number"):
        ml.mollifier_kernel(0.5, "0.1")
    with pytest.raises(ValueError, match="boundary must be one of"):
        ml.mollify(np.zeros((10, 10)), 0.1, 0.2, boundary="zero")
    with pytest.raises(ValueError, match="more than 2K"):
        ml.mollify(np.zeros((10, 10)), 0.1, 0.5)
    with pytest.raises(TypeError, match="dtype float32 or float64"):
        ml.mollify(np.zeros((10, 10), dtype=int), 0.1, 0.2)
    with pytest.raises(TypeError, match="x1 must be a real number"):
        ml.bump("a", 0.0)
    with pytest.raises(TypeError, match="x2 must be a real number"):
        ml.bump_gradient(0.0, True)
    with pytest.raises(ValueError, match="alpha must be positive"):
        ml.radial_power(0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="alpha must be positive"):
        ml.radial_power_gradient(0.0, 0.0, -1.0)


def test_lemma23_validation():
    U = np.zeros((8, 8))
    with pytest.raises(TypeError, match="du must be a JumpMeasure"):
        sb.conv_jump_measure((U, U, 0.1), np.ones((2, 2)))
    du = sb.jump_measure(U, 0.125)
    with pytest.raises(ValueError, match="smaller than the image"):
        sb.conv_jump_measure(du, np.ones((8, 2)))
    with pytest.raises(ValueError, match="2-D kernel"):
        sb.conv_jump_measure(du, np.ones((1, 2, 2)))
    with pytest.raises(TypeError, match="both be NumPy arrays or both torch"):
        sb.conv_jump_measure(du, torch.ones(2, 2, dtype=torch.float64))
    with pytest.raises(TypeError, match="both be NumPy arrays or both torch"):
        sb.commutation_residual(U, torch.ones(2, 2, dtype=torch.float64), 0.1)
    with pytest.raises(ValueError, match="h must be positive"):
        sb.jump_measure(U, 0.0)
    with pytest.raises(ValueError, match=r"p must lie in \[1, inf\]"):
        fl.sobolev_seminorm(U, 0.1, 0.5)
    with pytest.raises(TypeError, match="p must be a real number"):
        sb.bv_gradient_bound(U, np.ones((2, 2)), 0.1, True)
    with pytest.raises(ValueError, match="single image"):
        sb.bv_gradient_bound(U[None], np.ones((2, 2)), 0.1, 2)
    with pytest.raises(ValueError, match="finite values"):
        sb.relu_chain_rule_residual(np.full((4, 4), np.nan), 0.1)


@settings(max_examples=40, deadline=None)
@given(
    eps=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 5), st.text(max_size=3), st.none()),
)
def test_mollifier_kernel_fuzz_only_raises_documented_errors(eps):
    try:
        k = ml.mollifier_kernel(eps, 0.05)
    except (TypeError, ValueError):
        return
    assert np.isfinite(k).all()
    assert_allclose(0.05**2 * k.sum(), 1.0, rtol=1e-10)


def test_mollifier_kernel_refuses_huge_radius():
    with pytest.raises(ValueError, match="too large"):
        ml.mollifier_kernel(100.0, 0.01)


def test_holder_exercise_rate_for_alpha_five_quarters():
    """Chapter 4, exercise ex-ch04-holder: the gradient error of |x|^{5/4} decays like eps^{1/4}."""
    h = 2.0**-10
    X1, X2 = fl.Grid(fl.Rectangle(-3 / 8, 3 / 8, -3 / 8, 3 / 8), h).points()
    U, G = ml.radial_power(X1, X2, 1.25), ml.radial_power_gradient(X1, X2, 1.25)
    epss = [0.2, 0.1, 0.05, 0.025]
    errs = [ml.mollifier_sup_errors(U, G, h, e, margin=0.25).gradient for e in epss]
    assert abs(fl.fit_rate(epss, errs) - 0.25) < 0.01
