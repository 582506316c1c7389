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

from collections.abc import Callable, Sequence
from typing import Union

import numpy as np
import torch
from torch import nn

from ._validate import check_array, check_choice, check_int, check_positive, check_sequence
from .architecture import DomainChain, check_skips, conv_path_counts, domain_chain  # noqa: F401
from .architecture import _check_resolution, _layer_biases, _layer_channels, _layer_kernels, _random_layers
from .batchnorm import batch_norm_step, init_batch_norm
from .convolution import conv_channels
from .kernels import CellKernel, cell_to_node_kernel, radial_power_kernel  # noqa: F401
from .padding import reflect_pad
from .regularity import guaranteed_regularity as _guaranteed_regularity

# domain_chain, cell_to_node_kernel, ... stay importable from here; their homes export them.
__all__ = ["FsCNN", "DCNN"]

KernelSpec = Union[np.ndarray, torch.Tensor, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]]

_METHODS = ("auto", "direct", "fft")
_TOL = 1e-9


def _fmt_h(h: float) -> str:
    n = 1.0 / h
    return f"1/{int(round(n))}" if abs(n - round(n)) < _TOL * max(1.0, n) else f"{h:g}"


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
          is then required); or
        * a :class:`~fscnn_lib.kernels.CellKernel`, whose ``cells(h)`` gives the cell
          values (averages) at each :math:`h`: the form for :math:`L^2` kernels without
          point values, e.g. :func:`~fscnn_lib.kernels.multiscale_chequer`.
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
        check_sequence(half_widths, "half_widths", length=L, what=" (one a_l per layer)")
        self.half_widths = tuple(check_positive(a, f"half_widths[{l}]") for l, a in enumerate(half_widths))
        if dtype not in (torch.float32, torch.float64):
            raise TypeError(f"dtype must be torch.float32 or torch.float64, got {dtype}")
        if not callable(activation):
            raise TypeError(f"activation must be a callable on tensors (e.g. torch.relu), got {type(activation).__name__}")
        self.activation = activation

        arrays, self._callables = _layer_kernels(kernels, dtype)
        self.channels = _layer_channels(channels, arrays, bool(self._callables), L)
        self.coarse_kernels = nn.ParameterDict({str(l): nn.Parameter(t) for l, t in arrays.items()})
        self.biases = nn.ParameterList(nn.Parameter(b) for b in _layer_biases(biases, self.channels, dtype))
        self.skips = check_skips(skips, self.channels)
        self.batch_norm = bool(batch_norm)
        init_batch_norm(self, self.channels[1:-1] if self.batch_norm else (), bn_eps, bn_momentum, dtype)

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
        dtype = kwargs.get("dtype", torch.float64)
        kernels, biases = _random_layers(channels, half_widths, coarse, generator, kernel_scale, bias_scale, dtype)
        return cls(kernels, list(half_widths), biases=biases, channels=list(channels), **kwargs)

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
        return conv_path_counts(self.num_layers, self.skips)

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

        Delegates to :func:`fscnn_lib.regularity.guaranteed_regularity`.

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
        return _guaranteed_regularity(self.num_layers, self.skips, input_kind)

    def check_resolution(self, h: float) -> int:
        r"""Validate a resolution and return :math:`N=1/h`.

        :math:`h` must divide the side 1 of :math:`\Omega`, every half width :math:`a_l`, and the
        coarse cell sizes :math:`2a_l/k` of array kernels (so the refinement is exact).

        Raises
        ------
        ValueError
            Naming ``h`` and the length it fails to divide.
        """
        shapes = {int(k): tuple(int(v) for v in w.shape[-2:]) for k, w in self.coarse_kernels.items()}
        return _check_resolution(h, self.half_widths, shapes)

    def cell_kernel(
        self, l: int, h: float, *, device: torch.device | str | None = None, dtype: torch.dtype | None = None
    ) -> torch.Tensor:
        r"""The :math:`PC_h(\Sigma_l)` coefficient array of :math:`w^l`, shape ``(C_{l+1}, C_l, 2p_l, 2p_l)``.

        Entry ``[..., i, j]`` is the kernel on the cell centred at
        :math:`y=(-a_l+(i+\tfrac12)h,\,-a_l+(j+\tfrac12)h)`: the exact refinement of a coarse
        array, the callable's value there, or a :class:`CellKernel`'s ``cells(h)``.

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
            spec = self._callables[l]
            if isinstance(spec, CellKernel):
                w = torch.as_tensor(spec.cells(h), dtype=torch.float64)
            else:
                y = -a + (torch.arange(n, dtype=torch.float64) + 0.5) * h
                w = torch.as_tensor(spec(*torch.meshgrid(y, y, indexing="ij")), dtype=torch.float64)
            want = (self.channels[l + 1], self.channels[l], n, n)
            try:
                w = torch.broadcast_to(w, want)
            except RuntimeError:
                raise ValueError(f"the callable kernel of layer {l} returned shape {tuple(w.shape)}, "
                                 f"which does not broadcast to (C_{l + 1}, C_{l}, n, n) = {want}") from None
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
            Convolution algorithm of :func:`fscnn_lib.conv_channels` (``"auto"``: the faster
            by its cost model, :func:`fscnn_lib.auto_method`).
        """
        return DCNN(self, h, method=method)

    def forward(self, u: torch.Tensor, h: float, *, return_all: bool = False) -> torch.Tensor | list[torch.Tensor]:
        """``self.at(h)(u, return_all=return_all)``."""
        return self.at(h)(u, return_all=return_all)

    def layer_outputs(self, u: torch.Tensor, h: float) -> list[torch.Tensor]:
        r"""The activations :math:`\mu^1,\dots,\mu^{L-1}` and the output, each ``(B, C_l, N+1, N+1)``."""
        return self.at(h)(u, return_all=True)

    def _batch_norm(self, l: int, y: torch.Tensor, h: float) -> torch.Tensor:
        r"""Def. A.1 per channel (:func:`fscnn_lib.batchnorm.batch_norm_step`)."""
        rm, rv = getattr(self, f"running_mean_{l}"), getattr(self, f"running_var_{l}")
        m, eps = self.bn_momentum, self.bn_eps
        return batch_norm_step(y, h, self.bn_weight[l], self.bn_bias[l], rm, rv, training=self.training, momentum=m, eps=eps)

    def _kernel_desc(self, l: int) -> str:
        k = self.coarse_kernels[str(l)].shape[-2:] if str(l) in self.coarse_kernels else None
        return "callable" if k is None else f"piecewise constant {k[0]}x{k[1]}"

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
            y = conv_channels(x, w, h, method=self.method)
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
