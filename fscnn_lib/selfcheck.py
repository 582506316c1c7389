r"""Self-checking exercises: a cell that tells a student whether an answer is right.

Each exercise asks for one number that follows from a chapter's mathematics. The
library computes the answer when it is asked (from the definitions, or by the same
measurement the chapter makes), compares it with the student's number within a
tolerance, and prints ``correct`` or ``not yet`` with a hint. A hint never states the
answer. The course plan of the book sets these exercises:

>>> from fscnn_lib import selfcheck
>>> sorted(selfcheck.exercises())[:2]
['ch01-receptive', 'ch02-jump-rate']
>>> selfcheck.check("ch06-beta", 4)
correct: (2 beta + 1) s > 3 first holds at this beta.
True

The exercises and the items of the paper they practise:

==========================  ============================================================
``ch01-receptive``          the input domain of three valid convolutions (S2-NOT-a)
``ch02-jump-rate``          neighbour jumps of a convolution of two BV functions (Prop. 2.1)
``ch04-gradient-exponent``  the blow-up of a jump's discrete W^{1,p} seminorm (S2-NOT-g)
``ch05-layers``             how many layers kernels in L^p, p < 2, need (EN-7a)
``ch06-beta``               the sparsity exponent of Remark 2.9 (EN-9)
``ch07-kernel-norm``        the L^2 norm of a practical kernel on a fine grid (EN-10, EN-22)
``ch08-rate``               the rate of Lemma 3.4 for a Lipschitz function
``ch12-bn-lipschitz``       the Lipschitz constant of batch normalisation (EN-30)
==========================  ============================================================

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588 (2022); the items named above.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np

from ._validate import check_real, conjugate_exponent
from .batchnorm import bn_lipschitz_bound
from .convolution import conv_valid
from .fourier import choose_beta
from .grids import Grid, Rectangle, project
from .images import disk_image
from .limits import pc_sup_error
from .norms import lp_norm, sobolev_seminorm
from .regularity import fit_rate, max_jump

__all__ = ["exercises", "check"]


@dataclass(frozen=True)
class _Exercise:
    question: str
    hint: str
    solve: Callable[[], float]
    tol: float              # absolute tolerance, or relative with relative=True
    remark: str             # printed after "correct"
    relative: bool = True


def _receptive() -> float:
    # Omega_0 = Omega - Sigma_2 - Sigma_1 - Sigma_0 (S2-NOT-a, Lemma of Chapter 1)
    domain = Rectangle(0, 1, 0, 1)
    for sigma in (Rectangle(-1 / 8, 1 / 8, -1 / 8, 1 / 8),
                  Rectangle(-1 / 16, 1 / 16, -1 / 16, 1 / 16),
                  Rectangle(-1 / 16, 3 / 16, -1 / 8, 1 / 8)):
        domain = domain - sigma
    return domain.width


def _jump_rate() -> float:
    hs, jumps = [], []
    for n in (32, 64, 128, 256):
        h = 1 / n
        box = np.full((n // 4, n // 4), 16.0)        # the indicator of a square, mass 1
        hs.append(h)
        jumps.append(float(max_jump(conv_valid(disk_image(n), box, h))))
    return fit_rate(hs, jumps)


def _gradient_exponent() -> float:
    ns = (64, 128, 256, 512)
    values = [float(sobolev_seminorm(disk_image(n), 1 / n, 4.0)) for n in ns]
    return fit_rate([1 / n for n in ns], values)


def _layers() -> float:
    # EN-7a: after k layers the activation lies in L^{r_k}, 1/r_k = max(0, 1 - k/p');
    # layer k + 1 is continuous once r_k >= p'.
    q = conjugate_exponent(1.25)
    k = 1
    while max(0.0, 1 - k / q) > 1 / q + 1e-12:
        k += 1
    return float(max(2, k + 1))


def _kernel_norm() -> float:
    h = 1 / 64
    K = np.full((3, 3), 1 / 9)                   # a practical kernel, no h^2 factor
    return float(lp_norm(K / h**2, h, 2.0))      # the cell values of w^h are K / h^2


def _projection_rate() -> float:
    u = lambda x1, x2: np.sin(3 * x1) * np.exp(x2)   # noqa: E731
    ns = (8, 16, 32, 64)
    errors = [pc_sup_error(project(u, Grid(Rectangle(0, 1, 0, 1), 1 / n)), u,
                           points=8 * n) for n in ns]
    return fit_rate([1 / n for n in ns], errors)


_EXERCISES: dict[str, _Exercise] = {
    "ch01-receptive": _Exercise(
        "Three valid convolutions produce an image on Omega = (0,1)^2. Their kernel "
        "domains are, from the last layer back to the first, (-1/8,1/8)^2, "
        "(-1/16,1/16)^2 and (-1/16,3/16) x (-1/8,1/8). What is the side length, in the "
        "x1 direction, of the domain on which the network's input must be known?",
        "Each layer replaces the domain D by D - Sigma; side lengths add.",
        _receptive, 1e-3, "each layer adds the width of its kernel domain."),
    "ch02-jump-rate": _Exercise(
        "Convolve the pixelated disk of radius 0.3 on (0,1)^2 with the indicator of "
        "a square of side 1/4 (scaled to mass 1), at h = 1/32, ..., 1/256. The largest "
        "neighbour difference of the output behaves like C h^alpha. What is alpha?",
        "Is u*w Lipschitz? Use the translation modulus of a BV function in L^1.",
        _jump_rate, 0.1, "two BV factors give a Lipschitz output.", False),
    "ch04-gradient-exponent": _Exercise(
        "The discrete seminorm ||grad_h P_h chi_B||_4 of the pixelated disk B of "
        "radius 0.3 in (0,1)^2 grows like C h^theta as h -> 0. What is theta?",
        "Count the cells along the edge and the size of the gradient on each; "
        "then take the L^4 norm with cell area h^2.",
        _gradient_exponent, 0.1, "the exponent is 1/p - 1 for every p.", False),
    "ch05-layers": _Exercise(
        "Kernels in L^p with p = 1.25 (not in L^2) and a measure input: by the layer "
        "count of editor's note EN-7, how many convolutional layers make the output "
        "continuous, at least?",
        "Iterate Young's inequality: after k layers the activation is in L^r with "
        "1/r = max(0, 1 - k/p'); the next layer needs r >= p'.",
        _layers, 1e-3, "the count is max(2, ceil(p'))."),
    "ch06-beta": _Exercise(
        "Remark 2.9 with the frequencies n_i(t) = t (1 + t^2)^beta and gain s = 0.4: "
        "what is the smallest integer beta >= 0 for which u lies in H^k?",
        "The growth condition of the construction is (2 beta + 1) s > 3, strictly.",
        lambda: float(choose_beta(0.4)), 1e-3,
        "(2 beta + 1) s > 3 first holds at this beta."),
    "ch07-kernel-norm": _Exercise(
        "A practical 3 x 3 averaging kernel K (all entries 1/9, no h^2 factor) is used "
        "unchanged at h = 1/64. What is the L^2 norm of the piecewise constant kernel "
        "w^h it defines in the paper's convolution with the h^2 factor?",
        "The cell values are W = K / h^2, and ||w^h||_2 = h ||W||_F.",
        _kernel_norm, 1e-3, "||w^h||_2 = ||K||_F / h grows as h -> 0 (EN-22)."),
    "ch08-rate": _Exercise(
        "For u(x) = sin(3 x1) exp(x2) on (0,1)^2, the sup error ||P_h u - u||_inf "
        "behaves like C h^alpha. What is alpha?",
        "Lemma 3.4 bounds the error by the modulus of continuity of u at h/sqrt(2).",
        _projection_rate, 0.1, "a Lipschitz u gives order 1.", False),
    "ch12-bn-lipschitz": _Exercise(
        "Batch normalisation in training mode with gamma = 1.5 and eps = 1e-4: what "
        "is its Lipschitz constant in the normalised L^2 norm of the batch?",
        "Centring is a projection; then differentiate x / sqrt(|x|^2 + eps) at x = 0.",
        lambda: float(bn_lipschitz_bound(1.5, 1e-4)[0]), 1e-3,
        "the constant |gamma| / sqrt(eps) is approached near constant batches."),
}


def exercises() -> dict[str, str]:
    """The self-checking exercises: ``{exercise_id: question}``, in chapter order.

    Examples
    --------
    >>> qs = exercises()
    >>> len(qs), "Remark 2.9" in qs["ch06-beta"]
    (8, True)
    """
    return {key: ex.question for key, ex in _EXERCISES.items()}


def _lookup(exercise_id: object) -> _Exercise:
    if not isinstance(exercise_id, str):
        raise TypeError(f"exercise_id must be a str, one of {sorted(_EXERCISES)}, "
                        f"got {type(exercise_id).__name__}")
    if exercise_id not in _EXERCISES:
        raise ValueError(f"exercise_id must be one of {sorted(_EXERCISES)}, "
                         f"got {exercise_id!r}; fscnn_lib.selfcheck.exercises() lists them")
    return _EXERCISES[exercise_id]


@lru_cache(maxsize=None)
def _answer(exercise_id: str) -> float:
    return float(_EXERCISES[exercise_id].solve())


def check(exercise_id: str, answer: float, *, verbose: bool = True) -> bool:
    """Whether ``answer`` solves the exercise ``exercise_id``; prints a verdict and a hint.

    The right answer is computed by the library when first asked (and remembered): from
    the definitions (domains, norms, exponents), or, for a rate, by the same fit over
    resolutions that the chapter makes; the answer counts as correct within the
    exercise's tolerance: 0.1 for a fitted rate, a relative 0.1 % otherwise (so that
    a rounded decimal such as 21.33 for 64/3 counts).

    Parameters
    ----------
    exercise_id : str
        One of the keys of :func:`exercises`.
    answer : float
        The student's number (an int is fine; a bool or a string is not).
    verbose : bool
        Print ``correct: ...`` or ``not yet: <hint>`` (the hint never gives the answer).

    Returns
    -------
    bool
        ``True`` if the answer is within the tolerance.

    Raises
    ------
    TypeError
        If ``exercise_id`` is not a str or ``answer`` not a real number.
    ValueError
        If ``exercise_id`` is unknown (the message lists the ids) or ``answer`` is
        not finite.

    Examples
    --------
    >>> check("ch12-bn-lipschitz", 1.5)
    not yet: Centring is a projection; then differentiate x / sqrt(|x|^2 + eps) at
    x = 0.
    False
    """
    ex = _lookup(exercise_id)
    value = check_real(answer, "answer")
    right = _answer(exercise_id)
    ok = abs(value - right) <= ex.tol * (abs(right) if ex.relative else 1.0)
    if verbose:
        text = f"correct: {ex.remark}" if ok else f"not yet: {ex.hint}"
        print(textwrap.fill(text, width=78))
    return bool(ok)

