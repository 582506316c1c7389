r"""Kernel families on the kernel domain :math:`\Sigma` (EN-7, EN-16).

* :func:`cell_to_node_kernel`: the node kernel a node-aligned activation is convolved
  with, the mean of the cells of a :math:`PC_h(\Sigma)` kernel around each node (EN-16b);
* :func:`radial_power_kernel`: cell averages of the singular kernel :math:`|y|^{-\alpha}`,
  in :math:`L^p` iff :math:`\alpha p<2` (the counterexample of EN-7a);
* :class:`CellKernel`: a kernel given by its cell values at each resolution, the way to
  hand an :math:`L^2` kernel without point values (such as the chequer) to an fsCNN;
* :func:`multiscale_chequer`: cell averages of a sum of chequerboards at every dyadic scale,
  in :math:`L^2` (indeed bounded) but not of bounded variation for :math:`\beta<1`: the
  kernels (and inputs) that test Prop. 2.1 and Thm 2.7 under their own hypotheses and
  nothing stronger (DESIGN §5a).

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588 (2022), Prop. 2.1, Thm 2.7; EN-7, EN-16.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from ._validate import check_int, check_positive, check_real

__all__ = ["cell_to_node_kernel", "radial_power_kernel", "multiscale_chequer", "CellKernel"]

_TOL = 1e-9


def _ratio(length: float, h: float) -> int | None:
    """``length / h`` if it is an integer >= 1, else None."""
    r = length / h
    n = int(round(r))
    return n if n >= 1 and abs(r - n) <= _TOL * max(1.0, r) else None


def cell_to_node_kernel(w: torch.Tensor) -> torch.Tensor:
    r"""Node values of a :math:`PC_h(\Sigma)` kernel: the mean of the four cells around each node.

    For a cell array :math:`W` of shape ``(..., n, m)`` (cells of :math:`\Sigma`, zero outside)
    returns :math:`W'_{i,j}=\tfrac14(W_{i-1,j-1}+W_{i-1,j}+W_{i,j-1}+W_{i,j})`, shape
    ``(..., n+1, m+1)``, one value per node of :math:`\bar\Sigma`. Convolving node samples
    with :math:`W'` gives the exact node values of the convolution of the node-centred
    :math:`PC_h` function with the cell kernel (EN-16b: the exact result is bilinear between
    cell centres).

    Parameters
    ----------
    w : torch.Tensor, shape (..., n, m)

    Returns
    -------
    torch.Tensor, shape (..., n + 1, m + 1)

    Examples
    --------
    The integral is kept: :math:`h^2\sum W'=h^2\sum W`.

    >>> w = torch.arange(6.0).reshape(2, 3)
    >>> wn = cell_to_node_kernel(w)
    >>> tuple(wn.shape), float(wn.sum()) == float(w.sum()), float(wn[0, 0]) == float(w[0, 0]) / 4
    ((3, 4), True, True)
    """
    lead = w.shape[:-2]
    x = w.reshape(-1, 1, w.shape[-2], w.shape[-1])
    x = F.avg_pool2d(F.pad(x, (1, 1, 1, 1)), kernel_size=2, stride=1)
    return x.reshape(*lead, x.shape[-2], x.shape[-1])


def _corner_integral(x: float, y: float, alpha: float) -> float:
    r""":math:`\int_0^x\int_0^y |z|^{-\alpha}\,dz_2\,dz_1` in polar coordinates (x, y >= 0)."""
    from scipy.integrate import quad

    if x <= 0 or y <= 0:
        return 0.0
    t0 = math.atan2(y, x)
    kw = dict(epsabs=0.0, epsrel=1e-13, limit=200)
    below = quad(lambda t: math.cos(t) ** (alpha - 2.0), 0.0, t0, **kw)[0]
    above = quad(lambda t: math.sin(t) ** (alpha - 2.0), t0, 0.5 * math.pi, **kw)[0]
    return (x ** (2.0 - alpha) * below + y ** (2.0 - alpha) * above) / (2.0 - alpha)


_UNIT_CELLS: dict[tuple[float, int], np.ndarray] = {}


def _unit_quadrant_cells(alpha: float, n: int) -> np.ndarray:
    r"""Integrals of :math:`|z|^{-\alpha}` over the unit cells :math:`[i,i+1]\times[j,j+1]`, ``0 <= i, j < n``."""
    key = (alpha, n)
    if key not in _UNIT_CELLS:
        F_ = np.zeros((n + 1, n + 1))
        for i in range(1, n + 1):
            for j in range(1, i + 1):
                F_[i, j] = F_[j, i] = _corner_integral(float(i), float(j), alpha)
        _UNIT_CELLS[key] = F_[1:, 1:] - F_[:-1, 1:] - F_[1:, :-1] + F_[:-1, :-1]
    return _UNIT_CELLS[key]


def radial_power_kernel(alpha: float, half_width: float, h: float) -> np.ndarray:
    r"""Cell averages of the singular kernel :math:`w(y)=|y|^{-\alpha}` on the cells of :math:`\Sigma=(-a,a)^2`.

    The :math:`PC_h` projection of :math:`w` by cell averages (not point values, which are
    undefined at the origin): entry ``[i, j]`` is
    :math:`h^{-2}\int_{C_{ij}}|y|^{-\alpha}dy` over the cell
    :math:`C_{ij}=(-a+ih,-a+(i+1)h)\times(-a+jh,-a+(j+1)h)`. The origin is a grid node, so the
    four cells around it carry the singularity; their averages are
    :math:`h^{-\alpha}` times a constant. The integrals are exact up to quadrature
    rounding: :math:`\int_0^x\int_0^y|z|^{-\alpha}` is an angle integral in polar
    coordinates, and each cell follows by inclusion–exclusion; by homogeneity the cell
    integrals are :math:`h^{2-\alpha}` times those of the unit grid, computed once per
    :math:`(\alpha, a/h)`.

    :math:`w\in L^p(\Sigma)` iff :math:`\alpha p<2`. This is the kernel of the
    counterexample of editor's note EN-7a: with :math:`1<\alpha<2/p`, :math:`w\in L^p` but
    :math:`w*w` is unbounded at the origin.

    Parameters
    ----------
    alpha : float
        Exponent, ``alpha < 2`` (so that :math:`w\in L^1`).
    half_width : float
        :math:`a>0`, a multiple of ``h``.
    h : float
        Cell size.

    Returns
    -------
    numpy.ndarray, shape (2a/h, 2a/h), float64
        First axis :math:`y_1`; symmetric under both reflections.

    Raises
    ------
    TypeError
        If ``alpha`` is not a real number (bools rejected).
    ValueError
        If ``alpha >= 2`` or is not finite, or ``h`` does not divide ``half_width``.

    Examples
    --------
    The integral of :math:`|y|^{-1}` over :math:`(-a,a)^2` is :math:`8a\,\mathrm{arsinh}(1)`:

    >>> w = radial_power_kernel(1.0, 0.25, 1 / 16)
    >>> w.shape, round(float(w.sum()) / 16**2, 10) == round(8 * 0.25 * math.asinh(1.0), 10)
    ((8, 8), True)
    """
    alpha = check_real(alpha, "alpha")
    if alpha >= 2.0:
        raise ValueError(f"alpha must be < 2 (|y|^-alpha must be integrable near 0 in 2D), got {alpha!r}")
    a = check_positive(half_width, "half_width")
    h = check_positive(h, "h")
    n = _ratio(a, h)
    if n is None:  # same message as before: tests and chapters match "must divide half_width"
        raise ValueError(f"h={h!r} must divide half_width={a!r} (the origin must be a grid node)")
    q = _unit_quadrant_cells(alpha, n) * h ** (-alpha)  # h^{2-alpha} * unit integral / h^2
    top = np.concatenate([q[::-1, ::-1], q[::-1, :]], axis=1)
    bottom = np.concatenate([q[:, ::-1], q], axis=1)
    return np.ascontiguousarray(np.concatenate([top, bottom], axis=0))


def multiscale_chequer(
    beta: float, half_width: float, h: float, *, levels: int | None = None
) -> np.ndarray:
    r"""Cell averages of :math:`w=\sum_{k\ge0}2^{-k\beta}c_k` on the square :math:`(-a,a)^2`.

    :math:`c_k` is the :math:`\pm1` chequerboard of :math:`2^{k+1}\times2^{k+1}` squares of
    side :math:`s_k=a\,2^{-k}` (value :math:`+1` on the square at the lower-left corner).
    In one variable, :math:`c_k(y)=r_k(y_1)r_k(y_2)` with :math:`r_k` the
    :math:`\pm1` square wave of half-period :math:`s_k`; the :math:`r_k` are orthonormal
    (Rademacher functions), hence so are the :math:`c_k`, and

    * :math:`\|w\|_{L^2}^2=4a^2\sum_k4^{-k\beta}<\infty` for every :math:`\beta>0`
      (indeed :math:`|w|\le\sum_k2^{-k\beta}`, so :math:`w` is bounded);
    * :math:`|Dc_k|` has mass of order :math:`2^k`, and :math:`w\notin BV` for
      :math:`\beta<1`: the discrete total variation of the cell averages grows like
      :math:`h^{\beta-1}`;
    * its :math:`L^2` translation modulus is of order :math:`|\tau|^{\min(\beta,1/2)}`
      (a translation by :math:`\tau` changes :math:`c_k` on a fraction
      :math:`\min(1,2^k|\tau|/a)` of the square).

    At resolution :math:`h` (with :math:`2a/h` a power of two) the levels with
    :math:`s_k\ge h` are constant on every cell and the finer ones average to zero on
    each cell, so the result is the exact :math:`PC_h` projection (cell averages, eq. (5))
    of the infinite sum: the levels :math:`k\le\log_2(a/h)`.

    Parameters
    ----------
    beta : float
        Decay exponent of the amplitudes :math:`2^{-k\beta}`, ``beta > 0``.
    half_width : float
        :math:`a>0`. The same cell array serves any square of side :math:`2a`
        (e.g. :math:`\Omega=(0,1)^2` with ``half_width=0.5``).
    h : float
        Cell size; ``2 * half_width / h`` must be a power of two, at least 2.
    levels : int, optional
        Keep only the levels ``k < levels`` (a fixed, resolution-independent function);
        by default every level the grid resolves.

    Returns
    -------
    numpy.ndarray, shape (2a/h, 2a/h), float64
        First axis :math:`y_1`.

    Raises
    ------
    TypeError
        If ``beta`` is not a real number or ``levels`` not an int.
    ValueError
        If ``beta <= 0``, or ``2 * half_width / h`` is not a power of two.

    Examples
    --------
    At :math:`h=a/2` two levels are resolved: :math:`c_0` (2 x 2 squares) and :math:`c_1`
    (4 x 4 squares, amplitude :math:`2^{-\beta}`); orthogonality gives the
    :math:`L^2` norm:

    >>> w = multiscale_chequer(1.0, 1.0, 0.5)
    >>> w.tolist()[0], w.tolist()[1]
    ([1.5, 0.5, -0.5, -1.5], [0.5, 1.5, -1.5, -0.5])
    >>> float((w ** 2).sum() * 0.5 ** 2) == 4 * (1 + 0.25)
    True
    """
    beta = check_real(beta, "beta")
    if beta <= 0:
        raise ValueError(f"beta must be > 0 (amplitudes 2^(-k beta) square-summable), got {beta!r}")
    a = check_positive(half_width, "half_width")
    h = check_positive(h, "h")
    n = _ratio(2.0 * a, h)
    if n is None or n < 2 or n & (n - 1):
        raise ValueError(
            f"2 * half_width / h must be a power of two >= 2 (dyadic levels aligned with the cells), "
            f"got 2 * {a!r} / {h!r}"
        )
    resolved = n.bit_length() - 1  # levels k = 0 .. log2(n) - 1 have squares of >= 1 cell
    if levels is not None:
        resolved = min(resolved, check_int(levels, "levels", minimum=1))
    i = np.arange(n)
    w = np.zeros((n, n))
    for k in range(resolved):
        r = 1.0 - 2.0 * ((i // (n >> (k + 1))) % 2)  # square wave with 2^(k+1) half-periods
        w += 2.0 ** (-k * beta) * np.outer(r, r)
    return w


class CellKernel:
    r"""A kernel :math:`w^l` given by its :math:`PC_h(\Sigma_l)` cell values at each resolution.

    :class:`~fscnn_lib.networks.FsCNN` samples a plain callable ``w(y1, y2)`` at the cell
    centres. For a kernel that is only in :math:`L^2` (Thm 2.7's hypothesis) point values
    are not defined, and what the grid network must convolve with is the cell average
    (:math:`P_h` of eq. (5)), e.g. :func:`multiscale_chequer`. A ``CellKernel`` wraps
    ``cells(h)``, which returns those values, shape ``(2a/h, 2a/h)`` or
    ``(C_out, C_in, 2a/h, 2a/h)`` for the kernel's half-width :math:`a`; the network
    checks the shape at every ``h``.

    Parameters
    ----------
    cells : callable
        ``cells(h) -> numpy.ndarray or torch.Tensor``.

    Examples
    --------
    >>> k = CellKernel(lambda h: multiscale_chequer(0.25, 0.25, h))
    >>> k.cells(1 / 8).shape
    (4, 4)
    """

    def __init__(self, cells: Callable[[float], np.ndarray | torch.Tensor]) -> None:
        if not callable(cells):
            raise TypeError(f"cells must be a callable h -> cell values, got {type(cells).__name__}")
        self.cells = cells

    def __repr__(self) -> str:
        return f"CellKernel({getattr(self.cells, '__name__', 'cells')})"
