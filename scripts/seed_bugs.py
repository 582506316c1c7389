"""Seed plausible bugs into a copy of fscnn_lib and report which tests catch each one.

A mutation check of the test suite (issue 6, part 3): every bug below is a one-line
change a careful author could make. Each is applied to a fresh copy of the repository's
``fscnn_lib`` and ``tests`` in a temporary folder, the library tests (no notebooks, no
browser) run, and the first failing test and the number of failing tests per file are
reported. A bug that no test
catches is printed as ``MISSED`` and makes the script exit 1.

Usage::

    .venv/bin/python scripts/seed_bugs.py            # all bugs
    .venv/bin/python scripts/seed_bugs.py max_jump   # bugs whose name contains the word
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: name -> (module, exact text to replace, replacement)
BUGS: dict[str, tuple[str, str, str]] = {
    # the core (convolution, padding, networks, norms, mollifiers)
    "conv: h^2 dropped on the FFT path": (
        "convolution.py", "np.asarray(w, dtype=u.dtype) * u.dtype.type(h * h)", "np.asarray(w, dtype=u.dtype)"),
    "conv: correlation instead of convolution": (
        "convolution.py", "k = w.flip(-1, -2)[None, None]", "k = w[None, None]"),
    "padding: symmetric and reflect swapped": (
        "padding.py", 'if mode == "symmetric":', 'if mode == "reflect":'),
    "networks: activation after the last layer": (
        "networks.py", "            else:\n                out = y", "            else:\n                out = net.activation(y)"),
    "norms: anisotropic TV forgets x2": (
        "norms.py", "density = _bk.abs_(g[..., 0, :, :]) + _bk.abs_(g[..., 1, :, :])",
        "density = 2 * _bk.abs_(g[..., 0, :, :])"),
    "norms: gradient's x2 part along the wrong axis": (
        "norms.py", "g[..., 1, :, :-1] = (u[..., :, 1:] - u[..., :, :-1]) / h",
        "g[..., 1, :-1, :] = (u[..., 1:, :] - u[..., :-1, :]) / h"),
    "mollifiers: kernel not normalised": (
        "mollifiers.py", "return k / (h * h * k.sum())", "return k / k.sum()"),
    # the measurement helpers (regularity)
    "max_jump: looks along x1 only": (
        "regularity.py", "d2 = _bk.amax2(_bk.abs_(u[..., :, 1:] - u[..., :, :-1]))", "d2 = d1"),
    "max_jump: looks along x2 only": (
        "regularity.py", "d1 = _bk.amax2(_bk.abs_(u[..., 1:, :] - u[..., :-1, :]))",
        "d1 = _bk.amax2(_bk.abs_(u[..., :, 1:] - u[..., :, :-1]))"),
    "gradient_jump: differentiates along x1 only": (
        "regularity.py", "for d in (d1, d2):", "for d in (d1,):"),
    "modulus_of_continuity: shifts of one sign only": (
        "regularity.py", "for k2 in range(-K, K + 1):", "for k2 in range(0, K + 1):"),
    "modulus_of_continuity: axis shifts only": (
        "regularity.py", "if (k1 == 0 and k2 <= 0) or k1 >= N or abs(k2) >= M:",
        "if (k1 == 0 and k2 <= 0) or (k1 and k2) or k1 >= N or abs(k2) >= M:"),
    # the Section 3 modules (chapters 7-9)
    "acnn: pooled node at the block corner, not its centre": (
        "acnn.py", "    off = 0.5 * (s - 1) * g.h\n", "    off = 0.0\n"),
    "limits: shared nodes read along x1 only": (
        "limits.py", "return float(np.abs(c - f[..., ::r, ::r]).max())",
        "return float(np.abs(c - f[..., ::r, :c.shape[-1]]).max())"),
    "training: q-norm loss without its 1/q": (
        "training.py", "return (w * (z - y).abs() ** q).sum() / q", "return (w * (z - y).abs() ** q).sum()"),
    "training: cell weights h instead of h^2": (
        "training.py", "return torch.full((n1, n1), h * h, dtype=like.dtype, device=like.device)",
        "return torch.full((n1, n1), h, dtype=like.dtype, device=like.device)"),
    "interior: crops the first axis only": (
        "regularity.py", "return u[..., k : N - k, k : M - k]", "return u[..., k : N - k, :]"),
    # batch normalisation, the image measures and the deep image prior
    "batchnorm: plain pixel mean instead of the cell/node weights": (
        "batchnorm.py", "mean = (u * w).sum(axis=(0, 2, 3)) / total", "mean = u.mean(axis=(0, 2, 3))"),
    "edges: 90% crossing not interpolated": (
        "edges.py", "x_hi = _crossing(q, hi - 1, high) if q[hi - 1] < high else float(hi)", "x_hi = float(hi)"),
    "dip: weight norm over conv weights only": (
        "dip.py", 'params = list(_check_net(net).parameters()) if which == "all" else _conv_weights(net)',
        "params = _conv_weights(net)"),
    "keep_edges: L1 norm of the arrays, not of the kernels": (
        "keep_edges.py", "c.weight.abs().sum() / net.s ** 2", "c.weight.abs().sum() / net.s"),
    "keep_edges: residual path dropped": (
        "keep_edges.py", "return x - super().forward(x)", "return -super().forward(x)"),
}
TESTS = ["tests", "--ignore=tests/test_site.py", "--ignore=tests/test_colab_setup.py",
         "--ignore=tests/test_notebooks.py", "--ignore=tests/test_prose.py",
         "--ignore=tests/test_originality.py", "--ignore=tests/test_status.py"]


def run_one(name: str, module: str, old: str, new: str) -> tuple[str, float]:
    """Apply one bug to a copy and return the first failing test (or ``MISSED``)."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shutil.copytree(ROOT / "fscnn_lib", tmp / "fscnn_lib")
        shutil.copytree(ROOT / "tests", tmp / "tests")
        path = tmp / "fscnn_lib" / module
        text = path.read_text(encoding="utf-8")
        if text.count(old) != 1:
            raise SystemExit(f"{name}: the text to replace occurs {text.count(old)} times in {module}")
        path.write_text(text.replace(old, new), encoding="utf-8")
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             "--doctest-modules", "fscnn_lib", *TESTS],
            cwd=tmp, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(tmp)})
        took = time.perf_counter() - start
    failed = re.findall(r"^FAILED (\S+)", proc.stdout, re.M) or re.findall(r"^ERROR (\S+)", proc.stdout, re.M)
    if proc.returncode == 0:
        return "MISSED", took
    if not failed:
        return f"(exit {proc.returncode})", took
    per_file: dict[str, int] = {}
    for test in failed:
        f = test.split("::")[0].split("/")[-1]
        per_file[f] = per_file.get(f, 0) + 1
    counts = ", ".join(f"{f} {n}" for f, n in sorted(per_file.items(), key=lambda kv: -kv[1]))
    return f"{failed[0].split('/')[-1]}\n{'':50s}{len(failed)} failing: {counts}", took


def main(argv: list[str]) -> int:
    chosen = {k: v for k, v in BUGS.items() if not argv or any(a in k for a in argv)}
    missed = 0
    print(f"{'seeded bug':48s}  first test that fails")
    for name, (module, old, new) in chosen.items():
        caught, took = run_one(name, module, old, new)
        missed += caught == "MISSED"
        print(f"{name:48s}  {caught}  ({took:.0f} s)", flush=True)
    print(f"{len(chosen) - missed} of {len(chosen)} seeded bugs caught")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
