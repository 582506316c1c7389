"""Tests of fscnn_lib.acnn: the dCNN with pooling/upsampling against the aCNN on PC_h.

Oracles: PyTorch pooling and interpolation, NumPy padding, the folding map, and the
FsCNN of fscnn_lib.networks (a different code path for the same dCNN).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import fscnn_lib as fl
from fscnn_lib.acnn import PCFunction, SampledCNN, pc_downsample, pc_reflect, pc_upsample


def _node_pc(rng, n, h=0.1, x0=0.3):
    g = fl.Grid(fl.Rectangle(x0, x0 + (n - 1) * h, -x0, -x0 + (n - 1) * h), h, align="node")
    return PCFunction(rng.normal(size=(n, n)), g)


@pytest.mark.parametrize("down_mode", ["max", "average", "stride"])
@pytest.mark.parametrize("up_mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("align", ["node", "cell"])
def test_dcnn_equals_acnn_at_the_nodes(down_mode, up_mode, align):
    rng = np.random.default_rng(1)
    k0 = (4, 4) if align == "cell" else (3, 3)
    ks = [rng.normal(size=k0), rng.normal(size=(5, 5)), rng.normal(size=(3, 3))]
    net = SampledCNN(ks, [0.1, -0.2, 0.3], down=[2, 1, 1], up=[1, 1, 2], down_mode=down_mode,
                     up_mode=up_mode, activation="tanh", input_align=align)
    N0 = 11 if align == "cell" else 12
    U = rng.normal(size=(N0, N0))
    d = net.dcnn(torch.from_numpy(U)[None, None], 1 / 16, return_all=True)
    a = net.acnn(U, 1 / 16)
    for dl, al, row in zip(d, a, net.sizes(N0)):
        assert tuple(dl.shape[-2:]) == al.coeffs.shape == (row["out"], row["out"])
        np.testing.assert_allclose(dl[0, 0].numpy(), al.coeffs, rtol=0, atol=1e-12)


def test_cell_input_network_equals_fscnn_dcnn():
    net = fl.FsCNN.random(channels=[1, 1, 1], half_widths=[0.125, 0.125], coarse=2, seed=3)
    h = 1 / 16
    ks = [net.conv_kernel(0, h)[0, 0].detach().numpy(),
          net.conv_kernel(1, h)[0, 0].detach().numpy()]
    b = [float(net.biases[k].detach()[0]) for k in (0, 1)]
    ours = SampledCNN(ks, b, input_align="cell")
    u = torch.randn(1, 1, 16, 16, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    np.testing.assert_allclose(ours.dcnn(u, h).numpy(), net.at(h)(u).detach().numpy(), atol=1e-12)


@pytest.mark.parametrize("mode,op", [("max", F.max_pool2d), ("average", F.avg_pool2d),
                                     ("stride", lambda t, s: t[..., ::s, ::s])])
def test_pc_downsample_is_pooling_on_the_shifted_lattice(mode, op):
    rng = np.random.default_rng(2)
    u = _node_pc(rng, 12)
    v = pc_downsample(u, 3, mode=mode)
    want = op(torch.from_numpy(u.coeffs)[None, None], 3)[0, 0].numpy()
    np.testing.assert_allclose(v.coeffs, want, rtol=0, atol=1e-14)
    np.testing.assert_allclose(v.grid.coords()[0], u.grid.coords()[0][1::3], atol=1e-12)  # (s-1)h/2
    # eq. (6): on each fine cell the value is the pooled value of its block
    r = v.grid.rect  # the hull of the block centres
    x1, x2 = rng.uniform(r.a, r.b, 500), rng.uniform(r.c, r.d, 500)
    i, j = u.grid.index_of(x1, x2)
    np.testing.assert_allclose(v(x1, x2), want[i // 3, j // 3], rtol=0, atol=1e-14)


def test_pc_upsample_matches_eq4_and_torch_nearest():
    rng = np.random.default_rng(3)
    u = _node_pc(rng, 6)
    for mode in ("nearest", "bilinear"):
        v = pc_upsample(u, 2, mode=mode)
        np.testing.assert_allclose(v.coeffs, fl.upsample(u.coeffs, 2, mode=mode), atol=1e-14)
    near = F.interpolate(torch.from_numpy(u.coeffs)[None, None], scale_factor=2, mode="nearest")
    np.testing.assert_allclose(pc_upsample(u, 2, mode="nearest").coeffs, near[0, 0].numpy())
    v = pc_upsample(u, 4, mode="bilinear")
    # the fine cells subdivide the coarse ones: coarse value = mean of nearest on them
    np.testing.assert_allclose(pc_downsample(v, 4, mode="stride").coeffs, u.coeffs, atol=1e-14)
    np.testing.assert_allclose(pc_downsample(v, 4, mode="stride").grid.coords()[0],
                               u.grid.coords()[0] + 1.5 * v.grid.h - 1.5 * v.grid.h, atol=1e-12)


@pytest.mark.parametrize("align,np_mode", [("node", "reflect"), ("cell", "symmetric")])
def test_pc_reflect_is_the_folding_and_numpy_padding(align, np_mode):
    rng = np.random.default_rng(4)
    h = 0.25
    rect = fl.Rectangle(0, 2, 0, 1.5)
    g = fl.Grid(rect, h, align=align)
    u = PCFunction(rng.normal(size=g.shape), g)
    Ru = pc_reflect(u, 3)
    np.testing.assert_array_equal(Ru.coeffs, np.pad(u.coeffs, 3, mode=np_mode))
    r = Ru.grid.rect
    x1, x2 = rng.uniform(r.a, r.b, 400), rng.uniform(r.c, r.d, 400)
    np.testing.assert_array_equal(Ru(x1, x2), u(fl.fold(x1, 0, 2), fl.fold(x2, 0, 1.5)))


def test_sizes_follow_en12():
    net = SampledCNN([np.ones((3, 3)), np.ones((5, 5))], down=[2, 1], up=[1, 2])
    rows = net.sizes(8)
    for l, row in enumerate(rows):
        nxt = rows[l]["out"]
        assert row["padded"] == net.down[l] * nxt + row["n"] - 1
    assert [r["out"] for r in rows] == [4, 8]
    with pytest.raises(ValueError, match="not divisible by down"):
        net.sizes(9)
    assert net.resolutions(0.25) == [0.25, 0.25, 0.5][:2] + [0.25]


def test_validation():
    w = np.ones((3, 3))
    with pytest.raises(ValueError, match="odd size"):
        SampledCNN([np.ones((2, 2))])
    with pytest.raises(ValueError, match="even size"):
        SampledCNN([w], input_align="cell")
    with pytest.raises(ValueError, match="up\\[0\\]"):
        SampledCNN([w], up=[2])
    with pytest.raises(ValueError, match="down_mode"):
        SampledCNN([w], down_mode="sum")
    with pytest.raises(TypeError, match="biases"):
        SampledCNN([w], ["a"])
    with pytest.raises(TypeError, match="PCFunction"):
        pc_downsample(np.ones((4, 4)), 2, mode="max")
    with pytest.raises(TypeError, match="torch.Tensor"):
        SampledCNN([w]).dcnn(np.ones((1, 1, 4, 4)), 0.1)
    g = fl.Grid(fl.Rectangle(0, 1, 0, 1), 0.25, align="node")
    with pytest.raises(ValueError, match="divisible"):
        pc_downsample(PCFunction(np.ones((5, 5)), g), 2, mode="max")


def test_non_dyadic_spacing_reflects_without_rounding_errors():
    # h = 1/31: pooled nodes at odd multiples of 1/31, where the folded points can land a
    # rounding error outside the hull; pc_reflect must still read the border values
    rng = np.random.default_rng(7)
    ks = [rng.normal(size=(4, 4)), rng.normal(size=(3, 3)), rng.normal(size=(5, 5))]
    net = SampledCNN(ks, [0.2, 0.1, 0.0], down=[2, 1, 1], up=[1, 1, 2], activation="tanh",
                     input_align="cell")
    U = rng.normal(size=(31, 31))
    d = net.dcnn(torch.from_numpy(U)[None, None], 1 / 31, return_all=True)
    a = net.acnn(U, 1 / 31)
    for dl, al in zip(d, a):
        np.testing.assert_allclose(dl[0, 0].numpy(), al.coeffs, rtol=0, atol=1e-12)
    g = fl.Grid(fl.Rectangle(0.5 / 31, 30.5 / 31, 0.5 / 31, 30.5 / 31), 2 / 31, align="node")
    V = rng.normal(size=g.shape)
    np.testing.assert_array_equal(pc_reflect(PCFunction(V, g), 2).coeffs,
                                  np.pad(V, 2, mode="reflect"))


def test_resolutions_product_starts_at_layer_one():
    # h_l = h_0 prod_{i=1}^{l} s_{i-1,D} / s_{i,U}; h_L = h_{L-1} s_{L-1,D}
    net = SampledCNN([np.ones((3, 3))] * 4, down=[2, 3, 1, 1], up=[1, 1, 3, 2])
    h0 = 0.125
    expect = [h0]
    for l in range(1, 4):
        expect.append(expect[-1] * net.down[l - 1] / net.up[l])
    expect.append(expect[-1] * net.down[3])
    np.testing.assert_allclose(net.resolutions(h0), expect, rtol=1e-15)
