r"""Training problems :math:`(P_h)` and :math:`(P)` of Section 3 (S3-TRAIN .. Thm 3.13).

For data :math:`(u^h_j,y^h_j)_{j=1}^{N}`, a forward operator :math:`A` and a loss
:math:`\ell`, the discretised training problem is

.. math::
    \min_{w^h\in W_h(\Sigma),\,b^h}\ E_h(w^h,b^h)=\sum_j\ell\big(y^h_j,A\,NN^h(u^h_j,w^h,b^h)\big)
    +\lambda\|w^h\|_{p'}+\nu|b^h| ,\tag{$P_h$}

and :math:`(P)` is the same with the fsCNN :math:`NN` and kernels in
:math:`\mathcal W_{p'}(\Sigma)`. Following editor's note EN-23 the kernel norm is the
product norm :math:`\|w\|_{p'}=\sum_l\|w^l\|_{L^{p'}(\Sigma_l)}` (not squared), with
:math:`\lambda,\nu>0` for coercivity, and :math:`|b|` is the Euclidean norm of all biases.

* :func:`pixel_network` builds an :class:`~fscnn_lib.networks.FsCNN` whose trainable
  kernels are exactly the :math:`PC_h(\Sigma_l)` functions, so the indicator
  :math:`I_{W_h(\Sigma)}` of :math:`(P_h)` is built in.
* :func:`q_norm_loss` is Example 3.9 (b), :func:`weighted_cross_entropy` Example 3.9 (a)
  with ``n`` output channels (EN-25); both integrate with the quadrature weights of the
  node-aligned :math:`PC_h` outputs (half cells at the border).
* :func:`training_energy` evaluates :math:`E_h`, :func:`train` minimises it (seeded,
  deterministic on the CPU), :func:`kernel_pairings` tests kernels against fixed smooth
  functions, integrated exactly over the cells up to a Gauss-Legendre rule (weak
  convergence, Thm 3.13).

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588 (2022),
   Section 3 (paragraph "Network Training"): (P_h), (P),
   Assumption 3.8, Example 3.9, Definition 3.10, Lemmas 3.11-3.12, Theorem 3.13;
   editor's notes EN-23..EN-27.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
import torch

from ._validate import check_array, check_choice, check_exponent, check_int, check_positive, check_real
from .batchnorm import node_weights
from .networks import FsCNN
from .padding import reflect_pad

__all__ = [
    "q_norm_loss", "weighted_cross_entropy", "kernel_norms", "penalty", "Energy",
    "training_energy", "pixel_network", "cells_to_nodes", "TrainResult", "train",
    "kernel_pairings",
]

_GRIDS = ("node", "cell")
_LOSSES = ("q", "cross_entropy")
_OPTIMIZERS = ("lbfgs", "adam")


def _weights(shape: Sequence[int], h: float, grid: str, like: torch.Tensor) -> torch.Tensor:
    """Quadrature weights of a PC_h function on [0,1]^2 stored on ``grid``."""
    n1, n2 = int(shape[-2]), int(shape[-1])
    if n1 != n2:
        raise ValueError(f"the arrays must be square on [0,1]^2, got last two axes {(n1, n2)}")
    want = round(1 / h) + (1 if grid == "node" else 0)
    if n1 != want:
        raise ValueError(f"a {grid}-aligned array at h={h!r} has {want} samples per side, got {n1}")
    if grid == "node":
        return node_weights(n1, h, like)
    return torch.full((n1, n1), h * h, dtype=like.dtype, device=like.device)


def _tensor(x: object, name: str, min_ndim: int) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    return check_array(x, name, min_ndim=min_ndim)


def q_norm_loss(z: torch.Tensor, y: torch.Tensor, h: float, *, q: float = 2.0,
                grid: str = "node") -> torch.Tensor:
    r"""Example 3.9 (b): :math:`\sum_j\frac1q\|z_j-y_j\|_{L^q(\Omega)}^q` for :math:`PC_h` functions.

    Parameters
    ----------
    z, y : torch.Tensor, shape (B, C, M, M)
        Network outputs and targets; the loss is summed over the batch ``j`` and channels.
    h : float
        Grid spacing of :math:`\Omega=(0,1)^2`.
    q : float
        Exponent, :math:`1\le q<\infty`.
    grid : {"node", "cell"}
        ``"node"``: ``M = 1/h + 1`` node values (half cells at the border, EN-13c);
        ``"cell"``: ``M = 1/h`` cell values.

    Returns
    -------
    torch.Tensor
        A scalar, differentiable in ``z``.

    Examples
    --------
    The integral of :math:`|1|^2/2` over the unit square, whatever h:

    >>> z = torch.ones(1, 1, 9, 9, dtype=torch.float64)
    >>> float(q_norm_loss(z, torch.zeros_like(z), 1 / 8))
    0.5
    """
    _tensor(z, "z", 4)
    _tensor(y, "y", 4)
    h = check_positive(h, "h")
    q = check_exponent(q, "q")
    if not np.isfinite(q):
        raise ValueError("q must be finite for the loss (1/q)||z - y||_q^q, got inf")
    check_choice(grid, "grid", _GRIDS)
    if z.shape != y.shape:
        raise ValueError(f"z and y must have the same shape, got {tuple(z.shape)} and {tuple(y.shape)}")
    w = _weights(z.shape, h, grid, z)
    return (w * (z - y).abs() ** q).sum() / q


def weighted_cross_entropy(v: torch.Tensor, labels: torch.Tensor, h: float, *,
                           weight: torch.Tensor | None = None, grid: str = "node") -> torch.Tensor:
    r"""Example 3.9 (a), eq. (10): :math:`-\sum_j\int_\Omega g\sum_{i=1}^n y_{j,i}\log\mathrm{sm}(v_j)_i`.

    ``v`` holds the :math:`n` output channels of the network (EN-25: the network has ``n``
    output channels and :math:`A=\mathrm{Id}`); :math:`\mathrm{sm}` is the softmax over the
    channel axis.

    Parameters
    ----------
    v : torch.Tensor, shape (B, n, M, M)
        Logits.
    labels : torch.Tensor, shape (B, n, M, M)
        Non-negative class indicators (one-hot) or their cell averages.
    h : float
        Grid spacing.
    weight : torch.Tensor of shape (M, M) or (B, M, M), optional
        The weight map :math:`g\ge0`; 1 by default.
    grid : {"node", "cell"}
        As in :func:`q_norm_loss`.

    Examples
    --------
    Two classes with equal logits everywhere: :math:`\log 2` per unit area.

    >>> v = torch.zeros(1, 2, 5, 5, dtype=torch.float64)
    >>> y = torch.zeros_like(v); y[:, 0] = 1.0
    >>> round(float(weighted_cross_entropy(v, y, 1 / 4)), 12) == round(float(np.log(2)), 12)
    True
    """
    _tensor(v, "v", 4)
    _tensor(labels, "labels", 4)
    h = check_positive(h, "h")
    check_choice(grid, "grid", _GRIDS)
    if v.shape != labels.shape:
        raise ValueError(f"v and labels must have the same shape (B, n, M, M), got {tuple(v.shape)} "
                         f"and {tuple(labels.shape)}")
    if bool((labels < 0).any()):
        raise ValueError("labels must be non-negative (one-hot class indicators)")
    w = _weights(v.shape, h, grid, v)
    if weight is not None:
        _tensor(weight, "weight", 2)
        if bool((weight < 0).any()):
            raise ValueError("weight (the map g of Example 3.9 (a)) must be non-negative")
        if tuple(weight.shape[-2:]) != tuple(v.shape[-2:]):
            raise ValueError(f"weight must have last axes {tuple(v.shape[-2:])}, got {tuple(weight.shape)}")
        w = w * (weight if weight.ndim == 2 else weight[:, None])
    return -(w * (labels * torch.log_softmax(v, dim=1)).sum(dim=1, keepdim=True)).sum()


def _check_net(net: object) -> FsCNN:
    if not isinstance(net, FsCNN):
        raise TypeError(f"net must be an FsCNN, got {type(net).__name__}")
    return net


def kernel_norms(net: FsCNN, h: float, *, p: float = 2.0) -> torch.Tensor:
    r"""The norms :math:`\|w^l\|_{L^{p}(\Sigma_l)}=(h^2\sum|W^l|^{p})^{1/p}` of the :math:`PC_h` kernels.

    All channel pairs of a layer count together (one vector-valued kernel per layer).
    Here ``p`` is the exponent of the kernel space (the paper's :math:`p'`).

    Returns
    -------
    torch.Tensor, shape (L,)
        Differentiable in the kernels.

    Examples
    --------
    A kernel equal to 2 on :math:`\Sigma=(-1/4,1/4)^2` (area 1/4): :math:`\|w\|_2=2\cdot\frac12`.

    >>> net = FsCNN([2.0 * torch.ones(2, 2, dtype=torch.float64)], [0.25])
    >>> kernel_norms(net, 1 / 8).tolist()
    [1.0]
    """
    _check_net(net)
    p = check_exponent(p, "p")
    out = []
    for l in range(net.num_layers):
        w = net.cell_kernel(l, h)
        out.append(w.abs().max() if not np.isfinite(p) else (h * h * (w.abs() ** p).sum()) ** (1 / p))
    return torch.stack(out)


def penalty(net: FsCNN, h: float, *, lam: float, nu: float, p: float = 2.0) -> torch.Tensor:
    r"""The regulariser :math:`\lambda\sum_l\|w^l\|_{L^{p}(\Sigma_l)}+\nu|b|` of :math:`(P_h)` (EN-23).

    :math:`|b|` is the Euclidean norm of all biases. ``lam = 0`` or ``nu = 0`` are allowed
    (to show what coercivity buys); Lemma 3.12 needs both positive.

    Examples
    --------
    >>> net = FsCNN([torch.ones(2, 2, dtype=torch.float64)], [0.25], biases=[-3.0])
    >>> float(penalty(net, 0.25, lam=2.0, nu=1.0).detach())
    4.0
    """
    lam = check_real(lam, "lam", minimum=0.0)
    nu = check_real(nu, "nu", minimum=0.0)
    norms = kernel_norms(net, h, p=p)
    b = torch.cat([bl.reshape(-1) for bl in net.biases])
    return lam * norms.sum() + nu * torch.sqrt((b * b).sum())


class Energy(NamedTuple):
    """:math:`E_h` and its two parts (tensors, differentiable)."""

    total: torch.Tensor
    loss: torch.Tensor
    penalty: torch.Tensor


def training_energy(
    net: FsCNN, h: float, inputs: torch.Tensor, targets: torch.Tensor, *, lam: float, nu: float,
    loss: str = "q", q: float = 2.0, p: float = 2.0,
    operator: Callable[[torch.Tensor], torch.Tensor] | None = None,
    weight: torch.Tensor | None = None,
) -> Energy:
    r"""The energy :math:`E_h(y^h,u^h,w,b)` of :math:`(P_h)` for the network's current parameters.

    Parameters
    ----------
    net : FsCNN
        Its kernels must be :math:`PC_h` at this ``h`` (:meth:`FsCNN.check_resolution`).
    h : float
        Resolution.
    inputs : torch.Tensor, shape (B, C_0, N, N)
        Cell values :math:`u^h_j`.
    targets : torch.Tensor
        :math:`y^h_j`, shaped like ``operator(NN^h(u^h))`` (node-aligned, ``(B, C_L, N+1, N+1)``
        for :math:`A=\mathrm{Id}`).
    lam, nu : float
        :math:`\lambda,\nu\ge0`.
    loss : {"q", "cross_entropy"}
        Example 3.9 (b) with exponent ``q``, or (a) with weight map ``weight``.
    p : float
        Exponent of the kernel norm (the paper's :math:`p'`).
    operator : callable, optional
        The forward operator :math:`A`, applied to the node-aligned output; identity by
        default.

    Examples
    --------
    >>> net = pixel_network([1, 1], [0.125], 1 / 8, seed=0)
    >>> u = torch.ones(2, 1, 8, 8, dtype=torch.float64)
    >>> e = training_energy(net, 1 / 8, u, net.at(1 / 8)(u).detach(), lam=0.0, nu=0.0)
    >>> float(e.total.detach())
    0.0
    """
    _check_net(net)
    check_choice(loss, "loss", _LOSSES)
    if operator is not None and not callable(operator):
        raise TypeError(f"operator must be a callable on tensors, got {type(operator).__name__}")
    z = net.at(h)(_tensor(inputs, "inputs", 4))
    if operator is not None:
        z = operator(z)
    grid = "node" if z.shape[-1] == round(1 / h) + 1 else "cell"
    if loss == "q":
        data = q_norm_loss(z, targets, h, q=q, grid=grid)
    else:
        data = weighted_cross_entropy(z, targets, h, weight=weight, grid=grid)
    reg = penalty(net, h, lam=lam, nu=nu, p=p)
    return Energy(data + reg, data, reg)


def pixel_network(channels: Sequence[int], half_widths: Sequence[float], h: float, *,
                  coarse: int = 2, seed: int = 0, **kwargs) -> FsCNN:
    r"""An :class:`FsCNN` whose trainable kernels are all of :math:`W_h(\Sigma)` (:math:`PC_h` kernels).

    It starts from ``FsCNN.random(channels, half_widths, coarse=coarse, seed=seed)``,
    refined exactly to ``2 a_l / h`` cells per side; so the *same* initial function is
    used at every ``h``, and training may then change every pixel of every kernel.

    Examples
    --------
    >>> a = pixel_network([1, 2, 1], [0.25, 0.125], 1 / 16, seed=3)
    >>> b = pixel_network([1, 2, 1], [0.25, 0.125], 1 / 32, seed=3)
    >>> [tuple(k.shape) for k in a.coarse_kernels.values()]
    [(2, 1, 8, 8), (1, 2, 4, 4)]
    >>> u = torch.ones(1, 1, 32, 32, dtype=torch.float64)
    >>> bool(torch.allclose(a.at(1 / 32)(u), b.at(1 / 32)(u)))
    True
    """
    h = check_positive(h, "h")
    check_int(coarse, "coarse", minimum=1)
    base = FsCNN.random(channels, half_widths, coarse=coarse, seed=seed, **kwargs)
    base.check_resolution(h)
    kernels = [base.cell_kernel(l, h).detach().clone() for l in range(base.num_layers)]
    biases = [b.detach().clone() for b in base.biases]
    kwargs.pop("kernel_scale", None)
    kwargs.pop("bias_scale", None)
    return FsCNN(kernels, list(half_widths), biases=biases, channels=list(channels), **kwargs)


def cells_to_nodes(u: torch.Tensor) -> torch.Tensor:
    r"""Node values of a cell-aligned :math:`PC_h` image: the mean of the four cells at each node.

    Cell-aligned ``(..., N, N)`` to node-aligned ``(..., N+1, N+1)``, with symmetric
    reflection at the border (eq. (2)). It is the one-layer network whose kernel is
    :math:`1/(4h^2)` on the four cells around :math:`0`: a target that networks with a
    kernel of norm :math:`1/(2h)` reproduce exactly.

    Examples
    --------
    >>> u = torch.tensor([[[[0.0, 4.0], [0.0, 4.0]]]], dtype=torch.float64)
    >>> cells_to_nodes(u)[0, 0, 1].tolist()
    [0.0, 2.0, 4.0]
    """
    _tensor(u, "u", 2)
    x = reflect_pad(u, 1, mode="symmetric")
    return 0.25 * (x[..., 1:, 1:] + x[..., :-1, 1:] + x[..., 1:, :-1] + x[..., :-1, :-1])


class TrainResult(NamedTuple):
    """What :func:`train` returns: energies per step and the final parts."""

    energies: list[float]
    energy: float
    loss: float
    penalty: float
    kernel_norms: tuple[float, ...]
    grad_norm: float


def train(
    net: FsCNN, h: float, inputs: torch.Tensor, targets: torch.Tensor, *, lam: float, nu: float,
    steps: int = 50, optimizer: str = "lbfgs", lr: float = 1.0, seed: int = 0, **energy_kwargs,
) -> TrainResult:
    r"""Minimise :math:`E_h` over the network's kernels and biases, in place (problem :math:`(P_h)`).

    Deterministic: the seed fixes torch's global generator for the run (nothing here draws
    random numbers, but an activation or operator might), and the CPU optimisers are
    deterministic.

    Parameters
    ----------
    net, h, inputs, targets, lam, nu
        As in :func:`training_energy`; ``energy_kwargs`` are passed on to it.
    steps : int
        Outer iterations (L-BFGS: each runs up to 20 inner iterations with a strong Wolfe
        line search; Adam: one step each).
    optimizer : {"lbfgs", "adam"}
    lr : float
        Learning rate (1 for L-BFGS).
    seed : int

    Returns
    -------
    TrainResult
        ``energies`` after each step, the final energy, its parts, the layers' kernel norms
        and the final gradient norm (small at a stationary point).

    Examples
    --------
    Learning a one-layer network's own output from another start recovers a small energy:

    >>> teacher = pixel_network([1, 1], [0.125], 1 / 8, seed=1)
    >>> u = torch.rand(3, 1, 8, 8, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    >>> y = teacher.at(1 / 8)(u).detach()
    >>> net = pixel_network([1, 1], [0.125], 1 / 8, seed=2)
    >>> r = train(net, 1 / 8, u, y, lam=0.0, nu=0.0, steps=20)
    >>> r.energy < 1e-12
    True
    """
    _check_net(net)
    steps = check_int(steps, "steps", minimum=1)
    check_choice(optimizer, "optimizer", _OPTIMIZERS)
    lr = check_positive(lr, "lr")
    check_int(seed, "seed", minimum=0)
    torch.manual_seed(seed)
    params = [p for p in net.parameters() if p.requires_grad]

    def energy() -> Energy:
        return training_energy(net, h, inputs, targets, lam=lam, nu=nu, **energy_kwargs)

    if optimizer == "lbfgs":
        opt = torch.optim.LBFGS(params, lr=lr, max_iter=20, history_size=50, tolerance_grad=1e-12,
                                tolerance_change=1e-15, line_search_fn="strong_wolfe")
    else:
        opt = torch.optim.Adam(params, lr=lr)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        e = energy().total
        e.backward()
        return e

    history = []
    for _ in range(steps):
        opt.step(closure)
        with torch.no_grad():
            history.append(float(energy().total))
    opt.zero_grad()
    e = energy()
    e.total.backward()
    g = float(torch.sqrt(sum((p.grad ** 2).sum() for p in params if p.grad is not None)))
    opt.zero_grad()
    norms = tuple(float(v) for v in kernel_norms(net, h, p=energy_kwargs.get("p", 2.0)).detach())
    return TrainResult(history, float(e.total.detach()), float(e.loss.detach()),
                       float(e.penalty.detach()), norms, g)


def kernel_pairings(net: FsCNN, l: int, h: float,
                    tests: Sequence[Callable[[torch.Tensor, torch.Tensor], torch.Tensor]], *,
                    order: int = 4) -> np.ndarray:
    r"""The pairings :math:`\langle w^l,\varphi_k\rangle=\int_{\Sigma_l}w^l\varphi_k` of a :math:`PC_h` kernel.

    Weak convergence :math:`w^h\rightharpoonup w` in :math:`L^{p'}(\Sigma)` means
    convergence of these numbers for every :math:`\varphi` in the dual; for a fixed set of
    smooth test functions they must settle as :math:`h\to0` (Theorem 3.13). The kernel is
    constant on each cell, so :math:`\langle w^l,\varphi\rangle=\sum_{\text{cells}}
    W_{ik}\int_{\text{cell}}\varphi`; each cell integral uses a tensor Gauss-Legendre rule
    with ``order`` points per direction (exact for polynomials of degree
    :math:`2\,\mathrm{order}-1`, error :math:`O(h^{2\,\mathrm{order}})` for smooth
    :math:`\varphi`). A midpoint rule would add an :math:`O(h^2)` error that is not part of
    the kernel's convergence.

    Parameters
    ----------
    net : FsCNN
    l : int
        Layer.
    h : float
        Resolution of the :math:`PC_h` kernel.
    tests : list of callables
        :math:`\varphi(y_1,y_2)` acting elementwise on torch tensors.
    order : int
        Gauss-Legendre points per direction in each cell.

    Returns
    -------
    numpy.ndarray, shape (len(tests), C_{l+1}, C_l)

    Examples
    --------
    >>> net = FsCNN([torch.ones(2, 2, dtype=torch.float64)], [0.25])
    >>> kernel_pairings(net, 0, 1 / 8, [lambda y1, y2: torch.ones_like(y1)])[:, 0, 0].tolist()
    [0.25]

    The integral of :math:`y_1^2` over :math:`(-1/4,1/4)^2` is :math:`1/192`, at any ``h``
    (the midpoint rule would give :math:`1/192-h^2/48`):

    >>> p = kernel_pairings(net, 0, 1 / 8, [lambda y1, y2: y1 ** 2])[0, 0, 0]
    >>> bool(abs(p - 1 / 192) < 1e-15)
    True
    """
    _check_net(net)
    if not isinstance(tests, (list, tuple)) or not all(callable(t) for t in tests):
        raise TypeError("tests must be a list of callables phi(y1, y2) on torch tensors")
    order = check_int(order, "order", minimum=1)
    w = net.cell_kernel(l, h).detach()
    a, n = net.half_widths[l], int(w.shape[-1])
    t, g = np.polynomial.legendre.leggauss(order)
    t = torch.tensor(t, dtype=torch.float64)
    g = torch.tensor(g, dtype=torch.float64) / 2          # weights on a unit interval
    y = (-a + (torch.arange(n, dtype=torch.float64)[:, None] + 0.5 + t[None, :] / 2) * h)
    Y1 = y[:, None, :, None].expand(n, n, order, order)  # (cell i, cell k, node, node)
    Y2 = y[None, :, None, :].expand(n, n, order, order)
    G = h * h * g[:, None] * g[None, :]
    out = []
    for phi in tests:
        cell_int = (G * phi(Y1, Y2)).sum(dim=(-2, -1))   # integral of phi over each cell
        out.append((w * cell_int).sum(dim=(-2, -1)).numpy())
    return np.stack(out)
