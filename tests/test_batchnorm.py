"""Tests of fscnn_lib.batchnorm: Definition A.1, Lemma A.2 and the Lipschitz bound (EN-29, EN-30).

Oracles: ``torch.nn.BatchNorm2d`` and ``torch.nn.functional.batch_norm`` (cell-aligned grids),
closed-form integrals (node-aligned grids), and the formulas of the paper's Appendix A.
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


def _batch(shape=(4, 3, 16, 16), seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=shape) * rng.uniform(0.5, 2, (1, shape[1], 1, 1)) + rng.normal(size=(1, shape[1], 1, 1))


# ------------------------------------------------------------- Definition A.1 vs PyTorch
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_cell_aligned_batch_norm_is_torch_batchnorm2d_in_training_mode(device, dtype) -> None:
    """Def. A.1 with h^2-weighted sums on a cell-aligned PC_h batch = BatchNorm2d.train() (EN-29: biased variance)."""
    u = torch.from_numpy(_batch()).to(device=device, dtype=dtype)
    g = torch.tensor([1.5, -0.5, 2.0], dtype=dtype, device=device)
    b = torch.tensor([0.1, 0.0, -1.0], dtype=dtype, device=device)
    bn = torch.nn.BatchNorm2d(3, eps=1e-3, momentum=1.0, device=device, dtype=dtype)
    with torch.no_grad():
        bn.weight.copy_(g)
        bn.bias.copy_(b)
        ref = bn.train()(u)
    z = fl.batch_norm(u, gamma=g, beta=b, eps=1e-3, align="cell")
    assert z.dtype == dtype and z.device == u.device
    tol = 1e-12 if dtype == torch.float64 else 1e-4
    torch.testing.assert_close(z, ref, rtol=0, atol=tol)
    mean, var = fl.batch_statistics(u)
    n = u.shape[0] * u.shape[2] * u.shape[3]
    torch.testing.assert_close(mean, bn.running_mean, rtol=0, atol=tol)
    torch.testing.assert_close(var * n / (n - 1), bn.running_var, rtol=tol, atol=tol)  # PyTorch stores unbiased


def test_frozen_statistics_are_torch_evaluation_mode() -> None:
    """stats=(m, v): BN is the affine map of BatchNorm2d.eval() with running statistics (m, v)."""
    u = _batch(seed=1)
    m, v = np.array([0.3, -1.0, 2.0]), np.array([0.5, 2.0, 0.01])
    t = torch.from_numpy
    ref = F.batch_norm(t(u), t(m), t(v), t(np.full(3, 2.0)), t(np.zeros(3)), training=False, eps=1e-4).numpy()
    assert_allclose(fl.batch_norm(u, gamma=2.0, eps=1e-4, stats=(m, v)), ref, rtol=0, atol=1e-12)
    alpha, delta = fl.frozen_affine(2.0, 0.0, m, v, eps=1e-4)
    assert_allclose(alpha[:, None, None] * u + delta[:, None, None], ref, rtol=0, atol=1e-12)


def test_numpy_in_numpy_out_and_statistics_of_the_output() -> None:
    """The output has mean beta and variance gamma^2 sigma^2 / (sigma^2 + eps), per channel (Def. A.1)."""
    u = _batch(seed=2).astype(np.float32)
    z = fl.batch_norm(u, gamma=[2.0, 1.0, -3.0], beta=[0.5, 0.0, 1.0], eps=1e-2)
    assert isinstance(z, np.ndarray) and z.dtype == np.float32
    m, v = fl.batch_statistics(z.astype(np.float64))
    s2 = fl.batch_statistics(u.astype(np.float64))[1]
    assert_allclose(m, [0.5, 0.0, 1.0], atol=1e-5)
    assert_allclose(v, np.array([4.0, 1.0, 9.0]) * s2 / (s2 + 1e-2), rtol=1e-5)


# ------------------------------------------------------------------- node-aligned grids
@pytest.mark.parametrize("N", [4, 16, 64])
def test_node_statistics_are_the_integrals_of_the_pc_h_function(N: int) -> None:
    """Node-aligned weights (half cells at the border) integrate x1^2 with the trapezoidal error h^2/6, the
    plain pixel mean (BatchNorm2d's) with the first-order error h/6 (closed forms)."""
    h = 1 / N
    x = np.arange(N + 1) * h
    u = (x[:, None] ** 2 * np.ones(N + 1))[None, None]
    assert fl.batch_statistics(u, align="node")[0][0] == pytest.approx(1 / 3 + h * h / 6, abs=1e-14)
    assert fl.batch_statistics(u, align="cell")[0][0] == pytest.approx(1 / 3 + h / 6, abs=1e-14)


def test_node_statistics_are_exact_for_bilinear_functions() -> None:
    """The trapezoidal weights integrate bilinear functions exactly: the mean of a batch of two."""
    N = 8
    x = np.arange(N + 1) / N
    X1, X2 = np.meshgrid(x, x, indexing="ij")
    u = np.stack([1 + 2 * X1 - X2 + 3 * X1 * X2, -X1 * X2])[:, None]
    # integrals over (0,1)^2: 1 + 1 - 1/2 + 3/4 = 2.25 and -1/4; mean of the batch 1.0
    assert fl.batch_statistics(u, align="node")[0][0] == pytest.approx(1.0, abs=1e-14)
    # so is the plain mean here: the first-order term (h/2)(int_boundary u - 4 int u) vanishes for bilinear u
    assert fl.batch_statistics(u, align="cell")[0][0] == pytest.approx(1.0, abs=1e-14)


def test_node_weights_agree_with_batch_statistics() -> None:
    """FsCNN's quadrature (node_weights) and batch_statistics(align="node") compute the same mean."""
    y = torch.from_numpy(_batch((2, 1, 9, 9), seed=3))
    w = fl.node_weights(9, 1 / 8, y)
    ref = (y * w).sum() / (2 * w.sum())
    assert float(fl.batch_statistics(y, align="node")[0][0]) == pytest.approx(float(ref), abs=1e-14)


def test_batch_norm_step_is_batch_norm_on_nodes_and_keeps_gradients() -> None:
    """FsCNN's step = batch_norm(align="node") in training; gradients reach gamma and beta; eval uses running stats."""
    y = torch.from_numpy(_batch((3, 2, 9, 9), seed=4))
    g = torch.tensor([2.0, -1.0], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([0.5, 0.0], dtype=torch.float64, requires_grad=True)
    rm, rv = torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64)
    z = fl.batch_norm_step(y, 1 / 8, g, b, rm, rv, training=True, momentum=0.5, eps=1e-3)
    torch.testing.assert_close(z, fl.batch_norm(y, gamma=g, beta=b, eps=1e-3, align="node"), rtol=0, atol=1e-12)
    m, v = fl.batch_statistics(y, align="node")
    torch.testing.assert_close(rm, 0.5 * m, rtol=0, atol=1e-12)
    torch.testing.assert_close(rv, 0.5 + 0.5 * v, rtol=0, atol=1e-12)
    z.sum().backward()
    assert g.grad is not None and b.grad is not None
    torch.testing.assert_close(b.grad, torch.full((2,), 3.0 * 81, dtype=torch.float64))
    z_eval = fl.batch_norm_step(y, 1 / 8, g, b, rm, rv, training=False, eps=1e-3)
    torch.testing.assert_close(z_eval, fl.batch_norm(y, gamma=g.detach(), beta=b.detach(), eps=1e-3, stats=(rm, rv)))


def test_scalar_tensor_parameters_are_shared_by_all_channels() -> None:
    """EN-29: a 0-d tensor gamma (or beta) is one scalar for every channel, as a float is; gradients reach it."""
    u = torch.from_numpy(_batch(seed=6))
    g = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    z = fl.batch_norm(u, gamma=g, beta=torch.tensor(-0.5, dtype=torch.float64), eps=1e-3)
    torch.testing.assert_close(z, fl.batch_norm(u, gamma=1.5, beta=-0.5, eps=1e-3), rtol=0, atol=1e-12)
    z.sum().backward()
    assert g.grad is not None


def test_batch_rms_of_the_centred_batch_is_the_standard_deviation() -> None:
    """sigma = ||u - mean|| in the normalised L^2 norm of the batch (proof of Lemma A.2)."""
    u = _batch((3, 2, 7, 5), seed=5)
    for align in ("cell", "node"):
        m, v = fl.batch_statistics(u, align=align)
        assert_allclose(fl.batch_rms(u - m[:, None, None], align=align) ** 2, v, rtol=1e-12)


# -------------------------------------------------------------------- Lemma A.2, EN-30
def test_lemma_a2_rate_and_constant_for_sampled_smooth_functions() -> None:
    """BN(P_h u) -> BN(u) uniformly at rate 1 with leading term |gamma|/s (h/2) max(|d1 u|+|d2 u|) (one sample,
    u = x1 + 2 x2, mean 3/2 and variance 5/12 exactly; the statistics of P_h u err by O(h^2))."""
    gamma, eps = 1.5, 1e-2
    mean, var = 1.5, 1 / 12 + 4 / 12
    s = math.sqrt(var + eps)
    errs = []
    for N in (8, 16, 32):
        h = 1 / N
        c = (np.arange(N) + 0.5) * h
        U = (c[:, None] + 2 * c[None, :])[None, None]
        Z = fl.batch_norm(U, gamma=gamma, eps=eps)
        x = np.arange(N + 1) * h
        Fc = gamma * (x[:, None] + 2 * x[None, :] - mean) / s
        err = max(np.abs(Z[0, 0] - Fc[a:a + N, b:b + N]).max() for a in (0, 1) for b in (0, 1))
        errs.append(err)
        assert abs(err / (gamma / s * h / 2 * 3) - 1) < h      # the leading term, attained at a corner
    assert fl.fit_rate([1 / 8, 1 / 16, 1 / 32], errs) == pytest.approx(1.0, abs=0.05)


def test_lipschitz_bound_is_attained_at_a_constant_batch_and_never_exceeded() -> None:
    """EN-30: ||BN(u) - BN(v)|| <= |gamma|/sqrt(eps) ||u - v||, equality in the limit at a constant batch."""
    rng = np.random.default_rng(7)
    v = rng.normal(size=(3, 1, 8, 8))
    v -= fl.batch_statistics(v)[0][0]
    c = np.full_like(v, -0.7)
    eps, gamma = 1e-4, -2.0
    lip = fl.bn_lipschitz_bound(gamma, eps)[0]
    assert lip == pytest.approx(200.0)
    for t in (1e-1, 1e-3, 1e-6):
        d = fl.batch_rms(fl.batch_norm(c + t * v, gamma=gamma, eps=eps) - fl.batch_norm(c, gamma=gamma, eps=eps))[0]
        ratio = d / (lip * t * fl.batch_rms(v)[0])
        assert ratio == pytest.approx(1 / math.sqrt(1 + (t * fl.batch_rms(v)[0]) ** 2 / eps), rel=1e-9)
    assert ratio == pytest.approx(1.0, abs=1e-7)
    for k in range(50):
        a = rng.normal(size=(2, 1, 4, 4)) * 10.0 ** rng.uniform(-3, 0)
        b = a + rng.normal(size=a.shape) * 10.0 ** rng.uniform(-3, 0)
        d = fl.batch_rms(fl.batch_norm(a, gamma=gamma, eps=eps) - fl.batch_norm(b, gamma=gamma, eps=eps))[0]
        assert d <= lip * fl.batch_rms(a - b)[0] * (1 + 1e-12)


def test_eps_zero_formula_is_scale_invariant_hence_discontinuous() -> None:
    """EN-30: as eps -> 0, BN(c + v/n) and BN(c - v/n) stay 2|gamma| sup|v|/sigma_v apart; eps > 0 merges them."""
    rng = np.random.default_rng(8)
    v = rng.normal(size=(2, 1, 6, 6))
    v -= fl.batch_statistics(v)[0][0]
    sigma = fl.batch_rms(v)[0]
    gaps = []
    for n in (1e2, 1e4):
        up, um = 0.3 + v / n, 0.3 - v / n
        tiny = np.abs(fl.batch_norm(up, eps=1e-300) - fl.batch_norm(um, eps=1e-300)).max()
        assert tiny == pytest.approx(2 * np.abs(v).max() / sigma, rel=1e-6)
        gaps.append(np.abs(fl.batch_norm(up, eps=1e-2) - fl.batch_norm(um, eps=1e-2)).max())
    assert gaps[1] < gaps[0] / 50


def test_frozen_affine_folds_into_the_previous_convolution() -> None:
    """Remark 2.6 / EN-8c: an FsCNN with BN in eval mode is the FsCNN without BN whose kernels absorb alpha, delta."""
    net = fl.FsCNN.random(channels=[1, 2, 1], half_widths=[0.125, 0.125], coarse=2, seed=1, batch_norm=True,
                          bn_eps=1e-3)
    with torch.no_grad():
        net.bn_weight[0].copy_(torch.tensor([1.5, -0.5], dtype=torch.float64))
        net.bn_bias[0].copy_(torch.tensor([0.2, 0.1], dtype=torch.float64))
        net.running_mean_0.copy_(torch.tensor([0.3, -0.2], dtype=torch.float64))
        net.running_var_0.copy_(torch.tensor([0.5, 2.0], dtype=torch.float64))
    net.eval()
    alpha, delta = fl.frozen_affine(net.bn_weight[0].detach(), net.bn_bias[0].detach(), net.running_mean_0,
                                    net.running_var_0, eps=1e-3)
    assert isinstance(alpha, torch.Tensor)
    w0 = net.coarse_kernels["0"].detach() * alpha[:, None, None, None]
    plain = fl.FsCNN([w0, net.coarse_kernels["1"].detach()], [0.125, 0.125],
                     biases=[alpha * net.biases[0].detach() + delta, net.biases[1].detach()], channels=[1, 2, 1])
    u = torch.from_numpy(np.random.default_rng(0).uniform(size=(2, 1, 16, 16)))
    with torch.no_grad():
        torch.testing.assert_close(net.at(1 / 16)(u), plain.at(1 / 16)(u), rtol=0, atol=1e-12)


# ------------------------------------------------------------------------- validation
U4 = np.zeros((2, 1, 3, 3))


def _step(**kw):
    """batch_norm_step on a valid one-channel node batch, with ``kw`` replacing one argument."""
    one = torch.ones(1, dtype=torch.float64)
    args = dict(y=torch.zeros(2, 1, 3, 3, dtype=torch.float64), h=0.5, weight=one, bias=0 * one,
                running_mean=0 * one, running_var=one.clone())
    opts = dict(training=True, momentum=0.1, eps=1e-5)
    for k, v in kw.items():
        (opts if k in opts else args)[k] = v
    return fl.batch_norm_step(*args.values(), **opts)


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: fl.batch_statistics([[1.0]]), TypeError, "u must be a numpy.ndarray or torch.Tensor"),
        (lambda: fl.batch_statistics(np.zeros((2, 1, 3, 3), dtype=int)), TypeError, "u must have dtype float32"),
        (lambda: fl.batch_statistics(np.zeros((3, 3))), ValueError, "at least 4 dimensions"),
        (lambda: fl.batch_statistics(np.zeros((1, 2, 1, 3, 3))), ValueError, r"shape \(B, C, n1, n2\)"),
        (lambda: fl.batch_statistics(np.full((1, 1, 2, 2), np.nan)), ValueError, "finite"),
        (lambda: fl.batch_statistics(U4, align=1), TypeError, "align must be a str"),
        (lambda: fl.batch_statistics(U4, align="edge"), ValueError, "align must be one of"),
        (lambda: fl.batch_statistics(np.zeros((1, 1, 1, 3)), align="node"), ValueError, "at least 2 nodes"),
        (lambda: fl.batch_norm(U4, eps=0.0), ValueError, "eps must be positive"),
        (lambda: fl.batch_norm(U4, eps="1e-5"), TypeError, "eps must be a real number"),
        (lambda: fl.batch_norm(U4, eps=True), TypeError, "eps must be a real number"),
        (lambda: fl.batch_norm(U4, gamma=[1.0, 2.0]), ValueError, "gamma must be a scalar or have one entry per"),
        (lambda: fl.batch_norm(U4, gamma="one"), TypeError, "gamma must be a real number"),
        (lambda: fl.batch_norm(U4, beta=True), TypeError, "beta must be a real number"),
        (lambda: fl.batch_norm(U4, beta=math.nan), ValueError, "beta must be finite"),
        (lambda: fl.batch_norm(U4, gamma=torch.ones(1, dtype=torch.int64)), TypeError, "or a float tensor"),
        (lambda: fl.batch_norm(U4, stats=0.5), TypeError, r"stats must be None or a pair"),
        (lambda: fl.batch_norm(U4, stats=(0.0, -1.0)), ValueError, r"stats var must be >= 0"),
        (lambda: fl.batch_norm(U4, stats=(None, 1.0)), TypeError, "stats mean must be a real number"),
        (lambda: fl.batch_rms(np.zeros(3)), ValueError, "at least 4 dimensions"),
        (lambda: fl.frozen_affine(1.0, 0.0, [0.0], [1.0], eps=1e-5), TypeError, "mean must be a numpy.ndarray"),
        (lambda: fl.frozen_affine(1.0, 0.0, np.zeros((1, 1)), np.ones(1), eps=1), ValueError, r"mean must have shape \(C,\)"),
        (lambda: fl.frozen_affine(1.0, 0.0, np.zeros(2), np.array([1.0, -1.0]), eps=1), ValueError, "var must be >= 0"),
        (lambda: fl.frozen_affine(1.0, 0.0, np.zeros(2), np.ones(2), eps=-1.0), ValueError, "eps must be positive"),
        (lambda: fl.bn_lipschitz_bound(1.0, 0.0), ValueError, "eps must be positive"),
        (lambda: fl.bn_lipschitz_bound("a", 1e-5), TypeError, "gamma must be a real number"),
        (lambda: fl.bn_lipschitz_bound([1j], 1e-5), TypeError, "gamma must hold real numbers"),
        (lambda: fl.bn_lipschitz_bound(math.inf, 1e-5), ValueError, "gamma must be finite"),
        (lambda: fl.batch_norm_step(torch.zeros(3, 3), 0.5, torch.ones(1), torch.zeros(1), torch.zeros(1),
                                    torch.ones(1), training=True), ValueError, "y must have at least 4 dimensions"),
        (lambda: _step(y=np.zeros((2, 1, 3, 3))), TypeError, "y must be a torch.Tensor"),
        (lambda: _step(training="yes"), TypeError, "training must be a bool"),
        (lambda: _step(momentum="0.5"), TypeError, "momentum must be a real number"),
        (lambda: _step(momentum=True), TypeError, "momentum must be a real number"),
        (lambda: _step(momentum=0.0), ValueError, r"momentum must lie in \(0, 1\]"),
        (lambda: _step(momentum=1.5), ValueError, r"momentum must lie in \(0, 1\]"),
        (lambda: _step(h=0.0), ValueError, "h must be positive"),
        (lambda: _step(eps=-1.0), ValueError, "eps must be positive"),
        (lambda: _step(weight=torch.ones(3, dtype=torch.float64)), ValueError, r"weight must have shape \(1,\)"),
        (lambda: _step(bias=[0.0]), TypeError, "bias must be a torch.Tensor"),
        (lambda: _step(running_var=torch.ones(1, 1, dtype=torch.float64)), ValueError, "running_var must have shape"),
        (lambda: fl.FsCNN.random(channels=[1, 2, 1], half_widths=[0.125] * 2, batch_norm=True, bn_momentum="0.5"),
         TypeError, "bn_momentum must be a real number"),
        (lambda: fl.FsCNN.random(channels=[1, 2, 1], half_widths=[0.125] * 2, batch_norm=True, bn_momentum=2.0),
         ValueError, r"bn_momentum must lie in \(0, 1\]"),
    ],
)
def test_validation(call, exc, match) -> None:
    with pytest.raises(exc, match=match):
        call()


_WRONG_TYPES = st.sampled_from(["0.5", None, True, 1j, object()])
_WRONG_EPS = st.sampled_from([0.0, -1e-3, math.nan, math.inf, -math.inf])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), which=st.sampled_from(["ok", "eps_type", "eps_value", "gamma_type", "align_value", "u_type"]))
def test_fuzz_batch_norm_raises_the_right_class(data, which) -> None:
    """A wrong type raises TypeError, a wrong value ValueError; valid input gives a finite output."""
    C = data.draw(st.integers(1, 3))
    shape = (data.draw(st.integers(1, 3)), C, data.draw(st.integers(2, 5)), data.draw(st.integers(2, 5)))
    size = int(np.prod(shape))
    u = np.asarray(data.draw(st.lists(st.floats(-1e3, 1e3), min_size=size, max_size=size)), dtype=np.float64)
    u = u.reshape(shape)
    kw = dict(gamma=data.draw(st.floats(-5, 5)), eps=data.draw(st.floats(1e-8, 1.0)),
              align=data.draw(st.sampled_from(["cell", "node"])))
    if which == "eps_type":
        kw["eps"] = data.draw(_WRONG_TYPES)
    elif which == "eps_value":
        kw["eps"] = data.draw(_WRONG_EPS)
    elif which == "gamma_type":
        kw["gamma"] = data.draw(_WRONG_TYPES)
    elif which == "align_value":
        kw["align"] = data.draw(st.sampled_from(["", "Cell", "nodes"]))
    elif which == "u_type":
        u = data.draw(st.sampled_from([u.astype(np.int64), u.tolist(), None, u.astype(np.complex128)]))
    if which == "ok":
        assert np.isfinite(fl.batch_norm(u, **kw)).all()
    else:
        with pytest.raises(ValueError if which.endswith("value") else TypeError):
            fl.batch_norm(u, **kw)
