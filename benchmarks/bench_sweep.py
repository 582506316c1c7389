"""Time one three-layer FsCNN swept over h = 2^-4, ..., 2^-10 (Chapter 8, Theorem 3.6).

The network is the chapter's: channels 1 -> 4 -> 4 -> 1, ReLU, piecewise constant kernels
on Sigma_l = (-1/8, 1/8)^2, so at h = 2^-10 every convolution has a 256 x 256 (layer 0)
or 257 x 257 kernel and goes through the FFT path of ``fl.conv_valid``. The input is the
cell-averaged indicator of (0.3, 0.7)^2. Prints the time of each resolution and the total
(network evaluations only, and with the inputs), best of ``--repeat`` runs.

Run:  .venv/bin/python benchmarks/bench_sweep.py [--threads 2] [--repeat 3]
Goal (issue 7): the whole sweep in at most 5 s on two cores.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import torch

import fscnn_lib as fl


def square_input(h: float) -> np.ndarray:
    edges = np.arange(round(1 / h) + 1) * h
    a = np.clip(np.minimum(edges[1:], 0.7) - np.maximum(edges[:-1], 0.3), 0, None) / h
    return np.outer(a, a)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    net = fl.FsCNN.random(channels=[1, 4, 4, 1], half_widths=[1 / 8] * 3, coarse=4, seed=0)
    hs = [2.0**-k for k in range(4, 11)]
    best, best_total = None, float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        sweep = fl.resolution_sweep(net, square_input, hs)
        total = time.perf_counter() - t0
        if total < best_total:
            best, best_total = sweep, total
    print(f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{args.threads} threads, best of {args.repeat}")
    print("h        N+1    seconds")
    for h, s in zip(hs, best.seconds):
        print(f"2^-{round(-np.log2(h)):<4d} {round(1 / h) + 1:5d}  {s:8.3f}")
    print(f"network evaluations: {sum(best.seconds):.2f} s; with inputs and errors: "
          f"{best_total:.2f} s (goal <= 5 s)")


if __name__ == "__main__":
    main()
