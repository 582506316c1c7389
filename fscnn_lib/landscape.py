r"""Loss landscapes of :math:`(P_h)` and the symmetries of hidden channels (S3-Ph, Thm 3.13).

For a network with :math:`L\ge2` layers the training energy

.. math::
    E_h(w,b)=\sum_j\ell\big(y^h_j,A\,NN^h(u^h_j,w,b)\big)+\lambda\|w\|_{p'}+\nu|b|

of problem :math:`(P_h)` is not convex in the parameters :math:`\theta=(w,b)`, and Theorem
3.13 speaks of its *global* minimisers, which gradient methods cannot promise. This module
holds what the chapter uses to look at that non-convexity.

* Symmetries. Renumbering the :math:`C` hidden channels of layer :math:`l` (the output
  channels of kernel :math:`w^l` and bias :math:`b^l`, the input channels of
  :math:`w^{l+1}`) does not change the network's output, and it does not change the
  penalty either: :math:`\|w^l\|_{p'}` counts all channel pairs of a layer together and
  :math:`|b|` is the Euclidean norm. For an *odd* activation (``tanh``) the sign of a
  hidden channel may be flipped as well, since
  :math:`w^{l+1}_{\cdot c}\,\sigma(-z)=(-w^{l+1}_{\cdot c})\,\sigma(z)`. Each minimiser
  therefore comes with :math:`C!` (times :math:`2^C` for odd :math:`\sigma`) minimisers of
  the same energy: :func:`permute_hidden`, :func:`hidden_symmetries`, and
  :func:`align_hidden`, which undoes them before kernels from different runs are compared.
* Slices. :func:`plane_slice` evaluates any function of a parameter vector on the plane
  :math:`\theta_0+s\,d_1+t\,d_2`; :func:`energy_slice` does it for :math:`E_h` on the line
  through two networks or the plane through three, in affine coordinates (network ``k``
  sits at the ``k``-th vertex). A convex function has no interior maximum on a segment
  above its larger end value, so a positive :func:`segment_barrier` proves
  non-convexity.

The kernels of a network built at a resolution :math:`h_c` are :math:`PC_{h_c}` functions,
which are also :math:`PC_h` for every :math:`h` dividing :math:`h_c`; so one plane of
kernels can be evaluated with :math:`E_h` at several resolutions (Lemma 3.12's recovery
sequence with constant kernels).

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588 (2022),
   Section 3 (paragraph "Network Training"): (P_h), Lemma 3.12,
   Theorem 3.13; Remark 2.6 (channels).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch.nn.utils import parameters_to_vector, vector_to_parameters

from ._validate import check_array, check_int, check_real_array, check_sequence
from .networks import FsCNN
from .training import training_energy

__all__ = [
    "permute_hidden", "hidden_symmetries", "align_hidden", "plane_slice", "energy_slice",
    "segment_barrier",
]


def _check_net(net: object, name: str = "net") -> FsCNN:
    if not isinstance(net, FsCNN):
        raise TypeError(f"{name} must be an FsCNN, got {type(net).__name__}")
    return net


def _hidden_layer(net: FsCNN, layer: object) -> int:
    """Validate ``layer`` (a hidden layer 0..L-2 with array kernels on both sides)."""
    layer = check_int(layer, "layer", minimum=0)
    if layer > net.num_layers - 2:
        raise ValueError(f"layer must index a hidden layer 0..{net.num_layers - 2} (the network has "
                         f"L={net.num_layers} layers), got {layer}")
    if net.skips or net.batch_norm:
        raise ValueError("the channel symmetries are implemented for networks without skips and "
                         "batch norm, got a network with skips or batch_norm=True")
    for k in (layer, layer + 1):
        if str(k) not in net.coarse_kernels:
            raise ValueError(f"the kernel of layer {k} must be an array (e.g. from pixel_network), "
                             f"got a callable kernel")
    return layer


def _is_odd(activation: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    x = torch.linspace(-3.0, 3.0, 61, dtype=torch.float64)
    return bool(torch.allclose(activation(-x), -activation(x), rtol=0.0, atol=1e-12))


def permute_hidden(net: FsCNN, perm: Sequence[int], *, layer: int = 0,
                   signs: Sequence[int] | None = None) -> FsCNN:
    r"""A copy of ``net`` with the hidden channels after layer ``layer`` renumbered (and sign-flipped).

    New channel ``c`` is old channel ``perm[c]``, multiplied by ``signs[c]``:
    :math:`w^l_{c\cdot}\leftarrow s_c w^l_{\pi(c)\cdot}`, :math:`b^l_c\leftarrow s_c b^l_{\pi(c)}`,
    :math:`w^{l+1}_{\cdot c}\leftarrow s_c w^{l+1}_{\cdot\pi(c)}`. The output and the energy
    :math:`E_h` are unchanged (module docstring); sign flips need an odd activation.

    Parameters
    ----------
    net : FsCNN
        With array kernels in layers ``layer`` and ``layer + 1``, no skips, no batch norm.
    perm : sequence of int
        A permutation of ``0 .. C-1``, ``C`` the number of hidden channels.
    layer : int
        The hidden layer, ``0 .. L-2``.
    signs : sequence of int, optional
        ``+1`` or ``-1`` per new channel; all ``+1`` by default.

    Returns
    -------
    FsCNN
        A new network (the parameters are copies).

    Examples
    --------
    >>> net = FsCNN.random([1, 2, 1], [0.125, 0.125], coarse=2, seed=0, activation=torch.tanh)
    >>> flip = permute_hidden(net, [1, 0], signs=[1, -1])
    >>> u = torch.rand(1, 1, 8, 8, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    >>> bool(torch.allclose(flip.at(1 / 8)(u), net.at(1 / 8)(u), rtol=0, atol=1e-12))
    True
    >>> bool(torch.equal(flip.coarse_kernels["0"][0], net.coarse_kernels["0"][1]))
    True
    """
    _check_net(net)
    layer = _hidden_layer(net, layer)
    C = net.channels[layer + 1]
    perm = check_sequence(perm, "perm", length=C, what=f" (a permutation of 0..{C - 1})")
    if any(isinstance(p, bool) or not isinstance(p, (int, np.integer)) for p in perm):
        raise TypeError(f"perm must hold ints, got {perm!r}")
    if sorted(int(p) for p in perm) != list(range(C)):
        raise ValueError(f"perm must be a permutation of 0..{C - 1}, got {perm!r}")
    if signs is None:
        signs = [1] * C
    signs = check_sequence(signs, "signs", length=C, what=" (one +1 or -1 per hidden channel)")
    if any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) for s in signs):
        raise TypeError(f"signs must hold the ints +1 and -1, got {signs!r}")
    if any(int(s) not in (1, -1) for s in signs):
        raise ValueError(f"signs must hold only +1 and -1, got {signs!r}")
    if any(int(s) == -1 for s in signs) and not _is_odd(net.activation):
        raise ValueError("sign flips are a symmetry only for an odd activation (e.g. torch.tanh), "
                         f"got {getattr(net.activation, '__name__', net.activation)!r}")
    idx = torch.tensor([int(p) for p in perm])
    s = torch.tensor([float(v) for v in signs], dtype=net.biases[layer].dtype)
    kernels = [net.coarse_kernels[str(k)].detach().clone() if str(k) in net.coarse_kernels
               else net._callables[k] for k in range(net.num_layers)]
    biases = [b.detach().clone() for b in net.biases]
    kernels[layer] = kernels[layer][idx] * s[:, None, None, None]
    biases[layer] = biases[layer][idx] * s
    kernels[layer + 1] = kernels[layer + 1][:, idx] * s[None, :, None, None]
    return FsCNN(kernels, list(net.half_widths), biases=biases, channels=list(net.channels),
                 activation=net.activation, dtype=net.biases[0].dtype)


def hidden_symmetries(net: FsCNN, *, layer: int = 0) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    r"""All ``(perm, signs)`` of the channel symmetries of hidden layer ``layer``.

    :math:`C!` permutations, each with all :math:`2^C` sign patterns when the activation is
    odd (tested numerically on :math:`[-3,3]`), else with signs all ``+1``. The identity
    comes first.

    Parameters
    ----------
    net : FsCNN
        As in :func:`permute_hidden`.
    layer : int
        The hidden layer, ``0 .. L-2``.

    Returns
    -------
    list of (tuple of int, tuple of int)
        ``(perm, signs)`` pairs to pass to :func:`permute_hidden`.

    Examples
    --------
    >>> tanh_net = FsCNN.random([1, 3, 1], [0.125, 0.125], coarse=2, activation=torch.tanh)
    >>> relu_net = FsCNN.random([1, 3, 1], [0.125, 0.125], coarse=2)
    >>> len(hidden_symmetries(tanh_net)), len(hidden_symmetries(relu_net))
    (48, 6)
    """
    _check_net(net)
    layer = _hidden_layer(net, layer)
    C = net.channels[layer + 1]
    sign_sets = list(itertools.product((1, -1), repeat=C)) if _is_odd(net.activation) else [(1,) * C]
    return [(p, s) for p in itertools.permutations(range(C)) for s in sign_sets]


def _vector(net: FsCNN) -> torch.Tensor:
    return parameters_to_vector(net.parameters()).detach().clone()


def align_hidden(net: FsCNN, reference: FsCNN, h: float, *, layer: int = 0) -> tuple[FsCNN, float]:
    r"""The symmetric copy of ``net`` (:func:`hidden_symmetries`) closest to ``reference``.

    Distance: :math:`\big(\sum_l\|w^l-\bar w^l\|_{L^2(\Sigma_l)}^2+|b-\bar b|^2\big)^{1/2}`,
    the kernels compared as :math:`PC_h` functions, so ``h`` must be a resolution at which
    both networks' kernels are piecewise constant (any ``h`` dividing both). Kernels trained at
    different resolutions can then be compared channel by channel.

    Parameters
    ----------
    net, reference : FsCNN
        The same architecture; ``net`` as in :func:`permute_hidden`.
    h : float
        A resolution at which both networks' kernels are :math:`PC_h`.
    layer : int
        The hidden layer whose symmetries are tried (all of :func:`hidden_symmetries`).

    Returns
    -------
    (FsCNN, float)
        The aligned copy and its distance to ``reference``.

    Examples
    --------
    >>> net = FsCNN.random([1, 2, 1], [0.125, 0.125], coarse=2, seed=1, activation=torch.tanh)
    >>> moved = permute_hidden(net, [1, 0], signs=[-1, 1])
    >>> back, dist = align_hidden(moved, net, 1 / 8)
    >>> dist == 0.0 and bool(torch.equal(_vector(back), _vector(net)))
    True
    """
    _check_net(net)
    _check_net(reference, "reference")
    layer = _hidden_layer(net, layer)
    if net.channels != reference.channels or net.half_widths != reference.half_widths:
        raise ValueError(f"net and reference must have the same architecture, got channels {net.channels} "
                         f"and {reference.channels}, half widths {net.half_widths} and {reference.half_widths}")
    ref_k = [reference.cell_kernel(l, h).detach() for l in range(reference.num_layers)]
    ref_b = torch.cat([b.detach().reshape(-1) for b in reference.biases])
    best, best_d = net, float("inf")
    for perm, signs in hidden_symmetries(net, layer=layer):
        cand = permute_hidden(net, list(perm), layer=layer, signs=list(signs))
        d2 = sum(h * h * float(((cand.cell_kernel(l, h).detach() - ref_k[l]) ** 2).sum())
                 for l in range(net.num_layers))
        d2 += float(((torch.cat([b.detach().reshape(-1) for b in cand.biases]) - ref_b) ** 2).sum())
        if d2 < best_d:
            best, best_d = cand, d2
    return best, float(np.sqrt(best_d))


def plane_slice(f: Callable[[torch.Tensor], float], origin: torch.Tensor, d1: torch.Tensor,
                d2: torch.Tensor | None, s: Sequence[float] | np.ndarray,
                t: Sequence[float] | np.ndarray | None = None) -> np.ndarray:
    r"""Values :math:`f(\theta_0+s_i d_1+t_k d_2)` on a grid of the plane (or line) through ``origin``.

    Parameters
    ----------
    f : callable
        A function of a 1-D parameter vector returning a number.
    origin, d1 : torch.Tensor, shape (n,)
        The base point and the first direction.
    d2 : torch.Tensor of shape (n,), or None
        The second direction; ``None`` for a line (then ``t`` must be ``None``).
    s, t : 1-D sequences of float
        Coordinates along ``d1`` and ``d2``.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(s), len(t))``, or ``(len(s),)`` for a line.

    Examples
    --------
    On a quadratic :math:`f(x)=|x|^2` with orthonormal directions the slice is
    :math:`|\theta_0|^2+s^2+t^2` when :math:`\theta_0\perp d_1,d_2`:

    >>> e = torch.eye(3, dtype=torch.float64)
    >>> v = plane_slice(lambda x: float((x ** 2).sum()), 2 * e[2], e[0], e[1], [-1, 0, 1], [0, 2])
    >>> v.tolist()
    [[5.0, 9.0], [4.0, 8.0], [5.0, 9.0]]
    """
    if not callable(f):
        raise TypeError(f"f must be a callable on parameter vectors, got {type(f).__name__}")
    vecs = [("origin", origin), ("d1", d1)] + ([("d2", d2)] if d2 is not None else [])
    for name, d in vecs:
        if not isinstance(d, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor (a parameter vector), got {type(d).__name__}")
        check_array(d, name, min_ndim=1)
        if d.ndim != 1 or d.shape != origin.shape:
            raise ValueError(f"{name} must be a 1-D vector shaped like origin {tuple(origin.shape)}, "
                             f"got {tuple(d.shape)}")
    if (d2 is None) != (t is None):
        raise ValueError("give d2 and t together (a plane) or neither (a line)")
    s = check_real_array(s, "s")
    if s.ndim != 1 or s.size == 0 or not np.isfinite(s).all():
        raise ValueError(f"s must be a non-empty 1-D sequence of finite numbers, got shape {s.shape}")
    if t is None:
        return np.array([float(f(origin + float(a) * d1)) for a in s])
    t = check_real_array(t, "t")
    if t.ndim != 1 or t.size == 0 or not np.isfinite(t).all():
        raise ValueError(f"t must be a non-empty 1-D sequence of finite numbers, got shape {t.shape}")
    return np.array([[float(f(origin + float(a) * d1 + float(b) * d2)) for b in t] for a in s])


def energy_slice(nets: Sequence[FsCNN], h: float, inputs: torch.Tensor, targets: torch.Tensor,
                 s: Sequence[float] | np.ndarray, t: Sequence[float] | np.ndarray | None = None, *,
                 lam: float, nu: float, **energy_kwargs) -> np.ndarray:
    r""":math:`E_h` on the line through two networks or the plane through three.

    With parameter vectors :math:`\theta_0,\theta_1(,\theta_2)` of ``nets`` the points are
    :math:`\theta_0+s(\theta_1-\theta_0)(+t(\theta_2-\theta_0))`: network ``k`` sits at
    ``s = 1`` (``k = 1``) or ``t = 1`` (``k = 2``), network 0 at the origin. The networks
    are not modified (a copy is evaluated).

    Parameters
    ----------
    nets : list of 2 or 3 FsCNN
        Same architecture (channels, half widths, parameter shapes, the same activation
        object, skips, batch norm); kernels :math:`PC_h` at ``h``.
    h, inputs, targets, lam, nu, energy_kwargs
        As in :func:`~fscnn_lib.training.training_energy`.
    s, t
        Coordinates; ``t`` only (and required) for three networks.

    Returns
    -------
    numpy.ndarray, shape ``(len(s),)`` or ``(len(s), len(t))``

    Examples
    --------
    The end points of a segment are the two networks' energies:

    >>> from fscnn_lib.training import pixel_network
    >>> a = pixel_network([1, 2, 1], [0.125, 0.125], 1 / 8, seed=0, activation=torch.tanh)
    >>> b = pixel_network([1, 2, 1], [0.125, 0.125], 1 / 8, seed=1, activation=torch.tanh)
    >>> u = torch.ones(1, 1, 8, 8, dtype=torch.float64); y = torch.zeros(1, 1, 9, 9, dtype=torch.float64)
    >>> v = energy_slice([a, b], 1 / 8, u, y, [0.0, 0.5, 1.0], lam=0.1, nu=0.1)
    >>> eb = float(training_energy(b, 1 / 8, u, y, lam=0.1, nu=0.1).total.detach())
    >>> bool(abs(v[-1] - eb) < 1e-12)
    True
    """
    if not isinstance(nets, (list, tuple)) or len(nets) not in (2, 3):
        raise TypeError(f"nets must be a list of 2 or 3 FsCNN networks, got {type(nets).__name__}"
                        + (f" of length {len(nets)}" if isinstance(nets, (list, tuple)) else ""))
    for k, n in enumerate(nets):
        _check_net(n, f"nets[{k}]")
    vecs = [_vector(n) for n in nets]
    ref = nets[0]
    shapes = [[tuple(q.shape) for q in n.parameters()] for n in nets]
    for k, n in enumerate(nets[1:], start=1):
        if (shapes[k] != shapes[0] or n.channels != ref.channels or n.half_widths != ref.half_widths
                or n.activation is not ref.activation or n.skips != ref.skips
                or n.batch_norm != ref.batch_norm):
            raise ValueError("the networks must share one architecture (channels, half widths, parameter "
                             f"shapes, activation, skips, batch norm); nets[{k}] differs from nets[0]: "
                             f"channels {n.channels} vs {ref.channels}, half widths {n.half_widths} vs "
                             f"{ref.half_widths}, parameter counts {int(vecs[k].numel())} vs "
                             f"{int(vecs[0].numel())}")
    work = copy.deepcopy(nets[0])
    params = list(work.parameters())

    def energy(theta: torch.Tensor) -> float:
        vector_to_parameters(theta, params)
        with torch.no_grad():
            return float(training_energy(work, h, inputs, targets, lam=lam, nu=nu, **energy_kwargs).total)

    d2 = vecs[2] - vecs[0] if len(nets) == 3 else None
    if len(nets) == 3 and t is None:
        raise ValueError("three networks span a plane: give the coordinates t as well")
    if len(nets) == 2 and t is not None:
        raise ValueError("two networks span a line: t must be None")
    return plane_slice(energy, vecs[0], vecs[1] - vecs[0], d2, s, t)


def segment_barrier(values: Sequence[float] | np.ndarray) -> float:
    r"""How far the values on a segment rise above the larger end value: :math:`\max_i v_i-\max(v_0,v_n)`.

    For a convex function sampled on a segment this is :math:`\le0` (up to rounding), since
    :math:`f((1-s)a+sb)\le\max(f(a),f(b))`. A positive value proves that the function is
    not convex on the segment. It does *not* prove that the two ends lie in different
    basins: a curved path between them may stay low.

    Parameters
    ----------
    values : 1-D sequence of float
        Values at equally or unequally spaced points of a segment, ends first and last.

    Returns
    -------
    float

    Examples
    --------
    >>> s = np.linspace(-1, 1, 21)
    >>> segment_barrier(s ** 2) <= 0, round(segment_barrier((s ** 2 - 1) ** 2), 12)
    (True, 1.0)
    """
    v = check_real_array(values, "values")
    if v.ndim != 1 or v.size < 2 or not np.isfinite(v).all():
        raise ValueError(f"values must be a 1-D sequence of at least 2 finite numbers, got shape {v.shape}")
    return float(v.max() - max(v[0], v[-1]))
