"""Benchmark of fscnn_lib.conv_valid: direct vs FFT vs auto, with scipy's FFT as the anchor.

The setting of the paper's resolution limit (editor's note EN-22): a *fixed physical*
kernel whose side is a quarter of the unit domain's side, sampled at h = 2^-5 .. 2^-10.
The input has 1/h cells per side plus padding (n - 1 cells), so the valid output has
1/h x 1/h values and the kernel n = (1/4)/h values per side.

Run:  .venv/bin/python benchmarks/bench_conv.py [--repeat 5] [--max-direct 20]

Prints one table; every ratio is measured in the same run. The columns fft/auto/scipy
time NumPy float64 inputs (fl.conv_valid uses scipy.fft for them); "torch fft" times the
same problem given as torch tensors (torch.fft, all torch threads). Direct summation is skipped
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
    return tmin_interleaved({"f": fn}, repeat)["f"]


def tmin_interleaved(fns: dict, repeat: int) -> dict:
    """Minimum wall time of each function over ``repeat`` rounds, the functions taking turns.

    Taking turns exposes all of them to the same background load, so their ratios stay fair
    on a shared machine.
    """
    for fn in fns.values():
        fn()  # warm-up
    best = {key: float("inf") for key in fns}
    for _ in range(repeat):
        for key, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            best[key] = min(best[key], time.perf_counter() - t0)
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
              f"{'auto [s]':>9} {'scipy [s]':>9} {'torch fft':>9} {'direct/auto':>11} {'auto/scipy':>10} {'max|diff|':>9}")
    print(f"# load average at start: {os.getloadavg()[0]:.2f}")
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
        ut, wt = torch.from_numpy(u), torch.from_numpy(w)
        macs = float(n_out) ** 2 * n * n
        fns = {
            "fft": lambda: fl.conv_valid(u, w, h, method="fft"),
            "auto": lambda: fl.conv_valid(u, w, h, method="auto"),
            "scipy": lambda: scipy.signal.fftconvolve(u, w, mode="valid"),
            "torch": lambda: fl.conv_valid(ut, wt, h, method="fft"),
        }
        predicted = None if sec_per_mac is None else sec_per_mac * macs
        direct_fn = lambda: fl.conv_valid(u, w, h, method="direct")  # noqa: E731
        if predicted is None or predicted < 0.5:
            fns["direct"] = direct_fn  # cheap enough to take turns with the others
        times = tmin_interleaved(fns, args.repeat)
        t_fft, t_auto, t_sp, t_torch = times["fft"], times["auto"], times["scipy"], times["torch"]
        ref = scipy.signal.fftconvolve(u, w, mode="valid") * h * h
        diff = float(np.abs(fl.conv_valid(u, w, h) - ref).max())
        if "direct" in times:
            t_dir = times["direct"]
        elif predicted > args.max_direct:
            t_dir = None
        else:
            t_dir = tmin(direct_fn, args.repeat if predicted < 2.0 else 1)
        if t_dir is None:
            direct_s, ratio_s = "skipped", "skipped"
        else:
            sec_per_mac = t_dir / macs
            direct_s, ratio_s = f"{t_dir:11.4g}", f"{t_dir / t_auto:11.1f}"
        print(f"2^-{k:<4d} {N:>5d}x{N:<5d} {n:>4d}x{n:<4d} {fl.auto_method(u.shape, w.shape, family='numpy'):>6} {direct_s:>11} "
              f"{t_fft:9.4g} {t_auto:9.4g} {t_sp:9.4g} {t_torch:9.4g} {ratio_s:>11} {t_auto / t_sp:10.2f} {diff:9.1e}")
    print(f"# load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
