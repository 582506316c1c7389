"""Tests of fscnn_lib.sampling: eqs. (3), (4), (6), (7), Assumption 3.1 and its counterexamples (EN-11, EN-14)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import fscnn_lib as fl

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.fixture(params=DEVICES)
def device(request):
    return torch.device(request.param)


@pytest.mark.parametrize("s", [1, 2, 3])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_downsample_matches_torch_pooling(s, dtype, device):
    """S3-DOWN check: max/average/stride agree with F.max_pool2d, F.avg_pool2d and slicing, on (B, C, sN, sM)."""
    x = torch.randn(2, 3, 6 * s, 4 * s, generator=torch.Generator().manual_seed(s), dtype=dtype).to(device)
    got_max = fl.downsample(x, s, mode="max")
    assert got_max.dtype == dtype and got_max.device.type == device.type
    torch.testing.assert_close(got_max, F.max_pool2d(x, s))
    torch.testing.assert_close(fl.downsample(x, s, mode="average"), F.avg_pool2d(x, s))
    torch.testing.assert_close(fl.downsample(x, s, mode="stride"), x[..., ::s, ::s])
    xn = x.cpu().numpy()
    np.testing.assert_allclose(fl.downsample(xn, s, mode="max"), F.max_pool2d(x, s).cpu().numpy())
    np.testing.assert_allclose(fl.downsample(xn, s, mode="average"), F.avg_pool2d(x, s).cpu().numpy(), rtol=1e-5, atol=1e-6)
    out = fl.downsample(xn, s, mode="stride")
    np.testing.assert_array_equal(out, xn[..., ::s, ::s])
    assert out.flags.c_contiguous and not np.shares_memory(out, xn)


def test_downsample_formula_3():
    """Eq. (3) with 0-based indices: (D_s U)_{ij} = f(U_{si+k, sj+l}), written as loops."""
    rng = np.random.default_rng(0)
    U = rng.normal(size=(6, 9))
    s = 3
    D = fl.downsample(U, s, mode="max")
    for i in range(2):
        for j in range(3):
            assert D[i, j] == max(U[s * i + k, s * j + l] for k in range(s) for l in range(s))  # noqa: E741


@pytest.mark.parametrize(
    "u, s, mode, exc, msg",
    [
        (np.ones((4, 6)), 4, "max", ValueError, "must be divisible by s = 4"),
        (np.ones((4, 6)), 0, "max", ValueError, "s must be >= 1"),
        (np.ones((4, 6)), -2, "max", ValueError, "s must be >= 1"),
        (np.ones((4, 6)), 2.0, "max", TypeError, "s must be an int"),
        (np.ones((4, 6)), 2, "median", ValueError, "mode must be one of"),
        (np.ones((4, 6), dtype=np.int64), 2, "max", TypeError, "dtype float32 or float64"),
        (np.full((4, 6), np.nan), 2, "max", ValueError, "finite"),
        (np.ones(6), 2, "max", ValueError, "at least 2 dimensions"),
    ],
)
def test_downsample_rejects(u, s, mode, exc, msg):
    with pytest.raises(exc, match=msg):
        fl.downsample(u, s, mode=mode)


def test_modes_are_keyword_only():
    with pytest.raises(TypeError):
        fl.downsample(np.ones((2, 2)), 2, "max")
    with pytest.raises(TypeError):
        fl.upsample(np.ones((2, 2)), 2)


@pytest.mark.parametrize("s", [1, 2, 3])
def test_upsample_nearest_matches_interpolate(s, device):
    """S3-UP check: constant g equals F.interpolate(mode="nearest")."""
    x = torch.randn(2, 1, 5, 4, generator=torch.Generator().manual_seed(3), dtype=torch.float64).to(device)
    torch.testing.assert_close(fl.upsample(x, s, mode="nearest"), F.interpolate(x, scale_factor=s, mode="nearest"))
    np.testing.assert_array_equal(fl.upsample(x.cpu().numpy(), s, mode="nearest"), F.interpolate(x, scale_factor=s, mode="nearest").cpu().numpy())


def bilinear_formula(U, s):
    """Eq. (4) with bilinear g, written out with constant extension U_{N,j} := U_{N-1,j}."""
    N, M = U.shape
    E = np.pad(U, ((0, 1), (0, 1)), mode="edge")
    out = np.zeros((N * s, M * s))
    for i in range(N):
        for j in range(M):
            for k in range(s):
                for l in range(s):  # noqa: E741
                    a, b = k / s, l / s
                    out[s * i + k, s * j + l] = ((1 - a) * (1 - b) * E[i, j] + a * (1 - b) * E[i + 1, j]
                                                 + (1 - a) * b * E[i, j + 1] + a * b * E[i + 1, j + 1])
    return out


@pytest.mark.parametrize("s", [2, 3, 4])
def test_upsample_bilinear_closed_form(s):
    rng = np.random.default_rng(s)
    U = rng.normal(size=(4, 5))
    np.testing.assert_allclose(fl.upsample(U, s, mode="bilinear"), bilinear_formula(U, s), atol=1e-14)
    t = fl.upsample(torch.from_numpy(U).float(), s, mode="bilinear")
    assert t.dtype == torch.float32
    np.testing.assert_allclose(t.numpy(), bilinear_formula(U, s), rtol=1e-5, atol=1e-6)
    # batched leading dims
    B = rng.normal(size=(2, 3, 4, 5))
    np.testing.assert_allclose(fl.upsample(B, s, mode="bilinear")[1, 2], bilinear_formula(B[1, 2], s), atol=1e-14)


def test_upsample_bilinear_reproduces_affine_in_the_interior():
    """Bilinear interpolation is exact for affine data away from the far boundary (corner-aligned, EN-11)."""
    i, j = np.meshgrid(np.arange(6.0), np.arange(5.0), indexing="ij")
    U = 2 * i - 3 * j + 1
    s = 4
    V = fl.upsample(U, s, mode="bilinear")
    fi, fj = np.meshgrid(np.arange(6 * s) / s, np.arange(5 * s) / s, indexing="ij")
    inner = (fi <= 5) & (fj <= 4)
    np.testing.assert_allclose(V[inner], (2 * fi - 3 * fj + 1)[inner], atol=1e-12)


def test_bilinear_differs_from_torch_by_half_pixel_shift():
    """EN-11: torch's bilinear (align_corners=False) is not eq. (4); on smooth data they differ by O(h)."""
    diffs = []
    for n in (16, 32, 64):
        x = (np.arange(n) + 0.5) / n
        U = np.sin(2 * np.pi * x)[:, None] * np.cos(2 * np.pi * x)[None, :]
        ours = fl.upsample(U, 2, mode="bilinear")
        theirs = F.interpolate(torch.from_numpy(U)[None, None], scale_factor=2, mode="bilinear", align_corners=False)[0, 0].numpy()
        diffs.append(np.abs(ours - theirs)[2:-2, 2:-2].max())
    assert diffs[0] > 0.05 and diffs[0] / diffs[1] > 1.8 and diffs[1] / diffs[2] > 1.8


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("s", [2, 3])
def test_stride_after_upsample_is_identity(mode, s):
    """S3-Uh check: D_s o U_s = id for stride f and nearest or bilinear g (both give g(V)_00 = V_00)."""
    U = np.random.default_rng(5).normal(size=(2, 4, 6))
    np.testing.assert_allclose(fl.downsample(fl.upsample(U, s, mode=mode), s, mode="stride"), U, atol=1e-15)


def test_average_after_bilinear_defect_is_order_h():
    """S3-Uh check: (bilinear, average) is not the identity, but the defect is O(h) for smooth data."""
    defects = []
    for n in (16, 32, 64):
        x = (np.arange(n) + 0.5) / n
        U = np.sin(2 * x)[:, None] + np.cos(3 * x)[None, :]
        defects.append(np.abs(fl.downsample(fl.upsample(U, 2, mode="bilinear"), 2, mode="average") - U)[:-1, :-1].max())
    assert defects[0] > 0 and 1.8 < defects[0] / defects[1] < 2.2 and 1.8 < defects[1] / defects[2] < 2.2


def test_cubic_kernel_properties():
    """Keys' kernel interpolates, sums to one, is negative on (1, 2) and agrees on numpy and torch."""
    t = np.linspace(0, 1, 11, endpoint=False)
    total = sum(fl.cubic_kernel(t - m) for m in (-1, 0, 1, 2))
    np.testing.assert_allclose(total, 1.0, atol=1e-15)
    assert fl.cubic_kernel(0.0) == 1.0 and fl.cubic_kernel(1.0) == 0.0 and fl.cubic_kernel(2.5) == 0.0
    assert fl.cubic_kernel(1.5) < 0
    x = np.linspace(-3, 3, 61)
    np.testing.assert_allclose(fl.cubic_kernel(torch.from_numpy(x)).numpy(), fl.cubic_kernel(x))
    np.testing.assert_allclose(fl.cubic_kernel(x, a=-0.75)[x == 1.5], [-0.09375])


def test_upsample_bicubic_formula_and_overshoot():
    """Bicubic upsampling (Keys, a = -0.5) written out in 1-D, and its overshoot at a step (S3-A3.1 teaching hook)."""
    u = np.array([0.0, 0.0, 1.0, 1.0, 1.0, 0.0])
    s = 4
    V = fl.upsample(u[None, :], s, mode="bicubic")[0]
    N = len(u)
    for i in range(N):
        for k in range(s):
            want = sum(u[min(max(i + m, 0), N - 1)] * fl.cubic_kernel(k / s - m) for m in (-1, 0, 1, 2))
            assert V[s * i + k] == pytest.approx(want)
    assert V.max() > 1.0 and V.min() < 0.0   # overshoot and undershoot
    bil = fl.upsample(u[None, :], s, mode="bilinear")[0]
    assert bil.max() <= 1.0 and bil.min() >= 0.0
    t = fl.upsample(torch.from_numpy(u)[None, :], s, mode="bicubic")[0]
    np.testing.assert_allclose(t.numpy(), V)


@pytest.mark.parametrize(
    "s, mode, exc, msg",
    [(0, "nearest", ValueError, "s must be >= 1"), (-1, "bilinear", ValueError, "s must be >= 1"),
     (1.5, "nearest", TypeError, "s must be an int"), (2, "area", ValueError, "mode must be one of")],
)
def test_upsample_rejects(s, mode, exc, msg):
    with pytest.raises(exc, match=msg):
        fl.upsample(np.ones((2, 2)), s, mode=mode)


def test_upsample_s1_is_a_copy():
    U = np.ones((2, 3))
    V = fl.upsample(U, 1, mode="bilinear")
    np.testing.assert_array_equal(U, V)
    assert not np.shares_memory(U, V)


# ----------------------------------------------------------------------- Assumption 3.1

@pytest.mark.parametrize("name", ["max", "average", "stride", "min", "median", "nearest", "bilinear"])
@pytest.mark.parametrize("s", [2, 3])
def test_assumption_31_holds(name, s):
    """S3-A3.1 check: zero violations for max/mean/stride/min/median pooling and nearest/bilinear upsampling."""
    rep = fl.check_assumption_31(name, s=s, trials=3000, seed=s)
    assert rep.violations == 0 and rep.ok and rep.worst_excess <= 1e-12
    assert "holds" in repr(rep)


@pytest.mark.parametrize("name, signed", [("sum", False), ("sum", True), ("l2", True), ("bicubic", True), ("bicubic", False)])
def test_assumption_31_counterexamples(name, signed):
    """Sum pooling, L2 pooling on signed data and bicubic upsampling violate Assumption 3.1 quickly."""
    rep = fl.check_assumption_31(name, trials=200, signed=signed)
    assert rep.violations > 0 and not rep.ok and rep.worst_excess > 0.01
    assert "violated" in repr(rep)
    if rep.kind == "down":
        lo, hi = rep.worst_input.min(), rep.worst_input.max()
        assert float(rep.worst_output) > hi or float(rep.worst_output) < lo
        assert rep.worst_input.shape == (2, 2)
    else:
        assert rep.worst_output.shape == (2, 2)
        assert rep.worst_output.max() > rep.worst_input.max() or rep.worst_output.min() < rep.worst_input.min()


def test_assumption_31_l2_on_nonnegative_data_holds():
    assert fl.check_assumption_31("l2", signed=False, trials=500).ok


def test_assumption_31_with_callables():
    """A user operator (a convex combination, and a sharpening one) tested through the callable interface."""
    mix = lambda x: 0.3 * fl.downsample(x, 2, mode="max") + 0.7 * fl.downsample(x, 2, mode="average")  # noqa: E731
    assert fl.check_assumption_31(mix, kind="down", trials=500).ok
    sharpen = lambda x: 1.5 * fl.upsample(x, 2, mode="bilinear") - 0.5 * fl.upsample(x, 2, mode="nearest")  # noqa: E731
    rep = fl.check_assumption_31(sharpen, kind="up", trials=500)
    assert rep.violations > 0 and rep.candidate == "<lambda>"


@pytest.mark.parametrize(
    "args, kwargs, exc, msg",
    [
        (("max",), {"kind": "up"}, ValueError, "is a downsampling operator"),
        ((lambda x: x,), {}, ValueError, "kind must be given"),
        ((lambda x: x,), {"kind": "sideways"}, ValueError, "kind must be one of"),
        ((lambda x: x,), {"kind": "down"}, ValueError, "must map shape"),
        ((lambda x: np.full((x.shape[0], 4, 4), np.nan),), {"kind": "down"}, ValueError, "NaN or inf"),
        (("lanczos",), {}, ValueError, "candidate must be one of"),
        ((3,), {}, TypeError, "candidate must be a built-in name or a callable"),
        (("max",), {"trials": 0}, ValueError, "trials must be >= 1"),
        (("max",), {"s": 0}, ValueError, "s must be >= 1"),
        (("max",), {"seed": -1}, ValueError, "seed must be >= 0"),
        (("max",), {"tol": -1.0}, ValueError, "tol must be >= 0"),
        (("max",), {"tol": "0.1"}, TypeError, "tol must be a real number"),
        (("max",), {"signed": 1}, TypeError, "signed must be a bool"),
    ],
)
def test_assumption_31_rejects(args, kwargs, exc, msg):
    with pytest.raises(exc, match=msg):
        fl.check_assumption_31(*args, **kwargs)
