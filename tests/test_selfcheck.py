"""Tests of fscnn_lib.selfcheck: the self-checking exercises of the course plan.

The right answers are written here from the mathematics (closed forms, or the exponent a
proof predicts), independently of the module, which computes them with the library; the
module must accept them, reject the near misses a student is likely to give, never print
the answer in a hint, and validate its arguments.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import fscnn_lib as fl
from fscnn_lib import selfcheck

#: exercise id -> (the answer from the mathematics, near misses that must be rejected)
EXPECTED = {
    # 1 + 2/8 + 2/16 + 4/16: side lengths add under Omega - Sigma (S2-NOT-a)
    "ch01-receptive": (1 + 1 / 4 + 1 / 8 + 1 / 4, [1.5, 1.75, 1.0, 1.375]),
    # u*w is Lipschitz for BV u and bounded w: jumps O(h)
    "ch02-jump-rate": (1.0, [0.5, 0.0, 2.0]),
    # about Per/h edge cells, each |grad| = 1/h on area h^2: (h^2 h^-1 h^-4)^(1/4) = h^(-3/4)
    "ch04-gradient-exponent": (1 / 4 - 1, [-0.5, 0.75, -1.0, -0.25]),
    # EN-7a: max(2, ceil(p')) with p' = 5 for p = 1.25
    "ch05-layers": (5, [2, 4, 6, 3]),
    # the smallest beta with (2 beta + 1) 0.4 > 3: 9 * 0.4 = 3.6 > 3 >= 7 * 0.4
    "ch06-beta": (4, [3, 5, 3.5]),
    # ||K||_F / h = (1/3) * 64
    "ch07-kernel-norm": (64 / 3, [1 / 3, 64 / 9, 64**2 / 3, 21.0, 22.0]),
    # Lemma 3.4 for a Lipschitz function: order 1
    "ch08-rate": (1.0, [0.5, 2.0, 0.0]),
    # |gamma| / sqrt(eps) = 1.5 / 1e-2
    "ch12-bn-lipschitz": (150.0, [1.5, 15000.0, 1.5 / 1e-4 ** 0.25, 149.0]),
}


def test_every_exercise_is_tested_and_listed_with_a_question():
    qs = selfcheck.exercises()
    assert set(qs) == set(EXPECTED)
    assert all(isinstance(q, str) and q.endswith("?") for q in qs.values())
    assert 6 <= len(qs) and list(qs) == sorted(qs, key=lambda k: int(k[2:4]))  # chapter order
    assert fl.selfcheck is selfcheck


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_right_answer_is_accepted(key, capsys):
    right, _ = EXPECTED[key]
    assert selfcheck.check(key, right) is True
    assert capsys.readouterr().out.startswith("correct")


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_near_misses_are_rejected_with_a_hint_that_hides_the_answer(key, capsys):
    right, misses = EXPECTED[key]
    for miss in misses:
        assert selfcheck.check(key, miss) is False, (key, miss)
        out = capsys.readouterr().out
        assert out.startswith("not yet: ")
        assert all(len(line) <= 80 for line in out.splitlines())
        # an answer of 3 or more characters never appears (single digits occur in any text)
        for shown in {f"{right:g}", f"{right:.2f}", f"{right:.3g}", f"{abs(right):g}"}:
            assert len(shown) < 3 or shown not in out, (key, shown, out)


def test_rounded_decimals_count_and_ints_and_numpy_numbers_are_accepted():
    assert selfcheck.check("ch07-kernel-norm", 21.33, verbose=False)
    assert selfcheck.check("ch01-receptive", np.float32(1.625), verbose=False)
    assert selfcheck.check("ch06-beta", np.int64(4), verbose=False)
    assert selfcheck.check("ch04-gradient-exponent", -0.7, verbose=False)   # a fitted rate


def test_the_measured_rates_agree_with_the_predicted_exponents():
    """The module measures the rates; each lies within 0.05 of the exponent of the proof."""
    for key in ("ch02-jump-rate", "ch04-gradient-exponent", "ch08-rate"):
        assert abs(selfcheck._answer(key) - EXPECTED[key][0]) < 0.05, key


def test_quiet_mode_prints_nothing(capsys):
    assert selfcheck.check("ch12-bn-lipschitz", 150, verbose=False)
    assert capsys.readouterr().out == ""


def test_unknown_exercise_names_the_ids():
    with pytest.raises(ValueError, match="ch01-receptive.*ch12-bn-lipschitz"):
        selfcheck.check("ch99-nothing", 1.0)


@pytest.mark.parametrize("bad_id", [3, None, ("ch06-beta",)])
def test_exercise_id_must_be_a_string(bad_id):
    with pytest.raises(TypeError, match="exercise_id"):
        selfcheck.check(bad_id, 1.0)


@pytest.mark.parametrize("bad", ["4", True, None, [4], 1j])
def test_answer_must_be_a_real_number(bad):
    with pytest.raises(TypeError, match="answer"):
        selfcheck.check("ch06-beta", bad)


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_answer_must_be_finite(bad):
    with pytest.raises(ValueError, match="answer"):
        selfcheck.check("ch06-beta", bad)
