"""Benchmark of the deep image prior's fit loop: fscnn_lib.fit_dip against a plain eager loop.

The network is the paper's (5 scales, 128 channels, 4 skip channels, 2,217,831 parameters),
fitted to the astronaut image with the paper's noise. Two implementations of the same loop
(same initialisation, input, perturbations and Adam) take turns in every repeat:

* ``plain``: what one writes first -- ``optimizer.zero_grad()``, Adam's default
  implementation, and every step the output copied to the host for the PSNR against the
  clean and the noisy image and for the running average (as the DIP notebooks do);
* ``ours``: :func:`fscnn_lib.fit_dip` -- fused Adam, the loss kept on the device, the metrics
  (PSNR, SSIM, weight norms, regularity measures) every ``--metrics-every`` steps.

CPU (default): seconds per step at ``--sizes`` (64 128 256) on ``--threads`` threads, the
ratio plain/ours, the relative difference of their first losses (the same network at the
same input: it should be rounding, about 1e-7 in float32), the largest relative difference of
their losses over the steps (not rounding: Adam's first steps divide each gradient by its own
size, so rounding-level differences between the two loops' arithmetic -- ``mse_loss`` against
a mean of squares, fused against default Adam -- change the later iterates by a few per cent;
each loop alone is deterministic on the CPU) and the
FLOPs of one step (forward and backward, ``torch.utils.flop_counter``).

CUDA (``--device cuda``): milliseconds per step and peak memory at ``--cuda-size`` (512):
the plain loop in float32 (PyTorch's defaults, so cuDNN may use TF32), ``fit_dip`` with all
its metrics every 10 and every 100 steps, and a lean copy of ``fit_dip``'s loop (the PSNR to
the clean image kept on the device, one host sync every k steps) with one speed-up at a
time -- a sync every step, strict float32 (TF32 off), channels_last, bf16 autocast, both,
and with ``--compile`` torch.compile of the network. Each row gives its speed-up over plain
and, over ``--curve-steps`` steps, the largest difference of the clean-image PSNR curve and
of its best value against the lean loop in float32. cuDNN's backward is not bitwise
reproducible, so a second run of the lean loop gives the noise floor of that comparison.
CUDA graphs are not tried (the loop draws random numbers and syncs for the guard).

Run:  python benchmarks/bench_dip.py [--sizes 64 128 256] [--steps 5] [--repeat 3]
      python benchmarks/bench_dip.py --device cuda [--compile]
Every ratio is measured in one run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import math
import os
import platform
import time

import numpy as np
import torch

import fscnn_lib as fl


def plain_fit(clean, noisy, steps, *, device="cpu", seed=0, net_kw=None):
    """The loop as first written: host copies and PSNRs every step. Returns (losses, seconds)."""
    from skimage.metrics import peak_signal_noise_ratio as psnr

    net = fl.SkipNet(32, clean.shape[0], seed=seed, **(net_kw or {})).to(device)
    z = fl.dip_input("noise", clean.shape[1:], seed=seed, device=device)
    target = torch.tensor(noisy[None], dtype=torch.float32, device=device)
    gen = torch.Generator(device=device).manual_seed(seed + 1)
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    losses, avg, curve = [], None, []
    t0 = time.perf_counter()
    for _ in range(steps):
        out = net(z + torch.randn(z.shape, generator=gen, device=device) / 30)
        loss = torch.nn.functional.mse_loss(out, target)
        opt.zero_grad()
        loss.backward()
        x = out.detach().cpu().numpy()[0].astype(np.float64)
        avg = x if avg is None else 0.99 * avg + 0.01 * x
        curve.append((psnr(noisy, x, data_range=1.0), psnr(clean, x, data_range=1.0),
                      psnr(clean, avg, data_range=1.0)))
        losses.append(loss.item())
        opt.step()
    return losses, time.perf_counter() - t0


def flops_per_step(size: int, net_kw=None) -> float:
    """FLOPs of one forward and backward pass at ``size`` x ``size`` (flop counter on the CPU)."""
    from torch.utils.flop_counter import FlopCounterMode

    net = fl.SkipNet(32, 3, **(net_kw or {}))
    with FlopCounterMode(display=False) as counter:
        net(torch.rand(1, 32, size, size)).mean().backward()
    return float(counter.get_total_flops())


def cpu_table(args) -> list[dict]:
    torch.set_num_threads(args.threads)
    rows = []
    for n in args.sizes:
        clean = fl.dip_image("astronaut", n)
        noisy = fl.corrupt(clean, seed=0)
        fl.fit_dip(clean, noisy, steps=1, scales=2, channels=4)            # imports, warm-up
        t_plain, t_ours, diff, diff0 = math.inf, math.inf, 0.0, 0.0
        for _ in range(args.repeat):
            losses, sec = plain_fit(clean, noisy, args.steps)
            t_plain = min(t_plain, sec / args.steps)
            r = fl.fit_dip(clean, noisy, steps=args.steps, metrics_every=args.metrics_every)
            t_ours = min(t_ours, r.info["seconds"] / args.steps)
            rel = np.abs(np.array(r.loss) - losses) / np.array(losses)
            diff, diff0 = max(diff, float(rel.max())), max(diff0, float(rel[0]))
        rows.append(dict(size=n, plain_s=t_plain, ours_s=t_ours, ratio=t_plain / t_ours,
                         loss0_rel_diff=diff0, loss_rel_diff=diff, gflop=flops_per_step(n) / 1e9))
        print(f"{n:>5} {t_plain:10.4f} {t_ours:10.4f} {t_plain / t_ours:7.2f} {diff0:9.1e} {diff:9.1e} "
              f"{rows[-1]['gflop']:9.2f} {rows[-1]['gflop'] / t_ours:9.2f}", flush=True)
    return rows


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def _peak_mib(dev: torch.device) -> float:
    return torch.cuda.max_memory_allocated(dev) / 2**20 if dev.type == "cuda" else math.nan


def _reset_peak(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats(dev)


def _variant_fit(clean, noisy, steps, *, every, channels_last=False, autocast=False,
                 compile_net=False, strict_fp32=False, seed=0, device="cuda"):
    """Our loop with one speed-up switched on; returns (ms per step, peak MiB, PSNR curve)."""
    dev = torch.device(device)
    old = torch.backends.cudnn.allow_tf32
    torch.backends.cudnn.allow_tf32 = not strict_fp32
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    net = fl.SkipNet(32, 3, seed=seed).to(dev, memory_format=fmt)
    model = torch.compile(net) if compile_net else net
    z = fl.dip_input("noise", clean.shape[1:], seed=seed, device=dev).to(memory_format=fmt)
    target = torch.tensor(noisy[None], dtype=torch.float32, device=dev)
    clean_t = torch.tensor(clean[None], dtype=torch.float32, device=dev)
    gen = torch.Generator(device=dev).manual_seed(seed + 1)
    opt = torch.optim.Adam(net.parameters(), lr=0.01, fused=True)
    mse = torch.empty(steps, device=dev)
    amp = torch.autocast(dev.type, dtype=torch.bfloat16) if autocast else contextlib.nullcontext()
    _reset_peak(dev)
    for k in range(steps + 10):                        # 10 warm-up steps (and compilation)
        if k == 10:
            _sync(dev)
            t0 = time.perf_counter()
        with amp:
            out = model(z + torch.randn(z.shape, generator=gen, device=dev) / 30)
        loss = torch.mean((out.float() - target) ** 2)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if k >= 10:
            with torch.no_grad():
                mse[k - 10] = torch.mean((out.float() - clean_t) ** 2)
            if (k - 10) % every == 0:
                float(loss.detach())                   # the host sync of a recorded step
        opt.step()
    _sync(dev)
    ms = (time.perf_counter() - t0) / steps * 1e3
    torch.backends.cudnn.allow_tf32 = old
    psnr = (-10 * torch.log10(mse)).cpu().numpy()
    return ms, _peak_mib(dev), psnr


def cuda_table(args, device: str = "cuda") -> list[dict]:
    """The GPU table (``device="cpu"`` only to try the code at tiny sizes)."""
    dev = torch.device(device)
    n = args.cuda_size
    clean = fl.dip_image("astronaut", n)
    noisy = fl.corrupt(clean, seed=0)
    plain_fit(clean, noisy, 10, device=dev)                                 # warm-up
    _reset_peak(dev)
    losses, sec = plain_fit(clean, noisy, args.cuda_steps, device=dev)
    plain_ms, plain_mb = sec / args.cuda_steps * 1e3, _peak_mib(dev)
    variants = [(f"lean loop, sync every {args.metrics_every}", dict(every=args.metrics_every)),
                ("lean loop, sync every step", dict(every=1)),
                ("lean loop, second run (noise floor)", dict(every=args.metrics_every)),
                ("+ strict float32 (TF32 off)", dict(every=args.metrics_every, strict_fp32=True)),
                ("+ channels_last", dict(every=args.metrics_every, channels_last=True)),
                ("+ bf16 autocast", dict(every=args.metrics_every, autocast=True)),
                ("+ channels_last + bf16", dict(every=args.metrics_every, channels_last=True, autocast=True))]
    if args.compile:
        variants.append(("+ torch.compile(net)", dict(every=args.metrics_every, compile_net=True)))
    rows = [dict(variant="plain eager float32", ms=plain_ms, peak_mib=plain_mb, ratio=1.0,
                 dpsnr_max=None, dbest=None)]
    print(f"{'plain eager float32':40} {plain_ms:9.2f} {plain_mb:9.0f} {1.0:7.2f}")
    for every in (10, 100):
        r = fl.fit_dip(clean, noisy, steps=args.cuda_steps, metrics_every=every, device=dev)
        ms = r.info["seconds"] / args.cuda_steps * 1e3
        name = f"fit_dip, all metrics every {every}"
        rows.append(dict(variant=name, ms=ms, peak_mib=r.info["peak_memory_mb"], ratio=plain_ms / ms,
                         dpsnr_max=None, dbest=None))
        print(f"{name:40} {ms:9.2f} {rows[-1]['peak_mib'] or math.nan:9.0f} {plain_ms / ms:7.2f}", flush=True)
    ref = None
    for name, kw in variants:
        ms, mb, curve = _variant_fit(clean, noisy, args.curve_steps, device=dev, **kw)
        if ref is None:
            ref = curve
        dmax, dbest = float(np.max(np.abs(curve - ref))), float(curve.max() - ref.max())
        rows.append(dict(variant=name, ms=ms, peak_mib=mb, ratio=plain_ms / ms, dpsnr_max=dmax, dbest=dbest))
        print(f"{name:40} {ms:9.2f} {mb:9.0f} {plain_ms / ms:7.2f} {dmax:9.3f} {dbest:+8.3f}", flush=True)
    return rows


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 256])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--metrics-every", type=int, default=10)
    parser.add_argument("--cuda-size", type=int, default=512)
    parser.add_argument("--cuda-steps", type=int, default=100)
    parser.add_argument("--curve-steps", type=int, default=300)
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--json", help="also write the table as JSON to this file")
    args = parser.parse_args(argv)
    head = dict(date=str(datetime.datetime.now().isoformat(timespec="seconds")), machine=platform.machine(),
                cpus=os.cpu_count(), torch=torch.__version__, device=args.device, args=vars(args))
    if args.device == "cuda":
        if not torch.cuda.is_available():
            print("# no CUDA device: nothing to measure")
            return {}
        head["gpu"] = torch.cuda.get_device_name(0)
        gflop = flops_per_step(64) * (args.cuda_size / 64) ** 2 / 1e9       # convolutions scale with pixels
        print(f"# DIP benchmark on {head['gpu']}, {head['date']}, torch {torch.__version__}, "
              f"{args.cuda_size}^2, {gflop:.0f} GFLOP per step")
        print(f"{'variant':40} {'ms/step':>9} {'peak MiB':>9} {'speedup':>7} {'max|dPSNR|':>9} {'dbest':>8}")
        rows = cuda_table(args)
    else:
        print(f"# DIP benchmark on the CPU, {head['date']}, {platform.machine()}, {args.threads} threads, "
              f"torch {torch.__version__}, load average {os.getloadavg()[0]:.2f}")
        print(f"{'size':>5} {'plain s':>10} {'ours s':>10} {'ratio':>7} {'diff 1st':>9} {'diff max':>9} "
              f"{'GFLOP':>9} {'GFLOP/s':>9}")
        rows = cpu_table(args)
    result = dict(head, rows=rows)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=1)
    return result


if __name__ == "__main__":
    main()
