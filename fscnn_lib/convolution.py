r"""Valid convolution in function space and on pixel grids.

The paper's valid convolution (Definition and Proposition 2.1, eq. (1)) of
:math:`u` on :math:`\Omega_\Sigma=\Omega-\Sigma` with a kernel :math:`w` on
:math:`\Sigma` is

.. math:: (u*w)(x) = \int_\Sigma w(y)\,u(x-y)\,dy, \qquad x\in\Omega .

Proposition 2.1 bounds it by Young's and Hölder's inequalities,

.. math:: \|u*w\|_{L^p(\Omega)}\le\|u\|_{L^1(\Omega_\Sigma)}\|w\|_{L^p(\Sigma)},\qquad
          \|u*w\|_{L^\infty(\Omega)}\le\|u\|_{L^{p'}(\Omega_\Sigma)}\|w\|_{L^p(\Sigma)}

(the second one is editor's note EN-3c); :mod:`fscnn_lib.conv_bounds` returns both sides
(:class:`~fscnn_lib.norms.BoundSides`) so that tests and chapters can assert them.

Its discrete form (Section 3, "discrete valid convolution", item S3-DCONV) is the Riemann sum

.. math:: (U*W)_{i,j} = \sum_{k=1}^{n}\sum_{l=1}^{m} h^2\,U_{i+n-k,\,j+m-l}\,W_{k,l},

a true convolution (the kernel is flipped) scaled by the cell area :math:`h^2`
(:func:`conv_valid`). For piecewise constant functions on the grid of spacing :math:`h`,
this sum is the exact value of (1) at the grid nodes (eq. (8)), and between nodes the
exact value is the bilinear interpolant of the node values (editor's note EN-16b),
:func:`~fscnn_lib.conv_exact.conv_pc_exact`. :func:`conv_channels` is the multi-channel
form (Remark 2.6) every network computes through.

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588 (2022), Prop. 2.1, Remark 2.2, eq. (8);
   see book/references.bib, key habring2022note.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.fft
import torch
import torch.nn.functional as F

from ._validate import Array, check_array, check_choice, check_positive, same_family

__all__ = [
    "conv_valid",
    "auto_method",
    "conv_channels",
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


def auto_method(
    u_shape: tuple[int, ...], w_shape: tuple[int, int], *, family: str = "torch", channels: tuple[int, int] = (1, 1)
) -> str:
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
    channels : (int, int), keyword-only
        ``(C_in, C_out)`` of a multi-channel convolution (:func:`conv_channels`); then
        ``u_shape`` is ``(B, C_in, N', M')``.

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
    ci, co = int(channels[0]), int(channels[1])
    lead = u_shape[:-2] if (ci, co) == (1, 1) else u_shape[:-3]
    batch = int(np.prod(lead, dtype=np.int64)) if len(lead) > 0 else 1
    direct = _DIRECT_S_PER_MAC * (N - n + 1) * (M - m + 1) * n * m * batch * ci * co
    L = _fast_len(N) * _fast_len(M)
    # B*C_in forward, C_in*C_out kernel and B*C_out inverse transforms (2B + 1 for one
    # channel); the constants were fitted on B = 1, i.e. 3 transforms. The spectral product
    # (one complex multiply-add per frequency and channel pair) is not in the model.
    transforms = batch * ci + ci * co + batch * co
    fft = _FFT_S_PER_UNIT[family] * L * math.log2(max(L, 2)) * transforms / 3 + _FFT_S_FIXED
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


def conv_channels(x: Array, w: Array, h: float, *, method: str = "auto") -> Array:
    r"""Multi-channel valid convolution :math:`V_{b,c}=\sum_{c'}X_{b,c'}*W_{c,c'}` (Remark 2.6).

    Each term is :func:`conv_valid` (the :math:`h^2` factor, flipped kernel, eq. (8)); in
    PyTorch terms ``F.conv2d(X, h**2 * W.flip(-1, -2))``. This is the engine every network
    of the library convolves with.

    Parameters
    ----------
    x : numpy.ndarray or torch.Tensor, shape (B, C_in, N', M')
    w : numpy.ndarray or torch.Tensor, shape (C_out, C_in, n, m)
        Same family as ``x``; cast to its dtype and device.
    h : float
        Grid spacing.
    method : {"auto", "direct", "fft"}, keyword-only
        As in :func:`conv_valid`; ``"auto"`` uses :func:`auto_method` with the channels.
        Tensors never pass through NumPy (differentiable, any device).

    Returns
    -------
    numpy.ndarray or torch.Tensor, shape (B, C_out, N'-n+1, M'-m+1)

    Raises
    ------
    TypeError
        For non-arrays, non-float dtypes or mixed families.
    ValueError
        For wrong ranks, mismatched ``C_in``, a kernel larger than the input, bad ``h`` or
        ``method``, non-finite values.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.ones((1, 2, 5, 5)); w = np.ones((3, 2, 2, 2))
    >>> v = conv_channels(x, w, 0.5)
    >>> v.shape, float(v[0, 1, 0, 0])      # 2 channels x 4 cells x h^2
    ((1, 3, 4, 4), 2.0)
    """
    check_array(x, "x", min_ndim=4)
    check_array(w, "w", min_ndim=4)
    same_family(x, w, ("x", "w"))
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"x must be (B, C_in, N, M) and w (C_out, C_in, n, m), got {tuple(x.shape)}, {tuple(w.shape)}")
    if int(w.shape[1]) != int(x.shape[1]):
        raise ValueError(f"w must have C_in = x.shape[1] = {int(x.shape[1])} input channels, got w.shape[1] = {int(w.shape[1])}")
    h = _check_h(h)
    check_choice(method, "method", _METHODS)
    (n, m), (N, M) = (int(w.shape[-2]), int(w.shape[-1])), (int(x.shape[-2]), int(x.shape[-1]))
    if n > N or m > M:
        raise ValueError(f"the kernel's last two dimensions {(n, m)} must not exceed the input's {(N, M)}; pad x first")
    is_numpy = isinstance(x, np.ndarray)
    if method == "auto":
        cio = (int(w.shape[1]), int(w.shape[0]))
        method = auto_method(tuple(x.shape), (n, m), family="numpy" if is_numpy else "torch", channels=cio)
    xt = _as_torch(x) if is_numpy else x
    wt = (_as_torch(w) if is_numpy else w).to(device=xt.device, dtype=xt.dtype) * (h * h)
    if method == "direct":
        k = wt.flip(-1, -2)
        per_image = (N - n + 1) * (M - m + 1) * n * m * int(x.shape[1]) * xt.element_size()
        bsz = max(1, _DIRECT_CHUNK_BYTES // max(per_image, 1))
        out = torch.cat([F.conv2d(xt[b : b + bsz], k) for b in range(0, int(x.shape[0]), bsz)], dim=0)
    else:
        size = (_fast_len(N), _fast_len(M))
        spec = torch.einsum("bihw,oihw->bohw", torch.fft.rfft2(xt, s=size), torch.fft.rfft2(wt, s=size))
        out = torch.fft.irfft2(spec, s=size)[..., n - 1 : N, m - 1 : M].contiguous()
    if not bool(torch.isfinite(out).all()):
        raise ValueError("the convolution overflowed (inf or NaN in the result); rescale x or w, or use float64")
    return out.numpy() if is_numpy else out


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
