"""Benchmark of fscnn_lib.conv_valid: direct vs FFT vs auto, with scipy's FFT as the anchor.

The setting of the paper's resolution limit (editor's note EN-22): a *fixed physical*
kernel whose side is a quarter of the unit domain's side, sampled at h = 2^-5 .. 2^-10.
The input has 1/h cells per side plus padding (n - 1 cells), so the valid output has
1/h x 1/h values and the kernel n = (1/4)/h values per side.

Run:  .venv/bin/python benchmarks/bench_conv.py [--repeat 5] [--max-direct 20]

Prints one table; every ratio is measured in the same run. Direct summation is skipped
(printed "skipped") where its predicted time, extrapolated from the previous size by the
number of multiply-adds, exceeds --max-direct seconds.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import time

import numpy as np
import scipy
import scipy.signal
import torch

import fscnn_lib as fl


def tmin(fn, repeat: int) -> float:
    """Minimum wall time of ``repeat`` calls (after one warm-up call)."""
    fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--max-direct", type=float, default=20.0, help="skip direct beyond this predicted time (s)")
    parser.add_argument("--kmin", type=int, default=5)
    parser.add_argument("--kmax", type=int, default=10)
    args = parser.parse_args()

    print(f"# conv_valid benchmark, {datetime.date.today()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, torch {torch.__version__} ({torch.get_num_threads()} threads), "
          f"numpy {np.__version__}, scipy {scipy.__version__}, float64")
    header = (f"{'h':>7} {'input':>11} {'kernel':>9} {'auto->':>6} {'direct [s]':>11} {'fft [s]':>9} "
              f"{'auto [s]':>9} {'scipy [s]':>9} {'direct/auto':>11} {'auto/scipy':>10} {'max|diff|':>9}")
    print(header)
    print("-" * len(header))
    rng = np.random.default_rng(0)
    sec_per_mac = None
    for k in range(args.kmin, args.kmax + 1):
        h = 2.0**-k
        n_out = 2**k
        n = 2 ** (k - 2)
        N = n_out + n - 1
        u = rng.standard_normal((N, N))
        w = rng.standard_normal((n, n))
        macs = float(n_out) ** 2 * n * n
        t_fft = tmin(lambda: fl.conv_valid(u, w, h, method="fft"), args.repeat)
        t_auto = tmin(lambda: fl.conv_valid(u, w, h, method="auto"), args.repeat)
        t_sp = tmin(lambda: scipy.signal.fftconvolve(u, w, mode="valid"), args.repeat)
        ref = scipy.signal.fftconvolve(u, w, mode="valid") * h * h
        diff = float(np.abs(fl.conv_valid(u, w, h) - ref).max())
        predicted = None if sec_per_mac is None else sec_per_mac * macs
        if predicted is not None and predicted > args.max_direct:
            direct_s, ratio_s = "skipped", "skipped"
        else:
            reps = args.repeat if (predicted is None or predicted < 1.0) else 1
            t_dir = tmin(lambda: fl.conv_valid(u, w, h, method="direct"), reps)
            sec_per_mac = t_dir / macs
            direct_s, ratio_s = f"{t_dir:11.4g}", f"{t_dir / t_auto:11.1f}"
        print(f"2^-{k:<4d} {N:>5d}x{N:<5d} {n:>4d}x{n:<4d} {fl.auto_method(u.shape, w.shape):>6} {direct_s:>11} "
              f"{t_fft:9.4g} {t_auto:9.4g} {t_sp:9.4g} {ratio_s:>11} {t_auto / t_sp:10.2f} {diff:9.1e}")


if __name__ == "__main__":
    main()
