r"""Extension by reflection (the paper's eq. (2)) and zero padding as the contrast.

For a rectangle :math:`\omega=(a,b)\times(c,d)`, repeated reflection across its
sides extends a function :math:`u` to the whole plane. In closed form (editor's
reconstruction in ``statements.md``, item S2-REFL) it is :math:`u` composed with
the *folding map* in each coordinate,

.. math:: \psi_{[\alpha,\beta]}(t) = \alpha+\ell-\big|\big((t-\alpha)\bmod 2\ell\big)-\ell\big|,
          \qquad \ell=\beta-\alpha,

which is the identity on :math:`[\alpha,\beta]` and bounces back and forth outside.
The paper's extension operator is :math:`R_{\omega,\Omega}u = \bar u|_\Omega`.

On a pixel grid, the same operator is

* ``"symmetric"`` padding when the boundary of :math:`\omega` lies on cell edges
  (the edge pixel is repeated), and
* ``"reflect"`` padding when it passes through the grid nodes (the edge sample is
  the mirror's axis and is not repeated),

see editor's notes EN-4d and EN-15.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import numpy as np
import torch

from ._validate import Array, check_array, check_choice, check_int, check_real, check_real_array
from .grids import Rectangle
from .measures import DiracSum

__all__ = [
    "fold",
    "reflect_pad",
    "zero_pad",
    "reflect_indices",
    "reflect_extend",
    "reflect_measure",
    "tile_count",
]

_MODES = ("symmetric", "reflect")


def fold(t: Array | float, alpha: float, beta: float) -> Array | float:
    r"""The folding map :math:`\psi_{[\alpha,\beta]}` of repeated reflection (S2-REFL, item 3).

    Parameters
    ----------
    t : float or array
        Points on the real line.
    alpha, beta : float
        The interval's ends, ``alpha < beta``.

    Returns
    -------
    float or array
        :math:`\psi_{[\alpha,\beta]}(t)\in[\alpha,\beta]`.

    Raises
    ------
    TypeError
        If ``alpha`` or ``beta`` is not a real number, or ``t`` holds no real numbers
        (a string, None, a bool, complex or integer-free data).
    ValueError
        If ``alpha >= beta``, they are not finite, or ``t`` has NaN or inf entries.

    Examples
    --------
    >>> [float(fold(t, 0.0, 1.0)) for t in (0.25, 1.25, -0.25, 2.25)]
    [0.25, 0.75, 0.25, 0.25]
    """
    alpha, beta = check_real(alpha, "alpha"), check_real(beta, "beta")
    if not alpha < beta:
        raise ValueError(f"alpha must be smaller than beta, got alpha={alpha!r}, beta={beta!r}")
    ell = float(beta) - float(alpha)
    if not np.isfinite(2 * ell):
        raise ValueError(f"the interval [alpha, beta] is too long to fold, got length {ell!r}")
    if isinstance(t, torch.Tensor):
        if not t.is_floating_point():
            raise TypeError(f"t must be a real number or a float array, got a tensor of dtype {t.dtype}")
        if not bool(torch.isfinite(t).all()):
            raise ValueError("t must contain only finite values (no NaN or inf)")
        out = alpha + ell - torch.abs(torch.remainder(t - alpha, 2 * ell) - ell)
        if not bool(torch.isfinite(out).all()):
            raise ValueError(f"the interval [{alpha!r}, {beta!r}] is too long for t's dtype {t.dtype}; use float64")
        return out
    arr = check_real_array(t, "t")
    if not np.isfinite(arr).all():
        raise ValueError("t must contain only finite values (no NaN or inf)")
    out = alpha + ell - np.abs(np.mod(arr - alpha, 2 * ell) - ell)
    return float(out) if out.ndim == 0 and not isinstance(t, np.ndarray) else out


def reflect_indices(n: int, before: int, after: int, *, mode: str = "symmetric") -> np.ndarray:
    """Source indices of a reflection-padded axis of length ``n`` (any pad, folded repeatedly).

    Parameters
    ----------
    n : int
        Length of the axis (``n >= 1`` for ``"symmetric"``, ``n >= 2`` for ``"reflect"``).
    before, after : int
        Samples added before and after, ``>= 0``.
    mode : {"symmetric", "reflect"}
        Cell-aligned or node-aligned mirror lines.

    Returns
    -------
    numpy.ndarray of int, shape (before + n + after,)

    Examples
    --------
    >>> reflect_indices(3, 2, 2).tolist()
    [1, 0, 0, 1, 2, 2, 1]
    >>> reflect_indices(3, 2, 2, mode="reflect").tolist()
    [2, 1, 0, 1, 2, 1, 0]
    """
    check_int(n, "n", minimum=1)
    check_int(before, "before", minimum=0)
    check_int(after, "after", minimum=0)
    check_choice(mode, "mode", _MODES)
    i = np.arange(-before, n + after)
    if mode == "symmetric":
        j = np.mod(i, 2 * n)
        return np.where(j >= n, 2 * n - 1 - j, j)
    if n < 2:
        raise ValueError(f"mode='reflect' needs at least 2 samples per axis, got {n}; use mode='symmetric'")
    period = 2 * (n - 1)
    j = np.mod(i, period)
    return np.where(j >= n, period - j, j)


def _normalise_pad(pad: object) -> tuple[int, int, int, int]:
    if isinstance(pad, bool):
        raise TypeError("pad must be an int or a tuple (top, bottom, left, right) of ints, got bool")
    if isinstance(pad, numbers.Integral):
        p = check_int(pad, "pad", minimum=0)
        return (p, p, p, p)
    if isinstance(pad, (tuple, list)):
        if len(pad) != 4:
            raise ValueError(f"pad must have 4 entries (top, bottom, left, right), got {len(pad)}")
        return tuple(check_int(p, "pad", minimum=0) for p in pad)  # type: ignore[return-value]
    raise TypeError(f"pad must be an int or a tuple (top, bottom, left, right) of ints, got {type(pad).__name__}")


def reflect_pad(u: Array, pad: int | tuple[int, int, int, int], *, mode: str = "symmetric") -> Array:
    r"""Discrete extension by reflection, the paper's :math:`R_{\omega,\Omega}` (eq. (2)) on a grid.

    Pads the last two axes. Pads wider than the image reflect repeatedly, as the
    continuous operator does (the folding map :func:`fold`).

    Parameters
    ----------
    u : numpy.ndarray or torch.Tensor, shape (..., N, M)
        Samples of :math:`u` on :math:`\omega`.
    pad : int or tuple of 4 ints
        Samples added on each side, or ``(top, bottom, left, right)``.
    mode : {"symmetric", "reflect"}
        ``"symmetric"``: mirror lines on cell edges (cell-aligned :math:`\omega`);
        ``"reflect"``: mirror lines through the outer samples (node-aligned :math:`\omega`).

    Returns
    -------
    numpy.ndarray or torch.Tensor, shape (..., N + top + bottom, M + left + right)

    Raises
    ------
    TypeError, ValueError
        For invalid arrays, pads or modes.

    Examples
    --------
    >>> import numpy as np
    >>> u = np.arange(3.0)[None, :].repeat(2, axis=0)
    >>> reflect_pad(u, (0, 0, 2, 2))[0].tolist()
    [1.0, 0.0, 0.0, 1.0, 2.0, 2.0, 1.0]
    >>> bool(np.array_equal(reflect_pad(u, 2), np.pad(u, 2, mode="symmetric")))
    True
    """
    check_array(u, "u", min_ndim=2, finite=False)
    check_choice(mode, "mode", _MODES)
    top, bottom, left, right = _normalise_pad(pad)
    N, M = int(u.shape[-2]), int(u.shape[-1])
    rows = reflect_indices(N, top, bottom, mode=mode)
    cols = reflect_indices(M, left, right, mode=mode)
    if isinstance(u, torch.Tensor):
        r = torch.as_tensor(rows, device=u.device)
        c = torch.as_tensor(cols, device=u.device)
        return u.index_select(-2, r).index_select(-1, c)
    return u[..., rows, :][..., :, cols]


def zero_pad(u: Array, pad: int | tuple[int, int, int, int]) -> Array:
    """Zero padding (extension by 0), the contrast to reflection: it creates a jump at the border.

    Parameters
    ----------
    u : numpy.ndarray or torch.Tensor, shape (..., N, M)
    pad : int or tuple of 4 ints
        As in :func:`reflect_pad`.

    Examples
    --------
    >>> import numpy as np
    >>> zero_pad(np.ones((1, 2)), (0, 0, 1, 1)).tolist()
    [[0.0, 1.0, 1.0, 0.0]]
    """
    check_array(u, "u", min_ndim=2, finite=False)
    top, bottom, left, right = _normalise_pad(pad)
    if isinstance(u, torch.Tensor):
        return torch.nn.functional.pad(u, (left, right, top, bottom))
    widths = [(0, 0)] * (u.ndim - 2) + [(top, bottom), (left, right)]
    return np.pad(u, widths)


def reflect_extend(
    u: Callable[[np.ndarray, np.ndarray], np.ndarray], omega: Rectangle
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    r"""The continuous extension by reflection :math:`\bar u` of eq. (2), as a callable.

    .. math:: \bar u(x_1,x_2)=u\big(\psi_{[a,b]}(x_1),\,\psi_{[c,d]}(x_2)\big)

    with the folding map :func:`fold` (S2-REFL, item 3); restricted to a rectangle
    :math:`\Omega\supset\omega` it is :math:`R_{\omega,\Omega}u`. Sampling it on a grid
    that extends a grid of :math:`\omega` gives the discrete padding :func:`reflect_pad`:
    ``mode="symmetric"`` for cell-aligned grids (sample points at cell centres) and
    ``mode="reflect"`` for node-aligned grids (editor's notes EN-4d, EN-15).

    Parameters
    ----------
    u : callable
        ``u(x1, x2)`` defined (at least) on the closed rectangle :math:`\bar\omega`,
        vectorised over NumPy arrays.
    omega : Rectangle
        The domain :math:`\omega=(a,b)\times(c,d)` whose sides are the mirror lines.

    Returns
    -------
    callable
        ``ubar(x1, x2)`` defined on the whole plane.

    Raises
    ------
    TypeError
        If ``u`` is not callable or ``omega`` not a :class:`~fscnn_lib.grids.Rectangle`.

    Examples
    --------
    Sampling the reflection at cell centres reproduces symmetric padding:

    >>> import numpy as np
    >>> from fscnn_lib.grids import Rectangle
    >>> omega = Rectangle(0, 1, 0, 1); u = lambda x1, x2: x1 + 10 * x2
    >>> centres = (np.arange(-2, 6) + 0.5) / 4        # 4 cells in omega, 2 more each side
    >>> X1, X2 = np.meshgrid(centres, centres, indexing="ij")
    >>> inner = u(*np.meshgrid(centres[2:6], centres[2:6], indexing="ij"))
    >>> bool(np.allclose(reflect_extend(u, omega)(X1, X2), reflect_pad(inner, 2)))
    True
    """
    if not callable(u):
        raise TypeError(f"u must be a callable u(x1, x2), got {type(u).__name__}")
    if not isinstance(omega, Rectangle):
        raise TypeError(f"omega must be a Rectangle, got {type(omega).__name__}")

    def ubar(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
        return u(fold(x1, omega.a, omega.b), fold(x2, omega.c, omega.d))

    ubar.__doc__ = f"The extension by reflection of u across the sides of {omega!r} (eq. (2))."
    return ubar


def _tiles_1d(alpha: float, beta: float, lo: float, hi: float) -> int:
    """Number of intervals (alpha + k*ell, alpha + (k+1)*ell), k integer, that meet (lo, hi)."""
    ell = beta - alpha
    q_lo, q_hi = (lo - alpha) / ell, (hi - alpha) / ell
    # snap quotients that are integers up to rounding, so that whole tiles are not over-counted
    r_lo, r_hi = round(q_lo), round(q_hi)
    q_lo = r_lo if abs(q_lo - r_lo) <= 1e-9 * max(1.0, abs(q_lo)) else q_lo
    q_hi = r_hi if abs(q_hi - r_hi) <= 1e-9 * max(1.0, abs(q_hi)) else q_hi
    return int(math.ceil(q_hi) - math.floor(q_lo))


def tile_count(omega: Rectangle, big: Rectangle) -> int:
    r"""The number :math:`K` of reflected copies of :math:`\omega` that meet :math:`\Omega` (S2-REFL, item 5).

    Repeated reflection tiles the plane with the rectangles
    :math:`(a+k\ell_1,a+(k+1)\ell_1)\times(c+m\ell_2,c+(m+1)\ell_2)`, :math:`k,m\in\mathbb Z`,
    :math:`\ell_1=b-a`, :math:`\ell_2=d-c`; on each tile :math:`\bar u` is a mirrored copy of
    :math:`u`. ``tile_count`` counts the tiles whose (open) intersection with
    :math:`\Omega` is nonempty. This is the constant in the editor's bounds

    .. math:: \|R_{\omega,\Omega}u\|_{L^p(\Omega)}^p\le K\,\|u\|_{L^p(\omega)}^p,\qquad
              \|D R_{\omega,\Omega}u\|_{L^p(\Omega)}^p\le K\,\|Du\|_{L^p(\omega)}^p,\qquad
              |DR_{\omega,\Omega}u|(\Omega)\le K\,|Du|(\omega),

    with equality in the first two when :math:`\Omega` is a union of whole tiles.

    Parameters
    ----------
    omega : Rectangle
        The domain :math:`\omega` whose sides are the mirror lines.
    big : Rectangle
        The target :math:`\Omega\supset\omega` (editor's note EN-4a).

    Returns
    -------
    int
        :math:`K=K_1K_2\ge1`, the product of the counts along :math:`x_1` and :math:`x_2`.

    Raises
    ------
    TypeError
        If an argument is not a :class:`~fscnn_lib.grids.Rectangle`.
    ValueError
        If ``omega`` is not contained in ``big``.

    Examples
    --------
    A margin of half a side on every side meets 3 x 3 tiles; two whole sides on the right, 3 x 1:

    >>> from fscnn_lib.grids import Rectangle
    >>> omega = Rectangle(0, 1, 0, 1)
    >>> tile_count(omega, Rectangle(-0.5, 1.5, -0.5, 1.5)), tile_count(omega, Rectangle(0, 3, 0, 1))
    (9, 3)
    """
    for name, r in (("omega", omega), ("big", big)):
        if not isinstance(r, Rectangle):
            raise TypeError(f"{name} must be a Rectangle, got {type(r).__name__}")
    if not big.includes(omega):
        raise ValueError(f"omega {omega!r} must lie inside big {big!r} (R is defined for omega in Omega, EN-4a)")
    return _tiles_1d(omega.a, omega.b, big.a, big.b) * _tiles_1d(omega.c, omega.d, big.c, big.d)


def _images_1d(t: np.ndarray, alpha: float, beta: float, lo: float, hi: float) -> list[np.ndarray]:
    """All points s in [lo, hi] with fold(s) = t, one array per reflected copy (1-D)."""
    ell = beta - alpha
    kmin = int(np.floor((lo - alpha) / (2 * ell))) - 1
    kmax = int(np.ceil((hi - alpha) / (2 * ell))) + 1
    out = []
    for k in range(kmin, kmax + 1):
        out.append(alpha + 2 * k * ell + (t - alpha))   # translated copy
        out.append(alpha + 2 * k * ell - (t - alpha))   # mirrored copy
    return out


def _unique_tol(x: np.ndarray) -> np.ndarray:
    """Sorted unique values, merging those that differ by rounding only."""
    x = np.sort(x)
    tol = 1e-12 * max(1.0, float(np.abs(x).max()))
    keep = np.concatenate(([True], np.diff(x) > tol))
    return x[keep]


def reflect_measure(mu: DiracSum, omega: Rectangle, big: Rectangle) -> DiracSum:
    r"""The extension by reflection :math:`R_{\omega,\Omega}\mu` of a Dirac sum (S2-REFL, item 2).

    Each atom :math:`a\,\delta_y` with :math:`y\in\bar\omega` is copied to every mirror image
    of :math:`y` in the tiles of the reflected plane, keeping the images in the closed
    rectangle :math:`\bar\Omega`. An atom on a mirror line coincides with its mirror image and
    is counted once (the half-open convention of editor's note EN-4b), so that
    :math:`\bar\mu` restricted to each tile is a copy of :math:`\mu`.

    Parameters
    ----------
    mu : DiracSum
        Atoms in the closed rectangle :math:`\bar\omega`.
    omega : Rectangle
        The domain :math:`\omega` whose sides are the mirror lines.
    big : Rectangle
        The target :math:`\Omega\supset\omega` (editor's note EN-4a).

    Returns
    -------
    DiracSum

    Raises
    ------
    TypeError
        For arguments of the wrong type.
    ValueError
        If ``omega`` is not contained in ``big`` or an atom lies outside :math:`\bar\omega`.

    Examples
    --------
    Reflecting into a rectangle made of 3 x 3 tiles multiplies the mass by 9:

    >>> from fscnn_lib.grids import Rectangle
    >>> from fscnn_lib.measures import DiracSum
    >>> mu = DiracSum([[0.25, 0.5]], [2.0])
    >>> rmu = reflect_measure(mu, Rectangle(0, 1, 0, 1), Rectangle(-1, 2, -1, 2))
    >>> len(rmu), rmu.total_variation()
    (9, 18.0)
    """
    if not isinstance(mu, DiracSum):
        raise TypeError(f"mu must be a DiracSum, got {type(mu).__name__}")
    for name, r in (("omega", omega), ("big", big)):
        if not isinstance(r, Rectangle):
            raise TypeError(f"{name} must be a Rectangle, got {type(r).__name__}")
    if not big.includes(omega):
        raise ValueError(f"omega {omega!r} must lie inside big {big!r} (R is defined for omega in Omega, EN-4a)")
    y1, y2 = mu.points[:, 0], mu.points[:, 1]
    if not np.all(omega.contains(y1, y2, closed=True)):
        raise ValueError(f"all atoms of mu must lie in the closed rectangle {omega!r}")
    pts, wts = [], []
    for idx in range(len(mu)):
        s1 = _unique_tol(np.array(_images_1d(y1[idx], omega.a, omega.b, big.a, big.b)))
        s2 = _unique_tol(np.array(_images_1d(y2[idx], omega.c, omega.d, big.c, big.d)))
        s1 = s1[(s1 >= big.a) & (s1 <= big.b)]
        s2 = s2[(s2 >= big.c) & (s2 <= big.d)]
        for p1 in s1:
            for p2 in s2:
                pts.append((p1, p2))
                wts.append(mu.weights[idx])
    return DiracSum(np.array(pts), np.array(wts))
