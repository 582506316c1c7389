"""Tests of fscnn_lib.edges: regularity measures of one image at one resolution.

Oracles independent of the code under test: the 10-90 % width of a linear ramp (0.8 w) and of
a Gaussian-blurred jump (2 Phi^{-1}(0.9) s, from scipy.stats), plain NumPy sums for TV and
gradients, the expected high-frequency share of white noise (the area outside a disk).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from scipy.special import erf
from scipy.stats import norm

import fscnn_lib as fl
from fscnn_lib.edges import EdgeSpec


def ramp(n: int, width: float, *, start: float | None = None) -> np.ndarray:
    x = np.arange(n, dtype=np.float64)
    x0 = (n - width) / 2 if start is None else start
    return np.clip((x - x0) / width, 0.0, 1.0)


@pytest.mark.parametrize("width", [4, 8, 13])
@pytest.mark.parametrize("low,high", [(0.1, 0.9), (0.2, 0.8)])
def test_edge_width_of_a_linear_ramp(width, low, high):
    p = ramp(48, width, start=17.0)          # kinks on samples: linear interpolation is exact
    assert_allclose(fl.edge_width(p, low=low, high=high), (high - low) * width, rtol=1e-12)
    assert_allclose(fl.edge_width(2.0 - 3.0 * p[::-1], low=low, high=high), (high - low) * width, rtol=1e-12)


def test_edge_width_of_a_jump_is_the_resolution_floor():
    p = np.r_[np.zeros(10), np.ones(10)]
    assert_allclose(fl.edge_width(p), 0.8, rtol=1e-12)
    assert_allclose(fl.edge_width(torch.tensor(p)), 0.8, rtol=1e-12)


@pytest.mark.parametrize("s", [2.0, 3.5, 6.0])
def test_edge_width_of_a_blurred_jump(s):
    x = np.arange(-40, 41, dtype=np.float64) + 0.3
    p = 0.5 * (1 + erf(x / (math.sqrt(2) * s)))
    # linear interpolation between samples errs by about 0.08 / s^2 (relative)
    assert_allclose(fl.edge_width(p), 2 * norm.ppf(0.9) * s, rtol=0.1 / s ** 2)


def test_edge_width_uses_given_levels_and_returns_nan_without_an_edge():
    p = 0.2 + 0.5 * ramp(40, 10, start=15.0)
    assert_allclose(fl.edge_width(p, levels=(0.2, 0.7)), 8.0, rtol=1e-12)
    # with the plateaus of a contrast twice as large, the profile rises only to 50 %
    assert math.isnan(fl.edge_width(p, levels=(0.2, 1.2)))
    assert math.isnan(fl.edge_width(np.full(12, 0.3)))


def test_edge_width_takes_the_crossing_nearest_the_middle():
    p = np.r_[np.zeros(12), ramp(28, 6, start=8.0)]     # the edge near the middle
    p[2] = 1.0                                            # a spike far from it
    assert_allclose(fl.edge_width(p, levels=(0.0, 1.0)), 0.8 * 6, rtol=1e-12)


def test_channel_tv_and_gradients_against_plain_sums():
    rng = np.random.default_rng(0)
    u = rng.random((3, 12, 10))
    h = 1 / 12
    d1 = np.zeros_like(u); d1[:, :-1] = u[:, 1:] - u[:, :-1]
    d2 = np.zeros_like(u); d2[:, :, :-1] = u[:, :, 1:] - u[:, :, :-1]
    mag = np.sqrt(d1 ** 2 + d2 ** 2)
    assert_allclose(fl.channel_tv(u), h * mag.sum() / 3, rtol=1e-12)
    assert_allclose(fl.channel_tv(u, h=0.5), 0.5 * mag.sum() / 3, rtol=1e-12)
    assert_allclose(fl.mean_gradient_magnitude(u), mag.mean(), rtol=1e-12)
    assert_allclose(fl.mean_gradient_magnitude(u, h=0.25), 4 * mag.mean(), rtol=1e-12)
    assert_allclose(fl.max_gradient_magnitude(torch.tensor(u)), mag.max(), rtol=1e-12)
    # a vertical jump of height 1 across the unit square: TV 1 at every resolution
    for n in (16, 64):
        step = np.zeros((n, n)); step[:, n // 2:] = 1.0
        assert_allclose(fl.channel_tv(step), 1.0, rtol=1e-12)


def test_high_frequency_energy_of_white_noise_and_of_cosines():
    rng = np.random.default_rng(1)
    noise = rng.standard_normal((3, 128, 128))
    for c in (0.25, 0.5, 0.9):
        assert abs(fl.high_frequency_energy(noise, cutoff=c) - (1 - math.pi * c * c / 4)) < 0.01
    x = np.arange(64)
    diag = np.cos(2 * np.pi * (10 * x[:, None] + 10 * x[None, :]) / 64)   # |xi| = 0.44
    assert fl.high_frequency_energy(diag, cutoff=0.4) == pytest.approx(1.0)
    assert fl.high_frequency_energy(diag, cutoff=0.5) == pytest.approx(0.0, abs=1e-20)
    assert fl.high_frequency_energy(np.full((8, 8), 0.7)) == 0.0


def test_edge_profile_reads_the_band_and_channels():
    rng = np.random.default_rng(2)
    u = rng.random((3, 20, 16))
    e = EdgeSpec(axis=0, line=7, centre=9, half_length=4, band=1)
    assert_allclose(fl.edge_profile(u, e), u[:, 6:14, 6:9].mean(axis=(0, 2)))
    e1 = EdgeSpec(axis=1, line=7, centre=9, half_length=4, band=1)
    assert_allclose(fl.edge_profile(u.transpose(0, 2, 1), e1), fl.edge_profile(u, e))


def test_find_edge_locates_a_step_under_texture():
    rng = np.random.default_rng(3)
    u = 0.3 + 0.05 * rng.standard_normal((3, 40, 40))
    u[:, :, 23:] += 0.5
    e = fl.find_edge(u)
    assert (e.axis, e.centre) == (1, 22)
    assert fl.edge_width(fl.edge_profile(u, e)) < 1.2
    assert fl.find_edge(u.transpose(0, 2, 1))[:3] == (0, e.line, 22)


def test_regularity_measures_bundles_the_measures():
    u = np.zeros((3, 32, 32)); u[:, :, 16:] = 1.0
    e = EdgeSpec(1, 16, 15, 6, 2)
    r = fl.regularity_measures(u, edge=e)
    assert r == (fl.channel_tv(u), fl.mean_gradient_magnitude(u), 1.0, pytest.approx(0.8),
                 fl.high_frequency_energy(u))
    assert math.isnan(fl.regularity_measures(u).edge_width)


def test_validation():
    p = np.r_[np.zeros(5), np.ones(5)]
    with pytest.raises(TypeError, match="profile must be a numpy.ndarray"):
        fl.edge_width([0.0, 1.0, 1.0, 1.0])
    with pytest.raises(TypeError, match="profile must have a float dtype"):
        fl.edge_width(np.arange(8))
    with pytest.raises(ValueError, match="profile must be 1-D"):
        fl.edge_width(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="at least 4 samples"):
        fl.edge_width(np.zeros(3))
    with pytest.raises(ValueError, match="profile must contain only finite"):
        fl.edge_width(np.r_[p, np.nan])
    with pytest.raises(ValueError, match="low and high must satisfy"):
        fl.edge_width(p, low=0.6)
    with pytest.raises(TypeError, match="low must be a real number"):
        fl.edge_width(p, low="0.1")
    with pytest.raises(TypeError, match="levels must be a pair"):
        fl.edge_width(p, levels=0.5)
    with pytest.raises(TypeError, match="levels must be a real number"):
        fl.edge_width(p, levels=(0, None))
    with pytest.raises(ValueError, match="plateau must be at most half"):
        fl.edge_width(p, plateau=6)
    with pytest.raises(ValueError, match="plateau must be >= 1"):
        fl.edge_width(p, plateau=0)
    u = np.zeros((16, 16))
    with pytest.raises(TypeError, match="edge must be an EdgeSpec"):
        fl.edge_profile(u, (0, 5, 5, 2, 1))
    with pytest.raises(ValueError, match="edge.axis must be 0 or 1"):
        fl.edge_profile(u, EdgeSpec(2, 5, 5, 2, 1))
    with pytest.raises(ValueError, match="reaches outside the image"):
        fl.edge_profile(u, EdgeSpec(0, 5, 14, 4, 1))
    with pytest.raises(TypeError, match="edge.band must be an int"):
        fl.edge_profile(u, EdgeSpec(0, 5, 5, 2, 1.0))
    with pytest.raises(ValueError, match="u must be one image"):
        fl.channel_tv(np.zeros((2, 3, 8, 8)))
    with pytest.raises(TypeError, match="u must have dtype"):
        fl.channel_tv(np.zeros((8, 8), dtype=int))
    with pytest.raises(ValueError, match="h must be positive"):
        fl.mean_gradient_magnitude(u, h=0.0)
    with pytest.raises(ValueError, match="cutoff must lie in"):
        fl.high_frequency_energy(u, cutoff=1.5)
    with pytest.raises(TypeError, match="cutoff must be a real number"):
        fl.high_frequency_energy(u, cutoff=None)
    with pytest.raises(ValueError, match="no edge fits"):
        fl.find_edge(np.zeros((6, 6)), half_length=4)
    with pytest.raises(TypeError, match="half_length must be an int"):
        fl.find_edge(u, half_length=2.5)
