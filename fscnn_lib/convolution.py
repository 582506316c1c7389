r"""Valid convolution in function space and on pixel grids.

The paper's valid convolution (Definition and Proposition 2.1, eq. (1)) of
:math:`u` on :math:`\Omega_\Sigma=\Omega-\Sigma` with a kernel :math:`w` on
:math:`\Sigma` is

.. math:: (u*w)(x) = \int_\Sigma w(y)\,u(x-y)\,dy, \qquad x\in\Omega .

Proposition 2.1 bounds it by Young's and Hölder's inequalities,

.. math:: \|u*w\|_{L^p(\Omega)}\le\|u\|_{L^1(\Omega_\Sigma)}\|w\|_{L^p(\Sigma)},\qquad
          \|u*w\|_{L^\infty(\Omega)}\le\|u\|_{L^{p'}(\Omega_\Sigma)}\|w\|_{L^p(\Sigma)}

(the second one is editor's note EN-3c); :func:`young_bound` and :func:`holder_bound`
return both sides so that tests and chapters can assert them.

Its discrete form (Section 3, "discrete valid convolution", item S3-DCONV) is the Riemann sum

.. math:: (U*W)_{i,j} = \sum_{k=1}^{n}\sum_{l=1}^{m} h^2\,U_{i+n-k,\,j+m-l}\,W_{k,l},

a true convolution (the kernel is flipped) scaled by the cell area :math:`h^2`
(:func:`conv_valid`). For piecewise constant functions on the grid of spacing :math:`h`,
this sum is the exact value of (1) at the grid nodes (eq. (8)), and between nodes the
exact value is the bilinear interpolant of the node values (editor's note EN-16b),
:func:`conv_pc_exact`.

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588 (2022), Prop. 2.1, Remark 2.2, eq. (8);
   see book/references.bib, key habring2022note.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import scipy.fft
import torch
import torch.nn.functional as F

from ._validate import Array, check_array, check_choice, check_positive, same_family
from ._validate import check_exponent as _check_p
from ._validate import conjugate_exponent as _conjugate
from .grids import Grid, Rectangle
from .padding import zero_pad

__all__ = [
    "conv_valid",
    "auto_method",
    "conv_pc_exact",
    "valid_output_grid",
    "lp_norm",
    "young_bound",
    "holder_bound",
    "translation_difference",
    "modulus_bound",
]

_METHODS = ("direct", "fft", "auto")

# Cost model of ``method="auto"``, fitted on two CPU cores (torch 2.13, float64; see
# benchmarks/RESULTS.md): direct summation (torch conv2d) costs 0.7 to 3 ns per
# multiply-add (we take 1 ns); the FFT path about 0.6 ns (torch.fft, two threads) or 1.3 ns (scipy.fft,
# NumPy inputs, one thread) per unit L1*L2*log2(L1*L2) of the FFT size, plus a fixed 0.1 ms.
_DIRECT_S_PER_MAC = 1.0e-9
_FFT_S_PER_UNIT = {"torch": 0.6e-9, "numpy": 1.3e-9}
_FFT_S_FIXED = 1.0e-4


def _fast_len(n: int) -> int:
    return int(scipy.fft.next_fast_len(int(n), real=True))


def auto_method(u_shape: tuple[int, ...], w_shape: tuple[int, int], *, family: str = "torch") -> str:
    """The method ``conv_valid(..., method="auto")`` picks for these shapes.

    Compares a cost model of direct summation (output size times kernel size) with one of
    the FFT path (``L1 L2 log2(L1 L2)`` for the FFT size ``L1 x L2``), fitted by measurement
    on two CPU cores (``benchmarks/bench_conv.py``). The constants were measured on CPUs; on
    CUDA the model is a reasonable guess, not a measurement.

    Parameters
    ----------
    u_shape : tuple of int
        Shape ``(..., N', M')`` of the input.
    w_shape : tuple of int
        Shape ``(n, m)`` of the kernel.
    family : {"torch", "numpy"}, keyword-only
        The inputs' family: NumPy inputs take the FFT through ``scipy.fft`` (one thread),
        torch tensors through ``torch.fft``.

    Returns
    -------
    {"direct", "fft"}

    Examples
    --------
    >>> auto_method((34, 34), (3, 3)), auto_method((319, 319), (64, 64))
    ('direct', 'fft')
    """
    check_choice(family, "family", ("torch", "numpy"))
    N, M = int(u_shape[-2]), int(u_shape[-1])
    n, m = int(w_shape[0]), int(w_shape[1])
    batch = int(np.prod(u_shape[:-2], dtype=np.int64)) if len(u_shape) > 2 else 1
    direct = _DIRECT_S_PER_MAC * (N - n + 1) * (M - m + 1) * n * m * batch
    L = _fast_len(N) * _fast_len(M)
    # 2 * batch + 1 transforms (forward per image, inverse per image, one for the kernel);
    # the constants were fitted on batch = 1, i.e. 3 transforms
    fft = _FFT_S_PER_UNIT[family] * L * math.log2(max(L, 2)) * (2 * batch + 1) / 3 + _FFT_S_FIXED
    return "fft" if fft < direct else "direct"


def conv_valid(u: Array, w: Array, h: float, *, method: str = "auto") -> Array:
    r"""Discrete valid convolution with the :math:`h^2` factor (S3-DCONV, eq. (8)).

    .. math:: (U*W)_{i,j} = h^2 \sum_{k,l} U_{i+n-k,\,j+m-l}\,W_{k,l}

    In PyTorch terms this is ``F.conv2d(U, h**2 * W.flip(-1, -2))``, since ``conv2d``
    computes a cross-correlation (editor's note EN-10).

    Parameters
    ----------
    u : numpy.ndarray or torch.Tensor, shape (..., N', M')
        Input samples :math:`U` on the padded domain :math:`\Omega_\Sigma`; any leading
        (batch, channel) dimensions are kept.
    w : numpy.ndarray or torch.Tensor, shape (n, m)
        Kernel values :math:`W` on :math:`\Sigma` (function values, not multiplied by h²);
        same family (NumPy/torch) as ``u``. It is cast to ``u``'s dtype (and device).
    h : float
        Grid spacing; each product is weighted by the cell area ``h**2``.
    method : {"auto", "direct", "fft"}, keyword-only
        ``"direct"`` sums in the spatial domain (``torch.nn.functional.conv2d``),
        ``"fft"`` multiplies real FFT spectra of a fast (2-3-5-smooth) size at least the
        input's (``scipy.fft`` for NumPy inputs, ``torch.fft`` for tensors),
        ``"auto"`` picks the faster by a measured cost model (:func:`auto_method`).
        All paths are differentiable for torch tensors. On CUDA, float32 ``"direct"``
        convolutions may run in TF32 (``torch.backends.cudnn.allow_tf32``), about three
        significant digits; use float64 for checks to machine precision.

    Returns
    -------
    numpy.ndarray or torch.Tensor, shape (..., N'-n+1, M'-m+1)
        Same family, dtype and device as ``u``.

    Raises
    ------
    TypeError
        For non-arrays, non-float dtypes (int, float16, complex), or mixed NumPy/torch
        inputs.
    ValueError
        For a kernel that is not 2-D or larger than the input, a non-positive ``h``,
        non-finite values or an unknown ``method``.

    Examples
    --------
    Convolving a constant with a kernel gives the constant times the kernel's integral:

    >>> import numpy as np
    >>> u = np.ones((6, 6)); w = np.full((2, 3), 4.0); h = 0.5
    >>> out = conv_valid(u, w, h)
    >>> out.shape
    (5, 4)
    >>> bool(np.allclose(out, h**2 * w.sum()))
    True
    """
    check_array(u, "u", min_ndim=2)
    check_array(w, "w", min_ndim=2)
    same_family(u, w, ("u", "w"))
    if w.ndim != 2:
        raise ValueError(f"w must be a 2-D kernel of shape (n, m), got shape {tuple(w.shape)}")
    h = _check_h(h)
    check_choice(method, "method", _METHODS)
    n, m = int(w.shape[0]), int(w.shape[1])
    N, M = int(u.shape[-2]), int(u.shape[-1])
    if n > N or m > M:
        raise ValueError(
            f"the kernel w of shape {(n, m)} must not be larger than the input u's last two "
            f"dimensions {(N, M)}: the valid convolution would be empty; pad u first"
        )
    if method == "auto":
        method = auto_method(tuple(u.shape), (n, m), family="numpy" if isinstance(u, np.ndarray) else "torch")
    if isinstance(u, np.ndarray) and method == "fft":
        out = _conv_fft_numpy(u, np.asarray(w, dtype=u.dtype) * u.dtype.type(h * h))
        finite = bool(np.isfinite(out).all())
    else:
        is_numpy = isinstance(u, np.ndarray)
        ut = _as_torch(u) if is_numpy else u
        wt = _as_torch(w) if is_numpy else w
        wt = wt.to(device=ut.device, dtype=ut.dtype) * (h * h)
        out = _conv_direct(ut, wt) if method == "direct" else _conv_fft(ut, wt)
        finite = bool(torch.isfinite(out).all())
        out = out.numpy() if is_numpy else out
    if not finite:
        raise ValueError(
            "the convolution overflowed (inf or NaN in the result); rescale u or w, or use float64"
        )
    return out


def _check_h(h: object) -> float:
    """``check_positive`` plus: the cell area h**2 must be a positive finite float."""
    h = check_positive(h, "h")
    if not (math.isfinite(h * h) and h * h > 0.0):
        raise ValueError(f"h**2 must be a positive finite float (no overflow or underflow), got h = {h!r}")
    return h


def _as_torch(a: np.ndarray) -> torch.Tensor:
    """A zero-copy tensor view of ``a`` where torch allows one, else a copy.

    Read-only, negatively strided or byte-swapped arrays are copied (``torch.from_numpy``
    rejects or warns about them).
    """
    if not (a.flags.writeable and a.dtype.isnative and all(s >= 0 for s in a.strides)):
        a = np.array(a, dtype=a.dtype.newbyteorder("=") if not a.dtype.isnative else a.dtype, copy=True)
    return torch.from_numpy(a)


#: Largest im2col buffer (bytes) one ``conv2d`` call may build; larger problems are chunked.
_DIRECT_CHUNK_BYTES = 2**28


def _conv_direct(u: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Valid convolution (flipped kernel, no scaling) by ``conv2d`` over flattened leading dims.

    On the CPU, ``conv2d`` unfolds the input into a buffer of (output size) x (kernel size)
    entries; big problems are cut into batch and row chunks so that it stays below
    ``_DIRECT_CHUNK_BYTES`` instead of failing to allocate.
    """
    lead = u.shape[:-2]
    N, M = u.shape[-2], u.shape[-1]
    n, m = w.shape
    oh, ow = N - n + 1, M - m + 1
    x = u.reshape(-1, 1, N, M)
    k = w.flip(-1, -2)[None, None]
    B = x.shape[0]
    per_row = ow * n * m * x.element_size()
    rows_budget = max(1, _DIRECT_CHUNK_BYTES // per_row)
    if B * oh <= rows_budget:
        y = F.conv2d(x, k)
    else:
        bsz = max(1, rows_budget // oh)
        rows = oh if bsz > 1 else min(oh, rows_budget)
        parts = []
        for b0 in range(0, B, bsz):
            xb = x[b0 : b0 + bsz]
            parts.append(torch.cat([F.conv2d(xb[..., r0 : r0 + rows + n - 1, :], k) for r0 in range(0, oh, rows)], dim=-2))
        y = torch.cat(parts, dim=0)
    return y.reshape(*lead, oh, ow)


def _conv_fft(u: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Valid convolution (no scaling) by the real FFT of a fast size L1 x L2 >= N' x M'.

    The circular convolution of size L >= N' wraps the full linear convolution (length
    N'+n-1) onto indices < n-1 only, so the valid index range n-1..N'-1 is exact.
    """
    N, M = u.shape[-2], u.shape[-1]
    n, m = w.shape
    size = (_fast_len(N), _fast_len(M))
    spec = torch.fft.rfft2(u, s=size) * torch.fft.rfft2(w, s=size)
    full = torch.fft.irfft2(spec, s=size)
    return full[..., n - 1 : N, m - 1 : M].contiguous()


def _conv_fft_numpy(u: np.ndarray, w: np.ndarray) -> np.ndarray:
    """NumPy twin of :func:`_conv_fft` with ``scipy.fft`` (one thread, like scipy.signal).

    Used for NumPy inputs: on a busy two-core machine, single-threaded pocketfft is steadier
    than torch's multi-threaded FFT (see benchmarks/RESULTS.md).
    """
    N, M = u.shape[-2], u.shape[-1]
    n, m = w.shape
    size = (_fast_len(N), _fast_len(M))
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported by the caller
        spec = scipy.fft.rfft2(u, s=size, axes=(-2, -1)) * scipy.fft.rfft2(w, s=size, axes=(-2, -1))
        full = scipy.fft.irfft2(spec, s=size, axes=(-2, -1))
    return np.ascontiguousarray(full[..., n - 1 : N, m - 1 : M])


def _origin(x: object, name: str) -> tuple[float, float]:
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise TypeError(f"{name} must be a pair (x1, x2) of real numbers, got {x!r}")
    out = []
    for v in x:
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(float(v)):
            raise ValueError(f"{name} must be a pair of finite real numbers, got {x!r}")
        out.append(float(v))
    return out[0], out[1]


def conv_pc_exact(
    U: Array,
    W: Array,
    h: float,
    x1: object,
    x2: object,
    *,
    u_origin: tuple[float, float] = (0.0, 0.0),
    w_origin: tuple[float, float] = (0.0, 0.0),
) -> Array:
    r"""Exact value of the continuous convolution (1) of two :math:`PC_h` functions anywhere.

    Lattice convention. ``U`` (shape ``(N, M)``) are the coefficients of

    .. math:: u^h(y)=U_{a,b}\quad\text{for } y\in o_u+h\,\big([a,a+1)\times[b,b+1)\big),

    zero outside the rectangle :math:`o_u+[0,Nh)\times[0,Mh)`, where :math:`o_u` is
    ``u_origin`` (the corner of cell ``[0, 0]``, e.g. ``(rect.a, rect.c)`` of a cell-aligned
    :class:`~fscnn_lib.grids.Grid`); likewise ``W`` with :math:`o_w` = ``w_origin``. Since
    :math:`\chi_{Q}*\chi_{Q}` is the tent :math:`h^2\Lambda_h`, with
    :math:`\Lambda_h(z)=(1-|z_1|/h)_+(1-|z_2|/h)_+` (EN-16b),

    .. math:: (u^h*w^h)(x)=\sum_{k,l}h^2F_{k,l}\,\Lambda_h\big(x-z_{k,l}\big),\qquad
              z_{k,l}=o_u+o_w+h\,(k+1,\,l+1),

    where :math:`F=U\star W` is the *full* discrete convolution (shape
    ``(N+n-1, M+m-1)``). So :math:`u^h*w^h` is the bilinear interpolant of :math:`h^2F` on
    the nodes :math:`z_{k,l}`, vanishing one cell beyond them. The valid part
    (:func:`conv_valid`, eq. (8)) is :math:`F_{k,l}` for :math:`k\ge n-1`, :math:`l\ge m-1`:
    output ``[i, j]`` of ``conv_valid(U, W, h)`` is the value at the node
    :math:`o_u+o_w+h\,(i+n,\,j+m)` (the index shift of EN-10; see :func:`valid_output_grid`).

    Parameters
    ----------
    U : numpy.ndarray or torch.Tensor, shape (N, M)
        Coefficients of :math:`u^h` (float32/float64).
    W : numpy.ndarray or torch.Tensor, shape (n, m)
        Coefficients of :math:`w^h`, same family; no size restriction relative to ``U``.
    h : float
        Common grid spacing.
    x1, x2 : array_like
        Evaluation points, broadcast against each other.
    u_origin, w_origin : pair of float, keyword-only
        Lower-left corners :math:`o_u`, :math:`o_w` of the two supports.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        Values at the points (broadcast shape), same family and dtype as ``U``. Not
        differentiable for torch inputs (the values pass through NumPy).

    Raises
    ------
    TypeError, ValueError
        For invalid arrays (as :func:`conv_valid`), non-2-D ``U``, bad origins, ``h`` or
        points.

    Examples
    --------
    Two unit cells at the origin give the tent of height :math:`h^2` centred at :math:`(h,h)`:

    >>> import numpy as np
    >>> one = np.ones((1, 1)); h = 0.5
    >>> conv_pc_exact(one, one, h, [0.5, 0.75, 1.0, 1.5], 0.5).tolist()
    [0.25, 0.125, 0.0, 0.0]

    At the nodes it reproduces eq. (8):

    >>> rng = np.random.default_rng(0); U = rng.normal(size=(6, 5)); W = rng.normal(size=(3, 2))
    >>> i, j = np.meshgrid(np.arange(4), np.arange(4), indexing="ij")
    >>> vals = conv_pc_exact(U, W, 0.1, 0.1 * (i + 3), 0.1 * (j + 2))
    >>> bool(np.allclose(vals, conv_valid(U, W, 0.1)))
    True
    """
    check_array(U, "U", min_ndim=2)
    check_array(W, "W", min_ndim=2)
    same_family(U, W, ("U", "W"))
    for name, arr in (("U", U), ("W", W)):
        if arr.ndim != 2:
            raise ValueError(f"{name} must be 2-D, got shape {tuple(arr.shape)}; evaluate one image at a time")
    h = _check_h(h)
    ou, ow = _origin(u_origin, "u_origin"), _origin(w_origin, "w_origin")
    try:
        y1, y2 = np.broadcast_arrays(np.asarray(x1, dtype=np.float64), np.asarray(x2, dtype=np.float64))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"x1 and x2 must be real arrays that broadcast together: {exc}") from None
    if not (np.isfinite(y1).all() and np.isfinite(y2).all()):
        raise ValueError("the points x1, x2 must be finite (no NaN or inf)")
    n, m = int(W.shape[0]), int(W.shape[1])
    full = conv_valid(zero_pad(U, (n - 1, n - 1, m - 1, m - 1)), W, h)
    if isinstance(full, torch.Tensor):
        full_np = full.detach().cpu().numpy().astype(np.float64)
    else:
        full_np = full.astype(np.float64)
    G = np.pad(full_np, 1)  # padded index p sits at o_u + o_w + p*h
    with np.errstate(over="ignore"):  # far-away points: clipped below, where the value is 0
        t1 = np.clip((y1 - ou[0] - ow[0]) / h, -2.0, G.shape[0] + 1.0)
        t2 = np.clip((y2 - ou[1] - ow[1]) / h, -2.0, G.shape[1] + 1.0)
    i0, j0 = np.floor(t1), np.floor(t2)
    f1, f2 = t1 - i0, t2 - j0
    i0, j0 = i0.astype(np.int64), j0.astype(np.int64)
    out = np.zeros(y1.shape)
    for di, wi in ((0, 1.0 - f1), (1, f1)):
        for dj, wj in ((0, 1.0 - f2), (1, f2)):
            ii, jj = i0 + di, j0 + dj
            ok = (ii >= 0) & (ii < G.shape[0]) & (jj >= 0) & (jj < G.shape[1])
            vals = np.where(ok, G[np.clip(ii, 0, G.shape[0] - 1), np.clip(jj, 0, G.shape[1] - 1)], 0.0)
            out += wi * wj * vals
    if isinstance(U, torch.Tensor):
        return torch.as_tensor(out, dtype=U.dtype, device=U.device)
    return out.astype(U.dtype, copy=False)


def valid_output_grid(u_grid: Grid, w_grid: Grid) -> Grid:
    r"""The node-aligned grid on which ``conv_valid`` returns the values of (1) (EN-15, item 4).

    For an input on the cell-aligned :math:`\Omega'=(a',b')\times(c',d')` and a kernel on the
    cell-aligned :math:`\Sigma=(p,q)\times(r,s)` (same :math:`h`), the output domain with
    :math:`\Omega-\Sigma=\Omega'` is :math:`\Omega=(a'+q,\,b'+p)\times(c'+s,\,d'+r)`, and the
    :math:`N'-n+1` outputs per side are the values at the nodes of :math:`\bar\Omega`.

    Parameters
    ----------
    u_grid, w_grid : Grid
        Cell-aligned grids of the input and of the kernel, with equal ``h``.

    Returns
    -------
    Grid
        Node-aligned, ``shape == (N'-n+1, M'-m+1)``.

    Raises
    ------
    TypeError
        If an argument is not a :class:`~fscnn_lib.grids.Grid`.
    ValueError
        If a grid is not cell-aligned, the spacings differ, or the kernel's domain is not
        smaller than the input's in both directions.

    Examples
    --------
    The 1-D bookkeeping of S3-SIZES: 9 input cells, 3 kernel cells, 7 output nodes.

    >>> from fscnn_lib.grids import Rectangle
    >>> gu = Grid(Rectangle(-0.5, 8.5, -0.5, 8.5), 1.0); gw = Grid(Rectangle(-1.5, 1.5, -1.5, 1.5), 1.0)
    >>> valid_output_grid(gu, gw)
    Grid on (1, 7) × (1, 7), h = 1, node-aligned, 7 × 7 samples
    """
    for name, g in (("u_grid", u_grid), ("w_grid", w_grid)):
        if not isinstance(g, Grid):
            raise TypeError(f"{name} must be a Grid, got {type(g).__name__}")
        if g.align != "cell":
            raise ValueError(f"{name} must be cell-aligned (align='cell'), got align={g.align!r}")
    if not math.isclose(u_grid.h, w_grid.h, rel_tol=1e-12):
        raise ValueError(f"u_grid and w_grid must have the same h, got {u_grid.h!r} and {w_grid.h!r}")
    U, S = u_grid.rect, w_grid.rect
    if not (S.width < U.width and S.height < U.height):
        raise ValueError(
            f"the kernel domain {S!r} must be smaller than the input domain {U!r} in both directions"
        )
    rect = Rectangle(U.a + S.b, U.b + S.a, U.c + S.d, U.d + S.c)
    return Grid(rect, u_grid.h, align="node")




def lp_norm(u: Array, h: float, p: float = 2.0) -> float | Array:
    r"""Discrete :math:`L^p` norm of a :math:`PC_h` function, :math:`(h^2\sum|U_{i,j}|^p)^{1/p}`.

    For ``p = inf`` it is :math:`\max|U_{i,j}|`. These are the exact :math:`L^p` norms of
    the piecewise constant function with coefficients ``U`` on whole cells of area
    :math:`h^2`.

    Parameters
    ----------
    u : numpy.ndarray or torch.Tensor, shape (..., N, M)
    h : float
    p : float in [1, inf]

    Returns
    -------
    float, or array of shape ``u.shape[:-2]`` (same family) for batched input

    Raises
    ------
    TypeError, ValueError
        For invalid arrays, ``h`` or ``p``.

    Examples
    --------
    >>> import numpy as np
    >>> lp_norm(np.ones((4, 4)), 0.25, 2), lp_norm(np.full((2, 2), -3.0), 0.5, np.inf)
    (1.0, 3.0)
    """
    check_array(u, "u", min_ndim=2)
    h = _check_h(h)
    p = _check_p(p)
    a = u.abs() if isinstance(u, torch.Tensor) else np.abs(u)
    if math.isinf(p):
        out = a.amax(dim=(-2, -1)) if isinstance(u, torch.Tensor) else a.max(axis=(-2, -1))
    else:
        s = (a**p).sum(dim=(-2, -1)) if isinstance(u, torch.Tensor) else (a**p).sum(axis=(-2, -1))
        out = (h * h * s) ** (1.0 / p)
    return float(out) if u.ndim == 2 else out


def young_bound(u: Array, w: Array, h: float, p: float) -> tuple[float, float]:
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
    (lhs, rhs) : tuple of float
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
    return lp_norm(out, h, p), lp_norm(u, h, 1.0) * lp_norm(w, h, p)


def holder_bound(u: Array, w: Array, h: float, p: float) -> tuple[float, float]:
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
    (lhs, rhs) : tuple of float

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
    return lp_norm(out, h, math.inf), lp_norm(u, h, _conjugate(p)) * lp_norm(w, h, p)


def _check_shift(shift: object) -> tuple[int, int]:
    if not isinstance(shift, (tuple, list)) or len(shift) != 2:
        raise TypeError(f"shift must be a pair (s1, s2) of ints (the translation in cells), got {shift!r}")
    out = []
    for s in shift:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral):
            raise TypeError(f"shift must hold ints (cells), got {type(s).__name__}")
        out.append(int(s))
    return out[0], out[1]


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
) -> tuple[float, float]:
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
    (lhs, rhs) : tuple of float

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
    return lhs, rhs


def _check_2d(u: object, name: str) -> None:
    check_array(u, name, min_ndim=2)
    if u.ndim != 2:
        raise ValueError(f"{name} must be 2-D (one image), got shape {tuple(u.shape)}")
