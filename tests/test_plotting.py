"""Tests of fscnn_lib.plotting: orientation, rates, profiles, validation."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from numpy.testing import assert_allclose  # noqa: E402

import fscnn_lib as fl  # noqa: E402
from fscnn_lib import plotting as fp  # noqa: E402


@pytest.fixture
def ax():
    fig, axes = plt.subplots()
    yield axes
    plt.close(fig)


# ---------------------------------------------------------------- show_image


def test_show_image_puts_first_index_on_the_horizontal_axis(ax):
    # u is 1 only at i = N-1 (largest x_1), j = 0 (smallest x_2).
    u = np.zeros((4, 3))
    u[3, 0] = 1.0
    im = fp.show_image(ax, u, extent=(0, 4, 0, 3), title="t")
    drawn = np.asarray(im.get_array())
    assert drawn.shape == (3, 4)  # rows = x_2, columns = x_1
    assert im.origin == "lower"
    assert drawn[0, 3] == 1.0  # bottom row (x_2 small), right column (x_1 large)
    assert tuple(im.get_extent()) == (0, 4, 0, 3)
    assert ax.get_title() == "t"


def test_show_image_default_extent_and_torch(ax):
    im = fp.show_image(ax, torch.ones(5, 2, dtype=torch.float32))
    assert tuple(im.get_extent()) == (0, 5, 0, 2)


def test_show_image_colorbar(ax):
    fp.show_image(ax, np.eye(3), colorbar=True)
    assert len(ax.figure.axes) == 2


@pytest.mark.parametrize(
    "u, extent, exc, match",
    [
        (np.zeros(3), None, ValueError, "u must be 2-D"),
        (np.zeros((0, 3)), None, ValueError, "u must not be empty"),
        (np.array([[np.nan, 1.0]]), None, ValueError, "finite"),
        ("image", None, TypeError, "u must be a numpy.ndarray or torch.Tensor"),
        (np.array([["a"]]), None, TypeError, "u must hold real numbers"),
        (np.zeros((2, 2)), (0, 1, 0), TypeError, "extent must be a sequence"),
        (np.zeros((2, 2)), (0, 1, 0, "1"), TypeError, "extent must hold 4 real numbers"),
        (np.zeros((2, 2)), (1, 0, 0, 1), ValueError, "a1 < b1 and a2 < b2"),
        (np.zeros((2, 2)), (0, 1, 0, np.inf), ValueError, "extent must be finite"),
    ],
)
def test_show_image_validation(ax, u, extent, exc, match):
    with pytest.raises(exc, match=match):
        fp.show_image(ax, u, extent)


# ------------------------------------------------------------ rates on log axes


@pytest.mark.parametrize("p", [0.5, 1.0, 2.0, -1.0])
def test_fit_rate_recovers_power_laws(p):
    hs = 2.0 ** -np.arange(3, 9)
    assert_allclose(fl.fit_rate(hs, 7.0 * hs**p), p, rtol=1e-12)


def test_fit_rate_is_least_squares():
    hs = np.array([1.0, 0.5, 0.25])
    ys = np.array([1.0, 0.6, 0.2])
    expected = np.polyfit(np.log(hs), np.log(ys), 1)[0]  # independent formula:
    lh, ly = np.log(hs), np.log(ys)
    manual = np.sum((lh - lh.mean()) * (ly - ly.mean())) / np.sum((lh - lh.mean()) ** 2)
    assert_allclose(fl.fit_rate(hs, ys), manual, rtol=1e-12)
    assert_allclose(expected, manual, rtol=1e-12)


def test_loglog_rates_draws_series_and_references(ax):
    hs = np.array([1 / 8, 1 / 16, 1 / 32, 1 / 64])
    slopes = fp.loglog_rates(ax, hs, {"jump": np.full(4, 0.5), "H1": hs**0.5}, reference_slopes=(0.5, 1))
    assert_allclose(slopes["jump"], 0.0, atol=1e-12)
    assert_allclose(slopes["H1"], 0.5, rtol=1e-12)
    assert len(ax.get_lines()) == 4  # 2 series + 2 references
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.xaxis_inverted()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "jump (slope 0.00)" in labels and "H1 (slope 0.50)" in labels
    ref = ax.get_lines()[3].get_ydata()
    assert_allclose(ref, 0.5 * (hs / hs[0]) ** 1)  # through the first point of the first series


@pytest.mark.parametrize(
    "hs, series, refs, exc, match",
    [
        ([0.1], {"a": [1.0]}, (1,), ValueError, "hs must hold at least 2"),
        ([0.1, -0.1], {"a": [1.0, 1.0]}, (1,), ValueError, "hs must be positive"),
        ([0.1, 0.05], {}, (1,), TypeError, "series must be a non-empty mapping"),
        ([0.1, 0.05], [1, 2], (1,), TypeError, "series must be a non-empty mapping"),
        ([0.1, 0.05], {"a": [1.0, 0.0]}, (1,), ValueError, r"series\['a'\] must be positive"),
        ([0.1, 0.05, 0.01], {"a": [1.0, 2.0]}, (1,), ValueError, "must have one value per h"),
        ([0.1, 0.05], {"a": [1.0, 2.0]}, ("1",), TypeError, "reference_slopes must be a sequence"),
        ([0.1, 0.05], {"a": [1.0, 2.0]}, "1", TypeError, "reference_slopes must be a sequence"),
    ],
)
def test_loglog_rates_validation(ax, hs, series, refs, exc, match):
    with pytest.raises(exc, match=match):
        fp.loglog_rates(ax, np.asarray(hs, dtype=float), series, reference_slopes=refs)



# ------------------------------------------------------------- line profiles


def test_line_profiles(ax):
    x = np.linspace(0, 1, 9)
    lines = fp.line_profiles(ax, {"h=1/8": (x, (x > 0.5).astype(float)), "exact": (x, x)}, step=True,
                             ylabel="u", title="profile")
    assert [ln.get_label() for ln in lines] == ["h=1/8", "exact"]
    assert all(ln.get_drawstyle() == "steps-mid" for ln in lines)
    assert_allclose(lines[1].get_ydata(), x)
    assert ax.get_ylabel() == "u" and ax.get_title() == "profile"


@pytest.mark.parametrize(
    "profiles, exc, match",
    [
        ({}, TypeError, "non-empty mapping"),
        ({"a": np.zeros(3)}, TypeError, "must be a pair"),
        ({"a": (np.zeros(3), np.zeros(4))}, ValueError, "equal length"),
        ({"a": (np.zeros(1), np.zeros(1))}, ValueError, "equal length >= 2"),
        ({"a": (np.zeros(2), np.array([0.0, np.inf]))}, ValueError, "finite"),
    ],
)
def test_line_profiles_validation(ax, profiles, exc, match):
    with pytest.raises(exc, match=match):
        fp.line_profiles(ax, profiles)


def test_as_numpy():
    assert fp.as_numpy(torch.arange(3)).dtype == np.float64
    assert fp.as_numpy(np.arange(3)).dtype == np.float64
    with pytest.raises(TypeError, match="u must be an array of real numbers"):
        fp.as_numpy([[1, 2], [3]])
