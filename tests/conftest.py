"""Shared pytest set-up: a headless matplotlib, the quick budget, a device fixture."""

from __future__ import annotations

import os

# The quick budget, also for the kernels that nbval starts (they inherit the environment).
os.environ.setdefault("FSCNN_BUDGET", "quick")

import matplotlib  # noqa: E402

# Headless figures in this process only: an MPLBACKEND variable would reach nbval's
# kernels and replace their inline backend, and their figures would vanish.
matplotlib.use("Agg")

import pytest  # noqa: E402
import torch  # noqa: E402

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.fixture(params=DEVICES)
def device(request) -> torch.device:
    """Each test that takes ``device`` runs on the CPU and, where present, on CUDA."""
    return torch.device(request.param)


@pytest.fixture(autouse=True)
def _close_figures():
    """Close the figures a test leaves open, so that tests do not leak memory."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
