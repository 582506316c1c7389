"""Tests of fscnn_lib.convolution: conv_valid (S3-DCONV), eq. (8)/EN-16b, Young and Hölder (Prop. 2.1)."""

import math

import numpy as np
import pytest
import scipy.signal
import torch

import fscnn_lib as fl
from fscnn_lib import Grid, Rectangle

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
METHODS = ["direct", "fft", "auto"]


@pytest.fixture(params=DEVICES)
def device(request):
    return torch.device(request.param)


def double_sum(U, W, h):
    """The paper's 1-based definition (S3-DCONV), written as loops."""
    N, M = U.shape
    n, m = W.shape
    out = np.zeros((N - n + 1, M - m + 1))
    for i in range(1, N - n + 2):
        for j in range(1, M - m + 2):
            acc = 0.0
            for k in range(1, n + 1):
                for l in range(1, m + 1):  # noqa: E741
                    acc += h**2 * U[i + n - k - 1, j + m - l - 1] * W[k - 1, l - 1]
            out[i - 1, j - 1] = acc
    return out


@pytest.mark.parametrize("method", METHODS)
def test_conv_valid_matches_double_sum(method):
    """S3-DCONV: conv_valid equals the explicit 1-based double sum with the h^2 factor."""
    rng = np.random.default_rng(0)
    U, W = rng.normal(size=(7, 6)), rng.normal(size=(3, 2))
    np.testing.assert_allclose(fl.conv_valid(U, W, 0.3, method=method), double_sum(U, W, 0.3), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("shape, kshape", [((30, 25), (7, 4)), ((64, 64), (16, 16)), ((9, 9), (9, 9)), ((5, 40), (1, 13))])
def test_conv_valid_matches_scipy(method, shape, kshape):
    """conv_valid = scipy.signal.convolve(mode="valid") * h^2 for every method, including n = N."""
    rng = np.random.default_rng(1)
    U, W = rng.normal(size=shape), rng.normal(size=kshape)
    h = 0.05
    want = scipy.signal.convolve(U, W, mode="valid", method="direct") * h**2
    got = fl.conv_valid(U, W, h, method=method)
    assert got.shape == (shape[0] - kshape[0] + 1, shape[1] - kshape[1] + 1)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_conv_valid_torch_batched_device_dtype(method, dtype, device):
    """Leading (batch, channel) dims are kept; family, dtype and device of u are kept; conv2d is the oracle."""
    gen = torch.Generator().manual_seed(2)
    u = torch.randn(2, 3, 20, 18, generator=gen, dtype=torch.float64)
    w = torch.randn(5, 6, generator=gen, dtype=torch.float64)
    h = 0.1
    want = torch.nn.functional.conv2d(u.reshape(6, 1, 20, 18), h**2 * w.flip(-1, -2)[None, None]).reshape(2, 3, 16, 13)
    got = fl.conv_valid(u.to(device, dtype), w.to(device, dtype), h, method=method)
    assert got.dtype == dtype and got.device.type == device.type and got.shape == (2, 3, 16, 13)
    # float32 on CUDA may run conv2d in TF32 (torch.backends.cudnn.allow_tf32), about 3 digits
    tol = 1e-12 if dtype == torch.float64 else (5e-3 if device.type == "cuda" else 1e-4)
    np.testing.assert_allclose(got.double().cpu().numpy(), want.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv_valid_numpy_dtype_and_mixed_dtypes(dtype):
    """NumPy in, NumPy out with u's dtype; a kernel of another float dtype is cast to u's."""
    rng = np.random.default_rng(3)
    U, W = rng.normal(size=(4, 12, 12)).astype(dtype), rng.normal(size=(3, 3))
    want = np.stack([scipy.signal.convolve(U[b].astype(float), W, mode="valid") * 0.25 for b in range(4)])
    for method in METHODS:
        out = fl.conv_valid(U, W, 0.5, method=method)
        assert isinstance(out, np.ndarray) and out.dtype == dtype and out.shape == (4, 10, 10)
        np.testing.assert_allclose(out, want, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-5)


def test_conv_valid_unusual_numpy_layouts():
    """Read-only, negatively strided and byte-swapped arrays work (they are copied, not rejected)."""
    rng = np.random.default_rng(4)
    U, W = rng.normal(size=(10, 10)), rng.normal(size=(3, 3))
    want = fl.conv_valid(U[::-1].copy(), W, 1.0)
    ro = U[::-1]
    np.testing.assert_allclose(fl.conv_valid(ro, W, 1.0, method="direct"), want)
    frozen = U.copy()
    frozen.setflags(write=False)
    np.testing.assert_allclose(fl.conv_valid(frozen, W, 1.0), fl.conv_valid(U, W, 1.0))
    np.testing.assert_allclose(fl.conv_valid(U.astype(">f8"), W, 1.0), fl.conv_valid(U, W, 1.0))


def test_conv_valid_direct_chunking(monkeypatch):
    """The direct path cuts large problems into chunks; the result is unchanged."""
    rng = np.random.default_rng(5)
    U, W = rng.normal(size=(3, 2, 25, 21)), rng.normal(size=(6, 5))
    want = fl.conv_valid(U, W, 0.2, method="fft")
    monkeypatch.setattr(fl.convolution, "_DIRECT_CHUNK_BYTES", 5000)
    np.testing.assert_allclose(fl.conv_valid(U, W, 0.2, method="direct"), want, atol=1e-13)
    monkeypatch.setattr(fl.convolution, "_DIRECT_CHUNK_BYTES", 1)
    np.testing.assert_allclose(fl.conv_valid(U, W, 0.2, method="direct"), want, atol=1e-13)


@pytest.mark.parametrize("method", ["direct", "fft"])
def test_conv_valid_gradients(method):
    """Both paths are differentiable (torch.autograd.gradcheck in float64)."""
    gen = torch.Generator().manual_seed(6)
    u = torch.randn(7, 6, dtype=torch.float64, generator=gen, requires_grad=True)
    w = torch.randn(3, 2, dtype=torch.float64, generator=gen, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: fl.conv_valid(a, b, 0.5, method=method), (u, w))


def test_auto_method_cost_model():
    """auto picks direct for small kernels and the FFT for large ones (threshold measured in benchmarks/)."""
    assert fl.auto_method((64, 64), (3, 3)) == "direct"
    assert fl.auto_method((40, 40), (8, 8)) == "direct"
    assert fl.auto_method((319, 319), (64, 64)) == "fft"
    assert fl.auto_method((8, 1, 139, 139), (12, 12)) == "fft"
    assert fl.auto_method((319, 319), (64, 64), family="numpy") == "fft"
    assert fl.auto_method((34, 34), (3, 3), family="numpy") == "direct"
    with pytest.raises(ValueError, match="family must be one of"):
        fl.auto_method((34, 34), (3, 3), family="jax")


def test_conv_valid_numpy_fft_overflow_is_reported():
    """Overflow inside the FFT (inf - inf = NaN) becomes a ValueError, never a silent NaN."""
    big = np.full((8, 8), 1e200)
    for method in METHODS:
        with pytest.raises(ValueError, match="overflowed"):
            fl.conv_valid(big, big[:4, :4], 1.0, method=method)
    with pytest.raises(ValueError, match=r"h\*\*2 must be a positive finite"):
        fl.conv_valid(np.ones((3, 3)), np.ones((2, 2)), 1e-200)


@pytest.mark.parametrize(
    "u, w, h, kwargs, exc, msg",
    [
        ([[1.0]], np.ones((1, 1)), 1.0, {}, TypeError, "u must be a numpy.ndarray"),
        (np.ones((3, 3), dtype=int), np.ones((1, 1)), 1.0, {}, TypeError, "u must have dtype float32 or float64"),
        (np.ones((3, 3)), np.ones((1, 1), dtype=np.complex128), 1.0, {}, TypeError, "w must have dtype"),
        (np.ones((3, 3)), torch.ones(1, 1), 1.0, {}, TypeError, "both be NumPy arrays or both torch"),
        (np.ones((3, 3)), np.ones((1, 1, 1)), 1.0, {}, ValueError, "w must be a 2-D kernel"),
        (np.ones((3, 3)), np.ones(2), 1.0, {}, ValueError, "w must have at least 2 dimensions"),
        (np.ones(3), np.ones((1, 1)), 1.0, {}, ValueError, "u must have at least 2 dimensions"),
        (np.ones((3, 3)), np.ones((4, 1)), 1.0, {}, ValueError, "must not be larger than the input"),
        (np.ones((3, 3)), np.ones((1, 4)), 1.0, {}, ValueError, "pad u first"),
        (np.ones((3, 3)), np.ones((1, 1)), 0.0, {}, ValueError, "h must be positive"),
        (np.ones((3, 3)), np.ones((1, 1)), float("nan"), {}, ValueError, "h must be positive and finite"),
        (np.ones((3, 3)), np.ones((1, 1)), "1", {}, TypeError, "h must be a real number"),
        (np.ones((3, 3)), np.ones((1, 1)), 1.0, {"method": "fast"}, ValueError, "method must be one of"),
        (np.full((3, 3), np.nan), np.ones((1, 1)), 1.0, {}, ValueError, "u must contain only finite"),
        (np.ones((3, 3)), np.full((1, 1), np.inf), 1.0, {}, ValueError, "w must contain only finite"),
        (np.ones((0, 3)), np.ones((1, 1)), 1.0, {}, ValueError, "u must not be empty"),
    ],
)
def test_conv_valid_rejects(u, w, h, kwargs, exc, msg):
    with pytest.raises(exc, match=msg):
        fl.conv_valid(u, w, h, **kwargs)


# --------------------------------------------------------------- conv_pc_exact (EN-16b)

def overlap_oracle(U, W, h, x1, x2, ou, ow):
    """Exact (u*w)(x) = sum U_a W_k |{y : y in cell_k of w, x - y in cell_a of u}| by interval intersections."""
    def overlap_1d(x, a, k, o_u, o_w):
        lo = max(o_w + k * h, x - o_u - (a + 1) * h)
        hi = min(o_w + (k + 1) * h, x - o_u - a * h)
        return max(0.0, hi - lo)

    total = 0.0
    for a in range(U.shape[0]):
        for b in range(U.shape[1]):
            for k in range(W.shape[0]):
                for l in range(W.shape[1]):  # noqa: E741
                    total += U[a, b] * W[k, l] * overlap_1d(x1, a, k, ou[0], ow[0]) * overlap_1d(x2, b, l, ou[1], ow[1])
    return total


def test_conv_pc_exact_matches_overlap_oracle():
    """EN-16b: the exact convolution of PC_h functions, anywhere, including outside the support (0)."""
    rng = np.random.default_rng(7)
    U, W = rng.normal(size=(5, 4)), rng.normal(size=(3, 2))
    h, ou, ow = 0.1, (-0.05, 0.2), (-0.15, -0.1)
    x1 = rng.uniform(-0.4, 0.8, 60)
    x2 = rng.uniform(-0.1, 0.8, 60)
    got = fl.conv_pc_exact(U, W, h, x1, x2, u_origin=ou, w_origin=ow)
    want = [overlap_oracle(U, W, h, a, b, ou, ow) for a, b in zip(x1, x2)]
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)


def test_conv_pc_exact_matches_fine_quadrature():
    """S3-EQ8 check: a fine midpoint quadrature of (1) agrees with the bilinear formula off the grid."""
    rng = np.random.default_rng(8)
    U, W = rng.normal(size=(9, 8)), rng.normal(size=(3, 4))
    h = 0.1
    r = 40  # quadrature points per cell and axis
    t = (np.arange(3 * r) + 0.5) * h / r  # y in the kernel's support [0, 0.3) x [0, 0.4)
    Y1, Y2 = np.meshgrid(t, (np.arange(4 * r) + 0.5) * h / r, indexing="ij")
    wv = W[(Y1 // h).astype(int), (Y2 // h).astype(int)]
    for x1, x2 in [(0.537, 0.611), (0.4, 0.5), (0.8133, 0.4271)]:
        z1, z2 = x1 - Y1, x2 - Y2
        ok = (z1 >= 0) & (z1 < 0.9) & (z2 >= 0) & (z2 < 0.8)
        uv = np.where(ok, U[np.clip((z1 // h).astype(int), 0, 8), np.clip((z2 // h).astype(int), 0, 7)], 0.0)
        quad = (wv * uv).sum() * (h / r) ** 2
        exact = fl.conv_pc_exact(U, W, h, x1, x2)
        # the midpoint rule of a discontinuous integrand converges like 1/r
        assert abs(quad - exact) < np.abs(U).max() * np.abs(W).sum() * h**2 / r


@pytest.mark.parametrize("origins", [((0.0, 0.0), (0.0, 0.0)), ((-0.45, 0.25), (-0.15, -0.05))])
def test_conv_pc_exact_nodes_equal_conv_valid(origins):
    """Eq. (8): at the nodes of valid_output_grid the exact values are the discrete convolution."""
    ou, ow = origins
    rng = np.random.default_rng(9)
    h = 0.1
    gu = Grid(Rectangle(ou[0], ou[0] + 1.0, ou[1], ou[1] + 0.8), h)
    gw = Grid(Rectangle(ow[0], ow[0] + 0.3, ow[1], ow[1] + 0.2), h)
    U, W = rng.normal(size=gu.shape), rng.normal(size=gw.shape)
    out_grid = fl.valid_output_grid(gu, gw)
    disc = fl.conv_valid(U, W, h)
    assert out_grid.shape == disc.shape == (8, 7) and out_grid.align == "node"
    X1, X2 = out_grid.points()
    np.testing.assert_allclose(fl.conv_pc_exact(U, W, h, X1, X2, u_origin=ou, w_origin=ow), disc, atol=1e-14)
    # in between nodes: bilinear interpolation of the node values
    mid = fl.conv_pc_exact(U, W, h, X1[:-1, :-1] + h / 2, X2[:-1, :-1] + h / 2, u_origin=ou, w_origin=ow)
    np.testing.assert_allclose(mid, (disc[:-1, :-1] + disc[1:, :-1] + disc[:-1, 1:] + disc[1:, 1:]) / 4, atol=1e-14)


def test_conv_pc_exact_torch_and_float32():
    rng = np.random.default_rng(10)
    U, W = rng.normal(size=(6, 6)), rng.normal(size=(2, 3))
    want = fl.conv_pc_exact(U, W, 0.2, [0.31, 0.77], [0.52, 0.4])
    got = fl.conv_pc_exact(torch.from_numpy(U), torch.from_numpy(W), 0.2, [0.31, 0.77], [0.52, 0.4])
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float64
    np.testing.assert_allclose(got.numpy(), want)
    f32 = fl.conv_pc_exact(U.astype(np.float32), W.astype(np.float32), 0.2, [0.31, 0.77], [0.52, 0.4])
    assert f32.dtype == np.float32
    np.testing.assert_allclose(f32, want, rtol=1e-5)


@pytest.mark.parametrize(
    "args, kwargs, exc, msg",
    [
        ((np.ones((2, 2, 2)), np.ones((1, 1)), 1.0, 0.0, 0.0), {}, ValueError, "U must be 2-D"),
        ((np.ones((2, 2)), np.ones((1, 1)), 1.0, np.nan, 0.0), {}, ValueError, "points x1, x2 must be finite"),
        ((np.ones((2, 2)), np.ones((1, 1)), 1.0, [0.0, 1.0], [0.0, 1.0, 2.0]), {}, ValueError, "broadcast"),
        ((np.ones((2, 2)), np.ones((1, 1)), 1.0, 0.0, 0.0), {"u_origin": 0.0}, TypeError, "u_origin must be a pair"),
        ((np.ones((2, 2)), np.ones((1, 1)), 1.0, 0.0, 0.0), {"w_origin": (0.0, np.inf)}, ValueError, r"w_origin\[1\] must be finite"),
        ((np.ones((2, 2)), np.ones((1, 1)), 1.0, 0.0, 0.0), {"w_origin": (0.0, "1")}, TypeError, "must be a real number"),
        ((np.ones((2, 2)), np.ones((1, 1)), -1.0, 0.0, 0.0), {}, ValueError, "h must be positive"),
    ],
)
def test_conv_pc_exact_rejects(args, kwargs, exc, msg):
    with pytest.raises(exc, match=msg):
        fl.conv_pc_exact(*args, **kwargs)


def test_valid_output_grid_bookkeeping_and_rejects():
    """EN-15 item 4 (the 1-D example of S3-SIZES in 2-D): (Omega_1 - Sigma) = Omega' exactly."""
    h = 1.0
    gu = Grid(Rectangle(-0.5, 8.5, -0.5, 5.5), h)
    gw = Grid(Rectangle(-1.5, 1.5, -0.5, 0.5), h)
    g = fl.valid_output_grid(gu, gw)
    assert g.rect == Rectangle(1, 7, 0, 5) and g.shape == (7, 6)
    assert g.rect - gw.rect == gu.rect
    with pytest.raises(TypeError, match="u_grid must be a Grid"):
        fl.valid_output_grid(gu.rect, gw)
    with pytest.raises(ValueError, match="must be cell-aligned"):
        fl.valid_output_grid(Grid(gu.rect, h, align="node"), gw)
    with pytest.raises(ValueError, match="same h"):
        fl.valid_output_grid(gu, Grid(gw.rect, 0.5))
    with pytest.raises(ValueError, match="must be smaller than the input domain"):
        fl.valid_output_grid(gw, gu)


# ------------------------------------------------------------ norms, Young, Hölder

def test_lp_norm_closed_forms():
    h = 0.25
    U = np.full((4, 4), 2.0)  # the constant 2 on the unit square
    for p in (1.0, 2.0, 3.5):
        assert fl.norms.lp_norm(U, h, p) == pytest.approx(2.0)
    assert fl.norms.lp_norm(-U, h, math.inf) == 2.0
    V = np.array([[3.0, -4.0]])
    assert fl.norms.lp_norm(V, 1.0, 2) == pytest.approx(5.0)
    batched = fl.norms.lp_norm(np.stack([U, 2 * U]), h, 2.0)
    np.testing.assert_allclose(batched, [2.0, 4.0])
    tb = fl.norms.lp_norm(torch.from_numpy(np.stack([U, 2 * U])), h, math.inf)
    assert isinstance(tb, torch.Tensor) and tb.tolist() == [2.0, 4.0]
    assert fl.norms.lp_norm(torch.ones(2, 2), 0.5, 1) == pytest.approx(1.0)


@pytest.mark.parametrize("p, exc, msg", [(0.5, ValueError, r"p must lie in \[1, inf\]"), (float("nan"), ValueError, "p must lie"),
                                         ("2", TypeError, "p must be a real number"), (True, TypeError, "p must be a real")])
def test_lp_norm_rejects(p, exc, msg):
    with pytest.raises(exc, match=msg):
        fl.norms.lp_norm(np.ones((2, 2)), 1.0, p)


@pytest.mark.parametrize("p", [1.0, 1.5, 2.0, 4.0, math.inf])
def test_young_and_holder_bounds_hold(p):
    """Prop. 2.1 item 1 (Young) and the sup bound ||u*w||_inf <= ||u||_p' ||w||_p (EN-3c), for a disk and a rough kernel."""
    rng = np.random.default_rng(11)
    for k in (4, 5, 6):
        h = 2.0**-k
        g = Grid(Rectangle(-0.25, 1.25, -0.25, 1.25), h)
        U = fl.cell_average(lambda x1, x2: ((x1 - 0.5) ** 2 + (x2 - 0.5) ** 2 < 0.16).astype(float), g, quad=2)
        pattern = rng.choice([-1.0, 1.0], size=(4, 4))
        W = np.kron(pattern, np.ones((2 ** (k - 3), 2 ** (k - 3))))  # rough kernel on a fixed physical square
        lhs, rhs = fl.young_bound(U, W, h, p)
        assert lhs <= rhs * (1 + 1e-12)
        lhs, rhs = fl.holder_bound(U, W, h, p)
        assert lhs <= rhs * (1 + 1e-12)


def test_holder_bound_equality_case():
    """Hölder is sharp: u = sign-matched copy of the flipped kernel on the window gives equality for p = 2."""
    rng = np.random.default_rng(12)
    W = rng.normal(size=(5, 5))
    U = W[::-1, ::-1].copy()  # a single window: the output is h^2 sum W^2
    lhs, rhs = fl.holder_bound(U, W, 0.1, 2.0)
    assert lhs == pytest.approx(rhs)
    with pytest.raises(ValueError, match="u must be 2-D"):
        fl.young_bound(np.ones((1, 3, 3)), np.ones((1, 1)), 1.0, 2.0)


# --- Proposition 2.1, proof step 4 (moduli of continuity) -----------------------------------


def test_translation_difference_matches_closed_form_for_a_square():
    """||chi~(. + t) - chi~||_q of a unit square's indicator is (2|t|)^(1/q) for axis shifts (S2-NOT-c)."""
    h = 1 / 16
    u = np.ones((16, 16))
    for s in (1, 3, -2):
        for q in (1.0, 2.0, 3.5):
            got = fl.translation_difference(u, h, (s, 0), q)
            np.testing.assert_allclose(got, (2 * abs(s) * h) ** (1 / q), rtol=1e-12)
    assert fl.translation_difference(u, h, (0, 0), 2.0) == 0.0
    assert fl.translation_difference(u, h, (1, 0), math.inf) == 1.0  # no continuity in L^inf


def test_translation_difference_torch_equals_numpy():
    rng = np.random.default_rng(5)
    u = rng.normal(size=(7, 9))
    a = fl.translation_difference(u, 0.1, (2, -3), 1.5)
    b = fl.translation_difference(torch.from_numpy(u), 0.1, (2, -3), 1.5)
    np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("translate", ["input", "kernel"])
@pytest.mark.parametrize("shift", [(1, 0), (0, -2), (3, 2), (-4, 1)])
def test_modulus_bound_holds_and_lhs_is_the_largest_shifted_difference(translate, shift):
    """Both moduli of Prop. 2.1 / EN-3c hold on the grid; the lhs agrees with a brute-force loop."""
    rng = np.random.default_rng(7)
    u = (rng.random((30, 28)) > 0.4) * 1.0
    w = rng.normal(size=(7, 6))
    h = 1 / 24
    for p in (1.0, 1.5, 2.0, 4.0):
        lhs, rhs = fl.modulus_bound(u, w, h, shift, p, translate=translate)
        assert lhs <= rhs * (1 + 1e-12)
    V = scipy.signal.convolve(u, w, mode="valid") * h * h
    s1, s2 = shift
    brute = max(
        abs(V[i + s1, j + s2] - V[i, j])
        for i in range(V.shape[0]) for j in range(V.shape[1])
        if 0 <= i + s1 < V.shape[0] and 0 <= j + s2 < V.shape[1]
    )
    np.testing.assert_allclose(lhs, brute, rtol=1e-12)


def test_modulus_bound_validation():
    u, w = np.ones((6, 6)), np.ones((2, 2))
    with pytest.raises(TypeError, match="shift must be a pair"):
        fl.modulus_bound(u, w, 0.1, 1, 2.0)
    with pytest.raises(TypeError, match=r"shift\[\d\] must be an int"):
        fl.modulus_bound(u, w, 0.1, (1.5, 0), 2.0)
    with pytest.raises(ValueError, match="shift must be smaller than the output"):
        fl.modulus_bound(u, w, 0.1, (5, 0), 2.0)
    with pytest.raises(ValueError, match="translate must be one of"):
        fl.modulus_bound(u, w, 0.1, (1, 0), 2.0, translate="both")
    with pytest.raises(TypeError, match="shift must be a pair"):
        fl.translation_difference(u, 0.1, (1, 2, 3), 2.0)


# ---------------------------------------------------------------- multi-channel engine
def _loop_conv_channels(x, w, h):
    """Independent oracle: a loop over single-channel conv_valid (direct)."""
    B, ci = x.shape[:2]
    co = w.shape[0]
    rows = []
    for b in range(B):
        rows.append([sum(fl.conv_valid(x[b, i], w[o, i], h, method="direct") for i in range(ci)) for o in range(co)])
    return np.array(rows)


@pytest.mark.parametrize("method", ["direct", "fft", "auto"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv_channels_equals_loop_over_conv_valid_and_conv2d(method, dtype):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 3, 13, 11)).astype(dtype)
    w = rng.normal(size=(4, 3, 5, 3)).astype(dtype)
    h, tol = 0.125, (1e-12 if dtype == np.float64 else 1e-4)
    want = _loop_conv_channels(x.astype(np.float64), w.astype(np.float64), h)
    got = fl.conv_channels(x, w, h, method=method)
    assert got.dtype == dtype and got.shape == (2, 4, 9, 9)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    xt, wt = torch.from_numpy(x), torch.from_numpy(w)
    ref = torch.nn.functional.conv2d(xt.double(), h**2 * wt.double().flip(-1, -2)).numpy()
    np.testing.assert_allclose(ref, want, rtol=1e-12, atol=1e-12)
    gt = fl.conv_channels(xt, wt, h, method=method)
    assert isinstance(gt, torch.Tensor) and gt.dtype == xt.dtype
    np.testing.assert_allclose(gt.numpy(), want, rtol=tol, atol=tol)


def test_conv_channels_torch_path_is_numpy_free_and_differentiable(monkeypatch):
    x = torch.randn(1, 2, 9, 9, dtype=torch.float64, generator=torch.Generator().manual_seed(0), requires_grad=True)
    w = torch.randn(1, 2, 3, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    monkeypatch.setattr(torch.Tensor, "numpy", lambda *a, **k: pytest.fail("torch path went through NumPy"))
    for method in ("direct", "fft"):
        y = fl.conv_channels(x, w, 0.5, method=method)
        (g,) = torch.autograd.grad(y.sum(), x)
        # d/dx of sum of outputs: each input is hit by the kernel entries that overlap it
        assert float(g.sum()) == pytest.approx(0.25 * float(w.sum()) * 49)


def test_auto_method_counts_channels():
    # one channel: the same choice as for conv_valid; many channels shift towards the FFT
    assert fl.auto_method((1, 1, 64, 64), (9, 9), channels=(1, 1)) == fl.auto_method((1, 64, 64), (9, 9))
    assert fl.auto_method((1, 16, 64, 64), (9, 9), channels=(16, 16)) == "fft"
    assert fl.auto_method((1, 1, 34, 34), (3, 3), channels=(1, 1)) == "direct"


@pytest.mark.parametrize(
    "call, exc, msg",
    [
        (lambda: fl.conv_channels(np.ones((1, 2, 5, 5)), np.ones((1, 3, 2, 2)), 1.0), ValueError, "C_in"),
        (lambda: fl.conv_channels(np.ones((1, 1, 5, 5)), np.ones((1, 1, 6, 2)), 1.0), ValueError, "must not exceed"),
        (lambda: fl.conv_channels(np.ones((1, 1, 5, 5)), torch.ones(1, 1, 2, 2), 1.0), TypeError, "both"),
        (lambda: fl.conv_channels(np.ones((5, 5)), np.ones((1, 1, 2, 2)), 1.0), ValueError, "at least 4"),
        (lambda: fl.conv_channels(np.ones((1, 1, 5, 5)), np.ones((1, 1, 2, 2)), 1.0, method="x"), ValueError, "method"),
        (lambda: fl.conv_channels(np.ones((1, 1, 5, 5)), np.ones((1, 1, 2, 2)), True), TypeError, "h"),
    ],
)
def test_conv_channels_rejects(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call()


def test_bounds_return_bound_sides():
    rng = np.random.default_rng(4)
    u, w = rng.normal(size=(12, 12)), rng.normal(size=(3, 3))
    for b in (fl.young_bound(u, w, 0.1, 2.0), fl.holder_bound(u, w, 0.1, 2.0), fl.modulus_bound(u, w, 0.1, (1, 0), 2.0)):
        assert isinstance(b, fl.BoundSides) and b.lhs <= b.rhs
