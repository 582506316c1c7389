"""Tests of fscnn_lib.padding: the folding map, eq. (2) on grids and in the continuum (S2-REFL, S3-DREFL, EN-4, EN-15)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import fscnn_lib as fl
from fscnn_lib import DiracSum, Grid, Rectangle


def test_fold_properties():
    """psi is the identity on [alpha, beta], maps into it, is 2*ell-periodic and even about alpha."""
    t = np.linspace(-7.3, 9.1, 2001)
    a, b = -0.5, 1.25
    f = fl.fold(t, a, b)
    assert f.min() >= a and f.max() <= b
    inside = (t >= a) & (t <= b)
    np.testing.assert_allclose(f[inside], t[inside])
    np.testing.assert_allclose(fl.fold(t + 2 * (b - a), a, b), f, atol=1e-12)
    np.testing.assert_allclose(fl.fold(2 * a - t, a, b), f, atol=1e-12)
    tt = torch.from_numpy(t)
    np.testing.assert_allclose(fl.fold(tt, a, b).numpy(), f, atol=1e-12)
    assert isinstance(fl.fold(0.3, 0.0, 1.0), float)


@pytest.mark.parametrize(
    "t, a, b, exc, msg",
    [(0.0, 1.0, 1.0, ValueError, "alpha must be smaller"), (np.nan, 0.0, 1.0, ValueError, "t must contain only finite"),
     (torch.tensor([np.inf]), 0.0, 1.0, ValueError, "t must contain only finite"), (0.0, "0", 1.0, TypeError, "alpha must be a real"),
     (0.0, 0.0, np.inf, ValueError, "beta must be finite"), (0.0, -1e308, 1e308, ValueError, "too long")],
)
def test_fold_rejects(t, a, b, exc, msg):
    with pytest.raises(exc, match=msg):
        fl.fold(t, a, b)


@pytest.mark.parametrize("mode", ["symmetric", "reflect"])
@pytest.mark.parametrize("pad", [1, 2, (0, 3, 1, 2), (2, 0, 0, 1)])
def test_reflect_pad_matches_numpy(mode, pad):
    """S3-DREFL: reflect_pad equals np.pad with the same mode (pads within the image)."""
    rng = np.random.default_rng(0)
    u = rng.normal(size=(2, 5, 6))
    top, bottom, left, right = (pad,) * 4 if isinstance(pad, int) else pad
    want = np.pad(u, ((0, 0), (top, bottom), (left, right)), mode=mode)
    np.testing.assert_array_equal(fl.reflect_pad(u, pad, mode=mode), want)
    got = fl.reflect_pad(torch.from_numpy(u), pad, mode=mode)
    np.testing.assert_array_equal(got.numpy(), want)


@pytest.mark.parametrize("mode", ["symmetric", "reflect"])
def test_reflect_pad_large_pads_fold_repeatedly(mode):
    """Pads wider than the image reflect repeatedly, as the folding map does (and as np.pad does)."""
    u = np.arange(12.0).reshape(3, 4)
    want = np.pad(u, ((7, 9), (10, 5)), mode=mode)
    np.testing.assert_array_equal(fl.reflect_pad(u, (7, 9, 10, 5), mode=mode), want)


def test_reflect_pad_torch_reflect_matches_F_pad():
    """mode="reflect" is PyTorch's padding_mode="reflect" (whole-sample symmetric)."""
    u = torch.randn(1, 2, 6, 7, generator=torch.Generator().manual_seed(1))
    np.testing.assert_array_equal(fl.reflect_pad(u, (2, 3, 1, 4), mode="reflect"), F.pad(u, (1, 4, 2, 3), mode="reflect"))


def test_reflect_indices_and_rejects():
    assert fl.reflect_indices(1, 2, 2).tolist() == [0] * 5
    with pytest.raises(ValueError, match="at least 2 samples"):
        fl.reflect_indices(1, 1, 1, mode="reflect")
    with pytest.raises(ValueError, match="n must be >= 1"):
        fl.reflect_indices(0, 1, 1)
    with pytest.raises(ValueError, match="before must be >= 0"):
        fl.reflect_indices(3, -1, 1)
    with pytest.raises(ValueError, match="mode must be one of"):
        fl.reflect_indices(3, 1, 1, mode="wrap")


@pytest.mark.parametrize(
    "pad, exc, msg",
    [(-1, ValueError, "pad must be >= 0"), (True, TypeError, "got bool"), ((1, 2, 3), ValueError, "4 entries"),
     ((1, 2, 3, 1.5), TypeError, "pad must be an int"), (1.0, TypeError, "pad must be an int or a tuple"), ("2", TypeError, "pad must be")],
)
def test_pad_rejects(pad, exc, msg):
    with pytest.raises(exc, match=msg):
        fl.reflect_pad(np.ones((3, 3)), pad)
    with pytest.raises(exc, match=msg):
        fl.zero_pad(np.ones((3, 3)), pad)


def test_reflect_pad_array_rejects():
    with pytest.raises(TypeError, match="u must be a numpy.ndarray"):
        fl.reflect_pad([[1.0]], 1)
    with pytest.raises(ValueError, match="u must have at least 2 dimensions"):
        fl.reflect_pad(np.ones(3), 1)
    with pytest.raises(ValueError, match="mode must be one of"):
        fl.reflect_pad(np.ones((3, 3)), 1, mode="edge")


def test_zero_pad_matches_numpy_and_torch():
    u = np.random.default_rng(2).normal(size=(2, 3, 4))
    want = np.pad(u, ((0, 0), (1, 2), (3, 0)))
    np.testing.assert_array_equal(fl.zero_pad(u, (1, 2, 3, 0)), want)
    np.testing.assert_array_equal(fl.zero_pad(torch.from_numpy(u), (1, 2, 3, 0)).numpy(), want)


# ------------------------------------------------------------------ continuous reflection

def pc_function(U, rect, h):
    """The PC_h function with coefficients U on the cell-aligned grid of rect."""
    g = Grid(rect, h)
    return lambda x1, x2: fl.pc_eval(U, g, x1, x2)


def test_reflect_extend_cell_aligned_is_symmetric_padding():
    """S2-REFL check: the continuous reflection of a PC_h function, sampled at cell centres, is 'symmetric' padding, not 'reflect'."""
    rng = np.random.default_rng(3)
    omega, h, P = Rectangle(0, 1, 0, 0.75), 0.125, 5
    g = Grid(omega, h)
    U = rng.normal(size=g.shape)
    big = Rectangle(-P * h, 1 + P * h, -P * h, 0.75 + P * h)
    X1, X2 = Grid(big, h).points()
    sampled = fl.reflect_extend(pc_function(U, omega, h), omega)(X1, X2)
    np.testing.assert_array_equal(sampled, fl.reflect_pad(U, P, mode="symmetric"))
    assert not np.array_equal(sampled, fl.reflect_pad(U, P, mode="reflect"))


def test_reflect_extend_node_aligned_is_reflect_padding():
    """EN-15: from a node-aligned domain the sampled continuous reflection is 'reflect' padding."""
    u = lambda x1, x2: np.sin(3 * x1 + 1) * np.cos(2 * x2) + x1 * x2  # noqa: E731
    omega, h, P = Rectangle(0, 1, 0, 0.5), 0.125, 6
    U = fl.project(u, Grid(omega, h, align="node"))
    big = Rectangle(-P * h, 1 + P * h, -P * h, 0.5 + P * h)
    sampled = fl.project(fl.reflect_extend(u, omega), Grid(big, h, align="node"))
    np.testing.assert_allclose(sampled, fl.reflect_pad(U, P, mode="reflect"), atol=1e-12)


def test_reflect_extend_continuity_and_kink():
    """R u is continuous across mirror lines; EN-4c: u = x2 becomes |x2 - c| + c, so C^1 is lost."""
    omega = Rectangle(0, 1, 0, 1)
    ubar = fl.reflect_extend(lambda x1, x2: x2, omega)
    eps = 1e-7
    assert abs(ubar(0.5, -eps) - ubar(0.5, eps)) < 3e-7
    x2 = np.linspace(-1, 0, 11)
    np.testing.assert_allclose(ubar(0.3, x2), np.abs(x2))
    slope_left = (ubar(0.3, 0.0) - ubar(0.3, -1e-3)) / 1e-3
    slope_right = (ubar(0.3, 1e-3) - ubar(0.3, 0.0)) / 1e-3
    assert slope_left == pytest.approx(-1) and slope_right == pytest.approx(1)
    with pytest.raises(TypeError, match="u must be a callable"):
        fl.reflect_extend(1.0, omega)
    with pytest.raises(TypeError, match="omega must be a Rectangle"):
        fl.reflect_extend(lambda x1, x2: x1, (0, 1, 0, 1))


def test_reflect_lp_bound_with_tiles():
    """S2-REFL item 5: ||R u||_inf = ||u||_inf and ||R u||_p^p <= K ||u||_p^p with K tiles meeting Omega."""
    rng = np.random.default_rng(4)
    U = rng.normal(size=(8, 8))
    V = fl.reflect_pad(U, 10)  # 28 x 28 cells: K = 4 x 4 tiles meet it
    h = 1 / 8
    assert np.abs(V).max() == np.abs(U).max()
    for p in (1, 2, 3):
        assert h**2 * (np.abs(V) ** p).sum() <= 16 * h**2 * (np.abs(U) ** p).sum()


def test_reflect_measure_tiles_and_mirror_lines():
    """S2-REFL item 2: each tile holds a mirrored copy of mu; an atom on a mirror line is counted once per tile (EN-4b)."""
    omega, big = Rectangle(0, 1, 0, 1), Rectangle(-1, 2, -0.5, 1.5)
    mu = DiracSum([[0.25, 0.75], [1.0, 0.5]], [2.0, -1.0])
    rmu = fl.reflect_measure(mu, omega, big)
    pts = {tuple(np.round(p, 12)) for p in rmu.points}
    # the interior atom: x1 images -0.25, 0.25, 1.75; x2 images 0.75, 1.25 (-0.75 is outside big)
    for p1 in (-0.25, 0.25, 1.75):
        for p2 in (0.75, 1.25):
            assert (p1, p2) in pts
    # the atom on the mirror line x1 = 1: images x1 in {-1, 1} (once each), x2 in {-0.5, 0.5, 1.5}
    on_line = rmu.points[rmu.weights == -1.0]
    assert len(on_line) == 6
    # pairing with a reflected test function equals (number of tiles) x pairing on omega for symmetric phi
    phi = lambda x1, x2: np.cos(np.pi * x1) * np.cos(np.pi * x2)  # noqa: E731  (even about all mirror lines)
    np.testing.assert_allclose(rmu.pair(phi), 6 * 2.0 * phi(0.25, 0.75) + 6 * -1.0 * phi(1.0, 0.5))


def test_reflect_measure_rejects():
    omega = Rectangle(0, 1, 0, 1)
    mu = DiracSum([[0.5, 0.5]], [1.0])
    with pytest.raises(ValueError, match="must lie inside big"):
        fl.reflect_measure(mu, omega, Rectangle(0.1, 2, 0, 2))
    with pytest.raises(ValueError, match="closed rectangle"):
        fl.reflect_measure(DiracSum([[1.5, 0.5]], [1.0]), omega, Rectangle(-1, 2, -1, 2))
    with pytest.raises(TypeError, match="mu must be a DiracSum"):
        fl.reflect_measure([[0.5, 0.5]], omega, omega)
    with pytest.raises(TypeError, match="big must be a Rectangle"):
        fl.reflect_measure(mu, omega, (0, 1, 0, 1))


# ------------------------------------------------------------------ tile count K

@pytest.mark.parametrize(
    "big, want",
    [((0, 1, 0, 2), 1), ((-0.5, 1.5, 0, 2), 3), ((-1, 2, -2, 4), 9), ((-0.25, 1, 0, 2.5), 4),
     ((-1e-3, 1 + 1e-3, 0, 2), 3), ((-3, 1, -4, 2), 12)],
)
def test_tile_count_closed_forms(big, want):
    """K counts the tiles (a+k*l1, a+(k+1)*l1) x (c+m*l2, c+(m+1)*l2) meeting Omega, by hand."""
    assert fl.tile_count(Rectangle(0, 1, 0, 2), Rectangle(*big)) == want


def test_tile_count_brute_force_and_rounding():
    """Oracle: count tiles whose centre region meets Omega by testing sample points; decimal sides do not over-count."""
    rng = np.random.default_rng(5)
    omega = Rectangle(0.1, 0.4, -0.2, 0.5)          # sides 0.3 and 0.7: not exact in binary
    for _ in range(30):
        lo1, lo2 = rng.integers(0, 5, size=2)
        hi1, hi2 = rng.integers(0, 5, size=2)
        big = Rectangle(0.1 - lo1 * 0.3, 0.4 + hi1 * 0.3, -0.2 - lo2 * 0.7, 0.5 + hi2 * 0.7)
        assert fl.tile_count(omega, big) == (lo1 + hi1 + 1) * (lo2 + hi2 + 1)
        # a point inside each tile (tile centres) falls in big exactly for the counted tiles
        k = np.arange(-10, 10)
        c1 = 0.1 + (k + 0.5) * 0.3
        c2 = -0.2 + (k + 0.5) * 0.7
        inside = np.outer(big.contains(c1, np.full_like(c1, 0.15)), big.contains(np.full_like(c2, 0.25), c2))
        assert inside.sum() == fl.tile_count(omega, big)


def test_tile_count_gives_lp_and_gradient_bounds():
    """S2-REFL item 5 on a grid: L^p, H^1 and anisotropic TV of symmetric padding are at most K times those of u."""
    rng = np.random.default_rng(6)
    U = rng.normal(size=(8, 6))
    h = 1 / 8
    omega = Rectangle(0, 1, 0, 0.75)
    for pad in [(0, 0, 0, 0), (3, 1, 0, 2), (8, 8, 6, 6), (13, 2, 7, 11)]:
        t, b, l, r = pad
        big = Rectangle(-t * h, 1 + b * h, -l * h, 0.75 + r * h)
        K = fl.tile_count(omega, big)
        V = fl.reflect_pad(U, pad)
        whole = all(p % n == 0 for p, n in zip(pad, (8, 8, 6, 6)))
        for lhs, rhs in [((np.abs(V) ** 3).sum(), (np.abs(U) ** 3).sum()),
                         (fl.h1_seminorm_squared(V, h), fl.h1_seminorm_squared(U, h)),
                         (fl.tv(V, h, kind="anisotropic"), fl.tv(U, h, kind="anisotropic"))]:
            assert lhs <= K * rhs * (1 + 1e-12)
            if whole:
                np.testing.assert_allclose(lhs, K * rhs, rtol=1e-12)


def test_tile_count_rejects():
    omega = Rectangle(0, 1, 0, 1)
    with pytest.raises(ValueError, match="must lie inside big"):
        fl.tile_count(omega, Rectangle(0.5, 2, 0, 1))
    with pytest.raises(TypeError, match="omega must be a Rectangle"):
        fl.tile_count((0, 1, 0, 1), omega)
    with pytest.raises(TypeError, match="big must be a Rectangle"):
        fl.tile_count(omega, None)
