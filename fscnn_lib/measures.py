r"""Radon-measure inputs: sums of Dirac masses, their grid densities, and :math:`\mu*w`.

The paper's networks accept measures as inputs (Remark 2.2): for
:math:`\mu\in M(\Omega_\Sigma)` and a kernel :math:`w\in L^p(\Sigma)` the valid
convolution is defined by duality and, pointwise,

.. math:: (\mu*w)(x)=\int\tilde w(x-y)\,d\mu(y),\qquad
          \|\mu*w\|_{L^p(\Omega)}\le\|\mu\|_M\,\|w\|_{L^p(\Sigma)},

where :math:`\tilde w` is the zero extension of :math:`w` (S2-NOT-c). For a finite sum
of Dirac masses :math:`\mu=\sum_i a_i\delta_{y_i}` this is a sum of shifted kernel copies,
:math:`\mu*w=\sum_i a_i\tilde w(\cdot-y_i)`, with total variation
:math:`\|\mu\|_M=\sum_i|a_i|`. A single layer therefore transmits the kernel's jumps
unchanged, which is why Theorem 2.7 needs two layers.

On a grid, :meth:`DiracSum.to_grid` replaces each atom by the density that puts its whole
mass :math:`a_i` in the cell containing :math:`y_i`; this is the natural :math:`PC_h`
approximation of a measure (it converges weakly-* as :math:`h\to0`).

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588, Remark 2.2 and Section 2 (S2-NOT-e).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._validate import check_real_array
from .grids import Grid, Rectangle

__all__ = ["DiracSum", "conv_dirac"]


def _float_array(x: object, name: str) -> np.ndarray:
    arr = check_real_array(x, name)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must contain only finite values (no NaN or inf)")
    return arr


class DiracSum:
    r"""The finite signed measure :math:`\mu=\sum_{i=1}^K a_i\,\delta_{y_i}` on :math:`\mathbb R^2`.

    Parameters
    ----------
    points : array_like, shape (K, 2)
        The atoms :math:`y_i=(y_{i,1},y_{i,2})`.
    weights : array_like, shape (K,)
        The masses :math:`a_i` (any sign).

    Raises
    ------
    TypeError
        If points or weights are not real numbers.
    ValueError
        If shapes do not match, there are no atoms, or values are not finite.

    Examples
    --------
    >>> mu = DiracSum([[0.2, 0.3], [0.7, 0.7]], [2.0, -0.5])
    >>> mu
    DiracSum(2 atoms, ‖μ‖_M = 2.5)
    >>> mu.total_variation()
    2.5
    >>> float(mu.pair(lambda x1, x2: np.ones_like(x1)))   # mu applied to the constant 1
    1.5
    """

    def __init__(self, points: object, weights: object) -> None:
        pts = _float_array(points, "points")
        wts = _float_array(weights, "weights")
        if pts.ndim != 2 or pts.shape[1] != 2:
            raise ValueError(f"points must have shape (K, 2), got {pts.shape}")
        if wts.ndim != 1 or wts.shape[0] != pts.shape[0]:
            raise ValueError(
                f"weights must have shape (K,) = ({pts.shape[0]},) to match points, got {wts.shape}"
            )
        if pts.shape[0] == 0:
            raise ValueError("a DiracSum needs at least one atom, got K = 0")
        self.points = pts
        self.weights = wts

    def __len__(self) -> int:
        return int(self.weights.shape[0])

    def __repr__(self) -> str:
        return f"DiracSum({len(self)} atoms, ‖μ‖_M = {self.total_variation():g})"

    def total_variation(self) -> float:
        r"""The norm :math:`\|\mu\|_M=|\mu|(\mathbb R^2)=\sum_i|a_i|` (atoms at distinct points).

        Atoms at the same point are merged first, so cancelling masses are accounted for.
        """
        pts, inv = np.unique(self.points, axis=0, return_inverse=True)
        merged = np.zeros(pts.shape[0])
        np.add.at(merged, np.ravel(inv), self.weights)
        return float(np.abs(merged).sum())

    def pair(self, phi: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> float:
        r"""The duality pairing :math:`\langle\mu,\varphi\rangle=\sum_i a_i\varphi(y_i)`."""
        if not callable(phi):
            raise TypeError(f"phi must be a callable phi(x1, x2), got {type(phi).__name__}")
        vals = np.broadcast_to(np.asarray(phi(self.points[:, 0], self.points[:, 1]), dtype=float), (len(self),))
        return float(np.dot(self.weights, vals))

    def to_grid(self, grid: Grid) -> np.ndarray:
        r"""The :math:`PC_h` density with the mass of each atom spread over its cell.

        Cell :math:`Q` gets :math:`\sum_{y_i\in Q}a_i/|Q\cap\omega|` (that is :math:`a_i/h^2`
        for whole cells), so the integral of the density over each cell equals the mass of
        :math:`\mu` in it and the total integral equals :math:`\mu(\bar\omega)`.

        Parameters
        ----------
        grid : Grid
            Every atom must lie in the closed rectangle ``grid.rect`` (a measure in
            :math:`M(\bar\omega)`); cells are half-open as in S3-GRID.

        Returns
        -------
        numpy.ndarray, shape ``grid.shape``, float64

        Raises
        ------
        TypeError
            If ``grid`` is not a :class:`Grid`.
        ValueError
            If an atom lies outside the closed rectangle.

        Examples
        --------
        >>> from fscnn_lib.grids import Grid, Rectangle
        >>> g = Grid(Rectangle(0, 1, 0, 1), 0.25)
        >>> rho = DiracSum([[0.1, 0.1], [0.6, 0.9]], [1.0, -3.0]).to_grid(g)
        >>> float(rho[0, 0]), float(rho.sum() * g.h**2)
        (16.0, -2.0)
        """
        if not isinstance(grid, Grid):
            raise TypeError(f"grid must be a Grid, got {type(grid).__name__}")
        i, j = grid.index_of(self.points[:, 0], self.points[:, 1])
        mass = np.zeros(grid.shape)
        np.add.at(mass, (i, j), self.weights)
        return mass / grid.cell_areas()


def conv_dirac(
    mu: DiracSum,
    w: Callable[[np.ndarray, np.ndarray], np.ndarray],
    x1: object,
    x2: object,
    *,
    sigma: Rectangle,
) -> np.ndarray:
    r"""The convolution :math:`(\mu*w)(x)=\sum_i a_i\,\tilde w(x-y_i)` of Remark 2.2.

    Parameters
    ----------
    mu : DiracSum
        :math:`\mu=\sum_i a_i\delta_{y_i}`.
    w : callable
        The kernel ``w(z1, z2)`` on :math:`\Sigma` (vectorised); it is only called at points of
        the open rectangle ``sigma`` and extended by zero elsewhere (:math:`\tilde w`).
    x1, x2 : array_like
        Evaluation points (broadcast against each other).
    sigma : Rectangle, keyword-only
        The kernel's domain :math:`\Sigma`.

    Returns
    -------
    numpy.ndarray, float64
        Values with the broadcast shape of ``x1`` and ``x2``.

    Raises
    ------
    TypeError
        If ``mu`` is not a :class:`DiracSum`, ``w`` not callable or ``sigma`` not a
        :class:`Rectangle`.
    ValueError
        If points or kernel values are not finite.

    Examples
    --------
    A Dirac mass stamps a copy of the kernel, jumps included:

    >>> from fscnn_lib.grids import Rectangle
    >>> box = lambda z1, z2: np.ones_like(z1)
    >>> mu = DiracSum([[0.5, 0.5]], [3.0])
    >>> conv_dirac(mu, box, [0.5, 0.59, 0.61], 0.5, sigma=Rectangle(-0.1, 0.1, -0.1, 0.1)).tolist()
    [3.0, 3.0, 0.0]
    """
    if not isinstance(mu, DiracSum):
        raise TypeError(f"mu must be a DiracSum, got {type(mu).__name__}")
    if not callable(w):
        raise TypeError(f"w must be a callable w(z1, z2), got {type(w).__name__}")
    if not isinstance(sigma, Rectangle):
        raise TypeError(f"sigma must be a Rectangle (the kernel domain), got {type(sigma).__name__}")
    y1, y2 = np.broadcast_arrays(_float_array(x1, "x1"), _float_array(x2, "x2"))
    out = np.zeros(y1.shape)
    for (p1, p2), a in zip(mu.points, mu.weights):
        z1, z2 = y1 - p1, y2 - p2
        inside = sigma.contains(z1, z2)
        inside = np.asarray(inside, dtype=bool)
        if not inside.any():
            continue
        vals = np.broadcast_to(np.asarray(w(z1[inside], z2[inside]), dtype=float), (int(inside.sum()),))
        if not np.isfinite(vals).all():
            raise ValueError("the kernel w returned NaN or inf inside sigma")
        out[inside] += a * vals
    return out
