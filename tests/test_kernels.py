"""Tests of fscnn_lib.kernels.multiscale_chequer: an L^2 kernel that is not BV."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

import fscnn_lib as fl


def _chequer_oracle(beta: float, a: float, h: float, levels: int, fine: int = 4) -> np.ndarray:
    """Cell averages by brute force: point values of the sum of `levels` chequerboards at
    `fine` x `fine` midpoints per cell, from the closed form of each level."""
    n = int(round(2 * a / h))
    t = (np.arange(n * fine) + 0.5) * (h / fine)  # distance from the lower-left corner
    w = np.zeros((n * fine, n * fine))
    for k in range(levels):
        side = a * 2.0**-k
        r = np.where(np.floor(t / side) % 2 == 0, 1.0, -1.0)
        w += 2.0 ** (-k * beta) * np.outer(r, r)
    return w.reshape(n, fine, n, fine).mean(axis=(1, 3))


@pytest.mark.parametrize("beta", [0.2, 0.5, 1.3])
@pytest.mark.parametrize("a,h", [(0.5, 1 / 16), (0.125, 1 / 64), (1.0, 0.25)])
def test_matches_the_closed_form_of_each_level(beta, a, h):
    levels = int(round(np.log2(a / h))) + 1
    assert_allclose(fl.multiscale_chequer(beta, a, h), _chequer_oracle(beta, a, h, levels),
                    atol=1e-13)


@pytest.mark.parametrize("beta", [0.25, 0.7])
def test_is_the_cell_average_projection_of_the_finer_grid(beta):
    """Eq. (5): averaging the h/2 array over 2 x 2 blocks gives the h array, because every
    level finer than h has mean zero on each cell."""
    a, h = 0.5, 1 / 32
    fine = fl.multiscale_chequer(beta, a, h / 2)
    coarse = fl.multiscale_chequer(beta, a, h)
    n = coarse.shape[0]
    assert_allclose(fine.reshape(n, 2, n, 2).mean(axis=(1, 3)), coarse, atol=1e-14)
    # and the finest level of `fine` really is there (not a plain refinement)
    finest = int(round(np.log2(a / (h / 2))))
    assert np.abs(fine - np.kron(coarse, np.ones((2, 2)))).max() > 0.99 * 2.0 ** (-finest * beta)


@pytest.mark.parametrize("beta", [0.3, 1.0])
def test_l2_norm_by_orthogonality(beta):
    a, h = 0.25, 1 / 128
    w = fl.multiscale_chequer(beta, a, h)
    K = int(round(np.log2(a / h))) + 1
    expected = 4 * a * a * sum(4.0 ** (-k * beta) for k in range(K))
    assert_allclose(fl.lp_norm(w, h, 2) ** 2, expected, rtol=1e-12)


def test_bounded_in_l2_but_tv_grows_like_h_to_beta_minus_one():
    beta = 0.5
    hs = [2.0**-k for k in range(6, 11)]
    l2 = [fl.lp_norm(fl.multiscale_chequer(beta, 0.5, h), h, 2) for h in hs]
    tv = [fl.tv(fl.multiscale_chequer(beta, 0.5, h), h, kind="anisotropic") for h in hs]
    assert max(l2) < np.sqrt(1 / (1 - 4.0**-beta)) + 1e-12      # sum of 4^{-k beta}
    assert abs(fl.fit_rate(hs, l2)) < 0.02                       # settles
    # TV is a sum of about 2^k * 2^{-k beta} over the resolved levels
    assert abs(fl.fit_rate(hs, tv) - (beta - 1)) < 0.1, fl.fit_rate(hs, tv)


def test_levels_freezes_the_function():
    w1 = fl.multiscale_chequer(0.3, 0.5, 1 / 8, levels=2)
    w2 = fl.multiscale_chequer(0.3, 0.5, 1 / 32, levels=2)
    assert_allclose(np.kron(w1, np.ones((4, 4))), w2, atol=1e-14)


@pytest.mark.parametrize("call,exc,msg", [
    (lambda: fl.multiscale_chequer(0.0, 0.5, 1 / 8), ValueError, "beta must be > 0"),
    (lambda: fl.multiscale_chequer(True, 0.5, 1 / 8), TypeError, "beta must be a real"),
    (lambda: fl.multiscale_chequer(0.5, 0.5, 1 / 6), ValueError, "power of two"),
    (lambda: fl.multiscale_chequer(0.5, 0.5, 1.0), ValueError, "power of two"),
    (lambda: fl.multiscale_chequer(0.5, 0.5, 1 / 8, levels=0), ValueError, "levels"),
    (lambda: fl.multiscale_chequer(0.5, 0.5, 1 / 8, levels=1.5), TypeError, "levels"),
])
def test_validation(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call()


def test_cell_kernel_feeds_the_network_its_cell_values():
    """FsCNN with a CellKernel convolves with exactly cells(h) at every h (not point values)."""
    import torch

    beta, a = 0.25, 0.25
    net = fl.FsCNN([fl.CellKernel(lambda h: fl.multiscale_chequer(beta, a, h))] * 2, [a, a],
                   channels=[1, 1, 1])
    for h in (1 / 16, 1 / 64):
        assert_allclose(net.cell_kernel(1, h)[0, 0].numpy(), fl.multiscale_chequer(beta, a, h), atol=0)
    u = torch.zeros(1, 1, 32, 32, dtype=torch.float64)
    u[0, 0, 16, 16] = 32.0**2                     # a unit Dirac mass
    y = net.at(1 / 32)(u)
    assert y.shape == (1, 1, 33, 33) and bool(torch.isfinite(y).all())
    bad = fl.FsCNN([fl.CellKernel(lambda h: np.ones((3, 3)))], [a], channels=[1, 1])
    with pytest.raises(ValueError, match="does not broadcast"):
        bad.cell_kernel(0, 1 / 16)
    with pytest.raises(TypeError, match="cells must be a callable"):
        fl.CellKernel(np.ones((2, 2)))
