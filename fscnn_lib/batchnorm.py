r"""Batch normalisation in function space and on grids (Def. A.1, Lemma A.2, EN-29, EN-30).

For a batch :math:`u=(u_1,\dots,u_B)` of functions on a bounded :math:`\omega` (one channel;
with channels, everything below holds per channel), Definition A.1 of the paper takes the
mean and the (biased) variance over the batch *and* over :math:`\omega`, as integrals,

.. math:: \bar u=\frac{1}{B|\omega|}\sum_{i}\int_\omega u_i,\qquad
          \sigma^2=\frac{1}{B|\omega|}\sum_{i}\int_\omega (u_i-\bar u)^2,\qquad
          \mathrm{BN}_{\gamma,\beta}(u)_i=\gamma\,\frac{u_i-\bar u}{\sqrt{\sigma^2+\varepsilon}}+\beta,

with scalars :math:`\gamma,\beta` per channel (EN-29) and :math:`\varepsilon>0` (EN-30).

On a grid the functions are :math:`PC_h` and the integrals are :math:`h^2`-weighted sums.
On a *cell-aligned* grid every cell is whole, the weights are equal and the statistics are
the plain pixel mean and variance: exactly what ``torch.nn.BatchNorm2d`` computes in
training mode. On a *node-aligned* grid (the inner activations of :class:`FsCNN
<fscnn_lib.networks.FsCNN>`, EN-13c) the border cells are half cells, the weights are
those of :func:`node_weights` (the trapezoidal rule), and a plain pixel mean differs from
the integral by :math:`O(h)`. In both cases :math:`h^2` cancels from the statistics.

With frozen statistics :math:`(m,v)` (PyTorch's evaluation mode) BN is the affine map
:math:`y\mapsto\alpha y+\delta`, :math:`\alpha=\gamma/\sqrt{v+\varepsilon}`,
:math:`\delta=\beta-\alpha m` (:func:`frozen_affine`), so it keeps every regularity class
(Remark 2.6, EN-8c). In training mode BN is Lipschitz with constant
:math:`|\gamma|/\sqrt\varepsilon` in the norm of :func:`batch_rms`
(:func:`bn_lipschitz_bound`; sharp: approached, never attained, near constant batches),
which is why :math:`\varepsilon>0` is essential: with :math:`\varepsilon=0` it is
discontinuous there.

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588 (2022), Remark 2.6, Def. A.1, Lemma A.2;
   editor's notes EN-8c, EN-29, EN-30.
"""

from __future__ import annotations

import numpy as np
import torch

from . import _backend as _bk
from ._validate import Array, check_array, check_choice, check_positive, check_real, check_real_array

__all__ = [
    "node_weights", "batch_norm_step", "batch_statistics", "batch_norm", "batch_rms",
    "frozen_affine", "bn_lipschitz_bound",
]

_ALIGN = ("cell", "node")


def _relative_weights(n1: int, n2: int, align: str, like: Array) -> Array:
    """Cell areas of an ``n1 x n2`` grid relative to a whole cell: 1 inside, 1/2 and 1/4 at a node grid's border."""
    c1, c2 = np.ones(n1), np.ones(n2)
    if align == "node":
        c1[[0, -1]] = 0.5
        c2[[0, -1]] = 0.5
    return _bk.like(np.outer(c1, c2), like)


def _check_momentum(momentum: object, name: str) -> float:
    """The momentum of the running statistics: a real number in (0, 1]."""
    m = check_real(momentum, name)
    if not 0 < m <= 1:
        raise ValueError(f"{name} must lie in (0, 1], got {momentum!r}")
    return m


def init_batch_norm(
    module: torch.nn.Module, hidden_channels: tuple[int, ...], eps: float, momentum: float, dtype: torch.dtype
) -> None:
    """Give ``module`` the BN parameters :math:`\\gamma,\\beta` and running statistics of its hidden layers.

    Sets ``bn_eps``, ``bn_momentum``, ``bn_weight``, ``bn_bias`` and the buffers
    ``running_mean_l``, ``running_var_l`` for each entry of ``hidden_channels`` (empty: no BN).
    """
    module.bn_eps = check_positive(eps, "bn_eps")
    module.bn_momentum = _check_momentum(momentum, "bn_momentum")
    module.bn_weight = torch.nn.ParameterList()
    module.bn_bias = torch.nn.ParameterList()
    for l, c in enumerate(hidden_channels):
        module.bn_weight.append(torch.nn.Parameter(torch.ones(c, dtype=dtype)))
        module.bn_bias.append(torch.nn.Parameter(torch.zeros(c, dtype=dtype)))
        module.register_buffer(f"running_mean_{l}", torch.zeros(c, dtype=dtype))
        module.register_buffer(f"running_var_{l}", torch.ones(c, dtype=dtype))


def node_weights(n: int, h: float, like: torch.Tensor) -> torch.Tensor:
    r"""Quadrature weights :math:`h^2c_ic_j` of node-aligned :math:`PC_h` functions on :math:`[0,1]^2`.

    :math:`c_i=1` inside and :math:`\tfrac12` at the two border nodes (half cells).

    Examples
    --------
    >>> w = node_weights(5, 0.25, torch.zeros(1, dtype=torch.float64))
    >>> float(w.sum()), float(w[0, 0]), float(w[2, 2])
    (1.0, 0.015625, 0.0625)
    """
    return (h * h) * _relative_weights(n, n, "node", like)


def _statistics(u: Array, align: str) -> tuple[Array, Array]:
    """Per-channel weighted mean and biased variance of ``(B, C, n1, n2)`` values (no checks).

    Two passes (mean first, then the mean square of the deviations), so a nearly
    constant batch keeps its small variance accurately.
    """
    w = _relative_weights(int(u.shape[-2]), int(u.shape[-1]), align, u)
    total = w.sum() * u.shape[0]
    mean = (u * w).sum(axis=(0, 2, 3)) / total
    var = (((u - mean[:, None, None]) ** 2) * w).sum(axis=(0, 2, 3)) / total
    return mean, var


def _normalise(u: Array, mean: Array, var: Array, gamma: Array, beta: Array, eps: float) -> Array:
    """:math:`\\gamma(u-m)/\\sqrt{v+\\varepsilon}+\\beta` per channel (all per-channel arrays of u's family)."""
    c = (slice(None), None, None)
    return gamma[c] * (u - mean[c]) / _bk.sqrt(var[c] + eps) + beta[c]


def _check_batch(u: object, align: str, name: str = "u") -> Array:
    check_array(u, name, min_ndim=4)
    if u.ndim != 4:
        raise ValueError(
            f"{name} must have shape (B, C, n1, n2) (a batch of C-channel images), got shape {tuple(u.shape)}"
        )
    check_choice(align, "align", _ALIGN)
    if align == "node" and min(int(u.shape[-2]), int(u.shape[-1])) < 2:
        raise ValueError(
            f"a node-aligned grid has at least 2 nodes per side (both ends), got shape {tuple(u.shape)}; "
            "use align='cell' for one cell"
        )
    return u


def _per_channel(x: object, name: str, C: int, u: Array, *, minimum: float | None = None) -> Array:
    """A scalar or a length-``C`` vector as a per-channel array of ``u``'s family, dtype and device."""
    if isinstance(x, torch.Tensor):
        if x.dtype not in (torch.float32, torch.float64):
            raise TypeError(f"{name} must be a real number or a float tensor, got dtype {x.dtype}")
        a = x.detach().cpu().numpy().astype(np.float64)
    else:
        a = check_real_array(x, name)
    if a.ndim == 0:
        a = np.full(C, float(a))
    if a.shape != (C,):
        raise ValueError(f"{name} must be a scalar or have one entry per channel, shape ({C},), got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} must be finite, got {a.tolist()}")
    if minimum is not None and (a < minimum).any():
        raise ValueError(f"{name} must be >= {minimum} in every channel, got {a.tolist()}")
    if isinstance(x, torch.Tensor) and _bk.is_torch(u):
        t = x.to(device=u.device, dtype=u.dtype)  # keeps gradients
        return t.expand(C) if t.ndim == 0 else t.reshape(C)
    return _bk.like(a, u)


def batch_statistics(u: Array, *, align: str = "cell") -> tuple[Array, Array]:
    r"""The mean :math:`\bar u` and the biased variance :math:`\sigma^2` of Definition A.1, per channel.

    ``u`` holds the coefficients of a batch of :math:`PC_h` functions on a rectangle; the
    integrals over :math:`\omega` are the sums weighted by the cell areas :math:`h^2c_ic_j`
    (``align="cell"``: :math:`c_i=1`; ``align="node"``: :math:`c_i=\tfrac12` at the two
    border nodes, half cells), and :math:`h^2` cancels:

    .. math:: \bar u_c=\frac{\sum_{b,i,j}c_ic_j\,u_{b,c,i,j}}{B\sum_{i,j}c_ic_j},\qquad
              \sigma^2_c=\frac{\sum_{b,i,j}c_ic_j\,(u_{b,c,i,j}-\bar u_c)^2}{B\sum_{i,j}c_ic_j}.

    With ``align="cell"`` these are the plain pixel mean and variance that
    ``torch.nn.BatchNorm2d`` normalises with in training mode (EN-29: the biased variance).

    Parameters
    ----------
    u : numpy.ndarray or torch.Tensor, shape (B, C, n1, n2)
        A batch of ``B`` images with ``C`` channels, float32 or float64.
    align : {"cell", "node"}, keyword-only
        Cell-aligned (all cells whole) or node-aligned (half cells at the border) grid.

    Returns
    -------
    mean, var : arrays of shape (C,), the family and dtype of ``u``

    Raises
    ------
    TypeError
        If ``u`` is not a float array or tensor, or ``align`` not a str.
    ValueError
        If ``u`` is not 4-D, has non-finite entries, ``align`` is unknown, or a
        node-aligned grid has fewer than 2 nodes per side.

    Examples
    --------
    On the nodes :math:`0,\tfrac12,1` the node-aligned mean of :math:`x_1` is its integral
    :math:`\tfrac12` and that of :math:`x_1^2` is the trapezoidal :math:`\tfrac38`, while the
    plain pixel mean of :math:`x_1^2` is :math:`\tfrac5{12}`:

    >>> x = np.array([0.0, 0.5, 1.0])
    >>> u = np.stack([x[:, None] * np.ones(3), x[:, None] ** 2 * np.ones(3)])[:, None]
    >>> [float(batch_statistics(u[i:i + 1], align="node")[0][0]) for i in (0, 1)]
    [0.5, 0.375]
    >>> round(float(batch_statistics(u[1:], align="cell")[0][0]), 12) == round(5 / 12, 12)
    True
    """
    _check_batch(u, align)
    return _statistics(u, align)


def batch_norm(
    u: Array,
    *,
    gamma: float | Array = 1.0,
    beta: float | Array = 0.0,
    eps: float = 1e-5,
    align: str = "cell",
    stats: tuple[float | Array, float | Array] | None = None,
) -> Array:
    r"""Batch normalisation :math:`\mathrm{BN}_{\gamma,\beta}` of Definition A.1 of a batch of :math:`PC_h` functions.

    .. math:: \mathrm{BN}_{\gamma,\beta}(u)_{b,c}
              =\gamma_c\,\frac{u_{b,c}-\bar u_c}{\sqrt{\sigma_c^2+\varepsilon}}+\beta_c

    Training mode (``stats=None``): :math:`\bar u,\sigma^2` are the batch statistics of
    :func:`batch_statistics`, so every output depends on the whole batch. Evaluation mode
    (``stats=(m, v)``): frozen statistics, and BN is the affine map of :func:`frozen_affine`.

    Parameters
    ----------
    u : numpy.ndarray or torch.Tensor, shape (B, C, n1, n2)
    gamma, beta : float or array of shape (C,), keyword-only
        :math:`\gamma_c,\beta_c`, one scalar per channel shared by the batch (EN-29).
    eps : float, keyword-only
        :math:`\varepsilon>0`; ``0`` is refused (EN-30: BN would be discontinuous at
        constant batches, and undefined there).
    align : {"cell", "node"}, keyword-only
        The grid of ``u`` (see :func:`batch_statistics`).
    stats : (mean, var) or None, keyword-only
        Frozen statistics, scalars or shape ``(C,)``, ``var >= 0``.

    Returns
    -------
    array of the shape, family and dtype of ``u``

    Raises
    ------
    TypeError
        For a wrong type of ``u``, ``gamma``, ``beta``, ``eps``, ``align`` or ``stats``.
    ValueError
        For ``eps <= 0``, per-channel values of the wrong length, non-finite values, a
        negative frozen variance, or the cases of :func:`batch_statistics`.

    Examples
    --------
    The output has mean :math:`\beta` and variance :math:`\gamma^2\sigma^2/(\sigma^2+\varepsilon)`:

    >>> u = np.random.default_rng(0).normal(size=(4, 2, 8, 8))
    >>> z = batch_norm(u, gamma=[2.0, 1.0], beta=[0.5, -1.0], eps=1e-3)
    >>> m, v = batch_statistics(z)
    >>> bool(np.allclose(m, [0.5, -1.0]))
    True
    >>> s2 = batch_statistics(u)[1]
    >>> bool(np.allclose(v, np.array([4.0, 1.0]) * s2 / (s2 + 1e-3)))
    True
    """
    _check_batch(u, align)
    eps = check_positive(eps, "eps")
    C = int(u.shape[1])
    g = _per_channel(gamma, "gamma", C, u)
    b = _per_channel(beta, "beta", C, u)
    if stats is None:
        mean, var = _statistics(u, align)
    else:
        if not isinstance(stats, (tuple, list)) or len(stats) != 2:
            raise TypeError(f"stats must be None or a pair (mean, var), got {type(stats).__name__}")
        mean = _per_channel(stats[0], "stats mean", C, u)
        var = _per_channel(stats[1], "stats var", C, u, minimum=0.0)
    return _normalise(u, mean, var, g, b, eps)


def batch_rms(u: Array, *, align: str = "cell") -> Array:
    r"""The normalised :math:`L^2` norm of a batch, per channel.

    .. math:: \|u\|_c=\Big(\frac{1}{B|\omega|}\sum_b\int_\omega u_{b,c}^2\Big)^{1/2}

    The norm in which :math:`\sigma` is the distance of the batch to its mean
    (:math:`\sigma_c` = ``batch_rms(u - mean)``) and in which BN is Lipschitz with the
    constant :func:`bn_lipschitz_bound` (EN-30). Weights as in :func:`batch_statistics`.

    Parameters
    ----------
    u : numpy.ndarray or torch.Tensor, shape (B, C, n1, n2)
    align : {"cell", "node"}, keyword-only

    Returns
    -------
    array of shape (C,), the family and dtype of ``u``

    Raises
    ------
    TypeError, ValueError
        As :func:`batch_statistics`.

    Examples
    --------
    >>> u = np.random.default_rng(1).normal(size=(3, 1, 5, 5))
    >>> m, v = batch_statistics(u, align="node")
    >>> bool(np.isclose(batch_rms(u - m[0], align="node")[0] ** 2, v[0]))
    True
    """
    _check_batch(u, align)
    w = _relative_weights(int(u.shape[-2]), int(u.shape[-1]), align, u)
    return _bk.sqrt((u * u * w).sum(axis=(0, 2, 3)) / (w.sum() * u.shape[0]))


def frozen_affine(
    gamma: float | Array, beta: float | Array, mean: Array, var: Array, *, eps: float
) -> tuple[Array, Array]:
    r"""BN with frozen statistics as the affine map :math:`y\mapsto\alpha y+\delta` (evaluation mode).

    .. math:: \alpha_c=\frac{\gamma_c}{\sqrt{v_c+\varepsilon}},\qquad \delta_c=\beta_c-\alpha_c m_c .

    After a convolution with kernel :math:`w_c` and bias :math:`b_c` it can be folded into
    the layer: kernel :math:`\alpha_cw_c`, bias :math:`\alpha_cb_c+\delta_c` (Remark 2.6,
    EN-8c): a network with BN in evaluation mode *is* an fsCNN without BN.

    Parameters
    ----------
    gamma, beta : float or array of shape (C,)
    mean, var : numpy.ndarray or torch.Tensor, shape (C,)
        The frozen (running) statistics, ``var >= 0``; they fix the family and dtype.
    eps : float, keyword-only
        :math:`\varepsilon>0`.

    Returns
    -------
    alpha, delta : arrays of shape (C,), the family of ``mean``

    Raises
    ------
    TypeError
        For wrong types.
    ValueError
        For ``eps <= 0``, a negative variance, non-finite values or wrong lengths.

    Examples
    --------
    >>> m, v = np.array([1.0, -2.0]), np.array([3.0, 0.0])
    >>> alpha, delta = frozen_affine(2.0, [0.0, 1.0], m, v, eps=1.0)
    >>> alpha.tolist(), delta.tolist()
    ([1.0, 2.0], [-1.0, 5.0])
    """
    check_array(mean, "mean", min_ndim=1)
    if mean.ndim != 1:
        raise ValueError(f"mean must have shape (C,), got shape {tuple(mean.shape)}")
    eps = check_positive(eps, "eps")
    C = int(mean.shape[0])
    v = _per_channel(var, "var", C, mean, minimum=0.0)
    alpha = _per_channel(gamma, "gamma", C, mean) / _bk.sqrt(v + eps)
    return alpha, _per_channel(beta, "beta", C, mean) - alpha * mean


def bn_lipschitz_bound(gamma: float | Array, eps: float) -> np.ndarray:
    r"""The Lipschitz constant :math:`|\gamma_c|/\sqrt\varepsilon` of training-mode BN, per channel (EN-30).

    For batches :math:`u,v` and the norm :math:`\|\cdot\|` of :func:`batch_rms`,
    :math:`\|\mathrm{BN}(u)_c-\mathrm{BN}(v)_c\|\le|\gamma_c|\varepsilon^{-1/2}\|u_c-v_c\|`:
    BN is :math:`\gamma` times :math:`x\mapsto x/\sqrt{\|x\|^2+\varepsilon}` after the
    centring :math:`u\mapsto u-\bar u` (an orthogonal projection), and the derivative of
    that map has norm :math:`(\|x\|^2+\varepsilon)^{-1/2}\le\varepsilon^{-1/2}`. The bound
    is attained in the limit at a constant batch, perturbed by :math:`\delta v` with
    :math:`\bar v=0`, :math:`\delta\to0`. It blows up as :math:`\varepsilon\to0`.

    Parameters
    ----------
    gamma : float or array_like of shape (C,)
    eps : float
        :math:`\varepsilon>0`.

    Returns
    -------
    numpy.ndarray of shape (C,) (``(1,)`` for a scalar ``gamma``)

    Examples
    --------
    >>> bn_lipschitz_bound([2.0, -0.5], 1e-4).tolist()
    [200.0, 50.0]
    """
    eps = check_positive(eps, "eps")
    g = check_real_array(gamma, "gamma").reshape(-1)
    if not np.isfinite(g).all():
        raise ValueError(f"gamma must be finite, got {g.tolist()}")
    return np.abs(g) / np.sqrt(eps)


def batch_norm_step(
    y: torch.Tensor,
    h: float,
    weight: torch.Tensor,
    bias: torch.Tensor,
    running_mean: torch.Tensor,
    running_var: torch.Tensor,
    *,
    training: bool,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> torch.Tensor:
    r"""One batch normalisation (Def. A.1) of node values ``y`` of shape ``(B, C, N+1, N+1)``.

    In training, the batch statistics :math:`m_c, v_c` are the function-space ones
    (:func:`batch_statistics` with ``align="node"``, the weights of :func:`node_weights`) and
    the running statistics are updated in place, ``r <- (1 - momentum) r + momentum * batch``
    (the variance stored is the biased one of Def. A.1; PyTorch stores the unbiased one);
    in evaluation the running ones are used, so BN is the affine map
    :math:`\gamma (y-m)/\sqrt{v+\varepsilon}+\beta`.

    Parameters
    ----------
    y : torch.Tensor, shape (B, C, N+1, N+1)
    h : float
        Grid spacing of the nodes (it cancels from the statistics).
    weight, bias : torch.Tensor, shape (C,)
        :math:`\gamma`, :math:`\beta`.
    running_mean, running_var : torch.Tensor, shape (C,)
        Updated in place when ``training``.
    training : bool, keyword-only
    momentum : float, keyword-only
        In (0, 1].
    eps : float, keyword-only
        :math:`\varepsilon>0`.

    Returns
    -------
    torch.Tensor, shape of ``y``

    Raises
    ------
    TypeError
        For a ``y`` that is not a float tensor, a non-bool ``training``, a non-real
        ``momentum``, ``h`` or ``eps``, or per-channel arguments that are not tensors.
    ValueError
        For a ``y`` that is not 4-D with at least 2 nodes per side, ``h <= 0``, ``eps <= 0``,
        ``momentum`` outside (0, 1], or per-channel tensors not of shape ``(C,)``.

    Examples
    --------
    >>> y = torch.arange(2 * 9, dtype=torch.float64).reshape(2, 1, 3, 3)
    >>> one, zero = torch.ones(1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)
    >>> z = batch_norm_step(y, 0.5, one, zero, zero.clone(), one.clone(), training=True)
    >>> w = node_weights(3, 0.5, y)
    >>> abs(float((z * w).sum())) < 1e-12      # mean zero in function space
    True
    """
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"y must be a torch.Tensor of shape (B, C, N+1, N+1), got {type(y).__name__}")
    _check_batch(y, "node", "y")
    check_positive(h, "h")
    eps = check_positive(eps, "eps")
    if not isinstance(training, bool):
        raise TypeError(f"training must be a bool, got {type(training).__name__}")
    momentum = _check_momentum(momentum, "momentum")
    C = int(y.shape[1])
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor of shape ({C},), got {type(t).__name__}")
        if tuple(t.shape) != (C,):
            raise ValueError(f"{name} must have shape ({C},), one entry per channel of y, got shape {tuple(t.shape)}")
    g = weight.to(device=y.device, dtype=y.dtype)
    b = bias.to(device=y.device, dtype=y.dtype)
    if training:
        mean, var = _statistics(y, "node")
        with torch.no_grad():
            running_mean.mul_(1 - momentum).add_(momentum * mean.detach().to(running_mean))
            running_var.mul_(1 - momentum).add_(momentum * var.detach().to(running_var))
    else:
        mean, var = running_mean.to(y), running_var.to(y)
    return _normalise(y, mean, var, g, b, eps)
