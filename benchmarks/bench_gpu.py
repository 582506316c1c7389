"""GPU benchmark: conv_valid (direct = cuDNN conv2d, fft = torch.fft) and a whole FsCNN, CUDA vs CPU.

The setting is the one of ``bench_conv.py`` (a fixed physical kernel a quarter of the domain's
side, h = 2^-5 .. 2^-10, editor's note EN-22), now with torch tensors on the GPU. A second
table times one forward pass of a random fsCNN (channels [1, 8, 8, 1], kernel half widths 1/8)
at h = 2^-7 .. 2^-10 on the CPU and on the GPU, with the largest difference between the two.

Run:  python benchmarks/bench_gpu.py [--repeat 10] [--dtype float32]

Every ratio is measured in one run. Without CUDA the script says so and exits with status 0.
"""

from __future__ import annotations

import argparse
import datetime
import time

import torch

import fscnn_lib as fl


def tmin(fn, repeat: int, *, cuda: bool) -> float:
    """Minimum wall time of ``repeat`` calls after a warm-up, synchronising CUDA around each."""
    fn()
    if cuda:
        torch.cuda.synchronize()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        if cuda:
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("# no CUDA device: nothing to measure")
        return
    dtype = getattr(torch, args.dtype)
    dev = torch.device("cuda")
    print(f"# GPU benchmark, {datetime.date.today()}, {torch.cuda.get_device_name(0)}, torch {torch.__version__}, {args.dtype}")
    print("## conv_valid on CUDA tensors")
    head = f"{'h':>7} {'kernel':>9} {'direct [s]':>11} {'fft [s]':>10} {'auto':>6} {'auto [s]':>10} {'direct/fft':>10} {'max|diff|':>9}"
    print(head)
    print("-" * len(head))
    gen = torch.Generator(device="cpu").manual_seed(0)
    for k in range(5, 11):
        h = 2.0**-k
        n = 2 ** (k - 2)
        N = 2**k + n - 1
        u = torch.randn(N, N, generator=gen, dtype=torch.float64).to(dev, dtype)
        w = torch.randn(n, n, generator=gen, dtype=torch.float64).to(dev, dtype)
        t_d = tmin(lambda: fl.conv_valid(u, w, h, method="direct"), args.repeat, cuda=True)
        t_f = tmin(lambda: fl.conv_valid(u, w, h, method="fft"), args.repeat, cuda=True)
        t_a = tmin(lambda: fl.conv_valid(u, w, h, method="auto"), args.repeat, cuda=True)
        ref = fl.conv_valid(u.double().cpu(), w.double().cpu(), h, method="fft")
        diff = float((fl.conv_valid(u, w, h, method="auto").double().cpu() - ref).abs().max())
        print(f"2^-{k:<4d} {n:>4d}x{n:<4d} {t_d:11.4g} {t_f:10.4g} {fl.auto_method(u.shape, w.shape):>6} {t_a:10.4g} {t_d / t_f:10.2f} {diff:9.1e}")
    print("## FsCNN.random([1, 8, 8, 1], half widths 1/8): one forward pass, batch 4")
    head = f"{'h':>7} {'N':>5} {'cpu [s]':>10} {'cuda [s]':>10} {'cpu/cuda':>9} {'max|diff|':>9}"
    print(head)
    print("-" * len(head))
    net = fl.FsCNN.random([1, 8, 8, 1], [0.125, 0.125, 0.125], seed=0)
    for k in range(7, 11):
        h = 2.0**-k
        N = 2**k
        u = torch.rand(4, 1, N, N, generator=gen, dtype=torch.float64)
        net_cpu = net.to("cpu", torch.float64)
        with torch.no_grad():
            t_c = tmin(lambda: net_cpu(u, h), 1 if k >= 10 else 3, cuda=False)
            out_c = net_cpu(u, h)
            net_gpu = net.to(dev, dtype)
            ug = u.to(dev, dtype)
            t_g = tmin(lambda: net_gpu(ug, h), args.repeat, cuda=True)
            out_g = net_gpu(ug, h).double().cpu()
        scale = float(out_c.abs().max())
        diff = float((out_g - out_c).abs().max()) / max(scale, 1e-300)
        print(f"2^-{k:<4d} {N:>5d} {t_c:10.4g} {t_g:10.4g} {t_c / t_g:9.1f} {diff:9.1e}")
        net.to("cpu", torch.float64)


if __name__ == "__main__":
    main()
