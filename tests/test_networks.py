"""Tests of fscnn_lib.networks: FsCNN evaluated at resolution h (Def. fsCNN, Def. dCNN, Thm 2.7, Remark 2.6, Def. A.1).

The oracles are independent of the code under test: a layer loop written here with
fl.conv_valid and fl.reflect_pad on NumPy arrays, a torch F.conv2d / F.pad formulation, a
brute-force quadrature of the continuous convolution (1), and closed-form scalings.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import fscnn_lib as fl
from fscnn_lib.kernels import cell_to_node_kernel
from fscnn_lib.networks import DCNN, FsCNN
from fscnn_lib.regularity import fit_rate, gradient_jump, max_jump, regularity_verdict

HS = [2.0**-k for k in range(5, 9)]
# --------------------------------------------------------------------------- inputs
def dirac(h: float, x: tuple[float, float] = (0.45, 0.55), channels: int = 1) -> torch.Tensor:
    """Mass 1 at the cell containing x: the value 1/h^2 in one cell (Remark 2.2 input)."""
    N = round(1 / h)
    u = torch.zeros(1, channels, N, N, dtype=torch.float64)
    u[:, :, int(x[0] / h), int(x[1] / h)] = 1 / h**2
    return u


def disk(h: float, r: float = 0.3, c: tuple[float, float] = (0.5, 0.5), *, sub: int = 1) -> torch.Tensor:
    """The pixelated disk P_h chi_B (a BV input), cell-centre samples; with sub > 1 the mean of
    sub x sub samples per cell (an approximation of the cell averages)."""
    N = round(1 / h)
    x = (torch.arange(N * sub, dtype=torch.float64) + 0.5) * h / sub
    d = (((x[:, None] - c[0]) ** 2 + (x[None, :] - c[1]) ** 2) < r * r).double()
    return d.reshape(N, sub, N, sub).mean((1, 3))[None, None]


def peak(v: torch.Tensor | float) -> float:
    return float(torch.as_tensor(v).max())


# ----------------------------------------------------------- independent reference
def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


def reference_dcnn(coarse, a, biases, u, h, *, act=relu, skips=(), bn=None):
    """The dCNN of EN-15, written from the definitions with fl.conv_valid and fl.reflect_pad (NumPy).

    Layer 0: symmetric padding of the cell values, valid convolution with the PC_h cell kernel
    -> N + 1 node values (eq. (8)). Layers >= 1: reflect padding of the node values, valid
    convolution with the cell kernel -> the N + 2 values at the cell centres (-h/2 .. 1 + h/2),
    then the mean of each 2 x 2 block -> the N + 1 node values (EN-16b: the exact convolution
    is bilinear between those centres).
    """
    L = len(coarse)
    acts = [u]
    for l in range(L):
        k = coarse[l].shape[-1]
        r = round(2 * a[l] / k / h)
        W = np.kron(coarse[l], np.ones((r, r)))  # (Co, Ci, 2p, 2p)
        p = round(a[l] / h)
        x = fl.reflect_pad(acts[l], p, mode="symmetric" if l == 0 else "reflect")
        y = np.stack(
            [sum(fl.conv_valid(x[:, ci], W[co, ci], h, method="direct") for ci in range(W.shape[1])) for co in range(W.shape[0])],
            axis=1,
        )
        if l > 0:
            y = 0.25 * (y[..., :-1, :-1] + y[..., 1:, :-1] + y[..., :-1, 1:] + y[..., 1:, 1:])
        y = y + np.asarray(biases[l])[None, :, None, None]
        for f, t in skips:
            if t == l + 1:
                y = y + acts[f]
        if l < L - 1:
            if bn is not None:
                g, b, m, v = (np.asarray(z)[None, :, None, None] for z in bn[l][:4])
                y = g * (y - m) / np.sqrt(v + bn[l][4]) + b
            acts.append(act(y))
        else:
            acts.append(y)
    return acts[1:]


def torch_formulation(coarse, a, biases, u, h):
    """The same dCNN with F.pad(mode='reflect'), a hand-made symmetric pad and F.conv2d (flipped, h^2)."""
    x = u
    L = len(coarse)
    for l in range(L):
        k = coarse[l].shape[-1]
        r = round(2 * a[l] / k / h)
        W = torch.from_numpy(coarse[l]).repeat_interleave(r, -2).repeat_interleave(r, -1)
        p = round(a[l] / h)
        if l == 0:
            x = torch.cat([x[..., :p, :].flip(-2), x, x[..., -p:, :].flip(-2)], -2)
            x = torch.cat([x[..., :p].flip(-1), x, x[..., -p:].flip(-1)], -1)
        else:
            x = F.pad(x, (p, p, p, p), mode="reflect")
            Wz = F.pad(W, (1, 1, 1, 1))  # node kernel: mean of the 4 cells at each node of Sigma
            W = 0.25 * (Wz[..., :-1, :-1] + Wz[..., 1:, :-1] + Wz[..., :-1, 1:] + Wz[..., 1:, 1:])
        y = h * h * F.conv2d(x, W.flip(-1, -2)) + torch.as_tensor(biases[l])[:, None, None]
        x = torch.relu(y) if l < L - 1 else y
    return x


def random_spec(channels, a, ks, seed):
    rng = np.random.default_rng(seed)
    coarse = [rng.standard_normal((channels[l + 1], channels[l], ks[l], ks[l])) * 10 for l in range(len(a))]
    biases = [rng.standard_normal(channels[l + 1]) for l in range(len(a))]
    return coarse, biases


# ------------------------------------------------------------------- (a) exactness
@pytest.mark.parametrize("method", ["direct", "fft", "auto"])
def test_at_equals_independent_loops(method: str) -> None:
    """net.at(h) equals the conv_valid/reflect_pad loop and the F.conv2d/F.pad formulation to 1e-12 (float64)."""
    channels, a, ks = [2, 3, 2, 1], [0.125, 0.25, 0.0625], [4, 2, 2]
    coarse, biases = random_spec(channels, a, ks, seed=3)
    net = FsCNN([torch.from_numpy(c) for c in coarse], a, biases=biases)
    for h in (1 / 16, 1 / 32):
        rng = np.random.default_rng(round(1 / h))
        u = rng.standard_normal((2, 2, round(1 / h), round(1 / h)))
        with torch.no_grad():
            out = net.at(h, method=method)(torch.from_numpy(u)).numpy()
        ref = reference_dcnn(coarse, a, biases, u, h)[-1]
        scale = np.abs(ref).max()
        assert out.shape == (2, 1, round(1 / h) + 1, round(1 / h) + 1)
        assert_allclose(out, ref, rtol=0, atol=1e-12 * scale)
        assert_allclose(out, torch_formulation(coarse, a, biases, torch.from_numpy(u), h).numpy(), rtol=0, atol=1e-12 * scale)


def test_skips_and_layer_outputs_equal_reference() -> None:
    """Remark 2.6: skips add mu^f to the pre-activation of layer t; layer_outputs lists mu^1..mu^{L-1}, output."""
    channels, a, ks = [1, 2, 2, 2], [0.125, 0.125, 0.125], [2, 4, 2]
    coarse, biases = random_spec(channels, a, ks, seed=5)
    skips = [(1, 3), (1, 2), (2, 3)]
    net = FsCNN([torch.from_numpy(c) for c in coarse], a, biases=biases, skips=skips, activation=torch.tanh)
    h = 1 / 32
    u = np.random.default_rng(0).standard_normal((1, 1, 32, 32))
    with torch.no_grad():
        outs = net.layer_outputs(torch.from_numpy(u), h)
    refs = reference_dcnn(coarse, a, biases, u, h, act=np.tanh, skips=skips)
    assert len(outs) == 3
    for o, r in zip(outs, refs):
        assert_allclose(o.numpy(), r, rtol=0, atol=1e-12 * np.abs(r).max())


def _brute_layer(U: np.ndarray, w_cells: np.ndarray, a: float, h: float) -> np.ndarray:
    """Exact (Rmu)*w at the nodes by the midpoint rule on the h/2 grid (single channel).

    mu is the node-centred PC_h function with values U on [0,1]^2, extended by reflection via
    the folding map (eq. (2)); w is the PC_h cell kernel on (-a,a)^2. All discontinuities of the
    integrand lie on the h/2 sub-grid edges, so the midpoint rule there is exact.
    """
    n = U.shape[-1]
    s = h / 2
    ys = -a + (np.arange(round(2 * a / s)) + 0.5) * s
    wv = w_cells[np.floor((ys + a) / h).astype(int)][:, np.floor((ys + a) / h).astype(int)]
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            z1 = fl.fold(i * h - ys, 0.0, 1.0)
            z2 = fl.fold(j * h - ys, 0.0, 1.0)
            vals = U[np.rint(z1 / h).astype(int)][:, np.rint(z2 / h).astype(int)]
            out[i, j] = s * s * np.sum(wv * vals)
    return out


def test_inner_layer_is_the_exact_function_space_convolution() -> None:
    """EN-15/EN-16b: layer 1 (node-aligned, reflect) returns exactly (R mu^1)*w^1 at the nodes."""
    h, a = 1 / 8, 0.25
    rng = np.random.default_rng(7)
    w0 = rng.standard_normal((1, 1, 2, 2))
    w1 = rng.standard_normal((1, 1, 4, 4))
    net = FsCNN([torch.from_numpy(w0), torch.from_numpy(w1)], [0.125, a], activation=torch.relu)
    u = torch.from_numpy(rng.standard_normal((1, 1, 8, 8)))
    with torch.no_grad():
        mu1, out = net.layer_outputs(u, h)
    W1 = w1[0, 0]  # 4 coarse cells on (-1/4, 1/4): already the h = 1/8 cells
    assert_allclose(out[0, 0].numpy(), _brute_layer(mu1[0, 0].numpy(), W1, a, h), rtol=0, atol=1e-13)


def test_one_layer_is_exact_across_resolutions() -> None:
    """Eq. (8): one layer gives the exact values of (Ru)*w at the nodes, so refining a PC_h input
    to h/2 and h/4 leaves the values at the common nodes unchanged."""
    coarse, biases = random_spec([2, 1], [0.25], [4], seed=11)
    net = FsCNN([torch.from_numpy(coarse[0])], [0.25], biases=biases)
    u = torch.from_numpy(np.random.default_rng(1).standard_normal((1, 2, 8, 8)))
    with torch.no_grad():
        y8 = net.at(1 / 8)(u)
        for s in (2, 4):
            us = u.repeat_interleave(s, -2).repeat_interleave(s, -1)
            ys = net.at(1 / (8 * s))(us)
            assert_allclose(ys[..., ::s, ::s].numpy(), y8.numpy(), rtol=1e-12, atol=1e-12)


def test_single_layer_and_forward_shortcut() -> None:
    """EN-6d: L = 1 is NN = (R mu) * w^0 + b^0 (no activation); net(u, h) is net.at(h)(u)."""
    coarse, biases = random_spec([1, 2], [0.125], [2], seed=4)
    net = FsCNN([torch.from_numpy(coarse[0])], [0.125], biases=biases, activation=torch.relu)
    h = 1 / 16
    u = np.random.default_rng(3).standard_normal((1, 1, 16, 16))
    with torch.no_grad():
        out = net(torch.from_numpy(u), h)
        assert torch.equal(out, net.at(h)(torch.from_numpy(u)))
    ref = reference_dcnn(coarse, [0.125], biases, u, h)[-1]
    assert (ref < 0).any()  # not clipped by an activation
    assert_allclose(out.numpy(), ref, rtol=0, atol=1e-12 * np.abs(ref).max())
    assert net.min_conv_path() == 1 and net.guaranteed_regularity("measure") == "none"


def test_callable_kernel_sampled_at_cell_centres() -> None:
    """A callable w(y1, y2) is sampled at the cell centres of Sigma; a PC callable equals the array kernel."""
    a, h = 0.25, 1 / 16
    arr = torch.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=torch.float64)

    def pc(y1, y2):
        return arr[(y1 > 0).long(), (y2 > 0).long()]

    net_arr = FsCNN([arr, arr], [a, a])
    net_fun = FsCNN([pc, lambda y1, y2: torch.cos(3 * y1) * y2], [a, a], channels=[1, 1, 1])
    assert torch.equal(net_arr.cell_kernel(0, h), net_fun.cell_kernel(0, h))
    y = -a + (np.arange(8) + 0.5) * h
    assert_allclose(net_fun.cell_kernel(1, h)[0, 0].numpy(), np.cos(3 * y)[:, None] * y[None, :], rtol=1e-14)
    u = disk(h)
    assert torch.allclose(net_arr.at(h)(u)[0, 0, 5], FsCNN([pc, arr], [a, a], channels=[1, 1, 1]).at(h)(u)[0, 0, 5])


def test_cell_to_node_kernel_formula() -> None:
    """The node kernel is the mean of the four cells touching each node (zero outside Sigma)."""
    w = torch.arange(12.0, dtype=torch.float64).reshape(3, 4)
    wn = cell_to_node_kernel(w)
    wz = np.pad(w.numpy(), 1)
    expect = 0.25 * (wz[:-1, :-1] + wz[1:, :-1] + wz[:-1, 1:] + wz[1:, 1:])
    assert_allclose(wn.numpy(), expect)


# -------------------------------------------------------------------- (b) convergence
def _cauchy_differences(net: FsCNN, make_input) -> list[float]:
    """sup over the nodes of the coarser grid of |NN_{h/2} - NN_h| (nodes of h are nodes of h/2)."""
    with torch.no_grad():
        outs = [net.at(h)(make_input(h))[0, 0] for h in HS]
    return [float((outs[k + 1][::2, ::2] - outs[k]).abs().max()) for k in range(len(HS) - 1)]


@pytest.mark.parametrize("seed", [1, 2])
def test_outputs_form_a_cauchy_sequence_for_bv_input(seed: int) -> None:
    """S2-fsCNN check / Thm 3.6: outputs at h = 2^-5..2^-8 agree at the common nodes ever better.

    With L^1-convergent inputs (cell averages of the disk, EN-21c) the differences shrink
    monotonically (observed ~ h^2). The point samples P_h chi_B converge too, but their area error
    fluctuates with h (lattice points in a disk), so only the overall rate is asserted there."""
    net = FsCNN.random(channels=[1, 2, 2, 1], half_widths=[0.125, 0.125, 0.0625], coarse=4, seed=seed)
    diffs = _cauchy_differences(net, lambda h: disk(h, sub=round(2**10 * h)))
    assert all(d2 < 0.5 * d1 for d1, d2 in zip(diffs, diffs[1:])), diffs
    assert fit_rate(HS[:-1], diffs) > 1.0, diffs
    diffs_p = _cauchy_differences(net, disk)
    assert fit_rate(HS[:-1], diffs_p) > 0.7 and diffs_p[-1] < 0.5 * diffs_p[0], diffs_p


# --------------------------------------------------------------- (c-e) Theorem 2.7
def _jumps(net, make_input, layer_margin=0.0):
    mj = [[] for _ in range(net.num_layers)]
    gj = [[] for _ in range(net.num_layers)]
    with torch.no_grad():
        for h in HS:
            for l, act in enumerate(net.layer_outputs(make_input(h), h)):
                v = fl.interior(act, h, layer_margin)
                mj[l].append(peak(max_jump(v)))
                gj[l].append(peak(gradient_jump(v, h)))
    return mj, gj


@pytest.mark.parametrize("seed", [0, 1])
def test_theorem_2_7_measure_input(seed: int) -> None:
    """Thm 2.7(1), EN-8 check: a Dirac input keeps an O(1) jump after layer 1; the output's jumps are O(h)."""
    net = FsCNN.random(channels=[1, 2, 1], half_widths=[0.125, 0.125], coarse=4, seed=seed)
    mj, gj = _jumps(net, dirac)
    assert abs(fit_rate(HS, mj[0])) < 0.1 and min(mj[0]) > 1.0, mj[0]
    assert fit_rate(HS, mj[1]) > 0.85, mj[1]
    assert regularity_verdict(HS, mj[0], gj[0]).label == "none"
    assert regularity_verdict(HS, mj[1], gj[1]).label == "C"
    assert net.guaranteed_regularity("measure") == "C"


@pytest.mark.parametrize("seed", [0, 1])
def test_theorem_2_7_bv_input(seed: int) -> None:
    """Thm 2.7(2): for the pixelated disk the difference quotients jump O(1) after layer 1 (a Lipschitz
    function with creases) and O(h) in the output (C^1). Measured on all of Omega: reflection keeps
    H^1, and the last convolution smooths the reflected gradient too, so no margin is needed."""
    net = FsCNN.random(channels=[1, 2, 1], half_widths=[0.125, 0.125], coarse=4, seed=seed)
    mj, gj = _jumps(net, disk)
    assert abs(fit_rate(HS, gj[0])) < 0.3, gj[0]
    assert fit_rate(HS, gj[1]) > 0.7, gj[1]
    assert regularity_verdict(HS, mj[0], gj[0]).label == "C"
    assert regularity_verdict(HS, mj[1], gj[1]).label == "C^1"
    assert net.guaranteed_regularity("bv") == "C^1"


def test_en8_skip_from_layer_1_to_output_keeps_the_jump() -> None:
    """EN-8a: the path input -> one conv -> output carries the Dirac's jump to the output."""
    net = FsCNN.random(channels=[1, 2, 2], half_widths=[0.125, 0.125], coarse=4, seed=0, skips=[(1, 2)])
    assert net.conv_path_counts() == (1, 2) and net.min_conv_path() == 1
    assert net.guaranteed_regularity("measure") == "none"
    mj, _ = _jumps(net, dirac)
    assert abs(fit_rate(HS, mj[1])) < 0.1 and min(mj[1]) > 1.0, mj[1]
    plain = FsCNN.random(channels=[1, 2, 2], half_widths=[0.125, 0.125], coarse=4, seed=0)
    mj_plain, _ = _jumps(plain, dirac)
    assert fit_rate(HS, mj_plain[1]) > 0.85


def test_skip_into_output_from_a_later_activation_breaks_c1_only() -> None:
    """EN-5/EN-7b: a skip (2, 3) keeps >= 2 convolutions on every path (continuous output), but adds
    the ReLU creases of mu^2, so a BV input no longer gives a C^1 output."""
    kw = dict(channels=[1, 2, 2, 2], half_widths=[0.125] * 3, coarse=4, seed=2)
    net = FsCNN.random(**kw, skips=[(2, 3)])
    assert net.conv_path_counts() == (2, 3)
    assert (net.guaranteed_regularity("measure"), net.guaranteed_regularity("bv")) == ("C", "C")
    with torch.no_grad():
        pre2 = net.at(1 / 32)(disk(1 / 32), return_all=True)[1]
    assert peak(pre2) > 0.05  # mu^2 is alive and has creases for this seed
    mj, gj = _jumps(net, disk)
    assert regularity_verdict(HS, mj[2], gj[2]).label == "C", (mj[2], gj[2])
    mj_plain, gj_plain = _jumps(FsCNN.random(**kw), disk)
    assert regularity_verdict(HS, mj_plain[2], gj_plain[2]).label == "C^1", (mj_plain[2], gj_plain[2])


# ---------------------------------------------------------------------- (f) batch norm
def test_batch_norm_eval_is_the_affine_map() -> None:
    """EN-8c/Lemma A.2: in eval mode BN is x -> gamma (x - m)/sqrt(v + eps) + beta with the running stats."""
    channels, a, ks = [1, 3, 2], [0.125, 0.125], [4, 2]
    coarse, biases = random_spec(channels, a, ks, seed=9)
    net = FsCNN([torch.from_numpy(c) for c in coarse], a, biases=biases, batch_norm=True, bn_eps=1e-3)
    rng = np.random.default_rng(2)
    g, b, m, v = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    with torch.no_grad():
        net.bn_weight[0].copy_(torch.from_numpy(g))
        net.bn_bias[0].copy_(torch.from_numpy(b))
        net.running_mean_0.copy_(torch.from_numpy(m))
        net.running_var_0.copy_(torch.from_numpy(v))
    net.eval()
    h = 1 / 32
    u = rng.standard_normal((2, 1, 32, 32))
    with torch.no_grad():
        out = net.at(h)(torch.from_numpy(u)).numpy()
    ref = reference_dcnn(coarse, a, biases, u, h, bn=[(g, b, m, v, 1e-3)])[-1]
    assert_allclose(out, ref, rtol=0, atol=1e-12 * np.abs(ref).max())
    assert torch.equal(net.running_mean_0, torch.from_numpy(m))  # eval mode does not update


def _trapezoid_weights(n: int, h: float) -> np.ndarray:
    c = np.ones(n)
    c[[0, -1]] = 0.5
    return h * h * np.outer(c, c)


def test_batch_norm_training_statistics_are_function_space_and_resolution_consistent() -> None:
    """Def. A.1: training mode normalises with the batch/domain mean and variance of the PC_h functions
    (h^2 weights, half cells at the border); the statistics converge as h -> 0."""
    eps = 1e-4
    means, variances = [], []
    for h in HS:
        net = FsCNN.random(channels=[1, 2, 1], half_widths=[0.125, 0.125], coarse=4, seed=6,
                           batch_norm=True, bn_eps=eps, bn_momentum=1.0, activation=lambda x: x)
        u = torch.cat([disk(h), disk(h, r=0.2, c=(0.3, 0.6))])
        with torch.no_grad():
            mu1 = net.layer_outputs(u, h)[0].numpy()
        w = _trapezoid_weights(mu1.shape[-1], h)
        mean = (mu1 * w).sum(axis=(0, 2, 3)) / (2 * w.sum())
        var = (((mu1 - mean[None, :, None, None]) ** 2) * w).sum(axis=(0, 2, 3)) / (2 * w.sum())
        assert_allclose(mean, 0.0, atol=1e-12)
        v = net.running_var_0.numpy()
        assert_allclose(var, v / (v + eps), rtol=1e-10)
        means.append(net.running_mean_0.numpy().copy())
        variances.append(v.copy())
    dm = [np.abs(means[k + 1] - means[k]).max() for k in range(3)]
    dv = [np.abs(variances[k + 1] - variances[k]).max() for k in range(3)]
    assert dm[-1] < 0.6 * dm[0] and dv[-1] < 0.6 * dv[0], (dm, dv)


def test_training_mode_updates_running_stats_with_momentum() -> None:
    """running <- (1 - m) running + m * batch statistic."""
    net = FsCNN.random(channels=[1, 1, 1], half_widths=[0.125, 0.125], seed=0, batch_norm=True, bn_momentum=0.25,
                       activation=lambda x: x)
    h = 1 / 16
    net.at(h)(disk(h))
    m1 = net.running_mean_0.clone()
    net2 = FsCNN.random(channels=[1, 1, 1], half_widths=[0.125, 0.125], seed=0, batch_norm=True, bn_momentum=1.0,
                        activation=lambda x: x)
    net2.at(h)(disk(h))
    assert_allclose(m1.numpy(), 0.25 * net2.running_mean_0.numpy(), rtol=1e-12)


# ------------------------------------------------------------- API, device, gradients
def test_device_from_input_and_float32(device: torch.device) -> None:
    """(device fixture of conftest.py) The computation runs on the input's device and dtype and agrees with the float64 CPU result."""
    net = FsCNN.random(channels=[1, 2, 1], half_widths=[0.125, 0.125], seed=0)
    h = 1 / 32
    with torch.no_grad():
        ref = net.at(h)(disk(h))
        y = net.at(h)(disk(h).to(device=device, dtype=torch.float32))
    assert y.device.type == device.type and y.dtype == torch.float32
    assert_allclose(y.cpu().double().numpy(), ref.numpy(), rtol=1e-4, atol=1e-4 * float(ref.abs().max()))


def test_gradients_reach_the_physical_kernels() -> None:
    """at(h) shares the parameters: a loss at any h back-propagates to the coarse kernels and biases."""
    net = FsCNN.random(channels=[1, 2, 1], half_widths=[0.125, 0.125], seed=0)
    for h in (1 / 16, 1 / 32):
        net.zero_grad()
        net.at(h)(disk(h)).pow(2).mean().backward()
        assert all(p.grad is not None and float(p.grad.abs().sum()) > 0 for p in net.coarse_kernels.values())
        assert net.biases[1].grad is not None


def test_random_is_seeded_and_generator_accepted() -> None:
    """Same seed, same network; a torch.Generator works as the source; different seeds differ."""
    a = FsCNN.random(channels=[1, 2, 1], half_widths=[0.125, 0.25], seed=4)
    b = FsCNN.random(channels=[1, 2, 1], half_widths=[0.125, 0.25], generator=torch.Generator().manual_seed(4))
    c = FsCNN.random(channels=[1, 2, 1], half_widths=[0.125, 0.25], seed=5)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a.coarse_kernels["0"], c.coarse_kernels["0"])


def test_repr_in_mathematical_terms() -> None:
    """The repr names Omega, the channels, Sigma_l, sigma, the skips; the dCNN's repr h and grid sizes."""
    net = FsCNN.random(channels=[1, 3, 3], half_widths=[0.125, 0.25], seed=0, skips=[(1, 2)])
    s = repr(net)
    for part in ("Ω=(0,1)²", "1→3→3", "Σ_0=(-0.125,0.125)²", "piecewise constant 4x4", "σ=relu", "μ^1→output"):
        assert part in s, (part, s)
    d = repr(net.at(1 / 64))
    for part in ("h=1/64", "(B, 1, 64, 64) cell values", "(B, 3, 65, 65) node values", "W^0: 16x16 cells",
                 "W^1: 33x33 nodes"):
        assert part in d, (part, d)


# ------------------------------------------------------------------------ validation
ARR = torch.ones(1, 1, 2, 2, dtype=torch.float64)


@pytest.mark.parametrize(
    "make, exc, match",
    [
        (lambda: FsCNN([], [0.1]), TypeError, "non-empty list"),
        (lambda: FsCNN([ARR], [0.1, 0.2]), ValueError, "one a_l per layer"),
        (lambda: FsCNN([ARR], [0.0]), ValueError, r"half_widths\[0\] must be positive"),
        (lambda: FsCNN([ARR * float("nan")], [0.1]), ValueError, "finite"),
        (lambda: FsCNN([torch.ones(1, 2, 2, dtype=torch.float64)], [0.1]), ValueError, r"\(C_out, C_in, k1, k2\)"),
        (lambda: FsCNN([ARR, torch.ones(1, 2, 2, 2, dtype=torch.float64)], [0.1, 0.1]), ValueError, "must have \\(C_out, C_in\\)"),
        (lambda: FsCNN(["w"], [0.1]), TypeError, "array .* a callable .* or a CellKernel"),
        (lambda: FsCNN([lambda y1, y2: y1], [0.1]), ValueError, "channels must be given"),
        (lambda: FsCNN([ARR], [0.1], channels=[1, 1, 1]), ValueError, "channels must have 2 entries"),
        (lambda: FsCNN([ARR], [0.1], channels=7), TypeError, "channels must be a list or tuple"),
        (lambda: FsCNN([ARR], 0.1), TypeError, "half_widths must be a list or tuple"),
        (lambda: FsCNN([ARR], [0.1], biases=[0.0, 1.0]), ValueError, "one entry per layer"),
        (lambda: FsCNN([ARR], [0.1], biases=[[1.0, 2.0]]), ValueError, r"biases\[0\] must be"),
        (lambda: FsCNN([ARR], [0.1], activation=3), TypeError, "activation must be a callable"),
        (lambda: FsCNN([ARR], [0.1], dtype=torch.int64), TypeError, "dtype must be"),
        (lambda: FsCNN([ARR, ARR], [0.1, 0.1], skips=[(0, 2)]), ValueError, "1 <= from_layer < to_layer"),
        (lambda: FsCNN([ARR, ARR], [0.1, 0.1], skips=[(1, 3)]), ValueError, "1 <= from_layer < to_layer"),
        (lambda: FsCNN([ARR, ARR], [0.1, 0.1], skips=[(1, 2), (1, 2)]), ValueError, "given twice"),
        (lambda: FsCNN([ARR, ARR], [0.1, 0.1], skips=[(1.0, 2)]), TypeError, "pair of ints"),
        (lambda: FsCNN([torch.ones(2, 1, 2, 2, dtype=torch.float64), torch.ones(1, 2, 2, 2, dtype=torch.float64)],
                       [0.1, 0.1], skips=[(1, 2)]), ValueError, "equal channel counts"),
        (lambda: FsCNN([ARR], [0.1], batch_norm=True, bn_eps=0.0), ValueError, "bn_eps must be positive"),
        (lambda: FsCNN([ARR], [0.1], bn_momentum=0.0), ValueError, "bn_momentum"),
        (lambda: FsCNN.random(channels=[1, 1], half_widths=[0.1], seed=1, generator=torch.Generator()), ValueError, "not both"),
        (lambda: FsCNN.random(channels=[1, 1], half_widths=[0.1], generator=1), TypeError, "torch.Generator"),
        (lambda: FsCNN.random(channels=[1], half_widths=[]), ValueError, "at least 2 entries"),
        (lambda: FsCNN.random(channels="12", half_widths=[0.1]), TypeError, "channels must be a list"),
        (lambda: FsCNN.random(channels=[1, 1], half_widths=[0.1, 0.1]), ValueError, "one a_l per layer"),
        (lambda: FsCNN.random(channels=[1, 1], half_widths=[0.1], coarse=[2, 2]), ValueError, "one int per layer"),
        (lambda: FsCNN.random(channels=[1, 1], half_widths=[0.1], seed=-1), ValueError, "seed must be >= 0"),
    ],
)
def test_constructor_validation(make, exc, match) -> None:
    """Every invalid network description raises, naming the parameter and the rule."""
    with pytest.raises(exc, match=match):
        make()


NET = FsCNN.random(channels=[1, 2, 1], half_widths=[0.125, 0.25], coarse=[4, 2], seed=0)


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: NET.at(0.3), ValueError, r"h=0.3 must divide the side length 1"),
        (lambda: NET.at(1 / 12), ValueError, r"h=0.0833.* must divide the half width a_0=0.125"),
        (lambda: NET.at(1 / 8), ValueError, r"h=0.125 must divide the coarse cell size 2a_0/k = 0.0625"),
        (lambda: NET.at(-1.0), ValueError, "h must be positive"),
        (lambda: NET.at(1 / 16, method="fast"), ValueError, "method must be one of"),
        (lambda: NET.at(1 / 16)(np.zeros((1, 1, 16, 16))), TypeError, "torch.Tensor"),
        (lambda: NET.at(1 / 16)(torch.zeros(1, 1, 32, 32, dtype=torch.float64)), ValueError, r"\(B, 1, 16, 16\) at h=1/16"),
        (lambda: NET.at(1 / 16)(torch.zeros(1, 16, 16, dtype=torch.float64)), ValueError, "at least 4 dimensions"),
        (lambda: NET.at(1 / 16)(torch.full((1, 1, 16, 16), float("inf"), dtype=torch.float64)), ValueError, "finite"),
        (lambda: NET.cell_kernel(2, 1 / 16), ValueError, "layer index 0..1"),
        (lambda: NET.guaranteed_regularity("smooth"), ValueError, "input_kind must be one of"),
        (lambda: DCNN(object(), 1 / 16), TypeError, "net must be an FsCNN"),
        (lambda: FsCNN([lambda y1, y2: torch.ones(3, 3)], [0.125], channels=[1, 1]).at(1 / 16), None, None),
        (lambda: FsCNN([lambda y1, y2: torch.ones(3, 3)], [0.125], channels=[1, 1]).cell_kernel(0, 1 / 16),
         ValueError, "does not broadcast"),
        (lambda: FsCNN([lambda y1, y2: 1 / (y1 - y1)], [0.125], channels=[1, 1]).cell_kernel(0, 1 / 16),
         ValueError, "non-finite"),
    ],
)
def test_resolution_and_input_validation(call, exc, match) -> None:
    """h must divide 1, a_l and the coarse cells; inputs must be (B, C_0, 1/h, 1/h) finite tensors."""
    if exc is None:
        call()
        return
    with pytest.raises(exc, match=match):
        call()


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 200), m=st.integers(1, 8), eps=st.floats(1e-6, 1e-3))
def test_check_resolution_fuzz(n: int, m: int, eps: float) -> None:
    """h = a/n with a = 2^-m always works; h (1 + eps) never does (1 + eps is no ratio n/n' for n <= 200),
    and the message starts by naming h."""
    net = FsCNN([torch.ones(1, 1, 1, 1, dtype=torch.float64)], [2.0**-m])
    h = 2.0**-m / n
    assert net.check_resolution(h) == 2**m * n
    bad = h * (1 + eps)
    with pytest.raises(ValueError, match=r"^h="):
        net.check_resolution(bad)


# ------------------------------------------------- domain bookkeeping and EN-7 kernels
from fscnn_lib.architecture import domain_chain  # noqa: E402
from fscnn_lib.kernels import radial_power_kernel  # noqa: E402


def test_domain_chain_padded_domains_and_en6a() -> None:
    """Omega_l' = Omega_{l+1} - Sigma_l by interval arithmetic; EN-6a flags Omega_l not inside Omega_l'."""
    om = fl.Rectangle(0, 1, 0, 2)
    s0, s1 = fl.Rectangle(-0.25, 0.5, -0.125, 0.125), fl.Rectangle(0, 0.25, -0.5, 0)
    ch = domain_chain([om, om, om], [s0, s1])
    p0, p1 = ch.padded
    assert (p0.a, p0.b, p0.c, p0.d) == (-0.5, 1.25, -0.125, 2.125)
    assert (p1.a, p1.b, p1.c, p1.d) == (-0.25, 1.0, 0.0, 2.5)
    assert ch.reflectable == (True, True)  # 0 in closed Sigma: Omega inside Omega - Sigma
    # valid (shrinking) architecture: Omega_l = Omega_{l+1} - Sigma_l exactly, still reflectable
    inner = fl.Rectangle(0.25, 0.75, 0.25, 0.75)
    sig = fl.Rectangle(-0.25, 0.25, -0.25, 0.25)
    assert domain_chain([inner - sig, inner], [sig]).reflectable == (True,)
    # a zoom into a window that Omega_0 - Sigma does not cover
    assert domain_chain([om, inner], [sig]).reflectable == (False,)


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: domain_chain([fl.Rectangle(0, 1, 0, 1)], []), ValueError, "L >= 1"),
        (lambda: domain_chain("ab", []), TypeError, "lists of Rectangle"),
        (lambda: domain_chain([fl.Rectangle(0, 1, 0, 1), (0, 1)], [fl.Rectangle(-1, 1, -1, 1)]), TypeError, r"activation_domains\[1\]"),
        (lambda: domain_chain([fl.Rectangle(0, 1, 0, 1)] * 2, [fl.Rectangle(0.1, 1, -1, 1)]), ValueError, "origin"),
        (lambda: radial_power_kernel(2.0, 0.25, 1 / 16), ValueError, "alpha must be < 2"),
        (lambda: radial_power_kernel(float("nan"), 0.25, 1 / 16), ValueError, "finite"),
        (lambda: radial_power_kernel(1.0, 0.25, 0.1), ValueError, "must divide half_width"),
        (lambda: radial_power_kernel(1.0, -0.25, 1 / 16), ValueError, "half_width"),
    ],
)
def test_en7_helpers_validation(call, exc, match) -> None:
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("alpha", [-0.5, 0.8, 1.2, 1.7])
def test_radial_power_kernel_cell_averages_against_dblquad(alpha: float) -> None:
    """Oracle: scipy dblquad over single cells (the origin cell in polar form), and symmetry."""
    from scipy.integrate import dblquad, quad

    a, h = 0.25, 1 / 16
    w = radial_power_kernel(alpha, a, h)
    n = round(a / h)
    assert w.shape == (2 * n, 2 * n)
    assert_allclose(w, w[::-1, :], rtol=1e-12)
    assert_allclose(w, w[:, ::-1], rtol=1e-12)
    assert_allclose(w, w.T, rtol=1e-12)
    f = lambda y2, y1: (y1 * y1 + y2 * y2) ** (-alpha / 2)  # noqa: E731
    for i, j in [(n + 1, n), (n + 3, n + 2), (2 * n - 1, 2 * n - 1), (0, n + 1)]:
        lo1, lo2 = -a + i * h, -a + j * h
        ref = dblquad(f, lo1, lo1 + h, lo2, lo2 + h, epsabs=0, epsrel=1e-11)[0] / h**2
        assert_allclose(w[i, j], ref, rtol=1e-8)
    # the origin cell [0,h]^2: 2 * int_0^{pi/4} int_0^{h/cos t} r^{1-alpha} dr dt
    ref0 = 2 * quad(lambda t: (h / np.cos(t)) ** (2 - alpha) / (2 - alpha), 0, np.pi / 4, epsrel=1e-12)[0] / h**2
    assert_allclose(w[n, n], ref0, rtol=1e-9)
    # homogeneity: the averages of the origin cells scale like h^-alpha
    assert_allclose(radial_power_kernel(alpha, a, h / 2)[2 * n, 2 * n], 2**alpha * w[n, n], rtol=1e-10)


def test_radial_power_kernel_integrability_matches_lp() -> None:
    """h^2 sum w^p converges (w in L^p) iff alpha p < 2: bounded for alpha p < 2, ~ log(1/h) at = 2."""
    a = 0.125
    hs = [2.0**-k for k in range(5, 9)]
    lp = lambda alpha, p: [h * h * float(np.sum(radial_power_kernel(alpha, a, h) ** p)) for h in hs]  # noqa: E731
    conv = lp(1.2, 1.5)  # alpha p = 1.8 < 2: Cauchy
    d = np.diff(conv)
    assert np.all(d > 0) and d[-1] < 0.8 * d[0]
    div = lp(1.2, 2.5)  # alpha p = 3 > 2: grows like h^{-1}
    assert fit_rate(hs, div) < -0.9


def test_en7a_counterexample_sup_grows_like_negative_power() -> None:
    """EN-7a: sigma = id, mu = delta, w^0 = w^1 = |y|^-1.2 (in L^1.5): the increments of sup(w * w)
    across h scale like h^{2 - 2 alpha} = h^{-0.4}; with alpha = 0.8 (w in L^2) like h^{+0.4} (convergent)."""
    a = 0.125
    hs = [2.0**-k for k in range(5, 9)]

    def sups(alpha: float) -> list[float]:
        out = []
        for h in hs:
            W = torch.from_numpy(radial_power_kernel(alpha, a, h))
            net = FsCNN([W, W], [a, a], activation=lambda x: x)
            N = round(1 / h)
            u = torch.zeros(1, 1, N, N, dtype=torch.float64)
            u[0, 0, N // 2, N // 2] = 1 / h**2
            with torch.no_grad():
                out.append(float(net(u, h).max()))
        return out

    s12, s08 = sups(1.2), sups(0.8)
    assert abs(fit_rate(hs[1:], np.diff(s12)) + 0.4) < 0.05, s12
    assert 0.3 < fit_rate(hs[1:], np.diff(s08)) < 0.6, s08  # pre-asymptotic; > 0 means Cauchy


@settings(max_examples=30, deadline=None)
@given(alpha=st.floats(min_value=-3.0, max_value=5.0, allow_nan=False), n=st.integers(1, 6), m=st.integers(1, 4))
def test_radial_power_kernel_fuzz(alpha: float, n: int, m: int) -> None:
    """Valid exponents give a symmetric positive (2n, 2n) array; alpha >= 2 and non-dividing h raise."""
    a, h = n / 8, 1 / 8
    if alpha >= 2:
        with pytest.raises(ValueError, match="alpha must be < 2"):
            radial_power_kernel(alpha, a, h)
        return
    w = radial_power_kernel(alpha, a, h)
    assert w.shape == (2 * n, 2 * n) and np.all(w > 0) and np.all(np.isfinite(w))
    assert_allclose(w, w.T, rtol=1e-10)
    with pytest.raises(ValueError, match="must divide half_width"):
        radial_power_kernel(alpha, a, h * (1 + 1 / (8 * m + 3)))  # a/h = n k/(k+1), k+1 > n
