r"""Exact function-space values of discrete convolutions (eq. (8), EN-15, EN-16b).

:func:`conv_pc_exact` evaluates the convolution (1) of two :math:`PC_h` functions at any
point (bilinear between nodes, EN-16b); :func:`valid_output_grid` names the node-aligned
grid on which :func:`~fscnn_lib.convolution.conv_valid` returns its values (EN-15).

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588 (2022), eq. (1), eq. (8).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ._validate import Array, check_array, check_real, check_real_array, same_family
from .convolution import _check_h, conv_valid
from .grids import Grid, Rectangle
from .padding import zero_pad

__all__ = ["conv_pc_exact", "valid_output_grid"]


def _origin(x: object, name: str) -> tuple[float, float]:
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise TypeError(f"{name} must be a pair (x1, x2) of real numbers, got {x!r}")
    x1, x2 = (check_real(v, f"{name}[{k}]") for k, v in enumerate(x))
    return x1, x2


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
    y1, y2 = check_real_array(x1, "x1"), check_real_array(x2, "x2")
    try:
        y1, y2 = np.broadcast_arrays(y1, y2)
    except ValueError as exc:
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
