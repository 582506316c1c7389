"""Tests of fscnn_lib.dip: the deep image prior's network, inputs, data and weight norms.

Oracles: the parameter counts of the paper's configuration (2,217,831 / 2,183,151 in 112
tensors, counted by hand below from the layer shapes), batch normalisation written out with
the biased variance, skimage.data.astronaut() for the image, plain sums of squares.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from torch import nn

import fscnn_lib as fl
from fscnn_lib.dip import _crop_to


def counted_by_hand(cin: int, cout: int, ch: list[int], sk: list[int], bn: bool = True) -> int:
    """Parameters of the skip network from its layer shapes (conv k*k*in*out + out, BN 2c)."""
    b = 2 if bn else 0
    total, c_prev = 0, cin
    for i, (c, s) in enumerate(zip(ch, sk)):
        deeper = ch[i + 1] if i + 1 < len(ch) else c
        total += (c_prev * s + s + b * s) if s else 0                       # skip 1x1
        total += 9 * c_prev * c + c + b * c + 9 * c * c + c + b * c         # down
        total += b * (s + deeper) + 9 * (s + deeper) * c + c + b * c + c * c + c + b * c
        c_prev = c
    return total + ch[0] * cout + cout


def test_paper_parameter_counts():
    for kind, cin in (("noise", 32), ("meshgrid", 2)):
        count = fl.parameter_count(fl.SkipNet(cin, 3))
        assert (count.total, count.tensors) == fl.PAPER_PARAMETERS[kind]
    assert fl.PAPER_PARAMETERS["noise"][0] == 2_217_831 == counted_by_hand(32, 3, [128] * 5, [4] * 5)
    assert fl.PAPER_PARAMETERS["meshgrid"][0] == 2_183_151 == counted_by_hand(2, 3, [128] * 5, [4] * 5)


@pytest.mark.parametrize("ch,sk,bn", [([8, 16, 24], [4, 0, 2], True), ([6, 6], [1, 3], False)])
def test_parameter_counts_of_other_configurations(ch, sk, bn):
    net = fl.SkipNet(5, 2, scales=len(ch), channels=ch, skip_channels=sk, batch_norm=bn)
    assert fl.parameter_count(net).total == counted_by_hand(5, 2, ch, sk, bn)
    assert fl.parameter_count(net).conv_weights == sum(
        m.weight.numel() for m in net.modules() if isinstance(m, nn.Conv2d))


def test_structure_of_the_paper_network():
    net = fl.SkipNet(32, 3)
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    assert sum(m.stride == (2, 2) for m in convs) == 5
    assert all(m.bias is not None for m in convs)
    assert sorted({m.kernel_size for m in convs}) == [(1, 1), (3, 3)]
    pads = [m for m in net.modules() if isinstance(m, nn.ReflectionPad2d)]
    assert len(pads) == sum(m.kernel_size == (3, 3) for m in convs) and all(p.padding == (1,) * 4 for p in pads)
    bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(bns) == 30 and not any(b.track_running_stats for b in bns)
    assert sorted({b.num_features for b in bns}) == [4, 128, 132]
    assert not list(net.buffers())
    assert {m.negative_slope for m in net.modules() if isinstance(m, nn.LeakyReLU)} == {0.2}
    assert {m.mode for m in net.modules() if isinstance(m, nn.Upsample)} == {"bilinear"}


@pytest.mark.parametrize("shape", [(32, 32), (36, 52), (45, 33)])
def test_output_shape_and_range_with_centre_crops(shape):
    net = fl.SkipNet(2, 3, scales=3, channels=4)
    y = net(torch.rand(1, 2, *shape))
    assert tuple(y.shape) == (1, 3, *shape)
    assert bool(((y > 0) & (y < 1)).all())


def test_crop_takes_the_centre():
    x = torch.arange(7 * 8.0).reshape(1, 1, 7, 8)
    assert torch.equal(_crop_to(x, 5, 4), x[..., 1:6, 2:6])
    assert torch.equal(_crop_to(x, 7, 8), x)


def test_batch_norm_uses_the_statistics_of_the_one_image():
    torch.manual_seed(0)
    net = fl.SkipNet(2, 3, scales=2, channels=4)
    bn = next(m for m in net.modules() if isinstance(m, nn.BatchNorm2d))
    with torch.no_grad():
        bn.weight.uniform_(0.5, 2.0)
        bn.bias.uniform_(-1.0, 1.0)
    x = 3.0 * torch.randn(1, bn.num_features, 9, 7) + 1.0
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    var = ((x - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)          # biased, Def. A.1
    want = bn.weight[:, None, None] * (x - mean) / torch.sqrt(var + 1e-5) + bn.bias[:, None, None]
    assert_allclose(bn(x).detach().numpy(), want.detach().numpy(), rtol=1e-5, atol=1e-5)
    z = torch.rand(1, 2, 16, 16)
    y = net(z)
    net.eval()
    assert torch.equal(net(z), y)


def test_batch_norm_cancels_the_scale_of_each_convolution():
    net = fl.SkipNet(2, 3, scales=2, channels=6, skip_channels=2)
    z = fl.dip_input("meshgrid", (16, 16))
    y = net(z).detach()
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    for m in convs:
        with torch.no_grad():
            m.weight.mul_(3.0)
            m.bias.add_(0.5)
        changed = float((net(z).detach() - y).abs().max())
        with torch.no_grad():
            m.bias.sub_(0.5)
            m.weight.div_(3.0)
        if m is net.head:                     # the output convolution has no BN after it
            assert changed > 0.05
        else:
            assert changed < 1e-3
    plain = fl.SkipNet(2, 3, scales=2, channels=6, skip_channels=2, batch_norm=False)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in plain.modules())
    w = plain.body.down[0][1].weight
    with torch.no_grad():
        y0 = plain(z)
        w.mul_(3.0)
        assert float((plain(z) - y0).abs().max()) > 1e-3 and float(y0.std()) > 1e-3


def test_seeded_initialisation_leaves_the_global_generator_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    a = fl.SkipNet(2, 3, scales=2, channels=4, seed=7)
    assert torch.equal(torch.rand(3), expected)
    b = fl.SkipNet(2, 3, scales=2, channels=4, seed=7)
    c = fl.SkipNet(2, 3, scales=2, channels=4, seed=8)
    pa, pb, pc = (torch.cat([p.flatten() for p in n.parameters()]) for n in (a, b, c))
    assert torch.equal(pa, pb) and not torch.equal(pa, pc)


def test_dip_input_noise_and_meshgrid(device):
    z = fl.dip_input("noise", (20, 12), seed=3, device=device, dtype=torch.float64)
    assert tuple(z.shape) == (1, 32, 20, 12) and z.device.type == device.type
    assert float(z.min()) >= 0.0 and float(z.max()) < 0.1
    assert abs(float(z.mean()) - 0.05) < 0.003
    assert torch.equal(z.cpu(), fl.dip_input("noise", (20, 12), seed=3, dtype=torch.float64))
    assert not torch.equal(z.cpu(), fl.dip_input("noise", (20, 12), seed=4, dtype=torch.float64))
    m = fl.dip_input("meshgrid", (5, 3), device=device)
    assert tuple(m.shape) == (1, 2, 5, 3) and m.dtype == torch.float32
    assert_allclose(m[0, 0].cpu().numpy(), np.tile([0.0, 0.5, 1.0], (5, 1)))
    assert_allclose(m[0, 1].cpu().numpy(), np.tile(np.arange(5)[:, None] / 4, (1, 3)))


def test_dip_image_is_the_block_averaged_bundled_astronaut():
    from skimage import data

    raw = data.astronaut().astype(np.float64) / 255.0
    u = fl.dip_image("astronaut", 64)
    assert u.shape == (3, 64, 64)
    assert_allclose(u[:, 5, 9], raw[40:48, 72:80].mean(axis=(0, 1)), rtol=1e-12)
    assert fl.dip_image("camera", 32).shape == (1, 32, 32)
    assert fl.dip_image("coffee", 50).shape == (3, 50, 50)


def test_corrupt_follows_the_paper_noise_model():
    u = np.linspace(0.2, 0.6, 3 * 64 * 64).reshape(3, 64, 64)
    f = fl.corrupt(u, seed=5)
    assert abs(float((f - u).std()) - 0.1 * 0.4) < 0.002
    assert np.array_equal(f, fl.corrupt(u, seed=5))
    g = fl.corrupt(np.r_[np.zeros(500), np.ones(500)].reshape(1, 20, 50), seed=0)
    assert g.min() == 0.0 and g.max() == 1.0


def test_weight_norm_squared_sums_squares():
    net = fl.SkipNet(3, 3, scales=2, channels=5)
    all_sq = sum(float((p.detach().double() ** 2).sum()) for p in net.parameters())
    conv_sq = sum(float((m.weight.detach().double() ** 2).sum()) for m in net.modules() if isinstance(m, nn.Conv2d))
    assert_allclose(fl.weight_norm_squared(net), all_sq, rtol=1e-12)
    assert_allclose(fl.weight_norm_squared(net, which="conv"), conv_sq, rtol=1e-12)


def test_validation():
    with pytest.raises(TypeError, match="in_channels must be an int"):
        fl.SkipNet(2.0)
    with pytest.raises(ValueError, match="scales must be >= 1"):
        fl.SkipNet(2, 3, scales=0)
    with pytest.raises(ValueError, match="channels must have one entry per scale"):
        fl.SkipNet(2, 3, scales=2, channels=[4, 4, 4])
    with pytest.raises(ValueError, match="skip_channels must be >= 0"):
        fl.SkipNet(2, 3, scales=2, skip_channels=-1)
    with pytest.raises(ValueError, match="upsample must be one of"):
        fl.SkipNet(2, 3, upsample="bicubic")
    with pytest.raises(TypeError, match="batch_norm must be a bool"):
        fl.SkipNet(2, 3, batch_norm=1)
    with pytest.raises(ValueError, match="negative_slope must be >= 0"):
        fl.SkipNet(2, 3, negative_slope=-0.1)
    net = fl.SkipNet(2, 3, scales=3, channels=4)
    with pytest.raises(TypeError, match="z must be a torch.Tensor"):
        net(np.zeros((1, 2, 32, 32)))
    with pytest.raises(ValueError, match=r"z must have shape \(B, 2, H, W\)"):
        net(torch.zeros(1, 3, 32, 32))
    with pytest.raises(ValueError, match="at least 16 pixels"):
        net(torch.zeros(1, 2, 32, 8))
    with pytest.raises(TypeError, match="net must be a torch.nn.Module"):
        fl.parameter_count([1, 2])
    with pytest.raises(ValueError, match="which must be one of"):
        fl.weight_norm_squared(net, which="bn")
    with pytest.raises(ValueError, match="kind must be one of"):
        fl.dip_input("rand", (8, 8))
    with pytest.raises(TypeError, match="shape must be a pair"):
        fl.dip_input("noise", 8)
    with pytest.raises(ValueError, match="shape must be >= 2"):
        fl.dip_input("noise", (8, 1))
    with pytest.raises(TypeError, match="dtype must be torch.float32"):
        fl.dip_input("noise", (8, 8), dtype=torch.float16)
    with pytest.raises(ValueError, match="scale must be positive"):
        fl.dip_input("noise", (8, 8), scale=0.0)
    with pytest.raises(ValueError, match="name must be one of the bundled images"):
        fl.dip_image("f16")
    with pytest.raises(TypeError, match="name must be a str"):
        fl.dip_image(3)
    with pytest.raises(ValueError, match="size must be at most"):
        fl.dip_image("astronaut", 600)
    with pytest.raises(TypeError, match="clean must be a numpy.ndarray"):
        fl.corrupt(torch.zeros(3, 8, 8))
    with pytest.raises(ValueError, match="level must be >= 0"):
        fl.corrupt(np.zeros((3, 8, 8)), level=-0.1)
