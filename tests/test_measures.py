"""Tests of fscnn_lib.measures: Dirac sums, their grid densities and mu * w (Remark 2.2)."""

import numpy as np
import pytest

import fscnn_lib as fl
from fscnn_lib import DiracSum, Grid, Rectangle


def test_total_variation_and_pairing():
    """||mu||_M = sum |a_i| over distinct atoms (S2-NOT-e); coinciding atoms are merged first."""
    mu = DiracSum([[0.1, 0.2], [0.5, 0.5], [0.1, 0.2]], [1.0, -2.0, -0.25])
    assert mu.total_variation() == pytest.approx(0.75 + 2.0)
    assert len(mu) == 3 and "3 atoms" in repr(mu)
    assert mu.pair(lambda x1, x2: x1 + x2) == pytest.approx(0.3 * 0.75 - 2.0)


def test_total_variation_is_dual_norm():
    """S2-NOT-e check: max of sum a_i phi_i over |phi_i| <= 1 (an LP) equals sum |a_i|."""
    from scipy.optimize import linprog

    rng = np.random.default_rng(0)
    a = rng.normal(size=6)
    mu = DiracSum(rng.uniform(size=(6, 2)), a)
    res = linprog(-a, bounds=[(-1, 1)] * 6)
    assert -res.fun == pytest.approx(mu.total_variation())


@pytest.mark.parametrize(
    "points, weights, exc, msg",
    [
        ([[0.0, 0.0, 0.0]], [1.0], ValueError, r"shape \(K, 2\)"),
        ([[0.0, 0.0]], [1.0, 2.0], ValueError, "to match points"),
        (np.zeros((0, 2)), np.zeros(0), ValueError, "at least one atom"),
        ([[0.0, np.nan]], [1.0], ValueError, "points must contain only finite"),
        ([[0.0, 0.0]], [np.inf], ValueError, "weights must contain only finite"),
        ([["a", "b"]], [1.0], TypeError, "points must hold real numbers"),
        ([[0.0, 0.0]], [1j], TypeError, "weights must hold real numbers"),
    ],
)
def test_dirac_sum_rejects(points, weights, exc, msg):
    with pytest.raises(exc, match=msg):
        DiracSum(points, weights)


@pytest.mark.parametrize("align", ["cell", "node"])
def test_to_grid_preserves_mass_per_cell(align):
    """to_grid puts a_i / |Q| in the cell of y_i, so integrating over each cell returns its mass."""
    rng = np.random.default_rng(1)
    g = Grid(Rectangle(0, 1, -1, 1), 0.125, align=align)
    pts = np.column_stack([rng.uniform(0, 1, 40), rng.uniform(-1, 1, 40)])
    pts[0] = (1.0, 1.0)  # a corner atom, allowed for measures on the closed rectangle
    mu = DiracSum(pts, rng.normal(size=40))
    rho = mu.to_grid(g)
    mass = rho * g.cell_areas()
    np.testing.assert_allclose(mass.sum(), mu.weights.sum())
    i, j = g.index_of(pts[:, 0], pts[:, 1])
    expected = np.zeros(g.shape)
    np.add.at(expected, (i, j), mu.weights)
    np.testing.assert_allclose(mass, expected)
    if align == "cell":
        np.testing.assert_allclose(rho[i[1], j[1]] * g.h**2, mass[i[1], j[1]])


def test_to_grid_rejects():
    mu = DiracSum([[2.0, 0.0]], [1.0])
    with pytest.raises(ValueError, match="closed rectangle"):
        mu.to_grid(Grid(Rectangle(0, 1, 0, 1), 0.5))
    with pytest.raises(TypeError, match="grid must be a Grid"):
        mu.to_grid(Rectangle(0, 1, 0, 1))
    with pytest.raises(TypeError, match="phi must be a callable"):
        mu.pair(3.0)


def test_conv_dirac_matches_explicit_sum():
    """(mu * w)(x) = sum_i a_i w~(x - y_i), zero outside Sigma (Remark 2.2)."""
    rng = np.random.default_rng(2)
    sigma = Rectangle(-0.2, 0.1, -0.1, 0.3)
    w = lambda z1, z2: np.cos(5 * z1) + z2  # noqa: E731
    mu = DiracSum(rng.uniform(size=(5, 2)), rng.normal(size=5))
    x1, x2 = rng.uniform(size=(2, 300))
    got = fl.conv_dirac(mu, w, x1, x2, sigma=sigma)
    want = np.zeros(300)
    for (p1, p2), a in zip(mu.points, mu.weights):
        for k in range(300):
            z1, z2 = x1[k] - p1, x2[k] - p2
            if sigma.a < z1 < sigma.b and sigma.c < z2 < sigma.d:
                want[k] += a * w(z1, z2)
    np.testing.assert_allclose(got, want)


def test_conv_dirac_norm_identity_and_jumps():
    """Remark 2.2 check: for separated atoms and w = 1_Sigma, ||mu*w||_p = (sum |a_i|^p)^(1/p) ||w||_p
    <= ||mu||_M ||w||_p, and the jumps of height |a_i| do not shrink as h -> 0."""
    sigma = Rectangle(-0.125, 0.125, -0.125, 0.125)
    box = lambda z1, z2: np.ones_like(z1)  # noqa: E731
    mu = DiracSum([[0.25, 0.25], [0.75, 0.5], [0.375, 0.75]], [2.0, -1.0, 0.5])
    omega = Rectangle(0, 1, 0, 1)
    for k in (5, 7):
        g = Grid(omega, 2.0**-k)
        X1, X2 = g.points()
        v = fl.conv_dirac(mu, box, X1, X2, sigma=sigma)
        for p in (1.5, 2.0, 4.0):
            lhs = fl.norms.lp_norm(v, g.h, p)
            w_p = sigma.area ** (1 / p)
            np.testing.assert_allclose(lhs, (np.abs(mu.weights) ** p).sum() ** (1 / p) * w_p, rtol=1e-12)
            assert lhs <= mu.total_variation() * w_p
        # jump across the right edge of the first copy, sampled one cell apart
        jump = fl.conv_dirac(mu, box, [0.375 - g.h / 2, 0.375 + g.h / 2], [0.25, 0.25], sigma=sigma)
        assert jump[0] - jump[1] == pytest.approx(2.0)


def test_conv_dirac_rejects():
    mu = DiracSum([[0.0, 0.0]], [1.0])
    sigma = Rectangle(-1, 1, -1, 1)
    w = lambda z1, z2: z1  # noqa: E731
    with pytest.raises(TypeError, match="mu must be a DiracSum"):
        fl.conv_dirac([[0, 0]], w, 0.0, 0.0, sigma=sigma)
    with pytest.raises(TypeError, match="w must be a callable"):
        fl.conv_dirac(mu, 1.0, 0.0, 0.0, sigma=sigma)
    with pytest.raises(TypeError, match="sigma must be a Rectangle"):
        fl.conv_dirac(mu, w, 0.0, 0.0, sigma=(-1, 1, -1, 1))
    with pytest.raises(ValueError, match="x1 must contain only finite"):
        fl.conv_dirac(mu, w, np.nan, 0.0, sigma=sigma)
    with pytest.raises(ValueError, match="NaN or inf inside sigma"):
        fl.conv_dirac(mu, lambda z1, z2: np.full_like(z1, np.inf), 0.1, 0.1, sigma=sigma)
