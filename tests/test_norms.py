"""Tests of ``fscnn_lib.norms`` not covered by the measurement and fuzz tests."""

from __future__ import annotations

import numpy as np
import torch
from numpy.testing import assert_allclose

import fscnn_lib as fl


def test_lp_norm_float32_large_values_do_not_overflow():
    """||c||_p on a 3x3 grid of spacing h is c (9 h^2)^(1/p); with c = 3.5e12 in float32,
    c^3 overflows, so a direct sum of a**p would give inf (the fuzz test found this)."""
    c, h, p = 3.5e12, 2.0, 3.0
    for u in (np.full((3, 3), c, dtype=np.float32), torch.full((3, 3), c, dtype=torch.float32)):
        got = fl.lp_norm(u, h, p)
        assert np.isfinite(got)
        assert_allclose(got, c * (9 * h * h) ** (1 / p), rtol=1e-6)


def test_lp_norm_batch_with_a_zero_image_and_gradient():
    """A zero image in a batch has norm 0 (no 0/0), and the gradient of ||u||_2^2 is 2 h^2 u."""
    u = torch.tensor([[[0.0, 0.0], [0.0, 0.0]], [[1.0, -2.0], [3.0, 0.5]]],
                     dtype=torch.float64, requires_grad=True)
    n = fl.lp_norm(u, 0.5, 2.0)
    assert_allclose(n.detach().numpy(), [0.0, 0.5 * np.sqrt(14.25)], rtol=1e-12)
    (n[1] ** 2).backward()
    assert_allclose(u.grad[1].numpy(), 2 * 0.25 * u.detach()[1].numpy(), rtol=1e-12)
