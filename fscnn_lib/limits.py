r"""Convergence of networks and of their parts as :math:`h\to0` (Section 3 of the paper).

Lemmas 3.2-3.5 say that each ingredient of the discrete network (reflection, convolution,
the sampling projection :math:`P_h` of eq. (5), down- and upsampling (6)-(7)) carries
uniform convergence over to the limit; Theorem 3.6 chains them: a *fixed* network with
kernels on fixed physical supports :math:`\Sigma_l`, evaluated at resolution :math:`h`,
converges uniformly to the function space CNN. This module measures those statements:

* :func:`reflection_gain`: :math:`\|Rv\|_p/\|v\|_p`, the constant of Lemma 3.2;
* :func:`pc_sup_error`: the sup distance between a :math:`PC_h` function on
  :math:`(0,1)^2` and a continuous function, on a fine set of points (Lemmas 3.4, 3.5);
* :func:`cos_cell_average`: exact cell averages of an oscillation, the weakly convergent
  sequences of Lemma 3.3 and Remark 3.7;
* :func:`shared_node_error`, :func:`pc_node_error` and :func:`resolution_sweep`: one
  network at many resolutions, compared with the finest grid or an exact limit (Thm 3.6);
* :func:`pixel_cnn` and :func:`pixel_cnn_limit`: kernels fixed in *pixels*, whose
  support shrinks to a point as :math:`h\to0` (editor's note EN-22);
* :func:`sample_network`, :func:`acnn_with_upsampler`, :func:`nodal_interpolant` and
  :func:`function_sweep`: networks with pooling and upsampling (Thm 3.6 with EN-14, EN-21),
  whose grids share no nodes across resolutions, compared as functions on a set :math:`\omega`.

Up to that last group, all grids are those of :class:`~fscnn_lib.networks.FsCNN`: inputs are the
:math:`N=1/h` cell values of :math:`(0,1)^2`, outputs the :math:`N+1` node values of the
closed square; an output read as a :math:`PC_h` function has one cell centred at each node
(half cells at the border, EN-13c).

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588 (2022), Lemmas 3.2-3.5, Thm 3.6, Remark 3.7.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import torch
from scipy.interpolate import RegularGridInterpolator

from . import _backend as _bk
from ._validate import check_array, check_exponent, check_int, check_positive, check_real_array, check_sequence
from .acnn import PCFunction, SampledCNN, pc_upsample
from .grids import Grid, Rectangle
from .norms import lp_norm
from .networks import FsCNN
from .padding import reflect_pad

__all__ = [
    "reflection_gain", "pc_sup_error", "cos_cell_average", "shared_node_error", "pc_node_error",
    "ResolutionSweep", "resolution_sweep", "pixel_cnn", "pixel_cnn_limit", "sample_network",
    "acnn_with_upsampler", "nodal_interpolant", "FunctionSweep", "function_sweep",
]


def reflection_gain(v: np.ndarray, pad: int | tuple[int, int, int, int], p: float, *,
                    mode: str = "symmetric") -> float:
    r"""The ratio :math:`\|R v\|_{L^p(\Omega)}/\|v\|_{L^p(\omega)}` for a grid function ``v``.

    Lemma 3.2 of the paper rests on the bound :math:`\|Rv\|_p\le K^{1/p}\|v\|_p`, with
    :math:`K` the number of mirrored tiles covering :math:`\Omega` (equality for
    :math:`p=\infty`). Applied to :math:`v=u_n-u` it gives the continuity of :math:`R`.
    All cells have the same area, so :math:`h` cancels.

    ``v``: the ``(N, M)`` cell values on :math:`\omega`, not identically zero; ``pad``: an int
    or (top, bottom, left, right), as in :func:`~fscnn_lib.padding.reflect_pad`, with ``mode``
    "symmetric" or "reflect"; ``p`` in :math:`[1,\infty]`.

    Examples
    --------
    A constant on a square padded by one whole tile on every side: :math:`K=9`.

    >>> v = np.ones((4, 4))
    >>> round(reflection_gain(v, 4, 2.0), 12), reflection_gain(v, 4, float("inf"))
    (3.0, 1.0)
    """
    check_array(v, "v", min_ndim=2)
    p = check_exponent(p, "p")
    v = _bk.to_numpy(v).astype(np.float64)
    base = lp_norm(v, 1.0, p)  # every cell has the same area: h cancels
    if base == 0.0:
        raise ValueError("v must not vanish identically (the ratio is 0/0)")
    return lp_norm(reflect_pad(v, pad, mode=mode), 1.0, p) / base


def pc_sup_error(U: np.ndarray, u: Callable[[np.ndarray, np.ndarray], np.ndarray], *,
                 points: int) -> float:
    r"""Sup distance between the :math:`PC_h` function with cell values ``U`` and ``u``.

    ``U`` holds one value per cell of the cell-aligned grid of :math:`(0,1)^2` with
    :math:`N=` ``U.shape[0]`` cells per side; the distance is taken over the ``points``
    :math:`\times` ``points`` lattice :math:`x=(j_1,j_2)/\text{points}`, which contains the
    lower left corner of every cell. The cell :math:`[ih,(i+1)h)` holds the points
    :math:`j/\text{points}` with :math:`\lfloor jN/\text{points}\rfloor=i`. This is the
    quantity of Lemmas 3.4 and 3.5 (with ``U`` :math:`=P_hu^h`, :math:`D_s(U)` or
    :math:`U_s(U)`).

    ``u(x1, x2)`` acts on arrays; ``points`` per side must be a multiple of ``N``.

    Examples
    --------
    >>> U = np.array([[0.0, 0.25], [0.25, 0.5]])    # u = (x1 + x2) / 2 at lower left corners
    >>> pc_sup_error(U, lambda x1, x2: (x1 + x2) / 2, points=8)   # attained at (7/8, 7/8)
    0.375
    """
    check_array(U, "U", min_ndim=2)
    U = _bk.to_numpy(U).astype(np.float64)
    if U.ndim != 2 or U.shape[0] != U.shape[1]:
        raise ValueError(f"U must be a square 2-D array of cell values, got shape {U.shape}")
    if not callable(u):
        raise TypeError(f"u must be a callable u(x1, x2), got {type(u).__name__}")
    M = check_int(points, "points", minimum=1)
    N = U.shape[0]
    if M % N:
        raise ValueError(f"points must be a multiple of N = {N} (points on every cell), got {M}")
    x = np.arange(M) / M
    idx = np.arange(M) * N // M
    X1, X2 = np.meshgrid(x, x, indexing="ij")
    return float(np.abs(U[np.ix_(idx, idx)] - u(X1, X2)).max())


def cos_cell_average(n: float, centres: np.ndarray, h: float) -> np.ndarray:
    r"""Exact cell averages of :math:`\cos(2\pi n t)` on the cells :math:`[c-h/2,c+h/2]`.

    .. math:: \frac1h\int_{c-h/2}^{c+h/2}\cos(2\pi nt)\,dt
        =\cos(2\pi nc)\,\frac{\sin(\pi nh)}{\pi nh}.

    As :math:`n\to\infty` these oscillations converge to 0 weakly but not strongly in
    :math:`L^p` (Riemann-Lebesgue): the sequences of Lemma 3.3 and Remark 3.7.

    Examples
    --------
    >>> c = np.arange(4) / 4 + 1 / 8
    >>> bool(np.allclose(cos_cell_average(2.0, c, 0.25), 0.0))   # one period per cell pair
    True
    """
    n = float(n)
    h = check_positive(h, "h")
    c = np.asarray(centres, dtype=np.float64)
    return np.cos(2 * np.pi * n * c) * np.sinc(n * h)


def _ratio(coarse: np.ndarray, fine: np.ndarray) -> int:
    Nc, Nf = coarse.shape[-1] - 1, fine.shape[-1] - 1
    if Nc < 1 or Nf % Nc or coarse.shape[-2] != coarse.shape[-1] or fine.shape[-2] != fine.shape[-1]:
        raise ValueError(
            f"coarse and fine must be square node arrays with (fine - 1) a multiple of (coarse - 1), "
            f"got shapes {coarse.shape} and {fine.shape}")
    return Nf // Nc


def shared_node_error(coarse, fine) -> float:
    r""":math:`\max|NN^h-NN^{h'}|` over the nodes of the coarse grid (which the fine one shares).

    ``coarse`` holds the :math:`N+1` node values per side of :math:`[0,1]^2` at spacing
    :math:`h`, ``fine`` the :math:`rN+1` values at :math:`h/r`; node :math:`ih` is fine
    node :math:`irh`.

    Examples
    --------
    >>> x = np.linspace(0, 1, 9)
    >>> shared_node_error(x[::4, None] * x[::4], x[:, None] * x)
    0.0
    """
    check_array(coarse, "coarse", min_ndim=2)
    check_array(fine, "fine", min_ndim=2)
    c, f = _bk.to_numpy(coarse).astype(np.float64), _bk.to_numpy(fine).astype(np.float64)
    r = _ratio(c, f)
    return float(np.abs(c - f[..., ::r, ::r]).max())


def pc_node_error(coarse, fine) -> float:
    r"""Sup over all of :math:`\bar\Omega` of the coarse output read as a :math:`PC_h` function.

    The coarse output is the :math:`PC_h` function with a cell :math:`x_i+[-h/2,h/2)` around
    each node (half cells at the border); it is compared with ``fine`` at every fine node
    :math:`jh/r`, whose cell index is :math:`\lfloor j/r+1/2\rfloor`. This is the distance
    in which Theorem 3.6 claims convergence; between nodes it pays the modulus of
    continuity of the limit (Lemma 3.4), at the nodes it does not.

    Examples
    --------
    >>> x = np.linspace(0, 1, 9)
    >>> pc_node_error(x[::4, None] + 0 * x[::4], x[:, None] + 0 * x)   # steps of 1/2, x1 only
    0.25
    """
    check_array(coarse, "coarse", min_ndim=2)
    check_array(fine, "fine", min_ndim=2)
    c, f = _bk.to_numpy(coarse).astype(np.float64), _bk.to_numpy(fine).astype(np.float64)
    r = _ratio(c, f)
    idx = (2 * np.arange(f.shape[-1]) + r) // (2 * r)
    return float(np.abs(c[..., idx[:, None], idx[None, :]] - f).max())


class ResolutionSweep(NamedTuple):
    r"""One network at several resolutions (Theorem 3.6).

    ``hs``: the resolutions compared (the finest one excluded when it is the reference);
    ``node_errors``: :func:`shared_node_error` against the reference, one per ``h``;
    ``pc_errors``: :func:`pc_node_error` against it (``nan`` for an exact limit);
    ``seconds``: wall time of each network evaluation, over *all* swept resolutions;
    ``outputs``: ``h -> (N+1, N+1)`` node values of the first output channel.
    """

    hs: tuple
    node_errors: tuple
    pc_errors: tuple
    seconds: tuple
    outputs: dict


def resolution_sweep(net, make_input: Callable[[float], np.ndarray], hs: Sequence[float], *,
                     limit: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
                     reference: np.ndarray | None = None) -> ResolutionSweep:
    r"""Evaluate one network at every ``h`` and measure its distance to the limit.

    ``net``: an :class:`~fscnn_lib.networks.FsCNN` (evaluated by ``net.at(h)`` without
    gradients) or a callable ``(h, U) -> (N+1, N+1)`` node values; ``make_input``: ``h -> (N, N)``
    cell values of the input, e.g. cell averages (EN-21c); ``hs``: resolutions, each a power-of-two
    refinement of the coarser ones; ``limit``: the exact limit ``NN(x1, x2)`` on arrays, compared
    at the nodes of every ``h``; else ``reference``: node values of the limit on a grid at least as
    fine as every ``h`` (e.g. another network's output at the finest ``h``); without either, the
    finest ``h`` is the reference (a Cauchy test).

    Examples
    --------
    >>> net = FsCNN.random(channels=[1, 2, 1], half_widths=[0.25, 0.25], coarse=2, seed=0)
    >>> sw = resolution_sweep(net, lambda h: np.ones((round(1 / h),) * 2), [1 / 8, 1 / 16])
    >>> sw.hs, sw.node_errors[0] < 1e-12      # a constant input is exact at every h
    ((0.125,), True)
    """
    exact = limit is not None or reference is not None
    check_sequence(hs, "hs", min_length=1 if exact else 2)
    if reference is not None:
        check_array(reference, "reference", min_ndim=2)
        reference = _bk.to_numpy(reference).astype(np.float64)
    hs = sorted((check_positive(h, f"hs[{i}]") for i, h in enumerate(hs)), reverse=True)
    if not callable(make_input):
        raise TypeError(f"make_input must be a callable h -> cell values, got {type(make_input).__name__}")
    if isinstance(net, FsCNN):
        model = net

        def forward(h, U):
            with torch.no_grad():
                return model.at(h)(torch.as_tensor(U, dtype=torch.float64)[None, None])[0, 0]
    elif callable(net):
        forward = net
    else:
        raise TypeError(f"net must be an FsCNN or a callable (h, U) -> node values, got {type(net).__name__}")
    outputs, seconds = {}, []
    for h in hs:
        U, t0 = make_input(h), time.perf_counter()
        y = _bk.to_numpy(forward(h, U)).astype(np.float64)
        seconds.append(time.perf_counter() - t0)
        outputs[h] = y
    if limit is None:
        ref, compared = (outputs[hs[-1]], hs[:-1]) if reference is None else (reference, hs)
        node = [shared_node_error(outputs[h], ref) for h in compared]
        pc = [pc_node_error(outputs[h], ref) for h in compared]
    else:
        compared, pc = hs, [float("nan")] * len(hs)
        nodes = {h: np.meshgrid(*(np.arange(outputs[h].shape[-1]) * h,) * 2, indexing="ij") for h in hs}
        node = [float(np.abs(outputs[h] - limit(*nodes[h])).max()) for h in hs]
    return ResolutionSweep(tuple(compared), tuple(node), tuple(pc), tuple(seconds), outputs)


def _check_pixel(kernels, biases) -> tuple[list[np.ndarray], list[float]]:
    check_sequence(kernels, "kernels", min_length=1)
    ks = []
    for l, K in enumerate(kernels):
        check_array(K, f"kernels[{l}]", min_ndim=2)
        K = _bk.to_numpy(K).astype(np.float64)
        if K.ndim != 2 or K.shape[0] != K.shape[1] or K.shape[0] % 2 == 0:
            raise ValueError(f"kernels[{l}] must be a square array of odd size (e.g. 3x3), got {K.shape}")
        ks.append(K)
    bs = [0.0] * len(ks) if biases is None else list(check_sequence(biases, "biases", length=len(ks)))
    return ks, [float(b) for b in bs]


def pixel_cnn(U: np.ndarray, kernels: Sequence[np.ndarray], biases: Sequence[float] | None = None) -> np.ndarray:
    r"""A CNN with kernels fixed in *pixels*: what most trained networks are (EN-22).

    Each layer pads by reflection (``"symmetric"``, half a kernel), correlates with the
    practical weights :math:`K^l` (no :math:`h^2`, so in the paper's scaling the kernel is
    :math:`K^l/h^2` on :math:`\Sigma_l=(-\tfrac k2h,\tfrac k2h)^2`, which shrinks to a
    point) and applies ReLU between layers. The output has the input's size.

    Examples
    --------
    >>> K = np.zeros((3, 3)); K[1, 1] = 2.0
    >>> pixel_cnn(np.eye(2), [K, K], [0.0, 1.0]).tolist()
    [[5.0, 1.0], [1.0, 5.0]]
    """
    check_array(U, "U", min_ndim=2)
    ks, bs = _check_pixel(kernels, biases)
    x = torch.as_tensor(_bk.to_numpy(U), dtype=torch.float64)[None, None]
    for l, (K, b) in enumerate(zip(ks, bs)):
        p = K.shape[0] // 2
        x = torch.nn.functional.conv2d(reflect_pad(x, p, mode="symmetric"), torch.as_tensor(K)[None, None]) + b
        if l < len(ks) - 1:
            x = torch.relu(x)
    return x[0, 0].numpy()


def pixel_cnn_limit(t: np.ndarray | float, kernels: Sequence[np.ndarray],
                    biases: Sequence[float] | None = None) -> np.ndarray:
    r"""The pointwise limit of :func:`pixel_cnn` as :math:`h\to0`: a function of :math:`u(x)` alone.

    Where the input is constant on the receptive field the network returns
    :math:`g(u(x))` with :math:`g(t)=S_{L-1}\,\sigma(\cdots\sigma(S_0t+b_0)\cdots)+b_{L-1}`,
    :math:`S_l=\sum K^l`; the field has :math:`O(h)` radius, so this holds at every
    continuity point of :math:`u` in the limit, and a jump of :math:`u` stays a jump.

    Examples
    --------
    >>> K = np.zeros((3, 3)); K[1, 1] = 2.0
    >>> pixel_cnn_limit(np.array([0.0, 1.0]), [K, K], [0.0, 1.0]).tolist()
    [1.0, 5.0]
    """
    ks, bs = _check_pixel(kernels, biases)
    x = np.asarray(t, dtype=np.float64)
    for l, (K, b) in enumerate(zip(ks, bs)):
        x = K.sum() * x + b
        if l < len(ks) - 1:
            x = np.maximum(x, 0.0)
    return x


# --------------------------------------------- networks with pooling and upsampling (Thm 3.6)
def sample_network(kernels: Sequence[Callable], half_widths: Sequence[float], h: float, **spec: Any) -> SampledCNN:
    r"""The :class:`~fscnn_lib.acnn.SampledCNN` at resolution ``h`` of a network with *physical* kernels.

    Layer :math:`l` works at :math:`h_l` (``SampledCNN.resolutions``); its kernel
    :math:`w^{h,l}` takes the value :math:`w^l(ih_l,jh_l)` on the cell centred at
    :math:`(ih_l,jh_l)`, :math:`|i|,|j|\le p_l`, the fewest cells that cover
    :math:`\Sigma_l=[-a_l,a_l]^2` (point values at cell centres, as ``FsCNN`` samples a
    callable), so the number of cells grows like :math:`a_l/h_l` (Thm 3.6, EN-22). These cells
    overhang :math:`\Sigma_l` by less than :math:`h_l/2`; for a continuous :math:`w^l` that
    vanishes outside :math:`\Sigma_l`, :math:`w^{h,l}\to w^l` uniformly (EN-21c, d). The input
    is node-aligned: the values at the nodes :math:`(ih,jh)` of :math:`[0,(N_0-1)h]^2`.
    ``kernels`` are callables ``w(y1, y2)`` on NumPy arrays; ``half_widths`` the :math:`a_l>0`;
    ``spec`` the keywords ``biases``, ``down``, ``up``, ``down_mode``, ``up_mode``,
    ``activation`` of ``SampledCNN`` (not ``input_align``: the kernels are odd).

    Examples
    --------
    With the identity activation, a constant input c gives m_2 m_1 (m_0 c + b_0), m_l the
    kernel masses (average pooling and nearest upsampling keep constants):

    >>> box = lambda y1, y2: 4.0 + 0 * y1                  # mass 1 on [-1/4, 1/4]^2
    >>> net = sample_network([box] * 3, [0.25] * 3, 1 / 7, biases=[1.0, 0.0, 0.0], down=[2, 1, 1],
    ...                      up=[1, 2, 1], down_mode="average", up_mode="nearest", activation="identity")
    >>> m = [4.0 * W.size / 49 for W in net.kernels]       # h_l = 1/7 in every layer here
    >>> y = net.acnn(np.full((8, 8), 3.0), 1 / 7)[-1]
    >>> bool(np.allclose(y.coeffs, m[2] * m[1] * (m[0] * 3.0 + 1.0))), y.grid.shape
    (True, (8, 8))
    """
    L = len(check_sequence(kernels, "kernels", min_length=1))
    check_sequence(half_widths, "half_widths", length=L)
    if "input_align" in spec:
        raise TypeError("sample_network takes no input_align: its input is node-aligned (odd kernels)")
    ks, hls = [], SampledCNN([np.zeros((1, 1))] * L, **spec).resolutions(h)  # checks spec and h
    for l, (w, a, hl) in enumerate(zip(kernels, half_widths, hls)):
        if not callable(w):
            raise TypeError(f"kernels[{l}] must be a callable w(y1, y2), got {type(w).__name__}")
        p = max(0, math.ceil(check_positive(a, f"half_widths[{l}]") / hl - 0.5 - 1e-9))
        y = np.arange(-p, p + 1) * hl
        ks.append(np.asarray(w(*np.meshgrid(y, y, indexing="ij")), dtype=np.float64))
        if ks[-1].shape != (2 * p + 1,) * 2 or not np.isfinite(ks[-1]).all():
            raise ValueError(f"kernels[{l}] must return finite values of its inputs' shape {(2 * p + 1,) * 2} "
                             f"at h = {h!r}, got shape {ks[-1].shape}")
    return SampledCNN(ks, **spec)


def acnn_with_upsampler(net: SampledCNN, U: np.ndarray, h: float,
                        upsampler: Callable[[np.ndarray, int], np.ndarray]) -> PCFunction:
    r"""The aCNN output of ``net`` with every upsampling (7) replaced by ``upsampler`` (Assumption 3.1).

    ``upsampler(V, s)`` maps coefficients ``(n1, n2) -> (s n1, s n2)`` on the grid of (7), e.g.
    ``fl.upsample(V, s, mode=...)`` or a map that breaks Assumption 3.1. The network runs in
    pieces cut before each upsampling layer; each piece but the last ends with an identity
    layer (a :math:`1\times1` kernel of mass 1), so that it returns its last activation after
    :math:`\sigma` and pooling, and each piece's grid is moved to where its input lies.
    """
    if not isinstance(net, SampledCNN):
        raise TypeError(f"net must be a SampledCNN, got {type(net).__name__}")
    if not callable(upsampler):
        raise TypeError(f"upsampler must be a callable (V, s) -> array, got {type(upsampler).__name__}")
    L, hl = net.num_layers, net.resolutions(h)
    cuts = [l for l in range(1, L) if net.up[l] > 1]
    if not cuts:
        raise ValueError("net has no upsampling layer to replace (all up == 1)")
    V, h_in, o1, o2 = U, h, 0.0, 0.0
    for lo, hi in zip([0] + cuts, cuts + [L]):
        ks, bs, dn, upl = net.kernels[lo:hi], net.biases[lo:hi], net.down[lo:hi], [1] + net.up[lo + 1:hi]
        if hi < L:
            ks, bs = ks + [np.array([[1.0 / (hl[hi - 1] * net.down[hi - 1]) ** 2]])], bs + [0.0]
            dn, upl = dn + [1], upl + [1]
        piece = SampledCNN(ks, bs, down=dn, up=upl, down_mode=net.down_mode, up_mode=net.up_mode,
                           activation=net.activation, input_align=net.input_align if lo == 0 else "node")
        out = piece.acnn(np.asarray(V, dtype=np.float64), h_in)[-1]
        r = out.grid.rect
        out = PCFunction(out.coeffs, Grid(Rectangle(r.a + o1, r.b + o1, r.c + o2, r.d + o2), out.grid.h, align="node"))
        if hi == L:
            return out
        fine = pc_upsample(out, net.up[hi], mode="nearest").grid  # the grid of eq. (7)
        V = np.asarray(upsampler(out.coeffs, net.up[hi]), dtype=np.float64)
        if V.shape != fine.shape:
            raise ValueError(f"upsampler must return shape {fine.shape} for s = {net.up[hi]}, got {V.shape}")
        h_in, o1, o2 = fine.h, fine.rect.a, fine.rect.c


def nodal_interpolant(u: PCFunction, x1: object, x2: object) -> np.ndarray:
    r"""The bilinear interpolant of the node values of a node-aligned :math:`PC_h` function.

    The second reading of a grid output as a function (``u(x1, x2)`` is the piecewise
    constant one); exact on bilinear functions.

    Examples
    --------
    >>> g = Grid(Rectangle(0, 1, 0, 1), 0.5, align="node")
    >>> X1, X2 = g.points()
    >>> round(float(nodal_interpolant(PCFunction(2 * X1 + X1 * X2, g), 0.3, 0.7)), 12)
    0.81
    """
    if not isinstance(u, PCFunction):
        raise TypeError(f"u must be a PCFunction on a node-aligned grid, got {type(u).__name__}")
    if u.grid.align != "node":
        raise ValueError(f"u must be a PCFunction on a node-aligned grid, got a {u.grid.align}-aligned one")
    y1, y2 = np.broadcast_arrays(check_real_array(x1, "x1"), check_real_array(x2, "x2"))
    if min(u.grid.shape) < 2 or not np.all(u.grid.rect.contains(y1, y2, closed=True)):
        raise ValueError(f"the points must lie in the closed rectangle {u.grid.rect!r} (>= 2 x 2 nodes)")
    return RegularGridInterpolator(u.grid.coords(), u.coeffs)(np.stack([y1, y2], axis=-1)).reshape(y1.shape)


class FunctionSweep(NamedTuple):
    r"""Result of :func:`function_sweep`. ``pc_errors``, ``nodal_errors``: maxima over the lattice of
    :math:`\omega` (lower bounds of the sups) of the distance to the reference of the output read as
    a :math:`PC_h` function and by :func:`nodal_interpolant`, one per ``hs``; ``pc_steps``,
    ``nodal_steps``: the same between consecutive swept resolutions (a Cauchy test), one per swept
    ``h`` but the finest; ``outputs``: ``h -> PCFunction``."""

    hs: tuple
    pc_errors: tuple
    nodal_errors: tuple
    pc_steps: tuple
    nodal_steps: tuple
    seconds: tuple
    outputs: dict


def function_sweep(evaluate: Callable[[float], PCFunction], hs: Sequence[float], *, omega: Rectangle,
                   points: int, limit: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
                   ) -> FunctionSweep:
    r"""Evaluate ``evaluate(h)`` at every ``h`` and measure sup distances on :math:`\omega` (Thm 3.6).

    Unlike :func:`resolution_sweep` the grids need not share nodes (pooling moves them by
    :math:`(s-1)h/2`, EN-14): each output is evaluated as a function on the ``points``
    :math:`\times` ``points`` lattice of the closed :math:`\omega`, which must lie in every
    output's domain, and compared with ``limit`` or else with the nodal interpolant of the
    finest output (then not compared itself). A maximum over the lattice is a lower bound of
    the sup on :math:`\omega`; take the lattice finer than the finest grid.

    Examples
    --------
    >>> g = lambda h: Grid(Rectangle(0, 1, 0, 1), h, align="node")
    >>> ev = lambda h: PCFunction(g(h).points()[0] ** 2, g(h))
    >>> sw = function_sweep(ev, [1 / 8, 1 / 16, 1 / 32], omega=Rectangle(0, 1, 0, 1), points=65,
    ...                     limit=lambda x1, x2: x1**2)
    >>> [round(e / h**2, 9) for e, h in zip(sw.nodal_errors, sw.hs)]   # h^2/4 at cell midpoints
    [0.25, 0.25, 0.25]
    """
    if not callable(evaluate) or not (limit is None or callable(limit)):
        raise TypeError(f"evaluate and limit must be callables (h -> PCFunction, (x1, x2) -> values), got "
                        f"{type(evaluate).__name__} and {type(limit).__name__}")
    if not isinstance(omega, Rectangle):
        raise TypeError(f"omega must be a Rectangle, got {type(omega).__name__}")
    M = check_int(points, "points", minimum=2)
    hs = sorted((check_positive(h, f"hs[{i}]") for i, h in enumerate(check_sequence(hs, "hs", min_length=2))),
                reverse=True)
    X1, X2 = np.meshgrid(np.linspace(omega.a, omega.b, M), np.linspace(omega.c, omega.d, M), indexing="ij")
    outputs, seconds, pc, nodal = {}, [], {}, {}
    for h in hs:
        t0, u = time.perf_counter(), evaluate(h)  # the clock starts first
        seconds.append(time.perf_counter() - t0)
        if not isinstance(u, PCFunction):
            raise TypeError(f"evaluate({h!r}) must return a node-aligned PCFunction, got {type(u).__name__}")
        if u.grid.align != "node":
            raise ValueError(f"evaluate({h!r}) must return a node-aligned PCFunction, got a cell-aligned one")
        if not u.grid.rect.includes(omega):
            raise ValueError(f"omega = {omega!r} must lie in the output domain {u.grid.rect!r} at h = {h!r}")
        outputs[h], pc[h], nodal[h] = u, u(X1, X2), nodal_interpolant(u, X1, X2)
    ref, compared = (limit(X1, X2), hs) if limit is not None else (nodal[hs[-1]], hs[:-1])
    sup = lambda a, b: float(np.abs(a - b).max())  # noqa: E731
    return FunctionSweep(tuple(compared), tuple(sup(pc[h], ref) for h in compared),
                         tuple(sup(nodal[h], ref) for h in compared),
                         tuple(sup(pc[a], pc[b]) for a, b in zip(hs, hs[1:])),
                         tuple(sup(nodal[a], nodal[b]) for a, b in zip(hs, hs[1:])), tuple(seconds), outputs)
