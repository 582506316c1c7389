r"""The architecture of an fsCNN: domain chains and the skip graph (Def. fsCNN, Remark 2.6).

* :func:`domain_chain`: the activation domains :math:`\Omega_l`, kernel domains
  :math:`\Sigma_l` and padded domains :math:`\Omega_l'=\Omega_{l+1}-\Sigma_l`, with the
  check :math:`\Omega_l\subset\Omega_l'` the reflection needs (EN-6a);
* :func:`conv_path_counts`: the numbers of convolutions on the input-to-output paths of
  the graph of layers and skips (EN-8), which Theorem 2.7's guarantee reads
  (:func:`fscnn_lib.regularity.guaranteed_regularity`).

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588 (2022), Def. fsCNN, Remark 2.6; EN-6, EN-8.
"""

from __future__ import annotations

import sys
import math
import numbers
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
import torch

from ._validate import check_array, check_int, check_positive, check_sequence
from .grids import Rectangle
from .kernels import CellKernel, _ratio

__all__ = ["DomainChain", "domain_chain", "conv_path_counts", "check_skips"]


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
    ok = tuple(padded[l].includes(activation_domains[l]) for l in range(L))
    return DomainChain(tuple(activation_domains), tuple(kernel_domains), padded, ok)


def check_skips(skips: object, channels: Sequence[int]) -> tuple[tuple[int, int], ...]:
    r"""Validate skips ``(f, t)``, ``1 <= f < t <= L``, ``C_f == C_t``, no repeats; return them sorted.

    ``channels`` is :math:`(C_0,\dots,C_L)`. A skip adds the activation :math:`\mu^f` to the
    pre-activation of layer ``t`` (``t = L``: the output).

    Examples
    --------
    >>> check_skips([(2, 3), (1, 2)], [1, 4, 4, 4])
    ((1, 2), (2, 3))
    """
    L = len(channels) - 1
    if not isinstance(skips, (list, tuple)):
        raise TypeError(f"skips must be a list of pairs (from_layer, to_layer), got {type(skips).__name__}")
    out: list[tuple[int, int]] = []
    for s in skips:
        if not (isinstance(s, (tuple, list)) and len(s) == 2):
            raise TypeError(f"each skip must be a pair of ints (from_layer, to_layer), got {s!r}")
        try:  # any int here; the range is checked below with a message about skips
            f, t = (check_int(v, "skip", minimum=-sys.maxsize) for v in s)
        except TypeError:
            raise TypeError(f"each skip must be a pair of ints (from_layer, to_layer), got {s!r}") from None
        if not 1 <= f < t <= L:
            raise ValueError(
                f"skip {s!r} must satisfy 1 <= from_layer < to_layer <= L = {L}: it adds the activation "
                "mu^from to the pre-activation of layer to_layer (to_layer = L is the output); "
                "skips from the input (from_layer = 0) are not supported"
            )
        if channels[f] != channels[t]:
            raise ValueError(f"skip {s!r} needs equal channel counts, got C_{f} = {channels[f]} and C_{t} = {channels[t]}")
        if (f, t) in out:
            raise ValueError(f"skip {s!r} is given twice")
        out.append((f, t))
    return tuple(sorted(out))


def conv_path_counts(num_layers: int, skips: Sequence[tuple[int, int]] = ()) -> tuple[int, ...]:
    r"""The distinct numbers of convolutions on the input-to-output paths (Remark 2.6, EN-8).

    Nodes are :math:`\mu^0,\dots,\mu^{L-1}` and the output; the edge :math:`l\to l+1`
    carries one convolution, a skip ``(f, t)`` none.

    Parameters
    ----------
    num_layers : int
        :math:`L\ge1`.
    skips : sequence of (int, int)
        Valid skips (:func:`check_skips`).

    Returns
    -------
    tuple of int, sorted

    Examples
    --------
    >>> conv_path_counts(3, [(2, 3)]), conv_path_counts(2, [(1, 2)]), conv_path_counts(2)
    ((2, 3), (1, 2), (2,))
    """
    L = check_int(num_layers, "num_layers", minimum=1)
    counts: list[set[int]] = [{0}] + [set() for _ in range(L)]
    for j in range(1, L + 1):
        counts[j] = {c + 1 for c in counts[j - 1]}
        for f, t in skips:
            if t == j:
                counts[j] |= counts[f]
    return tuple(sorted(counts[L]))


# ------------------------------------------------------- layer specs (FsCNN and others)
def _layer_kernels(kernels: object, dtype: torch.dtype) -> tuple[dict[int, torch.Tensor], dict[int, Callable]]:
    """Split kernel specs into ``(C_out, C_in, k1, k2)`` coefficient arrays and callables."""
    if not isinstance(kernels, (list, tuple)) or len(kernels) == 0:
        raise TypeError(f"kernels must be a non-empty list of arrays or callables, got {type(kernels).__name__}")
    arrays: dict[int, torch.Tensor] = {}
    callables: dict[int, Callable] = {}
    for l, k in enumerate(kernels):
        if isinstance(k, (np.ndarray, torch.Tensor)):
            check_array(k, f"kernels[{l}]", min_ndim=2)
            t = torch.as_tensor(k).detach().clone().to(dtype)
            t = t[None, None] if t.ndim == 2 else t
            if t.ndim != 4:
                raise ValueError(f"kernels[{l}] must have shape (C_out, C_in, k1, k2) or (k1, k2), got {tuple(k.shape)}")
            arrays[l] = t
        elif callable(k) or isinstance(k, CellKernel):
            callables[l] = k
        else:
            raise TypeError(
                f"kernels[{l}] must be an array (coarse coefficients), a callable w(y1, y2) or a "
                f"CellKernel, got {type(k).__name__}"
            )
    return arrays, callables


def _layer_channels(channels: object, arrays: dict[int, torch.Tensor], has_callables: bool, L: int) -> tuple[int, ...]:
    r""":math:`(C_0,\dots,C_L)`, given or inferred from the arrays, checked against them."""
    if channels is None:
        if has_callables:
            raise ValueError(
                "channels must be given when a kernel is a callable (its channel counts cannot be "
                f"inferred); pass channels=[C_0, ..., C_{L}]"
            )
        channels = [int(arrays[0].shape[1])] + [int(arrays[l].shape[0]) for l in range(L)]
    check_sequence(channels, "channels", length=L + 1, what=" of ints (C_0, ..., C_L)")
    out = tuple(check_int(c, f"channels[{i}]", minimum=1) for i, c in enumerate(channels))
    for l, t in arrays.items():
        want = (out[l + 1], out[l])
        if tuple(t.shape[:2]) != want:
            raise ValueError(
                f"kernels[{l}] must have (C_out, C_in) = {want} (channels C_{l + 1}, C_{l}), "
                f"got {tuple(t.shape[:2])}; check channels or the kernel's first two axes"
            )
    return out


def _layer_biases(biases: object, channels: tuple[int, ...], dtype: torch.dtype) -> list[torch.Tensor]:
    """One ``(C_{l+1},)`` bias tensor per layer from floats or arrays (zeros when None)."""
    L = len(channels) - 1
    if biases is not None and len(biases) != L:
        raise ValueError(f"biases must have one entry per layer ({L}), got {len(biases)}")
    out = []
    for l in range(L):
        c, b = channels[l + 1], 0.0 if biases is None else biases[l]
        if isinstance(b, numbers.Real) and not isinstance(b, bool):
            bt = torch.full((c,), float(b), dtype=dtype)
        else:
            bt = torch.as_tensor(b, dtype=dtype).reshape(-1)
            bt = bt.expand(c).clone() if bt.numel() == 1 else bt
        if bt.shape != (c,) or not bool(torch.isfinite(bt).all()):
            raise ValueError(f"biases[{l}] must be a finite float or {c} finite values (one per channel of layer {l + 1})")
        out.append(bt)
    return out


def _check_resolution(h: object, half_widths: Sequence[float], coarse: dict[int, tuple[int, int]]) -> int:
    """:math:`N=1/h` after checking that ``h`` divides 1, every ``a_l`` and every coarse cell ``2a_l/k``."""
    h = check_positive(h, "h")
    N = _ratio(1.0, h)
    if N is None:
        raise ValueError(
            f"h={h!r} must divide the side length 1 of Omega=(0,1)^2: 1/h = {1 / h!r} is not an "
            "integer; choose h = 1/N"
        )
    for l, a in enumerate(half_widths):
        if _ratio(a, h) is None:
            raise ValueError(
                f"h={h!r} must divide the half width a_{l}={a!r} of Sigma_{l}=(-a,a)^2 "
                f"(a/h = {a / h!r}); choose h = a_{l}/n, e.g. a power of 2 that divides it"
            )
        k1, k2 = coarse.get(l, (1, 1))
        for k in (k1, k2) if l in coarse else ():
            if _ratio(2 * a / k, h) is None:
                raise ValueError(
                    f"h={h!r} must divide the coarse cell size 2a_{l}/k = {2 * a / k!r} of the piecewise "
                    f"constant kernel w^{l} ({k1} x {k2} cells on Sigma_{l}); choose a finer h that divides it"
                )
    return N


def _random_layers(
    channels: object, half_widths: object, coarse: object, generator: torch.Generator,
    kernel_scale: float, bias_scale: float, dtype: torch.dtype,
) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Seeded N(0,1) coarse kernels (scaled by ``kernel_scale / (|Sigma_l| sqrt(C_l))``) and biases."""
    check_sequence(channels, "channels", min_length=2, what=" of ints (C_0, ..., C_L)")
    L = len(channels) - 1
    check_sequence(half_widths, "half_widths", length=L, what=" (one a_l per layer)")
    ks = [coarse] * L if isinstance(coarse, numbers.Integral) else list(coarse)
    if len(ks) != L:
        raise ValueError(f"coarse must be an int or one int per layer ({L}), got {coarse!r}")
    kernels, biases = [], []
    for l in range(L):
        k = check_int(ks[l], f"coarse[{l}]", minimum=1)
        a = check_positive(half_widths[l], f"half_widths[{l}]")
        ci, co = check_int(channels[l], f"channels[{l}]", minimum=1), check_int(channels[l + 1], f"channels[{l + 1}]", minimum=1)
        scale = kernel_scale / ((2 * a) ** 2 * math.sqrt(ci))
        kernels.append(scale * torch.randn(co, ci, k, k, generator=generator, dtype=torch.float64).to(dtype))
        biases.append(bias_scale * torch.randn(co, generator=generator, dtype=torch.float64).to(dtype))
    return kernels, biases
