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
