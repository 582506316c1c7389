"""Tests of fscnn_lib.architecture, fscnn_lib.batchnorm and Theorem 2.7's guarantee."""

import pytest
import torch

import fscnn_lib as fl


@pytest.mark.parametrize(
    "L, skips, counts",
    [(1, [], (1,)), (3, [], (3,)), (3, [(1, 3)], (1, 3)), (3, [(2, 3)], (2, 3)), (3, [(1, 2), (2, 3)], (1, 2, 3)), (4, [(1, 4)], (1, 4))],
)
def test_conv_path_counts_by_hand(L, skips, counts):
    assert fl.conv_path_counts(L, skips) == counts


def test_guaranteed_regularity_levels_and_method_agree():
    assert fl.REGULARITY_LEVELS == ("none", "C", "C^1")
    cases = [(1, [], "none", "none"), (2, [], "C", "C^1"), (3, [(2, 3)], "C", "C"), (3, [(1, 2)], "C", "C^1"),
             (2, [(1, 2)], "none", "none")]
    for L, skips, measure, bv in cases:
        assert fl.guaranteed_regularity(L, skips, "measure") == measure
        assert fl.guaranteed_regularity(L, skips, "bv") == bv
        net = fl.FsCNN.random(channels=[1] * (L + 1), half_widths=[0.125] * L, skips=skips)
        assert (net.guaranteed_regularity("measure"), net.guaranteed_regularity("bv")) == (measure, bv)
    with pytest.raises(ValueError, match="input_kind"):
        fl.guaranteed_regularity(2, [], "smooth")


@pytest.mark.parametrize(
    "skips, exc, msg",
    [([(0, 2)], ValueError, "1 <= from_layer"), ([(1, 1)], ValueError, "1 <= from_layer"),
     ([(1, 2), (1, 2)], ValueError, "twice"), ([(1.0, 2)], TypeError, "pair of ints"), ([(True, 2)], TypeError, "pair"),
     ([(1, 2, 3)], TypeError, "pair"), ("12", TypeError, "pairs"), ([(1, 2)], ValueError, "equal channel")],
)
def test_check_skips_rejects(skips, exc, msg):
    channels = [1, 2, 3] if msg == "equal channel" else [1, 2, 2]
    with pytest.raises(exc, match=msg):
        fl.check_skips(skips, channels)


def test_batch_norm_step_is_function_space_normalisation():
    g = torch.Generator().manual_seed(3)
    y = torch.randn(3, 2, 9, 9, dtype=torch.float64, generator=g)
    one, zero = torch.ones(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64)
    rm, rv = zero.clone(), one.clone()
    z = fl.batch_norm_step(y, 1 / 8, 2 * one, one, rm, rv, training=True, momentum=1.0, eps=1e-12)
    w = fl.node_weights(9, 1 / 8, y)
    assert float(w.sum()) == pytest.approx(1.0)
    mean = (z * w).sum(dim=(0, 2, 3)) / 3
    var = (((z - mean[:, None, None]) ** 2) * w).sum(dim=(0, 2, 3)) / 3
    torch.testing.assert_close(mean, one)  # beta
    torch.testing.assert_close(var, 4 * one)  # gamma^2
    # momentum 1: the running statistics are the batch's; eval reproduces the training output
    z_eval = fl.batch_norm_step(y, 1 / 8, 2 * one, one, rm, rv, training=False, eps=1e-12)
    torch.testing.assert_close(z_eval, z)
