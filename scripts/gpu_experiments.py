"""The one script for the GPU: the full deep image prior runs and the GPU benchmark.

It runs, in this order and within ``--budget-s`` seconds in all (the device allows 10
minutes per command; the default leaves a margin):

1. the GPU part of ``benchmarks/bench_dip.py`` at 512^2 (skipped with ``--no-bench``);
2. the full deep image prior experiment of ``fscnn_lib.budget_sizes("full")["dip"]`` --
   the paper's network on the 512^2 astronaut image, the TV reference, then the noise
   input for ``--noise-steps`` (paper: 6000) and the meshgrid input for ``--meshgrid-steps``
   (paper: 10300) steps. Each run gets a share of the time left, proportional to its
   steps, and stops early (``fit_dip(time_limit=...)``) when it runs out; the JSON says how
   far each got. The experiment is saved after every run, so a killed script still leaves
   the runs that finished;
3. with ``--parts unet``: the end-to-end U-net across resolutions of chapter 11
   (``run_across_resolutions``, sizes ``fl.budget_sizes("full")["unet"]``, about 5 minutes on its own;
   it writes ``unet_full.json`` after every run);
4. with ``--parts keep_edges``: chapter 13's variants (penalties, constraint, residual and
   pixel-wise head) across resolutions (``run_across_resolutions``, sizes
   ``fl.budget_sizes("full")["keep_edges"]``, about 6 minutes; ``keep_edges_full.json``).

``--parts`` chooses which of ``dip`` (items 1-2), ``unet`` and ``keep_edges`` run (default:
``dip``); the device allows about 15 minutes per session, so one session runs one or two.

Files written under ``$OUT`` (or ``--out``), at most five:

* ``dip_full.json`` -- curves, snapshots (block-averaged to ``--side`` pixels) and the TV
  reference, with the provenance: command, device, date, git commit, versions, seed;
* ``bench_dip_gpu.json`` -- the benchmark table;
* ``dip_gallery.png`` -- noise input at the paper's steps 300/600/2000/6000 and meshgrid
  input at the steps of nearest weight norm (Figure 1), with the clean, noisy and TV images;
* ``dip_curves.png`` -- PSNR and weight norm against the step for both inputs;
* ``log.txt`` -- everything printed.

Run on the device:  python scripts/gpu_experiments.py [--parts dip unet keep_edges]
Try on a CPU:       python scripts/gpu_experiments.py --tiny --parts dip unet keep_edges --out /tmp/gpu_try
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import datetime
import io
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import fscnn_lib as fl  # noqa: E402

PAPER_STEPS = {"noise": [300, 600, 2000, 6000], "meshgrid": [1000, 1400, 2600, 10300]}


class Tee(io.TextIOBase):
    """Print to the terminal and keep a copy for ``log.txt``."""

    def __init__(self, stream):
        self.stream, self.buffer = stream, io.StringIO()

    def write(self, s):
        self.stream.write(s)
        self.buffer.write(s)
        return len(s)

    def flush(self):
        self.stream.flush()


def git_commit() -> str:
    if os.environ.get("GIT_COMMIT"):
        return os.environ["GIT_COMMIT"]
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def provenance(args, device: torch.device, argv: list[str]) -> dict:
    cuda = device.type == "cuda"
    return dict(command=" ".join(["python", "scripts/gpu_experiments.py"] + argv),
                date=datetime.datetime.now().isoformat(timespec="seconds"),
                device=torch.cuda.get_device_name(device) if cuda else platform.processor() or "cpu",
                git_commit=git_commit(), torch=torch.__version__, cuda=torch.version.cuda,
                cudnn=torch.backends.cudnn.version() if cuda else None,
                numpy=np.__version__, python=platform.python_version(), seed=args.seed)


def sizes_for(args) -> dict:
    sizes = copy.deepcopy(fl.budget_sizes("full")["dip"])          # BUDGETS stays untouched
    if args.tiny:
        sizes.update(size=64, scales=3, channels=8, metrics_every=5)
    sizes["seed"] = args.seed
    sizes["metrics_every"] = 5 if args.tiny else args.metrics_every
    for name, steps in (("noise", args.noise_steps), ("meshgrid", args.meshgrid_steps)):
        run = sizes["runs"][name]
        run["steps"] = steps
        run["snapshot_steps"] = [s for s in PAPER_STEPS[name] if s < steps] + [steps - 1]
        run["snapshot_every"] = max(steps // 30, 1)
    return sizes


def kept_snapshots(exp, name: str, *, spread: int = 8) -> list[str]:
    """The snapshots worth storing: the paper's steps, the meshgrid steps of matched weight
    norm, ``spread`` evenly spaced others, the best, last and averaged outputs."""
    r = exp.runs[name]
    shots = sorted(int(k) for k in r.snapshots if k.isdigit())
    keep = {str(s) for s in shots if s in PAPER_STEPS[name]}
    keep |= {str(shots[i]) for i in np.linspace(0, len(shots) - 1, min(spread, len(shots))).astype(int)}
    if name == "meshgrid" and "noise" in exp.runs:
        for m in fl.matched_steps(exp.runs["noise"], r, PAPER_STEPS["noise"]):
            keep.add(str(min(shots, key=lambda t: abs(t - m.step_b))))
    return sorted(keep, key=int) + [k for k in r.snapshots if not k.isdigit()]


def figures(exp, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    noise, mesh = exp.runs.get("noise"), exp.runs.get("meshgrid")
    if noise is None:
        return
    keys = [k for k in noise.snapshots if k.isdigit() and int(k) in PAPER_STEPS["noise"]] or ["final"]
    top = [("clean", exp.clean.transpose(1, 2, 0)), ("noisy", exp.noisy.transpose(1, 2, 0)),
           (f"TV, weight {exp.tv.weight:.3g}", exp.tv.image)]
    top += [(f"noise input, step {k}", noise.snapshots[k]) for k in keys]
    bottom = []
    if mesh is not None:
        shots = sorted(int(k) for k in mesh.snapshots if k.isdigit())
        for m in fl.matched_steps(noise, mesh, [int(k) for k in keys if k.isdigit()] or [noise.steps[-1]]):
            s = min(shots, key=lambda t: abs(t - m.step_b))
            bottom.append((f"meshgrid, step {s} (norm {mesh.at(s, 'wnorm'):.2f})", mesh.snapshots[str(s)]))
    cols = max(len(top), len(bottom) + 3)
    fig, axes = plt.subplots(2, cols, figsize=(2.2 * cols, 4.8))
    for ax in axes.flat:
        ax.axis("off")
    for row, items in ((0, top), (1, [(None, None)] * 3 + bottom)):
        for j, (title, img) in enumerate(items):
            if img is not None:
                axes[row, j].imshow(np.clip(img, 0, 255 if img.dtype == np.uint8 else 1))
                axes[row, j].set_title(title, fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "dip_gallery.png", dpi=70)
    plt.close(fig)
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.2))
    for name, r in exp.runs.items():
        a.plot(r.steps, r.curves["psnr"], label=name)
        b.plot(r.steps, r.curves["wnorm"], label=name)
    a.axhline(exp.tv.best_psnr, color="k", ls=":", label="TV reference")
    a.set(xlabel="step", ylabel="PSNR [dB]")
    b.set(xlabel="step", ylabel=r"$\|\theta_k\|^2/\|\theta_0\|^2$")
    a.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "dip_curves.png", dpi=70)
    plt.close(fig)


# --------------------------------------------- across resolutions: U-net (S3-E2E), chapter 13
#: part -> (budget key, runner, saver, file, the keys its runs are labelled by, --tiny sizes)
RESOLUTION_PARTS = {
    "unet": ("unet", "run_unet_experiment", "save_unet_experiment", "unet_full.json", "weight_decays",
             dict(n1=16, s_values=[1, 2], weight_decays=[0.0, 0.1], train=16, test=16, fine=32,
                  channels=[4, 8], steps=[6, 3], batch=4, time_limit=None, half_width=0.12)),
    "keep_edges": ("keep_edges", "run_keep_edges_experiment", "save_keep_edges_experiment",
                   "keep_edges_full.json", "variants",
                   dict(n1=16, train=8, test=16, fine=96, channels=[4], steps=[2, 1, 1], batch=4,
                        time_limit=None, half_width=0.12)),
}


def run_across_resolutions(part: str, args, out: Path) -> None:
    """Chapter 11's U-net (``unet``, about 5 minutes) or chapter 13's variants (``keep_edges``,
    about 6 minutes) across resolutions, with the sizes of ``fl.budget_sizes("full")[part]``
    (``--tiny``: a CPU try-out at toy sizes). Each run stops at its ``time_limit``; the
    experiment is saved, with its provenance, after every run, so a killed script keeps the
    runs that finished, and the JSON records how many steps each run did.
    """
    key, runner, saver, name, labels, tiny = RESOLUTION_PARTS[part]
    sizes = copy.deepcopy(fl.budget_sizes("full")[key])
    if args.tiny:
        sizes.update(tiny)
    sizes["seed"] = args.seed
    device = torch.device(args.device)
    prov = provenance(args, device, sys.argv[1:])
    t0 = time.perf_counter()

    def save(exp) -> None:
        exp.provenance = dict(prov, seconds=round(time.perf_counter() - t0, 1))
        getattr(fl, saver)(str(out / name), exp)

    print(f"# {part} runs: {json.dumps(sizes)}", flush=True)
    exp = getattr(fl, runner)(sizes, device=device, callback=save, progress=True)
    for label in sizes[labels]:
        print(f"# {part} {label}: widths {[round(exp.width(s, label), 3) for s in sizes['s_values']]} "
              f"(pixels of s = 1), gamma {exp.gamma(label):.3f}", flush=True)
    print(f"# {part} clean widths {[round(exp.width(s), 3) for s in sizes['s_values']]}, "
          f"gamma {exp.gamma():.3f}; {time.perf_counter() - t0:.1f} s", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.environ.get("OUT", "gpu_out"))
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--tiny", action="store_true", help="a 64^2 image and a tiny network (CPU try-out)")
    parser.add_argument("--noise-steps", type=int, default=None, help="default 6000 (--tiny: 30)")
    parser.add_argument("--meshgrid-steps", type=int, default=None, help="default 10300 (--tiny: 40)")
    parser.add_argument("--metrics-every", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget-s", type=float, default=480.0)
    parser.add_argument("--side", type=int, default=128, help="side of the stored snapshots")
    parser.add_argument("--no-bench", action="store_true")
    parser.add_argument("--compile", action="store_true", help="benchmark torch.compile too")
    parser.add_argument("--parts", nargs="+", default=["dip"], choices=["dip", "unet", "keep_edges"],
                        help="which experiments to run (default: dip, with the benchmark)")
    args = parser.parse_args(argv)
    args.noise_steps = args.noise_steps or (30 if args.tiny else 6000)
    args.meshgrid_steps = args.meshgrid_steps or (40 if args.tiny else 10300)
    t_start = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tee = Tee(sys.stdout)
    device = torch.device(args.device)
    prov = provenance(args, device, sys.argv[1:] if argv is None else list(argv))
    with contextlib.redirect_stdout(tee):
        print(f"# gpu_experiments: {json.dumps(prov)}")
        if "dip" in args.parts and not args.no_bench:
            import bench_dip

            bench_args = ["--device", "cuda", "--json", str(out / "bench_dip_gpu.json")]
            bench_args += ["--cuda-size", "64", "--cuda-steps", "3", "--curve-steps", "4"] if args.tiny else []
            bench_args += ["--compile"] if args.compile else []
            if device.type == "cuda":
                bench_dip.main(bench_args)
            else:
                print("# no CUDA device: the benchmark is skipped")
        if "dip" in args.parts:
            sizes = sizes_for(args)
            left = args.budget_s - (time.perf_counter() - t_start) - 45.0      # 45 s for TV, files
            total = sum(r["steps"] for r in sizes["runs"].values())
            for r in sizes["runs"].values():
                r["time_limit"] = max(left, 10.0) * r["steps"] / total
            print(f"# DIP runs: {json.dumps(sizes['runs'])}")

            def save(exp) -> None:
                runs = {n: r.downscaled(args.side, keep=kept_snapshots(exp, n)) for n, r in exp.runs.items()}
                small = fl.DipExperiment(exp.sizes, exp.clean, exp.noisy, exp.edge, runs, exp.tv,
                                         dict(prov, seconds=time.perf_counter() - t_start))
                fl.save_experiment(str(out / "dip_full.json"), small, side=args.side)
                for name, r in list(exp.runs.items())[-1:]:
                    print(f"# {name}: {r.info['steps_done']} steps in {r.info['seconds']:.1f} s "
                          f"({r.info['steps_per_second']:.1f}/s, peak {r.info['peak_memory_mb']} MiB), "
                          f"best PSNR {max(r.curves['psnr']):.2f} dB at step {r.best_step('psnr')}, "
                          f"restores {r.restores}", flush=True)

            exp = fl.run_dip_experiments(sizes, device=device, callback=save)
            print(f"# TV reference: weight {exp.tv.weight:.4g}, PSNR {exp.tv.best_psnr:.2f} dB, "
                  f"SSIM-best weight {exp.tv.weight_ssim:.4g}")
            figures(exp, out)
        for part in RESOLUTION_PARTS:
            if part in args.parts:
                run_across_resolutions(part, args, out)
        print(f"# done in {time.perf_counter() - t_start:.1f} s")
    (out / "log.txt").write_text(tee.buffer.getvalue(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
