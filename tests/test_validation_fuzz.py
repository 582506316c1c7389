"""Hypothesis fuzzing of the public functions of grids, measures, convolution, padding, sampling.

Whatever the input (shapes, dtypes including int, bool, float16 and complex, NaN and inf,
non-dividing h, negative or non-integer s), a public function either returns a finite result
or raises ValueError/TypeError: never another exception, never a silent NaN.
"""

import math

import numpy as np
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fscnn_lib as fl

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
OK = (ValueError, TypeError)

DTYPES = st.sampled_from([np.float64, np.float32, np.float16, np.int32, np.int64, np.complex64, np.bool_])
# finite values are bounded so that legitimate arithmetic cannot overflow; NaN and inf are drawn too
FLOATS = st.one_of(st.floats(-1e100, 1e100), st.sampled_from([np.nan, np.inf, -np.inf, 0.0]))


@st.composite
def arrays(draw, max_dims=4, max_side=6):
    dtype = draw(DTYPES)
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=0, max_side=max_side))
    if np.dtype(dtype).kind == "f":
        bits = 8 * np.dtype(dtype).itemsize
        bound = {16: 6e4, 32: 2.0**60, 64: 1e100}[bits]
        elements = st.one_of(st.floats(-bound, bound, width=bits), st.sampled_from([np.nan, np.inf, -np.inf, 0.0]))
        arr = draw(hnp.arrays(dtype, shape, elements=elements))
    else:
        arr = draw(hnp.arrays(dtype, shape))
    if draw(st.booleans()):
        return torch.from_numpy(np.ascontiguousarray(arr))
    return arr


SCALARS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 5), st.sampled_from(["1", None, True, 1j]))
SMALL_H = st.one_of(st.floats(1e-3, 10.0), st.sampled_from([0.0, -1.0, np.nan, np.inf, 1e300, 1e-300, 0.3]), st.integers(-2, 3))
INTS = st.one_of(st.integers(-3, 5), st.floats(-2, 4), st.sampled_from([True, "2", None]))


def finite(out):
    if isinstance(out, torch.Tensor):
        return bool(torch.isfinite(out).all())
    if isinstance(out, np.ndarray):
        return bool(np.isfinite(out).all())
    if isinstance(out, tuple):
        return all(finite(o) for o in out)
    if isinstance(out, float):
        return not math.isnan(out)
    return True


def input_finite(x):
    try:
        return bool(np.isfinite(np.asarray(x, dtype=np.complex128)).all())
    except (TypeError, ValueError):
        return False


def check(fn, *args, must_be_finite=True, **kwargs):
    try:
        out = fn(*args, **kwargs)
    except OK:
        return None
    if must_be_finite:
        assert finite(out), f"{fn.__name__} returned NaN/inf without raising"
    return out


@SETTINGS
@given(u=arrays(), w=arrays(max_dims=3), h=SMALL_H, method=st.sampled_from(["auto", "direct", "fft", "fast"]))
def test_fuzz_conv_valid(u, w, h, method):
    out = check(fl.conv_valid, u, w, h, method=method)
    if out is not None:
        assert out.shape[-2:] == (u.shape[-2] - w.shape[0] + 1, u.shape[-1] - w.shape[1] + 1)
        assert out.dtype == u.dtype


@SETTINGS
@given(u=arrays(max_dims=2), w=arrays(max_dims=2), h=SMALL_H, x=st.lists(FLOATS, min_size=1, max_size=4),
       origin=st.one_of(st.tuples(FLOATS, FLOATS), st.sampled_from([0.0, (1.0,), None])))
def test_fuzz_conv_pc_exact(u, w, h, x, origin):
    check(fl.conv_pc_exact, u, w, h, x, x[::-1], u_origin=origin)


@SETTINGS
@given(u=arrays(), h=SMALL_H, p=st.one_of(st.floats(allow_nan=True), st.sampled_from([math.inf, 1, 2, "2", True])))
def test_fuzz_lp_norm_young_holder(u, h, p):
    check(fl.lp_norm, u, h, p)
    check(fl.young_bound, u, u, h, p)
    check(fl.holder_bound, u, u, h, p)


PADS = st.one_of(st.integers(-2, 4), st.tuples(*[st.integers(-1, 4)] * 4), st.lists(st.integers(0, 3), max_size=5),
                 st.sampled_from([True, 1.5, "1", None]))


@SETTINGS
@given(u=arrays(), pad=PADS, mode=st.sampled_from(["symmetric", "reflect", "edge", 3]))
def test_fuzz_padding(u, pad, mode):
    fin = input_finite(u)
    check(fl.reflect_pad, u, pad, mode=mode, must_be_finite=fin)
    check(fl.zero_pad, u, pad, must_be_finite=fin)


@SETTINGS
@given(u=arrays(), s=INTS, down=st.sampled_from(["average", "max", "stride", "sum"]),
       up=st.sampled_from(["nearest", "bilinear", "bicubic", "area"]))
def test_fuzz_sampling(u, s, down, up):
    out = check(fl.downsample, u, s, mode=down)
    if out is not None:
        assert out.shape[-2:] == (u.shape[-2] // s, u.shape[-1] // s)
    out = check(fl.upsample, u, s, mode=up)
    if out is not None:
        assert out.shape[-2:] == (u.shape[-2] * s, u.shape[-1] * s)


@SETTINGS
@given(name=st.sampled_from(["max", "average", "bicubic", "l2", "nope", 3]), s=INTS, trials=INTS, size=INTS,
       seed=INTS, tol=st.one_of(st.floats(allow_nan=True), st.sampled_from([True, "x"])))
def test_fuzz_check_assumption_31(name, s, trials, size, seed, tol):
    check(fl.check_assumption_31, name, s=s, trials=trials, size=size, seed=seed, tol=tol)


@SETTINGS
@given(bounds=st.tuples(SCALARS, SCALARS, SCALARS, SCALARS), h=SCALARS, align=st.sampled_from(["cell", "node", "corner"]))
def test_fuzz_rectangle_grid(bounds, h, align):
    rect = check(fl.Rectangle, *bounds)
    if rect is None:
        return
    grid = check(fl.Grid, rect, h, align=align)
    if grid is None or grid.shape[0] * grid.shape[1] > 10_000:
        return
    U = check(fl.project, lambda x1, x2: x1 * x2, grid)
    A = check(fl.cell_average, lambda x1, x2: x1 - x2, grid, quad=2)
    assert U is not None and A is not None
    check(fl.pc_eval, U, grid, rect.a, np.array([rect.c, rect.d, rect.d + 1.0]))


@SETTINGS
@given(t=st.one_of(FLOATS, arrays(max_dims=2)), a=SCALARS, b=SCALARS)
def test_fuzz_fold(t, a, b):
    if isinstance(t, (np.ndarray, torch.Tensor)) and t.dtype in (np.complex64, torch.complex64):
        return  # complex points are meaningless for a folding map and rejected by NumPy/torch themselves
    try:
        out = fl.fold(t, a, b)
    except OK:
        return
    except RuntimeError:
        # torch refuses remainder on bool tensors with RuntimeError
        assert isinstance(t, torch.Tensor) and t.dtype == torch.bool
        return
    assert finite(out if not isinstance(out, np.floating) else float(out))


@SETTINGS
@given(points=st.one_of(arrays(max_dims=3), st.lists(st.lists(FLOATS, max_size=3), max_size=3)),
       weights=st.one_of(arrays(max_dims=2), st.lists(FLOATS, max_size=3)))
def test_fuzz_dirac_sum(points, weights):
    if isinstance(points, torch.Tensor) or isinstance(weights, torch.Tensor):
        points = points.numpy() if isinstance(points, torch.Tensor) else points
        weights = weights.numpy() if isinstance(weights, torch.Tensor) else weights
    mu = check(fl.DiracSum, points, weights)
    if mu is None:
        return
    grid = fl.Grid(fl.Rectangle(-1, 1, -1, 1), 0.5)
    check(mu.to_grid, grid)
    check(fl.conv_dirac, mu, lambda z1, z2: z1 + z2, 0.0, 0.0, sigma=fl.Rectangle(-1, 1, -1, 1))
    assert mu.total_variation() >= 0

