"""Tests of fscnn_lib.regularity against closed forms (S2-NOT-f, S2-NOT-g, Thm 2.7 scalings)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import fscnn_lib as fl
from fscnn_lib.norms import discrete_gradient, h1_seminorm_squared, tv
from fscnn_lib.regularity import (
    fit_rate,
    gradient_jump,
    interior,
    max_jump,
    modulus_of_continuity,
    regularity_verdict,
)

HS = [2.0**-k for k in range(5, 9)]


def centres(h: float) -> np.ndarray:
    """Cell centres of (0, 1) at spacing h."""
    return (np.arange(round(1 / h)) + 0.5) * h


def nodes(h: float) -> np.ndarray:
    """The N + 1 nodes of [0, 1]."""
    return np.arange(round(1 / h) + 1) * h


def grid(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.meshgrid(x, x, indexing="ij")


# ------------------------------------------------------------------ gradient, jumps
def test_discrete_gradient_linear_and_neumann() -> None:
    """Forward differences reproduce the gradient of a linear function; the last row/column is 0."""
    h = 1 / 16
    x1, x2 = grid(nodes(h))
    g = discrete_gradient(3 * x1 - 2 * x2, h)
    assert g.shape == (2, 17, 17)
    assert_allclose(g[0, :-1], 3.0, rtol=1e-12)
    assert_allclose(g[1, :, :-1], -2.0, rtol=1e-12)
    assert np.all(g[0, -1] == 0) and np.all(g[1, :, -1] == 0)


def test_numpy_and_torch_agree_batched() -> None:
    """Every measurement gives the same values for NumPy and torch, reducing over the last two axes."""
    rng = np.random.default_rng(0)
    u = rng.standard_normal((2, 3, 12, 10))
    ut = torch.from_numpy(u)
    h = 0.1
    for f in (
        max_jump,
        lambda v: gradient_jump(v, h),
        lambda v: modulus_of_continuity(v, h, 0.25),
        lambda v: tv(v, h),
        lambda v: tv(v, h, kind="anisotropic"),
        lambda v: h1_seminorm_squared(v, h),
    ):
        a, b = f(u), f(ut)
        assert a.shape == (2, 3) and isinstance(b, torch.Tensor)
        assert_allclose(a, b.numpy(), rtol=1e-12)
    assert_allclose(discrete_gradient(u, h), discrete_gradient(ut, h).numpy())
    assert isinstance(max_jump(u[0, 0]), float)


def test_max_jump_step_and_lipschitz() -> None:
    """A jump keeps max_jump = 1 at every h; a Lipschitz function gives <= Lip * h (axis-wise Lip)."""
    for h in HS:
        x1, x2 = grid(centres(h))
        assert max_jump((x1 > 0.5).astype(float)) == 1.0
        u = np.sin(3 * x1) * np.cos(2 * x2)  # |d1 u| <= 3, |d2 u| <= 2
        assert max_jump(u) <= 3 * h
    jumps = [max_jump(np.sin(3 * grid(centres(h))[0])) for h in HS]
    assert abs(fit_rate(HS, jumps) - 1) < 0.02


def test_gradient_jump_kink_smooth_and_jump_rates() -> None:
    """gradient_jump: O(1) across a kink, O(h) for smooth data, O(1/h) across a jump."""
    kink, smooth, step = [], [], []
    for h in HS:
        x1, x2 = grid(nodes(h))
        kink.append(gradient_jump(np.abs(x1 - 0.5) + x2, h))
        smooth.append(gradient_jump(np.sin(2 * x1) * np.exp(x2), h))
        step.append(gradient_jump((x1 > 0.5 + 1e-9).astype(float), h))
    assert_allclose(kink, 2.0, rtol=1e-9)
    assert abs(fit_rate(HS, smooth) - 1) < 0.05
    assert abs(fit_rate(HS, step) + 1) < 0.02


# ----------------------------------------------------------------- modulus of continuity
def _modulus_brute(u: np.ndarray, h: float, t: float) -> float:
    """All pairs of samples at distance <= t: an O(n^4) oracle."""
    N, M = u.shape
    i, j = np.meshgrid(np.arange(N), np.arange(M), indexing="ij")
    p = np.stack([i.ravel(), j.ravel()], 1) * h
    v = u.ravel()
    d = np.sqrt(((p[:, None, :] - p[None, :, :]) ** 2).sum(-1))
    mask = d <= t * (1 + 1e-12)
    return float(np.abs(v[:, None] - v[None, :])[mask].max())


@pytest.mark.parametrize("t", [0.1, 0.17, 0.3])
def test_modulus_of_continuity_matches_brute_force(t: float) -> None:
    """The shift-based supremum equals the supremum over all pairs of samples with |x - y| <= t."""
    rng = np.random.default_rng(1)
    u = rng.standard_normal((9, 8))
    h = 1 / 16
    assert_allclose(modulus_of_continuity(u, h, t), _modulus_brute(u, h, t), rtol=1e-14)


def test_modulus_of_continuity_lipschitz_and_jump() -> None:
    """varpi_u(t) <= Lip t for a Lipschitz u; a jump keeps it at the jump height for every t >= h."""
    h = 1 / 64
    x1, x2 = grid(centres(h))
    u = 0.6 * x1 + 0.8 * x2  # Lip = 1 in the Euclidean norm
    for t in (h, 0.05, 0.2):
        w = modulus_of_continuity(u, h, t)
        assert w <= t + 1e-12 and w >= t - 2 * h
    assert modulus_of_continuity((x1 > 0.5).astype(float), h, h) == 1.0


# ----------------------------------------------------------------------- TV, H1, Lp
@pytest.mark.parametrize("h", [1 / 100, 1 / 200, 1 / 400])
def test_anisotropic_tv_of_pixelated_disk_is_8r(h: float) -> None:
    """S2-NOT-f: the anisotropic TV of the pixelated disk of radius r is the l1-perimeter 8r."""
    x1, x2 = grid(centres(h))
    r = 0.3
    disk = ((x1 - 0.5) ** 2 + (x2 - 0.5) ** 2 < r * r).astype(float)
    assert_allclose(tv(disk, h, kind="anisotropic"), 8 * r, rtol=1e-12)


def test_isotropic_tv_of_smoothed_disk_tends_to_perimeter() -> None:
    """S2-NOT-f: isotropic TV of a disk indicator with a linear edge ramp of width d is 2 pi r; discrete -> it."""
    r, d = 0.3, 0.05
    errs = []
    for h in (1 / 64, 1 / 128, 1 / 256):
        x1, x2 = grid(centres(h))
        rho = np.sqrt((x1 - 0.5) ** 2 + (x2 - 0.5) ** 2)
        u = np.clip((r - rho) / d + 0.5, 0, 1)
        errs.append(abs(tv(u, h) - 2 * math.pi * r))
    assert errs[-1] < 0.01 * 2 * math.pi * r
    assert errs[-1] < errs[0]


def test_h1_seminorm_step_grows_like_inverse_h_ramp_bounded() -> None:
    """S2-NOT-g: |P_h chi_{x1 > 1/2}|_{1,h}^2 = 1/h exactly; a smooth ramp stays bounded (-> 1)."""
    step, ramp = [], []
    for h in HS:
        x1, _ = grid(centres(h))
        step.append(h1_seminorm_squared((x1 > 0.5).astype(float), h))
        ramp.append(h1_seminorm_squared(x1, h))
    assert_allclose(step, [1 / h for h in HS], rtol=1e-12)
    assert_allclose(ramp, [1 - h for h in HS], rtol=1e-12)  # the Neumann row drops one row of cells
    assert abs(fit_rate(HS, step) + 1) < 1e-12


def test_interior_crops_a_physical_margin() -> None:
    """interior removes round(margin/h) samples per side, the same region at every h."""
    for h in HS:
        n = round(1 / h) + 1
        v = interior(np.zeros((2, n, n)), h, 0.25)
        assert v.shape == (2, n - 2 * round(0.25 / h), n - 2 * round(0.25 / h))
    assert interior(np.zeros((5, 5)), 0.25, 0.0).shape == (5, 5)


# ------------------------------------------------------------------------- fit_rate
@settings(max_examples=40, deadline=None)
@given(
    alpha=st.floats(-2, 3, allow_nan=False),
    c=st.floats(1e-3, 1e3),
    ks=st.lists(st.integers(2, 12), min_size=2, max_size=6, unique=True),
)
def test_fit_rate_recovers_power_laws(alpha: float, c: float, ks: list[int]) -> None:
    """fit_rate returns alpha exactly (up to rounding) for values C h^alpha."""
    hs = [2.0**-k for k in ks]
    assert_allclose(fit_rate(hs, [c * h**alpha for h in hs]), alpha, atol=1e-9)


def test_regularity_verdict_on_sampled_functions() -> None:
    """Step -> none; |x1 - 1/2| -> C (continuous, not C^1); a smooth function -> C^1."""
    cases = {
        "none": lambda x1, x2: (x1 + 0.3 * x2 > 0.6).astype(float),
        "C": lambda x1, x2: np.abs(x1 - 0.5) + x2**2,
        "C^1": lambda x1, x2: np.sin(3 * x1) * np.cos(x2),
    }
    for label, f in cases.items():
        mj, gj = [], []
        for h in HS:
            x1, x2 = grid(nodes(h))
            u = f(x1, x2)
            mj.append(max_jump(u))
            gj.append(gradient_jump(u, h))
        v = regularity_verdict(HS, mj, gj)
        assert v.label == label, (label, v)


# ----------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: max_jump([[1.0, 2.0]]), TypeError, "numpy.ndarray or torch.Tensor"),
        (lambda: max_jump(np.ones(3)), ValueError, "at least 2 dimensions"),
        (lambda: max_jump(np.ones((1, 5))), ValueError, "at least 2 samples"),
        (lambda: max_jump(np.array([[0.0, np.nan], [1.0, 2.0]])), ValueError, "finite"),
        (lambda: max_jump(np.ones((3, 3), dtype=int)), TypeError, "float32 or float64"),
        (lambda: gradient_jump(np.ones((2, 5)), 0.1), ValueError, "at least 3 samples"),
        (lambda: gradient_jump(np.ones((4, 4)), 0.0), ValueError, "h must be positive"),
        (lambda: discrete_gradient(np.ones((4, 4)), -1.0), ValueError, "h must be positive"),
        (lambda: modulus_of_continuity(np.ones((8, 8)), 0.1, 0.05), ValueError, "at least the grid spacing"),
        (lambda: modulus_of_continuity(np.ones((8, 8)), 0.1, 0.9), ValueError, "longer than the image"),
        (lambda: tv(np.ones((4, 4)), 0.1, kind="l2"), ValueError, "kind must be one of"),
        (lambda: interior(np.ones((4, 4)), 0.25, 0.5), ValueError, "leaving nothing"),
        (lambda: interior(np.ones((4, 4)), 0.25, -0.1), ValueError, "margin must be"),
        (lambda: interior(np.ones((4, 4)), 0.25, "0.1"), TypeError, "margin must be a real number"),
        (lambda: fit_rate([0.1, 0.2], [1.0]), ValueError, "same length"),
        (lambda: fit_rate([0.1, 0.1], [1.0, 2.0]), ValueError, "two distinct"),
        (lambda: fit_rate([0.1, -0.2], [1.0, 2.0]), ValueError, "hs must be positive"),
        (lambda: fit_rate([0.1, 0.2], [0.0, 2.0]), ValueError, "values must be positive"),
        (lambda: regularity_verdict([0.1, 0.2], [1, 1], [1, 1], jump_threshold=float("inf")), ValueError, "jump_threshold"),
        (lambda: regularity_verdict([0.1, 0.2], [1, 1], [1, 1], jump_threshold="0.5"), TypeError, "jump_threshold"),
    ],
)
def test_validation(call, exc, match) -> None:
    """Each invalid input raises with a message naming the parameter and the rule."""
    with pytest.raises(exc, match=match):
        call()


def test_exported_from_package() -> None:
    """The measurements are part of the public API, fl.<name>."""
    for name in ("max_jump", "gradient_jump", "fit_rate", "regularity_verdict", "REGULARITY_LEVELS"):
        assert getattr(fl, name) is getattr(fl.regularity, name)
    for name in ("lp_norm", "discrete_gradient", "tv", "h1_seminorm_squared", "sobolev_seminorm"):
        assert getattr(fl, name) is getattr(fl.norms, name)
    assert fl.REGULARITY_LEVELS == ("none", "C", "C^1")
    assert not hasattr(fl, "h1_seminorm")


# ------------------------------------------------------------------ layer_jumps
def test_layer_jumps_matches_direct_measurement_and_rates() -> None:
    """layer_jumps = max over batch and channels of max_jump / gradient_jump of each layer output."""
    import torch

    net = fl.FsCNN.random(channels=[1, 2, 1], half_widths=[0.125, 0.125], coarse=4, seed=1)
    hs = [2.0**-k for k in range(5, 8)]

    def dirac(h):
        n = round(1 / h)
        u = torch.zeros(2, 1, n, n, dtype=torch.float64)
        u[0, 0, int(0.45 / h), int(0.55 / h)] = 1 / h**2
        u[1, 0, int(0.3 / h), int(0.6 / h)] = 2 / h**2
        return u

    lj = fl.layer_jumps(net, dirac, hs)
    assert lj.max_jumps.shape == lj.gradient_jumps.shape == lj.spreads.shape == (2, 3)
    for k, h in enumerate(hs):
        with torch.no_grad():
            outs = net.layer_outputs(dirac(h), h)
        for l, a in enumerate(outs):
            x = a.numpy()
            d = max(np.abs(np.diff(x, axis=-1)).max(), np.abs(np.diff(x, axis=-2)).max())
            assert_allclose(lj.max_jumps[l, k], d, rtol=1e-12)
            assert_allclose(lj.spreads[l, k], x.max() - x.min(), rtol=1e-12)
            g = max(float(gradient_jump(x[b, c], h)) for b in range(2) for c in range(x.shape[1]))
            assert_allclose(lj.gradient_jumps[l, k], g, rtol=1e-12)
    assert lj.jump_rate(0) == fit_rate(hs, lj.max_jumps[0])
    assert lj.gradient_rate(1) == fit_rate(hs, lj.gradient_jumps[1])
    assert lj.verdict(0).label == "none" and lj.verdict(1).label == "C"
    cropped = fl.layer_jumps(net, dirac, hs, margin=0.25)
    assert np.all(cropped.max_jumps <= lj.max_jumps + 1e-12)


def test_layer_jumps_validation() -> None:
    import torch

    net = fl.FsCNN.random(channels=[1, 1], half_widths=[0.25], coarse=2)
    ones = lambda h: torch.ones(1, 1, round(1 / h), round(1 / h), dtype=torch.float64)  # noqa: E731
    with pytest.raises(TypeError, match="net must be an FsCNN"):
        fl.layer_jumps("net", ones, [0.25, 0.125])
    with pytest.raises(TypeError, match="make_input must be a callable"):
        fl.layer_jumps(net, 3, [0.25, 0.125])
    with pytest.raises(ValueError, match="at least two resolutions"):
        fl.layer_jumps(net, ones, [0.25])
