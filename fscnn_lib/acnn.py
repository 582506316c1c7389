r"""A CNN with pooling and upsampling, as a dCNN and as the aCNN on :math:`PC_h` (Section 3).

The paper's discrete network (Definition dCNN) and its function-space twin (Definition
aCNN) interleave valid convolutions with down- and upsampling,

.. math::
    U^{l+1}=D_{s_{l,D}}\,\sigma\big((R^l\,U_{s_{l,U}}U^l)*W^l+b^l\big),\qquad
    u^{h,l+1}=D^{h_l}_{s_{l,D}}P_{h_l}\,\sigma\big((R\,U^{s_{l,U}h_l}_{s_{l,U}}u^{h,l})
    *w^{h,l}+b^{l}\big),

with the last layer free of :math:`\sigma`, and claims that the two agree at the output
nodes. :class:`SampledCNN` holds one such network (one channel) and evaluates it twice:

* :meth:`SampledCNN.dcnn` as a PyTorch user writes it: ``F.pad(mode="reflect")``,
  ``F.conv2d`` with the flipped kernel times :math:`h_l^2`, pooling, upsampling (eq. (4));
* :meth:`SampledCNN.acnn` on functions: every activation is a :math:`PC_h` function (a
  coefficient array on a :class:`~fscnn_lib.grids.Grid`), reflected by the folding map,
  convolved exactly (:func:`~fscnn_lib.conv_exact.conv_pc_exact`, eq. (8)), sampled at the
  nodes (:math:`P_h`, eq. (5)), pooled by :func:`pc_downsample` (eq. (6)) and refined by
  :func:`pc_upsample` (eq. (7)), each reading point values of the function it acts on.

Conventions (editor's notes EN-12, EN-14, EN-15). Kernels are centred at 0 with an odd
number :math:`n_l=2p_l+1` of cells per side. Every activation is *node-aligned*: its
domain is the closed hull of its sample points, the border cells are half cells, and its
reflection is whole-sample symmetric (``"reflect"``), so a convolution returns values at
the same nodes it read. Pooling by :math:`s` replaces each :math:`s\times s` block of nodes
by one node at the block's centre (the coarse lattice is shifted by :math:`(s-1)h/2`,
EN-14) and the domain shrinks to the hull of the block centres; upsampling splits every
coarse cell into :math:`s\times s` fine cells and the domain grows to the hull of their
centres. The input may instead be *cell-aligned* (``input_align="cell"``): then layer 0
uses an even kernel :math:`n_0=2p_0` and half-sample symmetric padding, and returns the
:math:`N_0+1` nodes of the closed input square, as :class:`~fscnn_lib.networks.FsCNN` does.

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588 (2022), Def. dCNN, Def. aCNN, eqs. (3)-(8).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

from ._validate import check_array, check_choice, check_int, check_positive, check_real, check_sequence
from .conv_exact import conv_pc_exact
from .grids import Grid, Rectangle, pc_eval
from .padding import fold, reflect_pad
from .sampling import downsample, upsample

__all__ = ["PCFunction", "pc_downsample", "pc_upsample", "pc_reflect", "SampledCNN"]

_DOWN = ("max", "average", "stride")
_UP = ("nearest", "bilinear")
_ACT = ("relu", "tanh", "identity")


class PCFunction(NamedTuple):
    """A piecewise constant function: coefficients ``coeffs`` on the samples of ``grid``."""

    coeffs: np.ndarray
    grid: Grid

    def __call__(self, x1: object, x2: object) -> np.ndarray:
        """Point values (:func:`~fscnn_lib.grids.pc_eval`)."""
        return pc_eval(self.coeffs, self.grid, x1, x2)


def _check_pc(u: object) -> PCFunction:
    if not isinstance(u, PCFunction):
        raise TypeError(f"u must be a PCFunction(coeffs, grid), got {type(u).__name__}")
    if u.grid.align != "node":
        raise ValueError("u must live on a node-aligned grid (EN-15); got a cell-aligned one")
    return u


def _node_grid(x0: float, y0: float, h: float, n1: int, n2: int) -> Grid:
    return Grid(Rectangle(x0, x0 + (n1 - 1) * h, y0, y0 + (n2 - 1) * h), h, align="node")


def pc_downsample(u: PCFunction, s: int, *, mode: str) -> PCFunction:
    r"""Function-space downsampling :math:`D^h_s` of eq. (6) on a node-aligned :math:`PC_h` function.

    Each :math:`s\times s` block of nodes :math:`(sk+i,\,sl+j)_{i,j<s}` becomes one coarse
    cell with value :math:`f` of the function's values at those nodes; the coarse node is
    the block's centre, so the coarse lattice is the fine one shifted by :math:`(s-1)h/2`
    (EN-14), and the result lives on the hull of the block centres.

    Parameters
    ----------
    u : PCFunction
        On a node-aligned grid whose sample counts are divisible by ``s``.
    s : int
        Factor, ``>= 1``.
    mode : {"max", "average", "stride"}, keyword-only
        :math:`f`: max, mean, or the first node of the block.

    Returns
    -------
    PCFunction
        Spacing ``s h``, one sample per block.

    Examples
    --------
    >>> g = Grid(Rectangle(0, 3, 0, 3), 1.0, align="node")
    >>> v = pc_downsample(PCFunction(np.arange(16.0).reshape(4, 4), g), 2, mode="max")
    >>> v.coeffs.tolist()
    [[5.0, 7.0], [13.0, 15.0]]
    >>> v.grid
    Grid on (0.5, 2.5) × (0.5, 2.5), h = 2, node-aligned, 2 × 2 samples
    """
    u = _check_pc(u)
    s = check_int(s, "s", minimum=1)
    check_choice(mode, "mode", _DOWN)
    g = u.grid
    n1, n2 = g.shape
    if n1 % s or n2 % s:
        raise ValueError(f"the sample counts {g.shape} of u must be divisible by s = {s}")
    c1, c2 = g.coords()
    vals = u(*np.meshgrid(c1, c2, indexing="ij"))  # point values at the fine nodes
    blocks = vals.reshape(n1 // s, s, n2 // s, s)
    if mode == "max":
        out = blocks.max(axis=(1, 3))
    elif mode == "average":
        out = blocks.mean(axis=(1, 3))
    else:
        out = blocks[:, 0, :, 0].copy()
    off = 0.5 * (s - 1) * g.h
    grid = _node_grid(c1[0] + off, c2[0] + off, s * g.h, n1 // s, n2 // s)
    return PCFunction(out, grid)


def pc_upsample(u: PCFunction, s: int, *, mode: str) -> PCFunction:
    r"""Function-space upsampling :math:`U^{sh}_s` of eq. (7) on a node-aligned :math:`PC_{sh}` function.

    Each coarse cell, centred at the node :math:`c_k`, is split into :math:`s\times s` fine
    cells centred at :math:`c_k+(i-\tfrac{s-1}2)h`; fine cell :math:`(i,j)` of coarse cell
    :math:`(k,l)` receives :math:`g(V)_{i,j}`, where :math:`V` holds the function's values
    at :math:`c_{k,l}` and its forward neighbours (constant extension at the far end), as
    in eq. (4). The domain grows to the hull of the fine centres.

    Parameters
    ----------
    u : PCFunction
        On a node-aligned grid of spacing ``s h``.
    s : int
        Factor, ``>= 1``.
    mode : {"nearest", "bilinear"}, keyword-only

    Returns
    -------
    PCFunction
        Spacing ``h``, ``s`` times as many samples per side.

    Examples
    --------
    >>> g = Grid(Rectangle(0, 4, 0, 4), 4.0, align="node")
    >>> U = np.array([[0.0, 0.0], [4.0, 4.0]])
    >>> pc_upsample(PCFunction(U, g), 4, mode="bilinear").coeffs[:, 0].tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0, 4.0, 4.0, 4.0]
    """
    u = _check_pc(u)
    s = check_int(s, "s", minimum=1)
    check_choice(mode, "mode", _UP)
    g = u.grid
    c1, c2 = g.coords()
    H = g.h
    nxt1, nxt2 = np.minimum(c1 + H, c1[-1]), np.minimum(c2 + H, c2[-1])
    V = {(a, b): u(*np.meshgrid(p1, p2, indexing="ij"))
         for a, p1 in ((0, c1), (1, nxt1)) for b, p2 in ((0, c2), (1, nxt2))}
    t = np.arange(s) / s
    if mode == "nearest":
        fine = np.broadcast_to(V[0, 0][:, None, :, None], (len(c1), s, len(c2), s))
    else:
        a1, a2 = t[None, :, None, None], t[None, None, None, :]
        fine = sum(
            ((1 - a1) if a == 0 else a1) * ((1 - a2) if b == 0 else a2) * V[a, b][:, None, :, None]
            for a in (0, 1) for b in (0, 1)
        )
    h = H / s
    off = 0.5 * (s - 1) * h
    grid = _node_grid(c1[0] - off, c2[0] - off, h, s * len(c1), s * len(c2))
    return PCFunction(np.ascontiguousarray(fine).reshape(grid.shape), grid)


def pc_reflect(u: PCFunction, p: int) -> PCFunction:
    r"""The coefficients of :math:`R u` (eq. (2)) on the ``p`` cells beyond each side.

    Reads :math:`u` at the folded points :math:`\psi(x)` (S2-REFL) of the samples of the
    enlarged grid; for a node-aligned ``u`` the enlarged grid is node-aligned, for a
    cell-aligned one cell-aligned, and :math:`Ru` is :math:`PC_h` on it (EN-15).

    Examples
    --------
    >>> g = Grid(Rectangle(0, 2, 0, 2), 1.0, align="node")
    >>> U = np.array([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0], [3.0, 3.0, 3.0]])
    >>> pc_reflect(PCFunction(U, g), 1).coeffs[:, 1].tolist()
    [2.0, 1.0, 2.0, 3.0, 2.0]
    """
    if not isinstance(u, PCFunction):
        raise TypeError(f"u must be a PCFunction(coeffs, grid), got {type(u).__name__}")
    p = check_int(p, "p", minimum=0)
    g, r, h = u.grid, u.grid.rect, u.grid.h
    big = Grid(Rectangle(r.a - p * h, r.b + p * h, r.c - p * h, r.d + p * h), h, align=g.align)
    X1, X2 = big.points()
    # clip: fold may land a rounding error outside [a, b] for spacings like h = 2/31
    y1, y2 = np.clip(fold(X1, r.a, r.b), r.a, r.b), np.clip(fold(X2, r.c, r.d), r.c, r.d)
    return PCFunction(u(y1, y2), big)


class SampledCNN:
    r"""A one-channel CNN with pooling and upsampling layers (Def. dCNN and Def. aCNN).

    Parameters
    ----------
    kernels : sequence of 2-D float arrays, length L
        :math:`W^l`, square, odd sizes :math:`2p_l+1` (layer 0 even when
        ``input_align="cell"``), the coefficients of :math:`w^{h,l}` on cells centred at 0.
    biases : sequence of float, optional
        :math:`b^l`, zeros by default.
    down, up : sequence of int, optional
        :math:`s_{l,D}` and :math:`s_{l,U}` (ones by default; ``up[0]`` must be 1).
    down_mode : {"max", "average", "stride"}
    up_mode : {"nearest", "bilinear"}
    activation : {"relu", "tanh", "identity"}
        :math:`\sigma` after layers ``0..L-2``.
    input_align : {"node", "cell"}

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> net = SampledCNN([rng.normal(size=(3, 3)), rng.normal(size=(3, 3))], down=[2, 1], up=[1, 2])
    >>> U = rng.normal(size=(8, 8))
    >>> d = net.dcnn(torch.from_numpy(U)[None, None], 0.125)[0, 0].numpy()
    >>> a = net.acnn(U, 0.125)[-1].coeffs
    >>> d.shape, bool(np.allclose(d, a, rtol=0, atol=1e-12))
    ((8, 8), True)
    """

    def __init__(
        self,
        kernels: Sequence[np.ndarray],
        biases: Sequence[float] | None = None,
        *,
        down: Sequence[int] | None = None,
        up: Sequence[int] | None = None,
        down_mode: str = "max",
        up_mode: str = "bilinear",
        activation: str = "relu",
        input_align: str = "node",
    ) -> None:
        check_sequence(kernels, "kernels", min_length=1)
        L = len(kernels)
        self.input_align = check_choice(input_align, "input_align", ("node", "cell"))
        ks = []
        for l, w in enumerate(kernels):
            check_array(w, f"kernels[{l}]", min_ndim=2)
            w = np.asarray(w.detach().cpu() if isinstance(w, torch.Tensor) else w, dtype=np.float64)
            want_odd = not (l == 0 and self.input_align == "cell")
            if w.ndim != 2 or w.shape[0] != w.shape[1] or (w.shape[0] % 2 == 1) != want_odd:
                parity = "odd" if want_odd else "even"
                raise ValueError(f"kernels[{l}] must be a square 2-D array of {parity} size, got shape {w.shape}")
            ks.append(w)
        self.kernels = ks
        biases = [0.0] * L if biases is None else check_sequence(biases, "biases", length=L)
        self.biases = [check_real(b, f"biases[{l}]") for l, b in enumerate(biases)]
        self.down = [check_int(s, f"down[{l}]", minimum=1) for l, s in enumerate(check_sequence(
            [1] * L if down is None else down, "down", length=L))]
        self.up = [check_int(s, f"up[{l}]", minimum=1) for l, s in enumerate(check_sequence(
            [1] * L if up is None else up, "up", length=L))]
        if self.up[0] != 1:
            raise ValueError(f"up[0] must be 1 (layer 0 is not upsampled), got {self.up[0]}")
        self.down_mode = check_choice(down_mode, "down_mode", _DOWN)
        self.up_mode = check_choice(up_mode, "up_mode", _UP)
        self.activation = check_choice(activation, "activation", _ACT)

    @property
    def num_layers(self) -> int:
        """:math:`L`."""
        return len(self.kernels)

    def _pad(self, l: int) -> int:
        return self.kernels[l].shape[0] // 2

    def resolutions(self, h: float) -> list[float]:
        r""":math:`h_l=h_0\prod_{i=1}^{l}s_{i-1,D}/s_{i,U}` (:math:`s_{0,U}=1`) for ``l = 0..L-1``
        and the output's :math:`h_L=h_{L-1}s_{L-1,D}`."""
        h = check_positive(h, "h")
        out = []
        for l in range(self.num_layers):
            h = h / self.up[l]
            out.append(h)
            h = h * self.down[l]
        return out + [h]

    def sizes(self, N0: int) -> list[dict[str, int]]:
        r"""The size table of EN-12 (c): per layer ``N`` (input), ``up`` (after :math:`U_s`),
        ``padded`` (:math:`N'_l`), ``n`` (kernel), ``conv`` (:math:`N'_l-n_l+1`) and ``out``.

        Raises ``ValueError`` where a pooling factor does not divide the convolution's output.
        """
        N = check_int(N0, "N0", minimum=2)
        rows = []
        for l in range(self.num_layers):
            n, p = self.kernels[l].shape[0], self._pad(l)
            Nu = N * self.up[l]
            conv = Nu + 2 * p - n + 1
            if conv % self.down[l]:
                raise ValueError(f"layer {l}: the convolution returns {conv} samples per side, "
                                 f"not divisible by down[{l}] = {self.down[l]}")
            if conv // self.down[l] < 2:
                raise ValueError(f"layer {l} returns fewer than 2 samples per side; use a larger input")
            rows.append(dict(N=N, up=Nu, padded=Nu + 2 * p, n=n, conv=conv, out=conv // self.down[l]))
            N = conv // self.down[l]
        return rows

    def _act(self, x):
        if self.activation == "relu":
            return torch.relu(x) if isinstance(x, torch.Tensor) else np.maximum(x, 0.0)
        if self.activation == "tanh":
            return torch.tanh(x) if isinstance(x, torch.Tensor) else np.tanh(x)
        return x

    def dcnn(
        self, U: torch.Tensor, h: float, *, return_all: bool = False, pad_mode: str = "reflect"
    ) -> torch.Tensor | list[torch.Tensor]:
        r"""Definition dCNN in plain PyTorch: pad, ``conv2d`` with :math:`h_l^2` and the flip, pool.

        Parameters
        ----------
        U : torch.Tensor, shape (B, 1, N0, N0)
        h : float
            :math:`h_0`.
        return_all : bool
            Return every layer's output.
        pad_mode : {"reflect", "symmetric"}
            Padding of the node-aligned activations; ``"reflect"`` is the one the aCNN
            induces (EN-15), ``"symmetric"`` a wrong choice kept for comparison.
        """
        if not isinstance(U, torch.Tensor):
            raise TypeError(f"U must be a torch.Tensor of shape (B, 1, N0, N0), got {type(U).__name__}")
        check_array(U, "U", min_ndim=4)
        check_choice(pad_mode, "pad_mode", ("reflect", "symmetric"))
        self.sizes(int(U.shape[-1]))
        hs = self.resolutions(h)
        x, outs = U, []
        for l in range(self.num_layers):
            if self.up[l] > 1:
                x = upsample(x, self.up[l], mode=self.up_mode)  # eq. (4)
            p = self._pad(l)
            if l == 0 and self.input_align == "cell":
                x = reflect_pad(x, p, mode="symmetric")  # torch has no half-sample mode
            elif p and pad_mode == "reflect":
                x = F.pad(x, (p, p, p, p), mode="reflect")
            elif p:
                x = reflect_pad(x, p, mode="symmetric")
            W = torch.as_tensor(self.kernels[l], dtype=x.dtype, device=x.device)
            x = F.conv2d(x, (hs[l] ** 2 * W.flip(-1, -2))[None, None]) + self.biases[l]
            if l < self.num_layers - 1:
                x = self._act(x)
            s = self.down[l]
            if s > 1:
                x = {"max": lambda t: F.max_pool2d(t, s), "average": lambda t: F.avg_pool2d(t, s),
                     "stride": lambda t: t[..., ::s, ::s]}[self.down_mode](x)
            outs.append(x)
        return outs if return_all else outs[-1]

    def input_function(self, U: np.ndarray, h: float) -> PCFunction:
        r"""The input :math:`u^h\in PC_{h_0}` with coefficients ``U``: nodes :math:`(ih, jh)`
        (node-aligned) or cells of :math:`(0,N_0h)^2` (cell-aligned)."""
        check_array(U, "U", min_ndim=2)
        h = check_positive(h, "h")
        U = np.asarray(U, dtype=np.float64)
        n1, n2 = U.shape
        if self.input_align == "cell":
            return PCFunction(U, Grid(Rectangle(0, n1 * h, 0, n2 * h), h))
        return PCFunction(U, _node_grid(0.0, 0.0, h, n1, n2))

    def acnn(self, U: np.ndarray, h: float) -> list[PCFunction]:
        r"""Definition aCNN evaluated on functions; returns every layer's output as a :class:`PCFunction`."""
        if not isinstance(U, np.ndarray) or U.ndim != 2:
            raise TypeError("U must be a 2-D numpy.ndarray of input coefficients")
        self.sizes(int(U.shape[-1]))
        hs = self.resolutions(h)
        u, outs = self.input_function(U, h), []
        for l in range(self.num_layers):
            if self.up[l] > 1:
                u = pc_upsample(u, self.up[l], mode=self.up_mode)  # eq. (7)
            W, hl = self.kernels[l], hs[l]
            Ru = pc_reflect(u, self._pad(l))  # eq. (2)
            r, n = Ru.grid.rect, W.shape[0]
            o_u = (r.a, r.c) if Ru.grid.align == "cell" else (r.a - hl / 2, r.c - hl / 2)
            n_out = Ru.grid.shape[0] - n + 1
            out_grid = _node_grid(o_u[0] + n * hl / 2, o_u[1] + n * hl / 2, hl, n_out, n_out)
            X1, X2 = out_grid.points()  # P_h: the nodes of the closed output domain, eq. (5)
            v = conv_pc_exact(Ru.coeffs, W, hl, X1, X2, u_origin=o_u, w_origin=(-n * hl / 2,) * 2)
            v = v + self.biases[l]
            if l < self.num_layers - 1:
                v = self._act(v)
            u = PCFunction(v, out_grid)
            if self.down[l] > 1:
                u = pc_downsample(u, self.down[l], mode=self.down_mode)  # eq. (6)
            outs.append(u)
        return outs
