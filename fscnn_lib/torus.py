r"""Fourier series of grid samples on the torus (Remark 2.9, editor's notes EN-9a/b).

Nodes and cell centres of :math:`\mathbb T_\Lambda=\mathbb R^2/(2\Lambda\mathbb Z)^2`,
FFT Fourier coefficients of samples, the weighted partial sums
:math:`\sum_{|n|_\infty\le K}(1+|n|^2)^k|\hat v_n|^2`, the periodic convolution on a grid
and the periodic extension used to transfer it to the valid convolution.

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588, Remark 2.9; editor's note EN-9.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

from ._validate import check_array, check_int, check_positive, check_real

__all__ = [
    "torus_nodes",
    "torus_cell_centres",
    "fourier_coefficients",
    "weighted_partial_sums",
    "periodic_convolution",
    "periodic_extend",
]


def _check_nonnegative(x: object, name: str) -> float:
    return check_real(x, name, minimum=0.0)


def _check_radii(radii: object) -> list[int]:
    if isinstance(radii, numbers.Integral) and not isinstance(radii, bool):
        radii = [radii]
    if isinstance(radii, (str, bytes)) or not isinstance(radii, (Sequence, np.ndarray)):
        raise TypeError(f"radii must be an int or a sequence of ints, got {type(radii).__name__}")
    out = [check_int(r, "radii entry", minimum=0) for r in radii]
    if not out:
        raise ValueError("radii must not be empty")
    return out


def torus_nodes(N: int, Lambda: float = 1.0) -> np.ndarray:
    r"""The ``N`` periodic nodes :math:`x_j=-\Lambda+2\Lambda j/N`, :math:`j=0,\dots,N-1`.

    Examples
    --------
    >>> torus_nodes(4).tolist()
    [-1.0, -0.5, 0.0, 0.5]
    """
    N = check_int(N, "N", minimum=1)
    Lambda = check_positive(Lambda, "Lambda")
    return -Lambda + 2 * Lambda * np.arange(N) / N


def torus_cell_centres(N: int, Lambda: float = 1.0) -> np.ndarray:
    r"""Centres :math:`-\Lambda+h(j+\tfrac12)` of the ``N`` cells of :math:`(-\Lambda,\Lambda)`, :math:`h=2\Lambda/N`.

    Examples
    --------
    >>> torus_cell_centres(4).tolist()
    [-0.75, -0.25, 0.25, 0.75]
    """
    N = check_int(N, "N", minimum=1)
    Lambda = check_positive(Lambda, "Lambda")
    return -Lambda + 2 * Lambda * (np.arange(N) + 0.5) / N


def _check_square_even(v: np.ndarray, name: str) -> int:
    if v.ndim != 2 or v.shape[0] != v.shape[1]:
        raise ValueError(f"{name} must be a square 2-D array (N, N), got shape {v.shape}")
    N = int(v.shape[0])
    if N % 2:
        raise ValueError(f"{name} must have an even side N, got N = {N}")
    return N


def fourier_coefficients(
    v: np.ndarray, Lambda: float = 1.0, *, endpoint: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    r"""Fourier coefficients :math:`\hat v_n`, :math:`|n_i|<N/2`, from samples at :func:`torus_nodes`.

    The trapezoidal rule for :math:`(2\Lambda)^{-2}\int v\,e^{-i\pi n\cdot x/\Lambda}dx` on
    the node grid is a DFT: :math:`\hat v_n\approx(-1)^{n_1+n_2}N^{-2}\,\mathrm{DFT}(v)_n`;
    exact for trigonometric polynomials with :math:`|n_i|<N/2`, otherwise it adds the
    aliases :math:`\sum_{l\ne0}\hat v_{n+lN}`. For a function that is not periodic, pass
    the closed grid (``endpoint=True``, :math:`N+1` samples per side including
    :math:`x=\Lambda`): the two ends are then averaged (the trapezoidal weights
    :math:`\tfrac12`), the value to which the Fourier series converges at a jump of the
    periodic extension, and the aliasing error stays small.

    Parameters
    ----------
    v : numpy.ndarray, shape (N, N), N even (or (N+1, N+1) with ``endpoint=True``)
        Samples :math:`v(x_{j_1},x_{j_2})` at the nodes.
    Lambda : float
        Half-width of the torus.
    endpoint : bool
        Whether the samples include the right ends :math:`x_i=\Lambda`.

    Returns
    -------
    freqs : numpy.ndarray of int, shape (N,)
        :math:`-N/2,\dots,N/2-1`.
    coeffs : numpy.ndarray of complex, shape (N, N)
        ``coeffs[a, b]`` is :math:`\hat v_{(freqs[a], freqs[b])}`.

    Examples
    --------
    >>> x = torus_nodes(8)
    >>> v = np.cos(np.pi * 3 * x)[:, None] * np.ones(8)[None, :]
    >>> f, c = fourier_coefficients(v)
    >>> c[f == 3][:, f == 0].real.round(12).tolist(), c[f == -3][:, f == 0].real.round(12).tolist()
    ([[0.5]], [[0.5]])
    """
    check_array(v, "v", min_ndim=2)
    if not isinstance(v, np.ndarray):
        raise TypeError(f"v must be a numpy.ndarray, got {type(v).__name__}")
    check_positive(Lambda, "Lambda")
    if not isinstance(endpoint, bool):
        raise TypeError(f"endpoint must be a bool, got {type(endpoint).__name__}")
    if endpoint:
        if v.ndim != 2 or v.shape[0] != v.shape[1] or v.shape[0] % 2 != 1 or v.shape[0] < 3:
            raise ValueError(f"with endpoint=True, v must be (N+1, N+1) with N even, got shape {v.shape}")
        v = v.astype(np.float64, copy=True) if np.isrealobj(v) else v.copy()
        v[0, :] = 0.5 * (v[0, :] + v[-1, :])
        v = v[:-1, :]
        v[:, 0] = 0.5 * (v[:, 0] + v[:, -1])
        v = v[:, :-1]
    N = _check_square_even(v, "v")
    freqs = np.arange(-N // 2, N // 2)
    spec = np.fft.fftshift(np.fft.fft2(v)) / N**2
    sign = (-1.0) ** freqs
    return freqs, spec * sign[:, None] * sign[None, :]


def weighted_partial_sums(
    coeffs: np.ndarray, freqs: np.ndarray, k: float, radii: Sequence[int] | int
) -> np.ndarray:
    r"""Partial sums :math:`\sum_{\max(|n_1|,|n_2|)\le K}(1+|n|^2)^k|\hat v_n|^2` for ``K`` in ``radii``.

    The squared :math:`H^k_{\rm per}` norm (truncated) of a function with the given
    Fourier coefficients; for :math:`v\in H^k_{\rm per}` the sums converge as :math:`K\to\infty`.

    Parameters
    ----------
    coeffs : complex array, shape (N, N)
        As returned by :func:`fourier_coefficients`.
    freqs : int array, shape (N,)
        The frequencies of the rows/columns.
    k : float
        Sobolev order ``k >= 0``.
    radii : int or sequence of int
        Truncations, each at most ``max(|freqs|)``.

    Returns
    -------
    numpy.ndarray of float, shape (len(radii),)

    Examples
    --------
    >>> f = np.arange(-4, 4); c = np.zeros((8, 8)); c[4 + 1, 4] = c[4 - 1, 4] = 0.5
    >>> weighted_partial_sums(c, f, 1, [0, 1, 3]).tolist()
    [0.0, 1.0, 1.0]
    """
    coeffs = np.asarray(coeffs)
    freqs = np.asarray(freqs)
    if coeffs.ndim != 2 or coeffs.shape[0] != coeffs.shape[1] or freqs.shape != (coeffs.shape[0],):
        raise ValueError(
            f"coeffs must be (N, N) and freqs (N,), got shapes {coeffs.shape} and {freqs.shape}"
        )
    if not np.issubdtype(freqs.dtype, np.integer):
        raise TypeError(f"freqs must be integers, got dtype {freqs.dtype}")
    k = _check_nonnegative(k, "k")
    radii = _check_radii(radii)
    kmax = int(np.max(np.abs(freqs)))
    if max(radii) > kmax:
        raise ValueError(f"radii must not exceed the largest frequency {kmax}, got {max(radii)}")
    n_sq = freqs[:, None] ** 2 + freqs[None, :] ** 2
    terms = (1.0 + n_sq) ** k * np.abs(coeffs) ** 2
    shell = np.maximum(np.abs(freqs)[:, None], np.abs(freqs)[None, :]).ravel()
    cum = np.cumsum(np.bincount(shell, weights=terms.ravel(), minlength=kmax + 1))
    return cum[radii]


def periodic_convolution(u: np.ndarray, w: np.ndarray, Lambda: float = 1.0) -> np.ndarray:
    r"""Periodic convolution :math:`(u\circledast w)(x)=\int_{(-\Lambda,\Lambda)^2}u(x-y)w(y)\,dy` on the nodes.

    With samples at :func:`torus_nodes` (spacing :math:`h=2\Lambda/N`) the trapezoidal rule
    gives :math:`(u\circledast w)(x_i)\approx h^2\sum_j u(x_i-y_j)w(y_j)`; since
    :math:`x_i-y_j=x_{i-j+N/2}`, this is a circular convolution shifted by :math:`N/2`,
    computed with the FFT. Exact for trigonometric polynomials with :math:`|n_i|<N/2`.

    Parameters
    ----------
    u, w : numpy.ndarray, shape (N, N), N even
        Samples at the nodes.
    Lambda : float
        Half-width of the torus.

    Returns
    -------
    numpy.ndarray, shape (N, N)

    Examples
    --------
    Convolving with the constant 1 integrates: the result is the mean of u times (2 Lambda)^2.

    >>> x = torus_nodes(8); u = 1 + np.cos(np.pi * x)[:, None] * np.ones(8)
    >>> bool(np.allclose(periodic_convolution(u, np.ones((8, 8))), 4.0))
    True
    """
    for name, a in (("u", u), ("w", w)):
        check_array(a, name, min_ndim=2)
        if not isinstance(a, np.ndarray):
            raise TypeError(f"{name} must be a numpy.ndarray, got {type(a).__name__}")
    Lambda = check_positive(Lambda, "Lambda")
    N = _check_square_even(u, "u")
    if w.shape != u.shape:
        raise ValueError(f"u and w must have the same shape, got {u.shape} and {w.shape}")
    h = 2 * Lambda / N
    circ = np.real(np.fft.ifft2(np.fft.fft2(u) * np.fft.fft2(w)))
    return h * h * np.roll(circ, shift=(-N // 2, -N // 2), axis=(0, 1))


def periodic_extend(u: np.ndarray, pad: int) -> np.ndarray:
    r"""The periodic extension :math:`u_{\rm per}` of samples, ``pad`` cells on every side.

    Samples of one period (cell-aligned, e.g. :func:`torus_cell_centres`) become samples of
    :math:`u_{\rm per}` on a square larger by ``pad`` cells per side; the valid convolution
    of this with a kernel on :math:`\Sigma=(-\Lambda,\Lambda)^2` is the periodic convolution
    (editor's note EN-9b).

    Examples
    --------
    >>> periodic_extend(np.array([[1.0, 2.0], [3.0, 4.0]]), 1)[0].tolist()
    [4.0, 3.0, 4.0, 3.0]
    """
    check_array(u, "u", min_ndim=2)
    if not isinstance(u, np.ndarray):
        raise TypeError(f"u must be a numpy.ndarray, got {type(u).__name__}")
    pad = check_int(pad, "pad", minimum=0)
    width = [(0, 0)] * (u.ndim - 2) + [(pad, pad), (pad, pad)]
    return np.pad(u, width, mode="wrap")
