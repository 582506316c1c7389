"""Tests of fscnn_lib.config: budget, sizes, seeding, device choice."""

import numpy as np
import pytest
import torch

import fscnn_lib as fl


def test_budget_default_and_env():
    """The budget is quick by default and read from FSCNN_BUDGET (case and blanks ignored)."""
    assert fl.budget(env={}) == "quick"
    assert fl.budget(env={"FSCNN_BUDGET": ""}) == "quick"
    assert fl.budget(env={"FSCNN_BUDGET": " Full "}) == "full"


def test_budget_reads_os_environ(monkeypatch):
    monkeypatch.setenv("FSCNN_BUDGET", "full")
    assert fl.budget() == "full"
    assert fl.budget_sizes()["image_size"] == fl.BUDGETS["full"]["image_size"]


def test_budget_rejects_unknown():
    with pytest.raises(ValueError, match="FSCNN_BUDGET must be one of"):
        fl.budget(env={"FSCNN_BUDGET": "medium"})


def test_budget_sizes_copy_and_order():
    """budget_sizes returns a copy; the full budget is at least as large as the quick one."""
    quick, full = fl.budget_sizes("quick"), fl.budget_sizes("full")
    quick["image_size"] = -1
    assert fl.BUDGETS["quick"]["image_size"] > 0
    for key in ("image_size", "dip_iterations", "unet_epochs", "widget_frames"):
        assert full[key] >= fl.BUDGETS["quick"][key]
    assert set(fl.BUDGETS["quick"]["h_exponents"]) <= set(full["h_exponents"])
    with pytest.raises(ValueError, match="name must be one of"):
        fl.budget_sizes("huge")


def test_seed_everything_reproducible():
    g1 = fl.seed_everything(7)
    a = (np.random.rand(3), torch.rand(3), torch.rand(3, generator=g1))
    g2 = fl.seed_everything(7)
    b = (np.random.rand(3), torch.rand(3), torch.rand(3, generator=g2))
    np.testing.assert_array_equal(a[0], b[0])
    assert torch.equal(a[1], b[1]) and torch.equal(a[2], b[2])
    fl.seed_everything(np.int64(2**40))  # large seeds are reduced for NumPy


@pytest.mark.parametrize("bad, exc, msg", [(1.5, TypeError, "seed must be an int"), (True, TypeError, "seed must be an int"),
                                           (-1, ValueError, "seed must be >= 0")])
def test_seed_everything_rejects(bad, exc, msg):
    with pytest.raises(exc, match=msg):
        fl.seed_everything(bad)


def test_default_device():
    assert fl.default_device("cpu") == torch.device("cpu")
    assert fl.default_device().type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="prefer must be None"):
        fl.default_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device"):
            fl.default_device("cuda")
