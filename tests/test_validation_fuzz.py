"""Hypothesis fuzzing of the public argument checks: the right exception for each case.

The rule (CONTRIBUTING.md, DESIGN.md §3): a wrong *type* (a string, None, a bool or a complex
number where a real is expected; an array of integer, bool, complex or float16 dtype; a list
where an array is expected) raises ``TypeError``; a wrong *value* of the right type (NaN or
inf, a non-positive step, an exponent below 1, an unknown mode string, an array with NaN, too
few dimensions or an empty side) raises ``ValueError``.

Every generated case is all-valid except for at most one argument, which is drawn as a wrong
type or a wrong value, and the test demands exactly the matching exception. An all-valid case
must return a finite result or raise ``ValueError`` (arguments that are each valid can still
clash: a kernel larger than the image, an ``h`` that does not divide the side), never
``TypeError``. Any other exception, or a NaN result, fails.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fscnn_lib as fl

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KINDS = ("ok", "type", "value")


# ------------------------------------------------------------------ tagged draws
def _finite_floats(bits: int) -> st.SearchStrategy:
    bound = {32: 1e6, 64: 1e6}[bits]
    return st.floats(-bound, bound, width=bits, allow_nan=False, allow_infinity=False)


def draw_array(draw, kind: str, torch_family: bool, *, max_dims: int = 3, min_side: int = 1,
               max_side: int = 6, nonfinite_ok: bool = False) -> object:
    """An array argument: ``ok`` (finite float32/64, at least 2-D), ``type`` (wrong dtype or a
    list) or ``value`` (a NaN/inf entry, fewer than 2 dimensions, or an empty side). With
    ``nonfinite_ok`` (pure indexing such as padding) NaN/inf entries are not a wrong value."""
    if kind == "type":
        how = draw(st.sampled_from(["int64", "int32", "bool", "complex64", "float16", "list", "none"]))
        if how == "list":
            return [[1.0, 2.0], [3.0, 4.0]]
        if how == "none":
            return None
        shape = draw(hnp.array_shapes(min_dims=2, max_dims=max_dims, min_side=1, max_side=max_side))
        arr = draw(hnp.arrays(np.dtype(how), shape))
    else:
        dtype = draw(st.sampled_from([np.float64, np.float32]))
        bits = 8 * np.dtype(dtype).itemsize
        if kind == "ok":
            shape = draw(hnp.array_shapes(min_dims=2, max_dims=max_dims, min_side=min_side, max_side=max_side))
            arr = draw(hnp.arrays(dtype, shape, elements=_finite_floats(bits)))
        else:
            how = draw(st.sampled_from(["ndim", "empty"] + ([] if nonfinite_ok else ["nan", "inf"])))
            if how == "ndim":
                shape = draw(hnp.array_shapes(min_dims=0, max_dims=1, min_side=1, max_side=max_side))
                arr = draw(hnp.arrays(dtype, shape, elements=_finite_floats(bits)))
            elif how == "empty":
                arr = np.zeros((draw(st.integers(0, 3)), 0), dtype=dtype)
            else:
                shape = draw(hnp.array_shapes(min_dims=2, max_dims=max_dims, min_side=1, max_side=max_side))
                arr = draw(hnp.arrays(dtype, shape, elements=_finite_floats(bits)))
                arr.flat[draw(st.integers(0, arr.size - 1))] = np.nan if how == "nan" else -np.inf
    if torch_family and isinstance(arr, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(arr))
    return arr


def draw_positive(draw, kind: str, ok: st.SearchStrategy | None = None) -> object:
    """A positive real (``h``, ``eps``, ``t``, ``width``...)."""
    if kind == "type":
        return draw(st.sampled_from(["0.5", None, True, 1j, [0.5], (0.5,)]))
    if kind == "value":
        return draw(st.sampled_from([0.0, -0.25, -1, math.nan, math.inf, -math.inf]))
    return draw(ok if ok is not None else st.sampled_from([1.0, 0.5, 0.25, 0.125, 1 / 3, 2]))


def draw_exponent(draw, kind: str) -> object:
    """A Lebesgue exponent in [1, inf]."""
    if kind == "type":
        return draw(st.sampled_from(["2", True, None, 2j]))
    if kind == "value":
        return draw(st.sampled_from([0.5, 0, -1, math.nan, -math.inf]))
    return draw(st.sampled_from([1, 1.5, 2, 3.0, math.inf]))


def draw_choice(draw, kind: str, choices: tuple[str, ...]) -> object:
    """One of the strings ``choices``."""
    if kind == "type":
        return draw(st.sampled_from([3, None, b"fft", True]))
    if kind == "value":
        return draw(st.sampled_from(["nope", "", choices[0].upper() + "!"]))
    return draw(st.sampled_from(choices))


def draw_int(draw, kind: str, ok: tuple[int, int], bad_value: int) -> object:
    """An int in ``ok`` (inclusive); ``bad_value`` is below the allowed minimum."""
    if kind == "type":
        return draw(st.sampled_from([1.5, 2.0, True, "2", None]))
    if kind == "value":
        return bad_value
    return draw(st.integers(*ok))


def draw_real(draw, kind: str, ok: st.SearchStrategy) -> object:
    """Any finite real."""
    if kind == "type":
        return draw(st.sampled_from(["1", None, True, 1j]))
    if kind == "value":
        return draw(st.sampled_from([math.nan, math.inf, -math.inf]))
    return draw(ok)


@st.composite
def cases(draw, slots: tuple[str, ...]) -> tuple[dict[str, str], bool]:
    """Kinds for the named argument slots: all ``ok`` but at most one ``type``/``value``."""
    bad = draw(st.sampled_from((None,) + slots))
    kinds = {s: "ok" for s in slots}
    if bad is not None:
        kinds[bad] = draw(st.sampled_from(["type", "value"]))
    return kinds, draw(st.booleans())


def finite(out) -> bool:
    if isinstance(out, torch.Tensor):
        return bool(torch.isfinite(out).all())
    if isinstance(out, np.ndarray):
        return out.dtype.kind not in "fc" or bool(np.isfinite(out).all())
    if isinstance(out, tuple):
        return all(finite(o) for o in out)
    if isinstance(out, float):
        return not math.isnan(out)
    return True


def expect(kinds: dict[str, str], fn, *args, **kwargs):
    """Call ``fn`` and demand the exception that ``kinds`` calls for (see the module doc)."""
    bad = [k for k in kinds.values() if k != "ok"]
    want = {"type": TypeError, "value": ValueError}[bad[0]] if bad else None
    try:
        out = fn(*args, **kwargs)
    except (TypeError, ValueError) as err:
        if want is None:
            assert isinstance(err, ValueError), (
                f"{fn.__name__}: valid arguments {kinds} raised {type(err).__name__}: {err}")
        else:
            assert type(err) is want, (
                f"{fn.__name__}: {kinds} should raise {want.__name__}, got {type(err).__name__}: {err}")
        return None
    assert want is None, f"{fn.__name__}: {kinds} should raise {want.__name__}, returned {type(out).__name__}"
    assert finite(out), f"{fn.__name__} returned NaN/inf without raising ({kinds})"
    return out


# ------------------------------------------------------------------ the fuzz tests
@SETTINGS
@given(data=st.data(), case=cases(("u", "w", "h", "method")))
def test_fuzz_conv_valid(data, case):
    kinds, tf = case
    d = data.draw
    u = draw_array(d, kinds["u"], tf, min_side=3)
    w = draw_array(d, kinds["w"], tf, max_dims=2)
    h = draw_positive(d, kinds["h"])
    method = draw_choice(d, kinds["method"], ("auto", "direct", "fft"))
    out = expect(kinds, fl.conv_valid, u, w, h, method=method)
    if out is not None:
        assert out.shape[-2:] == (u.shape[-2] - w.shape[0] + 1, u.shape[-1] - w.shape[1] + 1)
        assert out.dtype == u.dtype


@SETTINGS
@given(data=st.data(), case=cases(("u", "h", "p")))
def test_fuzz_lp_norm_young_holder(data, case):
    kinds, tf = case
    d = data.draw
    u = draw_array(d, kinds["u"], tf, max_dims=2)      # the bounds take one image
    h = draw_positive(d, kinds["h"])
    p = draw_exponent(d, kinds["p"])
    expect(kinds, fl.lp_norm, u, h, p)
    expect(kinds, fl.young_bound, u, u, h, p)
    expect(kinds, fl.holder_bound, u, u, h, p)


@SETTINGS
@given(data=st.data(), case=cases(("u", "h", "kind")))
def test_fuzz_norms_and_measurements(data, case):
    kinds, tf = case
    d = data.draw
    u = draw_array(d, kinds["u"], tf, min_side=3)
    h = draw_positive(d, kinds["h"])
    kind = draw_choice(d, kinds["kind"], ("isotropic", "anisotropic"))
    expect(kinds, fl.tv, u, h, kind=kind)
    only_u_h = {k: v for k, v in kinds.items() if k != "kind"}
    expect(only_u_h, fl.h1_seminorm_squared, u, h)
    expect(only_u_h, fl.gradient_jump, u, h)
    expect(only_u_h, fl.modulus_of_continuity, u, h, h if kinds["h"] == "ok" else 1.0)
    expect({"u": kinds["u"]}, fl.max_jump, u)


@SETTINGS
@given(data=st.data(), case=cases(("u", "pad", "mode")))
def test_fuzz_padding(data, case):
    kinds, tf = case
    d = data.draw
    u = draw_array(d, kinds["u"], tf, min_side=2, nonfinite_ok=True)
    k = kinds["pad"]
    if k == "type":
        pad = d(st.sampled_from([True, 1.5, "1", None, (1, 1.5, 0, 0)]))
    elif k == "value":
        pad = d(st.sampled_from([-1, (1, -1, 0, 0), (1, 1), [0, 0, 0, 0, 0]]))
    else:
        pad = d(st.one_of(st.integers(0, 3), st.tuples(*[st.integers(0, 3)] * 4)))
    mode = draw_choice(d, kinds["mode"], ("symmetric", "reflect"))
    expect(kinds, fl.reflect_pad, u, pad, mode=mode)
    expect({"u": kinds["u"], "pad": k}, fl.zero_pad, u, pad)


@SETTINGS
@given(data=st.data(), case=cases(("u", "s", "mode")))
def test_fuzz_sampling(data, case):
    kinds, tf = case
    d = data.draw
    u = draw_array(d, kinds["u"], tf)
    s = draw_int(d, kinds["s"], (1, 3), 0)
    down = draw_choice(d, kinds["mode"], ("average", "max", "stride"))
    up = draw_choice(d, kinds["mode"], ("nearest", "bilinear", "bicubic"))
    out = expect(kinds, fl.downsample, u, s, mode=down)
    if out is not None:
        assert out.shape[-2:] == (u.shape[-2] // s, u.shape[-1] // s)
    out = expect(kinds, fl.upsample, u, s, mode=up)
    if out is not None:
        assert out.shape[-2:] == (u.shape[-2] * s, u.shape[-1] * s)


@SETTINGS
@given(data=st.data(), case=cases(("name", "s", "trials", "seed", "tol")))
def test_fuzz_check_assumption_31(data, case):
    kinds, _ = case
    d = data.draw
    name = draw_choice(d, kinds["name"], ("max", "average", "bicubic"))
    s = draw_int(d, kinds["s"], (1, 3), 0)
    trials = draw_int(d, kinds["trials"], (1, 20), 0)
    seed = draw_int(d, kinds["seed"], (0, 5), -1)
    tol = draw_real(d, kinds["tol"], st.sampled_from([0.0, 1e-12, 0.5]))
    if kinds["tol"] == "value":
        tol = d(st.sampled_from([math.nan, -1.0]))
    expect(kinds, fl.check_assumption_31, name, s=s, trials=trials, size=4, seed=seed, tol=tol)


@SETTINGS
@given(data=st.data(), case=cases(("a", "b", "h", "align")))
def test_fuzz_rectangle_grid(data, case):
    kinds, _ = case
    d = data.draw
    a = draw_real(d, kinds["a"], st.sampled_from([0.0, -1.0, 0.5]))
    b = draw_real(d, kinds["b"], st.sampled_from([1.0, 2.0, 0.25]))
    rect = expect({"a": kinds["a"], "b": kinds["b"]}, fl.Rectangle, a, b, 0.0, 1.0)
    if rect is None:
        return
    h = draw_positive(d, kinds["h"], st.sampled_from([0.5, 0.25, 0.125, 0.3]))
    align = draw_choice(d, kinds["align"], ("cell", "node"))
    grid = expect({"h": kinds["h"], "align": kinds["align"]}, fl.Grid, rect, h, align=align)
    if grid is not None and grid.shape[0] * grid.shape[1] <= 10_000:
        U = expect({}, fl.project, lambda x1, x2: x1 * x2, grid)
        assert U is not None and U.shape == grid.shape


@SETTINGS
@given(data=st.data(), case=cases(("t", "alpha", "beta")))
def test_fuzz_fold(data, case):
    kinds, tf = case
    d = data.draw
    if kinds["t"] == "ok":
        t = d(st.one_of(st.floats(-10, 10), st.just(np.linspace(-3, 3, 7))))
    elif kinds["t"] == "type":
        t = d(st.sampled_from(["1", None, np.array([1 + 1j])]))
    else:
        t = d(st.sampled_from([math.nan, np.array([0.0, math.inf])]))
    alpha = draw_real(d, kinds["alpha"], st.sampled_from([0.0, -1.0]))
    beta = draw_real(d, kinds["beta"], st.sampled_from([1.0, 2.5]))
    expect(kinds, fl.fold, t, alpha, beta)


@SETTINGS
@given(data=st.data(), case=cases(("beta", "a", "h")))
def test_fuzz_multiscale_chequer(data, case):
    kinds, _ = case
    d = data.draw
    beta = draw_positive(d, kinds["beta"], st.sampled_from([0.2, 0.5, 1.5]))
    a = draw_positive(d, kinds["a"], st.sampled_from([0.5, 0.125, 1.0]))
    h = draw_positive(d, kinds["h"], st.sampled_from([1 / 16, 1 / 8, 0.1]))
    expect(kinds, fl.multiscale_chequer, beta, a, h)


@SETTINGS
@given(data=st.data(), case=cases(("u", "sigma", "seed")))
def test_fuzz_add_noise(data, case):
    kinds, tf = case
    d = data.draw
    u = draw_array(d, kinds["u"], tf)
    sigma = draw_real(d, kinds["sigma"], st.sampled_from([0.0, 0.1, 1.0]))
    if kinds["sigma"] == "value":
        sigma = d(st.sampled_from([math.nan, -0.1]))
    seed = draw_int(d, kinds["seed"], (0, 9), -1)
    expect(kinds, fl.add_noise, u, sigma, seed=seed)


def test_the_classification_is_not_vacuous():
    """The harness fails a function that raises the wrong class, or accepts a bad value."""
    def wrong_class(h):
        if not isinstance(h, float):
            raise ValueError("h must be a float")   # a type error reported as ValueError
        return h
    try:
        expect({"h": "type"}, wrong_class, "0.5")
    except AssertionError as err:
        assert "should raise TypeError" in str(err)
    else:
        raise AssertionError("expect() accepted a ValueError for a wrong type")
    try:
        expect({"h": "value"}, lambda h: h, math.nan)
    except AssertionError as err:
        assert "should raise ValueError" in str(err)
    else:
        raise AssertionError("expect() accepted a silently returned NaN")


def draw_points(draw, kind: str, n: int) -> object:
    """An (n, 2) array of finite reals (as a list or array)."""
    if kind == "type":
        return draw(st.sampled_from([[["0", "1"]] * n, None, np.ones((n, 2), dtype=complex),
                                     np.ones((n, 2), dtype=bool)]))
    if kind == "value":
        pts = np.zeros((n, 2))
        pts[0, draw(st.integers(0, 1))] = draw(st.sampled_from([math.nan, math.inf]))
        return pts
    return draw(hnp.arrays(np.float64, (n, 2), elements=st.floats(-2, 2)))


@SETTINGS
@given(data=st.data(), case=cases(("points", "weights")))
def test_fuzz_dirac_sum(data, case):
    kinds, _ = case
    d = data.draw
    n = d(st.integers(1, 3))
    points = draw_points(d, kinds["points"], n)
    if kinds["weights"] == "type":
        weights = d(st.sampled_from([["a"] * n, None, [True] * n, [1j] * n]))
    elif kinds["weights"] == "value":
        weights = [math.nan] + [1.0] * (n - 1)
    else:
        weights = d(st.lists(st.floats(-3, 3), min_size=n, max_size=n))
    mu = expect(kinds, fl.DiracSum, points, weights)
    if mu is not None:
        assert mu.total_variation() >= 0
        grid = fl.Grid(fl.Rectangle(-1, 1, -1, 1), 0.5)
        expect({}, mu.to_grid, grid)


@SETTINGS
@given(data=st.data(), case=cases(("U", "W", "h", "x", "origin")))
def test_fuzz_conv_pc_exact(data, case):
    kinds, tf = case
    d = data.draw
    U = draw_array(d, kinds["U"], tf, max_dims=2)
    W = draw_array(d, kinds["W"], tf, max_dims=2)
    h = draw_positive(d, kinds["h"])
    if kinds["x"] == "type":
        x = d(st.sampled_from(["0.5", None, [1j]]))
    elif kinds["x"] == "value":
        x = [math.nan, 0.5]
    else:
        x = d(st.lists(st.floats(-3, 3), min_size=1, max_size=4))
    if kinds["origin"] == "type":
        origin = d(st.sampled_from([("0", 0.0), (None, 1.0), 0.0]))
    elif kinds["origin"] == "value":
        origin = (0.0, d(st.sampled_from([math.nan, math.inf])))
    else:
        origin = d(st.tuples(st.floats(-1, 1), st.floats(-1, 1)))
    expect(kinds, fl.conv_pc_exact, U, W, h, x, x[::-1] if isinstance(x, list) else x,
           u_origin=origin)
