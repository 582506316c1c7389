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
from .torus import _check_nonnegative, _check_radii

__all__ = [
    "choose_beta",
    "frequency_map",
    "lattice_series_converges",
    "NoGainConstruction",
]

_KINDS = ("polynomial", "exponential")
_WHICH = ("u", "w", "conv")


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
    >>> bool(np.allclose(sums["conv_Hks"], [16 * 11**2, 16 * 161**2], rtol=1e-12))
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

    def _log_abs_frequencies(self, R: int) -> np.ndarray:
        r""":math:`\log|n_i(t)|`, :math:`t=-R,\dots,R` (``-inf`` at 0), without overflow."""
        t = np.abs(np.arange(-R, R + 1)).astype(np.float64)
        with np.errstate(divide="ignore"):
            if self.kind == "polynomial":
                return np.log(t) + self.beta * np.log1p(t**2)
            return t * math.log(2.0) + np.log1p(-(2.0**-t))

    def coefficients(self, R: int) -> dict[str, np.ndarray]:
        r"""Coefficients on the lattice :math:`\max(|m_1|,|m_2|)\le R`.

        Returns
        -------
        dict
            ``m_sq`` (:math:`|m|^2`), ``n_sq`` (:math:`|n_m|^2`), ``n_abs`` (:math:`|n_m|`),
            ``u``, ``w``, ``conv`` (:math:`\hat u_{n_m}`, :math:`\hat w_{n_m}`,
            :math:`(2\Lambda)^2\hat u_{n_m}\hat w_{n_m}`), their logarithms ``log_u``,
            ``log_w``, ``log_conv`` and ``log_bracket`` (:math:`\log(1+|n_m|^2)`), each of
            shape ``(2R+1, 2R+1)``; the logarithms stay finite where the values overflow.
        """
        R = check_int(R, "R", minimum=0)
        m1, m2 = self.lattice(R)
        m_sq = (m1**2 + m2**2).astype(np.float64)
        a = 2 * self._log_abs_frequencies(R)
        log_bracket = np.logaddexp(0.0, np.logaddexp(a[:, None], a[None, :]))
        log_u = np.log1p(m_sq) - (self.k + self.s) / 2 * log_bracket
        log_w = -np.log1p(m_sq)
        log_conv = 2 * math.log(2 * self.Lambda) + log_u + log_w
        with np.errstate(over="ignore"):
            n_sq = np.expm1(log_bracket)
        return {"m_sq": m_sq, "n_sq": n_sq, "n_abs": np.sqrt(n_sq),
                "u": np.exp(log_u), "w": np.exp(log_w), "conv": np.exp(log_conv),
                "log_u": log_u, "log_w": log_w, "log_conv": log_conv,
                "log_bracket": log_bracket}

    def _terms(self, R: int) -> dict[str, np.ndarray]:
        r"""The terms of the four series, from the coefficient arrays (in log space).

        :math:`(1+|n|^2)^k|\hat u_n|^2`, :math:`|\hat w_n|^2`,
        :math:`(1+|n|^2)^k|\widehat{u\circledast w}_n|^2` and
        :math:`(1+|n|^2)^{k+s}|\widehat{u\circledast w}_n|^2`.
        """
        c = self.coefficients(R)
        lb = c["log_bracket"]
        return {
            "u_Hk": np.exp(self.k * lb + 2 * c["log_u"]),
            "w_L2": np.exp(2 * c["log_w"]),
            "conv_Hk": np.exp(self.k * lb + 2 * c["log_conv"]),
            "conv_Hks": np.exp((self.k + self.s) * lb + 2 * c["log_conv"]),
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
        k, s, lam = self._exact()
        n = {t: _frequency_int(t, self.beta, self.kind) for t in range(-R, R + 1)}
        sums = dict.fromkeys(("u_Hk", "w_L2", "conv_Hk", "conv_Hks"), sp.Integer(0))
        for m1 in range(-R, R + 1):
            for m2 in range(-R, R + 1):
                bracket_m = sp.Integer(1 + m1 * m1 + m2 * m2)
                bracket_n = sp.Integer(1 + n[m1] ** 2 + n[m2] ** 2)
                u_hat = bracket_m * bracket_n ** (-(k + s) / 2)
                w_hat = 1 / bracket_m
                conv_hat = (2 * lam) ** 2 * u_hat * w_hat
                sums["u_Hk"] += bracket_n**k * u_hat**2
                sums["w_L2"] += w_hat**2
                sums["conv_Hk"] += bracket_n**k * conv_hat**2
                sums["conv_Hks"] += bracket_n ** (k + s) * conv_hat**2
        return sums

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
