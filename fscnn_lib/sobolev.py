r"""The Sobolev toolkit of Section 2: Lemmas 2.3 and 2.4 of the paper, on a grid.

Three facts carry the regularity proof of Theorem 2.7; the first two live here, Lemma 2.5
(a continuous weak gradient gives :math:`C^1`) and its mollifier proof in
:mod:`fscnn_lib.mollifiers`:

* **Lemma 2.3** (BV input, :math:`L^p` kernel). For :math:`u\in BV(\Omega_\Sigma)` and
  :math:`w\in L^p(\Sigma)`, :math:`1<p\le\infty`, the valid convolution is in
  :math:`W^{1,p}(\Omega)` with :math:`D(u*w)=(Du)*w` and
  :math:`\|D(u*w)\|_p\le|Du|(\Omega_\Sigma)\,\|w\|_p`.
  For a piecewise constant :math:`u\in PC_h` the measure :math:`Du` lives on the cell
  edges (:func:`jump_measure`), and the identity holds *exactly* for the node values:
  the forward difference quotients of :math:`U*W` are the edge masses convolved with
  :math:`W` (:func:`conv_jump_measure`, :func:`commutation_residual`), and the bound holds
  exactly for the discrete norms (:func:`bv_gradient_bound`).
* **Lemma 2.4** (Lipschitz activations). :math:`\sigma\circ u\in W^{1,p}` with
  :math:`|D(\sigma\circ u)|\le\mathrm{Lip}(\sigma)|Du|`; on a grid every difference
  quotient shrinks by at most :math:`\mathrm{Lip}(\sigma)`, and for the ReLU the chain
  rule :math:`\nabla_h\sigma(u)=\mathbf 1_{\{u>0\}}\nabla_hu` holds on every edge that does
  not cross :math:`\{u=0\}` (:func:`relu_chain_rule_residual`). It keeps :math:`W^{1,p}`,
  not :math:`C^1` (editor's note EN-5).

The discrete gradient and norms come from :mod:`fscnn_lib.norms`
(:func:`~fscnn_lib.norms.discrete_gradient`: forward differences, zero in the last
row/column; :func:`~fscnn_lib.norms.lp_norm`), the valid convolution from
:mod:`fscnn_lib.convolution`.

References
----------
.. [1] A. Habring, M. Holler, the note on CNN image regularity that this book follows,
   arXiv:2204.10588, Lemmas 2.3 and 2.4.
"""

from __future__ import annotations

from typing import NamedTuple, Union

import numpy as np
import torch

from . import _backend as _bk
from ._validate import Array, check_array, check_positive, same_family
from ._validate import check_exponent as _check_p
from .convolution import conv_valid
from .norms import BoundSides, discrete_gradient, lp_norm, sobolev_seminorm

__all__ = [
    "JumpMeasure",
    "jump_measure",
    "conv_jump_measure",
    "commutation_residual",
    "bv_gradient_bound",
    "relu_chain_rule_residual",
]

Scalar = Union[float, Array]


# ------------------------------------------------------------- Lemma 2.3 on the grid
class JumpMeasure(NamedTuple):
    r"""The distributional gradient :math:`Du` of a piecewise constant image: masses on cell edges.

    For :math:`u=\sum_{i,j}U_{i,j}\chi_{Q_{i,j}}\in PC_h`, :math:`D_1u` is concentrated on the
    edges :math:`e^1_{i,j}=\overline{Q_{i,j}}\cap\overline{Q_{i+1,j}}` (segments of length
    :math:`h` across the :math:`x_1` axis) with density :math:`U_{i+1,j}-U_{i,j}` with respect
    to length, i.e. mass ``d1[i, j]`` :math:`=h\,(U_{i+1,j}-U_{i,j})`; likewise :math:`D_2u`
    on the edges between :math:`Q_{i,j}` and :math:`Q_{i,j+1}` with mass ``d2[i, j]``.
    """

    d1: Array
    """Masses of :math:`D_1u`, shape ``(..., N-1, M)``."""
    d2: Array
    """Masses of :math:`D_2u`, shape ``(..., N, M-1)``."""
    h: float
    """Grid spacing."""

    def total_variation(self) -> Scalar:
        r"""The total variation :math:`|Du|(\Omega)=\sum|d_1|+\sum|d_2|`.

        Each edge carries one component only, so the Euclidean and the :math:`\ell^1`
        variation agree: this is the anisotropic TV, :func:`~fscnn_lib.regularity.tv`
        with ``kind="anisotropic"``.
        """
        if _bk.is_torch(self.d1):
            total = self.d1.abs().sum(dim=(-2, -1)) + self.d2.abs().sum(dim=(-2, -1))
        else:
            total = np.abs(self.d1).sum(axis=(-2, -1)) + np.abs(self.d2).sum(axis=(-2, -1))
        return float(total) if total.ndim == 0 else total


def jump_measure(u: Array, h: float) -> JumpMeasure:
    r"""The jump part :math:`Du` of a :math:`PC_h` image as edge masses (a :class:`JumpMeasure`).

    The masses are :math:`h^2` times the forward difference quotients of
    :func:`~fscnn_lib.regularity.discrete_gradient`, i.e. :math:`h` times the plain
    differences; their total variation is the anisotropic TV, and for the pixelated disk of
    radius :math:`r` it is the staircase perimeter :math:`\approx8r` (not :math:`2\pi r`).

    Parameters
    ----------
    u : numpy.ndarray or torch.Tensor, shape (..., N, M)
        The cell values :math:`U_{i,j}` (cell-aligned grid of spacing ``h``).
    h : float
        Grid spacing.

    Returns
    -------
    JumpMeasure
        ``(d1, d2, h)``, same family and dtype as ``u``.

    Raises
    ------
    TypeError, ValueError
        For invalid ``u`` or ``h``.

    Examples
    --------
    A unit step across the :math:`x_1` axis on a 4 x 4 grid: one jump of height 1 per
    column, each on an edge of length :math:`h`:

    >>> import numpy as np
    >>> U = np.zeros((4, 4)); U[2:] = 1.0
    >>> Du = jump_measure(U, 0.25)
    >>> Du.d1[1].tolist(), float(np.abs(Du.d2).sum()), Du.total_variation()
    ([0.25, 0.25, 0.25, 0.25], 0.0, 1.0)
    """
    check_array(u, "u", min_ndim=2)
    h = check_positive(h, "h")
    g = discrete_gradient(u, h)
    return JumpMeasure(h * h * g[..., 0, :-1, :], h * h * g[..., 1, :, :-1], h)


def conv_jump_measure(du: JumpMeasure, w: Array) -> Array:
    r"""The convolution :math:`(Du)*w` of an edge measure with a :math:`PC_h` kernel, at the grid nodes.

    For the edge measure :math:`Du` of :func:`jump_measure` and :math:`w\in PC_h(\Sigma)`,
    the forward difference quotient of the (piecewise bilinear) function :math:`u*w`
    between two neighbouring nodes is the average of :math:`D(u*w)=(Du)*w` over the
    segment joining them, and that average is

    .. math:: \sum_{e}m_e\,W_{k(e)}, \qquad \text{(a sum of edge masses times kernel values)},

    i.e. the valid convolution of the mass arrays with :math:`W` *without* the cell area
    :math:`h^2`. The result follows the layout of
    :func:`~fscnn_lib.regularity.discrete_gradient` (zero in the last row of the first
    component and the last column of the second), so that Lemma 2.3's identity reads
    ``discrete_gradient(conv_valid(u, w, h), h) == conv_jump_measure(jump_measure(u, h), w)``
    (see :func:`commutation_residual`).

    Parameters
    ----------
    du : JumpMeasure
        Edge masses of an image of shape ``(..., N, M)``.
    w : numpy.ndarray or torch.Tensor, shape (n, m)
        Kernel values on :math:`\Sigma`, same family as the masses, ``n <= N-1``, ``m <= M-1``.

    Returns
    -------
    numpy.ndarray or torch.Tensor, shape (..., 2, N-n+1, M-m+1)

    Raises
    ------
    TypeError
        If ``du`` is not a :class:`JumpMeasure` or the families differ.
    ValueError
        If the kernel is too large.

    Examples
    --------
    >>> import numpy as np
    >>> U = np.zeros((6, 6)); U[3:, 2:] = 1.0; W = np.arange(4.0).reshape(2, 2)
    >>> G = conv_jump_measure(jump_measure(U, 0.5), W)
    >>> G.shape
    (2, 5, 5)
    """
    if not isinstance(du, JumpMeasure):
        raise TypeError(f"du must be a JumpMeasure (from jump_measure), got {type(du).__name__}")
    check_array(w, "w", min_ndim=2)
    same_family(du.d1, w, ("du", "w"))
    if w.ndim != 2:
        raise ValueError(f"w must be a 2-D kernel of shape (n, m), got shape {tuple(w.shape)}")
    N, M = int(du.d2.shape[-2]), int(du.d1.shape[-1])
    n, m = int(w.shape[0]), int(w.shape[1])
    if n > N - 1 or m > M - 1:
        raise ValueError(
            f"the kernel w of shape {(n, m)} must be smaller than the image {(N, M)} by at least "
            "one sample per axis (the edge masses have one row/column fewer)"
        )
    # unit spacing: a sum of masses times kernel values, no cell area
    g1 = conv_valid(du.d1, w, 1.0)
    g2 = conv_valid(du.d2, w, 1.0)
    lead = tuple(du.d1.shape[:-2])
    shape = lead + (2, N - n + 1, M - m + 1)
    if _bk.is_torch(w):
        out = torch.zeros(shape, dtype=g1.dtype, device=g1.device)
    else:
        out = np.zeros(shape, dtype=g1.dtype)
    out[..., 0, :-1, :] = g1
    out[..., 1, :, :-1] = g2
    return out


def commutation_residual(u: Array, w: Array, h: float) -> float:
    r"""Largest entry of :math:`|\nabla_h(U*W)-(DU)*W|`: the invariant behind Lemma 2.3 on the grid.

    The left side is :func:`~fscnn_lib.regularity.discrete_gradient` of
    :func:`~fscnn_lib.convolution.conv_valid`; the right side is
    :func:`conv_jump_measure` of :func:`jump_measure`. For :math:`u,w\in PC_h` the two agree
    exactly (the identity is the linearity and translation invariance of the sum), so the
    result is zero up to rounding, whatever the resolution: about :math:`10^{-16}` times the
    size of the entries.

    Parameters
    ----------
    u : numpy.ndarray or torch.Tensor, shape (N, M)
        Cell values of the input on :math:`\Omega_\Sigma`.
    w : numpy.ndarray or torch.Tensor, shape (n, m)
        Kernel values on :math:`\Sigma`.
    h : float
        Grid spacing.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> U = (rng.random((20, 20)) > 0.5).astype(float); W = rng.standard_normal((5, 5))
    >>> bool(commutation_residual(U, W, 1 / 20) < 1e-12)
    True
    """
    check_array(u, "u", min_ndim=2)
    check_array(w, "w", min_ndim=2)
    same_family(u, w, ("u", "w"))
    h = check_positive(h, "h")
    lhs = discrete_gradient(conv_valid(u, w, h), h)
    du = jump_measure(u, h)
    rhs = conv_jump_measure(du, w)
    diff = (lhs - rhs).abs().max() if _bk.is_torch(lhs) else np.abs(lhs - rhs).max()
    return float(diff)


def bv_gradient_bound(u: Array, w: Array, h: float, p: float = 2.0) -> BoundSides:
    r"""Both sides of Lemma 2.3's bound :math:`\|D(u*w)\|_p\le|Du|(\Omega_\Sigma)\,\|w\|_p` on the grid.

    ``lhs`` is :func:`sobolev_seminorm` of :math:`U*W` (valid convolution), ``rhs`` is the
    total variation of :func:`jump_measure` (the anisotropic TV) times
    :func:`~fscnn_lib.norms.lp_norm` of :math:`W`. For :math:`U,W` on one grid the
    inequality holds exactly: by :func:`conv_jump_measure` the discrete gradient is a sum of
    translates of :math:`W` weighted by the edge masses, and Minkowski's inequality bounds
    its norm by the sum of the masses times :math:`\|W\|_p`.

    Parameters
    ----------
    u : numpy.ndarray or torch.Tensor, shape (N, M)
        Cell values on :math:`\Omega_\Sigma`.
    w : numpy.ndarray or torch.Tensor, shape (n, m)
        Kernel values on :math:`\Sigma`.
    h : float
        Grid spacing.
    p : float
        ``1 <= p <= inf`` (the lemma asks ``p > 1``; the discrete bound holds for all).

    Returns
    -------
    BoundSides
        ``(lhs, rhs)`` as floats.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> U = (rng.random((32, 32)) > 0.5).astype(float); W = rng.standard_normal((8, 8))
    >>> b = bv_gradient_bound(U, W, 1 / 32, 2)
    >>> bool(b.lhs <= b.rhs)
    True
    """
    check_array(u, "u", min_ndim=2)
    check_array(w, "w", min_ndim=2)
    same_family(u, w, ("u", "w"))
    if u.ndim != 2:
        raise ValueError(f"u must be a single image of shape (N, M), got shape {tuple(u.shape)}")
    h = check_positive(h, "h")
    p = _check_p(p)
    lhs = sobolev_seminorm(conv_valid(u, w, h), h, p)
    rhs = jump_measure(u, h).total_variation() * lp_norm(w, h, p)
    return BoundSides(float(lhs), float(rhs))


# ------------------------------------------------------------- Lemma 2.4 on the grid
def relu_chain_rule_residual(u: Array, h: float) -> float:
    r"""Largest violation of :math:`\nabla_h\,\mathrm{ReLU}(u)=\mathbf 1_{\{u>0\}}\nabla_hu` off the zero set.

    The chain rule of Lemma 2.4 for :math:`\sigma=\mathrm{ReLU}` (:math:`\sigma'=\mathbf 1_{(0,\infty)}`),
    checked on every grid edge whose two end samples are both :math:`>0` or both
    :math:`\le0` (the edges that do not cross :math:`\{u=0\}`). There it holds exactly, so
    the result is 0; the edges across the zero set are where the crease lives (EN-5).

    Parameters
    ----------
    u : numpy.ndarray or torch.Tensor, shape (..., N, M)
    h : float
        Grid spacing.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(-1, 1, 9)
    >>> relu_chain_rule_residual(x[:, None] + 0.3 * x[None, :], 0.25)
    0.0
    """
    check_array(u, "u", min_ndim=2)
    h = check_positive(h, "h")
    relu = u.clamp(min=0) if _bk.is_torch(u) else np.maximum(u, 0)
    g_s = discrete_gradient(relu, h)
    g_u = discrete_gradient(u, h)
    worst = 0.0
    pos = u > 0
    # component 0: edges (i,j)-(i+1,j); component 1: edges (i,j)-(i,j+1)
    for k, (a, b) in enumerate(((pos[..., :-1, :], pos[..., 1:, :]), (pos[..., :, :-1], pos[..., :, 1:]))):
        same = a == b
        sl = (Ellipsis, k, slice(None, -1), slice(None)) if k == 0 else (Ellipsis, k, slice(None), slice(None, -1))
        dif = g_s[sl] - a * g_u[sl]
        dif = dif[same]
        if dif.numel() if _bk.is_torch(dif) else dif.size:
            m = float(dif.abs().max()) if _bk.is_torch(dif) else float(np.abs(dif).max())
            worst = max(worst, m)
    return worst
