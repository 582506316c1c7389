r"""Batch normalisation in function space and on grids (Def. A.1, EN-29, EN-30).

For a batch of functions :math:`y_1,\dots,y_B` on :math:`\Omega` with channel :math:`c`,
Definition A.1 normalises with the mean and variance taken over the batch *and* over
:math:`\Omega` (integrals, not pixel sums),

.. math:: \mathrm{BN}(y)_c=\gamma_c\,\frac{y_c-m_c}{\sqrt{v_c+\varepsilon}}+\beta_c,\qquad
          m_c=\frac{1}{B|\Omega|}\sum_b\int_\Omega y_{b,c},\quad
          v_c=\frac{1}{B|\Omega|}\sum_b\int_\Omega (y_{b,c}-m_c)^2 .

On the node values of a node-aligned :math:`PC_h` function on :math:`[0,1]^2` (half cells at
the border, EN-13c) the integrals are exact with the weights of :func:`node_weights`; so the
statistics do not depend on :math:`h` beyond the discretisation of :math:`y` itself.
:math:`\varepsilon>0` keeps BN Lipschitz (EN-30: with :math:`\varepsilon=0` it is
discontinuous at constant inputs).

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588 (2022), Def. A.1, Prop. A.2; EN-29, EN-30.
"""

from __future__ import annotations

import torch

from ._validate import check_array, check_positive

__all__ = ["node_weights", "batch_norm_step"]


def init_batch_norm(
    module: torch.nn.Module, hidden_channels: tuple[int, ...], eps: float, momentum: float, dtype: torch.dtype
) -> None:
    """Give ``module`` the BN parameters :math:`\\gamma,\\beta` and running statistics of its hidden layers.

    Sets ``bn_eps``, ``bn_momentum``, ``bn_weight``, ``bn_bias`` and the buffers
    ``running_mean_l``, ``running_var_l`` for each entry of ``hidden_channels`` (empty: no BN).
    """
    module.bn_eps = check_positive(eps, "bn_eps")
    m = float(momentum)
    if not 0 < m <= 1:
        raise ValueError(f"bn_momentum must lie in (0, 1], got {momentum!r}")
    module.bn_momentum = m
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
    c = torch.ones(n, dtype=like.dtype, device=like.device)
    c[0] = c[-1] = 0.5
    return (h * h) * c[:, None] * c[None, :]


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

    In training, the batch statistics :math:`m_c, v_c` are the function-space ones (weights
    :func:`node_weights`) and the running statistics are updated in place,
    ``r <- (1 - momentum) r + momentum * batch``; in evaluation the running ones are used,
    so BN is the affine map :math:`\gamma (y-m)/\sqrt{v+\varepsilon}+\beta`.

    Parameters
    ----------
    y : torch.Tensor, shape (B, C, N+1, N+1)
    h : float
        Grid spacing of the nodes.
    weight, bias : torch.Tensor, shape (C,)
        :math:`\gamma`, :math:`\beta`.
    running_mean, running_var : torch.Tensor, shape (C,)
        Updated in place when ``training``.
    training : bool, keyword-only
    momentum : float, keyword-only
    eps : float, keyword-only
        :math:`\varepsilon>0`.

    Returns
    -------
    torch.Tensor, shape of ``y``

    Examples
    --------
    >>> y = torch.arange(2 * 9, dtype=torch.float64).reshape(2, 1, 3, 3)
    >>> one, zero = torch.ones(1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)
    >>> z = batch_norm_step(y, 0.5, one, zero, zero.clone(), one.clone(), training=True)
    >>> w = node_weights(3, 0.5, y)
    >>> abs(float((z * w).sum())) < 1e-12      # mean zero in function space
    True
    """
    check_array(y, "y", min_ndim=4)
    h = check_positive(h, "h")
    eps = check_positive(eps, "eps")
    g = weight.to(device=y.device, dtype=y.dtype)[:, None, None]
    b = bias.to(device=y.device, dtype=y.dtype)[:, None, None]
    if training:
        w = node_weights(int(y.shape[-1]), h, y)
        area = w.sum() * y.shape[0]
        mean = (y * w).sum(dim=(0, 2, 3)) / area
        var = (((y - mean[:, None, None]) ** 2) * w).sum(dim=(0, 2, 3)) / area
        with torch.no_grad():
            running_mean.mul_(1 - momentum).add_(momentum * mean.detach().to(running_mean))
            running_var.mul_(1 - momentum).add_(momentum * var.detach().to(running_var))
    else:
        mean, var = running_mean.to(y), running_var.to(y)
    return g * (y - mean[:, None, None]) / torch.sqrt(var[:, None, None] + eps) + b
