"""Tests of fscnn_lib.images: synthetic scenes, bundled natural images, the noise model.

Oracles are closed forms (areas, perimeters, grid coordinates) and NumPy/torch
random-number generators, independent of the code under test.
"""

from __future__ import annotations

import math
import socket

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from numpy.testing import assert_allclose

from fscnn_lib import images as im


# --------------------------------------------------------------------------- grids
def test_cell_centres_are_cell_aligned():
    """Centres (i + 1/2) h of the cell-aligned grid of (0,1)^2 (S3-GRID)."""
    X1, X2 = im.cell_centres(5)
    assert_allclose(X1[:, 0], (np.arange(5) + 0.5) / 5)
    assert_allclose(X2[0], (np.arange(5) + 0.5) / 5)
    assert X1.shape == (5, 5)
    Y1, _ = im.cell_centres(5, supersample=3)
    assert Y1.shape == (15, 15)
    assert_allclose(Y1.reshape(5, 3, 5, 3).mean(axis=(1, 3)), X1)


# --------------------------------------------------------------------------- disk
@pytest.mark.parametrize("n", [8, 33, 100])
def test_disk_shape_dtype_values(n):
    u = im.disk_image(n, radius=0.25, value=2.5)
    assert u.shape == (n, n) and u.dtype == np.float64
    assert set(np.unique(u).tolist()) <= {0.0, 2.5}


def test_disk_area_converges_to_pi_r2():
    """h^2 sum u -> pi r^2 as h -> 0 (the error of a lattice-point count is o(1))."""
    r = 0.3
    errors = [abs(im.disk_image(n, radius=r).sum() / n**2 - math.pi * r**2) for n in (25, 100, 400)]
    assert errors[-1] < 1e-3
    assert errors[-1] < errors[0]


def test_disk_supersampled_is_cell_average():
    """With supersampling the values are fractions k/s^2 and the area is closer to pi r^2."""
    u = im.disk_image(40, radius=0.3, supersample=4)
    assert set(np.round(np.unique(u) * 16, 9)) <= set(range(17))
    assert abs(u.sum() / 40**2 - math.pi * 0.09) < 2e-3


def test_disk_centre_and_symmetry():
    u = im.disk_image(64, radius=0.2, center=(0.3, 0.7))
    X1, X2 = im.cell_centres(64)
    c1 = (u * X1).sum() / u.sum()
    c2 = (u * X2).sum() / u.sum()
    assert_allclose([c1, c2], [0.3, 0.7], atol=1e-2)
    v = im.disk_image(64)
    assert_allclose(v, v[::-1]), assert_allclose(v, v.T)


def test_disk_anisotropic_perimeter_is_8r():
    """The l1-perimeter of the pixelated centred disk, h * (#jumps), equals 8 r when r n is an
    integer and n is even (S2-NOT-f); computed with np.diff as an independent oracle."""
    r = 0.3
    for n in (20, 40, 100, 200):
        u = im.disk_image(n, radius=r)
        jumps = np.abs(np.diff(u, axis=0)).sum() + np.abs(np.diff(u, axis=1)).sum()
        assert_allclose(jumps / n, 8 * r, rtol=1e-12)


# --------------------------------------------------------------------------- rectangle, step, ramp, cartoon
def test_rectangle_on_cell_edges_is_exact():
    u = im.rectangle_image(10, corners=(0.2, 0.6, 0.1, 0.4), value=3.0)
    expected = np.zeros((10, 10))
    expected[2:6, 1:4] = 3.0
    assert_allclose(u, expected)


def test_rectangle_accepts_list_and_validates():
    im.rectangle_image(4, corners=[0.0, 1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="a < b and c < d"):
        im.rectangle_image(4, corners=(0.5, 0.2, 0.0, 1.0))
    with pytest.raises(TypeError, match=r"corners must be a tuple \(a, b, c, d\)"):
        im.rectangle_image(4, corners=(0.0, 1.0))
    with pytest.raises(ValueError, match=r"corners\[2\] must be finite"):
        im.rectangle_image(4, corners=(0.0, 1.0, float("nan"), 1.0))
    with pytest.raises(TypeError, match=r"corners\[1\] must be a real number"):
        im.rectangle_image(4, corners=(0.0, "1", 0.0, 1.0))


@pytest.mark.parametrize("axis", [0, 1])
def test_step_image(axis):
    u = im.step_image(10, position=0.35, axis=axis)
    profile = u[:, 0] if axis == 0 else u[0, :]
    assert profile.tolist() == [0.0] * 4 + [1.0] * 6
    assert_allclose(np.diff(u, axis=1 - axis), 0.0)


def test_step_validation():
    with pytest.raises(ValueError, match=r"position must lie in \(0, 1\)"):
        im.step_image(8, position=1.0)
    with pytest.raises(ValueError, match="axis must be 0 or 1"):
        im.step_image(8, axis=2)
    with pytest.raises(ValueError, match="axis must be >= 0"):
        im.ramp_image(8, axis=-1)
    with pytest.raises(TypeError, match="axis must be an int"):
        im.ramp_image(8, axis=True)


def test_ramp_is_linear():
    u = im.ramp_image(16, axis=1)
    assert_allclose(np.diff(u, axis=1), 1 / 16)
    assert_allclose(np.diff(u, axis=0), 0.0)
    assert 0 < u.min() and u.max() < 1


def test_cartoon_is_piecewise_constant():
    u = im.cartoon_image(96)
    assert u.shape == (96, 96)
    assert sorted(np.unique(u).tolist()) == [0.0, 0.2, 0.4, 0.6, 1.0]
    # each value occupies a region of positive area
    for v in (0.0, 0.2, 0.4, 0.6, 1.0):
        assert (u == v).mean() > 0.005
    # the fraction of cells next to an edge shrinks like h (edges have finite length)
    def edge_fraction(n):
        w = im.cartoon_image(n)
        return ((np.diff(w, axis=0) != 0).sum() + (np.diff(w, axis=1) != 0).sum()) / n**2

    assert edge_fraction(192) < 0.6 * edge_fraction(96)


@pytest.mark.parametrize(
    "fn", [im.disk_image, im.step_image, im.cartoon_image, im.ramp_image, lambda n: im.rectangle_image(n, corners=(0, 1, 0, 1))]
)
def test_n_validation(fn):
    with pytest.raises(ValueError, match="n must be >= 1"):
        fn(0)
    with pytest.raises(TypeError, match="n must be an int"):
        fn(4.0)


def test_disk_validation():
    with pytest.raises(ValueError, match="radius must be positive"):
        im.disk_image(8, radius=0.0)
    with pytest.raises(TypeError, match=r"center must be a pair"):
        im.disk_image(8, center=(0.5,))
    with pytest.raises(ValueError, match=r"center\[1\] must be finite"):
        im.disk_image(8, center=(0.5, float("inf")))
    with pytest.raises(TypeError, match=r"center\[0\] must be a real number"):
        im.disk_image(8, center=(None, 0.5))
    with pytest.raises(ValueError, match="value must be finite"):
        im.disk_image(8, value=float("nan"))
    with pytest.raises(TypeError, match="value must be a real number"):
        im.disk_image(8, value=True)
    with pytest.raises(ValueError, match="supersample must be >= 1"):
        im.disk_image(8, supersample=0)


# --------------------------------------------------------------------------- natural images
@pytest.fixture
def no_network(monkeypatch):
    """Make every attempt to open a network connection fail loudly."""

    def refuse(*args, **kwargs):
        raise AssertionError("a network connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize("name", sorted(im.NATURAL_IMAGES))
def test_natural_images_are_bundled(name, no_network):
    u = im.natural_image(name, 32)
    assert u.shape == (32, 32) and u.dtype == np.float64
    assert u.min() == 0.0 and u.max() == 1.0


def test_natural_image_block_average(no_network):
    """Block averaging: reducing 128 -> 64 by 2 x 2 means agrees with reducing 512 -> 64 (up to scaling)."""
    a = im.natural_image("camera", 128)
    b = im.natural_image("camera", 64)
    a2 = a.reshape(64, 2, 64, 2).mean(axis=(1, 3))
    a2 = (a2 - a2.min()) / (a2.max() - a2.min())
    assert_allclose(a2, b, atol=1e-12)


def test_natural_image_validation(no_network):
    with pytest.raises(ValueError, match="bundled images"):
        im.natural_image("cells3d", 32)
    with pytest.raises(ValueError, match="bundled images"):
        im.natural_image("brain", 32)
    with pytest.raises(TypeError, match="name must be a str"):
        im.natural_image(3, 32)
    with pytest.raises(ValueError, match=r"size must be at most min\(H, W\) = 512"):
        im.natural_image("camera", 1024)
    with pytest.raises(ValueError, match="size must be >= 1"):
        im.natural_image("camera", 0)


def test_natural_image_missing_file(monkeypatch):
    """If a listed file is absent, the function refuses instead of downloading."""
    monkeypatch.setitem(im.NATURAL_IMAGES, "camera", "no_such_file.png")
    with pytest.raises(ValueError, match="never downloads"):
        im.natural_image("camera", 32)


# --------------------------------------------------------------------------- noise
def test_noise_deterministic_with_seed():
    u = im.disk_image(64)
    f1 = im.add_noise(u, 0.1, seed=7)
    f2 = im.add_noise(u, 0.1, seed=7)
    f3 = im.add_noise(u, 0.1, seed=8)
    assert np.array_equal(f1, f2)
    assert not np.array_equal(f1, f3)
    assert_allclose(f1 - u, 0.1 * np.random.default_rng(7).standard_normal((64, 64)))


def test_noise_statistics_and_clip():
    u = np.full((300, 300), 0.5)
    f = im.add_noise(u, 0.2, seed=0)
    assert abs((f - u).mean()) < 0.005 and abs((f - u).std() - 0.2) < 0.005
    g = im.add_noise(u, 1.0, seed=0, clip=True)
    assert g.min() == 0.0 and g.max() == 1.0
    assert_allclose(im.add_noise(u, 0.0, seed=3), u)


def test_noise_torch_and_float32():
    u = torch.zeros(2, 16, 16, dtype=torch.float32)
    f = im.add_noise(u, 0.1, seed=1)
    assert isinstance(f, torch.Tensor) and f.dtype == torch.float32 and f.shape == u.shape
    assert torch.equal(f, im.add_noise(u, 0.1, seed=1))
    v = np.zeros((8, 8), dtype=np.float32)
    assert im.add_noise(v, 0.1, seed=1).dtype == np.float32


def test_noise_validation():
    u = np.zeros((4, 4))
    with pytest.raises(ValueError, match="sigma must be >= 0"):
        im.add_noise(u, -0.1, seed=0)
    with pytest.raises(ValueError, match="sigma must be finite"):
        im.add_noise(u, float("nan"), seed=0)
    with pytest.raises(TypeError, match="sigma must be a real number"):
        im.add_noise(u, "0.1", seed=0)
    with pytest.raises(TypeError, match="seed must be an int"):
        im.add_noise(u, 0.1, seed=None)
    with pytest.raises(TypeError, match="clip must be a bool"):
        im.add_noise(u, 0.1, seed=0, clip=1)
    with pytest.raises(TypeError, match="dtype float32 or float64"):
        im.add_noise(np.zeros((4, 4), dtype=int), 0.1, seed=0)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        im.add_noise(np.zeros(4), 0.1, seed=0)


# --------------------------------------------------------------------------- blur
def test_blur_gaussian_mass_and_width():
    """Blurring a centred point mass gives a Gaussian of the requested physical width."""
    n, h = 101, 1 / 101
    u = np.zeros((n, n))
    u[50, 50] = 1.0
    v = im.blur(u, 0.05, h=h)
    assert_allclose(v.sum(), 1.0, rtol=1e-6)
    x = (np.arange(n) - 50) * h
    var = (v.sum(axis=1) * x**2).sum()
    assert_allclose(math.sqrt(var), 0.05, rtol=1e-2)


def test_blur_validation():
    u = np.zeros((8, 8))
    with pytest.raises(ValueError, match="width must be positive"):
        im.blur(u, 0.0, h=0.1)
    with pytest.raises(ValueError, match="h must be positive"):
        im.blur(u, 0.1, h=-1.0)
    with pytest.raises(TypeError, match="u must be a numpy.ndarray"):
        im.blur(torch.zeros(8, 8, dtype=torch.float64), 0.1, h=0.1)


# --------------------------------------------------------------------------- devices and fuzzing
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_noise_keeps_cuda_device():
    """The noise is drawn on the CPU (reproducible) and moved to the input's device."""
    u = torch.zeros(8, 8, dtype=torch.float64, device="cuda")
    f = im.add_noise(u, 0.1, seed=2)
    assert f.device == u.device
    assert torch.equal(f.cpu(), im.add_noise(u.cpu(), 0.1, seed=2))



@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 40),
    radius=st.floats(0.01, 2.0),
    c1=st.floats(-1, 2),
    c2=st.floats(-1, 2),
    value=st.floats(-5, 5),
)
def test_disk_fuzz(n, radius, c1, c2, value):
    """Any valid disk gives an (n, n) array with the values 0 and c only."""
    u = im.disk_image(n, radius=radius, center=(c1, c2), value=value)
    assert u.shape == (n, n)
    assert set(np.unique(u).tolist()) <= {0.0, value}


@settings(max_examples=40, deadline=None)
@given(n=st.one_of(st.integers(-5, 0), st.floats(allow_nan=True), st.text(max_size=2), st.none()))
def test_invalid_n_fuzz(n):
    """Anything but a positive int for n raises TypeError or ValueError naming n."""
    for fn in (im.disk_image, im.cartoon_image, im.step_image, im.ramp_image):
        with pytest.raises((TypeError, ValueError), match="n must"):
            fn(n)


@settings(max_examples=30, deadline=None)
@given(sigma=st.one_of(st.floats(max_value=-1e-9), st.just(float("nan")), st.just(float("inf"))))
def test_invalid_sigma_fuzz(sigma):
    with pytest.raises(ValueError, match="sigma must be"):
        im.add_noise(np.zeros((3, 3)), sigma, seed=0)
