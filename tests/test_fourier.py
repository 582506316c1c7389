"""Tests of fscnn_lib.fourier: the construction of Remark 2.9 and Fourier tools on the torus.

Oracles: closed forms (the 16 Lambda^4 (2R+1)^2 identity, the Fourier coefficients of
exp(a.x), the growth bound of the frequency map), exact SymPy arithmetic on integers
(independent of the float code), the editor's published partial sums, and direct
(non-FFT) sums for the periodic convolution.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import fscnn_lib as fl
from fscnn_lib import fourier as fo


# --------------------------------------------------------------------------- beta and n_i
@pytest.mark.parametrize(
    "s, beta", [(0.2, 8), (0.25, 6), (0.5, 3), (0.75, 2), (1.0, 2), (1.5, 1), (2.0, 1), (3.0, 1), (3.01, 0), (10.0, 0)]
)
def test_choose_beta_is_smallest(s, beta):
    assert fo.choose_beta(s) == beta
    assert (2 * beta + 1) * s > 3
    assert beta == 0 or (2 * beta - 1) * s <= 3


@given(st.floats(min_value=1e-3, max_value=50, allow_nan=False))
@settings(max_examples=60, deadline=None)
def test_choose_beta_fuzz(s):
    from fractions import Fraction

    b, q = fo.choose_beta(s), Fraction(repr(s))
    assert (2 * b + 1) * q > 3 and (b == 0 or (2 * b - 1) * q <= 3)


@pytest.mark.parametrize("bad, exc", [(0, ValueError), (-1.0, ValueError), (math.inf, ValueError), ("1", TypeError), (True, TypeError)])
def test_choose_beta_validation(bad, exc):
    with pytest.raises(exc, match="s must"):
        fo.choose_beta(bad)


@pytest.mark.parametrize("beta", [0, 1, 2, 3, 6])
def test_frequency_map_odd_increasing_integer(beta):
    t = np.arange(-8, 9)
    n = fo.frequency_map(t, beta)
    assert_allclose(n, [int(x) * (1 + int(x) ** 2) ** beta for x in t])
    assert_allclose(n, -n[::-1])
    assert np.all(np.diff(n) > 0)


def test_frequency_map_exponential():
    t = np.arange(-5, 6)
    assert_allclose(fo.frequency_map(t, kind="exponential"), np.sign(t) * (2.0 ** np.abs(t) - 1))


def test_frequency_map_validation():
    with pytest.raises(TypeError, match="t must be an int"):
        fo.frequency_map(np.array([0.5]), 1)
    with pytest.raises(ValueError, match="beta must be >= 0"):
        fo.frequency_map(np.arange(3), -1)
    with pytest.raises(TypeError, match="beta must be an int"):
        fo.frequency_map(np.arange(3), 1.0)
    with pytest.raises(ValueError, match="kind must be one of"):
        fo.frequency_map(np.arange(3), 1, kind="fast")


@pytest.mark.parametrize("beta", [0, 1, 2, 3, 6])
def test_growth_condition_exact_integers(beta):
    """1+|n_m|^2 >= 2^(-2beta-2) (1+|m|^2)^(2beta+1), checked in exact integer arithmetic,
    and the upper bound 1+|n_m|^2 <= 2 (1+|m|^2)^(2beta+1)."""
    R = 12
    for m1 in range(-R, R + 1):
        for m2 in range(-R, R + 1):
            n1 = m1 * (1 + m1 * m1) ** beta
            n2 = m2 * (1 + m2 * m2) ** beta
            lhs = 1 + n1 * n1 + n2 * n2
            base = (1 + m1 * m1 + m2 * m2) ** (2 * beta + 1)
            assert 2 ** (2 * beta + 2) * lhs >= base
            assert lhs <= 2 * base


# --------------------------------------------------------------------------- the construction
def test_construction_defaults_and_validation():
    c = fo.NoGainConstruction(k=1, s=0.5)
    assert c.beta == 3 and c.Lambda == 1.0 and c.growth_ok
    with pytest.raises(ValueError, match="beta = 1 is too small for s = 0.5"):
        fo.NoGainConstruction(k=1, s=0.5, beta=1)
    assert not fo.NoGainConstruction(k=1, s=0.5, beta=1, require_growth=False).growth_ok
    with pytest.raises(ValueError, match="k must be >= 0"):
        fo.NoGainConstruction(k=-1, s=0.5)
    with pytest.raises(ValueError, match="s must be positive"):
        fo.NoGainConstruction(k=1, s=0)
    with pytest.raises(TypeError, match="k must be a real number"):
        fo.NoGainConstruction(k="1", s=0.5)
    with pytest.raises(ValueError, match="Lambda must be positive"):
        fo.NoGainConstruction(k=1, s=0.5, Lambda=-2)
    with pytest.raises(ValueError, match="kind must be one of"):
        fo.NoGainConstruction(k=1, s=0.5, kind="dense")
    with pytest.raises(TypeError, match="require_growth must be a bool"):
        fo.NoGainConstruction(k=1, s=0.5, require_growth=1)
    with pytest.raises(TypeError, match="beta must be an int"):
        fo.NoGainConstruction(k=1, s=0.5, beta=3.0)
    with pytest.raises(ValueError, match="R must be >= 0"):
        c.coefficients(-1)


def test_editor_partial_sums():
    """The editor's run (statements.md, S2-R2.9): s=0.5, k=1, beta=3, Lambda=1."""
    c = fo.NoGainConstruction(k=1, s=0.5, beta=3, Lambda=1.0)
    radii = [5, 10, 20, 40, 80]
    ps = c.partial_sums(radii)
    # the editor prints 13.63 for R = 80; the value is 13.62499..., i.e. 13.625 rounded up
    assert_allclose(ps["u_Hk"], [11.27, 12.45, 13.11, 13.45, 13.63], atol=0.006)
    assert round(ps["w_L2"][0], 3) == 3.145 and round(ps["w_L2"][-1], 3) == 3.226
    assert round(ps["conv_Hk"][-1], 2) == 30.68
    # computed from the coefficient arrays; the closed form 16(2R+1)^2 is the oracle
    assert_allclose(ps["conv_Hks"], [16 * (2 * R + 1) ** 2 for R in radii], rtol=1e-12)
    assert_allclose(ps["conv_Hks"], [1936, 7056, 26896, 104976, 414736], rtol=1e-12)


@pytest.mark.parametrize("k, s, Lam", [(0, 0.5, 1.0), (1, 0.5, 1.0), (2, 1.5, 0.5), (0.5, 2.0, 3.0)])
def test_conv_Hks_identity(k, s, Lam):
    c = fo.NoGainConstruction(k=k, s=s, Lambda=Lam)
    R = np.arange(0, 15)
    assert_allclose(c.partial_sums(R.tolist())["conv_Hks"], 16 * Lam**4 * (2 * R + 1) ** 2, rtol=1e-12)
    # the same from the coefficients themselves (the float path through (1+|n|^2)^(k+s))
    co = c.coefficients(3)
    terms = (1 + co["n_sq"]) ** (k + s) * co["conv"] ** 2
    assert_allclose(terms, 16 * Lam**4, rtol=1e-9)
    assert_allclose(co["conv"], (2 * Lam) ** 2 * co["u"] * co["w"])


@pytest.mark.parametrize("k, s, R", [(1, 0.5, 5), (0, 1.0, 4), (2, 2.0, 3)])
def test_exact_sums_match_numeric(k, s, R):
    c = fo.NoGainConstruction(k=k, s=s)
    exact = c.exact_partial_sums(R)
    num = c.partial_sums([R])
    for name in ("u_Hk", "w_L2", "conv_Hk", "conv_Hks"):
        assert_allclose(float(sp.N(exact[name], 30)), num[name][0], rtol=1e-12)
    assert exact["conv_Hks"] == 16 * (2 * R + 1) ** 2
    assert isinstance(exact["w_L2"], sp.Rational)


def test_exact_w_partial_sum_independent():
    """sum_{|m_i|<=2} (1+|m|^2)^-2 computed with Fractions."""
    from fractions import Fraction

    ref = sum(Fraction(1, (1 + a * a + b * b) ** 2) for a in range(-2, 3) for b in range(-2, 3))
    got = fo.NoGainConstruction(k=0, s=1.0).exact_partial_sums(2)["w_L2"]
    assert got == sp.Rational(ref.numerator, ref.denominator)


def test_exact_terms_constant():
    t = fo.NoGainConstruction(k=2, s=0.25).exact_terms()
    assert sp.simplify(t["conv_Hks"] - 16) == 0
    t2 = fo.NoGainConstruction(k=1, s=0.5, Lambda=0.5).exact_terms()
    assert t2["conv_Hks"] == 1


def test_lattice_series_converges():
    assert fo.lattice_series_converges(2) and fo.lattice_series_converges(1.01)
    assert not fo.lattice_series_converges(1) and not fo.lattice_series_converges(0.5)
    assert not fo.lattice_series_converges(0) and not fo.lattice_series_converges(-2)
    assert fo.lattice_series_converges(sp.Rational(3, 2))
    with pytest.raises(TypeError, match="p must be a real number"):
        fo.lattice_series_converges("2")


def test_lattice_series_numerically():
    """Partial sums of sum (1+|m|^2)^-p: bounded for p=2, growing like log R for p=1."""
    def part(p, R):
        t = np.arange(-R, R + 1)
        m_sq = t[:, None] ** 2 + t[None, :] ** 2
        return np.sum((1.0 + m_sq) ** (-p))

    assert part(2, 400) - part(2, 200) < 0.02
    assert part(1, 400) - part(1, 200) > 0.9 * math.pi * math.log(2)


@pytest.mark.parametrize("s", [0.25, 0.5, 1.0, 2.0, 4.0])
def test_verdicts(s):
    c = fo.NoGainConstruction(k=1, s=s)
    assert c.verdicts() == {"u_Hk": True, "w_L2": True, "conv_Hk": True, "conv_Hks": False}
    dense = fo.NoGainConstruction(k=1, s=s, beta=0, require_growth=False).verdicts()
    assert dense["u_Hk"] is (s > 3)
    e = fo.NoGainConstruction(k=1, s=s, kind="exponential")
    assert e.verdicts()["conv_Hks"] is False and e.verdicts()["u_Hk"] is True


def test_exponential_serves_all_s():
    """One w for all s: its coefficients do not depend on s; u's H^k sums converge."""
    ws = [fo.NoGainConstruction(k=1, s=s, kind="exponential").coefficients(6)["w"] for s in (0.1, 1.0)]
    assert_allclose(ws[0], ws[1])
    ps = fo.NoGainConstruction(k=1, s=0.5, kind="exponential").partial_sums([60, 120, 180])["u_Hk"]
    assert ps[2] - ps[1] < 1e-6 * ps[2]


def test_partial_sums_validation():
    c = fo.NoGainConstruction(k=1, s=0.5)
    with pytest.raises(TypeError, match="radii must be an int or a sequence"):
        c.partial_sums("5")
    with pytest.raises(ValueError, match="radii must not be empty"):
        c.partial_sums([])
    with pytest.raises(ValueError, match="radii entry must be >= 0"):
        c.partial_sums([-1])
    assert_allclose(c.partial_sums(3)["conv_Hks"], [16 * 49], rtol=1e-12)


# --------------------------------------------------------------------------- synthesis
def test_synthesis_real_even_and_matches_direct_sum():
    c = fo.NoGainConstruction(k=1, s=2.0)
    R = 2
    x = np.array([-0.7, 0.1, 0.33])
    v = c.synthesize("u", x, x, R)
    n = c.frequencies(R)
    co = c.coefficients(R)["u"]
    ref = np.zeros((3, 3), dtype=complex)
    for a in range(3):
        for b in range(3):
            ref[a, b] = np.sum(co * np.exp(1j * np.pi * (n[:, None] * x[a] + n[None, :] * x[b])))
    assert np.max(np.abs(ref.imag)) < 1e-10
    assert_allclose(v, ref.real, atol=1e-10)
    assert_allclose(c.synthesize("w", -x, -x, R), c.synthesize("w", x, x, R), atol=1e-12)


def test_synthesis_validation():
    c = fo.NoGainConstruction(k=1, s=0.5)
    with pytest.raises(ValueError, match="which must be one of"):
        c.synthesize("v", [0.0], [0.0], 1)
    with pytest.raises(ValueError, match="1-D coordinate arrays"):
        c.synthesize("u", np.zeros((2, 2)), [0.0], 1)
    with pytest.raises(ValueError, match="beyond exact float"):
        c.synthesize("u", [0.0], [0.0], 200)


@pytest.mark.parametrize("s, R, N", [(2.0, 3, 128), (4.0, 5, 16), (0.5, 1, 32)])
def test_fft_periodic_convolution_of_synthesised(s, R, N):
    """The synthesised u (*) w equals the periodic convolution (FFT) of the synthesised u, w."""
    c = fo.NoGainConstruction(k=1, s=s, Lambda=1.5)
    x = fl.torus_nodes(N, 1.5)
    u, w = c.synthesize("u", x, x, R), c.synthesize("w", x, x, R)
    got = fl.periodic_convolution(u, w, 1.5)
    assert_allclose(got, c.synthesize("conv", x, x, R), atol=1e-9 * np.max(np.abs(got)))


def test_periodic_convolution_direct_sum():
    rng = np.random.default_rng(0)
    N, Lam = 8, 2.0
    u, w = rng.standard_normal((N, N)), rng.standard_normal((N, N))
    h = 2 * Lam / N
    ref = np.zeros((N, N))
    for i1 in range(N):
        for i2 in range(N):
            for j1 in range(N):
                for j2 in range(N):
                    # x_i - y_j = h(i - j) = node index i - j + N/2
                    ref[i1, i2] += u[(i1 - j1 + N // 2) % N, (i2 - j2 + N // 2) % N] * w[j1, j2]
    assert_allclose(fl.periodic_convolution(u, w, Lam), h * h * ref, atol=1e-12)


def test_periodic_convolution_validation():
    with pytest.raises(ValueError, match="even side"):
        fl.periodic_convolution(np.ones((5, 5)), np.ones((5, 5)))
    with pytest.raises(ValueError, match="same shape"):
        fl.periodic_convolution(np.ones((4, 4)), np.ones((6, 6)))
    with pytest.raises(TypeError, match="numpy.ndarray"):
        fl.periodic_convolution(torch.ones(4, 4, dtype=torch.float64), torch.ones(4, 4, dtype=torch.float64))
    with pytest.raises(ValueError, match="square"):
        fl.periodic_convolution(np.ones((4, 6)), np.ones((4, 6)))


def test_valid_convolution_of_periodic_extension_EN9b():
    """EN-9b: u (*) w = valid convolution of u_per with w on Sigma = (-Lambda, Lambda)^2."""
    c = fo.NoGainConstruction(k=1, s=2.0, Lambda=1.0)
    R, N = 3, 96
    h = 2.0 / N
    xc = fl.torus_cell_centres(N)
    u, w = c.synthesize("u", xc, xc, R), c.synthesize("w", xc, xc, R)
    for pad in (N // 2, N // 4):
        v = fl.conv_valid(fl.periodic_extend(u, pad), w, h)
        xn = -pad * h + h * np.arange(2 * pad + 1)
        assert_allclose(v, c.synthesize("conv", xn, xn, R), atol=1e-9)


def test_periodic_extend():
    u = np.arange(9.0).reshape(3, 3)
    e = fl.periodic_extend(u, 4)
    assert e.shape == (11, 11)
    assert_allclose(e[4:7, 4:7], u)
    assert_allclose(e[:3, :3], e[3:6, 3:6])
    assert fl.periodic_extend(np.zeros((2, 3, 3)), 1).shape == (2, 5, 5)
    with pytest.raises(ValueError, match="pad must be >= 0"):
        fl.periodic_extend(u, -1)
    with pytest.raises(TypeError, match="numpy.ndarray"):
        fl.periodic_extend(torch.zeros(3, 3, dtype=torch.float64), 1)


# --------------------------------------------------------------------------- Fourier on grids
def test_grids():
    assert_allclose(fl.torus_nodes(4, 2.0), [-2, -1, 0, 1])
    assert_allclose(fl.torus_cell_centres(4, 2.0), [-1.5, -0.5, 0.5, 1.5])
    with pytest.raises(ValueError, match="N must be >= 1"):
        fl.torus_nodes(0)
    with pytest.raises(ValueError, match="Lambda must be positive"):
        fl.torus_cell_centres(4, 0.0)


def test_fourier_coefficients_trig_polynomial():
    N, Lam = 16, 2.0
    x = fl.torus_nodes(N, Lam)
    X1, X2 = np.meshgrid(x, x, indexing="ij")
    v = 3 + 2 * np.cos(np.pi * 5 * X1 / Lam) * np.sin(np.pi * 2 * X2 / Lam)
    f, c = fl.fourier_coefficients(v, Lam)
    ref = np.zeros((N, N), dtype=complex)
    i = {n: n + N // 2 for n in range(-N // 2, N // 2)}
    ref[i[0], i[0]] = 3
    for a in (5, -5):
        for b, val in ((2, -0.5j), (-2, 0.5j)):
            ref[i[a], i[b]] = val
    assert_allclose(c, ref, atol=1e-12)
    assert f.tolist() == list(range(-8, 8))


def _exp_coeff(a, Lam, n):
    """Closed form of (2 Lam)^-1 int_{-Lam}^{Lam} e^{a x} e^{-i pi n x / Lam} dx."""
    return (-1.0) ** n * np.sinh(a * Lam) / (a * Lam - 1j * np.pi * n)


def test_fourier_coefficients_non_periodic_closed_form():
    """exp(a.x) is smooth but not periodic: FFT coefficients (closed grid) vs the closed form."""
    N, Lam, a1, a2 = 512, 1.0, 0.5, 0.3
    xe = -Lam + 2 * Lam * np.arange(N + 1) / N
    X1, X2 = np.meshgrid(xe, xe, indexing="ij")
    f, c = fl.fourier_coefficients(np.exp(a1 * X1 + a2 * X2), Lam, endpoint=True)
    ref = _exp_coeff(a1, Lam, f)[:, None] * _exp_coeff(a2, Lam, f)[None, :]
    sel = np.abs(f) <= 32
    assert_allclose(c[np.ix_(sel, sel)], ref[np.ix_(sel, sel)], rtol=0.03)


def test_weighted_sums_grow_for_non_periodic_EN9a():
    """The H^1 weighted partial sums of exp(a.x) grow linearly in K (closed form)."""
    K = np.array([8, 16, 32, 64, 128])
    f = np.arange(-256, 256)
    ref = _exp_coeff(0.5, 1.0, f)[:, None] * _exp_coeff(0.3, 1.0, f)[None, :]
    s1 = fl.weighted_partial_sums(ref, f, 1, K.tolist())
    inc = np.diff(s1)
    assert_allclose(inc[1:] / inc[:-1], 2.0, rtol=0.05)
    s0 = fl.weighted_partial_sums(ref, f, 0, K.tolist())  # the L^2 sums converge
    assert s0[-1] - s0[-2] < 0.01 * s0[-1]


def test_weighted_partial_sums_validation():
    f = np.arange(-2, 2)
    with pytest.raises(ValueError, match="coeffs must be"):
        fl.weighted_partial_sums(np.zeros((4, 3)), f, 1, 1)
    with pytest.raises(TypeError, match="freqs must be integers"):
        fl.weighted_partial_sums(np.zeros((4, 4)), f.astype(float), 1, 1)
    with pytest.raises(ValueError, match="must not exceed"):
        fl.weighted_partial_sums(np.zeros((4, 4)), f, 1, 3)
    with pytest.raises(ValueError, match="k must be >= 0"):
        fl.weighted_partial_sums(np.zeros((4, 4)), f, -1, 1)


def test_fourier_coefficients_validation():
    with pytest.raises(ValueError, match="even side"):
        fl.fourier_coefficients(np.ones((5, 5)))
    with pytest.raises(ValueError, match="endpoint=True"):
        fl.fourier_coefficients(np.ones((4, 4)), endpoint=True)
    with pytest.raises(TypeError, match="endpoint must be a bool"):
        fl.fourier_coefficients(np.ones((4, 4)), endpoint=1)
    with pytest.raises(TypeError, match="dtype float32 or float64"):
        fl.fourier_coefficients(np.ones((4, 4), dtype=int))
    with pytest.raises(TypeError, match="numpy.ndarray"):
        fl.fourier_coefficients(torch.ones(4, 4, dtype=torch.float64))


def test_public_names_exported():
    for name in fo.__all__:
        assert getattr(fl, name) is getattr(fo, name)


def test_exponential_large_R_no_overflow_warning():
    import warnings

    e = fo.NoGainConstruction(k=1, s=2.0, kind="exponential")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ps = e.partial_sums([100, 800])
    assert np.isfinite(ps["u_Hk"]).all() and ps["u_Hk"][1] == pytest.approx(ps["u_Hk"][0])


def test_partial_sums_follow_the_coefficients(monkeypatch):
    """The sums are computed from the coefficient arrays, not written down.

    Halving every log-coefficient of u*w (a wrong construction) must move the
    H^{k+s} sums away from 16(2R+1)^2; with the true arrays they match it.
    """
    c = fo.NoGainConstruction(k=1, s=0.5)
    good = c.partial_sums([2, 4])["conv_Hks"]
    assert_allclose(good, [16 * 25, 16 * 81], rtol=1e-12)
    true_coefficients = fo.NoGainConstruction.coefficients

    def perturbed(self, R):
        co = true_coefficients(self, R)
        co["log_conv"] = co["log_conv"] - 0.5 * co["log_bracket"]
        return co

    monkeypatch.setattr(fo.NoGainConstruction, "coefficients", perturbed)
    bad = c.partial_sums([2, 4])["conv_Hks"]
    assert np.all(bad < 0.5 * good)


def test_log_coefficients_agree_and_survive_overflow():
    c = fo.NoGainConstruction(k=1, s=0.5)
    co = c.coefficients(6)
    assert_allclose(np.exp(co["log_u"]), co["u"], rtol=1e-12)
    assert_allclose(co["log_bracket"], np.log1p(co["n_sq"]), rtol=1e-12)
    e = fo.NoGainConstruction(k=1, s=1.0, kind="exponential")
    co = e.coefficients(600)  # |n|^2 overflows float64, its logarithm does not
    assert np.isinf(co["n_sq"]).any() and np.isfinite(co["log_bracket"]).all()
    assert_allclose(e.partial_sums(600)["conv_Hks"], [16 * 1201**2], rtol=1e-11)


def test_exact_sums_from_exact_coefficients():
    c = fo.NoGainConstruction(k=2, s=0.25, Lambda=0.5)
    ex = c.exact_partial_sums(2)
    assert ex["conv_Hks"] == 25  # 16 * (1/2)^4 * 5^2, an exact rational
    assert isinstance(ex["conv_Hks"], sp.Integer)
    assert float(ex["conv_Hk"]) < float(ex["conv_Hks"])


def test_torus_module_holds_the_grid_helpers():
    from fscnn_lib import torus

    assert fl.torus_nodes is torus.torus_nodes
    assert "fourier_coefficients" not in fo.__all__
    assert not hasattr(fo, "_SUM_NAMES")
