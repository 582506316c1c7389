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

import numbers

import numpy as np
import torch

from ._validate import Array, check_array, check_choice, check_int

__all__ = ["fold", "reflect_pad", "zero_pad", "reflect_indices"]

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
    ValueError
        If ``alpha >= beta``.

    Examples
    --------
    >>> [float(fold(t, 0.0, 1.0)) for t in (0.25, 1.25, -0.25, 2.25)]
    [0.25, 0.75, 0.25, 0.25]
    """
    if not alpha < beta:
        raise ValueError(f"alpha must be smaller than beta, got alpha={alpha!r}, beta={beta!r}")
    ell = beta - alpha
    if isinstance(t, torch.Tensor):
        return alpha + ell - torch.abs(torch.remainder(t - alpha, 2 * ell) - ell)
    return alpha + ell - np.abs(np.mod(np.asarray(t, dtype=float) - alpha, 2 * ell) - ell)


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
