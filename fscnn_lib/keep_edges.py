r"""What keeps edges: penalties, constraints and architectures measured across resolutions (S4-CONCL).

The paper closes with advice it does not test: since a CNN needs some regularisation anyway, use something
other than a plain :math:`L^2` penalty, or an adapted architecture, when images (or the residual noise) are
the output. This module tests it on the denoising task of :mod:`fscnn_lib.unet` (S3-E2E), with the same
physical scaling: at factor :math:`s` the image has :math:`n_1s` pixels, every kernel :math:`3s\times3s`
entries and every convolution the factor :math:`h^2=1/s^2` of eq. (8), lengths in pixels of the :math:`s=1` grid.

Penalties and constraints, each one functional at every :math:`s`:

* ``"l2"``: weight decay :math:`\frac\lambda2(\sum_l\|w_l\|^2_{L^2}+|\beta|^2)` of :func:`~fscnn_lib.unet.train_unet`.
* ``"l1"``: :math:`\lambda\sum_l\|w_l\|_{L^1}` (``lam * kernel_l1_norms(net).sum()``) with
  :math:`\|w\|_{L^1}=h^2\sum|W|` (:func:`kernel_l1_norms`); the biases are left free.
* ``"spectral"``: :class:`SpectralConstraint`, every convolution's operator norm on :math:`\ell^2(\mathbb Z^2)`
  (equal to its norm on :math:`PC_h` with the :math:`L^2` norm) at most ``bound``, by rescaling after each
  step (:func:`conv_operator_norm`, an estimate from below: the true norm may exceed the bound by a few per
  cent, which ``op_max_fine`` of the runs measures).
* ``"tv"``: :func:`output_tv`, :math:`\lambda\,\mathrm{TV}_h` of the output (anisotropic, :math:`h=1/n`).

Architectures:

* :class:`ResidualUNet`: :math:`x\mapsto x-N(x)`. The identity is a path from the input to the output
  without any convolution, so Theorem 2.7 (Remark 2.6, EN-8) does not apply.
* :class:`PixelHeadUNet`: the last :math:`s\times s` convolution replaced by a pointwise map (:math:`1\times1`
  at every :math:`s`, no :math:`h^2` factor), optionally a small MLP: in the limit a Lipschitz function of
  continuous features.

:func:`run_keep_edges_experiment` trains every variant of :data:`VARIANTS` at every :math:`s` and measures
edge widths (:func:`~fscnn_lib.unet.edge_widths`), PSNR, SSIM and the noise left in flat regions;
:data:`PREDICTIONS` holds what the theory says for each.

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588 (2022), Section 4 (conclusion), Remark 2.6,
   Theorems 2.7, 3.6, 3.13; editor's notes EN-8, EN-22, EN-28.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from ._storage import read_runs, write_runs
from ._validate import check_array, check_choice, check_int, check_positive, check_real
from .config import budget_sizes
from .convolution import conv_channels
from .images import add_noise
from .norms import tv
from .padding import reflect_pad
from .regularity import fit_rate
from .unet import (ScaledUNet, _psnr, disc_scenes, edge_widths, kernel_l2_norms, render_scenes, scene_edges,
                   train_unet)

__all__ = [
    "kernel_l1_norms", "conv_operator_norm", "SpectralConstraint", "output_tv", "one_layer_fit", "ResidualUNet",
    "PixelHeadUNet", "VARIANTS", "PREDICTIONS", "FINE_GRID", "make_variant", "flat_mask", "KeepEdgesExperiment",
    "run_keep_edges_experiment", "save_keep_edges_experiment", "load_keep_edges_experiment",
]

#: name -> (architecture, penalty). Both architectures are trained with the ``"l2"`` penalty, so that their
#: kernels stay bounded in L2 uniformly in h ((H1): Theorems 3.13 and 3.6 carry Theorem 2.7 to the limit) and
#: only the paths differ.
VARIANTS: dict[str, tuple[str, str]] = {
    "none": ("plain", "none"), "l2": ("plain", "l2"), "l1": ("plain", "l1"), "spectral": ("plain", "spectral"),
    "tv": ("plain", "tv"), "residual": ("residual", "l2"), "pixel_head": ("pixel_head", "l2"),
}

#: Frequencies per axis of the check ``op_max_fine``: for kernels of up to 9 x 9 entries the maximum over
#: this grid is within 0.5 % of the supremum of the symbol, where the default grid can be 5 % below it.
FINE_GRID = 128

#: name -> (predicted gamma of width ~ C h^gamma, or None where nothing is forced; the reason).
PREDICTIONS: dict[str, tuple[float | None, str]] = {
    "none": (None, "no bound on the kernels: nothing forced"),
    "l2": (0.0, "bounded L2 kernels: continuous limit"),
    "l1": (None, "L1 allows Dirac kernels: jumps allowed"),
    "spectral": (None, "identity has norm 1: jumps allowed"),
    "tv": (None, "acts on outputs, not kernels: nothing forced"),
    "residual": (1.0, "conv-free path: noise and, where N is flat, input jumps pass"),
    "pixel_head": (0.0, "pointwise map of continuous features"),
}


def _check_net(net: object) -> ScaledUNet:
    if not isinstance(net, ScaledUNet):
        raise TypeError(f"net must be a ScaledUNet (or a subclass), got {type(net).__name__}")
    return net


# ----------------------------------------------------------------------------- penalties
def kernel_l1_norms(net: ScaledUNet) -> torch.Tensor:
    r"""The physical norms :math:`\|w_l\|_{L^1}=h^2\sum|W_l|=\sum|W_l|/s^2`, one per convolution.

    Differentiable; with channels :math:`\|w\|_{L^1}=\int\sum_{c,c'}|w_{cc'}|`. A refined kernel (entries made
    :math:`m\times m` blocks) has the same norm, so :math:`\lambda\sum_l\|w_l\|_{L^1}` is one functional at every
    ``s``; the identity kernel (:math:`s^2` on one cell) has norm 1 and :math:`L^2` norm :math:`s` (EN-10, EN-22).

    Examples
    --------
    >>> a = ScaledUNet(1, channels=(2,), seed=0); b = a.refined(3)
    >>> bool(torch.allclose(kernel_l1_norms(a), kernel_l1_norms(b)))
    True
    """
    net = _check_net(net)
    return torch.stack([c.weight.abs().sum() / net.s ** 2 for c in net.convs])


def conv_operator_norm(weight: torch.Tensor, h: float, *, grid: int | None = None) -> torch.Tensor:
    r"""The operator norm of the convolution :math:`U\mapsto h^2\sum_kW_kU_{\cdot-k}` on :math:`\ell^2`.

    With the symbol :math:`\widehat W(\xi)=h^2\sum_kW_k e^{-ik\cdot\xi}`, a matrix ``(C_out, C_in)`` per frequency,
    the norm on :math:`\ell^2(\mathbb Z^2)^{C_{in}}` is :math:`\sup_\xi\sigma_{\max}(\widehat W(\xi))`, the same on
    :math:`PC_h` with the :math:`L^2` norm (both sides carry the factor :math:`h`). It bounds the norm of
    :math:`u\mapsto u*w` on all of :math:`L^2(\mathbb R^2)` from above (equal for the identity kernel), as
    :math:`\hat w(\xi)=\widehat W(h\xi)\,\hat\chi_Q(\xi)/h^2` for a cell :math:`Q` and :math:`|\hat\chi_Q|\le h^2`.
    Computed as the maximum over the ``grid x grid`` DFT frequencies (default ``max(4k, 16)`` for ``k x k``): the
    exact norm of the circular convolution on a ``grid``-periodic image, and an estimate *from below* of the
    supremum: for random kernels at most 3 % below the maximum on a 512-point grid (which agrees with power
    iteration on the zero-padded operator to 1 %), about 5 % for a kernel modulated to a frequency between grid
    points. Young's inequality bounds it by :math:`\|w\|_{L^1}` (:func:`kernel_l1_norms`).

    Examples
    --------
    The identity kernel at factor 3 (:math:`9=1/h^2` on one cell) has norm 1:

    >>> w = torch.zeros(1, 1, 9, 9, dtype=torch.float64); w[0, 0, 4, 4] = 9.0
    >>> round(float(conv_operator_norm(w, 1 / 3)), 12)
    1.0
    """
    if not isinstance(weight, torch.Tensor):
        raise TypeError(f"weight must be a torch.Tensor (C_out, C_in, k, k), got {type(weight).__name__}")
    if check_array(weight, "weight", min_ndim=4).ndim != 4:
        raise ValueError(f"weight must have shape (C_out, C_in, k, k), got {tuple(weight.shape)}")
    h = check_positive(h, "h")
    k = max(int(weight.shape[-2]), int(weight.shape[-1]))
    g = max(4 * k, 16) if grid is None else check_int(grid, "grid", minimum=k)
    sym = torch.fft.fft2(weight * (h * h), s=(g, g)).permute(2, 3, 0, 1)
    return torch.linalg.matrix_norm(sym, ord=2).max()


class SpectralConstraint:
    r"""The constraint :math:`\|T_l\|\le` ``bound`` on every convolution of a :class:`ScaledUNet`.

    :math:`\|T_l\|` is :func:`conv_operator_norm` with :math:`h=1/s` on a ``grid x grid`` DFT grid. Calling the
    object (``project(net)``, the hook of :func:`~fscnn_lib.unet.train_unet`) rescales each kernel whose norm
    exceeds the bound onto it, in place and without gradients. The norm is estimated from below, so the bound
    holds for the estimate and the true norm may exceed it by a few per cent (a finer ``grid`` narrows the gap).
    It bounds each layer's Lipschitz constant in :math:`L^2` up to the reflection padding (a factor at most 2);
    ReLU, max pooling (at most 2) and bilinear upsampling (at most 1) add constants too, so the network is
    Lipschitz with a constant independent of :math:`h`. It does *not* bound :math:`\|w_l\|_{L^2}`: the identity
    kernel has norm 1 at every ``s``.
    """

    def __init__(self, bound: float = 1.0, *, grid: int | None = None) -> None:
        self.bound, self.grid = check_positive(bound, "bound"), grid

    def norms(self, net: ScaledUNet) -> torch.Tensor:
        """The operator norms :math:`\\|T_l\\|`, one per convolution."""
        net = _check_net(net)
        return torch.stack([conv_operator_norm(c.weight.detach(), 1.0 / net.s, grid=self.grid) for c in net.convs])

    def __call__(self, net: ScaledUNet) -> None:
        with torch.no_grad():
            for c, nrm in zip(net.convs, self.norms(net)):
                if nrm > self.bound:
                    c.weight.mul_(self.bound / nrm)

    def __repr__(self) -> str:
        return f"SpectralConstraint(bound={self.bound:g})"


def output_tv(out: torch.Tensor) -> torch.Tensor:
    r"""The anisotropic :math:`\mathrm{TV}_h` of images on :math:`(0,1)^2` (:math:`h=1/n`), averaged over the
    batch and channels: :math:`h\sum|\Delta u|` (:func:`fscnn_lib.norms.tv`), one functional at every ``s``.

    Anisotropic, because autograd gives :math:`|\cdot|` the subgradient 0 at 0, whereas the isotropic
    :math:`\sqrt{a^2+b^2}` gets a NaN gradient wherever both differences vanish, i.e. on every flat patch.

    Examples
    --------
    >>> u = torch.zeros(2, 1, 40, 40); u[..., 20:] = 1.0
    >>> round(float(output_tv(u)), 6), round(float(output_tv(u[..., ::2, ::2])), 6)
    (1.0, 1.0)
    """
    check_array(out, "out", min_ndim=4)
    return tv(out, 1.0 / out.shape[-1], kind="anisotropic").mean()


def one_layer_fit(s: int, penalty: str, strength: float = 0.0, *, n1: int = 16,
                  iterations: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    r"""The cheapest single convolution that reproduces a clean disc: what each penalty allows.

    :math:`u` is a disc of radius 0.3 and contrast 1 on :math:`n_1s` pixels (:func:`~fscnn_lib.unet.render_scenes`),
    :math:`v=(Ru)*w` with a kernel of :math:`3s\times3s` entries on a fixed square of :math:`3\times3` pixels of
    :math:`s=1` (symmetric reflection), and :math:`\min_w\frac12\int_\Omega(v-u)^2+P(w)` is solved: ``"none"``
    (minimum-norm least squares), ``"l2"`` (:math:`P=\frac\lambda2\|w\|^2_{L^2}`, normal equations), ``"l1"``
    (:math:`P=\lambda\|w\|_{L^1}`, FISTA) and ``"spectral"`` (:math:`\|T_w\|\le` ``strength``, accelerated gradient
    steps, each multiplied by a factor that makes it feasible: not a Euclidean projection), these two for
    ``iterations`` steps. Units: :math:`\int_\Omega` over :math:`(0,1)^2` is the pixel mean and the kernel norms
    are in pixels of :math:`s=1`, a fixed rescaling of :math:`\lambda`, the same at every ``s``. A ``strength``
    of at least 1 keeps :math:`\delta_h` (operator norm 1, an exact fit) feasible, so the constraint is
    inactive at the minimiser. Returns ``(W, v)``, float64, shapes ``(3s, 3s)`` and ``(n1 s, n1 s)``.

    Examples
    --------
    Without a penalty the fit is the identity, :math:`s^2` on the centre cell:

    >>> W, v = one_layer_fit(3, "none", n1=8)
    >>> round(float(W[4, 4]), 6), round(float(W.abs().sum() - W[4, 4]), 6)
    (9.0, 0.0)
    """
    s, n1 = check_int(s, "s", minimum=1), check_int(n1, "n1", minimum=4)
    check_choice(penalty, "penalty", ("none", "l2", "l1", "spectral"))
    lam, iterations = check_real(strength, "strength", minimum=0.0), check_int(iterations, "iterations", minimum=1)
    if penalty == "spectral" and lam < 1:
        raise ValueError(f"strength (the bound of the spectral constraint) must be >= 1, got {strength!r}")
    n, k, h = n1 * s, 3 * s, 1.0 / s
    u = torch.from_numpy(render_scenes(np.array([[[0.5, 0.5, 0.3, 1.0]]]), n, fine=24 * n))[None]
    lo = (k - 1) // 2
    cols = torch.nn.functional.unfold(reflect_pad(u, (lo, k - 1 - lo, lo, k - 1 - lo)), k)[0].T * h * h
    y = u.reshape(-1)
    gram, rhs = cols.T @ cols / y.numel(), cols.T @ y / y.numel()
    if penalty == "none":
        v = torch.linalg.pinv(cols) @ y
    elif penalty == "l2":
        v = torch.linalg.solve(gram + lam / s ** 2 * torch.eye(k * k, dtype=gram.dtype), rhs)
    else:
        step, v, z, t = 1.0 / float(torch.linalg.matrix_norm(gram, 2)), torch.zeros_like(rhs), torch.zeros_like(rhs), 1.0
        for _ in range(iterations):
            new = z - step * (gram @ z - rhs)
            if penalty == "l1":
                new = torch.sign(new) * torch.clamp(new.abs() - step * lam / s ** 2, min=0.0)
            else:
                new = new * min(1.0, lam / float(conv_operator_norm(new.reshape(1, 1, k, k), h)))
            t, t_old = (1 + math.sqrt(1 + 4 * t * t)) / 2, t
            z, v = new + (t_old - 1) / t * (new - v), new
    return v.reshape(k, k).flip(0, 1), (cols @ v).reshape(n, n)


# ----------------------------------------------------------------------------- architectures
class ResidualUNet(ScaledUNet):
    r"""The residual denoiser :math:`x\mapsto x-N(x)` with :math:`N` a :class:`ScaledUNet`.

    The identity path carries the input to the output through no convolution, so the path condition of
    Remark 2.6 (EN-8 (a)) fails. When :math:`N`'s kernels stay bounded in :math:`L^2` uniformly in :math:`h`, its
    output is continuous in the limit, so every jump of the input passes, and, because such kernels average the
    pixel noise away (chapter 11, step 5; heuristic, EN-28), the noise passes too. Same arguments as
    :class:`ScaledUNet`, with ``in_channels == out_channels``.

    Examples
    --------
    >>> x = torch.zeros(1, 1, 8, 8); x[..., 4:] = 1.0
    >>> net = ResidualUNet(1, channels=(2,), batch_norm=False, seed=0)
    >>> bool(torch.allclose(net(x), x - ScaledUNet.forward(net, x)))
    True
    """

    def __init__(self, s: int, **kwargs) -> None:
        super().__init__(s, **kwargs)
        if kwargs.get("in_channels", 1) != kwargs.get("out_channels", 1):
            raise ValueError(f"in_channels and out_channels must agree for x - N(x), got "
                             f"{kwargs.get('in_channels', 1)} and {kwargs.get('out_channels', 1)}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """:math:`x-N(x)` on a batch ``(B, C, N, N)``."""
        return x - super().forward(x)


class _Pointwise(nn.Module):
    """A 1x1 layer at every s: conv_channels with h = 1 (practical weights), plus a bias."""

    def __init__(self, cin: int, cout: int, gen: torch.Generator, dtype: torch.dtype) -> None:
        super().__init__()
        w = (2 * torch.rand(cout, cin, 1, 1, generator=gen, dtype=torch.float64) - 1) / math.sqrt(cin)
        self.weight, self.bias = nn.Parameter(w.to(dtype)), nn.Parameter(torch.zeros(cout, dtype=dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return conv_channels(x, self.weight, 1.0, method="direct") + self.bias[:, None, None]


class PixelHeadUNet(ScaledUNet):
    r"""A :class:`ScaledUNet` whose last layer is pointwise: :math:`g(F(x))` per pixel.

    :math:`F` are the features (:meth:`ScaledUNet.features`, two convolutions on every path) and :math:`g` a
    :math:`1\times1` layer (``hidden=0``) or the MLP :math:`g(v)=A_2\,\mathrm{ReLU}(A_1v+a_1)+a_2` with ``hidden``
    channels, 1x1 at every ``s`` and without the :math:`h^2` factor: in the limit a Lipschitz map applied
    pointwise, not a convolution (EN-8 (b)). Its weights are not in ``convs``, so
    :func:`~fscnn_lib.unet.train_unet` decays them by the :math:`s`-independent :math:`\lambda`, like the biases.

    Examples
    --------
    >>> net = PixelHeadUNet(3, channels=(2,), hidden=4, batch_norm=False, seed=0)
    >>> [tuple(c.weight.shape) for c in net.convs], net(torch.zeros(1, 1, 6, 6)).shape
    ([(2, 1, 9, 9), (2, 2, 9, 9)], torch.Size([1, 1, 6, 6]))
    """

    def __init__(self, s: int, *, hidden: int = 16, **kwargs) -> None:
        super().__init__(s, **kwargs)
        hidden = check_int(hidden, "hidden", minimum=0)
        (cout, cin), dtype = self.convs[-1].weight.shape[:2], self.convs[-1].weight.dtype
        del self.convs[-1]
        gen = torch.Generator().manual_seed(check_int(kwargs.get("seed", 0), "seed") + 1)
        layers = ([_Pointwise(cin, hidden, gen, dtype), nn.ReLU(), _Pointwise(hidden, cout, gen, dtype)]
                  if hidden else [_Pointwise(cin, cout, gen, dtype)])
        self.head = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """:math:`g(F(x))` on a batch ``(B, in_channels, N, N)``."""
        return self.head(self.features(x))


def make_variant(name: str, s: int, *, channels=(8,), hidden: int = 16, seed: int = 0,
                 dtype: torch.dtype = torch.float32) -> ScaledUNet:
    """The untrained network of variant ``name`` (a key of :data:`VARIANTS`) at factor ``s``,
    without batch normalisation (it would rescale each channel and undo a norm constraint)."""
    check_choice(name, "name", tuple(VARIANTS))
    arch, kw = VARIANTS[name][0], dict(channels=channels, batch_norm=False, seed=seed, dtype=dtype)
    if arch == "residual":
        return ResidualUNet(s, **kw)
    return PixelHeadUNet(s, hidden=hidden, **kw) if arch == "pixel_head" else ScaledUNet(s, **kw)


# ----------------------------------------------------------------------------- measurements
def flat_mask(scenes: np.ndarray, n: int, *, margin: float) -> np.ndarray:
    r"""Pixels whose centres lie farther than ``margin`` from every circle and from the border.

    There the clean image is constant on a disc of radius ``margin``, so the output minus the clean image is the
    noise left over (plus any bias). Returns a bool array ``(count, n, n)``.

    Examples
    --------
    >>> m = flat_mask(np.array([[[0.5, 0.5, 0.25, 1.0]]]), 20, margin=0.1)
    >>> bool(m[0, 10, 10]), bool(m[0, 10, 15]), bool(m[0, 0, 0])
    (True, False, False)
    """
    check_array(scenes, "scenes", min_ndim=3)
    n, margin = check_int(n, "n", minimum=1), check_real(margin, "margin", minimum=0.0)
    t = (np.arange(n) + 0.5) / n
    inside = (t >= margin) & (t <= 1 - margin)
    out = np.broadcast_to(inside[:, None] & inside[None, :], (scenes.shape[0], n, n)).copy()
    for i, scene in enumerate(np.asarray(scenes, dtype=np.float64)):
        for x1, x2, r, _ in scene:
            if r > 0:
                out[i] &= np.abs(np.hypot(t[:, None] - x1, t[None, :] - x2) - r) > margin
    return out


def _ssim(x: torch.Tensor, y: torch.Tensor, s: int, data_range: float) -> float:
    """Mean SSIM, Gaussian window of standard deviation 1.5 s pixels (one physical size)."""
    from skimage.metrics import structural_similarity
    a, b = x[:, 0].detach().cpu().double().numpy(), y[:, 0].detach().cpu().double().numpy()
    kw = dict(data_range=data_range, gaussian_weights=True, sigma=1.5 * s, use_sample_covariance=False)
    return float(np.mean([structural_similarity(p, q, **kw) for p, q in zip(a, b)]))


def _noise_left(out: torch.Tensor, clean: torch.Tensor, mask: np.ndarray, sigma: float) -> float:
    d = (out - clean)[:, 0].detach().cpu().double().numpy()[mask]
    return float(np.sqrt(np.mean(d ** 2)) / sigma)


# ----------------------------------------------------------------------------- experiment
@dataclass(eq=False)
class KeepEdgesExperiment:
    """What :func:`run_keep_edges_experiment` returns. ``runs[(s, name)]``: ``psnr``, ``ssim``, ``widths`` (per
    test edge, units of the image side), ``noise_left`` (RMS of output minus clean in flat regions over sigma),
    ``l2_sq`` (:math:`\\sum_l\\|w_l\\|^2_{L^2}`), ``l1`` (:math:`\\sum_l\\|w_l\\|_{L^1}`), ``op_max`` (largest
    operator norm, on the grid the constraint uses), ``op_max_fine`` (the same on :data:`FINE_GRID`, closer to
    the supremum), ``steps_done``, ``seconds``, ``loss`` (up to 50 means), ``cut`` (the display row);
    ``reference[s]``: the same for the clean (``clean_widths``) and noisy input (``noisy_widths``,
    ``psnr_noisy``, ``ssim_noisy``, ``noise_left_noisy``) and their cuts; ``display``: the edge."""

    sizes: dict
    runs: dict
    reference: dict
    display: dict
    provenance: dict = field(default_factory=dict)

    def width(self, s: int, name: str = "clean") -> float:
        """Mean edge width over the test edges, in pixels of the ``s = 1`` grid (``name``: a variant, ``"clean"``
        or ``"noisy"``)."""
        w = (self.reference[s][f"{name}_widths"] if name in ("clean", "noisy")
             else self.runs[(s, name)]["widths"])
        return float(np.nanmean(np.asarray(w, dtype=float))) * self.sizes["n1"]

    def gamma(self, name: str = "clean") -> float:
        r"""The exponent :math:`\gamma` of width :math:`\approx Ch^\gamma`, :math:`h=1/s`."""
        ss = sorted(self.reference)
        return fit_rate([1.0 / s for s in ss], [self.width(s, name) for s in ss])

    def verdict(self, name: str) -> str:
        """What was measured, in words: ``"sharp edges"`` (gamma >= 0.5) or ``"edges of fixed width"``,
        then ``"keeps noise"`` (``noise_left`` at the finest ``s`` >= 0.5) or ``"removes noise"``."""
        s = max(self.reference)
        edges = "sharp edges" if self.gamma(name) >= 0.5 else "edges of fixed width"
        noise = "keeps noise" if self.runs[(s, name)]["noise_left"] >= 0.5 else "removes noise"
        return f"{edges}, {noise}"


def run_keep_edges_experiment(sizes: dict | None = None, *, device: str | torch.device = "cpu",
                              dtype: torch.dtype = torch.float32, callback=None,
                              progress: bool = False) -> KeepEdgesExperiment:
    """Train and measure every variant of ``sizes["variants"]`` at every ``s`` (S4-CONCL).

    ``sizes`` (default ``budget_sizes()["keep_edges"]``) holds the keys of :func:`~fscnn_lib.unet.run_unet_experiment`
    (``n1``, ``s_values``, ``train``, ``test``, ``fine``, ``noise``, ``channels``, ``batch``, ``steps``, ``lr``,
    ``warm_start``, ``seed``, ``half_width``, ``min_contrast``, ``method``, ``time_limit``) and ``variants`` (keys
    of :data:`VARIANTS`), ``strengths`` (``l2``, ``l1``, ``tv``: the weights :math:`\\lambda`; ``spectral``: the
    bound), ``hidden`` (of :class:`PixelHeadUNet`) and ``flat_margin`` (:func:`flat_mask`). The same scenes at
    every ``s``, the noise drawn per ``s`` (seeded), no batch normalisation; ``callback(exp)`` runs after each run.
    """
    sz = copy.deepcopy(budget_sizes()["keep_edges"] if sizes is None else sizes)
    if not isinstance(sz, dict):
        raise TypeError(f"sizes must be a dict like budget_sizes()['keep_edges'], got {type(sz).__name__}")
    for name in sz["variants"]:
        check_choice(name, "sizes['variants']", tuple(VARIANTS))
    n1, seed, delta, lam = sz["n1"], sz["seed"], sz["half_width"], sz["strengths"]
    train_sc, test_sc = disc_scenes(sz["train"], seed=seed), disc_scenes(sz["test"], seed=seed + 1)
    edges = scene_edges(test_sc, half_width=delta, min_contrast=sz["min_contrast"], coarse=n1)
    rows = [e for e in edges if e.axis == 1]
    if not rows:
        raise ValueError(f"no measurable edge on a row in {sz['test']} test scenes; use more scenes")
    show = max(rows, key=lambda e: (sum(f.scene == e.scene for f in edges), -e.scene))
    exp = KeepEdgesExperiment(sz, {}, {}, {"edge": list(show), "edges": len(edges)})
    cut = lambda u, n: u[show.scene, 0, int(show.x1 * n)].detach().cpu().double().tolist()  # noqa: E731
    hooks = {"l1": (lambda net, out: lam["l1"] * kernel_l1_norms(net).sum(), None),
             "tv": (lambda net, out: lam["tv"] * output_tv(out), None),
             "spectral": (None, SpectralConstraint(lam["spectral"]))}
    base: dict = {}
    for k, s in enumerate(sz["s_values"]):
        n, data = n1 * s, []
        for sc, off in ((train_sc, 0), (test_sc, 1)):
            c = torch.from_numpy(render_scenes(sc, n, fine=sz["fine"], device=device))[:, None].to(dtype)
            data += [c.to(device), add_noise(c, sz["noise"], seed=seed + 1000 * s + off).to(device)]
        c_tr, f_tr, c_te, f_te = data
        mask, rng = flat_mask(test_sc, n, margin=sz["flat_margin"]), float(c_te.max() - c_te.min())
        exp.reference[s] = {
            "clean_widths": edge_widths(c_te[:, 0], edges, half_width=delta).tolist(),
            "noisy_widths": edge_widths(f_te[:, 0], edges, half_width=delta).tolist(),
            "psnr_noisy": _psnr(f_te, c_te), "ssim_noisy": _ssim(f_te, c_te, s, rng),
            "noise_left_noisy": _noise_left(f_te, c_te, mask, sz["noise"]),
            "cut_clean": cut(c_te, n), "cut_noisy": cut(f_te, n)}
        steps, lr, limit = (v[k] if isinstance(v, list) else v for v in (sz["steps"], sz["lr"], sz["time_limit"]))
        for name in sz["variants"]:
            pen = VARIANTS[name][1]
            penalty, project = hooks.get(pen, (None, None))
            init = base.get(name) if k and sz["warm_start"] else None
            if init is None:
                init = make_variant(name, s, channels=tuple(sz["channels"]), hidden=sz["hidden"],
                                    seed=seed, dtype=dtype)
                if project is not None:
                    project(init)
            net, info = train_unet(c_tr, f_tr, s=s, weight_decay=lam["l2"] if pen == "l2" else 0.0,
                                   steps=steps, batch=sz["batch"], lr=lr, init=init, seed=seed,
                                   method=sz["method"], time_limit=limit, penalty=penalty, project=project)
            base.setdefault(name, net)
            with torch.no_grad():
                out = torch.cat([net(f_te[i:i + 16]) for i in range(0, f_te.shape[0], 16)])
            loss = np.asarray(info.pop("loss"))
            exp.runs[(s, name)] = {
                "psnr": _psnr(out, c_te), "ssim": _ssim(out, c_te, s, rng),
                "widths": edge_widths(out[:, 0], edges, half_width=delta).tolist(),
                "noise_left": _noise_left(out, c_te, mask, sz["noise"]),
                "l2_sq": float((kernel_l2_norms(net) ** 2).sum()),
                "l1": float(kernel_l1_norms(net).detach().sum()),
                "op_max": float(SpectralConstraint().norms(net).max()),
                "op_max_fine": float(SpectralConstraint(grid=FINE_GRID).norms(net).max()), **info,
                "loss": [float(v.mean()) for v in np.array_split(loss, min(50, loss.size))],
                "cut": cut(out, n)}
            if progress:
                print(f"s={s} {name}: {info['steps_done']} steps, {info['seconds']:.1f} s, PSNR "
                      f"{exp.runs[(s, name)]['psnr']:.2f} dB, width {exp.width(s, name):.3f}", flush=True)
            if callback is not None:
                callback(exp)
    return exp


def save_keep_edges_experiment(path: str, exp: KeepEdgesExperiment) -> None:
    """Write an experiment to one JSON file (cuts rounded to 4 decimals)."""
    write_runs(path, exp, KeepEdgesExperiment, "variant", "cut", 4)


def load_keep_edges_experiment(path: str) -> KeepEdgesExperiment:
    """Read an experiment written by :func:`save_keep_edges_experiment`."""
    return read_runs(path, KeepEdgesExperiment, "variant")
