r"""Function space CNNs (fsCNN) and their evaluation on pixel grids (dCNN = aCNN at the nodes).

The paper's network (Definition fsCNN, Section 2) maps an input measure
:math:`\mu\in M(\Omega_0)` through :math:`L` layers

.. math::
    \mu^0=\mu,\qquad
    \mu^{l+1}=\sigma\big((R_{\Omega_l,\Omega_l'}\mu^l)*w^l+b^l\big)\ (l\le L-2),\qquad
    NN(\mu)=(R_{\Omega_{L-1},\Omega_{L-1}'}\mu^{L-1})*w^{L-1}+b^{L-1},

with kernels :math:`w^l` on fixed *physical* rectangles :math:`\Sigma_l\ni0`, reflection
:math:`R` (eq. (2)) and no activation after the last layer. :class:`FsCNN` holds one such
network; :meth:`FsCNN.at` evaluates it at any resolution :math:`h` as a discrete CNN
(Definition dCNN, Section 3) built from the discrete valid convolution with the
:math:`h^2` factor (:func:`fscnn_lib.conv_valid`).

Grid conventions (same padding, editor's note EN-15)
----------------------------------------------------
* :math:`\Omega_l=\Omega=(0,1)^2` for all :math:`l`, :math:`\Sigma_l=(-a_l,a_l)^2` with
  :math:`a_l` a multiple of :math:`h`, :math:`p_l=a_l/h`, :math:`N=1/h`.
* Kernels are :math:`PC_h(\Sigma_l)` functions: one value per cell of the cell-aligned
  grid of :math:`\Sigma_l`, a ``(C_{l+1}, C_l, 2p_l, 2p_l)`` array (:meth:`FsCNN.cell_kernel`).
* Layer 0: the input is cell-aligned, ``(B, C_0, N, N)`` cell values of :math:`\Omega_0`;
  ``"symmetric"`` reflection by :math:`p_0` samples, then the valid convolution returns the
  exact values of :math:`(Ru)*w^0` at the :math:`N+1` **nodes** :math:`x=ih` of
  :math:`\bar\Omega` (eq. (8)).
* Layers :math:`l\ge1`: the activation is node-aligned, a :math:`PC_h` function with one cell
  centred at each node (half cells at the border, EN-13c); ``"reflect"`` reflection by
  :math:`p_l` samples. Its exact convolution with a cell-aligned :math:`PC_h` kernel is the
  bilinear interpolant of values at the *cell centres* (EN-16b), so its node values are the
  averages of four neighbours. Equivalently, layer :math:`l\ge1` convolves with the
  ``(2p_l+1) x (2p_l+1)`` **node kernel** (:func:`cell_to_node_kernel`): the mean of the
  (up to four) cells of :math:`\Sigma_l` that touch each node of :math:`\bar\Sigma_l`. It
  returns :math:`N+1` nodes again.

With these conventions the dCNN output equals the aCNN (Definition aCNN, with
:math:`P_h` summing over nodes of the closed square) at every node, exactly; as
:math:`h\to0` it converges uniformly to the fsCNN (Thm 3.6).

Channels (Remark 2.6) mix as :math:`\sum_{c'}(R\mu^l_{c'})*w^l_{c,c'}+b^l_c`. A skip
``(f, t)`` adds :math:`\mu^f` (``1 <= f < t <= L``) to the pre-activation :math:`\hat\mu^t`
of layer ``t`` (``t = L`` is the output). Batch normalisation (Def. A.1, EN-29, EN-30) acts
on the pre-activations of the hidden layers with the :math:`h^2` quadrature weights of the
node-aligned :math:`PC_h` functions.

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588 (2022), Def. fsCNN, Remark 2.6, Thm 2.7,
   Def. dCNN, Def. aCNN, eq. (8), Def. A.1.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import NamedTuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._validate import check_array, check_choice, check_int, check_positive
from .grids import Rectangle
from .padding import reflect_pad

__all__ = ["FsCNN", "DCNN", "cell_to_node_kernel", "DomainChain", "domain_chain", "radial_power_kernel"]

KernelSpec = Union[np.ndarray, torch.Tensor, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]]

_METHODS = ("auto", "direct", "fft")
#: ``method="auto"`` uses the FFT when a kernel has more entries than this.
AUTO_FFT_MIN_KERNEL = 64
_TOL = 1e-9


# ------------------------------------------------------------------------------ helpers
def _fmt_h(h: float) -> str:
    n = 1.0 / h
    return f"1/{int(round(n))}" if abs(n - round(n)) < _TOL * max(1.0, n) else f"{h:g}"


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


def _conv_channels(x: torch.Tensor, w: torch.Tensor, h: float, method: str) -> torch.Tensor:
    r"""Multi-channel valid convolution :math:`h^2\sum_{c'}X_{c'}*W_{c,c'}` (kernel flipped, as conv_valid)."""
    n, m = int(w.shape[-2]), int(w.shape[-1])
    if method == "auto":
        method = "fft" if n * m > AUTO_FFT_MIN_KERNEL else "direct"
    if method == "direct":
        y = F.conv2d(x, w.flip(-1, -2))
    else:
        H, W = int(x.shape[-2]), int(x.shape[-1])
        xs = torch.fft.rfft2(x, s=(H, W))
        ws = torch.fft.rfft2(w, s=(H, W))
        y = torch.fft.irfft2(torch.einsum("bihw,oihw->bohw", xs, ws), s=(H, W))
        y = y[..., n - 1 : H, m - 1 : W]
    return y * (h * h)


def _node_weights(n: int, h: float, like: torch.Tensor) -> torch.Tensor:
    """Quadrature weights h^2 c_i c_j of a node-aligned PC_h function on [0,1]^2 (half cells at the border)."""
    c = torch.ones(n, dtype=like.dtype, device=like.device)
    c[0] = c[-1] = 0.5
    return (h * h) * c[:, None] * c[None, :]


# ----------------------------------------------------------------- domain bookkeeping
class DomainChain(NamedTuple):
    r"""The domains of an fsCNN (Def. fsCNN): activation domains, kernel domains, padded domains.

    ``padded[l]`` is :math:`\Omega_l'=\Omega_{l+1}-\Sigma_l`, the rectangle on which the
    reflected activation :math:`R_{\Omega_l,\Omega_l'}\mu^l` must live so that its valid
    convolution with :math:`w^l` is defined on :math:`\Omega_{l+1}`; ``reflectable[l]`` says
    whether :math:`\Omega_l\subset\Omega_l'`, which the reflection :math:`R_{\Omega_l,\Omega_l'}`
    needs (EN-6a).
    """

    activation: tuple[Rectangle, ...]
    kernel: tuple[Rectangle, ...]
    padded: tuple[Rectangle, ...]
    reflectable: tuple[bool, ...]


def _rect_inside(inner: Rectangle, outer: Rectangle) -> bool:
    tol = _TOL * max(1.0, abs(outer.a), abs(outer.b), abs(outer.c), abs(outer.d))
    return (
        inner.a >= outer.a - tol and inner.b <= outer.b + tol and inner.c >= outer.c - tol and inner.d <= outer.d + tol
    )


def domain_chain(activation_domains: Sequence[Rectangle], kernel_domains: Sequence[Rectangle]) -> DomainChain:
    r"""The padded domains :math:`\Omega_l'=\Omega_{l+1}-\Sigma_l` of an fsCNN and the check :math:`\Omega_l\subset\Omega_l'`.

    Parameters
    ----------
    activation_domains : sequence of Rectangle, length L + 1
        :math:`\Omega_0,\dots,\Omega_L` (:math:`\Omega_L=\Omega` is the output domain).
    kernel_domains : sequence of Rectangle, length L
        :math:`\Sigma_0,\dots,\Sigma_{L-1}`, each containing the origin.

    Returns
    -------
    DomainChain

    Raises
    ------
    TypeError
        If an entry is not a :class:`~fscnn_lib.grids.Rectangle`.
    ValueError
        If the lengths do not match or a kernel domain does not contain :math:`0`.

    Examples
    --------
    Same padding, :math:`\Omega_l=(0,1)^2`: every :math:`\Omega_l'` contains :math:`\Omega_l`.

    >>> om, sig = Rectangle(0, 1, 0, 1), Rectangle(-0.125, 0.125, -0.125, 0.125)
    >>> ch = domain_chain([om, om, om], [sig, sig])
    >>> ch.padded[0], ch.reflectable
    (Rectangle (-0.125, 1.125) × (-0.125, 1.125), (True, True))

    A layer that zooms into a small window cannot reflect :math:`\Omega_0` onto :math:`\Omega_0'` (EN-6a):

    >>> domain_chain([om, Rectangle(0.4, 0.6, 0.4, 0.6)], [sig]).reflectable
    (False,)
    """
    if not isinstance(activation_domains, (list, tuple)) or not isinstance(kernel_domains, (list, tuple)):
        raise TypeError("activation_domains and kernel_domains must be lists of Rectangle")
    L = len(kernel_domains)
    if L < 1 or len(activation_domains) != L + 1:
        raise ValueError(
            f"need L >= 1 kernel domains and L + 1 activation domains (Omega_0..Omega_L), got "
            f"{len(kernel_domains)} and {len(activation_domains)}"
        )
    for name, rects in (("activation_domains", activation_domains), ("kernel_domains", kernel_domains)):
        for i, r in enumerate(rects):
            if not isinstance(r, Rectangle):
                raise TypeError(f"{name}[{i}] must be a Rectangle, got {type(r).__name__}")
    for l, sig in enumerate(kernel_domains):
        if not sig.contains((0.0, 0.0), closed=True):
            raise ValueError(f"kernel_domains[{l}] must contain the origin (0 in Sigma_{l}), got {sig!r}")
    padded = tuple(activation_domains[l + 1] - kernel_domains[l] for l in range(L))
    ok = tuple(_rect_inside(activation_domains[l], padded[l]) for l in range(L))
    return DomainChain(tuple(activation_domains), tuple(kernel_domains), padded, ok)


# ------------------------------------------------------------- singular kernels (EN-7)
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
    ValueError
        If ``alpha >= 2`` or ``h`` does not divide ``half_width``.

    Examples
    --------
    The integral of :math:`|y|^{-1}` over :math:`(-a,a)^2` is :math:`8a\,\mathrm{arsinh}(1)`:

    >>> w = radial_power_kernel(1.0, 0.25, 1 / 16)
    >>> w.shape, round(float(w.sum()) / 16**2, 10) == round(8 * 0.25 * math.asinh(1.0), 10)
    ((8, 8), True)
    """
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not math.isfinite(float(alpha)):
        raise ValueError(f"alpha must be a finite real number < 2, got {alpha!r}")
    alpha = float(alpha)
    if alpha >= 2.0:
        raise ValueError(f"alpha must be < 2 (|y|^-alpha must be integrable near 0 in 2D), got {alpha!r}")
    a = check_positive(half_width, "half_width")
    h = check_positive(h, "h")
    n = _ratio(a, h)
    if n is None:
        raise ValueError(f"h={h!r} must divide half_width={a!r} (the origin must be a grid node)")
    q = _unit_quadrant_cells(alpha, n) * h ** (-alpha)  # h^{2-alpha} * unit integral / h^2
    top = np.concatenate([q[::-1, ::-1], q[::-1, :]], axis=1)
    bottom = np.concatenate([q[:, ::-1], q], axis=1)
    return np.ascontiguousarray(np.concatenate([top, bottom], axis=0))


# ------------------------------------------------------------------------------- FsCNN
class FsCNN(nn.Module):
    r"""One function space CNN (Def. fsCNN, Remark 2.6), evaluable at any resolution h.

    Parameters
    ----------
    kernels : sequence of arrays or callables, length L
        Kernel :math:`w^l` on :math:`\Sigma_l=(-a_l,a_l)^2`, either

        * a piecewise constant coefficient array of shape ``(C_{l+1}, C_l, k1, k2)``
          (or ``(k1, k2)`` for one channel) on the coarse ``k1 x k2`` grid of
          :math:`\Sigma_l` (first axis = :math:`y_1`); it is refined exactly to every
          :math:`h` for which :math:`(2a_l/k)/h` is an integer, and becomes a trainable
          ``nn.Parameter``; or
        * a callable ``w(y1, y2)`` taking torch tensors of cell-centre coordinates of shape
          ``(n, n)`` and returning a tensor broadcastable to ``(C_{l+1}, C_l, n, n)``; it is
          sampled at the cell centres of :math:`\Sigma_l` at each :math:`h` (``channels``
          is then required).
    half_widths : sequence of float, length L
        :math:`a_l>0`.
    biases : sequence of float or array of shape (C_{l+1},), optional
        :math:`b^l`; zeros by default.
    channels : sequence of int, length L + 1, optional
        :math:`(C_0,\dots,C_L)`; inferred from array kernels when omitted.
    activation : callable, default ``torch.relu``
        :math:`\sigma`, applied elementwise after layers ``0..L-2``; Thm 2.7 needs it
        Lipschitz (not checked).
    skips : sequence of (int, int)
        Pairs ``(f, t)``, ``1 <= f < t <= L``, ``C_f == C_t``: :math:`\hat\mu^t\mathrel{+}=\mu^f`
        (``t = L`` is the output).
    batch_norm : bool
        Function-space batch normalisation (Def. A.1) of the pre-activations of layers
        ``0..L-2``, per-channel :math:`\gamma,\beta` (EN-29).
    bn_eps : float
        :math:`\varepsilon>0` of Def. A.1 (EN-30: :math:`\varepsilon=0` makes BN discontinuous).
    bn_momentum : float
        Weight of the new batch in the running statistics, in ``(0, 1]``.
    dtype : torch.dtype
        Of the stored parameters; each evaluation casts to the input's dtype and device.

    Examples
    --------
    One network, two resolutions, outputs agreeing at the common nodes up to O(h):

    >>> net = FsCNN.random(channels=[1, 2, 1], half_widths=[0.125, 0.125], coarse=4, seed=0)
    >>> u32 = torch.ones(1, 1, 32, 32, dtype=torch.float64)
    >>> u64 = torch.ones(1, 1, 64, 64, dtype=torch.float64)
    >>> y32, y64 = net.at(1 / 32)(u32), net.at(1 / 64)(u64)
    >>> tuple(y32.shape), tuple(y64.shape)
    ((1, 1, 33, 33), (1, 1, 65, 65))
    >>> bool(torch.allclose(y32, y64[..., ::2, ::2]))      # constant input: exact at every h
    True
    """

    def __init__(
        self,
        kernels: Sequence[KernelSpec],
        half_widths: Sequence[float],
        *,
        biases: Sequence[float | np.ndarray | torch.Tensor] | None = None,
        channels: Sequence[int] | None = None,
        activation: Callable[[torch.Tensor], torch.Tensor] = torch.relu,
        skips: Sequence[tuple[int, int]] = (),
        batch_norm: bool = False,
        bn_eps: float = 1e-5,
        bn_momentum: float = 0.1,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        super().__init__()
        if not isinstance(kernels, (list, tuple)) or len(kernels) == 0:
            raise TypeError(f"kernels must be a non-empty list of arrays or callables, got {type(kernels).__name__}")
        L = len(kernels)
        if not isinstance(half_widths, (list, tuple)) or len(half_widths) != L:
            raise ValueError(
                f"half_widths must be a list with one a_l per layer ({L} layers), got {half_widths!r}"
            )
        self.half_widths = tuple(check_positive(a, f"half_widths[{l}]") for l, a in enumerate(half_widths))
        if dtype not in (torch.float32, torch.float64):
            raise TypeError(f"dtype must be torch.float32 or torch.float64, got {dtype}")
        if not callable(activation):
            raise TypeError(f"activation must be a callable on tensors (e.g. torch.relu), got {type(activation).__name__}")
        self.activation = activation

        # --- kernels: arrays become parameters, callables are kept
        arrays: dict[int, torch.Tensor] = {}
        self._callables: dict[int, Callable] = {}
        for l, k in enumerate(kernels):
            if isinstance(k, (np.ndarray, torch.Tensor)):
                check_array(k, f"kernels[{l}]", min_ndim=2)
                t = torch.as_tensor(k).detach().clone().to(dtype)
                if t.ndim == 2:
                    t = t[None, None]
                if t.ndim != 4:
                    raise ValueError(
                        f"kernels[{l}] must have shape (C_out, C_in, k1, k2) or (k1, k2), got {tuple(k.shape)}"
                    )
                arrays[l] = t
            elif callable(k):
                self._callables[l] = k
            else:
                raise TypeError(f"kernels[{l}] must be an array (coarse coefficients) or a callable w(y1, y2), got {type(k).__name__}")

        # --- channels
        if channels is None:
            if self._callables:
                raise ValueError(
                    "channels must be given when a kernel is a callable (its channel counts cannot be "
                    f"inferred); pass channels=[C_0, ..., C_{L}]"
                )
            channels = [int(arrays[0].shape[1])] + [int(arrays[l].shape[0]) for l in range(L)]
        if not isinstance(channels, (list, tuple)) or len(channels) != L + 1:
            raise ValueError(f"channels must be a list of L + 1 = {L + 1} ints (C_0, ..., C_L), got {channels!r}")
        self.channels = tuple(check_int(c, f"channels[{i}]", minimum=1) for i, c in enumerate(channels))
        for l, t in arrays.items():
            want = (self.channels[l + 1], self.channels[l])
            if tuple(t.shape[:2]) != want:
                raise ValueError(
                    f"kernels[{l}] must have (C_out, C_in) = {want} (channels C_{l + 1}, C_{l}), "
                    f"got {tuple(t.shape[:2])}; check channels or the kernel's first two axes"
                )
        self.coarse_kernels = nn.ParameterDict({str(l): nn.Parameter(t) for l, t in arrays.items()})

        # --- biases
        bias_list = []
        for l in range(L):
            c = self.channels[l + 1]
            b = 0.0 if biases is None else biases[l] if len(biases) == L else None
            if b is None:
                raise ValueError(f"biases must have one entry per layer ({L}), got {len(biases)}")
            if isinstance(b, numbers.Real) and not isinstance(b, bool):
                bt = torch.full((c,), float(b), dtype=dtype)
            else:
                bt = torch.as_tensor(b, dtype=dtype).reshape(-1)
                if bt.numel() == 1:
                    bt = bt.expand(c).clone()
            if bt.shape != (c,) or not bool(torch.isfinite(bt).all()):
                raise ValueError(f"biases[{l}] must be a finite float or {c} finite values (one per channel of layer {l + 1})")
            bias_list.append(nn.Parameter(bt))
        self.biases = nn.ParameterList(bias_list)

        # --- skips
        sk = []
        for s in skips:
            if not (isinstance(s, (tuple, list)) and len(s) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in s)):
                raise TypeError(f"each skip must be a pair of ints (from_layer, to_layer), got {s!r}")
            f, t = int(s[0]), int(s[1])
            if not 1 <= f < t <= L:
                raise ValueError(
                    f"skip {s!r} must satisfy 1 <= from_layer < to_layer <= L = {L}: it adds the activation "
                    "mu^from to the pre-activation of layer to_layer (to_layer = L is the output); "
                    "skips from the input (from_layer = 0) are not supported"
                )
            if self.channels[f] != self.channels[t]:
                raise ValueError(
                    f"skip {s!r} needs equal channel counts, got C_{f} = {self.channels[f]} and C_{t} = {self.channels[t]}"
                )
            if (f, t) in sk:
                raise ValueError(f"skip {s!r} is given twice")
            sk.append((f, t))
        self.skips = tuple(sorted(sk))

        # --- batch normalisation (Def. A.1)
        self.batch_norm = bool(batch_norm)
        self.bn_eps = check_positive(bn_eps, "bn_eps")
        m = float(bn_momentum)
        if not 0 < m <= 1:
            raise ValueError(f"bn_momentum must lie in (0, 1], got {bn_momentum!r}")
        self.bn_momentum = m
        self.bn_weight = nn.ParameterList()
        self.bn_bias = nn.ParameterList()
        if self.batch_norm:
            for l in range(L - 1):
                c = self.channels[l + 1]
                self.bn_weight.append(nn.Parameter(torch.ones(c, dtype=dtype)))
                self.bn_bias.append(nn.Parameter(torch.zeros(c, dtype=dtype)))
                self.register_buffer(f"running_mean_{l}", torch.zeros(c, dtype=dtype))
                self.register_buffer(f"running_var_{l}", torch.ones(c, dtype=dtype))

    # ----------------------------------------------------------------- constructors
    @classmethod
    def random(
        cls,
        channels: Sequence[int],
        half_widths: Sequence[float],
        *,
        coarse: int | Sequence[int] = 4,
        seed: int | None = None,
        generator: torch.Generator | None = None,
        kernel_scale: float = 1.0,
        bias_scale: float = 0.1,
        **kwargs,
    ) -> "FsCNN":
        r"""A seeded random fsCNN with discontinuous piecewise constant kernels.

        Kernel :math:`w^l` takes independent :math:`N(0,1)` values on a ``coarse x coarse`` grid
        of :math:`\Sigma_l`, times ``kernel_scale`` :math:`/(|\Sigma_l|\sqrt{C_l})`, so that a
        unit input gives :math:`O(1)` pre-activations at every :math:`h`; biases are
        :math:`N(0,1)` times ``bias_scale``.

        Parameters
        ----------
        channels : sequence of int
            :math:`(C_0,\dots,C_L)`.
        half_widths : sequence of float
            :math:`a_l`, one per layer.
        coarse : int or sequence of int
            Coarse cells per side of each :math:`\Sigma_l`.
        seed, generator
            Exactly one source of randomness: a seed (default 0) or a ``torch.Generator``.
        kernel_scale, bias_scale : float
            Scales of the kernels and biases.
        **kwargs
            Passed to :class:`FsCNN` (``activation``, ``skips``, ``batch_norm``, ``dtype``...).

        Examples
        --------
        >>> a = FsCNN.random(channels=[1, 3, 1], half_widths=[0.25, 0.125], seed=1)
        >>> b = FsCNN.random(channels=[1, 3, 1], half_widths=[0.25, 0.125], seed=1)
        >>> all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
        True
        """
        if seed is not None and generator is not None:
            raise ValueError("give either seed= or generator=, not both")
        if generator is None:
            generator = torch.Generator().manual_seed(check_int(0 if seed is None else seed, "seed", minimum=0))
        elif not isinstance(generator, torch.Generator):
            raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
        if not isinstance(channels, (list, tuple)) or len(channels) < 2:
            raise ValueError(f"channels must list C_0, ..., C_L (at least 2 ints), got {channels!r}")
        L = len(channels) - 1
        if not isinstance(half_widths, (list, tuple)) or len(half_widths) != L:
            raise ValueError(f"half_widths must have one a_l per layer ({L}), got {half_widths!r}")
        ks = [coarse] * L if isinstance(coarse, numbers.Integral) else list(coarse)
        if len(ks) != L:
            raise ValueError(f"coarse must be an int or one int per layer ({L}), got {coarse!r}")
        dtype = kwargs.get("dtype", torch.float64)
        kernels, biases = [], []
        for l in range(L):
            k = check_int(ks[l], f"coarse[{l}]", minimum=1)
            a = check_positive(half_widths[l], f"half_widths[{l}]")
            ci, co = check_int(channels[l], f"channels[{l}]", minimum=1), check_int(channels[l + 1], f"channels[{l + 1}]", minimum=1)
            scale = kernel_scale / ((2 * a) ** 2 * math.sqrt(ci))
            kernels.append(scale * torch.randn(co, ci, k, k, generator=generator, dtype=torch.float64).to(dtype))
            biases.append(bias_scale * torch.randn(co, generator=generator, dtype=torch.float64).to(dtype))
        return cls(kernels, list(half_widths), biases=biases, channels=list(channels), **kwargs)

    # ------------------------------------------------------------------- structure
    @property
    def num_layers(self) -> int:
        """:math:`L`, the number of convolutional layers."""
        return len(self.half_widths)

    def conv_path_counts(self) -> tuple[int, ...]:
        r"""The distinct numbers of convolutions on the input-to-output paths of the graph (Remark 2.6, EN-8).

        Nodes are :math:`\mu^0,\dots,\mu^{L-1}` and the output; the edge :math:`l\to l+1`
        carries one convolution, a skip ``(f, t)`` none.

        Examples
        --------
        >>> FsCNN.random(channels=[1, 1, 1, 1], half_widths=[0.1] * 3, skips=[(2, 3)]).conv_path_counts()
        (2, 3)
        """
        L = self.num_layers
        counts: list[set[int]] = [set() for _ in range(L + 1)]
        counts[0] = {0}
        for j in range(1, L + 1):
            counts[j] = {c + 1 for c in counts[j - 1]}
            for f, t in self.skips:
                if t == j:
                    counts[j] |= counts[f]
        return tuple(sorted(counts[L]))

    def min_conv_path(self) -> int:
        """Fewest convolutions on any input-to-output path; Thm 2.7 with EN-8a needs at least 2.

        Examples
        --------
        >>> FsCNN.random(channels=[1, 1, 1], half_widths=[0.1, 0.1], skips=[(1, 2)]).min_conv_path()
        1
        """
        return self.conv_path_counts()[0]

    def guaranteed_regularity(self, input_kind: str = "measure") -> str:
        r"""What Thm 2.7 (with EN-7b, EN-8a) guarantees for the fsCNN output: ``"C"``, ``"C^1"`` or ``"none"``.

        * Every input-to-output path must pass through at least two convolutions, else
          ``"none"`` (a skip ``input -> one conv -> output`` carries the jump of a measure
          input, EN-8a).
        * ``input_kind="measure"``: then the output is in :math:`C(\bar\Omega)`, ``"C"``.
        * ``input_kind="bv"``: :math:`C^1(\bar\Omega)`, ``"C^1"``, provided nothing is added to
          the output after an activation: a skip ``(f, L)`` adds :math:`\mu^f=\sigma(\cdot)`,
          which for a non-smooth :math:`\sigma` such as ReLU has creases (EN-5), so then
          only ``"C"`` is guaranteed.

        Parameters
        ----------
        input_kind : {"measure", "bv"}

        Examples
        --------
        >>> net = FsCNN.random(channels=[1, 1, 1, 1], half_widths=[0.1] * 3, skips=[(2, 3)])
        >>> net.guaranteed_regularity("measure"), net.guaranteed_regularity("bv")
        ('C', 'C')
        """
        check_choice(input_kind, "input_kind", ("measure", "bv"))
        if self.min_conv_path() < 2:
            return "none"
        if input_kind == "measure":
            return "C"
        return "C" if any(t == self.num_layers for _, t in self.skips) else "C^1"

    # ------------------------------------------------------------------- resolution
    def check_resolution(self, h: float) -> int:
        r"""Validate a resolution and return :math:`N=1/h`.

        :math:`h` must divide the side 1 of :math:`\Omega`, every half width :math:`a_l`, and the
        coarse cell sizes :math:`2a_l/k` of array kernels (so the refinement is exact).

        Raises
        ------
        ValueError
            Naming ``h`` and the length it fails to divide.
        """
        h = check_positive(h, "h")
        N = _ratio(1.0, h)
        if N is None:
            raise ValueError(
                f"h={h!r} must divide the side length 1 of Omega=(0,1)^2: 1/h = {1 / h!r} is not an "
                "integer; choose h = 1/N"
            )
        for l, a in enumerate(self.half_widths):
            if _ratio(a, h) is None:
                raise ValueError(
                    f"h={h!r} must divide the half width a_{l}={a!r} of Sigma_{l}=(-a,a)^2 "
                    f"(a/h = {a / h!r}); choose h = a_{l}/n, e.g. a power of 2 that divides it"
                )
            key = str(l)
            if key in self.coarse_kernels:
                k1, k2 = (int(s) for s in self.coarse_kernels[key].shape[-2:])
                for k in (k1, k2):
                    if _ratio(2 * a / k, h) is None:
                        raise ValueError(
                            f"h={h!r} must divide the coarse cell size 2a_{l}/k = {2 * a / k!r} of the piecewise "
                            f"constant kernel w^{l} ({k1} x {k2} cells on Sigma_{l}); choose a finer h that divides it"
                        )
        return N

    def cell_kernel(
        self, l: int, h: float, *, device: torch.device | str | None = None, dtype: torch.dtype | None = None
    ) -> torch.Tensor:
        r"""The :math:`PC_h(\Sigma_l)` coefficient array of :math:`w^l`, shape ``(C_{l+1}, C_l, 2p_l, 2p_l)``.

        Entry ``[..., i, j]`` is the kernel on the cell centred at
        :math:`y=(-a_l+(i+\tfrac12)h,\,-a_l+(j+\tfrac12)h)`: the exact refinement of a coarse
        array, or the callable's value there.

        Examples
        --------
        >>> net = FsCNN([torch.tensor([[1.0, 2.0], [3.0, 4.0]])], [0.25])
        >>> net.cell_kernel(0, 0.125)[0, 0].tolist()
        [[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0], [3.0, 3.0, 4.0, 4.0], [3.0, 3.0, 4.0, 4.0]]
        """
        L = self.num_layers
        check_int(l, "l", minimum=0)
        if l >= L:
            raise ValueError(f"l must be a layer index 0..{L - 1}, got {l}")
        self.check_resolution(h)
        a = self.half_widths[l]
        n = 2 * int(round(a / h))
        key = str(l)
        if key in self.coarse_kernels:
            w = self.coarse_kernels[key]
            r1, r2 = n // int(w.shape[-2]), n // int(w.shape[-1])
            w = w.repeat_interleave(r1, dim=-2).repeat_interleave(r2, dim=-1)
        else:
            y = -a + (torch.arange(n, dtype=torch.float64) + 0.5) * h
            y1, y2 = torch.meshgrid(y, y, indexing="ij")
            w = torch.as_tensor(self._callables[l](y1, y2), dtype=torch.float64)
            want = (self.channels[l + 1], self.channels[l], n, n)
            try:
                w = torch.broadcast_to(w, want)
            except RuntimeError:
                raise ValueError(
                    f"the callable kernel of layer {l} returned shape {tuple(w.shape)}, which does not "
                    f"broadcast to (C_{l + 1}, C_{l}, n, n) = {want}"
                ) from None
            if not bool(torch.isfinite(w).all()):
                raise ValueError(f"the callable kernel of layer {l} returned non-finite values at h={h!r}")
        dtype = dtype if dtype is not None else (w.dtype if key in self.coarse_kernels else self.biases[0].dtype)
        return w.to(device=device, dtype=dtype)

    def conv_kernel(
        self, l: int, h: float, *, device: torch.device | str | None = None, dtype: torch.dtype | None = None
    ) -> torch.Tensor:
        r"""The array :math:`W^l` that layer ``l`` convolves with (as in :func:`fscnn_lib.conv_valid`).

        Layer 0 (cell-aligned input): :meth:`cell_kernel`, ``2p_0`` per side. Layers
        :math:`l\ge1` (node-aligned activations): :func:`cell_to_node_kernel` of it,
        ``2p_l + 1`` per side.
        """
        w = self.cell_kernel(l, h, device=device, dtype=dtype)
        return w if l == 0 else cell_to_node_kernel(w)

    def at(self, h: float, *, method: str = "auto") -> "DCNN":
        r"""The dCNN of this network at resolution ``h`` (an ``nn.Module`` sharing the parameters).

        Parameters
        ----------
        h : float
            Grid spacing; see :meth:`check_resolution`.
        method : {"auto", "direct", "fft"}
            Convolution algorithm (``"auto"``: FFT for kernels with more than 64 entries).
        """
        return DCNN(self, h, method=method)

    def forward(self, u: torch.Tensor, h: float, *, return_all: bool = False) -> torch.Tensor | list[torch.Tensor]:
        """``self.at(h)(u, return_all=return_all)``."""
        return self.at(h)(u, return_all=return_all)

    def layer_outputs(self, u: torch.Tensor, h: float) -> list[torch.Tensor]:
        r"""The activations :math:`\mu^1,\dots,\mu^{L-1}` and the output, each ``(B, C_l, N+1, N+1)``."""
        return self.at(h)(u, return_all=True)

    # ------------------------------------------------------------------ batch norm
    def _batch_norm(self, l: int, y: torch.Tensor, h: float) -> torch.Tensor:
        r"""Def. A.1 per channel, with the quadrature weights of node-aligned :math:`PC_h` functions."""
        g = self.bn_weight[l].to(device=y.device, dtype=y.dtype)[:, None, None]
        b = self.bn_bias[l].to(device=y.device, dtype=y.dtype)[:, None, None]
        rm, rv = getattr(self, f"running_mean_{l}"), getattr(self, f"running_var_{l}")
        if self.training:
            w = _node_weights(int(y.shape[-1]), h, y)
            area = w.sum() * y.shape[0]
            mean = (y * w).sum(dim=(0, 2, 3)) / area
            var = (((y - mean[:, None, None]) ** 2) * w).sum(dim=(0, 2, 3)) / area
            with torch.no_grad():
                m = self.bn_momentum
                rm.mul_(1 - m).add_(m * mean.detach().to(rm))
                rv.mul_(1 - m).add_(m * var.detach().to(rv))
        else:
            mean, var = rm.to(y), rv.to(y)
        return g * (y - mean[:, None, None]) / torch.sqrt(var[:, None, None] + self.bn_eps) + b

    # ----------------------------------------------------------------------- repr
    def _kernel_desc(self, l: int) -> str:
        key = str(l)
        if key in self.coarse_kernels:
            k1, k2 = self.coarse_kernels[key].shape[-2:]
            return f"piecewise constant {k1}x{k2}"
        return "callable"

    def __repr__(self) -> str:
        L = self.num_layers
        ch = "→".join(str(c) for c in self.channels)
        sig = ", ".join(
            f"Σ_{l}=(-{a:g},{a:g})² [{self._kernel_desc(l)}]" for l, a in enumerate(self.half_widths)
        )
        act = getattr(self.activation, "__name__", type(self.activation).__name__)
        where = "no activation (L=1)" if L == 1 else (
            f"σ={act} after layer 0" if L == 2 else f"σ={act} after layers 0..{L - 2}"
        ) + ("" if L == 1 else ", none after the last")
        sk = ", ".join(f"μ^{f}→{'output' if t == L else f'layer {t}'}" for f, t in self.skips) or "none"
        bn = f"on (ε={self.bn_eps:g})" if self.batch_norm else "off"
        return (
            f"FsCNN(Ω=(0,1)², L={L}, channels {ch}, {sig}, {where}, "
            f"skips: {sk}, batch norm: {bn})"
        )


# -------------------------------------------------------------------------------- DCNN
class DCNN(nn.Module):
    r"""The discrete CNN (Def. dCNN) of an :class:`FsCNN` at resolution :math:`h` (same padding, EN-15).

    Maps ``(B, C_0, N, N)`` cell values of :math:`\Omega_0=(0,1)^2` (:math:`N=1/h`) to the
    ``(B, C_L, N+1, N+1)`` node values of the output on :math:`\bar\Omega`; see the module
    docstring for the layer-by-layer conventions. Holds the parent network as a submodule,
    so its parameters (and ``train()``/``eval()``) are shared.

    Examples
    --------
    A Dirac input (mass 1 in one cell) through one layer returns the kernel itself:

    >>> w = torch.tensor([[1.0, -2.0], [3.0, 0.5]], dtype=torch.float64)
    >>> net = FsCNN([w], [0.25]); h = 1 / 16
    >>> u = torch.zeros(1, 1, 16, 16, dtype=torch.float64); u[0, 0, 8, 8] = 1 / h**2
    >>> y = net.at(h)(u)[0, 0]
    >>> sorted(set(y.flatten().tolist())) == sorted({0.0, 1.0, -2.0, 3.0, 0.5})
    True
    """

    def __init__(self, net: FsCNN, h: float, *, method: str = "auto") -> None:
        super().__init__()
        if not isinstance(net, FsCNN):
            raise TypeError(f"net must be an FsCNN, got {type(net).__name__}")
        self.N = net.check_resolution(h)
        self.h = float(h)
        self.method = check_choice(method, "method", _METHODS)
        self.net = net
        self.pads = tuple(int(round(a / self.h)) for a in net.half_widths)

    @property
    def nodes(self) -> np.ndarray:
        r"""The coordinates :math:`ih`, :math:`i=0,\dots,N`, of the output nodes along each axis.

        Examples
        --------
        >>> FsCNN.random(channels=[1, 1], half_widths=[0.25], coarse=2).at(0.25).nodes.tolist()
        [0.0, 0.25, 0.5, 0.75, 1.0]
        """
        return np.arange(self.N + 1) * self.h

    def forward(self, u: torch.Tensor, *, return_all: bool = False) -> torch.Tensor | list[torch.Tensor]:
        r"""Evaluate the dCNN.

        Parameters
        ----------
        u : torch.Tensor, shape (B, C_0, N, N)
            Cell values of the input on :math:`\Omega_0` (a measure as its density: a Dirac
            of mass 1 is :math:`1/h^2` in one cell).
        return_all : bool
            Return ``[mu^1, ..., mu^{L-1}, output]`` instead of the output alone.

        Returns
        -------
        torch.Tensor of shape (B, C_L, N+1, N+1), or a list of ``(B, C_l, N+1, N+1)`` tensors
        """
        net, h, N = self.net, self.h, self.N
        if not isinstance(u, torch.Tensor):
            raise TypeError(f"u must be a torch.Tensor of shape (B, C_0, N, N), got {type(u).__name__}; use torch.from_numpy")
        check_array(u, "u", min_ndim=4)
        want = (net.channels[0], N, N)
        if u.ndim != 4 or tuple(u.shape[1:]) != want:
            raise ValueError(
                f"u must have shape (B, C_0, N, N) = (B, {want[0]}, {N}, {N}) at h={_fmt_h(h)} "
                f"(N = 1/h cell values of Omega_0=(0,1)^2), got {tuple(u.shape)}"
            )
        L = net.num_layers
        acts: list[torch.Tensor] = [u]
        out = None
        for l in range(L):
            mode = "symmetric" if l == 0 else "reflect"
            x = reflect_pad(acts[l], self.pads[l], mode=mode)
            w = net.conv_kernel(l, h, device=u.device, dtype=u.dtype)
            y = _conv_channels(x, w, h, self.method)
            y = y + net.biases[l].to(device=u.device, dtype=u.dtype)[:, None, None]
            for f, t in net.skips:
                if t == l + 1:
                    y = y + acts[f]
            if l < L - 1:
                if net.batch_norm:
                    y = net._batch_norm(l, y, h)
                acts.append(net.activation(y))
            else:
                out = y
        if return_all:
            return acts[1:] + [out]
        return out

    def __repr__(self) -> str:
        net, N = self.net, self.N
        ks = ", ".join(
            f"W^{l}: {2 * p + (l > 0)}x{2 * p + (l > 0)} {'cells' if l == 0 else 'nodes'} "
            f"({'symmetric' if l == 0 else 'reflect'} pad {p})"
            for l, p in enumerate(self.pads)
        )
        return (
            f"DCNN(h={_fmt_h(self.h)}: input (B, {net.channels[0]}, {N}, {N}) cell values of Ω_0=(0,1)², "
            f"output (B, {net.channels[-1]}, {N + 1}, {N + 1}) node values of closed Ω; {ks}; of {net!r})"
        )
