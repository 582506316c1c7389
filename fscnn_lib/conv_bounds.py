r"""Both sides of the inequalities of Proposition 2.1 for discrete convolutions.

Young's inequality, the sup bound of EN-3c and the modulus-of-continuity estimate of the
proof of Proposition 2.1 (step 4), each returned as :class:`~fscnn_lib.norms.BoundSides`
(a named pair, so ``lhs, rhs = young_bound(...)`` still unpacks).

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588 (2022), Prop. 2.1, EN-3b, EN-3c.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ._validate import Array, check_array, check_choice, check_int
from ._validate import check_exponent as _check_p
from ._validate import conjugate_exponent as _conjugate
from .convolution import conv_valid
from .norms import BoundSides, lp_norm
from .padding import zero_pad

__all__ = ["young_bound", "holder_bound", "translation_difference", "modulus_bound"]


def young_bound(u: Array, w: Array, h: float, p: float) -> BoundSides:
    r"""Both sides of Young's inequality of Proposition 2.1, item 1.

    .. math:: \|u*w\|_{L^p(\Omega)}\le\|u\|_{L^1(\Omega_\Sigma)}\,\|w\|_{L^p(\Sigma)}

    with the discrete convolution :func:`conv_valid` and norms :func:`lp_norm`; the discrete
    inequality holds exactly (it is Young's inequality on :math:`\mathbb Z^2` rescaled).

    Parameters
    ----------
    u : array, shape (N', M')
    w : array, shape (n, m)
    h : float
    p : float in [1, inf]

    Returns
    -------
    BoundSides
        ``lhs <= rhs`` up to rounding.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> lhs, rhs = young_bound(rng.normal(size=(20, 20)), rng.normal(size=(5, 5)), 0.05, 2.0)
    >>> bool(lhs <= rhs)
    True
    """
    p = _check_p(p)
    _check_2d(u, "u")
    out = conv_valid(u, w, h)
    return BoundSides(lp_norm(out, h, p), lp_norm(u, h, 1.0) * lp_norm(w, h, p))


def holder_bound(u: Array, w: Array, h: float, p: float) -> BoundSides:
    r"""Both sides of the sup bound :math:`\|u*w\|_\infty\le\|u\|_{p'}\|w\|_p` (EN-3c).

    This is Hölder's inequality in (1) for every :math:`x`; it is what makes
    :math:`u*w` bounded, and by Proposition 2.1, item 2, continuous.

    Parameters
    ----------
    u : array, shape (N', M')
    w : array, shape (n, m)
    h : float
    p : float in [1, inf]
        The kernel's exponent; ``u`` is measured in the conjugate :math:`p'`.

    Returns
    -------
    BoundSides
        ``(lhs, rhs)``, a named pair.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(2)
    >>> lhs, rhs = holder_bound(rng.normal(size=(20, 20)), rng.normal(size=(5, 5)), 0.05, 1.5)
    >>> bool(lhs <= rhs)
    True
    """
    p = _check_p(p)
    _check_2d(u, "u")
    out = conv_valid(u, w, h)
    return BoundSides(lp_norm(out, h, math.inf), lp_norm(u, h, _conjugate(p)) * lp_norm(w, h, p))


def _check_shift(shift: object) -> tuple[int, int]:
    if not isinstance(shift, (tuple, list)) or len(shift) != 2:
        raise TypeError(f"shift must be a pair (s1, s2) of ints (the translation in cells), got {shift!r}")
    s1, s2 = (check_int(s, f"shift[{k}]", minimum=-(2**62)) for k, s in enumerate(shift))
    return s1, s2


def translation_difference(u: Array, h: float, shift: tuple[int, int], p: float) -> float:
    r"""The :math:`L^p(\mathbb R^2)` norm of :math:`\tilde u(\cdot+t)-\tilde u` for a :math:`PC_h` function.

    :math:`\tilde u` is the zero extension of the piecewise constant function with
    coefficients ``u`` (notation of Section 2) and :math:`t=h\,(s_1,s_2)` a translation by
    whole cells. Continuity of translations in :math:`L^q`, :math:`q<\infty`, is what
    makes :math:`u*w` continuous in Proposition 2.1 (proof, step 4).

    Parameters
    ----------
    u : array, shape (N, M)
        Coefficients of the piecewise constant function.
    h : float
        Grid spacing.
    shift : (int, int)
        The translation :math:`(s_1,s_2)` in cells; either sign.
    p : float in [1, inf]

    Returns
    -------
    float

    Examples
    --------
    An indicator of a square of side 1, moved by t along an axis, changes on two strips of
    area t each, so the L^1 difference is 2t:

    >>> import numpy as np
    >>> round(translation_difference(np.ones((8, 8)), 1 / 8, (1, 0), 1.0), 12)
    0.25
    """
    p = _check_p(p)
    _check_2d(u, "u")
    s1, s2 = _check_shift(shift)
    ext = zero_pad(u, (abs(s1), abs(s1), abs(s2), abs(s2)))
    if isinstance(ext, torch.Tensor):
        moved = torch.roll(ext, shifts=(-s1, -s2), dims=(-2, -1))
    else:
        moved = np.roll(ext, (-s1, -s2), axis=(-2, -1))
    return float(lp_norm(moved - ext, h, p))


def modulus_bound(
    u: Array, w: Array, h: float, shift: tuple[int, int], p: float, *, translate: str = "input"
) -> BoundSides:
    r"""Both sides of the modulus-of-continuity estimate of Proposition 2.1 (proof, step 4; EN-3c).

    With :math:`V=u*w` (:func:`conv_valid`) and :math:`t=h\,(s_1,s_2)`,

    .. math:: \max_x|V(x+t)-V(x)| \le
              \|\tilde u(\cdot+t)-\tilde u\|_{p'}\,\|w\|_p \quad(\text{translate="input"}),

    .. math:: \max_x|V(x+t)-V(x)| \le
              \|u\|_{p'}\,\|\tilde w(\cdot+t)-\tilde w\|_p \quad(\text{translate="kernel"}).

    The first is informative for :math:`p>1` (:math:`p'<\infty`), the second for
    :math:`p<\infty`, in particular :math:`p=1` (EN-3b). Both hold exactly on the grid.

    Parameters
    ----------
    u : array, shape (N', M')
    w : array, shape (n, m)
    h : float
    shift : (int, int)
        The translation in cells; it must be smaller than the output in each direction.
    p : float in [1, inf]
        The kernel's exponent.
    translate : {"input", "kernel"}, keyword-only
        Which factor carries the translation.

    Returns
    -------
    BoundSides
        ``(lhs, rhs)``, a named pair.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(3)
    >>> u, w = (rng.random((40, 40)) > 0.5) * 1.0, rng.normal(size=(9, 9))
    >>> lhs, rhs = modulus_bound(u, w, 1 / 32, (2, -1), 2.0)
    >>> bool(lhs <= rhs)
    True
    """
    p = _check_p(p)
    _check_2d(u, "u")
    check_choice(translate, "translate", ("input", "kernel"))
    s1, s2 = _check_shift(shift)
    V = conv_valid(u, w, h)
    N, M = int(V.shape[-2]), int(V.shape[-1])
    if abs(s1) >= N or abs(s2) >= M:
        raise ValueError(f"shift must be smaller than the output {(N, M)} in each direction, got {(s1, s2)}")
    a1, b1 = (s1, N) if s1 >= 0 else (0, N + s1)
    a2, b2 = (s2, M) if s2 >= 0 else (0, M + s2)
    diff = V[a1:b1, a2:b2] - V[a1 - s1 : b1 - s1, a2 - s2 : b2 - s2]
    lhs = float(abs(diff).max())
    if translate == "input":
        rhs = translation_difference(u, h, (s1, s2), _conjugate(p)) * float(lp_norm(w, h, p))
    else:
        rhs = float(lp_norm(u, h, _conjugate(p))) * translation_difference(w, h, (s1, s2), p)
    return BoundSides(lhs, rhs)


def _check_2d(u: object, name: str) -> None:
    check_array(u, name, min_ndim=2)
    if u.ndim != 2:
        raise ValueError(f"{name} must be 2-D (one image), got shape {tuple(u.shape)}")
