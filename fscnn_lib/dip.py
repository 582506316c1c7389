r"""The deep image prior's network, inputs and data (S3-DIP, Figure 1 of the paper).

The deep image prior (DIP) fits an *untrained* CNN :math:`NN(z,\theta)` with a fixed input
:math:`z` to one corrupted image :math:`f`, by gradient steps on
:math:`\|NN(z,\theta)-f\|^2`; stopped early, its output is a denoised image. The paper
(Section 3, Figure 1) runs it with two inputs and reads the outputs through Theorem 2.7:
with kernels bounded in :math:`L^2`, the output should tend to a continuous function for
the noise input and to a :math:`C^1` function for the smooth meshgrid input (a heuristic
for the noise input, editor's note EN-28).

This module holds the pieces; the fit loop is in :mod:`fscnn_lib.dip_fit`.

* :class:`SkipNet` -- the encoder-decoder ("skip") network of the paper's configuration,
  written with plain ``torch.nn`` layers, as DIP is run in practice: 5 scales with 128
  channels down and up and 4 skip channels; per scale a stride-2 :math:`3\times3`
  convolution (the downsampling), a :math:`3\times3` convolution, the deeper scales and a
  bilinear :math:`\times2` upsampling; a :math:`1\times1` skip branch; concatenation, a
  :math:`3\times3` and a :math:`1\times1` convolution; every convolution with a bias and
  reflection padding :math:`(k-1)/2`, followed by batch normalisation and LeakyReLU(0.2);
  the output a :math:`1\times1` convolution and a sigmoid. 2,217,831 parameters in 112
  tensors for a 32-channel input and 3 output channels.
* :func:`dip_input` -- the two inputs: 32 channels of uniform noise in :math:`[0,0.1)`, or
  the 2-channel meshgrid :math:`(x/(W-1),\,y/(H-1))`.
* :func:`dip_image` and :func:`corrupt` -- a colour test image and the paper's noise model.
* :func:`parameter_count` and :func:`weight_norm_squared` -- the sizes and the squared
  :math:`L^2` norms the paper plots in Figure 1.
* :func:`tv_reference` -- the TV-denoised image Figure 1 sets beside the DIP outputs.

A note on scale (EN-22): the kernels here are :math:`3\times3` arrays at every resolution,
so refining the image shrinks their physical support; the paper's limit keeps the
physical support fixed. The experiment is therefore a picture of Figure 1, not a
resolution study.

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588 (2022),
   Section 3 (paragraph "Application Examples"), Figure 1 (S3-DIP,
   S3-FIG1); editor's notes EN-22, EN-28.
.. [2] D. Ulyanov, A. Vedaldi, V. Lempitsky, Deep image prior, CVPR 2018.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from ._validate import check_choice, check_int, check_positive, check_real
from .edges import EdgeSpec, edge_profile, find_edge, plateau_levels, regularity_measures
from .images import NATURAL_IMAGES, _load_bundled, add_noise

__all__ = [
    "SkipNet", "ParameterCount", "parameter_count", "weight_norm_squared",
    "dip_input", "dip_image", "corrupt", "PAPER_PARAMETERS", "TVReference", "tv_reference",
]

#: The paper's network, for a 32-channel noise input and for the 2-channel meshgrid
#: (3 output channels): (parameters, parameter tensors).
PAPER_PARAMETERS: dict[str, tuple[int, int]] = {"noise": (2_217_831, 112), "meshgrid": (2_183_151, 112)}


def _per_scale(x: object, name: str, scales: int, minimum: int) -> tuple[int, ...]:
    """An int (the same at every scale) or one int per scale."""
    if isinstance(x, (list, tuple)):
        if len(x) != scales:
            raise ValueError(f"{name} must have one entry per scale ({scales}), got {len(x)}: {x!r}")
        return tuple(check_int(v, name, minimum=minimum) for v in x)
    return (check_int(x, name, minimum=minimum),) * scales


def _unit(cin: int, cout: int, k: int, slope: float, bn: bool, stride: int = 1) -> nn.Sequential:
    """Reflection padding (k-1)/2, a convolution with bias, BN, LeakyReLU."""
    pad = [nn.ReflectionPad2d((k - 1) // 2)] if k > 1 else []
    return nn.Sequential(*pad, nn.Conv2d(cin, cout, k, stride=stride, bias=True), _bn(cout, bn),
                         nn.LeakyReLU(slope))


def _bn(c: int, bn: bool) -> nn.Module:
    """BN with the statistics of the current image always (``track_running_stats=False``)."""
    return nn.BatchNorm2d(c, track_running_stats=False) if bn else nn.Identity()


def _crop_to(x: torch.Tensor, n: int, m: int) -> torch.Tensor:
    """The centred ``n x m`` part of ``x``."""
    i, j = (x.shape[-2] - n) // 2, (x.shape[-1] - m) // 2
    return x[..., i:i + n, j:j + m]


class _Scale(nn.Module):
    """One scale of the skip network: a skip branch, a down-deeper-up branch, the merge."""

    def __init__(self, cin: int, down: int, up: int, skip: int, deeper: "_Scale | None",
                 up_from_deeper: int, slope: float, upsample: str, bn: bool) -> None:
        super().__init__()
        self.skip = _unit(cin, skip, 1, slope, bn) if skip > 0 else None
        self.down = nn.Sequential(_unit(cin, down, 3, slope, bn, stride=2), _unit(down, down, 3, slope, bn))
        self.deeper = deeper
        self.upsample = nn.Upsample(scale_factor=2, mode=upsample)
        merged = skip + up_from_deeper
        self.merge = nn.Sequential(_bn(merged, bn), *_unit(merged, up, 3, slope, bn),
                                   *_unit(up, up, 1, slope, bn))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        d = self.down(x)
        if self.deeper is not None:
            d = self.deeper(d)
        d = self.upsample(d)
        if self.skip is not None:
            s = self.skip(x)
            n, m = min(s.shape[-2], d.shape[-2]), min(s.shape[-1], d.shape[-1])
            d = torch.cat([_crop_to(s, n, m), _crop_to(d, n, m)], dim=1)
        return self.merge(d)


class SkipNet(nn.Module):
    r"""The DIP "skip" encoder-decoder of the paper's Figure 1 (S3-DIP).

    Parameters
    ----------
    in_channels : int
        Channels of the input :math:`z` (32 for noise, 2 for the meshgrid).
    out_channels : int
        Channels of the image (3 for colour).
    scales : int, keyword-only
        Number of scales (downsamplings by 2); the paper's 5.
    channels : int or sequence of int, keyword-only
        Channels of the down and up branches, per scale or one for all (128).
    skip_channels : int or sequence of int, keyword-only
        Channels of the skip branches (4); 0 removes a skip branch.
    negative_slope : float, keyword-only
        Slope of LeakyReLU for negative arguments (0.2).
    upsample : {"bilinear", "nearest"}, keyword-only
    batch_norm : bool, keyword-only
        ``False`` drops every BN layer (not the paper's network): then the weights alone
        set the scale of each layer, as in the fsCNN of Theorem 2.7. Without BN, PyTorch's
        default initialisation makes the deep network's output constant, so the
        convolutions then get He's initialisation (normal, gain for LeakyReLU) and zero
        biases; such a network needs a smaller learning rate (about 1e-3).
    seed : int, keyword-only
        Seeds PyTorch's default initialisation, without touching the global generator.

    Notes
    -----
    Batch normalisation is ``torch.nn.BatchNorm2d(track_running_stats=False)``: it always
    normalises with the mean and (biased) variance of the current activations, over the
    pixels of the one image of the batch, as DIP does by never leaving training mode. That
    is Definition A.1 of the paper (:func:`fscnn_lib.batchnorm.batch_norm_step` in training)
    with a batch of one and equal pixel weights (cell-aligned grids), :math:`\varepsilon=10^{-5}`.
    There are no running statistics, so ``eval()`` changes nothing. Because every
    convolution is followed by BN, the output does not change (up to :math:`\varepsilon`)
    when a convolution's weights are multiplied by a positive number or its bias is changed:
    the norm of the weights does not measure the network's regularity here (see
    :mod:`fscnn_lib.dip_fit`).

    The input side must be at least :math:`2^{\text{scales}+1}`: the deepest scale works on
    a :math:`2\times2` grid at least, which reflection padding needs.

    Examples
    --------
    The paper's network and its parameter count:

    >>> net = SkipNet(32, 3)
    >>> tuple(parameter_count(net))[:2] == PAPER_PARAMETERS["noise"]
    True
    >>> y = SkipNet(2, 3, scales=3, channels=8)(torch.rand(1, 2, 24, 24))
    >>> tuple(y.shape), bool(((y > 0) & (y < 1)).all())
    ((1, 3, 24, 24), True)
    """

    def __init__(self, in_channels: int = 32, out_channels: int = 3, *, scales: int = 5,
                 channels: int | Sequence[int] = 128, skip_channels: int | Sequence[int] = 4,
                 negative_slope: float = 0.2, upsample: str = "bilinear", batch_norm: bool = True,
                 seed: int = 0) -> None:
        super().__init__()
        cin = check_int(in_channels, "in_channels", minimum=1)
        cout = check_int(out_channels, "out_channels", minimum=1)
        self.scales = check_int(scales, "scales", minimum=1)
        ch = _per_scale(channels, "channels", self.scales, 1)
        sk = _per_scale(skip_channels, "skip_channels", self.scales, 0)
        slope = check_real(negative_slope, "negative_slope", minimum=0.0)
        check_choice(upsample, "upsample", ("bilinear", "nearest"))
        if not isinstance(batch_norm, bool):
            raise TypeError(f"batch_norm must be a bool, got {type(batch_norm).__name__}")
        seed = check_int(seed, "seed", minimum=0)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            deeper = None
            for i in reversed(range(self.scales)):
                c_prev = cin if i == 0 else ch[i - 1]
                from_deeper = ch[i + 1] if i + 1 < self.scales else ch[i]
                deeper = _Scale(c_prev, ch[i], ch[i], sk[i], deeper, from_deeper, slope, upsample, batch_norm)
            self.body = deeper
            self.head = nn.Conv2d(ch[0], cout, 1, bias=True)
            if not batch_norm:
                for m in self.modules():
                    if isinstance(m, nn.Conv2d):
                        nn.init.kaiming_normal_(m.weight, a=slope)
                        nn.init.zeros_(m.bias)
        self.in_channels, self.out_channels = cin, cout

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """The output image :math:`\\mathrm{sigmoid}(\\text{head}(\\text{body}(z)))`, shape ``(B, out, H, W)``."""
        if not isinstance(z, torch.Tensor):
            raise TypeError(f"z must be a torch.Tensor, got {type(z).__name__}")
        if z.ndim != 4 or z.shape[1] != self.in_channels:
            raise ValueError(f"z must have shape (B, {self.in_channels}, H, W), got {tuple(z.shape)}")
        least = 2 ** (self.scales + 1)
        if min(z.shape[-2:]) < least:
            raise ValueError(f"z must be at least {least} pixels on each side for {self.scales} scales, "
                             f"got {tuple(z.shape[-2:])}")
        return torch.sigmoid(self.head(self.body(z)))


class ParameterCount(NamedTuple):
    """Sizes of a network: all trainable numbers, their tensors, the conv weights alone."""

    total: int
    tensors: int
    conv_weights: int


def _check_net(net: object) -> nn.Module:
    if not isinstance(net, nn.Module):
        raise TypeError(f"net must be a torch.nn.Module, got {type(net).__name__}")
    return net


def _conv_weights(net: nn.Module) -> list[torch.Tensor]:
    return [m.weight for m in net.modules() if isinstance(m, nn.Conv2d)]


def parameter_count(net: nn.Module) -> ParameterCount:
    """Count the trainable parameters of ``net`` (BN running statistics are not parameters).

    Examples
    --------
    >>> parameter_count(SkipNet(2, 3))
    ParameterCount(total=2183151, tensors=112, conv_weights=2174088)
    """
    params = [p for p in _check_net(net).parameters() if p.requires_grad]
    return ParameterCount(sum(p.numel() for p in params), len(params),
                          sum(w.numel() for w in _conv_weights(net)))


def weight_norm_squared(net: nn.Module, *, which: str = "all") -> float:
    r"""The squared :math:`L^2` (Euclidean) norm :math:`\|\theta\|^2` of the weights.

    The paper's Figure 1 plots "the normalised squared :math:`L^2` norm of the weights"
    without saying which weights (S3-FIG1). ``which="all"`` sums over every trainable
    parameter (convolution weights and biases, the BN scales and shifts); ``"conv"`` over
    the convolution weights alone. Divide by the value at initialisation to normalise.

    Examples
    --------
    >>> net = SkipNet(2, 3, scales=2, channels=4)
    >>> a, c = weight_norm_squared(net), weight_norm_squared(net, which="conv")
    >>> c < a, abs(a / sum(float((p.detach() ** 2).sum()) for p in net.parameters()) - 1) < 1e-6
    (True, True)
    """
    check_choice(which, "which", ("all", "conv"))
    params = list(_check_net(net).parameters()) if which == "all" else _conv_weights(net)
    with torch.no_grad():
        return float(sum((p.double() ** 2).sum() for p in params))


def dip_input(kind: str, shape: tuple[int, int], *, channels: int = 32, scale: float = 0.1,
              seed: int = 0, dtype: torch.dtype = torch.float32,
              device: str | torch.device = "cpu") -> torch.Tensor:
    r"""The fixed input :math:`z` of the deep image prior, shape ``(1, C, H, W)``.

    ``"noise"``: ``channels`` channels i.i.d. uniform in :math:`[0,\text{scale})` (0.1 in the
    paper's configuration). ``"meshgrid"``: two channels, :math:`x_j=j/(W-1)` along the
    width and :math:`y_i=i/(H-1)` along the height (``channels`` is ignored).

    Examples
    --------
    >>> z = dip_input("meshgrid", (5, 9))
    >>> tuple(z.shape), float(z[0, 0, 0, -1]), float(z[0, 1, -1, 0])
    ((1, 2, 5, 9), 1.0, 1.0)
    >>> z = dip_input("noise", (16, 16), seed=1)
    >>> tuple(z.shape), bool(z.min() >= 0 and z.max() < 0.1)
    ((1, 32, 16, 16), True)
    """
    check_choice(kind, "kind", ("noise", "meshgrid"))
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise TypeError(f"shape must be a pair (H, W) of ints, got {shape!r}")
    H, W = (check_int(s, "shape", minimum=2) for s in shape)
    if dtype not in (torch.float32, torch.float64):
        raise TypeError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}")
    if kind == "meshgrid":
        y = torch.arange(H, dtype=torch.float64) / (H - 1)
        x = torch.arange(W, dtype=torch.float64) / (W - 1)
        z = torch.stack([x[None, :].expand(H, W), y[:, None].expand(H, W)])[None]
    else:
        c = check_int(channels, "channels", minimum=1)
        s = check_positive(scale, "scale")
        gen = torch.Generator().manual_seed(check_int(seed, "seed", minimum=0))
        z = s * torch.rand((1, c, H, W), generator=gen, dtype=torch.float64)
    return z.to(device=device, dtype=dtype).contiguous()


def dip_image(name: str = "astronaut", size: int = 64) -> np.ndarray:
    r"""A colour test image from scikit-image's bundled files, shape ``(C, size, size)``, in ``[0, 1]``.

    The paper's Figure 1 uses the F16 photograph, which scikit-image does not ship. The
    default ``"astronaut"`` is bundled, 512 x 512 (the paper's size) and in colour like
    F16, and it has what the experiment is about: sharp straight edges (the flag, the suit's
    seams, the helmet against the background) beside smooth regions. The image is cropped
    to its centred square of side ``k * size`` (``k = min(H, W) // size``) and reduced by
    averaging ``k x k`` blocks (the average downsampling (3) of the paper); values are the
    8-bit levels divided by 255. Grey images get ``C = 1``.

    Examples
    --------
    >>> u = dip_image("astronaut", 64)
    >>> u.shape, bool(0 <= u.min() and u.max() <= 1)
    ((3, 64, 64), True)
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, one of {tuple(NATURAL_IMAGES)}, got {type(name).__name__}")
    if name not in NATURAL_IMAGES:
        raise ValueError(f"name must be one of the bundled images {tuple(NATURAL_IMAGES)}, got {name!r}")
    size = check_int(size, "size", minimum=1)
    img = _load_bundled(name).astype(np.float64) / 255.0
    img = img[..., :3] if img.ndim == 3 else img[..., None]
    H, W = img.shape[:2]
    if size > min(H, W):
        raise ValueError(f"size must be at most min(H, W) = {min(H, W)} for {name!r}, got {size}")
    k = min(H, W) // size
    top, left = (H - k * size) // 2, (W - k * size) // 2
    img = img[top:top + k * size, left:left + k * size]
    img = img.reshape(size, k, size, k, -1).mean(axis=(1, 3))
    return np.ascontiguousarray(img.transpose(2, 0, 1))


def corrupt(clean: np.ndarray, *, level: float = 0.1, seed: int = 0) -> np.ndarray:
    r"""The noise model of Figure 1: Gaussian noise of standard deviation ``level`` times
    the image's range, then clipped to :math:`[0,1]` (:func:`fscnn_lib.images.add_noise`).

    Examples
    --------
    >>> u = np.full((3, 100, 100), 0.5); u[0, 0, 0], u[1, 0, 0] = 0.0, 1.0
    >>> f = corrupt(u, seed=0)
    >>> bool(abs((f - u)[:, 1:].std() - 0.1) < 0.003), bool(f.min() >= 0 and f.max() <= 1)
    (True, True)
    """
    if not isinstance(clean, np.ndarray):
        raise TypeError(f"clean must be a numpy.ndarray, got {type(clean).__name__}")
    level = check_real(level, "level", minimum=0.0)
    sigma = level * float(clean.max() - clean.min()) if clean.size else 0.0
    return add_noise(clean, sigma, seed=seed, clip=True)


def _to_uint8(u: np.ndarray) -> np.ndarray:
    """``(C, H, W)`` in [0, 1] -> ``(H, W, C)`` 8-bit, the display copy of an image."""
    return np.ascontiguousarray((np.clip(u, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8).transpose(1, 2, 0))


def _png(a: np.ndarray) -> str:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(a[..., 0] if a.shape[-1] == 1 else a).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _unpng(s: str) -> np.ndarray:
    from PIL import Image

    a = np.asarray(Image.open(io.BytesIO(base64.b64decode(s))))
    return np.ascontiguousarray(a[..., None] if a.ndim == 2 else a)


def _shrink(a: np.ndarray, side: int) -> np.ndarray:
    """Block-average an ``(H, W, C)`` uint8 image down to at most ``side`` pixels a side."""
    k = max(1, -(-max(a.shape[:2]) // side))
    if k == 1:
        return a
    H, W = (a.shape[0] // k) * k, (a.shape[1] // k) * k
    b = a[:H, :W].astype(np.float64).reshape(H // k, k, W // k, k, -1).mean(axis=(1, 3))
    return (b + 0.5).astype(np.uint8)


class TVReference(NamedTuple):
    """The TV-denoised reference of Figure 1 (:func:`tv_reference`)."""

    weights: list
    psnr: list
    ssim: list
    weight: float
    best_psnr: float
    weight_ssim: float
    best_ssim: float
    measures: dict
    image: np.ndarray


def tv_reference(clean: np.ndarray, noisy: np.ndarray, *, weights: Sequence[float] | None = None,
                 edge: EdgeSpec | None = None) -> TVReference:
    r"""Total-variation denoising of ``noisy`` with the weight of best PSNR (S3-FIG1).

    Runs ``skimage.restoration.denoise_tv_chambolle`` (each channel on its own) for every
    weight of a log grid (default 25 weights from 0.01 to 1) and keeps the one of best PSNR
    against ``clean``; the weight of best SSIM is reported too. ``measures`` holds the
    :func:`~fscnn_lib.edges.regularity_measures` of the best-PSNR image (edge from
    ``clean`` as in :func:`~fscnn_lib.dip_fit.fit_dip`), ``image`` its 8-bit copy ``(H, W, C)``.

    Examples
    --------
    >>> u = dip_image("astronaut", 32); f = corrupt(u, seed=0)
    >>> r = tv_reference(u, f, weights=[0.03, 0.1, 0.3])
    >>> r.weight in r.weights, r.best_psnr == max(r.psnr), r.best_psnr > r.psnr[-1]
    (True, True, True)
    """
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity
    from skimage.restoration import denoise_tv_chambolle

    if not isinstance(clean, np.ndarray) or not isinstance(noisy, np.ndarray):
        raise TypeError("clean and noisy must be numpy.ndarray images (C, H, W)")
    if clean.shape != noisy.shape or clean.ndim != 3:
        raise ValueError(f"clean and noisy must have one shape (C, H, W), got {clean.shape} and {noisy.shape}")
    grid = list(np.geomspace(0.01, 1.0, 25)) if weights is None else weights
    if not isinstance(grid, (list, tuple)):
        raise TypeError(f"weights must be a list of positive reals, got {type(weights).__name__}")
    if not grid:
        raise ValueError("weights must hold at least one weight, got an empty list")
    grid = [check_positive(w, "weights") for w in grid]
    c = clean.astype(np.float64)
    best, psnrs, ssims = None, [], []
    for w in grid:
        x = denoise_tv_chambolle(noisy.astype(np.float64), weight=w, channel_axis=0)
        psnrs.append(float(peak_signal_noise_ratio(c, x, data_range=1.0)))
        ssims.append(float(structural_similarity(c, x, data_range=1.0, channel_axis=0)))
        best = x if best is None or psnrs[-1] > max(psnrs[:-1]) else best
    i, j = int(np.argmax(psnrs)), int(np.argmax(ssims))
    edge = find_edge(clean) if edge is None else edge
    reg = regularity_measures(best, edge=edge, levels=plateau_levels(edge_profile(clean, edge)))
    return TVReference(grid, psnrs, ssims, grid[i], psnrs[i], grid[j], ssims[j],
                       {k: float(v) for k, v in reg._asdict().items()}, _to_uint8(best))
