"""Run budget, device choice and seeding.

Every chapter reads its sizes from :func:`budget`. Two budgets exist:

``quick``
    small images and few iterations, so that a chapter executes on two CPU
    cores in CI within its time budget (this is the default);
``full``
    the paper's setting, meant for a GPU (deep image prior, U-net).

The budget is chosen by the environment variable ``FSCNN_BUDGET``.

Examples
--------
>>> import fscnn_lib as fl
>>> fl.budget(env={})
'quick'
>>> fl.budget_sizes("quick")["dip_iterations"] < fl.budget_sizes("full")["dip_iterations"]
True
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping

import numpy as np
import torch

from ._validate import check_int

__all__ = ["BUDGETS", "budget", "budget_sizes", "seed_everything", "default_device"]

#: Sizes each chapter reads from the budget. ``h_exponents`` are the k in h = 2^-k
#: used for resolution studies.
BUDGETS: dict[str, dict[str, object]] = {
    "quick": {
        "h_exponents": (5, 6, 7, 8),
        "image_size": 64,
        "dip_iterations": 300,
        "unet_epochs": 2,
        "widget_frames": 8,
        # deep image prior (fscnn_lib.dip_fit.run_dip_experiments): a small skip network
        "dip": {
            "image": "astronaut", "size": 48, "noise_level": 0.1, "seed": 0,
            "scales": 4, "channels": 32, "skip_channels": 4, "metrics_every": 25,
            "tv_weights": None,
            "runs": {
                "noise": {"kind": "noise", "steps": 2000, "snapshot_every": 25},
                "meshgrid": {"kind": "meshgrid", "steps": 2900, "snapshot_every": 25},
                "noise_wd4": {"kind": "noise", "steps": 1500, "weight_decay": 1e-4,
                              "snapshot_every": 100},
                "noise_wd": {"kind": "noise", "steps": 1500, "weight_decay": 1e-3,
                             "snapshot_every": 100},
            },
            # extra seeds of the noise run, for the run-to-run spread of the peak PSNR
            "seed_runs": {"seeds": [1, 2], "steps": 800},
        },
        # end-to-end U-net across resolutions (fscnn_lib.unet.run_unet_experiment)
        "unet": {
            "n1": 32, "s_values": [1, 2, 3], "weight_decays": [0.0, 1e-3, 1e-1],
            "train": 256, "test": 96, "fine": 384, "noise": 0.07, "channels": [8, 16],
            "batch_norm": False, "batch": 4, "steps": [1400, 160, 90], "lr": [3e-3, 1e-3, 1e-3],
            "warm_start": True, "seed": 0, "half_width": 0.15, "min_contrast": 0.25,
            "method": "direct", "window": 0.5, "time_limit": None,
        },
        # what keeps edges (fscnn_lib.keep_edges.run_keep_edges_experiment), chapter 13
        "keep_edges": {
            "n1": 32, "s_values": [1, 2, 3], "train": 128, "test": 48, "fine": 384, "noise": 0.07,
            "channels": [8], "batch": 4, "steps": [500, 80, 40], "lr": [3e-3, 1e-3, 1e-3],
            "warm_start": True, "seed": 0, "half_width": 0.15, "min_contrast": 0.25,
            "method": "direct", "time_limit": None, "hidden": 16, "flat_margin": 0.05,
            "variants": ["none", "l2", "l1", "spectral", "tv", "residual", "pixel_head"],
            "strengths": {"l2": 1e-3, "l1": 2e-4, "spectral": 2.0, "tv": 1e-3},
        },
    },
    "full": {
        "h_exponents": (5, 6, 7, 8, 9, 10),
        "image_size": 256,
        "dip_iterations": 20000,
        "unet_epochs": 100,
        "widget_frames": 12,
        # deep image prior: the paper's network and image size (GPU)
        "dip": {
            "image": "astronaut", "size": 512, "noise_level": 0.1, "seed": 0,
            "scales": 5, "channels": 128, "skip_channels": 4, "metrics_every": 50,
            "tv_weights": None,
            "runs": {
                "noise": {"kind": "noise", "steps": 3000, "snapshot_every": 100,
                          "snapshot_steps": [300, 600, 2000]},
                "meshgrid": {"kind": "meshgrid", "steps": 3000, "snapshot_every": 100,
                             "snapshot_steps": [1000, 1400, 2600]},
            },
        },
        # end-to-end U-net: the authors' setting scaled down to a few GPU minutes
        "unet": {
            "n1": 128, "s_values": [1, 2, 3], "weight_decays": [0.0, 1e-3, 1e-2, 1e-1],
            "train": 2000, "test": 200, "fine": 768, "noise": 0.07, "channels": [16, 32, 64, 128],
            "batch_norm": True, "batch": 32, "steps": [4000, 1500, 1500], "lr": [1e-3, 3e-4, 3e-4],
            "warm_start": True, "seed": 0, "half_width": 0.1, "min_contrast": 0.25,
            "method": "direct", "window": 0.2, "time_limit": [30.0, 15.0, 25.0],
        },
        # what keeps edges: 7 variants x 3 resolutions, about 6 GPU minutes in all
        "keep_edges": {
            "n1": 64, "s_values": [1, 2, 3], "train": 1000, "test": 100, "fine": 768, "noise": 0.07,
            "channels": [16, 32], "batch": 16, "steps": [3000, 1500, 1500], "lr": [2e-3, 5e-4, 5e-4],
            "warm_start": True, "seed": 0, "half_width": 0.12, "min_contrast": 0.25,
            "method": "direct", "time_limit": [15.0, 12.0, 20.0], "hidden": 16, "flat_margin": 0.04,
            "variants": ["none", "l2", "l1", "spectral", "tv", "residual", "pixel_head"],
            "strengths": {"l2": 1e-3, "l1": 2e-4, "spectral": 2.0, "tv": 1e-3},
        },
    },
}


def budget(env: Mapping[str, str] | None = None) -> str:
    """Return the run budget, ``"quick"`` or ``"full"``.

    Parameters
    ----------
    env : mapping, optional
        Where to read ``FSCNN_BUDGET`` from; defaults to ``os.environ``.

    Returns
    -------
    str
        ``"quick"`` (the default when the variable is unset) or ``"full"``.

    Raises
    ------
    ValueError
        If ``FSCNN_BUDGET`` holds anything else.
    """
    env = os.environ if env is None else env
    value = env.get("FSCNN_BUDGET", "quick").strip().lower() or "quick"
    if value not in BUDGETS:
        raise ValueError(
            f"FSCNN_BUDGET must be one of {sorted(BUDGETS)}, got {value!r}; "
            "unset it for the quick budget"
        )
    return value


def budget_sizes(name: str | None = None) -> dict[str, object]:
    """Return the sizes of a budget (a copy), by default of the current one.

    Parameters
    ----------
    name : {"quick", "full"}, optional
        The budget; defaults to :func:`budget`.

    Raises
    ------
    ValueError
        If ``name`` is not a known budget.
    """
    name = budget() if name is None else name
    if name not in BUDGETS:
        raise ValueError(f"name must be one of {sorted(BUDGETS)}, got {name!r}")
    return dict(BUDGETS[name])


def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and torch, and return a seeded ``torch.Generator``.

    Parameters
    ----------
    seed : int
        A non-negative integer.

    Returns
    -------
    torch.Generator
        A CPU generator seeded with ``seed``, for code that takes ``generator=``.

    Raises
    ------
    TypeError
        If ``seed`` is not an integer.
    ValueError
        If ``seed`` is negative.

    Examples
    --------
    >>> a = seed_everything(3); x = torch.rand(2, generator=a)
    >>> b = seed_everything(3); bool(torch.equal(x, torch.rand(2, generator=b)))
    True
    """
    seed = check_int(seed, "seed", minimum=0)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    gen = torch.Generator()
    gen.manual_seed(seed)
    return gen


def default_device(prefer: str | None = None) -> torch.device:
    """Return the device to compute on: CUDA when present (and not refused), else CPU.

    Parameters
    ----------
    prefer : {"cpu", "cuda"}, optional
        Force a device; ``"cuda"`` raises when no GPU is present.

    Raises
    ------
    ValueError
        If ``prefer`` is not ``None``, ``"cpu"`` or ``"cuda"``, or ``"cuda"`` is asked for
        on a machine without a GPU.
    """
    if prefer not in (None, "cpu", "cuda"):
        raise ValueError(f"prefer must be None, 'cpu' or 'cuda', got {prefer!r}")
    if prefer == "cuda" and not torch.cuda.is_available():
        raise ValueError("prefer='cuda' but no CUDA device is available; use prefer='cpu'")
    if prefer == "cpu":
        return torch.device("cpu")
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
