r"""Down- and upsampling on pixel grids (eqs. (3), (4)) and the check of Assumption 3.1.

Downsampling by a factor :math:`s\in\mathbb N` applies an "averaging" function
:math:`f:\mathbb R^{s\times s}\to\mathbb R` to each :math:`s\times s` block (eq. (3), 0-based):

.. math:: (D_s(U))_{i,j}=f\big((U_{si+k,\,sj+l})_{k,l=0}^{s-1}\big),

e.g. max pooling, average pooling or stride-:math:`s` subsampling :math:`f(V)=V_{0,0}`.
Upsampling fills each :math:`s\times s` block from the *forward* neighbours (eq. (4)),

.. math:: \big((U_s(U))_{si+k,\,sj+l}\big)_{k,l=0}^{s-1}=g\big(U_{i,j},U_{i+1,j},U_{i,j+1},U_{i+1,j+1}\big),

with constant extension at the far boundary (:math:`U_{N,j}:=U_{N-1,j}`), e.g. nearest
(:math:`g(V)_{k,l}=V_{0,0}`) or bilinear interpolation. On :math:`PC_h` functions the same
maps act on the coefficients (eqs. (6), (7)); the coarse cells are the blocks of
:math:`s\times s` fine cells (editor's note EN-14).

Assumption 3.1 asks that :math:`f` and :math:`g` stay within the range of their inputs,

.. math:: \min V\le f(V)\le\max V,\qquad \min V\le\min g(V)\le\max g(V)\le\max V,

which is what lets sampling commute with uniform limits (Lemma 3.5).
:func:`check_assumption_31` tests it at random, and the module ships counterexamples:
sum pooling, :math:`L^2` pooling on signed data and bicubic upsampling (``mode="bicubic"``,
whose negative lobes overshoot).

Editor's note EN-11: the bilinear rule (4) is corner-aligned; PyTorch's
``F.interpolate(mode="bilinear", align_corners=False)`` uses half-pixel offsets and is *not*
of the form (4) (it differs by a shift of :math:`(s-1)/2` fine pixels, half a fine pixel for
:math:`s=2`), although it is still a convex combination of nearby values. Use :func:`upsample` to get the paper's operator.

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588, eqs. (3), (4), (6), (7), Assumption 3.1,
   Lemma 3.5.
.. [2] R. Keys, "Cubic convolution interpolation for digital image processing",
   IEEE Trans. ASSP 29 (1981) (the cubic kernel with a = -0.5).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from ._validate import Array, check_array, check_choice, check_int, check_real

__all__ = ["downsample", "upsample", "cubic_kernel", "check_assumption_31", "Assumption31Report"]

_DOWN = ("average", "max", "stride")
_UP = ("nearest", "bilinear", "bicubic")


def downsample(u: Array, s: int, *, mode: str) -> Array:
    r"""Downsampling :math:`D_s` of eq. (3): one value per :math:`s\times s` block.

    Parameters
    ----------
    u : numpy.ndarray or torch.Tensor, shape (..., sN, sM)
        Both of the last two sizes must be divisible by ``s``.
    s : int
        The factor, ``s >= 1`` (``s = 1`` is the identity).
    mode : {"average", "max", "stride"}, keyword-only
        :math:`f=` mean, max, or :math:`f(V)=V_{0,0}` (slicing ``u[..., ::s, ::s]``).

    Returns
    -------
    numpy.ndarray or torch.Tensor, shape (..., N, M)
        Same family, dtype and device as ``u``.

    Raises
    ------
    TypeError
        For invalid arrays or a non-integer ``s``.
    ValueError
        For ``s < 1``, sizes not divisible by ``s``, non-finite values or an unknown mode.

    Examples
    --------
    >>> import numpy as np
    >>> U = np.arange(16.0).reshape(4, 4)
    >>> downsample(U, 2, mode="max").tolist()
    [[5.0, 7.0], [13.0, 15.0]]
    >>> downsample(U, 2, mode="average").tolist()
    [[2.5, 4.5], [10.5, 12.5]]
    """
    check_array(u, "u", min_ndim=2)
    s = check_int(s, "s", minimum=1)
    check_choice(mode, "mode", _DOWN)
    sN, sM = int(u.shape[-2]), int(u.shape[-1])
    if sN % s or sM % s:
        raise ValueError(
            f"the last two sizes of u, {(sN, sM)}, must be divisible by s = {s}; "
            f"crop or pad u to a multiple of {s}"
        )
    N, M = sN // s, sM // s
    if mode == "stride":
        v = u[..., ::s, ::s]
        return v.clone(memory_format=torch.contiguous_format) if isinstance(v, torch.Tensor) else v.copy()
    blocks = u.reshape(*u.shape[:-2], N, s, M, s)
    if isinstance(u, torch.Tensor):
        return blocks.mean(dim=(-3, -1)) if mode == "average" else blocks.amax(dim=(-3, -1))
    return blocks.mean(axis=(-3, -1)) if mode == "average" else blocks.max(axis=(-3, -1))


def cubic_kernel(t: Array | float, *, a: float = -0.5) -> Array | float:
    r"""Keys' cubic convolution kernel (the weight function of bicubic interpolation).

    .. math:: c(t)=\begin{cases}(a+2)|t|^3-(a+3)|t|^2+1,&|t|\le1,\\
              a|t|^3-5a|t|^2+8a|t|-4a,&1<|t|<2,\\ 0,&\text{otherwise.}\end{cases}

    It interpolates (:math:`c(0)=1`, :math:`c(\pm1)=c(\pm2)=0`) and its weights sum to one,
    but it is negative on :math:`1<|t|<2` for :math:`a<0`: bicubic upsampling is *not* a
    convex combination and violates Assumption 3.1.

    Parameters
    ----------
    t : float or array
    a : float, keyword-only
        The free parameter; ``-0.5`` gives third-order accuracy (Catmull-Rom).

    Examples
    --------
    >>> import numpy as np
    >>> [float(cubic_kernel(x)) for x in (0.0, 1.0, 1.5, 2.0)]
    [1.0, 0.0, -0.0625, 0.0]
    >>> t = 0.3; float(sum(cubic_kernel(t - m) for m in (-1, 0, 1, 2)))
    1.0
    """
    if isinstance(t, torch.Tensor):
        x = t.abs()
        inner = ((a + 2) * x - (a + 3)) * x * x + 1
        outer = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
        return torch.where(x <= 1, inner, torch.where(x < 2, outer, torch.zeros_like(x)))
    x = np.abs(np.asarray(t, dtype=float))
    inner = ((a + 2) * x - (a + 3)) * x * x + 1
    outer = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    out = np.where(x <= 1, inner, np.where(x < 2, outer, 0.0))
    return float(out) if out.ndim == 0 else out


def _upsample_last(u: Array, s: int, mode: str) -> Array:
    """Upsample along the last axis by the 1-D rule of eq. (4) (forward neighbours)."""
    n = int(u.shape[-1])
    torch_in = isinstance(u, torch.Tensor)
    if mode == "nearest":
        return u.repeat_interleave(s, dim=-1) if torch_in else np.repeat(u, s, axis=-1)
    if mode == "bilinear":
        offsets, weight = (0, 1), lambda t, m: (1.0 - t) if m == 0 else t
    else:
        offsets, weight = (-1, 0, 1, 2), lambda t, m: cubic_kernel(t - m)
    t = np.arange(s) / s
    out = None
    for m in offsets:
        idx = np.clip(np.arange(n) + m, 0, n - 1)  # constant extension at both ends
        wts = np.asarray(weight(t, m), dtype=float)
        if torch_in:
            nb = u.index_select(-1, torch.as_tensor(idx, device=u.device))
            term = nb[..., :, None] * torch.as_tensor(wts, dtype=u.dtype, device=u.device)
        else:
            term = u[..., idx][..., :, None] * wts.astype(u.dtype)
        out = term if out is None else out + term
    return out.reshape(*u.shape[:-1], n * s)


def upsample(u: Array, s: int, *, mode: str) -> Array:
    r"""Upsampling :math:`U_s` of eq. (4): each value becomes an :math:`s\times s` block.

    Fine pixel :math:`(si+k,\,sj+l)` is computed from the forward neighbours of coarse
    pixel :math:`(i,j)`, with constant extension at the far boundary:

    * ``"nearest"``: :math:`g(V)_{k,l}=V_{0,0}` (equals ``F.interpolate(mode="nearest")``);
    * ``"bilinear"``: :math:`g(V)_{k,l}=(1-\tfrac ks)(1-\tfrac ls)V_{00}+\tfrac ks(1-\tfrac ls)V_{10}
      +(1-\tfrac ks)\tfrac lsV_{01}+\tfrac ks\tfrac lsV_{11}` (corner-aligned; *not* PyTorch's
      ``align_corners`` conventions, see EN-11);
    * ``"bicubic"``: Keys' cubic convolution (:func:`cubic_kernel`, :math:`a=-0.5`) over the
      neighbours :math:`i-1,\dots,i+2` with constant extension at both ends. Not of the form
      (4) and a **counterexample** to Assumption 3.1 (it overshoots), provided as a contrast.

    Parameters
    ----------
    u : numpy.ndarray or torch.Tensor, shape (..., N, M)
    s : int
        The factor, ``s >= 1``.
    mode : {"nearest", "bilinear", "bicubic"}, keyword-only

    Returns
    -------
    numpy.ndarray or torch.Tensor, shape (..., sN, sM)
        Same family, dtype and device as ``u``.

    Raises
    ------
    TypeError
        For invalid arrays or a non-integer ``s``.
    ValueError
        For ``s < 1``, non-finite values or an unknown mode.

    Examples
    --------
    >>> import numpy as np
    >>> upsample(np.array([[0.0, 4.0]]), 4, mode="bilinear")[0].tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0, 4.0, 4.0, 4.0]
    >>> float(upsample(np.array([[0.0, 1.0, 1.0, 1.0]]), 2, mode="bicubic").max())  # overshoot
    1.0625
    """
    check_array(u, "u", min_ndim=2)
    s = check_int(s, "s", minimum=1)
    check_choice(mode, "mode", _UP)
    if s == 1:
        return u.clone() if isinstance(u, torch.Tensor) else u.copy()
    v = _upsample_last(u, s, mode)
    v = v.transpose(-1, -2) if isinstance(v, torch.Tensor) else np.swapaxes(v, -1, -2)
    v = _upsample_last(v, s, mode)
    return v.transpose(-1, -2).contiguous() if isinstance(v, torch.Tensor) else np.ascontiguousarray(np.swapaxes(v, -1, -2))


# --------------------------------------------------------------------- Assumption 3.1

def _l2_pool(x: np.ndarray, s: int) -> np.ndarray:
    b = x.reshape(*x.shape[:-2], x.shape[-2] // s, s, x.shape[-1] // s, s)
    return np.sqrt((b**2).mean(axis=(-3, -1)))


def _median_pool(x: np.ndarray, s: int) -> np.ndarray:
    b = x.reshape(*x.shape[:-2], x.shape[-2] // s, s, x.shape[-1] // s, s)
    b = np.moveaxis(b, -3, -2).reshape(*b.shape[:-4], x.shape[-2] // s, x.shape[-1] // s, s * s)
    return np.median(b, axis=-1)


def _sum_pool(x: np.ndarray, s: int) -> np.ndarray:
    return downsample(x, s, mode="average") * (s * s)


def _min_pool(x: np.ndarray, s: int) -> np.ndarray:
    return -downsample(-x, s, mode="max")


_CANDIDATES: dict[str, tuple[str, Callable[[np.ndarray, int], np.ndarray], bool]] = {
    # name: (kind, operator, satisfies Assumption 3.1)
    "max": ("down", lambda x, s: downsample(x, s, mode="max"), True),
    "average": ("down", lambda x, s: downsample(x, s, mode="average"), True),
    "stride": ("down", lambda x, s: downsample(x, s, mode="stride"), True),
    "min": ("down", _min_pool, True),
    "median": ("down", _median_pool, True),
    "sum": ("down", _sum_pool, False),
    "l2": ("down", _l2_pool, False),
    "nearest": ("up", lambda x, s: upsample(x, s, mode="nearest"), True),
    "bilinear": ("up", lambda x, s: upsample(x, s, mode="bilinear"), True),
    "bicubic": ("up", lambda x, s: upsample(x, s, mode="bicubic"), False),
}


@dataclass(frozen=True)
class Assumption31Report:
    """Outcome of :func:`check_assumption_31`.

    Attributes
    ----------
    candidate : str
        The name of the operator tested.
    kind : {"down", "up"}
    s : int
    checked : int
        Number of output values compared with their input range.
    violations : int
        Number of those outside the range by more than the tolerance.
    worst_excess : float
        The largest distance of an output value outside its range (0 if none).
    worst_input : numpy.ndarray
        The input block of the worst case (``s x s`` for down-, ``2 x 2`` forward
        neighbours for upsampling).
    worst_output : numpy.ndarray
        The output(s) computed from it (a scalar array, or the ``s x s`` block).
    """

    candidate: str
    kind: str
    s: int
    checked: int
    violations: int
    worst_excess: float
    worst_input: np.ndarray = field(repr=False)
    worst_output: np.ndarray = field(repr=False)

    @property
    def ok(self) -> bool:
        """True when no violation was found."""
        return self.violations == 0

    def __repr__(self) -> str:
        verdict = "holds" if self.ok else "violated"
        return (
            f"Assumption 3.1 {verdict} for {self.kind}sampling '{self.candidate}' (s = {self.s}): "
            f"{self.violations} of {self.checked} values outside their range, "
            f"worst excess {self.worst_excess:.3g}"
        )


def check_assumption_31(
    candidate: str | Callable[[np.ndarray], np.ndarray],
    *,
    kind: str | None = None,
    s: int = 2,
    trials: int = 2000,
    size: int = 4,
    signed: bool = True,
    seed: int = 0,
    tol: float = 1e-12,
) -> Assumption31Report:
    r"""Randomised check of Assumption 3.1 for a down- or upsampling operator.

    Draws ``trials`` random images and compares every output value with the range of the
    input values it is computed from:

    * downsampling: output :math:`(i,j)` against the min/max of its :math:`s\times s` block;
    * upsampling: every value of the fine block :math:`(si+k,sj+l)_{k,l}` against the min/max
      of the forward neighbours :math:`U_{i,j},U_{i+1,j},U_{i,j+1},U_{i+1,j+1}` (constant
      extension at the far boundary), as in eq. (4).

    Parameters
    ----------
    candidate : str or callable
        A built-in name, satisfying the assumption: ``"max"``, ``"average"``,
        ``"stride"``, ``"min"``, ``"median"`` (down), ``"nearest"``, ``"bilinear"`` (up);
        violating it: ``"sum"`` (sum pooling), ``"l2"`` (:math:`\sqrt{\mathrm{mean}(V^2)}`,
        on signed data), ``"bicubic"`` (up). Or a callable operator on NumPy arrays:
        ``(T, sK, sK) -> (T, K, K)`` for ``kind="down"`` and ``(T, K, K) -> (T, sK, sK)``
        for ``kind="up"``, e.g. ``lambda x: fl.downsample(x, 2, mode="max")``.
    kind : {"down", "up"}, keyword-only
        Required for a callable; must match a built-in name's kind if given.
    s : int
        The factor, ``s >= 1``.
    trials : int
        Number of random images, ``>= 1``.
    size : int
        Coarse image side ``K`` (``>= 1``).
    signed : bool
        Standard normal data if true, uniform on :math:`[0,1)` otherwise (``"l2"`` only
        fails on signed data).
    seed : int
        Seed of the NumPy generator.
    tol : float
        Absolute slack for rounding.

    Returns
    -------
    Assumption31Report
        ``.violations`` (0 when the assumption held in every trial), the worst example.

    Raises
    ------
    TypeError, ValueError
        For invalid arguments or an operator returning the wrong shape or NaN.

    Examples
    --------
    >>> check_assumption_31("max").violations
    0
    >>> check_assumption_31("bicubic").violations > 0
    True
    >>> check_assumption_31("l2", signed=False).ok
    True
    """
    s = check_int(s, "s", minimum=1)
    trials = check_int(trials, "trials", minimum=1)
    size = check_int(size, "size", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    tol = check_real(tol, "tol", minimum=0.0)
    if not isinstance(signed, bool):
        raise TypeError(f"signed must be a bool, got {type(signed).__name__}")
    if isinstance(candidate, str):
        check_choice(candidate, "candidate", tuple(_CANDIDATES))
        cand_kind, op2, _ = _CANDIDATES[candidate]
        if kind is not None and kind != cand_kind:
            raise ValueError(f"candidate {candidate!r} is a {cand_kind}sampling operator, got kind={kind!r}")
        kind, name = cand_kind, candidate
        op = lambda x: op2(x, s)  # noqa: E731
    elif callable(candidate):
        if kind is None:
            raise ValueError("kind must be given ('down' or 'up') when candidate is a callable")
        check_choice(kind, "kind", ("down", "up"))
        name, op = getattr(candidate, "__name__", "callable"), candidate
    else:
        raise TypeError(f"candidate must be a built-in name or a callable, got {type(candidate).__name__}")

    rng = np.random.default_rng(seed)
    K = size
    in_side = s * K if kind == "down" else K
    x = rng.standard_normal((trials, in_side, in_side)) if signed else rng.random((trials, in_side, in_side))
    y = np.asarray(op(x))
    want = (trials, K, K) if kind == "down" else (trials, s * K, s * K)
    if y.shape != want:
        raise ValueError(f"the {kind}sampling operator must map shape {x.shape} to {want}, got {y.shape}")
    if not np.isfinite(y).all():
        raise ValueError("the operator returned NaN or inf")
    if kind == "down":
        blocks = x.reshape(trials, K, s, K, s)
        lo, hi = blocks.min(axis=(2, 4)), blocks.max(axis=(2, 4))
        vals = y
    else:
        idx = np.minimum(np.arange(K) + 1, K - 1)
        nb = np.stack([x, x[:, idx, :], x[:, :, idx], x[:, idx][:, :, idx]], axis=-1)  # (T, K, K, 4)
        lo, hi = nb.min(axis=-1), nb.max(axis=-1)
        vals = y.reshape(trials, K, s, K, s)
        lo, hi = lo[:, :, None, :, None], hi[:, :, None, :, None]
    excess = np.maximum(vals - hi, lo - vals)
    bad = excess > tol
    worst = np.unravel_index(int(np.argmax(excess)), excess.shape)
    t, i = worst[0], worst[1]
    j = worst[2] if kind == "down" else worst[3]
    if kind == "down":
        w_in, w_out = x[t, s * i : s * i + s, s * j : s * j + s], y[t, i, j]
    else:
        i1, j1 = min(i + 1, K - 1), min(j + 1, K - 1)
        w_in = np.array([[x[t, i, j], x[t, i, j1]], [x[t, i1, j], x[t, i1, j1]]])
        w_out = y[t, s * i : s * i + s, s * j : s * j + s]
    return Assumption31Report(
        candidate=name,
        kind=kind,
        s=s,
        checked=int(vals.size),
        violations=int(bad.sum()),
        worst_excess=float(max(excess.max(), 0.0)),
        worst_input=np.array(w_in),
        worst_output=np.array(w_out),
    )
