r"""An end-to-end U-net whose kernels keep their physical size across resolutions (S3-E2E).

What Theorem 2.7 says about networks trained end to end (the end of the paper's Section 3),
tested as its authors did: one U-net at several resolutions of the same scenes.

* :func:`disc_scenes`, :func:`render_scenes`: sums of 5 discs on :math:`\Omega=(0,1)^2`, centre, radius and
  grey value :math:`\sim N(0.5,0.5^2)`, as cell averages on one lattice shared by all resolutions (block
  averaging the image at :math:`2n` gives the one at :math:`n`).
* :class:`ScaledUNet`: at factor :math:`s` (images of :math:`n_1s` pixels) every kernel has :math:`3s\times3s`
  entries (the last :math:`1\times1` becomes :math:`s\times s`), and every convolution is
  :func:`~fscnn_lib.convolution.conv_channels` with :math:`h=1/s`: the factor :math:`h^2=1/s^2` of eq. (8),
  lengths in pixels of the same level at :math:`s=1`. Symmetric reflection padding (cell-aligned, EN-15),
  optional BN, ReLU, max pooling down, bilinear upsampling up (``align_corners=False``, EN-11). An even
  :math:`3s` is padded unequally, alternating within a level so that the half-cell shifts cancel; only the
  final :math:`s\times s` layer keeps a shift of :math:`h/2` for even :math:`s`.
* :func:`kernel_l2_norms`: :math:`\|w\|_{L^2}=h\|W\|_F=\|W\|_F/s` (EN-10), so a weight decay
  :math:`\lambda/s^2` on the arrays is :math:`\frac\lambda2\sum_l\|w_l\|^2_{L^2}`, one functional at every
  :math:`s` (problem :math:`(P_h)`).
* :func:`scene_edges`, :func:`edge_widths`: 10-90 % rise distances (in physical units) of profiles
  through the centres of isolated discs, located from the scene's geometry.
* :func:`train_unet`, :func:`run_unet_experiment` (sizes from ``budget_sizes()["unet"]``), save/load.

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588 (2022), end of Section 3, Theorems 2.7, 3.6, 3.13;
   editor's notes EN-10, EN-11, EN-15, EN-22, EN-28.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._storage import read_runs, write_runs
from ._validate import check_array, check_choice, check_int, check_positive, check_real, check_sequence
from .config import budget_sizes
from .convolution import conv_channels
from .edges import edge_width
from .images import add_noise
from .padding import reflect_pad
from .regularity import fit_rate
from .sampling import downsample

__all__ = [
    "disc_scenes", "render_scenes", "ScaledUNet", "kernel_l2_norms", "Edge", "scene_edges",
    "edge_widths", "train_unet", "UNetExperiment", "run_unet_experiment", "save_unet_experiment",
    "load_unet_experiment",
]


# ----------------------------------------------------------------------------- scenes
def disc_scenes(count: int, *, discs: int = 5, seed: int) -> np.ndarray:
    r"""Random scenes: ``(count, discs, 4)`` rows :math:`(x_1, x_2, r, c)`, each :math:`N(0.5, 0.5^2)`:
    centre, radius and grey value in units of the image side; a disc with :math:`r\le0` is empty.

    Examples
    --------
    >>> a = disc_scenes(200, seed=1)
    >>> a.shape, bool(np.array_equal(a, disc_scenes(200, seed=1))), round(float(a.mean()), 1)
    ((200, 5, 4), True, 0.5)
    """
    count, discs = check_int(count, "count", minimum=1), check_int(discs, "discs", minimum=1)
    rng = np.random.default_rng(check_int(seed, "seed"))
    return 0.5 + 0.5 * rng.standard_normal((count, discs, 4))


def render_scenes(scenes: np.ndarray, n: int, *, fine: int, device: str | torch.device = "cpu") -> np.ndarray:
    r"""Cell averages of the scenes :math:`u=\sum_k c_k\chi_{B_{r_k}(x_k)}` on an ``n x n`` grid.

    A pixel is the mean of :math:`u` at the centres of the ``(fine/n)^2`` cells of the ``fine x fine``
    lattice inside it (``n`` must divide ``fine``). The lattice does not depend on ``n``, so ``render(2n)``
    block-averaged by 2 is ``render(n)`` up to rounding; as ``fine/n`` grows a pixel tends to the exact cell
    average. Computed in float64 with torch on ``device``; returns a NumPy array ``(count, n, n)``.

    Examples
    --------
    >>> sc = disc_scenes(3, seed=0)
    >>> a, b = render_scenes(sc, 16, fine=48), render_scenes(sc, 48, fine=48)
    >>> bool(np.allclose(a, b.reshape(3, 16, 3, 16, 3).mean(axis=(2, 4))))
    True
    """
    if not isinstance(scenes, np.ndarray):
        raise TypeError(f"scenes must be a numpy.ndarray (count, discs, 4), got {type(scenes).__name__}")
    check_array(scenes, "scenes", min_ndim=3)
    if scenes.ndim != 3 or scenes.shape[-1] != 4:
        raise ValueError(f"scenes must have shape (count, discs, 4), got {scenes.shape}")
    n, fine = check_int(n, "n", minimum=1), check_int(fine, "fine", minimum=1)
    if fine % n:
        raise ValueError(f"n must divide fine = {fine}, got n = {n}")
    t = (torch.arange(fine, dtype=torch.float64, device=device) + 0.5) / fine
    sc, out = torch.as_tensor(scenes, dtype=torch.float64, device=device), []
    for b in range(0, sc.shape[0], 16):
        u = torch.zeros(min(16, sc.shape[0] - b), fine, fine, dtype=torch.float64, device=device)
        for x1, x2, r, c in (d[..., None, None].unbind(1) for d in sc[b:b + 16].transpose(0, 1)):
            u += c * (((t[:, None] - x1) ** 2 + (t - x2) ** 2) < torch.where(r > 0, r * r, -1.0))
        out.append(u.reshape(-1, n, fine // n, n, fine // n).mean(dim=(2, 4)).cpu())
    return torch.cat(out).numpy()


# ----------------------------------------------------------------------------- network
class _ScaledConv(nn.Module):
    """Reflection padding, then the valid convolution with the h^2 = 1/s^2 factor, plus a bias."""

    def __init__(self, weight: torch.Tensor, s: int, split: int, method: str) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(weight.shape[0], dtype=weight.dtype))
        self.split, self.method = split, method
        self.set_s(s, weight)

    def set_s(self, s: int, weight: torch.Tensor) -> None:
        k = weight.shape[-1]
        lo = (k - 1) // 2 if (k % 2 or self.split > 0) else k // 2      # even k: split alternates
        self.weight, self.s, self.pad = nn.Parameter(weight), s, (lo, k - 1 - lo, lo, k - 1 - lo)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if max(self.pad) > 0:
            x = reflect_pad(x, self.pad, mode="symmetric")
        return conv_channels(x, self.weight, 1.0 / self.s, method=self.method) + self.bias[:, None, None]


class ScaledUNet(nn.Module):
    r"""A U-net whose kernels cover a fixed physical square at every resolution factor ``s``.

    Levels :math:`l=0,\dots,L-1` with ``channels[l]`` channels each apply twice (conv :math:`3s\times3s`, BN
    if ``batch_norm``, ReLU); max pooling by 2 between levels going down, bilinear upsampling by 2 and
    concatenation with the skip going up (all this is :meth:`features`); a final :math:`s\times s`
    convolution (the :math:`1\times1` layer at :math:`s=1`) gives the output. Every convolution computes
    :math:`h^2\sum` with :math:`h=1/s` (``method`` as in :func:`~fscnn_lib.convolution.conv_channels`).
    Input sides must be divisible by :math:`2^{L-1}`. The kernels are drawn at :math:`s=1` with ``seed``
    (uniform, PyTorch's fan-in bound) and refined: each entry becomes an :math:`s\times s` block, so at
    initialisation every ``s`` carries the same physical kernels.

    Examples
    --------
    The refined kernels have the same physical :math:`L^2` norms at every ``s``:

    >>> a, b = ScaledUNet(1, channels=(4, 8), seed=0), ScaledUNet(3, channels=(4, 8), seed=0)
    >>> a.convs[0].weight.shape[-1], b.convs[0].weight.shape[-1], b.convs[-1].weight.shape[-1]
    (3, 9, 3)
    >>> bool(torch.allclose(kernel_l2_norms(a), kernel_l2_norms(b)))
    True
    """

    def __init__(self, s: int, *, channels=(8, 16), in_channels: int = 1, out_channels: int = 1,
                 batch_norm: bool = True, method: str = "direct", seed: int = 0,
                 dtype: torch.dtype = torch.float32) -> None:
        super().__init__()
        self.s = check_int(s, "s", minimum=1)
        ch = [check_int(c, "channels", minimum=1)
              for c in check_sequence(channels, "channels", min_length=1, what=" of ints")]
        cin, cout = check_int(in_channels, "in_channels", minimum=1), check_int(out_channels, "out_channels", minimum=1)
        if not isinstance(batch_norm, bool):
            raise TypeError(f"batch_norm must be a bool, got {type(batch_norm).__name__}")
        check_choice(method, "method", ("auto", "direct", "fft"))
        gen = torch.Generator().manual_seed(check_int(seed, "seed"))
        self.levels, self.convs, self.norms = len(ch), nn.ModuleList(), nn.ModuleList()

        def conv(ci: int, co: int, k: int, split: int) -> None:
            bound = 1.0 / math.sqrt(ci * k * k)
            w = (2 * torch.rand(co, ci, k, k, generator=gen, dtype=torch.float64) - 1) * bound
            w = w.repeat_interleave(self.s, -1).repeat_interleave(self.s, -2).to(dtype)
            self.convs.append(_ScaledConv(w, self.s, split, method))
            self.norms.append(nn.BatchNorm2d(co, dtype=dtype) if batch_norm else nn.Identity())

        plan = [(cin if l == 0 else ch[l - 1], ch[l]) for l in range(len(ch))]
        plan += [(ch[l] + ch[l + 1], ch[l]) for l in reversed(range(len(ch) - 1))]
        for ci, co in plan:
            conv(ci, co, 3, +1)
            conv(co, co, 3, -1)
        conv(ch[0], cout, 1, +1)
        self.norms = self.norms[:-1]                 # no BN and no activation at the output

    def refined(self, s: int) -> "ScaledUNet":
        """The same physical network at factor ``s`` (a multiple of ``self.s``): each kernel
        entry becomes a block of ``(s / self.s)^2`` equal entries; biases and BN copied."""
        m = check_int(s, "s", minimum=1) // self.s
        if m * self.s != s:
            raise ValueError(f"s must be a multiple of self.s = {self.s}, got {s}")
        new = copy.deepcopy(self)
        new.s = s
        for c in new.convs:
            c.set_s(s, c.weight.detach().repeat_interleave(m, -1).repeat_interleave(m, -2))
        return new

    def _unit(self, i: int, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.norms[i](self.convs[i](x)))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Everything but the last convolution, on a batch ``(B, in_channels, N, N)``."""
        check_array(x, "x", min_ndim=4)
        if x.ndim != 4 or x.shape[-1] % 2 ** (self.levels - 1) or x.shape[-2] % 2 ** (self.levels - 1):
            raise ValueError(f"x must have shape (B, C, N, M) with N, M divisible by "
                             f"{2 ** (self.levels - 1)}, got {tuple(x.shape)}")
        skips, i = [], 0
        for l in range(self.levels):
            if l > 0:
                x = downsample(x, 2, mode="max")
            x = self._unit(i + 1, self._unit(i, x))
            skips.append(x)
            i += 2
        for skip in reversed(skips[:-1]):
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
            x = self._unit(i + 1, self._unit(i, torch.cat([skip, x], dim=1)))
            i += 2
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the network to a batch ``(B, in_channels, N, N)``."""
        return self.convs[-1](self.features(x))


def kernel_l2_norms(net: ScaledUNet) -> torch.Tensor:
    r"""The physical norms :math:`\|w_l\|_{L^2}=h\,\|W_l\|_F=\|W_l\|_F/s`, one per convolution.

    Lengths in pixels of the layer's level at :math:`s=1` (EN-10); on :math:`\Omega=(0,1)^2`
    multiply by :math:`n_1/2^l` (level :math:`l`, :math:`n_1` pixels at :math:`s=1`).

    Examples
    --------
    >>> net = ScaledUNet(2, channels=(2,), seed=0)
    >>> W = net.convs[0].weight.detach()
    >>> bool(torch.isclose(kernel_l2_norms(net)[0], W.norm() / 2))
    True
    """
    if not isinstance(net, ScaledUNet):
        raise TypeError(f"net must be a ScaledUNet, got {type(net).__name__}")
    return torch.stack([c.weight.detach().norm() / net.s for c in net.convs])


# ----------------------------------------------------------------------------- edges
Edge = NamedTuple("Edge", [("scene", int), ("axis", int), ("side", int), ("x1", float), ("x2", float),
                           ("r", float), ("contrast", float)])
Edge.__doc__ = """Where a profile along array ``axis`` through a disc's centre :math:`(x_1,x_2)` meets
its boundary, at the larger (``side=1``) or smaller (``-1``) coordinate; ``contrast`` is the jump."""


def scene_edges(scenes: np.ndarray, *, half_width: float = 0.15, min_contrast: float = 0.25,
                gap: float = 0.05, coarse: int = 32) -> list[Edge]:
    r"""The isolated disc boundaries of the scenes, from their geometry alone.

    A crossing qualifies when its profile, the segment of half-length ``half_width`` around it (on lines up
    to half a ``coarse`` pixel from the centre), stays ``gap`` inside the image and away from every other
    circle, misses the disc's far side, and :math:`|c|\ge` ``min_contrast``: the clean image is then
    constant on both halves of the profile.

    Examples
    --------
    >>> sc = np.array([[[0.5, 0.5, 0.3, 1.0], [0.5, 0.5, -1.0, 1.0]]])   # one disc
    >>> [(e.axis, e.side) for e in scene_edges(sc, half_width=0.1)]
    [(0, -1), (0, 1), (1, -1), (1, 1)]
    """
    check_array(scenes, "scenes", min_ndim=3)
    delta, cmin = check_positive(half_width, "half_width"), check_real(min_contrast, "min_contrast", minimum=0.0)
    gap, coarse = check_real(gap, "gap", minimum=0.0), check_int(coarse, "coarse", minimum=1)
    t, edges = np.linspace(-delta, delta, 65), []
    for i, scene in enumerate(np.asarray(scenes, dtype=np.float64)):
        for k, (x1, x2, r, c) in enumerate(scene):
            others = [d for j, d in enumerate(scene) if j != k and d[2] > 0]
            for axis, side in ((0, -1), (0, 1), (1, -1), (1, 1)):
                along = np.eye(2)[axis]
                pts = np.array([x1, x2]) + (side * r + t)[:, None] * along
                pts = np.concatenate([pts + o * (1 - along) / coarse for o in (-0.5, 0.0, 0.5)])
                if (r > delta + 1.0 / coarse and abs(c) >= cmin and gap <= pts.min() <= pts.max() <= 1 - gap
                        and all(np.abs(np.hypot(*(pts - d[:2]).T) - d[2]).min() > gap for d in others)):
                    edges.append(Edge(i, axis, side, float(x1), float(x2), float(r), float(c)))
    return edges


def edge_widths(images: object, edges: list[Edge], *, half_width: float = 0.15) -> np.ndarray:
    r"""The 10-90 % rise distance of each edge's profile, in units of the image side.

    ``images``: the scenes at :math:`n\times n` pixels (:math:`h=1/n`). The profile is read on the pixel row
    (or column) nearest the disc centre, within ``half_width`` of that line's boundary point; its plateaus are
    its means at distances ``half_width/2`` to ``half_width``; the width is :func:`fscnn_lib.edges.edge_width`
    times :math:`h` (``nan`` where a level is never crossed).

    Examples
    --------
    A clean disc: the profile is a jump with one cell in between, so the width lies
    between 0.8 and 1.6 pixels (:math:`1.6h` when the boundary halves the cell):

    >>> sc = np.array([[[0.5, 0.5, 0.3, 1.0]]])
    >>> e = scene_edges(sc, half_width=0.1)
    >>> [bool(np.all((0.8 / n <= w) & (w <= 1.6 / n + 1e-12))) for n in (32, 96)
    ...  for w in [edge_widths(render_scenes(sc, n, fine=192), e, half_width=0.1)]]
    [True, True]
    """
    check_array(images, "images", min_ndim=3)
    u = images.detach().cpu().numpy() if isinstance(images, torch.Tensor) else images
    u = u.reshape(-1, u.shape[-2], u.shape[-1]).astype(np.float64)
    n, delta = u.shape[-1], check_positive(half_width, "half_width")
    if u.shape[-2] != n:
        raise ValueError(f"images must be square, got shape {tuple(images.shape)}")
    out = np.full(len(edges), np.nan)
    for q, e in enumerate(edges):
        if not isinstance(e, Edge) or not 0 <= e.scene < u.shape[0]:
            raise ValueError(f"edges[{q}] must be an Edge of one of the {u.shape[0]} images, got {e!r}")
        line, centre = (e.x2, e.x1) if e.axis == 0 else (e.x1, e.x2)
        i = min(max(int(line * n), 0), n - 1)
        off = (i + 0.5) / n - line
        b = centre + e.side * math.sqrt(max(e.r ** 2 - off ** 2, 0.0))
        j = np.arange(math.ceil(n * (b - delta) - 0.5), math.floor(n * (b + delta) - 0.5) + 1)
        if j.size < 4 or j[0] < 0 or j[-1] >= n:
            continue
        p = u[e.scene, j, i] if e.axis == 0 else u[e.scene, i, j]
        d = (j + 0.5) / n - b
        lo, hi = p[(d <= -delta / 2)], p[(d >= delta / 2)]
        if lo.size and hi.size and lo.mean() != hi.mean():
            out[q] = edge_width(p, levels=(float(lo.mean()), float(hi.mean()))) / n
    return out


# ----------------------------------------------------------------------------- training
def train_unet(clean: torch.Tensor, noisy: torch.Tensor, *, s: int, weight_decay: float, steps: int, batch: int = 8,
               lr: float = 3e-3, channels=(8, 16), batch_norm: bool = True, init: ScaledUNet | None = None, seed: int = 0,
               method: str = "direct", time_limit: float | None = None, penalty=None, project=None) -> tuple[ScaledUNet, dict]:
    r"""Train a :class:`ScaledUNet` at factor ``s`` to map ``noisy`` to ``clean`` (MSE, Adam).

    The penalty is :math:`\tfrac\lambda2\big(\sum_l\|w_l\|^2_{L^2}+|\beta|^2\big)` with :math:`\lambda=`
    ``weight_decay`` and :math:`\beta` the biases and BN parameters: Adam's coupled decay :math:`\lambda/s^2` on
    the kernel arrays (:func:`kernel_l2_norms`) and :math:`\lambda` on the rest, whose sizes do not depend on
    :math:`s`. The learning rate falls from ``lr`` to ``lr/10`` on a cosine; batches follow a seeded
    permutation. ``init`` starts from a network refined to ``s`` (:meth:`ScaledUNet.refined`; a subclass keeps
    its class). BN statistics are recomputed with the final weights; in evaluation mode BN is a fixed affine map
    (EN-8c). Hooks (chapter 13): ``penalty(net, out)``, a scalar tensor, is added to each batch's error;
    ``project(net)`` runs after each step (and must change the parameters in place, without gradients).

    Returns ``(net, info)``: the network (evaluation mode, device and dtype of ``clean``) and
    ``loss`` (the error per step), ``steps_done``, ``seconds``.
    """
    for name, t in (("clean", clean), ("noisy", noisy)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
        check_array(t, name, min_ndim=4)
    if not all(f is None or callable(f) for f in (penalty, project)):
        raise TypeError(f"penalty, project must be callables or None, got {type(penalty).__name__}, {type(project).__name__}")
    if clean.shape != noisy.shape or clean.ndim != 4:
        raise ValueError(f"clean and noisy must have the same shape (count, C, N, N), got "
                         f"{tuple(clean.shape)} and {tuple(noisy.shape)}")
    wd, lr = check_real(weight_decay, "weight_decay", minimum=0.0), check_positive(lr, "lr")
    steps, batch = check_int(steps, "steps", minimum=1), check_int(batch, "batch", minimum=1)
    limit = math.inf if time_limit is None else check_positive(time_limit, "time_limit")
    if init is not None and not isinstance(init, ScaledUNet):
        raise TypeError(f"init must be a ScaledUNet or None, got {type(init).__name__}")
    net = (ScaledUNet(s, channels=channels, in_channels=clean.shape[1], out_channels=clean.shape[1],
                      batch_norm=batch_norm, seed=seed, method=method, dtype=clean.dtype)
           if init is None else init.refined(s)).to(clean.device, clean.dtype)
    kernels = [c.weight for c in net.convs]
    rest = [p for p in net.parameters() if all(p is not k for k in kernels)]
    opt = torch.optim.Adam([{"params": kernels, "weight_decay": wd / net.s ** 2},
                            {"params": rest, "weight_decay": wd}], lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps, eta_min=lr / 10)
    gen = torch.Generator().manual_seed(seed)
    order, losses, t0 = torch.empty(0, dtype=torch.long), [], time.perf_counter()
    net.train()
    for _ in range(steps):
        if order.numel() < batch:
            order = torch.cat([order, torch.randperm(clean.shape[0], generator=gen)])
        idx, order = order[:batch].to(clean.device), order[batch:]
        loss = F.mse_loss(out := net(noisy[idx]), clean[idx])
        opt.zero_grad(set_to_none=True), (loss if penalty is None else loss + penalty(net, out)).backward()
        opt.step(), sched.step(), losses.append(loss.detach())
        if project is not None:
            project(net)
        if time.perf_counter() - t0 > limit:
            break
    seconds = time.perf_counter() - t0
    bns = [m for m in net.norms if isinstance(m, nn.BatchNorm2d)]
    with torch.no_grad():                       # BN statistics of the final weights
        for m in bns:
            m.reset_running_stats()
            m.momentum = None                   # cumulative average over the passes
        for i in range(0, clean.shape[0] if bns else 0, 4 * batch):
            net(noisy[i:i + 4 * batch])
    net.eval()
    return net, {"loss": torch.stack(losses).cpu().tolist(), "steps_done": len(losses), "seconds": seconds}


# ----------------------------------------------------------------------------- experiment
@dataclass(eq=False)
class UNetExperiment:
    """What :func:`run_unet_experiment` returns. ``runs[(s, wd)]``: ``psnr`` (test mean, dB, peak 1),
    ``widths`` (per test edge, units of the image side), ``kernel_norms``, ``loss`` (up to 100 means),
    ``steps_done``, ``seconds``, ``cut`` (the display row), ``crop`` (the window near the display edge);
    ``reference[s]``: ``clean_widths``, ``psnr_noisy`` and cuts and crops of the clean and noisy test
    images; ``display``: the edge and window."""

    sizes: dict
    runs: dict
    reference: dict
    display: dict
    provenance: dict = field(default_factory=dict)

    def width(self, s: int, wd: float | None = None) -> float:
        """Mean edge width over the measurable test edges, in pixels of the ``s = 1`` grid."""
        w = self.reference[s]["clean_widths"] if wd is None else self.runs[(s, wd)]["widths"]
        return float(np.nanmean(np.asarray(w, dtype=float))) * self.sizes["n1"]

    def gamma(self, wd: float | None = None) -> float:
        r"""The exponent :math:`\gamma` of width :math:`\approx Ch^\gamma`, :math:`h=1/s` (``None``: clean)."""
        ss = sorted(self.reference)
        return fit_rate([1.0 / s for s in ss], [self.width(s, wd) for s in ss])


def _psnr(x: torch.Tensor, y: torch.Tensor) -> float:
    return float((-10.0 * torch.log10(((x - y) ** 2).mean(dim=(-3, -2, -1)).double())).mean())


def run_unet_experiment(sizes: dict | None = None, *, device: str | torch.device = "cpu",
                        dtype: torch.dtype = torch.float32, callback=None, progress: bool = False) -> UNetExperiment:
    """Train and measure a U-net for every ``s`` and weight decay of ``sizes``.

    ``sizes`` (default ``budget_sizes()["unet"]``) holds ``n1`` (pixels at ``s = 1``), ``s_values``,
    ``weight_decays``, ``train``/``test`` (scenes), ``fine``, ``noise``, ``channels``, ``batch_norm``,
    ``batch``, ``steps`` and ``lr`` (one value or one per ``s``), ``warm_start`` (each later ``s`` starts
    from the first one's network, same weight decay, refined), ``seed``, ``half_width``, ``min_contrast``,
    ``method``, ``window``, ``time_limit`` (seconds, one or one per ``s``, or None). The same scenes at
    every ``s``, the noise drawn per ``s`` (seeded); ``callback(exp)`` runs after every run.
    """
    sz = copy.deepcopy(budget_sizes()["unet"] if sizes is None else sizes)
    if not isinstance(sz, dict):
        raise TypeError(f"sizes must be a dict like budget_sizes()['unet'], got {type(sz).__name__}")
    n1, seed, delta, w = sz["n1"], sz["seed"], sz["half_width"], sz["window"]
    train_sc, test_sc = disc_scenes(sz["train"], seed=seed), disc_scenes(sz["test"], seed=seed + 1)
    edges = scene_edges(test_sc, half_width=delta, min_contrast=sz["min_contrast"], coarse=n1)
    rows = [e for e in edges if e.axis == 1]          # the display edge: on a row, in a busy scene
    if not rows:
        raise ValueError(f"no measurable edge on a row in {sz['test']} test scenes; use more scenes")
    show = max(rows, key=lambda e: (sum(f.scene == e.scene for f in edges), -e.scene))
    corner = [min(max(v - w / 2, 0.0), 1.0 - w) for v in (show.x1, show.x2 + show.side * show.r)]
    exp = UNetExperiment(sz, {}, {}, {"edge": list(show), "corner": corner, "edges": len(edges)})

    def views(u: torch.Tensor, n: int) -> tuple[list, np.ndarray]:
        a = u[show.scene, 0].detach().cpu().double().numpy()
        i, j = (int(c * n) for c in corner)
        return a[int(show.x1 * n)].tolist(), a[i:i + round(w * n), j:j + round(w * n)]

    base = {}
    for k, s in enumerate(sz["s_values"]):
        n, data = n1 * s, []
        for sc, off in ((train_sc, 0), (test_sc, 1)):
            c = torch.from_numpy(render_scenes(sc, n, fine=sz["fine"], device=device))[:, None].to(dtype)
            data += [c.to(device), add_noise(c, sz["noise"], seed=seed + 1000 * s + off).to(device)]
        c_tr, f_tr, c_te, f_te = data
        ref = {"clean_widths": edge_widths(c_te[:, 0], edges, half_width=delta).tolist(),
               "psnr_noisy": _psnr(f_te, c_te)}
        ref["cut_clean"], ref["crop_clean"] = views(c_te, n)
        ref["cut_noisy"], ref["crop_noisy"] = views(f_te, n)
        exp.reference[s] = ref
        steps, lr, limit = (v[k] if isinstance(v, list) else v for v in (sz["steps"], sz["lr"], sz["time_limit"]))
        for wd in sz["weight_decays"]:
            net, info = train_unet(c_tr, f_tr, s=s, weight_decay=wd, steps=steps, batch=sz["batch"], lr=lr,
                                   channels=tuple(sz["channels"]), batch_norm=sz["batch_norm"],
                                   init=base.get(wd) if k and sz["warm_start"] else None, seed=seed,
                                   method=sz["method"], time_limit=limit)
            base.setdefault(wd, net)
            with torch.no_grad():
                out = torch.cat([net(f_te[i:i + 16]) for i in range(0, f_te.shape[0], 16)])
            loss = np.asarray(info.pop("loss"))
            run = {"psnr": _psnr(out, c_te), "widths": edge_widths(out[:, 0], edges, half_width=delta).tolist(),
                   "kernel_norms": kernel_l2_norms(net).cpu().tolist(), **info,
                   "loss": [float(v.mean()) for v in np.array_split(loss, min(100, loss.size))]}
            run["cut"], run["crop"] = views(out, n)
            exp.runs[(s, wd)] = run
            if progress:
                print(f"s={s} wd={wd:g}: {info['steps_done']} steps, {info['seconds']:.1f} s, "
                      f"PSNR {run['psnr']:.2f} dB, width {exp.width(s, wd):.3f}", flush=True)
            if callback is not None:
                callback(exp)
    return exp


def save_unet_experiment(path: str, exp: UNetExperiment) -> None:
    """Write an experiment to one JSON file (crops rounded to 3 decimals)."""
    write_runs(path, exp, UNetExperiment, "wd", "crop", 3)


def load_unet_experiment(path: str) -> UNetExperiment:
    """Read an experiment written by :func:`save_unet_experiment`."""
    return read_runs(path, UNetExperiment, "wd", arrays="crop")
