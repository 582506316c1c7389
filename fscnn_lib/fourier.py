r"""Fourier series on the torus and the construction behind Remark 2.9 (no free smoothness).

Remark 2.9 of the paper says that convolving with an :math:`L^2` kernel gives no fixed
Sobolev gain: for every :math:`k\ge 0` and :math:`s>0` there are :math:`u\in H^k` and
:math:`w\in L^2` with :math:`u*w\notin H^{k+s}`. The argument runs on the torus
:math:`\mathbb T_\Lambda=\mathbb R^2/(2\Lambda\mathbb Z)^2` (the paper writes :math:`L` for
the half-width :math:`\Lambda`, a clash with the number of layers; editor's note EN-2). With

.. math:: \hat v_n = (2\Lambda)^{-2}\int_{(-\Lambda,\Lambda)^2} v(x)\,e^{-i\pi n\cdot x/\Lambda}\,dx,
          \qquad n\in\mathbb Z^2,

the periodic Sobolev space is :math:`H^k_{\rm per}=\{v:\ \sum_n(1+|n|^2)^k|\hat v_n|^2<\infty\}`
and this weighted sum is the squared norm used throughout this module.

The construction (editor's note EN-9): strictly increasing odd frequency maps
:math:`n_i:\mathbb Z\to\mathbb Z`, here :math:`n_i(t)=t(1+t^2)^\beta` with an integer
:math:`\beta` such that :math:`(2\beta+1)s>3` (or the exponential map
:math:`\operatorname{sign}(t)(2^{|t|}-1)`, which serves every :math:`s` at once), the sparse
frequencies :math:`n_m=(n_1(m_1),n_2(m_2))`, and the coefficients

.. math:: \hat u_{n_m}=\frac{1+|m|^2}{(1+|n_m|^2)^{(k+s)/2}},\qquad
          \hat w_{n_m}=\frac{1}{1+|m|^2},\qquad
          \widehat{(u\circledast w)}_{n_m}=(2\Lambda)^2\hat u_{n_m}\hat w_{n_m}
          =\frac{4\Lambda^2}{(1+|n_m|^2)^{(k+s)/2}},

all other coefficients zero. Then :math:`\|u\|_{H^k}^2=\sum_m(1+|m|^2)^2(1+|n_m|^2)^{-s}<\infty`,
:math:`\|w\|_{L^2}^2=\sum_m(1+|m|^2)^{-2}<\infty`, but every term of
:math:`\|u\circledast w\|_{H^{k+s}}^2` equals :math:`16\Lambda^4`, so the partial sum over
:math:`\max(|m_1|,|m_2|)\le R` is exactly :math:`16\Lambda^4(2R+1)^2`.

:class:`NoGainConstruction` holds the construction (coefficients, numeric and exact SymPy
partial sums, convergence verdicts, synthesis on a grid); the free functions compute
Fourier coefficients of grid samples with the FFT, weighted partial sums, and the periodic
convolution on a grid (used for EN-9a, periodic versus non-periodic :math:`H^k`, and
EN-9b, the transfer to the valid convolution).

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588 (the paper this library accompanies),
   Remark 2.9; editor's notes EN-2 and EN-9 of the book.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy as sp

from ._validate import check_array, check_choice, check_int, check_positive

__all__ = [
    "choose_beta",
    "frequency_map",
    "lattice_series_converges",
    "NoGainConstruction",
    "torus_nodes",
    "torus_cell_centres",
    "fourier_coefficients",
    "weighted_partial_sums",
    "periodic_convolution",
    "periodic_extend",
]

_KINDS = ("polynomial", "exponential")
_WHICH = ("u", "w", "conv")
_SUM_NAMES = ("u_Hk", "w_L2", "conv_Hk", "conv_Hks")


def _check_nonnegative(x: object, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}")
    value = float(x)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be >= 0 and finite, got {x!r}")
    return value


def _check_radii(radii: object) -> list[int]:
    if isinstance(radii, numbers.Integral) and not isinstance(radii, bool):
        radii = [radii]
    if isinstance(radii, (str, bytes)) or not isinstance(radii, (Sequence, np.ndarray)):
        raise TypeError(f"radii must be an int or a sequence of ints, got {type(radii).__name__}")
    out = [check_int(r, "radii entry", minimum=0) for r in radii]
    if not out:
        raise ValueError("radii must not be empty")
    return out


def _exact_fraction(x: float) -> Fraction:
    """``x`` as the exact fraction of the decimal it prints as (``0.2`` -> ``1/5``)."""
    return Fraction(repr(float(x)))


def choose_beta(s: float) -> int:
    r"""The smallest integer :math:`\beta\ge0` with :math:`(2\beta+1)s>3`.

    With this :math:`\beta` the frequencies :math:`n_i(t)=t(1+t^2)^\beta` are sparse enough
    for :math:`u\in H^k` in Remark 2.9 (editor's note EN-9). The comparison is exact, with
    ``s`` read as the decimal it prints as (``0.2`` is :math:`1/5`, so ``choose_beta(0.2)``
    is 8: :math:`15\cdot\tfrac15=3` is not enough).

    Parameters
    ----------
    s : float
        The Sobolev gain to be ruled out, ``s > 0``.

    Returns
    -------
    int
        :math:`\beta`.

    Raises
    ------
    TypeError
        If ``s`` is not a real number.
    ValueError
        If ``s`` is not positive and finite.

    Examples
    --------
    >>> [choose_beta(s) for s in (0.2, 0.25, 0.5, 1.0, 2.0, 3.0, 3.5)]
    [8, 6, 3, 2, 1, 1, 0]
    >>> all((2 * choose_beta(s) + 1) * s > 3 for s in (0.1, 0.3, 0.7, 1.5))
    True
    """
    s = check_positive(s, "s")
    exact = _exact_fraction(s)
    beta = max(0, int(math.floor((3 / exact - 1) / 2)))
    while (2 * beta + 1) * exact <= 3:
        beta += 1
    while beta > 0 and (2 * beta - 1) * exact > 3:
        beta -= 1
    return beta


def frequency_map(t: np.ndarray | int, beta: int = 0, *, kind: str = "polynomial") -> np.ndarray:
    r"""The odd, strictly increasing frequency map :math:`n_i:\mathbb Z\to\mathbb Z` of Remark 2.9.

    ``kind="polynomial"``: :math:`n(t)=t(1+t^2)^\beta` (growth
    :math:`1+n(t)^2\ge\tfrac12(1+t^2)^{2\beta+1}`); ``kind="exponential"``:
    :math:`n(t)=\operatorname{sign}(t)(2^{|t|}-1)`, which outgrows every power.

    Parameters
    ----------
    t : int or integer array
        Lattice indices.
    beta : int, optional
        The exponent :math:`\beta\ge0` (ignored for ``kind="exponential"``).
    kind : {"polynomial", "exponential"}
        Which map.

    Returns
    -------
    numpy.ndarray of float64
        :math:`n(t)`, same shape as ``t`` (floats: the values exceed int64 quickly).

    Raises
    ------
    TypeError
        If ``t`` is not integer-valued or ``beta`` is not an int.
    ValueError
        If ``beta < 0`` or ``kind`` is unknown.

    Examples
    --------
    >>> frequency_map(np.arange(-2, 3), 1).tolist()
    [-10.0, -2.0, 0.0, 2.0, 10.0]
    >>> frequency_map(np.arange(0, 4), kind="exponential").tolist()
    [0.0, 1.0, 3.0, 7.0]
    """
    beta = check_int(beta, "beta", minimum=0)
    check_choice(kind, "kind", _KINDS)
    arr = np.asarray(t)
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"t must be an int or an integer array, got dtype {arr.dtype}")
    tf = arr.astype(np.float64)
    if kind == "polynomial":
        return tf * (1.0 + tf**2) ** beta
    return np.sign(tf) * (2.0 ** np.abs(tf) - 1.0)


def _frequency_int(t: int, beta: int, kind: str) -> int:
    """Exact integer value of the frequency map (for SymPy)."""
    if kind == "polynomial":
        return t * (1 + t * t) ** beta
    return (1 if t > 0 else -1) * (2 ** abs(t) - 1) if t else 0


def lattice_series_converges(p: float | sp.Expr) -> bool:
    r"""SymPy's verdict on :math:`\sum_{m\in\mathbb Z^2}(1+|m|^2)^{-p}<\infty`.

    The lattice points with :math:`r\le|m|<r+1` number about :math:`2\pi r`, so the
    lattice series converges exactly when the radial series
    :math:`\sum_{r\ge1} r(1+r^2)^{-p}` does; SymPy decides the latter (true iff
    :math:`p>1`: a power of :math:`|m|` is summable over :math:`\mathbb Z^2` only if it
    decays faster than :math:`|m|^{-2}`).

    Parameters
    ----------
    p : float or SymPy number
        The exponent; floats are turned into exact rationals.

    Returns
    -------
    bool

    Examples
    --------
    >>> lattice_series_converges(2), lattice_series_converges(1), lattice_series_converges(0)
    (True, False, False)
    """
    if isinstance(p, bool) or not isinstance(p, (numbers.Real, sp.Expr)):
        raise TypeError(f"p must be a real number, got {type(p).__name__}")
    p_exact = sp.nsimplify(p, rational=True) if not isinstance(p, sp.Expr) else p
    r = sp.Symbol("r", integer=True, positive=True)
    verdict = sp.Sum(r * (1 + r**2) ** (-p_exact), (r, 1, sp.oo)).is_convergent()
    if verdict not in (True, False):  # pragma: no cover - SymPy always decides these
        raise RuntimeError(f"SymPy could not decide the series for p = {p!r}")
    return bool(verdict)


@dataclass(frozen=True)
class NoGainConstruction:
    r"""The pair :math:`(u,w)` of Remark 2.9 with :math:`u\in H^k`, :math:`w\in L^2`,
    :math:`u\circledast w\notin H^{k+s}`.

    Parameters
    ----------
    k : float
        Sobolev order of :math:`u`, ``k >= 0``.
    s : float
        The gain that fails, ``s > 0``.
    beta : int, optional
        Exponent of the polynomial frequency map; by default :func:`choose_beta` ``(s)``.
    Lambda : float, optional
        Half-width of the torus :math:`(-\Lambda,\Lambda)^2` (the paper's :math:`L`, EN-2).
    kind : {"polynomial", "exponential"}
        The frequency map (see :func:`frequency_map`).
    require_growth : bool, optional
        If true (default), refuse a polynomial ``beta`` with :math:`(2\beta+1)s\le3`, for
        which :math:`u\notin H^k`; set it false to study that failure.

    Raises
    ------
    TypeError, ValueError
        For invalid parameters, or a ``beta`` too small for ``s``.

    Examples
    --------
    >>> c = NoGainConstruction(k=1, s=0.5)
    >>> c.beta
    3
    >>> sums = c.partial_sums([5, 80])
    >>> [round(float(x), 2) for x in sums["u_Hk"]]
    [11.27, 13.62]
    >>> sums["conv_Hks"].tolist() == [16 * 11**2, 16 * 161**2]
    True
    """

    k: float
    s: float
    beta: int | None = None
    Lambda: float = 1.0
    kind: str = "polynomial"
    require_growth: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "k", _check_nonnegative(self.k, "k"))
        object.__setattr__(self, "s", check_positive(self.s, "s"))
        object.__setattr__(self, "Lambda", check_positive(self.Lambda, "Lambda"))
        check_choice(self.kind, "kind", _KINDS)
        if not isinstance(self.require_growth, bool):
            raise TypeError(f"require_growth must be a bool, got {type(self.require_growth).__name__}")
        if self.beta is None:
            object.__setattr__(self, "beta", choose_beta(self.s) if self.kind == "polynomial" else 0)
        else:
            object.__setattr__(self, "beta", check_int(self.beta, "beta", minimum=0))
        if self.kind == "polynomial" and self.require_growth and not self.growth_ok:
            raise ValueError(
                f"beta = {self.beta} is too small for s = {self.s}: need (2*beta+1)*s > 3, "
                f"got {(2 * self.beta + 1) * self.s}; use beta = choose_beta(s) = {choose_beta(self.s)} "
                "or require_growth=False"
            )

    # -- the construction ------------------------------------------------------------------
    @property
    def growth_ok(self) -> bool:
        r"""Whether the frequencies are sparse enough for :math:`u\in H^k`."""
        if self.kind == "exponential":
            return True
        return (2 * self.beta + 1) * _exact_fraction(self.s) > 3

    def lattice(self, R: int) -> tuple[np.ndarray, np.ndarray]:
        r"""Index grids :math:`m_1,m_2` on :math:`\{-R,\dots,R\}^2` (``indexing="ij"``)."""
        R = check_int(R, "R", minimum=0)
        t = np.arange(-R, R + 1)
        m1, m2 = np.meshgrid(t, t, indexing="ij")
        return m1, m2

    def frequencies(self, R: int) -> np.ndarray:
        r"""The 1-D frequencies :math:`n_i(t)`, :math:`t=-R,\dots,R` (float64)."""
        R = check_int(R, "R", minimum=0)
        return frequency_map(np.arange(-R, R + 1), self.beta, kind=self.kind)

    def coefficients(self, R: int) -> dict[str, np.ndarray]:
        r"""Coefficients on the lattice :math:`\max(|m_1|,|m_2|)\le R`.

        Returns
        -------
        dict
            ``m_sq`` (:math:`|m|^2`), ``n_sq`` (:math:`|n_m|^2`), ``n_abs`` (:math:`|n_m|`),
            ``u``, ``w``, ``conv`` (:math:`\hat u_{n_m}`, :math:`\hat w_{n_m}`,
            :math:`(2\Lambda)^2\hat u_{n_m}\hat w_{n_m}`), each of shape ``(2R+1, 2R+1)``.
        """
        m1, m2 = self.lattice(R)
        m_sq = (m1**2 + m2**2).astype(np.float64)
        # exponential frequencies overflow float64 for large R: |n|^2 = inf, coefficient 0
        with np.errstate(over="ignore"):
            n = self.frequencies(R)
            n_sq = n[:, None] ** 2 + n[None, :] ** 2
            u = (1.0 + m_sq) / (1.0 + n_sq) ** ((self.k + self.s) / 2)
        w = 1.0 / (1.0 + m_sq)
        conv = (2 * self.Lambda) ** 2 * u * w
        return {"m_sq": m_sq, "n_sq": n_sq, "n_abs": np.sqrt(n_sq), "u": u, "w": w, "conv": conv}

    def _terms(self, R: int) -> dict[str, np.ndarray]:
        c = self.coefficients(R)
        with np.errstate(over="ignore"):
            return self._terms_from(c)

    def _terms_from(self, c: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {
            # (1+|n|^2)^k |u_n|^2 simplifies to (1+|m|^2)^2 (1+|n|^2)^(-s); use it (no overflow)
            "u_Hk": (1.0 + c["m_sq"]) ** 2 / (1.0 + c["n_sq"]) ** self.s,
            "w_L2": c["w"] ** 2,
            "conv_Hk": (2 * self.Lambda) ** 4 / (1.0 + c["n_sq"]) ** self.s,
            "conv_Hks": np.full_like(c["m_sq"], (2 * self.Lambda) ** 4),
        }

    def partial_sums(self, radii: Sequence[int] | int) -> dict[str, np.ndarray]:
        r"""Numeric partial sums over :math:`\max(|m_1|,|m_2|)\le R` for each ``R`` in ``radii``.

        Returns
        -------
        dict
            ``u_Hk`` (:math:`\|u\|^2_{H^k}`), ``w_L2`` (:math:`\|w\|^2_{L^2}`), ``conv_Hk``
            (:math:`\|u\circledast w\|^2_{H^k}`), ``conv_Hks``
            (:math:`\|u\circledast w\|^2_{H^{k+s}}`, equal to :math:`16\Lambda^4(2R+1)^2`);
            each an array of ``len(radii)`` floats.
        """
        radii = _check_radii(radii)
        Rmax = max(radii)
        terms = self._terms(Rmax)
        m1, m2 = self.lattice(Rmax)
        shell = np.maximum(np.abs(m1), np.abs(m2)).ravel()
        out = {}
        for name, values in terms.items():
            per_shell = np.cumsum(np.bincount(shell, weights=values.ravel(), minlength=Rmax + 1))
            out[name] = per_shell[radii]
        return out

    def _exact(self) -> tuple[sp.Rational, sp.Rational, sp.Rational]:
        k = sp.nsimplify(self.k, rational=True)
        s = sp.nsimplify(self.s, rational=True)
        lam = sp.nsimplify(self.Lambda, rational=True)
        return k, s, lam

    def exact_partial_sums(self, R: int) -> dict[str, sp.Expr]:
        r"""The same partial sums as :meth:`partial_sums`, exactly, in SymPy.

        ``k``, ``s`` and ``Lambda`` are read as exact rationals; the frequencies are exact
        integers, so each term is a rational number times a rational power of an integer.
        Meant for modest ``R`` (a few dozen; :math:`(2R+1)^2` terms).

        Examples
        --------
        >>> c = NoGainConstruction(k=1, s=0.5)
        >>> ex = c.exact_partial_sums(1)
        >>> ex["w_L2"], ex["conv_Hks"]  # 1 + 4/2**2 + 4/3**2 and 16 * 3**2
        (22/9, 144)
        """
        R = check_int(R, "R", minimum=0)
        _, s, lam = self._exact()
        n = {t: _frequency_int(t, self.beta, self.kind) for t in range(-R, R + 1)}
        u_terms, w_terms, conv_terms = [], [], []
        for m1 in range(-R, R + 1):
            for m2 in range(-R, R + 1):
                m_sq = sp.Integer(1 + m1 * m1 + m2 * m2)
                n_sq = sp.Integer(1 + n[m1] ** 2 + n[m2] ** 2)
                u_terms.append(m_sq**2 * n_sq ** (-s))
                w_terms.append(1 / m_sq**2)
                conv_terms.append(16 * lam**4 * n_sq ** (-s))
        return {
            "u_Hk": sp.Add(*u_terms),
            "w_L2": sp.Add(*w_terms),
            "conv_Hk": sp.Add(*conv_terms),
            "conv_Hks": 16 * lam**4 * (2 * R + 1) ** 2,
        }

    def exact_terms(self) -> dict[str, sp.Expr]:
        r"""The general terms, in SymPy, in the symbols ``m_sq`` (:math:`|m|^2`) and ``n_sq``.

        The conv term of the :math:`H^{k+s}` norm simplifies to the constant
        :math:`16\Lambda^4`, which is the whole point of the construction.

        Examples
        --------
        >>> NoGainConstruction(k=1, s=0.5).exact_terms()["conv_Hks"]
        16
        """
        k, s, lam = self._exact()
        m_sq, n_sq = sp.symbols("m_sq n_sq", nonnegative=True)
        u_hat = (1 + m_sq) / (1 + n_sq) ** ((k + s) / 2)
        w_hat = 1 / (1 + m_sq)
        conv_hat = (2 * lam) ** 2 * u_hat * w_hat
        return {
            "u_hat": u_hat,
            "w_hat": w_hat,
            "conv_hat": sp.simplify(conv_hat),
            "u_Hk": sp.simplify((1 + n_sq) ** k * u_hat**2),
            "w_L2": w_hat**2,
            "conv_Hk": sp.simplify((1 + n_sq) ** k * conv_hat**2),
            "conv_Hks": sp.simplify((1 + n_sq) ** (k + s) * conv_hat**2),
        }

    def verdicts(self) -> dict[str, bool]:
        r"""Convergence verdicts (SymPy) of the four series over all of :math:`\mathbb Z^2`.

        With :math:`\gamma=2\beta+1`, :math:`2^{-\gamma-1}(1+|m|^2)^\gamma\le1+|n_m|^2\le
        2(1+|m|^2)^\gamma` (polynomial map), so each series is comparable to a lattice
        series :math:`\sum(1+|m|^2)^{-p}` (:func:`lattice_series_converges`):
        ``u_Hk``: :math:`p=\gamma s-2`; ``w_L2``: :math:`p=2`; ``conv_Hk``: :math:`p=\gamma s`;
        ``conv_Hks``: constant terms, :math:`p=0`. For the exponential map the first and
        third converge for every :math:`s>0` (the terms decay faster than any power).

        Examples
        --------
        >>> NoGainConstruction(k=1, s=0.5).verdicts()
        {'u_Hk': True, 'w_L2': True, 'conv_Hk': True, 'conv_Hks': False}
        >>> NoGainConstruction(k=1, s=0.5, beta=0, require_growth=False).verdicts()["u_Hk"]
        False
        """
        _, s, _ = self._exact()
        if self.kind == "exponential":
            return {"u_Hk": True, "w_L2": True, "conv_Hk": True, "conv_Hks": lattice_series_converges(0)}
        gamma = 2 * self.beta + 1
        return {
            "u_Hk": lattice_series_converges(gamma * s - 2),
            "w_L2": lattice_series_converges(2),
            "conv_Hk": lattice_series_converges(gamma * s),
            "conv_Hks": lattice_series_converges(0),
        }

    # -- functions on a grid ---------------------------------------------------------------
    def synthesize(self, which: str, x1: np.ndarray, x2: np.ndarray, R: int) -> np.ndarray:
        r"""Values of the truncated series of :math:`u`, :math:`w` or :math:`u\circledast w`.

        .. math:: v_R(x)=\sum_{\max(|m_1|,|m_2|)\le R}\hat v_{n_m}\,e^{i\pi n_m\cdot x/\Lambda}

        on the tensor grid ``x1 x x2``, as :math:`E_1 C E_2^{\mathsf T}` with
        :math:`(E_i)_{j,t}=e^{i\pi n_i(t)x_{i,j}/\Lambda}`: exact (no aliasing) at any points.
        The odd maps give :math:`n_{-m}=-n_m` and the coefficients are even in :math:`m`, so
        the sum is real (and even); the real part is returned.

        Parameters
        ----------
        which : {"u", "w", "conv"}
        x1, x2 : 1-D float arrays
            Coordinates along the first and second axis.
        R : int
            Truncation radius.

        Returns
        -------
        numpy.ndarray, shape (len(x1), len(x2))

        Examples
        --------
        >>> c = NoGainConstruction(k=1, s=2.0)
        >>> x = np.linspace(-1, 1, 5)
        >>> v = c.synthesize("w", x, x, 2)
        >>> bool(np.allclose(v, v[::-1, ::-1]))  # even
        True
        >>> w0 = c.synthesize("w", [0.0], [0.0], 2)[0, 0]  # at 0: the sum of the coefficients
        >>> bool(np.isclose(w0, c.coefficients(2)["w"].sum()))
        True
        """
        check_choice(which, "which", _WHICH)
        R = check_int(R, "R", minimum=0)
        x1 = check_array(np.asarray(x1, dtype=np.float64), "x1", min_ndim=1)
        x2 = check_array(np.asarray(x2, dtype=np.float64), "x2", min_ndim=1)
        if x1.ndim != 1 or x2.ndim != 1:
            raise ValueError(f"x1 and x2 must be 1-D coordinate arrays, got shapes {x1.shape}, {x2.shape}")
        n = self.frequencies(R)
        if np.max(np.abs(n)) >= 2.0**52:
            raise ValueError(
                f"the frequencies up to R = {R} reach {np.max(np.abs(n)):.3g}, beyond exact float "
                "phases; choose a smaller R"
            )
        coef = self.coefficients(R)[which]
        e1 = np.exp(1j * np.pi * np.outer(x1, n) / self.Lambda)
        e2 = np.exp(1j * np.pi * np.outer(x2, n) / self.Lambda)
        return np.real(e1 @ coef @ e2.T)


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
