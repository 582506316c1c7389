"""Shared pytest set-up: a headless matplotlib, the quick budget, a device fixture, one torch thread."""

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


@pytest.fixture
def one_torch_thread():
    """One torch thread for the test: many small tensor operations run faster on one thread
    than on two on a shared machine (tests/test_unet.py and tests/test_keep_edges.py)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
