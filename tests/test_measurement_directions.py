"""Direction tests for the measurement helpers (issue 6, part 3).

Every measurement is fed features (steps, kinks, ramps) along x1, along x2 and
along both diagonals, and transposed or mirrored copies of its input must give
the same answer. The modulus of continuity is compared with a brute-force
oracle over every grid shift of both signs on several seeded random fields.
A helper that looks in one direction only, or shifts in one sign only, fails.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

import fscnn_lib as fl

N = 24
H = 1.0 / N
I, J = np.meshgrid(np.arange(N), np.arange(N), indexing="ij")
X1, X2 = (I + 0.5) * H, (J + 0.5) * H

# features along each direction: the value depends on one coordinate only
STEPS = {
    "x1": (X1 > 0.5) * 1.0,
    "x2": (X2 > 0.5) * 1.0,
    "diag": (X1 + X2 > 1.0) * 1.0,
    "anti": (X1 - X2 > 0.0) * 1.0,
}
KINKS = {
    "x1": np.abs(X1 - 0.5),
    "x2": np.abs(X2 - 0.5),
    "diag": np.abs(X1 + X2 - 1.0),
    "anti": np.abs(X1 - X2),
}
RAMPS = {"x1": X1, "x2": X2, "diag": X1 + X2, "anti": X1 - X2}

# the symmetries of the square that keep the grid: transpose and mirrors
TRANSFORMS = {
    "T": lambda a: np.swapaxes(a, -1, -2),
    "F1": lambda a: np.flip(a, -2),
    "F2": lambda a: np.flip(a, -1),
    "rot": lambda a: np.flip(np.swapaxes(a, -1, -2), -1),
}


def _shift_map(name: str, s: tuple[int, int]) -> tuple[int, int]:
    """The shift that corresponds to ``s`` after the transform ``name``."""
    s1, s2 = s
    return {"T": (s2, s1), "F1": (-s1, s2), "F2": (s1, -s2), "rot": (s2, -s1)}[name]


def _rng_fields(n: int = 4, shape=(13, 11)) -> list[np.ndarray]:
    return [np.random.default_rng(seed).standard_normal(shape) for seed in range(n)]


FIELDS = _rng_fields()
ALL_SHIFTS = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, -1), (1, -1), (-1, 1), (2, -1), (-1, 3)]


# ------------------------------------------------------------------ max_jump
@pytest.mark.parametrize("d", list(STEPS))
def test_max_jump_sees_steps_in_every_direction(d):
    assert fl.max_jump(STEPS[d]) == 1.0
    # a ramp of slope 1 moves by h per neighbour along x1 or x2 (and 2h for diag)
    expected = {"x1": H, "x2": H, "diag": H, "anti": H}[d]
    assert math.isclose(fl.max_jump(RAMPS[d]), expected, rel_tol=1e-9)


@pytest.mark.parametrize("t", list(TRANSFORMS))
@pytest.mark.parametrize("k", range(len(FIELDS)))
def test_max_jump_invariant(t, k):
    u = FIELDS[k]
    assert fl.max_jump(TRANSFORMS[t](u)) == fl.max_jump(u)


def test_max_jump_single_row_difference_on_axis_minus_2():
    # the only jump is between two rows: a helper ignoring axis -2 returns 0
    u = np.zeros((5, 7))
    u[3:, :] = 2.5
    assert fl.max_jump(u) == 2.5
    assert fl.max_jump(u.T) == 2.5


# ------------------------------------------------------------- gradient_jump
@pytest.mark.parametrize("d", list(KINKS))
def test_gradient_jump_sees_kinks_in_every_direction(d):
    g = fl.gradient_jump(KINKS[d], H)
    assert 0.9 <= g <= 2.0 + 1e-9, (d, g)
    assert fl.gradient_jump(RAMPS[d], H) < 1e-9


@pytest.mark.parametrize("t", list(TRANSFORMS))
@pytest.mark.parametrize("d", list(KINKS))
def test_gradient_jump_invariant(t, d):
    u = KINKS[d] + 0.1 * FIELDS[0][:1, :1]  # a constant shift changes nothing
    assert math.isclose(fl.gradient_jump(TRANSFORMS[t](u), H), fl.gradient_jump(u, H), rel_tol=1e-12)


# ----------------------------------------------------- modulus_of_continuity
def _modulus_oracle(u: np.ndarray, h: float, t: float) -> float:
    """Brute force: every grid shift (k1, k2) of both signs with |k| h <= t."""
    n, m = u.shape
    best = 0.0
    K = int(math.floor(t / h + 1e-9))
    for k1 in range(-K, K + 1):
        for k2 in range(-K, K + 1):
            if (k1, k2) == (0, 0) or (k1 * k1 + k2 * k2) * h * h > t * t * (1 + 1e-12):
                continue
            for i in range(n):
                for j in range(m):
                    if 0 <= i + k1 < n and 0 <= j + k2 < m:
                        best = max(best, abs(u[i + k1, j + k2] - u[i, j]))
    return best


@pytest.mark.parametrize("t", [1.0, math.sqrt(2), 2.0, 2.3])
@pytest.mark.parametrize("k", range(len(FIELDS)))
def test_modulus_matches_bruteforce_oracle(k, t):
    u = FIELDS[k]
    assert math.isclose(fl.modulus_of_continuity(u, 1.0, t), _modulus_oracle(u, 1.0, t), rel_tol=1e-13)


@pytest.mark.parametrize("shift", ALL_SHIFTS)
def test_modulus_sees_a_single_shift_direction(shift):
    # a field that changes only along one shift direction s (constant along s's normal)
    # and whose largest change is under the shift s itself
    s1, s2 = shift
    u = (s1 * I + s2 * J) * 1.0
    t = math.hypot(s1, s2)
    # along s the change is |s|^2; no other shift of length <= |s| does better
    assert math.isclose(fl.modulus_of_continuity(u, 1.0, t), s1 * s1 + s2 * s2, rel_tol=1e-12)
    assert math.isclose(fl.modulus_of_continuity(u, 1.0, t), _modulus_oracle(u[:8, :8], 1.0, t), rel_tol=1e-12)


@pytest.mark.parametrize("tr", list(TRANSFORMS))
@pytest.mark.parametrize("k", range(len(FIELDS)))
def test_modulus_invariant(tr, k):
    u = FIELDS[k][:11, :11]
    for t in (1.0, math.sqrt(2), 2.5):
        assert fl.modulus_of_continuity(TRANSFORMS[tr](u), 1.0, t) == fl.modulus_of_continuity(u, 1.0, t)


# ---------------------------------------------------- translation_difference
def _translation_oracle(u: np.ndarray, h: float, s: tuple[int, int], p: float) -> float:
    n, m = u.shape
    a1, a2 = abs(s[0]), abs(s[1])
    ext = np.zeros((n + 2 * a1, m + 2 * a2))
    ext[a1 : a1 + n, a2 : a2 + m] = u
    moved = np.zeros_like(ext)
    # moved(x) = ext(x + t)
    for i in range(ext.shape[0]):
        for j in range(ext.shape[1]):
            ii, jj = i + s[0], j + s[1]
            if 0 <= ii < ext.shape[0] and 0 <= jj < ext.shape[1]:
                moved[i, j] = ext[ii, jj]
    d = np.abs(moved - ext)
    return float(d.max()) if math.isinf(p) else float((h * h * (d**p).sum()) ** (1 / p))


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, math.inf])
@pytest.mark.parametrize("s", ALL_SHIFTS)
def test_translation_difference_oracle_and_symmetries(s, p):
    u = FIELDS[1][:9, :8]
    ref = fl.translation_difference(u, 0.5, s, p)
    assert math.isclose(ref, _translation_oracle(u, 0.5, s, p), rel_tol=1e-12)
    # the L^p norm on R^2 does not see the sign of the translation
    assert math.isclose(fl.translation_difference(u, 0.5, (-s[0], -s[1]), p), ref, rel_tol=1e-12)
    for name, f in TRANSFORMS.items():
        got = fl.translation_difference(np.ascontiguousarray(f(u)), 0.5, _shift_map(name, s), p)
        assert math.isclose(got, ref, rel_tol=1e-12), name


@pytest.mark.parametrize("d", list(STEPS))
def test_translation_difference_of_steps(d):
    # a unit step shifted across its interface by one cell: an L^1 difference of about
    # (length of the interface) * h in the normal direction; zero along the interface
    u = STEPS[d]
    along = {"x1": (0, 1), "x2": (1, 0), "diag": (1, -1), "anti": (1, 1)}[d]
    across = {"x1": (1, 0), "x2": (0, 1), "diag": (1, 1), "anti": (1, -1)}[d]
    inner = fl.translation_difference(u, H, along, 1.0)
    outer = fl.translation_difference(u, H, across, 1.0)
    assert outer > inner + 0.5 * H  # the interface contributes across, not along


# ------------------------------------------------------------- modulus_bound
@pytest.mark.parametrize("translate", ["input", "kernel"])
@pytest.mark.parametrize("s", ALL_SHIFTS)
def test_modulus_bound_symmetries(s, translate):
    rng = np.random.default_rng(11)
    u, w = rng.standard_normal((14, 12)), rng.standard_normal((4, 3))
    lhs, rhs = fl.modulus_bound(u, w, 0.25, s, 2.0, translate=translate)
    assert lhs <= rhs * (1 + 1e-12)
    V = fl.conv_valid(u, w, 0.25)
    n, m = V.shape
    brute = max(
        abs(V[i + s[0], j + s[1]] - V[i, j])
        for i in range(n)
        for j in range(m)
        if 0 <= i + s[0] < n and 0 <= j + s[1] < m
    )
    assert math.isclose(lhs, brute, rel_tol=1e-12)
    for name, f in TRANSFORMS.items():
        ul, wl = np.ascontiguousarray(f(u)), np.ascontiguousarray(f(w))
        l2, r2 = fl.modulus_bound(ul, wl, 0.25, _shift_map(name, s), 2.0, translate=translate)
        assert math.isclose(l2, lhs, rel_tol=1e-9), name
        assert math.isclose(r2, rhs, rel_tol=1e-9), name


# ------------------------------------------------------------------------ tv
@pytest.mark.parametrize("d", ["x1", "x2"])
def test_tv_of_axis_steps_is_interface_length(d):
    for kind in ("isotropic", "anisotropic"):
        assert math.isclose(fl.tv(STEPS[d], H, kind=kind), 1.0, rel_tol=1e-12)


@pytest.mark.parametrize("d", ["diag", "anti"])
def test_tv_of_diagonal_steps(d):
    # the staircase along a diagonal of the unit square has l^1 length 2
    aniso = fl.tv(STEPS[d], H, kind="anisotropic")
    assert abs(aniso - 2.0) <= 2 * H + 1e-12
    # |g|_2 <= |g|_1; equality on the anti-diagonal, where the two forward
    # differences of the staircase never fall on the same cell
    assert fl.tv(STEPS[d], H, kind="isotropic") <= aniso


@pytest.mark.parametrize("tr", list(TRANSFORMS))
@pytest.mark.parametrize("k", range(len(FIELDS)))
def test_tv_invariance(tr, k):
    u = FIELDS[k]
    f = TRANSFORMS[tr]
    assert math.isclose(fl.tv(f(u), 0.1, kind="anisotropic"), fl.tv(u, 0.1, kind="anisotropic"), rel_tol=1e-12)
    if tr == "T":  # forward differences pair g1, g2 at the same cell: only T is exact
        assert math.isclose(fl.tv(f(u), 0.1), fl.tv(u, 0.1), rel_tol=1e-12)


@pytest.mark.parametrize("tr", list(TRANSFORMS))
@pytest.mark.parametrize("d", ["x1", "x2"])
def test_tv_isotropic_mirror_of_axis_features(tr, d):
    for feat in (STEPS, KINKS, RAMPS):
        u = feat[d]
        assert math.isclose(fl.tv(TRANSFORMS[tr](u), H), fl.tv(u, H), rel_tol=1e-12)


# --------------------------------------------------------- discrete_gradient
@pytest.mark.parametrize("k", range(len(FIELDS)))
def test_discrete_gradient_transpose_and_mirror(k):
    u = FIELDS[k]
    g = fl.discrete_gradient(u, 0.5)
    gt = fl.discrete_gradient(np.ascontiguousarray(u.T), 0.5)
    np.testing.assert_array_equal(gt[0], g[1].T)
    np.testing.assert_array_equal(gt[1], g[0].T)
    gf = fl.discrete_gradient(np.ascontiguousarray(u[::-1]), 0.5)
    np.testing.assert_array_equal(gf[0, :-1], -g[0, :-1][::-1])
    np.testing.assert_array_equal(gf[1], g[1][::-1])
    gf2 = fl.discrete_gradient(np.ascontiguousarray(u[:, ::-1]), 0.5)
    np.testing.assert_array_equal(gf2[1, :, :-1], -g[1, :, :-1][:, ::-1])
    np.testing.assert_array_equal(gf2[0], g[0][:, ::-1])


@pytest.mark.parametrize("d", list(RAMPS))
def test_discrete_gradient_of_ramps(d):
    g = fl.discrete_gradient(RAMPS[d], H)
    c1, c2 = {"x1": (1, 0), "x2": (0, 1), "diag": (1, 1), "anti": (1, -1)}[d]
    np.testing.assert_allclose(g[0, :-1], c1, atol=1e-9)
    np.testing.assert_allclose(g[1, :, :-1], c2, atol=1e-9)


# ------------------------------------------------- lp_norm, sobolev_seminorm
@pytest.mark.parametrize("p", [1.0, 2.0, 3.5, math.inf])
@pytest.mark.parametrize("tr", list(TRANSFORMS))
def test_lp_norm_invariant(tr, p):
    for u in FIELDS:
        assert math.isclose(fl.lp_norm(TRANSFORMS[tr](u), 0.3, p), fl.lp_norm(u, 0.3, p), rel_tol=1e-12)


@pytest.mark.parametrize("p", [1.0, 2.0, math.inf])
@pytest.mark.parametrize("d", list(STEPS))
def test_sobolev_seminorm_directions(d, p):
    u = STEPS[d]
    val = fl.sobolev_seminorm(u, H, p)
    assert math.isclose(fl.sobolev_seminorm(np.ascontiguousarray(u.T), H, p), val, rel_tol=1e-12)
    if d in ("x1", "x2"):  # one difference 1/h per line: h^(1/p - 1)
        expected = H ** (1 / p - 1) if not math.isinf(p) else 1 / H
        assert math.isclose(val, expected, rel_tol=1e-12)
        for f in TRANSFORMS.values():
            assert math.isclose(fl.sobolev_seminorm(f(u), H, p), val, rel_tol=1e-12)
    else:
        assert val > 0


# -------------------------------------------------------------- jump_measure
@pytest.mark.parametrize("k", range(len(FIELDS)))
def test_jump_measure_transpose_and_mirror(k):
    u = FIELDS[k]
    du = fl.jump_measure(u, 0.5)
    dt = fl.jump_measure(np.ascontiguousarray(u.T), 0.5)
    np.testing.assert_array_equal(dt.d1, du.d2.T)
    np.testing.assert_array_equal(dt.d2, du.d1.T)
    df = fl.jump_measure(np.ascontiguousarray(u[::-1]), 0.5)
    np.testing.assert_array_equal(df.d1, -du.d1[::-1])
    np.testing.assert_array_equal(df.d2, du.d2[::-1])
    for f in TRANSFORMS.values():
        assert math.isclose(
            fl.jump_measure(np.ascontiguousarray(f(u)), 0.5).total_variation(), du.total_variation(), rel_tol=1e-12
        )


@pytest.mark.parametrize("d", ["x1", "x2"])
def test_jump_measure_of_axis_steps(d):
    du = fl.jump_measure(STEPS[d], H)
    along, across = (du.d1, du.d2) if d == "x1" else (du.d2, du.d1)
    assert math.isclose(float(along.sum()), 1.0, rel_tol=1e-12)  # interface length 1, jump 1
    assert float(np.abs(across).sum()) == 0.0


# ------------------------------------------------------- commutation_residual
@pytest.mark.parametrize("tr", [None, *TRANSFORMS])
@pytest.mark.parametrize("d", list(STEPS))
def test_commutation_residual_all_directions(d, tr):
    w = np.random.default_rng(5).standard_normal((4, 3))
    u = STEPS[d]
    if tr is not None:
        u, w = np.ascontiguousarray(TRANSFORMS[tr](u)), np.ascontiguousarray(TRANSFORMS[tr](w))
    assert fl.commutation_residual(u, w, H) < 1e-12


# --------------------------------------------- layer_jumps, regularity_verdict
def _net(kernels):
    ks = [torch.tensor(k, dtype=torch.float64) for k in kernels]
    return fl.FsCNN(ks, [0.25] * len(ks), biases=[0.05, -0.1][: len(ks)])


KERNELS = [[[1.0, -2.0], [0.5, 1.5]], [[0.3, 1.0], [-1.0, 2.0]]]
HS = [1 / 8, 1 / 16, 1 / 32]


@pytest.mark.parametrize("tr", list(TRANSFORMS))
@pytest.mark.parametrize("d", list(STEPS))
def test_layer_jumps_direction_free(d, tr):
    f = TRANSFORMS[tr]
    kernels = np.array(KERNELS)

    def make(h, transform=lambda a: a):
        n = round(1 / h)
        x = (np.arange(n) + 0.5) / n
        a, b = np.meshgrid(x, x, indexing="ij")
        feat = {"x1": a > 0.5, "x2": b > 0.5, "diag": a + b > 1.0, "anti": a - b > 0.0}[d] * 1.0
        return torch.tensor(np.ascontiguousarray(transform(feat)))[None, None]

    ref = fl.layer_jumps(_net(kernels), make, HS)
    got = fl.layer_jumps(_net(np.ascontiguousarray(f(kernels))), lambda h: make(h, f), HS)
    np.testing.assert_allclose(got.max_jumps, ref.max_jumps, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got.gradient_jumps, ref.gradient_jumps, rtol=1e-10, atol=1e-12)
    assert ref.max_jumps[0].min() > 0  # the step is seen in every direction


def _verdict_label(make):
    hs = [1 / 16, 1 / 32, 1 / 64, 1 / 128]
    us = [make(np.arange(round(1 / h) + 1) * h) for h in hs]
    return fl.regularity_verdict(
        hs, [fl.max_jump(u) for u in us], [fl.gradient_jump(u, h) for u, h in zip(us, hs)]
    ).label


FEATURES = {
    "step": lambda a, b: (a > 0.5 + 1e-9) * 1.0,
    "kink": lambda a, b: np.abs(a - 0.5),
    "smooth": lambda a, b: np.sin(2 * a),
}
ROTATIONS = {
    "x1": lambda a, b: (a, b),
    "x2": lambda a, b: (b, a),
    "diag": lambda a, b: ((a + b) / 2, a - b),
    "anti": lambda a, b: ((a - b + 1) / 2, a + b),
}


@pytest.mark.parametrize("feature", list(FEATURES))
def test_regularity_verdict_direction_free(feature):
    labels = {}
    for d, rot in ROTATIONS.items():

        def make(x, rot=rot):
            a, b = np.meshgrid(x, x, indexing="ij")
            return FEATURES[feature](*rot(a, b))

        labels[d] = _verdict_label(make)
    assert len(set(labels.values())) == 1, labels


def test_regularity_verdict_three_features_three_labels():
    def make_for(feature, d):
        def make(x):
            a, b = np.meshgrid(x, x, indexing="ij")
            return FEATURES[feature](*ROTATIONS[d](a, b))

        return make

    for d in ROTATIONS:
        labels = [_verdict_label(make_for(f, d)) for f in FEATURES]
        assert len(set(labels)) == 3, (d, labels)


def test_all_shift_directions_listed():
    # guard: the shift list covers every sign pattern and both diagonals
    signs = {(np.sign(a), np.sign(b)) for a, b in ALL_SHIFTS}
    assert signs >= set(itertools.product((-1, 0, 1), repeat=2)) - {(0, 0)}


# ------------------------------------------------------------------ interior
@pytest.mark.parametrize("tr", list(TRANSFORMS))
@pytest.mark.parametrize("k", range(len(FIELDS)))
def test_interior_crops_both_axes_alike(tr, k):
    """Cropping commutes with the symmetries of the square (on a non-square field too),
    and removes the same number of samples from all four sides."""
    u = FIELDS[k]
    h, margin = 0.1, 0.2
    got = fl.interior(TRANSFORMS[tr](u), h, margin)
    assert np.array_equal(got, TRANSFORMS[tr](fl.interior(u, h, margin)))
    assert got.shape == tuple(n - 4 for n in TRANSFORMS[tr](u).shape)
