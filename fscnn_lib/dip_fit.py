r"""Fitting the deep image prior and measuring it step by step (S3-DIP, Figure 1, EN-28).

:func:`fit_dip` runs the loop of the paper's Figure 1: a :class:`~fscnn_lib.dip.SkipNet`
with a fixed input :math:`z` (noise or meshgrid), each step perturbed by fresh
:math:`N(0,(1/30)^2)` noise, Adam with learning rate 0.01 on the mean squared error to the
noisy image :math:`f`, and the exponential average :math:`\bar x_k=0.99\,\bar x_{k-1}+0.01\,x_k`
of the outputs. Every ``metrics_every`` steps it records what the figure and the theory
talk about:

* the fit: PSNR and SSIM of the output :math:`x_k` and of the average against the clean
  image (an oracle: DIP has no stopping rule of its own), PSNR against :math:`f`;
* the weights: :math:`\|\theta_k\|^2/\|\theta_0\|^2` over all trainable parameters
  (``wnorm``) and over the convolution weights alone (``wnorm_conv``); the paper plots a
  "normalised squared :math:`L^2` norm" without saying which (S3-FIG1);
* the image: the roughness measures of :mod:`fscnn_lib.edges` (TV, mean and largest
  gradient, edge width across a chosen edge, high-frequency energy).

The loss and the PSNR against :math:`f` are kept at every step on the device and fetched
once at the end; everything else costs one host transfer per recorded step.

Theorem 2.7 bounds the regularity of the output through the :math:`L^2` norms of the
kernels. Standard DIP penalises nothing (EN-28): only early stopping keeps the weights
bounded, and the paper observes the norm growing as the output picks up the noise.
``weight_decay`` adds the penalty :math:`\tfrac\lambda2\|\theta\|^2` on all parameters as
Adam's coupled ``weight_decay=λ`` (the gradient :math:`\lambda\theta` is added before Adam's
scaling, which is exactly the gradient of that penalty; not AdamW's decoupled decay), the
cheaper of the two equal forms. A caution for reading the norm: in the paper's network
every convolution is followed by batch normalisation, which cancels a positive factor on the
convolution's weights and its bias (up to BN's :math:`\varepsilon`). So :math:`\|\theta\|`
does not fix what the network computes; under Adam the norm of these scale-invariant weights
grows with the number of steps, and a penalty that holds it down enlarges their effective
step size instead (the quick budget's runs show both). ``batch_norm=False`` removes BN.

:func:`run_dip_experiments` runs the chapter's whole set from the budget (the GPU script
calls the same function with the full sizes).

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588 (2022),
   Section 3 (paragraph "Application Examples"), Figure 1; EN-28.
"""

from __future__ import annotations

import copy
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import torch

from ._validate import check_choice, check_int, check_positive, check_real
from .config import budget_sizes
from .dip import (SkipNet, TVReference, _png, _shrink, _to_uint8, _unpng, corrupt, dip_image, dip_input,
                  tv_reference, weight_norm_squared)
from .edges import EdgeSpec, edge_profile, find_edge, plateau_levels, regularity_measures

__all__ = [
    "CURVES", "DipResult", "fit_dip", "Match",
    "matched_steps", "DipExperiment", "run_dip_experiments", "save_experiment",
    "load_experiment",
]

#: What :func:`fit_dip` records at each recorded step (``DipResult.curves``).
CURVES: tuple[str, ...] = (
    "loss", "psnr_noisy", "psnr", "ssim", "psnr_avg", "ssim_avg", "wnorm", "wnorm_conv",
    "tv", "mean_gradient", "max_gradient", "edge_width", "hf_energy",
)


@dataclass(eq=False)
class DipResult:
    """What :func:`fit_dip` returns; :meth:`save` and :meth:`load` round-trip it exactly.

    Attributes
    ----------
    config : dict
        The options of the run.
    steps : list of int
        The recorded steps :math:`k` (outputs of the parameters after :math:`k` updates).
    curves : dict of str to list of float
        One value per recorded step for each name in :data:`CURVES`.
    loss : list of float
        The loss (MSE to the noisy image) at every step.
    snapshots : dict of str to numpy.ndarray
        8-bit display copies ``(H, W, C)`` of the output at chosen steps (keys ``"300"``...),
        at the best recorded PSNR and SSIM (``"best_psnr"``, ``"best_ssim"``), the last
        output (``"final"``) and the final average (``"average"``).
    restores : list of int
        Steps at which the divergence guard restored the last good state.
    info : dict
        Timing, device, parameter counts, initial weight norms.
    net : torch.nn.Module or None
        The fitted network (not saved).
    """

    config: dict
    steps: list
    curves: dict
    loss: list
    snapshots: dict
    restores: list
    info: dict
    net: object = field(default=None, repr=False)

    def curve(self, name: str) -> np.ndarray:
        """The recorded values of ``name`` (one of :data:`CURVES`) as an array."""
        check_choice(name, "name", CURVES)
        return np.asarray(self.curves[name], dtype=np.float64)

    def best_step(self, name: str = "psnr") -> int:
        """The recorded step where ``name`` is largest (smallest for ``edge_width``)."""
        v = self.curve(name)
        i = int(np.nanargmin(v) if name == "edge_width" else np.nanargmax(v))
        return int(self.steps[i])

    def at(self, step: int, name: str) -> float:
        """The value of ``name`` at the recorded step nearest to ``step``."""
        i = int(np.argmin(np.abs(np.asarray(self.steps) - check_int(step, "step"))))
        return float(self.curve(name)[i])

    def to_dict(self) -> dict:
        """A JSON-ready dict; images become base64 PNG strings."""
        return {"config": self.config, "steps": self.steps, "curves": self.curves, "loss": self.loss,
                "snapshots": {k: _png(v) for k, v in self.snapshots.items()},
                "restores": self.restores, "info": self.info}

    @classmethod
    def from_dict(cls, d: dict) -> "DipResult":
        """Inverse of :meth:`to_dict`."""
        return cls(d["config"], d["steps"], d["curves"], d["loss"],
                   {k: _unpng(v) for k, v in d["snapshots"].items()}, d["restores"], d["info"])

    def save(self, path: str) -> None:
        """Write the result to ``path`` as JSON (snapshots embedded as PNG)."""
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(self.to_dict(), fh)

    @classmethod
    def load(cls, path: str) -> "DipResult":
        """Read a result written by :meth:`save`."""
        with open(path, encoding="utf-8") as fh:
            return cls.from_dict(json.load(fh))

    def downscaled(self, side: int, *, keep: Sequence[str] | None = None) -> "DipResult":
        """A copy whose snapshots (only ``keep``, if given) are block-averaged to ``side`` pixels."""
        side = check_int(side, "side", minimum=1)
        names = list(self.snapshots) if keep is None else [str(k) for k in keep]
        snaps = {k: _shrink(self.snapshots[k], side) for k in names}
        return DipResult(copy.deepcopy(self.config), list(self.steps), copy.deepcopy(self.curves),
                         list(self.loss), snaps, list(self.restores), copy.deepcopy(self.info))


class _Guard:
    """Divergence guard: restore the last good state when the PSNR to the noisy image
    falls more than ``drop`` dB below its running best (or the loss is not finite)."""

    def __init__(self, drop: float | None) -> None:
        self.drop, self.best, self.saved = drop, -math.inf, None

    def ok(self, psnr_noisy: float) -> bool:
        if self.drop is None:
            return True
        return math.isfinite(psnr_noisy) and psnr_noisy >= self.best - self.drop

    def save(self, psnr_noisy: float, net, opt, avg: torch.Tensor) -> None:
        if self.drop is None:
            return
        self.best = max(self.best, psnr_noisy)
        self.saved = _copy_into((net.state_dict(), opt.state_dict(), avg), self.saved)

    def restore(self, net, opt, avg: torch.Tensor) -> None:
        params, state, a = self.saved
        net.load_state_dict(params)
        opt.load_state_dict(copy.deepcopy(state))
        avg.copy_(a)


def _copy_into(src: object, dst: object) -> object:
    """A copy of the nested tensors ``src``, written into the buffers of ``dst`` where they fit."""
    if isinstance(src, torch.Tensor):
        fits = isinstance(dst, torch.Tensor) and dst.shape == src.shape and dst.dtype == src.dtype
        return dst.copy_(src.detach()) if fits else src.detach().clone()
    if isinstance(src, dict):
        return {k: _copy_into(v, dst.get(k) if isinstance(dst, dict) else None) for k, v in src.items()}
    if isinstance(src, (list, tuple)):
        old = list(dst) if isinstance(dst, (list, tuple)) and len(dst) == len(src) else [None] * len(src)
        return type(src)(_copy_into(v, d) for v, d in zip(src, old))
    return copy.deepcopy(src)


def _dtype(dtype: object) -> torch.dtype:
    if dtype not in (torch.float32, torch.float64):
        raise TypeError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}")
    return dtype


def _psnr(mse: float) -> float:
    return -10.0 * math.log10(mse) if mse > 0 else math.inf


def fit_dip(clean: np.ndarray, noisy: np.ndarray, *, kind: str = "noise", steps: int = 3000,
            lr: float = 0.01, jitter: float = 1 / 30, ema: float = 0.99, weight_decay: float = 0.0,
            scales: int = 5, channels: int = 128, skip_channels: int = 4, input_channels: int = 32,
            batch_norm: bool = True,
            seed: int = 0, device: str | torch.device = "cpu", dtype: torch.dtype = torch.float32,
            metrics_every: int = 1, snapshot_steps: Sequence[int] = (), snapshot_every: int | None = None,
            edge: EdgeSpec | None = None, guard_drop: float | None = 5.0,
            time_limit: float | None = None, progress: bool = False) -> DipResult:
    r"""Fit the deep image prior to ``noisy`` and record the curves of Figure 1 (S3-DIP).

    Parameters
    ----------
    clean, noisy : numpy.ndarray, shape (C, H, W)
        The clean image (only for the oracle metrics) and the data :math:`f`, in [0, 1].
    kind : {"noise", "meshgrid"}, keyword-only
        The input :math:`z` (:func:`~fscnn_lib.dip.dip_input`; ``input_channels`` for noise).
    steps, lr, jitter, ema : keyword-only
        Number of Adam steps, learning rate, standard deviation of the input perturbation,
        weight of the exponential average (the paper's 3000, 0.01, 1/30, 0.99).
    weight_decay : float, keyword-only
        :math:`\lambda\ge0` of the penalty :math:`\tfrac\lambda2\|\theta\|^2` on all
        parameters, as Adam's coupled ``weight_decay`` (see the module notes).
    scales, channels, skip_channels : keyword-only
        The :class:`~fscnn_lib.dip.SkipNet` (the paper's 5, 128, 4).
    seed : int, keyword-only
        Seeds the initialisation, the noise input and the perturbations.
    device, dtype : keyword-only
        Where and in which precision to compute (``torch.float32`` or ``torch.float64``).
    metrics_every : int, keyword-only
        Record the metrics every this many steps (and at the last step and at snapshots);
        the guard checks at the same steps.
    snapshot_steps, snapshot_every : keyword-only
        Keep the output at these steps, and every ``snapshot_every`` steps.
    edge : EdgeSpec, keyword-only, optional
        Where to measure the edge width; default :func:`~fscnn_lib.edges.find_edge` of ``clean``.
    guard_drop : float or None, keyword-only
        The divergence guard: when the PSNR to ``noisy`` falls more than this many dB below
        its best so far (or the loss is not finite), the parameters, Adam's state and the
        average are reset to the last recorded step and the update is skipped; the step is
        listed in ``restores``. ``None`` switches it off.
    time_limit : float, keyword-only, optional
        Stop (recording that step) once the loop has run this many seconds;
        ``info["steps_done"]`` says how far it got.
    progress : bool, keyword-only
        Show a tqdm progress bar.

    Returns
    -------
    DipResult

    Examples
    --------
    A few steps of a small network lower the loss, and the run is reproducible:

    >>> u = dip_image("astronaut", 32); f = corrupt(u, seed=0)
    >>> r = fit_dip(u, f, steps=20, scales=2, channels=8, metrics_every=5)
    >>> r.loss[-1] < r.loss[0], r.steps
    (True, [0, 5, 10, 15, 19])
    >>> r.loss == fit_dip(u, f, steps=20, scales=2, channels=8, metrics_every=5).loss
    True
    """
    for name, a in (("clean", clean), ("noisy", noisy)):
        if not isinstance(a, np.ndarray):
            raise TypeError(f"{name} must be a numpy.ndarray, got {type(a).__name__}")
        if a.ndim != 3 or a.dtype.kind != "f" or not np.isfinite(a).all():
            raise ValueError(f"{name} must be a finite float image of shape (C, H, W), "
                             f"got shape {a.shape}, dtype {a.dtype}")
    if clean.shape != noisy.shape:
        raise ValueError(f"clean and noisy must have the same shape, got {clean.shape} and {noisy.shape}")
    check_choice(kind, "kind", ("noise", "meshgrid"))
    steps = check_int(steps, "steps", minimum=1)
    lr, jitter = check_positive(lr, "lr"), check_real(jitter, "jitter", minimum=0.0)
    ema = check_real(ema, "ema", minimum=0.0)
    if ema >= 1.0:
        raise ValueError(f"ema must lie in [0, 1), got {ema!r}")
    wd = check_real(weight_decay, "weight_decay", minimum=0.0)
    seed, every = check_int(seed, "seed"), check_int(metrics_every, "metrics_every", minimum=1)
    snap_every = None if snapshot_every is None else check_int(snapshot_every, "snapshot_every", minimum=1)
    if not isinstance(snapshot_steps, (list, tuple, range)):
        raise TypeError(f"snapshot_steps must be a list of ints, got {type(snapshot_steps).__name__}")
    snaps = {check_int(s, "snapshot_steps") for s in snapshot_steps}
    if guard_drop is not None:
        guard_drop = check_positive(guard_drop, "guard_drop")
    limit = math.inf if time_limit is None else check_positive(time_limit, "time_limit")
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be a bool, got {type(progress).__name__}")
    dtype, device = _dtype(dtype), torch.device(device)
    C, H, W = clean.shape
    edge = find_edge(clean) if edge is None else edge
    levels = plateau_levels(edge_profile(clean, edge))

    cin = input_channels if kind == "noise" else 2
    net = SkipNet(cin, C, scales=scales, channels=channels, skip_channels=skip_channels,
                 batch_norm=batch_norm, seed=seed)
    net = net.to(device=device, dtype=dtype)
    z = dip_input(kind, (H, W), channels=cin, seed=seed, dtype=dtype, device=device)
    target = torch.as_tensor(noisy[None], dtype=dtype, device=device)
    gen = torch.Generator(device=device).manual_seed(seed + 1)
    opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=wd, fused=True)
    n0 = (weight_norm_squared(net), weight_norm_squared(net, which="conv"))
    losses = torch.empty(steps, dtype=dtype, device=device)
    avg = torch.zeros_like(target)
    guard = _Guard(guard_drop)
    curves: dict[str, list[float]] = {k: [] for k in CURVES}
    recorded, restores, images = [], [], {}
    best = {"psnr": -math.inf, "ssim": -math.inf}
    bar = range(steps)
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(bar, desc=f"DIP ({kind})")
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    t0 = time.perf_counter()
    for k in bar:
        last = k == steps - 1 or time.perf_counter() - t0 > limit
        zk = z + jitter * torch.randn(z.shape, generator=gen, dtype=dtype, device=device) if jitter else z
        out = net(zk)
        loss = torch.mean((out - target) ** 2)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        with torch.no_grad():
            losses[k] = loss.detach()
            avg.copy_(out) if k == 0 else avg.mul_(ema).add_(out, alpha=1.0 - ema)
        take = k in snaps or (snap_every is not None and k % snap_every == 0)
        if k % every == 0 or last or take:
            lv = float(loss.detach())
            pn = _psnr(lv)
            if not guard.ok(pn):
                guard.restore(net, opt, avg)
                restores.append(k)
                continue
            guard.save(pn, net, opt, avg)
            x, xa = out.detach()[0].double().cpu().numpy(), avg[0].double().cpu().numpy()
            _record(curves, x, xa, clean, net, n0, lv, pn, edge, levels)
            recorded.append(k)
            for key in ("psnr", "ssim"):
                if curves[key][-1] > best[key]:
                    best[key], images[f"best_{key}"] = curves[key][-1], _to_uint8(x)
            if take:
                images[str(k)] = _to_uint8(x)
            if progress:
                bar.set_postfix(psnr=f"{curves['psnr'][-1]:.2f}", refresh=False)
        opt.step()
        if last:
            break
    seconds, done = time.perf_counter() - t0, k + 1
    if progress:
        bar.close()
    images["final"] = _to_uint8(out.detach()[0].double().cpu().numpy())
    images["average"] = _to_uint8(avg[0].double().cpu().numpy())
    config = dict(kind=kind, steps=steps, lr=lr, jitter=jitter, ema=ema, weight_decay=wd, scales=scales,
                  channels=channels, skip_channels=skip_channels, input_channels=cin, batch_norm=batch_norm,
                  seed=seed, device=str(device), dtype=str(dtype).replace("torch.", ""), metrics_every=every,
                  guard_drop=guard_drop, edge=list(edge), shape=[C, H, W], time_limit=time_limit)
    cuda = device.type == "cuda"
    info = dict(seconds=seconds, steps_done=done, steps_per_second=done / seconds, wnorm0=n0[0],
                wnorm0_conv=n0[1], parameters=sum(p.numel() for p in net.parameters()),
                device_name=torch.cuda.get_device_name(device) if cuda else "cpu",
                peak_memory_mb=torch.cuda.max_memory_allocated(device) / 2**20 if cuda else None)
    return DipResult(config, recorded, curves, [float(v) for v in losses[:done].cpu().tolist()],
                     images, restores, info, net)


def _record(curves: dict, x: np.ndarray, xa: np.ndarray, clean: np.ndarray, net, n0: tuple,
            loss: float, pn: float, edge: EdgeSpec, levels: tuple[float, float]) -> None:
    """Append the metrics of output ``x`` and average ``xa`` to ``curves``."""
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    c = clean.astype(np.float64)
    reg = regularity_measures(x, edge=edge, levels=levels)
    values = dict(loss=loss, psnr_noisy=pn,
                  psnr=peak_signal_noise_ratio(c, x, data_range=1.0),
                  ssim=structural_similarity(c, x, data_range=1.0, channel_axis=0),
                  psnr_avg=peak_signal_noise_ratio(c, xa, data_range=1.0),
                  ssim_avg=structural_similarity(c, xa, data_range=1.0, channel_axis=0),
                  wnorm=weight_norm_squared(net) / n0[0],
                  wnorm_conv=weight_norm_squared(net, which="conv") / n0[1], **reg._asdict())
    for key in CURVES:
        curves[key].append(float(values[key]))


class Match(NamedTuple):
    """A step of run ``a`` and the recorded step of run ``b`` with the nearest weight norm."""

    step_a: int
    step_b: int
    norm_a: float
    norm_b: float


def matched_steps(a: DipResult, b: DipResult, steps: Sequence[int], *, norm: str = "wnorm") -> list[Match]:
    r"""For each of ``steps`` of run ``a``, the recorded step of ``b`` whose weight norm is nearest.

    Figure 1 pairs the noise-input iterates 300/600/2000/6000 with the meshgrid iterates
    1000/1400/2600/10300 of comparable :math:`\|\theta\|^2` (S3-FIG1); this finds such pairs
    from the recorded ``norm`` curve (``"wnorm"`` or ``"wnorm_conv"``). Compare ``norm_a``
    and ``norm_b``: when ``b`` never reached the norm, the pair is its nearest, not an equal.
    """
    if not isinstance(a, DipResult) or not isinstance(b, DipResult):
        raise TypeError("a and b must be DipResult objects")
    check_choice(norm, "norm", ("wnorm", "wnorm_conv"))
    if not isinstance(steps, (list, tuple, range)):
        raise TypeError(f"steps must be a list of ints, got {type(steps).__name__}")
    nb = b.curve(norm)
    out = []
    for s in steps:
        na = a.at(check_int(s, "steps"), norm)
        i = int(np.argmin(np.abs(nb - na)))
        out.append(Match(int(a.steps[int(np.argmin(np.abs(np.asarray(a.steps) - s)))]),
                         int(b.steps[i]), na, float(nb[i])))
    return out


@dataclass(eq=False)
class DipExperiment:
    """The chapter's set of runs (:func:`run_dip_experiments`)."""

    sizes: dict
    clean: np.ndarray
    noisy: np.ndarray
    edge: EdgeSpec
    runs: dict
    tv: TVReference
    provenance: dict = field(default_factory=dict)


def _data(sizes: dict) -> tuple[np.ndarray, np.ndarray]:
    clean = dip_image(sizes["image"], sizes["size"])
    return clean, corrupt(clean, level=sizes["noise_level"], seed=sizes["seed"])


def run_dip_experiments(sizes: dict | None = None, *, runs: Sequence[str] | None = None,
                        device: str | torch.device = "cpu", dtype: torch.dtype = torch.float32,
                        progress: bool = False,
                        callback: Callable[[DipExperiment], None] | None = None) -> DipExperiment:
    """Run the deep image prior experiments of a budget: the TV reference and the runs.

    ``sizes`` defaults to ``budget_sizes()["dip"]`` (see :data:`fscnn_lib.config.BUDGETS`):
    the image, its size and noise level, the network, the recorded steps and one entry per
    run under ``"runs"`` (``kind``, ``steps`` and any other option of :func:`fit_dip`).
    ``runs`` picks some of them by name. ``callback``, if given, is called with the
    experiment so far after the TV reference and after each run (e.g. to save it).
    """
    sizes = copy.deepcopy(budget_sizes()["dip"] if sizes is None else sizes)
    if not isinstance(sizes, dict):
        raise TypeError(f"sizes must be a dict like budget_sizes()['dip'], got {type(sizes).__name__}")
    names = list(sizes["runs"]) if runs is None else list(runs)
    for n in names:
        check_choice(n, "runs", tuple(sizes["runs"]))
    clean, noisy = _data(sizes)
    edge = find_edge(clean)
    exp = DipExperiment(sizes, clean, noisy, edge, {},
                        tv_reference(clean, noisy, edge=edge, weights=sizes.get("tv_weights")))
    net = {k: sizes[k] for k in ("scales", "channels", "skip_channels", "seed", "metrics_every")}
    for n in ([None] if callback else []) + names:
        if n is not None:
            exp.runs[n] = fit_dip(clean, noisy, edge=edge, device=device, dtype=dtype, progress=progress,
                                  **net, **sizes["runs"][n])
        if callback is not None:
            callback(exp)
    return exp


def save_experiment(path: str, exp: DipExperiment, *, side: int | None = None) -> None:
    """Write an experiment to one JSON file (snapshots as PNG, block-averaged to ``side``).

    The clean and noisy images are not stored: :func:`load_experiment` rebuilds them from
    the sizes (they are deterministic).
    """
    if not isinstance(exp, DipExperiment):
        raise TypeError(f"exp must be a DipExperiment, got {type(exp).__name__}")
    runs = {k: (r if side is None else r.downscaled(side)).to_dict() for k, r in exp.runs.items()}
    tv = exp.tv._asdict()
    tv["image"] = _png(tv["image"] if side is None else _shrink(tv["image"], side))
    doc = {"sizes": exp.sizes, "edge": list(exp.edge), "runs": runs, "tv": tv, "provenance": exp.provenance}
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh)


def load_experiment(path: str) -> DipExperiment:
    """Read an experiment written by :func:`save_experiment`."""
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    clean, noisy = _data(doc["sizes"])
    tv = dict(doc["tv"])
    tv["image"] = _unpng(tv["image"])
    runs = {k: DipResult.from_dict(v) for k, v in doc["runs"].items()}
    return DipExperiment(doc["sizes"], clean, noisy, EdgeSpec(*doc["edge"]), runs, TVReference(**tv),
                         doc.get("provenance", {}))
