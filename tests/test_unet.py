"""Tests of fscnn_lib.unet: the U-net with physical kernels across resolutions (S3-E2E).

Oracles independent of the code under test: the continuous convolution of two piecewise
constant functions is the bilinear interpolant of its grid values (EN-16b), so one refined
layer at factor s must equal the s = 1 layer interpolated by ``F.interpolate(...,
align_corners=True)``; scenes against sums of ``fl.disk_image``; edge widths against a
radial linear ramp (10-90 % width 0.8 w); parameter counts and shapes by hand. Hypothesis
fuzzes the argument checks (TypeError for a wrong type, ValueError for a wrong value).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import fscnn_lib as fl
from fscnn_lib.unet import Edge, ScaledUNet


pytestmark = pytest.mark.usefixtures("one_torch_thread")


# ----------------------------------------------------------------------------- scenes
def test_disc_scenes_are_seeded_gaussians():
    a = fl.disc_scenes(400, seed=3)
    assert a.shape == (400, 5, 4)
    assert np.array_equal(a, fl.disc_scenes(400, seed=3))
    assert not np.array_equal(a, fl.disc_scenes(400, seed=4))
    assert_allclose(a.reshape(-1, 4).mean(axis=0), 0.5, atol=0.04)
    assert_allclose(a.reshape(-1, 4).std(axis=0), 0.5, atol=0.03)
    assert fl.disc_scenes(2, discs=3, seed=0).shape == (2, 3, 4)


def test_render_matches_disk_image_and_block_averages_across_s():
    sc = fl.disc_scenes(6, seed=1)
    fine = 96
    for n in (16, 32, 48):
        u = fl.render_scenes(sc, n, fine=fine)
        for i in (0, 5):
            ref = sum(c * fl.disk_image(n, radius=r, center=(x1, x2), supersample=fine // n)
                      for x1, x2, r, c in sc[i] if r > 0)
            assert_allclose(u[i], ref, atol=1e-12)
    u1, u2, u3 = (fl.render_scenes(sc, 16 * s, fine=fine) for s in (1, 2, 3))
    assert_allclose(fl.downsample(u2, 2, mode="average"), u1, atol=1e-12)
    assert_allclose(fl.downsample(u3, 3, mode="average"), u1, atol=1e-12)
    # the noise model adds, per resolution, independent N(0, sigma^2) values
    f = fl.add_noise(torch.from_numpy(u3), 0.07, seed=2)
    assert abs(float((f - torch.from_numpy(u3)).std()) - 0.07) < 0.003


# ----------------------------------------------------------------------------- network
@pytest.mark.parametrize("s", [1, 2, 3, 4])
def test_shapes_and_kernel_sizes_per_s(s):
    net = ScaledUNet(s, channels=(2, 3), seed=0)
    sizes = [tuple(c.weight.shape) for c in net.convs]
    k = 3 * s
    assert sizes == [(2, 1, k, k), (2, 2, k, k), (3, 2, k, k), (3, 3, k, k), (2, 5, k, k),
                     (2, 2, k, k), (1, 2, s, s)]
    assert len(net.norms) == 6 and all(isinstance(m, torch.nn.BatchNorm2d) for m in net.norms)
    n_params = sum(p.numel() for p in net.parameters())
    kernels = k * k * (2 + 4 + 6 + 9 + 10 + 4) + 2 * s * s
    assert n_params == kernels + (2 + 2 + 3 + 3 + 2 + 2 + 1) + 2 * (2 + 2 + 3 + 3 + 2 + 2)
    x = torch.randn(2, 1, 8 * s, 8 * s)
    assert net(x).shape == (2, 1, 8 * s, 8 * s)
    # padding: symmetric for odd kernels, alternating one-sample splits for even ones
    pads = [c.pad for c in net.convs]
    if s % 2:
        assert all(p[0] == p[1] == (c.weight.shape[-1] - 1) // 2 for p, c in zip(pads, net.convs))
    else:
        assert [p[0] - p[1] for p in pads] == [-1, 1] * 3 + [-1]


def _impulse_centroid(layers, n):
    x = torch.zeros(1, 1, n, n, dtype=torch.float64)
    x[..., n // 2, n // 2] = 1.0
    with torch.no_grad():
        for layer in layers:
            x = layer(x)
    w = x[0, 0].abs()
    i = torch.arange(n, dtype=torch.float64)
    return float((w.sum(1) * i).sum() / w.sum()), float((w.sum(0) * i).sum() / w.sum())


def test_even_kernels_shift_by_half_a_cell_and_the_pair_cancels():
    net = ScaledUNet(2, channels=(1,), seed=0, batch_norm=False, dtype=torch.float64)
    with torch.no_grad():
        for c in net.convs:
            c.weight.fill_(1.0)                # a box: symmetric about the kernel's centre
    n = 24
    # output sample i of the first layer sits at i + 1/2 (a node): an impulse at n // 2
    # appears centred at index n // 2 - 1/2; the second layer moves it back
    one = _impulse_centroid(net.convs[:1], n)
    two = _impulse_centroid(net.convs[:2], n)
    assert_allclose(one, (n // 2 - 0.5,) * 2, atol=1e-12)
    assert_allclose(two, (n // 2,) * 2, atol=1e-12)


@pytest.mark.parametrize("s", [2, 3])
def test_one_refined_layer_is_the_bilinear_interpolant_of_the_coarse_layer(s):
    """Eq. (8) with EN-16b: the h^2 = 1/s^2 factor makes the refined layer exact."""
    g = torch.Generator().manual_seed(s)
    coarse = ScaledUNet(1, channels=(3,), in_channels=2, seed=1, batch_norm=False, dtype=torch.float64)
    fine = coarse.refined(s)
    conv1, convs = coarse.convs[0], fine.convs[0]
    conv1.pad = convs.pad = (0, 0, 0, 0)             # the valid part of the layer
    N = 9
    u = torch.rand(2, 2, N, N, generator=g, dtype=torch.float64)
    v1 = conv1(u)
    vs = convs(u.repeat_interleave(s, -1).repeat_interleave(s, -2))
    assert vs.shape[-1] == s * N - 3 * s + 1
    oracle = F.interpolate(v1, size=vs.shape[-2:], mode="bilinear", align_corners=True)
    assert_allclose(vs.detach().numpy(), oracle.detach().numpy(), atol=1e-12)
    # without the 1/s^2 factor the layer would be s^2 times too large
    bias = convs.bias[:, None, None].detach()
    ratio = ((vs - bias) / (oracle - bias)).detach()
    assert_allclose(ratio.numpy(), 1.0, atol=1e-9)


def test_refined_network_keeps_norms_and_output_of_constant_images():
    net = ScaledUNet(1, channels=(2, 4), seed=5, batch_norm=False, dtype=torch.float64)
    for s in (2, 3):
        r = net.refined(s)
        assert r.s == s and r.convs[0].weight.shape[-1] == 3 * s and r.convs[-1].weight.shape[-1] == s
        assert_allclose(fl.kernel_l2_norms(r).numpy(), fl.kernel_l2_norms(net).numpy(), rtol=1e-12)
        # a constant image: every layer sees constants, so the output is the same number
        with torch.no_grad():
            a = net(torch.full((1, 1, 8, 8), 0.7, dtype=torch.float64))
            b = r(torch.full((1, 1, 8 * s, 8 * s), 0.7, dtype=torch.float64))
        assert_allclose(b.numpy(), float(a[0, 0, 0, 0]), rtol=1e-12)
    assert net.refined(2).refined(4).s == 4


def test_first_layer_noise_std_is_sigma_h_times_the_l2_norm():
    """Var of h^2 sum W eta = sigma^2 h^2 ||w||_{L2}^2 (the noise is averaged away as h -> 0)."""
    net = ScaledUNet(1, channels=(1,), seed=2, batch_norm=False, dtype=torch.float64)
    conv = net.convs[0]
    norm = float(fl.kernel_l2_norms(net)[0])
    for s in (1, 3):
        c = net.refined(s).convs[0]
        c.pad = (0, 0, 0, 0)
        eta = fl.add_noise(torch.zeros(1, 1, 300, 300, dtype=torch.float64), 0.07, seed=s)
        out = (c(eta) - c.bias.detach()).detach()
        assert_allclose(float(out.std()), 0.07 * norm / s, rtol=0.05)
    assert conv.weight.shape[-1] == 3


# ----------------------------------------------------------------------------- edges
def _ramp_disc(n, r, w, centre=(0.5, 0.5)):
    x = (np.arange(n) + 0.5) / n
    d = np.hypot(x[:, None] - centre[0], x[None, :] - centre[1])
    return np.clip((r - d) / w + 0.5, 0.0, 1.0)


@pytest.mark.parametrize("w,ns", [(0.06, (256,)), (0.1, (128, 256))])
def test_edge_width_of_a_radial_ramp_in_physical_units(w, ns):
    """A linear ramp of width w at least 10 pixels: the 10-90 % width is 0.8 w exactly
    (linear interpolation on the ramp), up to the row's offset from the centre."""
    sc = np.array([[[0.5, 0.5, 0.3, 1.0]]])
    edges = fl.scene_edges(sc, half_width=0.15)
    assert len(edges) == 4
    for n in ns:
        widths = fl.edge_widths(_ramp_disc(n, 0.3, w)[None], edges, half_width=0.15)
        assert_allclose(widths, 0.8 * w, rtol=1e-3)
    # torch input, and a falling profile read the other way
    t = torch.from_numpy(1.0 - _ramp_disc(ns[0], 0.3, w))[None, None]
    assert_allclose(fl.edge_widths(t, edges, half_width=0.15), 0.8 * w, rtol=1e-3)
    # a ramp narrower than a few pixels is overestimated: the measurement floor
    coarse = fl.edge_widths(_ramp_disc(32, 0.3, w / 4)[None], edges, half_width=0.15)
    assert np.all(coarse > 0.8 * w / 4)


def test_scene_edges_keeps_only_isolated_measurable_boundaries():
    one = np.array([[[0.5, 0.5, 0.3, 1.0]]])
    assert [(e.axis, e.side) for e in fl.scene_edges(one)] == [(0, -1), (0, 1), (1, -1), (1, 1)]
    # a second circle passing near the right crossing removes it
    two = np.array([[[0.5, 0.5, 0.3, 1.0], [0.5, 0.9, 0.1, 0.5]]])
    kept = {(e.axis, e.side) for e in fl.scene_edges(two) if e.x2 == 0.5}
    assert (1, 1) not in kept and (1, -1) in kept
    low = np.array([[[0.5, 0.5, 0.3, 0.1]]])                       # contrast below 0.25
    small = np.array([[[0.5, 0.5, 0.1, 1.0]]])                     # radius below half_width
    out = np.array([[[0.5, 0.9, 0.3, 1.0]]])                       # right crossing outside
    assert fl.scene_edges(low) == [] and fl.scene_edges(small) == []
    assert (1, 1) not in {(e.axis, e.side) for e in fl.scene_edges(out)}
    e = fl.scene_edges(one)[0]
    assert isinstance(e, Edge) and e.scene == 0 and e.contrast == 1.0


def test_clean_cell_averaged_edges_shrink_like_h():
    sc = fl.disc_scenes(60, seed=7)
    edges = fl.scene_edges(sc)
    assert len(edges) > 20
    w = [np.nanmean(fl.edge_widths(fl.render_scenes(sc, 32 * s, fine=384), edges)) for s in (1, 2, 4)]
    assert abs(fl.fit_rate([1, 1 / 2, 1 / 4], w) - 1.0) < 0.1
    assert all(0.8 / (32 * s) <= v <= 1.6 / (32 * s) for v, s in zip(w, (1, 2, 4)))


# ----------------------------------------------------------------------------- training
def _data(n, count=8, seed=0):
    c = torch.from_numpy(fl.render_scenes(fl.disc_scenes(count, seed=seed), n, fine=96))[:, None].float()
    return c, fl.add_noise(c, 0.07, seed=seed)


def test_train_unet_is_seeded_and_decays_the_physical_norms():
    c, f = _data(16)
    kw = dict(s=1, steps=8, batch=4, lr=1e-2, channels=(2, 4), batch_norm=False)
    a, ia = fl.train_unet(c, f, weight_decay=0.0, **kw)
    b, ib = fl.train_unet(c, f, weight_decay=0.0, **kw)
    assert ia["loss"] == ib["loss"] and ia["steps_done"] == 8 and not a.training
    d, _ = fl.train_unet(c, f, weight_decay=50.0, **kw)
    assert float((fl.kernel_l2_norms(d) ** 2).sum()) < 0.5 * float((fl.kernel_l2_norms(a) ** 2).sum())
    # a warm start at s = 2 begins from the same physical kernels
    c2, f2 = _data(32)
    w, iw = fl.train_unet(c2, f2, s=2, weight_decay=0.0, steps=2, batch=4, lr=1e-9, init=a)
    assert_allclose(fl.kernel_l2_norms(w).numpy(), fl.kernel_l2_norms(a).numpy(), rtol=1e-4)
    # BN statistics are recomputed, and the time limit stops the loop
    n, info = fl.train_unet(c, f, s=1, weight_decay=0.0, steps=50, batch=4, channels=(2,),
                            time_limit=1e-9)
    assert info["steps_done"] == 1 and n.norms[0].num_batches_tracked > 0


def test_kernel_decay_is_scaled_by_one_over_s_squared():
    """With a zero input the data term does not reach the first kernel, so its first Adam
    step is the decay alone; for a gradient g far below Adam's eps the step is lr g / eps,
    proportional to the decay lambda / s^2 (the same physical penalty at every s)."""
    lr, wd, eps = 1.0, 1e-12, 1e-8
    for s in (1, 2):
        z = torch.zeros(4, 1, 8 * s, 8 * s, dtype=torch.float64)
        w0 = ScaledUNet(s, channels=(2, 2), seed=0, batch_norm=False, dtype=torch.float64).convs[0].weight
        net, _ = fl.train_unet(z, z, s=s, weight_decay=wd, steps=1, lr=lr, channels=(2, 2),
                               batch_norm=False)
        step = (net.convs[0].weight - w0).detach() / w0.detach()
        assert_allclose(step.numpy(), -lr * wd / (s * s * eps), rtol=1e-3)


def test_run_and_save_a_tiny_experiment(tmp_path):
    sizes = dict(fl.budget_sizes("quick")["unet"], n1=16, s_values=[1, 2], weight_decays=[0.0, 0.1],
                 train=8, test=12, fine=32, channels=[2, 2], steps=[3, 2], lr=[1e-2, 1e-3], batch=4,
                 half_width=0.12)
    exp = fl.run_unet_experiment(sizes)
    assert set(exp.runs) == {(1, 0.0), (1, 0.1), (2, 0.0), (2, 0.1)}
    r = exp.runs[(2, 0.1)]
    assert r["steps_done"] == 2 and len(r["kernel_norms"]) == 7 and len(r["cut"]) == 32
    assert np.asarray(r["crop"]).shape == (round(0.5 * 32),) * 2
    assert exp.display["edges"] == len(r["widths"]) > 0
    path = tmp_path / "unet.json"
    fl.save_unet_experiment(str(path), exp)
    back = fl.load_unet_experiment(str(path))
    assert set(back.runs) == set(exp.runs)
    assert back.width(2, 0.1) == pytest.approx(exp.width(2, 0.1), nan_ok=True)
    assert back.gamma() == pytest.approx(exp.gamma())
    assert_allclose(back.runs[(1, 0.0)]["crop"], exp.runs[(1, 0.0)]["crop"], atol=5e-4)
    assert back.runs[(1, 0.0)]["cut"] == exp.runs[(1, 0.0)]["cut"]


# ----------------------------------------------------------------------------- validation
def test_validation_errors():
    sc = fl.disc_scenes(2, seed=0)
    with pytest.raises(TypeError, match="count must be an int"):
        fl.disc_scenes(2.0, seed=0)
    with pytest.raises(ValueError, match="count must be >= 1"):
        fl.disc_scenes(0, seed=0)
    with pytest.raises(TypeError, match="scenes must be a numpy.ndarray"):
        fl.render_scenes(sc.tolist(), 8, fine=16)
    with pytest.raises(ValueError, match=r"scenes must have shape \(count, discs, 4\)"):
        fl.render_scenes(sc[..., :3].copy(), 8, fine=16)
    with pytest.raises(ValueError, match="n must divide fine"):
        fl.render_scenes(sc, 6, fine=16)
    with pytest.raises(ValueError, match="s must be >= 1"):
        ScaledUNet(0)
    with pytest.raises(TypeError, match="s must be an int"):
        ScaledUNet(1.5)
    with pytest.raises(TypeError, match="channels must be a list or tuple"):
        ScaledUNet(1, channels=8)
    with pytest.raises(ValueError, match="channels must have at least 1"):
        ScaledUNet(1, channels=())
    with pytest.raises(TypeError, match="batch_norm must be a bool"):
        ScaledUNet(1, batch_norm=1)
    with pytest.raises(ValueError, match="method must be one of"):
        ScaledUNet(1, method="fast")
    net = ScaledUNet(2, channels=(2, 2))
    with pytest.raises(ValueError, match="divisible by 2"):
        net(torch.zeros(1, 1, 7, 7))
    with pytest.raises(TypeError, match="x must have dtype"):
        net(torch.zeros(1, 1, 8, 8, dtype=torch.int64))
    with pytest.raises(ValueError, match="s must be a multiple of self.s = 2"):
        net.refined(3)
    with pytest.raises(TypeError, match="net must be a ScaledUNet"):
        fl.kernel_l2_norms(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="half_width must be positive"):
        fl.scene_edges(sc, half_width=-0.1)
    with pytest.raises(TypeError, match="min_contrast must be a real number"):
        fl.scene_edges(sc, min_contrast="0.2")
    img = np.zeros((1, 32, 32))
    with pytest.raises(ValueError, match=r"edges\[0\] must be an Edge"):
        fl.edge_widths(img, [Edge(3, 0, 1, 0.5, 0.5, 0.3, 1.0)])
    with pytest.raises(ValueError, match="images must be square"):
        fl.edge_widths(np.zeros((1, 32, 16)), [])
    c, f = _data(16, count=4)
    with pytest.raises(TypeError, match="clean must be a torch.Tensor"):
        fl.train_unet(c.numpy(), f, s=1, weight_decay=0.0, steps=1)
    with pytest.raises(ValueError, match="same shape"):
        fl.train_unet(c, f[:2], s=1, weight_decay=0.0, steps=1)
    with pytest.raises(ValueError, match="weight_decay must be >= 0"):
        fl.train_unet(c, f, s=1, weight_decay=-1.0, steps=1)
    with pytest.raises(TypeError, match="init must be a ScaledUNet"):
        fl.train_unet(c, f, s=1, weight_decay=0.0, steps=1, init="net")
    with pytest.raises(ValueError, match="time_limit must be positive"):
        fl.train_unet(c, f, s=1, weight_decay=0.0, steps=1, time_limit=0.0)
    with pytest.raises(TypeError, match="sizes must be a dict"):
        fl.run_unet_experiment(sizes=[1, 2])
    with pytest.raises(ValueError, match="no measurable edge"):
        fl.run_unet_experiment(dict(fl.budget_sizes("quick")["unet"], test=4, min_contrast=10.0))
    with pytest.raises(TypeError, match="exp must be a UNetExperiment"):
        fl.save_unet_experiment("x.json", {})
    assert math.isfinite(fl.edge_widths(fl.render_scenes(np.array([[[0.5, 0.5, 0.3, 1.0]]]), 32, fine=32),
                                        fl.scene_edges(np.array([[[0.5, 0.5, 0.3, 1.0]]])))[0])


# ----------------------------------------------------------------------------- fuzzing
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WRONG_TYPES = st.sampled_from(["0.5", None, True, 1j, [0.5]])
SCENE = np.array([[[0.5, 0.5, 0.3, 1.0], [0.2, 0.8, 0.1, -0.5]]])
EDGE_BAD_VALUES = {"half_width": [0.0, -0.1, math.nan, math.inf], "min_contrast": [-0.1, math.nan, math.inf],
                   "gap": [-0.01, math.nan, -math.inf], "coarse": [0, -3]}


@FUZZ
@given(which=st.sampled_from([None, *EDGE_BAD_VALUES]), kind=st.sampled_from(["type", "value"]), data=st.data())
def test_fuzz_scene_edges_raises_the_matching_class(which, kind, data):
    kw = dict(half_width=0.15, min_contrast=0.25, gap=0.05, coarse=32)
    if which is None:
        assert len(fl.scene_edges(SCENE, **kw)) == 4
        return
    bad = data.draw(WRONG_TYPES if kind == "type" else st.sampled_from(EDGE_BAD_VALUES[which]))
    if which == "coarse" and kind == "type":
        bad = data.draw(st.sampled_from([1.5, "3", None, True]))
    kw[which] = bad
    with pytest.raises(TypeError if kind == "type" else ValueError, match=which):
        fl.scene_edges(SCENE, **kw)


@FUZZ
@given(which=st.sampled_from([None, "scenes", "n", "fine"]), kind=st.sampled_from(["type", "value"]), data=st.data())
def test_fuzz_render_scenes_raises_the_matching_class(which, kind, data):
    kw = dict(scenes=SCENE, n=8, fine=16)
    if which is None:
        assert fl.render_scenes(**kw).shape == (1, 8, 8)
        return
    if which == "scenes":
        kw["scenes"] = data.draw(st.sampled_from(
            [SCENE.tolist(), SCENE.astype(np.int64), torch.from_numpy(SCENE)] if kind == "type" else
            [SCENE[..., :3].copy(), SCENE[0], np.full_like(SCENE, np.nan)]))
    else:
        kw[which] = data.draw(st.sampled_from([1.5, "8", None, True] if kind == "type" else [0, -4, 5]))
    with pytest.raises(TypeError if kind == "type" else ValueError, match="scenes|n must|fine|divide"):
        fl.render_scenes(**kw)
