"""Tests of fscnn_lib.grids: rectangles (S2-NOT-a), grids (S3-GRID, EN-15), P_h (eq. (5)), cell averages."""

import math

import numpy as np
import pytest

import fscnn_lib as fl
from fscnn_lib import Grid, Rectangle


# ----------------------------------------------------------------------------- Rectangle

def test_rectangle_measures_and_repr():
    r = Rectangle(-1, 2, 0.5, 1.0)
    assert (r.width, r.height, r.area) == (3.0, 0.5, 1.5)
    assert repr(r) == "Rectangle (-1, 2) × (0.5, 1)"
    assert r == Rectangle(-1.0, 2.0, 0.5, 1.0) and hash(r) == hash(Rectangle(-1.0, 2.0, 0.5, 1.0))


@pytest.mark.parametrize(
    "args, exc, msg",
    [
        ((1, 0, 0, 1), ValueError, "needs a < b"),
        ((0, 1, 1, 1), ValueError, "needs c < d"),
        ((0, float("nan"), 0, 1), ValueError, "b must be finite"),
        ((0, 1, "0", 1), TypeError, "c must be a real number"),
        ((True, 1, 0, 1), TypeError, "a must be a real number"),
        ((-1e308, 1e308, 0, 1), ValueError, "side lengths"),
    ],
)
def test_rectangle_rejects(args, exc, msg):
    with pytest.raises(exc, match=msg):
        Rectangle(*args)


def test_rectangle_contains_open_and_closed():
    r = Rectangle(0, 1, 0, 2)
    assert r.contains((0.5, 1.0)) and not r.contains((0.0, 1.0)) and r.contains((0.0, 1.0), closed=True)
    np.testing.assert_array_equal(r.contains(np.array([0.5, 1.5]), np.array([1.0, 1.0])), [True, False])
    with pytest.raises(ValueError, match="2 coordinates"):
        r.contains((1.0, 2.0, 3.0))


def test_minkowski_difference_formula_and_sampling():
    """S2-NOT-a: x - y over x in Omega, y in Sigma fills (a-q, b-p) x (c-s, d-r), corners included in the limit."""
    rng = np.random.default_rng(0)
    for _ in range(5):
        a, c = rng.uniform(-1, 1, 2)
        omega = Rectangle(a, a + rng.uniform(0.5, 2), c, c + rng.uniform(0.5, 2))
        p, r = rng.uniform(-0.5, 0, 2)
        sigma = Rectangle(p, p + rng.uniform(0.6, 1), r, r + rng.uniform(0.6, 1))
        diff = omega - sigma
        assert diff == Rectangle(omega.a - sigma.b, omega.b - sigma.a, omega.c - sigma.d, omega.d - sigma.c)
        assert math.isclose(diff.width, omega.width + sigma.width)
        x = rng.uniform([omega.a, omega.c], [omega.b, omega.d], size=(20000, 2))
        y = rng.uniform([sigma.a, sigma.c], [sigma.b, sigma.d], size=(20000, 2))
        z = x - y
        assert diff.contains(z).all()
        # extremes approach the corners
        assert z[:, 0].min() - diff.a < 0.1 and diff.b - z[:, 0].max() < 0.1
        # Omega inside Omega - Sigma because 0 in Sigma
        assert sigma.contains_origin
        assert diff.a <= omega.a and omega.b <= diff.b and diff.c <= omega.c and omega.d <= diff.d


def test_contains_origin_and_inclusion_failure():
    """Omega subset of Omega - Sigma fails as soon as 0 is not in the closure of Sigma."""
    omega = Rectangle(0, 1, 0, 1)
    sigma = Rectangle(0.1, 0.3, -0.1, 0.1)
    assert not sigma.contains_origin
    assert (omega - sigma).b < omega.b
    with pytest.raises(TypeError, match="other must be a Rectangle"):
        omega.minkowski_difference((0, 1, 0, 1))
    with pytest.raises(TypeError):
        omega - 1.0


# ---------------------------------------------------------------------------------- Grid

def test_grid_cell_and_node_samples():
    """EN-15: cell-aligned grids sample cell centres (length/h per side), node-aligned ones the nodes (+1)."""
    r = Rectangle(1, 2, -1, 0.5)
    gc, gn = Grid(r, 0.25), Grid(r, 0.25, align="node")
    assert gc.shape == (4, 6) and gn.shape == (5, 7)
    c1, c2 = gc.coords()
    np.testing.assert_allclose(c1, [1.125, 1.375, 1.625, 1.875])
    np.testing.assert_allclose(c2[[0, -1]], [-0.875, 0.375])
    n1, n2 = gn.coords()
    np.testing.assert_allclose(n1, [1, 1.25, 1.5, 1.75, 2])
    X1, X2 = gc.points()
    assert X1.shape == gc.shape and np.all(X1[:, 0] == c1) and np.all(X2[0, :] == c2)  # first axis = x1
    assert repr(gn) == "Grid on (1, 2) × (-1, 0.5), h = 0.25, node-aligned, 5 × 7 samples"


def test_grid_cell_areas_sum_to_area():
    r = Rectangle(0, 1.5, 0, 1)
    for align in ("cell", "node"):
        g = Grid(r, 0.125, align=align)
        np.testing.assert_allclose(g.cell_areas().sum(), r.area)
    areas = Grid(r, 0.5, align="node").cell_areas()
    np.testing.assert_allclose(areas[0, 0], 0.0625)   # quarter cell at a corner
    np.testing.assert_allclose(areas[1, 0], 0.125)    # half cell on an edge
    np.testing.assert_allclose(areas[1, 1], 0.25)


@pytest.mark.parametrize(
    "args, kwargs, exc, msg",
    [
        ((Rectangle(0, 1, 0, 1), 0.3), {}, ValueError, "h must divide the side length"),
        ((Rectangle(0, 1, 0, 0.7), 0.5), {}, ValueError, "choose h"),
        ((Rectangle(0, 1, 0, 1), 0.0), {}, ValueError, "h must be positive"),
        ((Rectangle(0, 1, 0, 1), -0.5), {}, ValueError, "h must be positive"),
        ((Rectangle(0, 1, 0, 1), 1e-320), {}, ValueError, "not finite"),
        ((Rectangle(0, 1, 0, 1), "0.5"), {}, TypeError, "h must be a real number"),
        (((0, 1, 0, 1), 0.5), {}, TypeError, "rect must be a Rectangle"),
        ((Rectangle(0, 1, 0, 1), 0.5), {"align": "edge"}, ValueError, "align must be one of"),
    ],
)
def test_grid_rejects(args, kwargs, exc, msg):
    with pytest.raises(exc, match=msg):
        Grid(*args, **kwargs)


def test_grid_index_of_half_open_cells():
    """S3-GRID: cells are x + [-h/2, h/2)^2; the closing edges belong to the last cell."""
    g = Grid(Rectangle(0, 1, 0, 1), 0.25)
    i, j = g.index_of([0.0, 0.25, 0.2499, 1.0], [0.5, 0.5, 0.5, 1.0])
    assert i.tolist() == [0, 1, 0, 3] and j.tolist() == [2, 2, 2, 3]
    gn = Grid(Rectangle(0, 1, 0, 1), 0.25, align="node")
    i, _ = gn.index_of([0.0, 0.124, 0.125, 0.99, 1.0], 0.0)
    assert i.tolist() == [0, 0, 1, 4, 4]
    with pytest.raises(ValueError, match="closed rectangle"):
        g.index_of(1.01, 0.5)
    with pytest.raises(ValueError, match="finite"):
        g.index_of(np.nan, 0.5)


# ---------------------------------------------------------------------- project (P_h)

def smooth(x1, x2):
    return np.sin(3 * x1) * np.exp(x2)


def test_project_samples_and_linearity():
    """P_h is linear and reads off u at the sample points (eq. (5))."""
    g = Grid(Rectangle(0, 1, 0, 2), 0.125)
    U = fl.project(smooth, g)
    X1, X2 = g.points()
    np.testing.assert_array_equal(U, smooth(X1, X2))
    V = fl.project(lambda x1, x2: x1 * x2, g)
    np.testing.assert_allclose(fl.project(lambda x1, x2: 2 * smooth(x1, x2) - 3 * x1 * x2, g), 2 * U - 3 * V)
    assert fl.project(lambda x1, x2: 4.0, g).shape == g.shape  # constants broadcast


def test_project_node_aligned_includes_boundary():
    """EN-13c: on node-aligned grids P_h uses the boundary nodes, so boundary half cells are not 0."""
    g = Grid(Rectangle(0, 1, 0, 1), 0.25, align="node")
    U = fl.project(lambda x1, x2: 1.0 + x1 + x2, g)
    assert U[0, 0] == 1.0 and U[-1, -1] == 3.0 and (U > 0).all()


@pytest.mark.parametrize("align", ["cell", "node"])
def test_project_sup_error_order_h(align):
    """S3-PROJ: ||P_h u - u||_inf = O(h) for Lipschitz u, and ||P_h u||_inf <= ||u||_inf."""
    errs = []
    r = Rectangle(0, 1, 0, 1)
    for k in (3, 4, 5, 6):
        g = Grid(r, 2.0**-k, align=align)
        U = fl.project(smooth, g)
        fine = Grid(r, 2.0**-9, align="node")  # includes the boundary, where the sup may sit
        X1, X2 = fine.points()
        errs.append(np.abs(fl.pc_eval(U, g, X1, X2) - smooth(X1, X2)).max())
        assert np.abs(U).max() <= np.abs(smooth(X1, X2)).max() + 1e-12
    rates = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(rates > 0.8), rates


def test_project_discontinuous_sup_error_stays():
    """S3-PROJ: for u = 1{x1 > x2} the sup error of P_h u stays 1 while the L^2 error is O(h^(1/2))."""
    u = lambda x1, x2: (x1 > x2).astype(float)  # noqa: E731
    r = Rectangle(0, 1, 0, 1)
    fine = Grid(r, 2.0**-10)
    X1, X2 = fine.points()
    l2 = []
    for k in (3, 5, 7):
        g = Grid(r, 2.0**-k)
        diff = fl.pc_eval(fl.project(u, g), g, X1, X2) - u(X1, X2)
        assert np.abs(diff).max() == 1.0
        l2.append(math.sqrt((diff**2).sum()) * fine.h)
    assert l2[0] > l2[1] > l2[2]
    np.testing.assert_allclose(np.log2(l2[0] / l2[2]) / 4, 0.5, atol=0.1)


def test_project_rejects():
    g = Grid(Rectangle(0, 1, 0, 1), 0.5)
    with pytest.raises(TypeError, match="u must be a callable"):
        fl.project(np.ones((2, 2)), g)
    with pytest.raises(TypeError, match="grid must be a Grid"):
        fl.project(smooth, Rectangle(0, 1, 0, 1))
    with pytest.raises(ValueError, match="NaN or inf"):
        fl.project(lambda x1, x2: np.where(x1 > 0.5, np.nan, x1), g)
    with pytest.raises(ValueError, match="broadcastable"):
        fl.project(lambda x1, x2: np.ones(3), g)
    with pytest.raises(TypeError, match="real numbers"):
        fl.project(lambda x1, x2: x1 + 1j, g)


# ------------------------------------------------------------------------ cell_average

def test_cell_average_exact_for_affine_and_half_cells():
    """The midpoint rule is exact for affine u; node-aligned grids average over half cells."""
    u = lambda x1, x2: 3 * x1 - x2 + 1  # noqa: E731
    g = Grid(Rectangle(0, 1, 0, 1), 0.25, align="node")
    A = fl.cell_average(u, g, quad=3)
    (l1, r1), (l2, r2) = g.cell_bounds()
    np.testing.assert_allclose(A, u(((l1 + r1) / 2)[:, None], ((l2 + r2) / 2)[None, :]))
    np.testing.assert_allclose(A[0, 0], u(0.0625, 0.0625))


def test_cell_average_integral_and_lp_convergence():
    """Cell averages preserve integrals (up to quadrature) and converge in L^2 for a disk indicator (EN-21c)."""
    disk = lambda x1, x2: ((x1 - 0.5) ** 2 + (x2 - 0.5) ** 2 < 0.09).astype(float)  # noqa: E731
    r = Rectangle(0, 1, 0, 1)
    fine = Grid(r, 2.0**-9)
    X1, X2 = fine.points()
    errs = []
    for k in (3, 5, 7):
        g = Grid(r, 2.0**-k)
        A = fl.cell_average(disk, g, quad=8)
        assert 0.0 <= A.min() and A.max() <= 1.0
        np.testing.assert_allclose(A.sum() * g.h**2, math.pi * 0.09, rtol=0.02)
        errs.append(np.sqrt(((fl.pc_eval(A, g, X1, X2) - disk(X1, X2)) ** 2).mean()))
    assert errs[0] > errs[1] > errs[2]


def test_cell_average_rejects():
    g = Grid(Rectangle(0, 1, 0, 1), 0.5)
    with pytest.raises(ValueError, match="quad must be >= 1"):
        fl.cell_average(smooth, g, quad=0)
    with pytest.raises(TypeError, match="quad must be an int"):
        fl.cell_average(smooth, g, quad=2.0)


# ------------------------------------------------------------------------------ pc_eval

def test_pc_eval_constant_on_cells():
    rng = np.random.default_rng(3)
    g = Grid(Rectangle(-1, 1, 0, 1), 0.25)
    U = rng.normal(size=g.shape)
    X1, X2 = g.points()
    np.testing.assert_array_equal(fl.pc_eval(U, g, X1, X2), U)
    jitter = rng.uniform(-0.5, 0.5, size=(2,) + g.shape) * g.h * 0.999
    np.testing.assert_array_equal(fl.pc_eval(U, g, X1 + jitter[0], X2 + jitter[1]), U)
    np.testing.assert_array_equal(fl.pc_eval(U.astype(np.float32), g, -1.0, 0.0), np.float32(U[0, 0]))


def test_pc_eval_rejects():
    g = Grid(Rectangle(0, 1, 0, 1), 0.5)
    with pytest.raises(ValueError, match="grid's shape"):
        fl.pc_eval(np.ones((3, 2)), g, 0.5, 0.5)
    with pytest.raises(TypeError, match="dtype float32 or float64"):
        fl.pc_eval(np.ones((2, 2), dtype=int), g, 0.5, 0.5)
    with pytest.raises(TypeError, match="numpy.ndarray"):
        fl.pc_eval([[1.0, 2.0], [3.0, 4.0]], g, 0.5, 0.5)
    with pytest.raises(ValueError, match="finite"):
        fl.pc_eval(np.full((2, 2), np.nan), g, 0.5, 0.5)
    with pytest.raises(ValueError, match="closed rectangle"):
        fl.pc_eval(np.ones((2, 2)), g, -0.1, 0.5)
