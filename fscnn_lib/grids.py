r"""Rectangles, grids of resolution :math:`h`, piecewise constant functions and :math:`P_h`.

Section 2 of the paper works on *rectangular domains*
:math:`\Omega=(a,b)\times(c,d)` and kernel domains :math:`\Sigma=(p,q)\times(r,s)`
with :math:`0\in\Sigma` (item S2-NOT-a). The input of a valid convolution lives on
the Minkowski difference

.. math:: \Omega_\Sigma=\Omega-\Sigma=(a-q,\;b-p)\times(c-s,\;d-r),

whose side lengths are the sums of the side lengths of :math:`\Omega` and :math:`\Sigma`.

Section 3 samples functions on grids of spacing :math:`h`. A function in
:math:`PC_h(\omega)` is constant on each cell :math:`Q^h_{i,j}=x^h_{i,j}+[-h/2,h/2)^2`
around the node :math:`x^h_{i,j}`, and the sampling projection (eq. (5)) is

.. math:: P_h u=\sum_{x^h_{i,j}\in\bar\omega} u(x^h_{i,j})\,\chi_{Q^h_{i,j}} \quad\text{on }\omega .

Following editor's notes EN-13 and EN-15, a :class:`Grid` on a rectangle is either

* **cell-aligned** (``align="cell"``): the rectangle is a union of whole cells and the
  samples are the cell centres :math:`a+(i+\tfrac12)h`, ``length/h`` of them per side
  (the input domain :math:`\Omega_0`, kernel domains :math:`\Sigma_l`, padded domains
  :math:`\Omega_l'`); or
* **node-aligned** (``align="node"``): the rectangle's sides pass through nodes and the
  samples are the nodes :math:`a+ih` *including both ends*, ``length/h + 1`` per side; the
  boundary cells are half cells (inner activation domains :math:`\Omega_l`, :math:`l\ge1`).

The first array axis is the paper's first index, i.e. the :math:`x_1` direction.

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588 (2022), Sec. 2 (rectangular domains),
   Sec. 3 (grids, :math:`PC_h`, eq. (5)).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._validate import check_choice, check_int, check_positive, check_real, divides

__all__ = ["Rectangle", "Grid", "project", "cell_average", "pc_eval"]

_ALIGN = ("cell", "node")


def _real(x: object, name: str) -> float:
    """Return ``x`` as a finite float, or raise ``TypeError``/``ValueError``."""
    return check_real(x, name)


def _fmt(x: float) -> str:
    return f"{x:g}"


@dataclass(frozen=True)
class Rectangle:
    r"""The open, axis-parallel rectangle :math:`(a,b)\times(c,d)` (S2-NOT-a).

    Parameters
    ----------
    a, b : float
        The :math:`x_1`-interval, ``a < b``.
    c, d : float
        The :math:`x_2`-interval, ``c < d``.

    Raises
    ------
    TypeError
        If a bound is not a real number.
    ValueError
        If a bound is not finite or ``a >= b`` or ``c >= d``.

    Examples
    --------
    The Minkowski difference :math:`\Omega-\Sigma` adds side lengths:

    >>> omega = Rectangle(0, 1, 0, 1); sigma = Rectangle(-0.25, 0.25, -0.125, 0.125)
    >>> omega - sigma
    Rectangle (-0.25, 1.25) × (-0.125, 1.125)
    >>> (omega - sigma).width == omega.width + sigma.width
    True
    >>> sigma.contains_origin
    True
    """

    a: float
    b: float
    c: float
    d: float

    def __post_init__(self) -> None:
        for name in ("a", "b", "c", "d"):
            object.__setattr__(self, name, _real(getattr(self, name), name))
        if not self.a < self.b:
            raise ValueError(f"a rectangle (a, b) x (c, d) needs a < b, got a={self.a!r}, b={self.b!r}")
        if not self.c < self.d:
            raise ValueError(f"a rectangle (a, b) x (c, d) needs c < d, got c={self.c!r}, d={self.d!r}")
        if not (math.isfinite(self.b - self.a) and math.isfinite(self.d - self.c)):
            raise ValueError("the side lengths b - a and d - c must be finite; use smaller bounds")

    @property
    def width(self) -> float:
        """Side length in the :math:`x_1` direction, ``b - a``."""
        return self.b - self.a

    @property
    def height(self) -> float:
        """Side length in the :math:`x_2` direction, ``d - c``."""
        return self.d - self.c

    @property
    def area(self) -> float:
        """Lebesgue measure ``width * height``."""
        return self.width * self.height

    @property
    def contains_origin(self) -> bool:
        r"""Whether :math:`0\in\Sigma` (required of kernel domains in Section 2)."""
        return self.a < 0.0 < self.b and self.c < 0.0 < self.d

    def contains(self, x1: object, x2: object | None = None, *, closed: bool = False) -> bool | np.ndarray:
        r"""Whether points lie in the open rectangle (or its closure with ``closed=True``).

        Parameters
        ----------
        x1, x2 : float or array_like
            Coordinates; or pass a single point ``(x1, x2)`` as ``x1``.
        closed : bool
            Test membership in :math:`[a,b]\times[c,d]` instead.

        Returns
        -------
        bool or numpy.ndarray of bool

        Examples
        --------
        >>> r = Rectangle(0, 1, 0, 2)
        >>> r.contains((0.5, 1.5)), r.contains((1.0, 1.0)), r.contains(1.0, 1.0, closed=True)
        (True, False, True)
        """
        if x2 is None:
            pt = np.asarray(x1, dtype=float)
            if pt.shape[-1:] != (2,):
                raise ValueError(f"a point must have 2 coordinates (x1, x2), got shape {pt.shape}")
            x1, x2 = pt[..., 0], pt[..., 1]
        y1, y2 = np.asarray(x1, dtype=float), np.asarray(x2, dtype=float)
        if closed:
            inside = (self.a <= y1) & (y1 <= self.b) & (self.c <= y2) & (y2 <= self.d)
        else:
            inside = (self.a < y1) & (y1 < self.b) & (self.c < y2) & (y2 < self.d)
        return bool(inside) if np.ndim(inside) == 0 else inside

    def includes(self, other: Rectangle, *, rtol: float = 1e-9) -> bool:
        r"""Whether ``other`` lies in the closure of ``self`` (up to rounding of the corners).

        The one inclusion test of the library (the domain chains of the fsCNN, the support of
        a measure's grid approximation); the tolerance is ``rtol`` times the largest corner.

        Examples
        --------
        >>> Rectangle(0, 1, 0, 1).includes(Rectangle(0, 0.5, 0.25, 1)), Rectangle(0, 1, 0, 1).includes(Rectangle(-0.1, 1, 0, 1))
        (True, False)
        """
        if not isinstance(other, Rectangle):
            raise TypeError(f"other must be a Rectangle, got {type(other).__name__}")
        tol = rtol * max(1.0, abs(self.a), abs(self.b), abs(self.c), abs(self.d))
        return (
            other.a >= self.a - tol and other.b <= self.b + tol and other.c >= self.c - tol and other.d <= self.d + tol
        )

    def minkowski_difference(self, other: Rectangle) -> Rectangle:
        r"""The rectangle :math:`\Omega-\Sigma=(a-q,\,b-p)\times(c-s,\,d-r)` (S2-NOT-a).

        Here ``self`` is :math:`\Omega=(a,b)\times(c,d)` and ``other`` is
        :math:`\Sigma=(p,q)\times(r,s)`. It is the set of points where the input of the
        valid convolution (1) on :math:`\Omega` with a kernel on :math:`\Sigma` must be known.

        Raises
        ------
        TypeError
            If ``other`` is not a :class:`Rectangle`.
        """
        if not isinstance(other, Rectangle):
            raise TypeError(f"other must be a Rectangle, got {type(other).__name__}")
        return Rectangle(self.a - other.b, self.b - other.a, self.c - other.d, self.d - other.c)

    def __sub__(self, other: Rectangle) -> Rectangle:
        if not isinstance(other, Rectangle):
            return NotImplemented
        return self.minkowski_difference(other)

    def __repr__(self) -> str:
        return f"Rectangle ({_fmt(self.a)}, {_fmt(self.b)}) × ({_fmt(self.c)}, {_fmt(self.d)})"


@dataclass(frozen=True)
class Grid:
    r"""A grid of spacing :math:`h` on a rectangle, cell- or node-aligned (S3-GRID, EN-15).

    Parameters
    ----------
    rect : Rectangle
        The domain :math:`\omega`.
    h : float
        The spacing; it must divide both side lengths of ``rect``.
    align : {"cell", "node"}
        ``"cell"``: samples at cell centres :math:`a+(i+\tfrac12)h`, ``width/h`` per side;
        ``"node"``: samples at nodes :math:`a+ih`, ``i = 0..width/h`` (both ends included,
        half cells at the boundary).

    Attributes
    ----------
    shape : tuple of int
        ``(n1, n2)``, samples along :math:`x_1` (first array axis) and :math:`x_2`.

    Raises
    ------
    TypeError
        If ``rect`` is not a :class:`Rectangle` or ``h`` not a real number.
    ValueError
        If ``h`` is not positive or does not divide a side length, or ``align`` is unknown.

    Examples
    --------
    >>> g = Grid(Rectangle(0, 1, 0, 0.5), 0.25)
    >>> g
    Grid on (0, 1) × (0, 0.5), h = 0.25, cell-aligned, 4 × 2 samples
    >>> g.coords()[0].tolist()
    [0.125, 0.375, 0.625, 0.875]
    >>> Grid(Rectangle(0, 1, 0, 0.5), 0.25, align="node").shape
    (5, 3)
    """

    rect: Rectangle
    h: float
    align: str = "cell"

    def __init__(self, rect: Rectangle, h: float, *, align: str = "cell") -> None:
        if not isinstance(rect, Rectangle):
            raise TypeError(f"rect must be a Rectangle, got {type(rect).__name__}")
        h = check_positive(h, "h")
        check_choice(align, "align", _ALIGN)
        n1 = divides(rect.width, h)
        n2 = divides(rect.height, h)
        object.__setattr__(self, "rect", rect)
        object.__setattr__(self, "h", h)
        object.__setattr__(self, "align", align)
        extra = 1 if align == "node" else 0
        object.__setattr__(self, "shape", (n1 + extra, n2 + extra))

    @property
    def cell_area(self) -> float:
        """The area :math:`h^2` of a whole cell."""
        return self.h * self.h

    def _axis(self, lo: float, n: int) -> np.ndarray:
        # (i + 1/2) / cells * length rather than (i + 1/2) * h: exact where the ratio is
        # (e.g. 3.5 / 10 == 0.35 but 3.5 * 0.1 != 0.35), so ties land where they should
        cells = n if self.align == "cell" else n - 1
        length = self.h * cells
        if self.align == "cell":
            return lo + (np.arange(n) + 0.5) / cells * length
        return lo + np.arange(n) / max(cells, 1) * length

    def coords(self) -> tuple[np.ndarray, np.ndarray]:
        """The 1-D sample coordinates along :math:`x_1` and :math:`x_2` (float64)."""
        return self._axis(self.rect.a, self.shape[0]), self._axis(self.rect.c, self.shape[1])

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """The sample points as two arrays ``(X1, X2)`` of shape :attr:`shape` (``indexing="ij"``)."""
        c1, c2 = self.coords()
        return np.meshgrid(c1, c2, indexing="ij")

    def _bounds(self, lo: float, hi: float, n: int) -> tuple[np.ndarray, np.ndarray]:
        x = self._axis(lo, n)
        left = np.maximum(x - 0.5 * self.h, lo)
        right = np.minimum(x + 0.5 * self.h, hi)
        return left, right

    def cell_bounds(self) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        r"""Per axis, the ends of the cells :math:`Q^h_{i,j}\cap\bar\omega` of the samples.

        Returns ``((left1, right1), (left2, right2))``; for node-aligned grids the first and
        last cells are half cells.
        """
        r = self.rect
        return self._bounds(r.a, r.b, self.shape[0]), self._bounds(r.c, r.d, self.shape[1])

    def cell_areas(self) -> np.ndarray:
        r"""The areas :math:`|Q^h_{i,j}\cap\omega|`, shape :attr:`shape`; they sum to ``rect.area``."""
        (l1, r1), (l2, r2) = self.cell_bounds()
        return np.outer(r1 - l1, r2 - l2)

    def index_of(self, x1: object, x2: object) -> tuple[np.ndarray, np.ndarray]:
        r"""Indices ``(i, j)`` of the cells containing the points (half-open cells, S3-GRID).

        Cells are :math:`x+[-h/2,h/2)^2` around each sample; points on the closing edge
        :math:`x_1=b` or :math:`x_2=d` go to the last cell.

        Raises
        ------
        ValueError
            If a point is not finite or lies outside the closed rectangle.
        """
        y1, y2 = np.broadcast_arrays(np.asarray(x1, dtype=float), np.asarray(x2, dtype=float))
        if not (np.isfinite(y1).all() and np.isfinite(y2).all()):
            raise ValueError("the points x1, x2 must be finite (no NaN or inf)")
        if not np.all(self.rect.contains(y1, y2, closed=True)):
            raise ValueError(
                f"all points must lie in the closed rectangle {self.rect!r}; "
                "evaluate only inside the grid's domain"
            )
        shift = 0.0 if self.align == "cell" else 0.5
        i = np.floor((y1 - self.rect.a) / self.h + shift).astype(np.int64)
        j = np.floor((y2 - self.rect.c) / self.h + shift).astype(np.int64)
        return np.clip(i, 0, self.shape[0] - 1), np.clip(j, 0, self.shape[1] - 1)

    def __repr__(self) -> str:
        r = self.rect
        return (
            f"Grid on ({_fmt(r.a)}, {_fmt(r.b)}) × ({_fmt(r.c)}, {_fmt(r.d)}), h = {_fmt(self.h)}, "
            f"{self.align}-aligned, {self.shape[0]} × {self.shape[1]} samples"
        )


def _check_grid(grid: object) -> Grid:
    if not isinstance(grid, Grid):
        raise TypeError(f"grid must be a Grid, got {type(grid).__name__}")
    return grid


def _evaluate(u: Callable, X1: np.ndarray, X2: np.ndarray) -> np.ndarray:
    if not callable(u):
        raise TypeError(f"u must be a callable u(x1, x2) taking arrays, got {type(u).__name__}")
    vals = np.asarray(u(X1, X2))
    if vals.dtype.kind not in "biuf":
        raise TypeError(f"u must return real numbers, got dtype {vals.dtype}")
    try:
        vals = np.broadcast_to(vals, X1.shape).astype(np.float64)
    except ValueError:
        raise ValueError(
            f"u(x1, x2) must return an array broadcastable to the shape {X1.shape} of its inputs, "
            f"got shape {vals.shape}; write u with NumPy operations"
        ) from None
    if not np.isfinite(vals).all():
        raise ValueError("u returned NaN or inf at some sample point; check u's domain")
    return vals


def project(u: Callable[[np.ndarray, np.ndarray], np.ndarray], grid: Grid) -> np.ndarray:
    r"""The sampling projection :math:`P_h u` of eq. (5): the coefficients :math:`u(x^h_{i,j})`.

    .. math:: P_h u=\sum_{x^h_{i,j}\in\bar\omega} u(x^h_{i,j})\,\chi_{Q^h_{i,j}}

    For a node-aligned grid the sum runs over the nodes of the *closed* rectangle, so the
    boundary half cells get the boundary values (editor's note EN-13c).

    Parameters
    ----------
    u : callable
        ``u(x1, x2)`` evaluated on arrays (vectorised), returning real values.
    grid : Grid
        Where to sample.

    Returns
    -------
    numpy.ndarray, shape ``grid.shape``, float64
        The coefficient array ``U`` of :math:`P_h u`; use :func:`pc_eval` to evaluate the
        piecewise constant function itself.

    Raises
    ------
    TypeError
        If ``u`` is not callable or ``grid`` not a :class:`Grid`.
    ValueError
        If ``u`` returns a wrong shape or non-finite values.

    Examples
    --------
    :math:`P_h` never increases the sup norm and is exact on constants:

    >>> g = Grid(Rectangle(0, 1, 0, 1), 0.25, align="node")
    >>> U = project(lambda x1, x2: x1 - x2, g)
    >>> U.shape, float(U[4, 0]), float(abs(U).max()) <= 1.0
    ((5, 5), 1.0, True)
    """
    _check_grid(grid)
    X1, X2 = grid.points()
    return _evaluate(u, X1, X2)


def cell_average(u: Callable[[np.ndarray, np.ndarray], np.ndarray], grid: Grid, *, quad: int = 4) -> np.ndarray:
    r"""Cell averages :math:`\frac{1}{|Q\cap\omega|}\int_{Q\cap\omega}u` by the midpoint rule.

    These are the :math:`L^p`-approximations :math:`u^h\in PC_h` that Theorem 3.6 needs
    (editor's notes EN-13a and EN-21c): unlike :math:`P_h`, they converge in :math:`L^p` for
    discontinuous data. Each cell (a half or quarter cell at the boundary of a node-aligned
    grid) is split into ``quad x quad`` sub-cells whose midpoints are averaged.

    Parameters
    ----------
    u : callable
        ``u(x1, x2)`` evaluated on arrays.
    grid : Grid
    quad : int, keyword-only
        Midpoints per cell and axis, ``>= 1``.

    Returns
    -------
    numpy.ndarray, shape ``grid.shape``, float64

    Raises
    ------
    TypeError, ValueError
        As :func:`project`, and for ``quad`` not an integer ``>= 1``.

    Examples
    --------
    The midpoint rule is exact for affine functions:

    >>> g = Grid(Rectangle(0, 1, 0, 1), 0.5)
    >>> cell_average(lambda x1, x2: 2 * x1 + x2, g, quad=1).tolist()
    [[0.75, 1.25], [1.75, 2.25]]
    """
    _check_grid(grid)
    quad = check_int(quad, "quad", minimum=1)
    (l1, r1), (l2, r2) = grid.cell_bounds()
    t = (np.arange(quad) + 0.5) / quad
    q1 = (l1[:, None] + (r1 - l1)[:, None] * t[None, :]).ravel()
    q2 = (l2[:, None] + (r2 - l2)[:, None] * t[None, :]).ravel()
    X1, X2 = np.meshgrid(q1, q2, indexing="ij")
    vals = _evaluate(u, X1, X2)
    n1, n2 = grid.shape
    return vals.reshape(n1, quad, n2, quad).mean(axis=(1, 3))


def pc_eval(U: np.ndarray, grid: Grid, x1: object, x2: object) -> np.ndarray:
    r"""Evaluate the :math:`PC_h` function :math:`\sum U_{i,j}\chi_{Q_{i,j}}` at arbitrary points.

    Cells are half-open, :math:`Q=x+[-h/2,h/2)^2` (S3-GRID); points on the closing edges
    :math:`x_1=b`, :math:`x_2=d` take the value of the last cell. Composed with
    :func:`project` this is the piecewise constant function :math:`P_h u` of eq. (5).

    Parameters
    ----------
    U : numpy.ndarray, shape ``grid.shape``
        Coefficients (float32 or float64, finite).
    grid : Grid
    x1, x2 : array_like
        Points of the closed rectangle ``grid.rect`` (broadcast against each other).

    Returns
    -------
    numpy.ndarray
        The values, with the broadcast shape of ``x1`` and ``x2``.

    Raises
    ------
    TypeError
        If ``U`` is not a float NumPy array or ``grid`` not a :class:`Grid`.
    ValueError
        If ``U`` has the wrong shape or non-finite entries, or a point is outside the
        closed rectangle.

    Examples
    --------
    >>> g = Grid(Rectangle(0, 1, 0, 1), 0.5)
    >>> U = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> pc_eval(U, g, [0.1, 0.6, 1.0], [0.9, 0.2, 1.0]).tolist()
    [2.0, 3.0, 4.0]
    """
    _check_grid(grid)
    if not isinstance(U, np.ndarray):
        raise TypeError(f"U must be a numpy.ndarray of coefficients, got {type(U).__name__}")
    if U.dtype.type not in (np.float32, np.float64):
        raise TypeError(f"U must have dtype float32 or float64, got {U.dtype}; convert with .astype(np.float64)")
    if tuple(U.shape) != grid.shape:
        raise ValueError(f"U must have the grid's shape {grid.shape}, got {tuple(U.shape)}")
    if not np.isfinite(U).all():
        raise ValueError("U must contain only finite values (no NaN or inf)")
    i, j = grid.index_of(x1, x2)
    return U[i, j]
