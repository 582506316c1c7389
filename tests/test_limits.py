"""Tests of fscnn_lib.limits (Lemmas 3.2-3.5, Thm 3.6, Remark 3.7, EN-22) with independent oracles."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

import fscnn_lib as fl
from fscnn_lib.limits import (
    cos_cell_average,
    pc_node_error,
    pc_sup_error,
    pixel_cnn,
    pixel_cnn_limit,
    reflection_gain,
    resolution_sweep,
    shared_node_error,
)


# ----------------------------------------------------------------- reflection_gain (L3.2)
@pytest.mark.parametrize("p", [1.0, 2.0, 3.5])
def test_reflection_gain_equals_tile_count_for_whole_tiles(p):
    """Whole tiles: every tile carries the full p-norm, so the gain is K^(1/p) for any v."""
    v = np.random.default_rng(0).normal(size=(6, 5))
    assert_allclose(reflection_gain(v, (6, 6, 5, 5), p), 9 ** (1 / p), rtol=1e-12)
    assert_allclose(reflection_gain(v, (0, 0, 5, 0), p), 2 ** (1 / p), rtol=1e-12)


def test_reflection_gain_sup_norm_and_partial_tiles():
    rng = np.random.default_rng(1)
    v = rng.normal(size=(8, 8))
    assert reflection_gain(v, 3, math.inf) == 1.0
    # a partial window: strictly below K^(1/p) with K = 9 tiles met
    w = np.zeros((8, 8))
    w[4:, 4:] = 1.0          # mass away from the top/left mirrors
    assert reflection_gain(w, 3, 1.0) < 9
    # oracle: explicit mirrored copies
    big = np.pad(v, 3, mode="symmetric")
    assert_allclose(reflection_gain(v, 3, 2.0), np.linalg.norm(big) / np.linalg.norm(v), rtol=1e-12)


def test_reflection_gain_validation():
    with pytest.raises(ValueError, match="vanish"):
        reflection_gain(np.zeros((3, 3)), 1, 2.0)
    with pytest.raises(ValueError, match=r"\[1, inf\]"):
        reflection_gain(np.ones((3, 3)), 1, 0.5)
    with pytest.raises(TypeError, match="p must be a real"):
        reflection_gain(np.ones((3, 3)), 1, "2")
    with pytest.raises(TypeError, match="v must be"):
        reflection_gain([[1.0]], 1, 2.0)


# ----------------------------------------------------------------- pc_sup_error (L3.4, L3.5)
def test_pc_sup_error_projection_bound_is_attained():
    """Lemma 3.4's bound |u^h-u| + modulus(h/sqrt2) is attained for u = x1 + x2 (EN-19)."""
    for k in (3, 5):
        h = 2.0**-k
        g = fl.Grid(fl.Rectangle(0, 1, 0, 1), h)
        uh = lambda x1, x2: x1 + x2 - h * np.cos(2 * np.pi * x1 / h)  # noqa: E731
        err = pc_sup_error(fl.project(uh, g), lambda x1, x2: x1 + x2, points=round(4 / h))
        assert_allclose(err, 2 * h, rtol=1e-12)


def test_pc_sup_error_oracle_brute_force():
    rng = np.random.default_rng(2)
    U = rng.normal(size=(4, 4))
    u = lambda x1, x2: np.sin(x1) * x2  # noqa: E731
    xs = np.arange(12) / 12
    brute = max(abs(U[int(a * 4), int(b * 4)] - u(a, b)) for a in xs for b in xs)
    assert_allclose(pc_sup_error(U, u, points=12), brute, rtol=1e-14)


def test_pc_sup_error_rate_for_pooling():
    """Lemma 3.5: max pooling of P_h u converges at rate 1 for smooth u."""
    u = lambda x1, x2: np.cos(2 * x1 + x2)  # noqa: E731
    hs = [2.0**-k for k in range(3, 7)]
    errs = [pc_sup_error(fl.downsample(fl.project(u, fl.Grid(fl.Rectangle(0, 1, 0, 1), h)), 2,
                                       mode="max"), u, points=round(2 / h)) for h in hs]
    assert abs(fl.fit_rate(hs, errs) - 1) < 0.15


def test_pc_sup_error_validation():
    u = lambda x1, x2: x1  # noqa: E731
    with pytest.raises(ValueError, match="multiple of N"):
        pc_sup_error(np.ones((4, 4)), u, points=6)
    with pytest.raises(ValueError, match="square"):
        pc_sup_error(np.ones((4, 2)), u, points=8)
    with pytest.raises(TypeError, match="callable"):
        pc_sup_error(np.ones((4, 4)), 3.0, points=8)
    with pytest.raises(TypeError, match="points"):
        pc_sup_error(np.ones((4, 4)), u, points=8.0)


# ----------------------------------------------------------------- cos_cell_average
def test_cos_cell_average_against_quadrature():
    h, n = 0.1, 3.0
    c = np.array([0.05, 0.37, 0.9])
    t = np.linspace(-h / 2, h / 2, 20001)
    quad = [np.trapezoid(np.cos(2 * np.pi * n * (ci + t)), t) / h for ci in c]
    assert_allclose(cos_cell_average(n, c, h), quad, atol=1e-9)


def test_weak_times_weak_keeps_its_amplitude():
    """EN-18 (d): cos * cos over whole periods has amplitude |Sigma|/2 sinc^2(nh)."""
    for k in (5, 8):
        h = 2.0**-k
        n = round(1 / (16 * h))
        N = round(1 / h)
        c = -0.5 + (np.arange(2 * N) + 0.5) * h
        y = -0.5 + (np.arange(N) + 0.5) * h
        conv = fl.conv_valid(cos_cell_average(n, c, h)[:, None], cos_cell_average(n, y, h)[:, None], h) / h
        assert_allclose(np.abs(conv).max(), 0.5 * np.sinc(n * h) ** 2, rtol=1e-12)


# ----------------------------------------------------------------- node errors and sweeps (T3.6)
def test_shared_and_pc_node_error():
    x4, x8 = np.linspace(0, 1, 5), np.linspace(0, 1, 9)
    fine = np.add.outer(x8, 0 * x8)
    assert shared_node_error(np.add.outer(x4, 0 * x4), fine) == 0.0
    # PC reading: fine node 1/8 lies in the cell of coarse node 0 or 1/4 (tie to the right)
    assert_allclose(pc_node_error(np.add.outer(x4, 0 * x4), fine), 0.125)
    with pytest.raises(ValueError, match="multiple"):
        shared_node_error(np.zeros((4, 4)), np.zeros((9, 9)))


def test_pc_node_error_tie_goes_to_the_right_cell():
    coarse = np.array([[0.0, 0.0], [1.0, 1.0]])       # nodes 0 and 1 along axis 0
    fine = np.zeros((3, 3))
    fine[1:] = 1.0                                    # midpoint 1/2 belongs to cell [1/2, 3/2)
    assert pc_node_error(coarse, fine) == 0.0


def test_resolution_sweep_exact_limit_one_layer():
    """A linear one-layer net with a box kernel on a linear input: exact at the nodes away from borders."""
    a = 0.25
    net = fl.FsCNN([torch.ones(2, 2, dtype=torch.float64) / (4 * a * a)], [a])
    hs = [1 / 8, 1 / 16]
    # constant input 2: output 2 everywhere (reflection keeps constants)
    sw = resolution_sweep(net, lambda h: 2 * np.ones((round(1 / h),) * 2), hs,
                          limit=lambda x1, x2: 2 + 0 * x1)
    assert max(sw.node_errors) < 1e-12 and len(sw.hs) == 2
    assert all(np.isnan(sw.pc_errors))


def test_resolution_sweep_cauchy_and_reference():
    net = fl.FsCNN.random(channels=[1, 2, 1], half_widths=[0.25, 0.25], coarse=2, seed=3)
    disc = lambda h: fl.cell_average(  # noqa: E731
        lambda x1, x2: ((x1 - 0.5) ** 2 + (x2 - 0.4) ** 2 < 0.09).astype(float),
        fl.Grid(fl.Rectangle(0, 1, 0, 1), h))
    hs = [2.0**-k for k in range(3, 8)]
    sw = resolution_sweep(net, disc, hs)
    assert sw.hs == tuple(hs[:-1]) and len(sw.seconds) == len(hs)
    assert sw.node_errors[-1] < sw.node_errors[0] / 4        # converges
    assert all(p >= n for p, n in zip(sw.pc_errors, sw.node_errors))
    # the same numbers through a callable forward and an explicit reference
    fwd = lambda h, U: net.at(h)(torch.from_numpy(U)[None, None])[0, 0].detach()  # noqa: E731
    sw2 = resolution_sweep(fwd, disc, hs[:-1], reference=sw.outputs[hs[-1]])
    assert_allclose(sw2.node_errors, sw.node_errors, rtol=1e-12)


def test_resolution_sweep_validation():
    net = fl.FsCNN.random(channels=[1, 1], half_widths=[0.25], coarse=2)
    with pytest.raises(ValueError, match="at least 2"):
        resolution_sweep(net, lambda h: np.ones((4, 4)), [0.25])
    with pytest.raises(TypeError, match="make_input"):
        resolution_sweep(net, None, [0.25, 0.125])
    with pytest.raises(TypeError, match="FsCNN or a callable"):
        resolution_sweep(3, lambda h: np.ones((4, 4)), [0.25, 0.125])


# ----------------------------------------------------------------- pixel networks (EN-22)
def test_pixel_cnn_against_scipy_correlation():
    from scipy.ndimage import correlate

    rng = np.random.default_rng(4)
    U = rng.normal(size=(7, 6))
    K = [rng.normal(size=(3, 3)), rng.normal(size=(3, 3))]
    hidden = np.maximum(correlate(U, K[0], mode="reflect") + 0.2, 0)  # scipy "reflect" = half-sample
    want = correlate(hidden, K[1], mode="reflect") - 0.1
    assert_allclose(pixel_cnn(U, K, [0.2, -0.1]), want, atol=1e-12)


def test_pixel_cnn_limit_is_the_value_on_constant_regions():
    rng = np.random.default_rng(5)
    K = [rng.normal(size=(3, 3)) for _ in range(3)]
    b = [0.3, -0.2, 0.1]
    U = np.zeros((16, 16))
    U[:, 8:] = 1.0
    Y = pixel_cnn(U, K, b)
    g = pixel_cnn_limit(np.array([0.0, 1.0]), K, b)
    assert_allclose(Y[:, :5], g[0], atol=1e-12)      # 3 layers: 3 columns from the edge
    assert_allclose(Y[:, 11:], g[1], atol=1e-12)


def test_pixel_cnn_validation():
    with pytest.raises(ValueError, match="odd size"):
        pixel_cnn(np.ones((4, 4)), [np.ones((2, 2))])
    with pytest.raises(ValueError, match="biases must have 1"):
        pixel_cnn(np.ones((4, 4)), [np.ones((3, 3))], [0.0, 1.0])
    with pytest.raises(TypeError):
        pixel_cnn_limit(1.0, "kernels")


@pytest.mark.parametrize("axis", [0, 1])
def test_shared_node_error_reads_the_shared_nodes_of_both_axes(axis):
    """A fine field equal to the coarse one at shared nodes and different in between (along
    one axis only) has shared-node error 0; moving one shared node along either axis shows."""
    n, r = 8, 4
    xc = np.linspace(0, 1, n + 1)
    xf = np.linspace(0, 1, r * n + 1)
    coarse = np.add.outer(xc, 2 * xc)
    fine = np.add.outer(xf, 2 * xf) + np.where(np.arange(r * n + 1) % r, 5.0, 0.0)[:, None] * (axis == 0) \
        + np.where(np.arange(r * n + 1) % r, 5.0, 0.0)[None, :] * (axis == 1)
    assert fl.shared_node_error(coarse, fine) == pytest.approx(0.0, abs=1e-12)
    bumped = fine.copy()
    idx = (r * 3, r * 5) if axis == 0 else (r * 5, r * 3)
    bumped[idx] += 0.25
    assert fl.shared_node_error(coarse, bumped) == pytest.approx(0.25)
    assert fl.shared_node_error(coarse.T, bumped.T) == pytest.approx(0.25)


# ----------------------------------------------------------------- pooling and upsampling (T3.6, EN-14)
def _tent(a, kappa=1.0):
    return lambda y1, y2: kappa * np.clip(1 - abs(y1) / a, 0, None) * np.clip(1 - abs(y2) / a, 0, None) / a**2


def test_sample_network_samples_point_values_at_every_layer_resolution():
    w = lambda y1, y2: np.clip(1 - abs(y1) / 0.2, 0, None) * (1 + y2)  # noqa: E731  (not symmetric)
    h = 1 / 15
    net = fl.sample_network([w, w], [0.2, 0.2], h, down=[2, 1], up=[1, 1])
    for W, hl in zip(net.kernels, (h, 2 * h)):                      # layer 1 works at 2h
        p = math.ceil(0.2 / hl - 0.5)
        assert W.shape == (2 * p + 1,) * 2 and (p + 0.5) * hl >= 0.2 > (p - 0.5) * hl
        y = (np.arange(2 * p + 1) - p) * hl                         # first axis = y1
        assert_allclose(W, [[w(a, b) for b in y] for a in y], rtol=0, atol=1e-15)


@pytest.mark.parametrize("down_mode, shift", [("average", 0.5), ("max", 1.0), ("stride", 0.0)])
def test_linear_network_on_a_linear_input_is_shifted_by_pooling_and_bilinear_upsampling(down_mode, shift):
    """Oracle (EN-14) for identity activation, symmetric kernels and u = 1 + 2 x1 + 3 x2: a
    symmetric kernel maps u to m u at interior nodes, average pooling returns u at the block
    centre, max (increasing u) at the far corner h/2 further, stride at the first node h/2
    before it; bilinear upsampling (4) reads its linear interpolant h/2 ahead of each fine
    node. So the interior output is m2 (m1 (m0 u(x + shift h (1, 1)) + b0) + b1) + b2."""
    A, kap, b = [0.125, 0.1, 0.125], [1.0, 2.0, 0.5], [0.3, -0.2, 0.1]
    h = 1 / 63
    net = fl.sample_network([_tent(a, k) for a, k in zip(A, kap)], A, h, biases=b, down=[2, 1, 1],
                            up=[1, 2, 1], down_mode=down_mode, up_mode="bilinear", activation="identity")
    m = [W.sum() * h**2 for W in net.kernels]                      # h_l = h in every layer
    x = np.arange(64) * h
    X1, X2 = np.meshgrid(x, x, indexing="ij")
    u = lambda x1, x2: 1 + 2 * x1 + 3 * x2  # noqa: E731
    y = net.acnn(u(X1, X2), h)[-1]
    want = m[2] * (m[1] * (m[0] * u(X1 + shift * h, X2 + shift * h) + b[0]) + b[1]) + b[2]
    inner = slice(24, 40)                                           # beyond every receptive field
    assert y.grid.shape == (64, 64)
    assert_allclose(y.coeffs[inner, inner], want[inner, inner], rtol=0, atol=1e-12)
    assert np.abs(y.coeffs - want).max() > 1e-3                     # the border does differ


def test_acnn_with_upsampler_reproduces_the_network_with_its_own_upsampling():
    """Cut at two upsampling layers, with ReLU before average pooling (which do not commute)."""
    rng = np.random.default_rng(6)
    ks = [rng.normal(size=(n, n)) for n in (5, 3, 3, 5)]
    net = fl.SampledCNN(ks, [0.1, -0.3, 0.2, 0.0], down=[2, 2, 1, 1], up=[1, 1, 2, 2],
                        down_mode="average", up_mode="nearest", activation="relu")
    U, h = rng.normal(size=(32, 32)), 1 / 31
    want = net.acnn(U, h)[-1]
    got = fl.acnn_with_upsampler(net, U, h, lambda V, s: fl.upsample(V, s, mode="nearest"))
    assert got.grid == want.grid
    assert_allclose(got.coeffs, want.coeffs, rtol=0, atol=1e-11)
    # a different upsampler changes the output, and the zero-insertion one is not in range
    zero = lambda V, s: np.kron(V, np.eye(s)[0][:, None] * np.eye(s)[0])  # noqa: E731
    other = fl.acnn_with_upsampler(net, U, h, zero)
    assert np.abs(other.coeffs - want.coeffs).max() > 1e-3 and other.grid == want.grid


def test_zero_insertion_converges_to_a_quarter_of_the_activation():
    """Identity activation, cos(pi x1) cos(pi x2) input (its reflection is itself), tent kernels:
    NN = c cos cos + B exactly; zero-insertion upsampling feeds v/4 to layer 1 in the limit."""
    A, kap, b = [0.125] * 3, [1.0, 2.0, 1.5], [0.1, -0.1, 0.05]
    c = [k * np.sinc(a / 2) ** 4 for a, k in zip(A, kap)]          # tent's cosine coefficient
    zero = lambda V, s: np.kron(V, np.eye(s)[0][:, None] * np.eye(s)[0])  # noqa: E731
    h = 1 / 255
    net = fl.sample_network([_tent(a, k) for a, k in zip(A, kap)], A, h, biases=b, down=[2, 1, 1],
                            up=[1, 2, 1], down_mode="average", up_mode="nearest", activation="identity")
    x = np.arange(256) * h
    U = np.outer(np.cos(np.pi * x), np.cos(np.pi * x))
    bad = fl.acnn_with_upsampler(net, U, h, zero)
    good = net.acnn(U, h)[-1]
    X1, X2 = np.meshgrid(x, x, indexing="ij")
    cc = np.cos(np.pi * X1) * np.cos(np.pi * X2)
    assert_allclose(good.coeffs, c[0] * c[1] * c[2] * cc + (b[0] * kap[1] + b[1]) * kap[2] + b[2], atol=2e-3)
    limit_bad = c[0] * c[1] * c[2] / 4 * cc + (b[0] * kap[1] / 4 + b[1]) * kap[2] + b[2]
    assert np.abs(bad.coeffs - limit_bad).max() < 1e-2            # O(h) away from the wrong limit
    assert np.abs(bad.coeffs - good.coeffs).max() > 2.0            # far from the right one


def test_nodal_interpolant_is_exact_on_bilinear_functions():
    rng = np.random.default_rng(7)
    g = fl.Grid(fl.Rectangle(0.5, 1.5, -1, 0), 0.125, align="node")
    a = rng.normal(size=4)
    f = lambda x1, x2: a[0] + a[1] * x1 + a[2] * x2 + a[3] * x1 * x2  # noqa: E731
    u = fl.PCFunction(f(*g.points()), g)
    x1, x2 = rng.uniform(0.5, 1.5, 200), rng.uniform(-1, 0, 200)
    assert_allclose(fl.nodal_interpolant(u, x1, x2), f(x1, x2), atol=1e-13)
    assert_allclose(fl.nodal_interpolant(u, *g.points()), u.coeffs, atol=1e-13)
    assert fl.nodal_interpolant(u, np.ones((2, 3)) * 1.5, -0.25).shape == (2, 3)   # closed edge
    with pytest.raises(ValueError, match="closed rectangle"):
        fl.nodal_interpolant(u, 1.6, -0.5)
    with pytest.raises(ValueError, match="node-aligned grid, got a cell-aligned one"):
        fl.nodal_interpolant(fl.PCFunction(np.ones((8, 8)), fl.Grid(fl.Rectangle(0, 1, 0, 1), 0.125)), 0.5, 0.5)
    with pytest.raises(TypeError, match="PCFunction"):
        fl.nodal_interpolant(np.ones((3, 3)), 0.5, 0.5)
    with pytest.raises(TypeError, match="x1"):
        fl.nodal_interpolant(u, "1", 0.5)


def _square(h):
    g = fl.Grid(fl.Rectangle(0, 1, 0, 1), h, align="node")
    return fl.PCFunction(g.points()[0] ** 2, g)


def test_function_sweep_cauchy_steps_and_pc_reading():
    """For u = x1^2 on node grids: the nodal interpolant errs by h^2/4 at the cell midpoints
    (the steps of the Cauchy test too, since the finer interpolant is exact there); the PC
    reading errs by |u'| h/2 just before the cell edges, attained on the lattice points."""
    hs = [1 / 4, 1 / 8, 1 / 16]
    om = fl.Rectangle(0, 1, 0, 1)
    sw = fl.function_sweep(_square, hs, omega=om, points=257)      # lattice spacing 1/256
    assert sw.hs == (1 / 4, 1 / 8) and set(sw.outputs) == set(hs) and len(sw.seconds) == 3
    x = np.linspace(0, 1, 257)
    for h, e in zip(sw.hs, sw.nodal_errors):                        # against the finest interpolant
        ref = np.minimum(np.floor(x * 16), 15) / 16
        fine = ref**2 + (x - ref) * (2 * ref + 1 / 16)
        hk = np.minimum(np.floor(x / h), round(1 / h) - 1) * h
        coarse = hk**2 + (x - hk) * (2 * hk + h)
        assert_allclose(e, np.abs(coarse - fine).max(), rtol=1e-12)
    assert_allclose(sw.nodal_steps, [h * h / 4 for h in hs[:-1]], rtol=1e-12)
    exact = fl.function_sweep(_square, hs, omega=om, points=257, limit=lambda x1, x2: x1**2)
    assert exact.hs == tuple(hs) and exact.pc_steps == sw.pc_steps
    # PC cells [x_i - h/2, x_i + h/2): the largest error x^2 - x_i^2 sits at x = 1 - h/2 - 1/256
    for h, e in zip(exact.hs, exact.pc_errors):
        t = np.linspace(0, 1, 257)
        xi = np.round(t / h) * h
        xi[np.isclose(t / h % 1, 0.5)] = (np.floor(t / h) + 1)[np.isclose(t / h % 1, 0.5)] * h
        assert_allclose(e, np.abs(t**2 - np.minimum(xi, 1) ** 2).max(), rtol=1e-12)


def test_function_sweep_on_an_interior_omega_and_validation():
    om = fl.Rectangle(0.25, 0.75, 0.25, 0.75)
    sw = fl.function_sweep(_square, [1 / 4, 1 / 8], omega=om, points=5, limit=lambda x1, x2: x1**2)
    # the 5 points are nodes at h = 1/8; at h = 1/4, 0.375 and 0.625 are midpoints: h^2/4
    assert_allclose(sw.nodal_errors, (1 / 64, 0.0), rtol=0, atol=1e-15)
    with pytest.raises(TypeError, match="evaluate and limit"):
        fl.function_sweep(3, [1 / 4, 1 / 8], omega=om, points=5)
    with pytest.raises(TypeError, match="evaluate and limit"):
        fl.function_sweep(_square, [1 / 4, 1 / 8], omega=om, points=5, limit=1.0)
    with pytest.raises(TypeError, match="omega"):
        fl.function_sweep(_square, [1 / 4, 1 / 8], omega=(0, 1, 0, 1), points=5)
    with pytest.raises(ValueError, match="points"):
        fl.function_sweep(_square, [1 / 4, 1 / 8], omega=om, points=1)
    with pytest.raises(ValueError, match="hs must have at least 2"):
        fl.function_sweep(_square, [1 / 4], omega=om, points=5)
    with pytest.raises(ValueError, match="hs\\[1\\]"):
        fl.function_sweep(_square, [1 / 4, -1.0], omega=om, points=5)
    with pytest.raises(ValueError, match="output domain"):
        fl.function_sweep(_square, [1 / 4, 1 / 8], omega=fl.Rectangle(0.5, 1.5, 0, 1), points=5)
    with pytest.raises(TypeError, match="node-aligned PCFunction, got ndarray"):
        fl.function_sweep(lambda h: np.ones((4, 4)), [1 / 4, 1 / 8], omega=om, points=5)
    cells = fl.PCFunction(np.ones((4, 4)), fl.Grid(fl.Rectangle(0, 1, 0, 1), 1 / 4))
    with pytest.raises(ValueError, match="node-aligned PCFunction, got a cell-aligned one"):
        fl.function_sweep(lambda h: cells, [1 / 4, 1 / 8], omega=om, points=5)


def test_sample_network_and_acnn_with_upsampler_validation():
    w = _tent(0.25)
    with pytest.raises(TypeError, match=r"kernels\[1\] must be a callable"):
        fl.sample_network([w, np.ones((3, 3))], [0.25, 0.25], 0.125)
    with pytest.raises(ValueError, match="half_widths must have 2"):
        fl.sample_network([w, w], [0.25], 0.125)
    with pytest.raises(ValueError, match=r"half_widths\[0\]"):
        fl.sample_network([w], [-0.25], 0.125)
    with pytest.raises(ValueError, match="h must be positive"):
        fl.sample_network([w], [0.25], 0.0)
    with pytest.raises(ValueError, match="down_mode"):
        fl.sample_network([w], [0.25], 0.125, down_mode="sum")
    with pytest.raises(ValueError, match=r"kernels\[0\] must return finite values"):
        fl.sample_network([lambda y1, y2: 1.0], [0.25], 0.125)
    with pytest.raises(TypeError, match="no input_align"):
        fl.sample_network([w], [0.25], 0.125, input_align="cell")
    net = fl.sample_network([w, w], [0.25, 0.25], 1 / 7, down=[2, 1], up=[1, 2])
    U = np.ones((8, 8))
    with pytest.raises(TypeError, match="net must be a SampledCNN"):
        fl.acnn_with_upsampler("net", U, 1 / 7, lambda V, s: V)
    with pytest.raises(TypeError, match="upsampler must be a callable"):
        fl.acnn_with_upsampler(net, U, 1 / 7, "nearest")
    with pytest.raises(ValueError, match="upsampler must return shape"):
        fl.acnn_with_upsampler(net, U, 1 / 7, lambda V, s: V)
    flat = fl.sample_network([w, w], [0.25, 0.25], 1 / 7)
    with pytest.raises(ValueError, match="no upsampling layer"):
        fl.acnn_with_upsampler(flat, U, 1 / 7, lambda V, s: V)


@pytest.mark.parametrize("down_mode, up_mode, order", [
    ("average", "nearest", 2), ("stride", "bilinear", 2), ("max", "bilinear", 1), ("average", "bilinear", 1)])
def test_node_order_of_a_pooled_linear_network_follows_the_shifts(down_mode, up_mode, order):
    """Identity activation, cos(pi x1) cos(pi x2) input (even about the edges), tent kernels: the
    limit is c cos cos + B in closed form. Node values (nodal interpolant on an interior lattice)
    are second order when the pooling and upsampling errors cancel (average/nearest; stride reads
    h/2 behind, bilinear h/2 ahead), first order when one shift or a one-signed error remains."""
    A, kap, b = [0.125] * 3, [1.0, 2.0, 1.5], [0.1, -0.1, 0.05]
    c = np.prod([k * np.sinc(a / 2) ** 4 for a, k in zip(A, kap)])
    B = (b[0] * kap[1] + b[1]) * kap[2] + b[2]
    limit = lambda x1, x2: c * np.cos(np.pi * x1) * np.cos(np.pi * x2) + B  # noqa: E731

    def output(h):
        net = fl.sample_network([_tent(a, k) for a, k in zip(A, kap)], A, h, biases=b, down=[2, 1, 1], up=[1, 2, 1],
                                down_mode=down_mode, up_mode=up_mode, activation="identity")
        x = np.arange(round(1 / h) + 1) * h
        return net.acnn(np.outer(np.cos(np.pi * x), np.cos(np.pi * x)), h)[-1]
    hs = [1 / 63, 1 / 127, 1 / 255]
    sw = fl.function_sweep(output, hs, omega=fl.Rectangle(0.25, 0.75, 0.25, 0.75), points=1025, limit=limit)
    assert abs(fl.fit_rate(hs, sw.nodal_errors) - order) < 0.15
    assert abs(fl.fit_rate(hs, sw.pc_errors) - 1) < 0.15
