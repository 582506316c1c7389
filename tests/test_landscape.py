"""Tests of fscnn_lib.landscape: channel symmetries, alignment, slices of E_h, barriers.

Oracles independent of the code under test: the network's own output and energy before and
after a symmetry (which must not move), an element-by-element loop for the permuted
arrays, the closed form of a quadratic on a plane, the exact quadratic profile of a
one-layer energy along a segment, hand-computed L^2 distances and a double well.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from torch.nn.utils import parameters_to_vector

import fscnn_lib as fl
from fscnn_lib.landscape import (align_hidden, energy_slice, hidden_symmetries, permute_hidden, plane_slice,
                                 segment_barrier)

H = 1 / 8
GEN = torch.Generator().manual_seed(3)
U = torch.rand(2, 1, 8, 8, generator=GEN, dtype=torch.float64)
Y = torch.rand(2, 1, 9, 9, generator=GEN, dtype=torch.float64)


def _net(channels=(1, 3, 1), act=torch.tanh, seed=0):
    return fl.FsCNN.random(list(channels), [0.125] * (len(channels) - 1), coarse=2, seed=seed, activation=act)


def _vec(net):
    return parameters_to_vector(net.parameters()).detach()


def _energy(net, u=U, y=Y):
    return float(fl.training_energy(net, H, u, y, lam=0.3, nu=0.2).total.detach())


# --------------------------------------------------------------------------- symmetries
def test_permute_hidden_moves_the_arrays_as_stated_and_keeps_output_and_energy():
    net = _net()
    perm, signs = [2, 0, 1], [1, -1, -1]
    new = permute_hidden(net, perm, signs=signs)
    k0, k1 = net.coarse_kernels["0"].detach(), net.coarse_kernels["1"].detach()
    for c in range(3):                                  # element by element
        assert torch.equal(new.coarse_kernels["0"][c], signs[c] * k0[perm[c]])
        assert torch.equal(new.coarse_kernels["1"][:, c], signs[c] * k1[:, perm[c]])
        assert float(new.biases[0][c].detach()) == signs[c] * float(net.biases[0][perm[c]].detach())
    assert torch.equal(new.biases[1].detach(), net.biases[1].detach())
    assert_allclose(new.at(H)(U).detach().numpy(), net.at(H)(U).detach().numpy(), rtol=0, atol=1e-13)
    assert_allclose(_energy(new), _energy(net), rtol=1e-14)
    assert not torch.equal(_vec(new), _vec(net))        # a different point of parameter space


def test_permute_hidden_middle_layer_of_three_and_relu_permutations():
    net = fl.FsCNN.random([1, 2, 3, 1], [0.125] * 3, coarse=2, seed=5)
    new = permute_hidden(net, [1, 2, 0], layer=1)
    assert torch.equal(new.coarse_kernels["0"], net.coarse_kernels["0"])
    assert torch.equal(new.coarse_kernels["1"][1], net.coarse_kernels["1"][2])
    assert torch.equal(new.coarse_kernels["2"][:, 1], net.coarse_kernels["2"][:, 2])
    assert_allclose(new.at(H)(U).detach().numpy(), net.at(H)(U).detach().numpy(), rtol=0, atol=1e-13)


def test_a_wrong_permutation_would_change_the_output():
    # the oracle is sharp: permuting layer 0 alone (not layer 1) changes the network
    net = _net()
    k = [net.coarse_kernels["0"].detach()[[1, 0, 2]], net.coarse_kernels["1"].detach()]
    b = [net.biases[0].detach()[[1, 0, 2]], net.biases[1].detach()]
    half = fl.FsCNN(k, [0.125, 0.125], biases=b, activation=torch.tanh)
    assert float((half.at(H)(U) - net.at(H)(U)).detach().abs().max()) > 1e-3


def test_hidden_symmetries_counts_and_identity_first():
    tanh_sym = hidden_symmetries(_net())
    relu_sym = hidden_symmetries(_net(act=torch.relu))
    assert len(tanh_sym) == math.factorial(3) * 2 ** 3 and len(relu_sym) == math.factorial(3)
    assert tanh_sym[0] == ((0, 1, 2), (1, 1, 1)) and len(set(tanh_sym)) == len(tanh_sym)
    net = _net((1, 2, 1))
    e = _energy(net)
    for perm, signs in hidden_symmetries(net):
        assert_allclose(_energy(permute_hidden(net, list(perm), signs=list(signs))), e, rtol=1e-14)


def test_align_hidden_undoes_a_symmetry_and_measures_l2_distance():
    net = _net(seed=2)
    moved = permute_hidden(net, [1, 2, 0], signs=[-1, 1, -1])
    back, d = align_hidden(moved, net, H)
    assert d == 0.0 and torch.equal(_vec(back), _vec(net))
    # perturb one coarse pixel (a square of side 1/8, area 1/64) by delta: distance delta/8
    k = moved.coarse_kernels["0"].detach().clone()
    k[0, 0, 1, 0] += 0.5
    bumped = fl.FsCNN([k, moved.coarse_kernels["1"].detach()], [0.125, 0.125],
                      biases=[b.detach() for b in moved.biases], activation=torch.tanh)
    _, d = align_hidden(bumped, net, H / 2)
    assert_allclose(d, 0.5 / 8, rtol=1e-12)


# --------------------------------------------------------------------------- slices
def test_plane_slice_of_a_quadratic_is_its_quadratic_form():
    g = torch.Generator().manual_seed(0)
    n = 6
    M = torch.randn(n, n, generator=g, dtype=torch.float64)
    Q, c = M @ M.T - 2 * torch.eye(n, dtype=torch.float64), torch.randn(n, generator=g, dtype=torch.float64)
    o, d1, d2 = (torch.randn(n, generator=g, dtype=torch.float64) for _ in range(3))

    def f(x):
        return float(0.5 * x @ Q @ x + c @ x + 1.5)

    s, t = np.linspace(-2, 1, 7), np.linspace(-1, 3, 5)
    grad = Q @ o + c
    S, T = np.meshgrid(s, t, indexing="ij")
    want = (f(o) + S * float(grad @ d1) + T * float(grad @ d2)
            + 0.5 * (S ** 2 * float(d1 @ Q @ d1) + 2 * S * T * float(d1 @ Q @ d2) + T ** 2 * float(d2 @ Q @ d2)))
    assert_allclose(plane_slice(f, o, d1, d2, s, t), want, rtol=1e-12, atol=1e-12)
    line = plane_slice(f, o, d1, None, s)
    want_line = f(o) + s * float(grad @ d1) + 0.5 * s ** 2 * float(d1 @ Q @ d1)
    assert_allclose(line, want_line, rtol=1e-12, atol=1e-12)


def test_energy_slice_vertices_and_the_exact_quadratic_profile_of_one_layer():
    nets = [_net(seed=s) for s in range(3)]
    before = [_vec(n).clone() for n in nets]
    v = energy_slice(nets, H, U, Y, [0.0, 1.0], [0.0, 1.0], lam=0.3, nu=0.2)
    assert v.shape == (2, 2)
    assert_allclose([v[0, 0], v[1, 0], v[0, 1]], [_energy(n) for n in nets], rtol=1e-13)
    assert all(torch.equal(_vec(n), b) for n, b in zip(nets, before))          # untouched
    # one layer, no penalty: NN is affine in (w, b), so E along a segment is a quadratic
    a, b = fl.pixel_network([1, 1], [0.125], H, seed=0), fl.pixel_network([1, 1], [0.125], H, seed=1)
    s = np.linspace(-1, 2, 9)
    line = energy_slice([a, b], H, U, Y, s, lam=0.0, nu=0.0)
    coef = np.polyfit(s, line, 2)
    assert coef[0] > 0 and np.max(np.abs(np.polyval(coef, s) - line)) < 1e-12 * np.max(line)
    # with the penalty it is not a quadratic any more (norms of w are not polynomial)
    pen = energy_slice([a, b], H, U, Y, s, lam=1.0, nu=0.0)
    assert np.max(np.abs(np.polyval(np.polyfit(s, pen, 2), s) - pen)) > 1e-6


def test_segment_barrier_convex_and_double_well():
    s = np.linspace(-1, 1, 41)
    assert segment_barrier(np.abs(s) + s ** 2) <= 0.0
    assert_allclose(segment_barrier((s ** 2 - 1) ** 2), 1.0, rtol=1e-12)
    assert_allclose(segment_barrier([0.0, 3.0, 1.0]), 2.0)


def test_segment_to_a_sign_flipped_copy_is_symmetric_and_switches_the_channel_off():
    """Prop. (hidden-channel symmetries): equal end values, a mirror-symmetric profile, and at
    the midpoint the network with channel 0 switched off, built here by hand."""
    net = _net((1, 2, 1), seed=4)
    flip = permute_hidden(net, [0, 1], signs=[-1, 1])
    line = energy_slice([net, flip], H, U, Y, np.linspace(0, 1, 11), lam=0.3, nu=0.2)
    assert_allclose(line[-1], line[0], rtol=1e-14)
    assert_allclose(line[::-1], line, rtol=1e-13)                               # symmetric profile
    k0, k1 = (net.coarse_kernels[str(l)].detach().clone() for l in (0, 1))
    b0, b1 = (b.detach().clone() for b in net.biases)
    k0[0], k1[:, 0], b0[0] = 0.0, 0.0, 0.0
    off = fl.FsCNN([k0, k1], [0.125, 0.125], biases=[b0, b1], activation=torch.tanh)
    assert_allclose(line[5], _energy(off), rtol=1e-13)
    assert abs(line[5] - line[0]) > 1e-3                                        # and it differs


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(perm=(1, 0, 2), layer=True), TypeError, "layer must be an int"),
    (dict(perm=(1, 0, 2), layer=1), ValueError, "hidden layer 0..0"),
    (dict(perm="102"), TypeError, "perm must be a list or tuple"),
    (dict(perm=[1, 0]), ValueError, "perm must have 3 entries"),
    (dict(perm=[1.0, 0.0, 2.0]), TypeError, "perm must hold ints"),
    (dict(perm=[0, 0, 2]), ValueError, "permutation of 0..2"),
    (dict(perm=[0, 1, 2], signs=[1, 2, 1]), ValueError, r"only \+1 and -1"),
    (dict(perm=[0, 1, 2], signs=[True, 1, 1]), TypeError, "signs must hold the ints"),
    (dict(perm=[0, 1, 2], signs=[1, 1]), ValueError, "signs must have 3 entries"),
])
def test_permute_hidden_validation(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        permute_hidden(_net(), **kwargs)


def test_permute_hidden_validation_of_the_network():
    with pytest.raises(TypeError, match="net must be an FsCNN"):
        permute_hidden("net", [0])
    with pytest.raises(ValueError, match="odd activation"):
        permute_hidden(_net(act=torch.relu), [0, 1, 2], signs=[1, -1, 1])
    with pytest.raises(ValueError, match="hidden layer 0..-1"):
        permute_hidden(fl.FsCNN.random([1, 1], [0.125], coarse=2), [0])
    with pytest.raises(ValueError, match="without skips and batch norm"):
        permute_hidden(fl.FsCNN.random([1, 1, 1], [0.125] * 2, coarse=2, skips=[(1, 2)]), [0])
    call = fl.FsCNN([lambda y1, y2: torch.ones_like(y1), torch.ones(1, 1, 2, 2)], [0.125, 0.125],
                    channels=[1, 1, 1])
    with pytest.raises(ValueError, match="kernel of layer 0 must be an array"):
        permute_hidden(call, [0])
    with pytest.raises(TypeError, match="net must be an FsCNN"):
        hidden_symmetries(None)


def test_align_hidden_validation():
    with pytest.raises(TypeError, match="reference must be an FsCNN"):
        align_hidden(_net(), 3, H)
    with pytest.raises(ValueError, match="same architecture"):
        align_hidden(_net(), _net((1, 2, 1)), H)


def test_plane_slice_validation():
    z = torch.zeros(3, dtype=torch.float64)
    e = torch.ones(3, dtype=torch.float64)

    def f(x):
        return 0.0

    cases = [
        (("f", z, e, None, [0.0]), TypeError, "f must be a callable"),
        ((f, np.zeros(3), e, None, [0.0]), TypeError, "origin must be a torch.Tensor"),
        ((f, torch.zeros(3, dtype=torch.int64), e, None, [0.0]), TypeError, "origin must have dtype"),
        ((f, z, torch.zeros(4, dtype=torch.float64), None, [0.0]), ValueError, "d1 must be a 1-D vector"),
        ((f, z, e, e, [0.0]), ValueError, "give d2 and t together"),
        ((f, z, e, None, [[0.0, 1.0]]), ValueError, "s must be a non-empty 1-D"),
        ((f, z, e, None, [math.nan]), ValueError, "s must be a non-empty 1-D"),
        ((f, z, e, None, ["a"]), TypeError, "s must hold real numbers"),
        ((f, z, e, e, [0.0], []), ValueError, "t must be a non-empty 1-D"),
    ]
    for args, exc, match in cases:
        with pytest.raises(exc, match=match):
            plane_slice(*args)


def test_energy_slice_validation():
    a, b = _net(), _net(seed=1)
    with pytest.raises(TypeError, match="nets must be a list of 2 or 3"):
        energy_slice(a, H, U, Y, [0.0], lam=0.1, nu=0.1)
    with pytest.raises(TypeError, match="of length 1"):
        energy_slice([a], H, U, Y, [0.0], lam=0.1, nu=0.1)
    with pytest.raises(TypeError, match=r"nets\[1\] must be an FsCNN"):
        energy_slice([a, "b"], H, U, Y, [0.0], lam=0.1, nu=0.1)
    with pytest.raises(ValueError, match="share one architecture"):
        energy_slice([a, _net((1, 2, 1))], H, U, Y, [0.0], lam=0.1, nu=0.1)
    # same parameter shapes, different Sigma_l (2 coarse pixels each): would be misread
    wide = fl.FsCNN.random([1, 3, 1], [0.25, 0.25], coarse=2, seed=1, activation=torch.tanh)
    with pytest.raises(ValueError, match=r"half widths \(0\.25, 0\.25\) vs \(0\.125, 0\.125\)"):
        energy_slice([a, wide], H, U, Y, [0.0], lam=0.1, nu=0.1)
    with pytest.raises(ValueError, match=r"nets\[1\] differs"):
        energy_slice([a, _net(act=torch.relu, seed=1)], H, U, Y, [0.0], lam=0.1, nu=0.1)
    with pytest.raises(ValueError, match="give the coordinates t"):
        energy_slice([a, b, a], H, U, Y, [0.0], lam=0.1, nu=0.1)
    with pytest.raises(ValueError, match="t must be None"):
        energy_slice([a, b], H, U, Y, [0.0], [0.0], lam=0.1, nu=0.1)


@pytest.mark.parametrize("values, exc, match", [
    ([1.0], ValueError, "at least 2 finite"),
    ([[1.0, 2.0]], ValueError, "at least 2 finite"),
    ([0.0, math.inf], ValueError, "at least 2 finite"),
    ("ab", TypeError, "values must be a real number"),
])
def test_segment_barrier_validation(values, exc, match):
    with pytest.raises(exc, match=match):
        segment_barrier(values)
