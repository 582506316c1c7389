"""Tests of fscnn_lib.training: (P_h), Example 3.9 losses, penalties, the training loop.

Oracles independent of the code under test: torch.nn.functional.cross_entropy, closed-form
integrals, the exact minimiser of a convex one-layer problem from its normal equations,
and a brute-force kernel norm.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numpy.testing import assert_allclose

import fscnn_lib as fl
from fscnn_lib.training import (cells_to_nodes, kernel_norms, kernel_pairings, penalty, pixel_network,
                                q_norm_loss, train, training_energy, weighted_cross_entropy)


def test_q_norm_loss_matches_closed_form_on_nodes_and_cells():
    h = 1 / 8
    z = torch.full((2, 1, 9, 9), 3.0, dtype=torch.float64)
    assert_allclose(float(q_norm_loss(z, torch.zeros_like(z), h, q=3)), 2 * 27 / 3)
    zc = torch.full((1, 1, 8, 8), 2.0, dtype=torch.float64)
    assert_allclose(float(q_norm_loss(zc, torch.zeros_like(zc), h, q=1, grid="cell")), 2.0)


def test_q_norm_loss_converges_for_a_disk():
    # (1/2)||chi_B||_2^2 = pi r^2 / 2
    vals = []
    for n in (64, 256):
        x = np.arange(n + 1) / n
        X1, X2 = np.meshgrid(x, x, indexing="ij")
        y = torch.tensor(((X1 - .5) ** 2 + (X2 - .5) ** 2 < .09).astype(float))[None, None]
        vals.append(float(q_norm_loss(y, torch.zeros_like(y), 1 / n)))
    assert abs(vals[1] - np.pi * .09 / 2) < abs(vals[0] - np.pi * .09 / 2) + 1e-3
    assert abs(vals[1] - np.pi * .09 / 2) < 2e-3


def test_cross_entropy_matches_torch():
    g = torch.Generator().manual_seed(0)
    v = torch.randn(2, 4, 9, 9, generator=g, dtype=torch.float64)
    cls = torch.randint(0, 4, (2, 9, 9), generator=g)
    y = F.one_hot(cls, 4).permute(0, 3, 1, 2).double()
    w = torch.rand(2, 9, 9, generator=g, dtype=torch.float64)
    ref = (fl.node_weights(9, 1 / 8, v) * w * F.cross_entropy(v, cls, reduction="none")).sum()
    assert_allclose(float(weighted_cross_entropy(v, y, 1 / 8, weight=w)), float(ref), rtol=1e-13)


def test_kernel_norm_brute_force_and_penalty():
    net = fl.FsCNN.random([1, 2, 1], [0.25, 0.125], coarse=2, seed=4)
    h = 1 / 16
    for l in range(2):
        W = net.cell_kernel(l, h).detach().numpy()
        assert_allclose(float(kernel_norms(net, h)[l].detach()), np.sqrt((W ** 2).sum() * h * h), rtol=1e-13)
        assert_allclose(float(kernel_norms(net, h, p=1)[l].detach()), np.abs(W).sum() * h * h, rtol=1e-13)
    b = np.concatenate([bb.detach().numpy() for bb in net.biases])
    want = 0.3 * float(kernel_norms(net, h).sum().detach()) + 0.7 * np.linalg.norm(b)
    assert_allclose(float(penalty(net, h, lam=0.3, nu=0.7).detach()), want, rtol=1e-13)
    # the same function at two resolutions has the same norm
    assert_allclose(kernel_norms(net, 1 / 32).detach(), kernel_norms(net, h).detach(), rtol=1e-13)


def test_pixel_network_parametrises_all_pc_h_kernels():
    net = pixel_network([1, 1], [0.125], 1 / 32, seed=0)
    assert tuple(net.coarse_kernels["0"].shape) == (1, 1, 8, 8)
    with pytest.raises(ValueError, match="h"):
        net.at(1 / 16)


def test_cells_to_nodes_is_the_dirac_network():
    h = 1 / 16
    u = torch.rand(1, 1, 16, 16, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    W = torch.zeros(4, 4, dtype=torch.float64)
    W[1:3, 1:3] = 1 / (4 * h * h)
    assert_allclose(fl.FsCNN([W], [0.125]).at(h)(u).detach().numpy(), cells_to_nodes(u).numpy(), atol=1e-12)


def _exact_minimiser(u, y, h, lam, nu):
    """Normal equations of the convex one-layer problem, penalty norms handled by fixed point."""
    n = 4
    cols = []
    for k in range(n * n + 1):
        W = torch.zeros(n * n, dtype=torch.float64)
        if k < n * n:
            W[k] = 1.0
            net = fl.FsCNN([W.reshape(n, n)], [0.125])
        else:
            net = fl.FsCNN([torch.zeros(n, n, dtype=torch.float64)], [0.125], biases=[1.0])
        cols.append(net.at(h)(u).detach().reshape(-1))
    X = torch.stack(cols, 1).numpy()
    q = np.tile(fl.node_weights(17, h, u).reshape(-1).numpy(), u.shape[0])
    Xw = X * q[:, None]
    G, r = X.T @ Xw, Xw.T @ y.reshape(-1).numpy()
    from scipy.optimize import minimize

    def f(t):
        nw = np.sqrt(h * h * (t[:-1] ** 2).sum())
        return 0.5 * t @ G @ t - r @ t + lam * nw + nu * abs(t[-1])

    def df(t):
        nw = np.sqrt(h * h * (t[:-1] ** 2).sum())
        return G @ t - r + np.r_[lam * h * h * t[:-1] / nw, nu * np.sign(t[-1])]

    t0 = np.linalg.lstsq(G, r, rcond=None)[0]
    theta = minimize(f, t0, jac=df, method="BFGS", options={"gtol": 1e-13, "maxiter": 10000}).x
    const = 0.5 * float((q * y.reshape(-1).numpy() ** 2).sum())
    return theta, f(theta) + const


def test_train_reaches_the_exact_minimiser_of_a_convex_problem():
    h = 1 / 16
    g = torch.Generator().manual_seed(2)
    u = torch.rand(2, 1, 16, 16, generator=g, dtype=torch.float64)
    teacher = pixel_network([1, 1], [0.125], h, seed=5)
    with torch.no_grad():
        teacher.biases[0].fill_(0.5)
    y = teacher.at(h)(u).detach()
    lam, nu = 1e-4, 1e-5
    theta, e_min = _exact_minimiser(u, y, h, lam, nu)
    net = pixel_network([1, 1], [0.125], h, seed=0)
    res = train(net, h, u, y, lam=lam, nu=nu, steps=20)
    got = np.r_[net.coarse_kernels["0"].detach().numpy().reshape(-1), net.biases[0].detach().numpy()]
    assert_allclose(res.energy, e_min, rtol=1e-5)   # the same minimal energy
    assert_allclose(got, theta, rtol=2e-2)            # an ill-conditioned minimiser
    assert res.kernel_norms[0] > 0.1 and res.grad_norm < 1e-6
    assert res.energies[-1] <= res.energies[0]
    # deterministic
    net2 = pixel_network([1, 1], [0.125], h, seed=0)
    assert train(net2, h, u, y, lam=lam, nu=nu, steps=20).energy == res.energy


def test_training_energy_parts_and_adam():
    h = 1 / 8
    net = pixel_network([1, 2, 1], [0.125, 0.125], h, seed=0)
    u = torch.ones(1, 1, 8, 8, dtype=torch.float64)
    y = torch.zeros(1, 1, 9, 9, dtype=torch.float64)
    e = training_energy(net, h, u, y, lam=0.1, nu=0.2)
    assert_allclose(float(e.total.detach()), float((e.loss + e.penalty).detach()))
    r = train(net, h, u, y, lam=0.1, nu=0.2, steps=30, optimizer="adam", lr=1e-2)
    assert r.energy < float(e.total.detach())


def test_kernel_pairings_closed_form():
    net = fl.FsCNN([torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)], [0.25])
    p = kernel_pairings(net, 0, 1 / 32, [lambda a, b: torch.ones_like(a), lambda a, b: a])
    assert_allclose(p[0, 0, 0], 10 * 0.0625, rtol=1e-13)
    # int y1 w = (3 + 4 - 1 - 2) * 0.25 * (1/8) * 0.25 on the halves y1 > 0 / < 0
    assert_allclose(p[1, 0, 0], 4 * 0.25 * 0.125 * 0.25, rtol=1e-12)


def test_kernel_pairings_integrate_exactly_over_cells():
    # oracle: closed-form cell integrals of phi = y1^2 y2^2 and cos(pi y1) cos(pi y2),
    # independent of h (the midpoint rule is off by O(h^2) for both)
    g = torch.Generator().manual_seed(3)
    a = 0.25
    for n in (2, 8):
        h = 2 * a / n
        W = torch.rand(n, n, generator=g, dtype=torch.float64)
        net = fl.FsCNN([W], [a])
        edges = -a + np.arange(n + 1) * h
        quad = np.diff(edges ** 3) / 3                    # int y^2 over each cell
        cosi = np.diff(np.sin(np.pi * edges)) / np.pi     # int cos(pi y) over each cell
        want = [W.numpy() @ quad @ quad, W.numpy() @ cosi @ cosi]
        got = kernel_pairings(net, 0, h, [lambda y1, y2: y1 ** 2 * y2 ** 2,
                                          lambda y1, y2: torch.cos(np.pi * y1) * torch.cos(np.pi * y2)])
        assert_allclose(got[0, 0, 0], want[0], rtol=1e-13)   # degree 4 <= 2 order - 1
        assert_allclose(got[1, 0, 0], want[1], rtol=1e-9)    # O(h^8) rule error
    # a kernel refined to a finer grid is the same function: same pairings
    net = fl.FsCNN.random([1, 2, 1], [0.25, 0.125], coarse=2, seed=1)
    phi = [lambda y1, y2: torch.exp(y1 - 2 * y2)]
    assert_allclose(kernel_pairings(net, 1, 1 / 8, phi), kernel_pairings(net, 1, 1 / 64, phi), rtol=1e-13)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: q_norm_loss(np.zeros((1, 1, 9, 9)), torch.zeros(1, 1, 9, 9), 1 / 8), TypeError, "z"),
    (lambda: q_norm_loss(torch.zeros(1, 1, 9, 9), torch.zeros(1, 1, 9, 9), 1 / 8, q=float("inf")),
     ValueError, "q"),
    (lambda: q_norm_loss(torch.zeros(1, 1, 9, 9), torch.zeros(1, 1, 8, 8), 1 / 8), ValueError, "shape"),
    (lambda: q_norm_loss(torch.zeros(1, 1, 7, 7), torch.zeros(1, 1, 7, 7), 1 / 8), ValueError, "samples"),
    (lambda: q_norm_loss(torch.zeros(1, 1, 9, 9), torch.zeros(1, 1, 9, 9), 1 / 8, grid="x"),
     ValueError, "grid"),
    (lambda: weighted_cross_entropy(torch.zeros(1, 2, 9, 9), -torch.ones(1, 2, 9, 9), 1 / 8),
     ValueError, "non-negative"),
    (lambda: weighted_cross_entropy(torch.zeros(1, 2, 9, 9), torch.ones(1, 2, 9, 9), 1 / 8,
                                    weight=-torch.ones(9, 9)), ValueError, "weight"),
    (lambda: kernel_norms("net", 1 / 8), TypeError, "FsCNN"),
    (lambda: penalty(pixel_network([1, 1], [0.125], 1 / 8), 1 / 8, lam=-1.0, nu=0.0), ValueError, "lam"),
    (lambda: penalty(pixel_network([1, 1], [0.125], 1 / 8), 1 / 8, lam=True, nu=0.0), TypeError, "lam"),
    (lambda: train(pixel_network([1, 1], [0.125], 1 / 8), 1 / 8, torch.ones(1, 1, 8, 8),
                   torch.ones(1, 1, 9, 9), lam=0.0, nu=0.0, optimizer="sgd"), ValueError, "optimizer"),
    (lambda: train(pixel_network([1, 1], [0.125], 1 / 8), 1 / 8, torch.ones(1, 1, 8, 8),
                   torch.ones(1, 1, 9, 9), lam=0.0, nu=0.0, steps=0), ValueError, "steps"),
    (lambda: kernel_pairings(pixel_network([1, 1], [0.125], 1 / 8), 0, 1 / 8, [1]), TypeError, "callables"),
    (lambda: kernel_pairings(pixel_network([1, 1], [0.125], 1 / 8), 0, 1 / 8, [torch.sin], order=0),
     ValueError, "order"),
])
def test_validation(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("grid", ["node", "cell"])
@pytest.mark.parametrize("n", [4, 16, 64])
def test_q_norm_loss_is_resolution_independent_for_smooth_data(grid, n):
    """The quadrature weights integrate over (0,1)^2 at every h: the loss of a linear
    function converges to its integral, (1/2)∫(x1 + 2 x2)^2 = 4/3 for q = 2: the cell grid's
    midpoint rule gives exactly 4/3 - (5/24) h², the node grid (half cells at the border) is
    off by O(h²)."""
    h = 1 / n
    if grid == "node":
        x = np.arange(n + 1) * h
    else:
        x = (np.arange(n) + 0.5) * h
    X1, X2 = np.meshgrid(x, x, indexing="ij")
    z = torch.tensor(X1 + 2 * X2)[None, None]
    val = float(q_norm_loss(z, torch.zeros_like(z), h, grid=grid))
    if grid == "cell":
        assert abs(val - (4 / 3 - 5 / 24 * h * h)) < 1e-12, (n, val)
    else:
        assert 0 < val - 4 / 3 < h * h, (n, val)
