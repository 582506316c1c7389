"""Private input checks shared by the public functions of fscnn_lib.

Each check raises ``TypeError`` or ``ValueError`` with a message that names the
parameter, says what was expected and what was received.
"""

from __future__ import annotations

import math
import numbers
from typing import Union

import numpy as np
import torch

Array = Union[np.ndarray, torch.Tensor]

_FLOAT_NP = (np.float32, np.float64)
_FLOAT_TORCH = (torch.float32, torch.float64)


def check_array(x: object, name: str, *, min_ndim: int = 2, finite: bool = True) -> Array:
    """Check that ``x`` is a float32/float64 NumPy array or torch tensor.

    Returns ``x`` unchanged. Raises ``TypeError`` for other types or dtypes and
    ``ValueError`` for too few dimensions, empty arrays or NaN/inf entries.
    """
    if isinstance(x, np.ndarray):
        if x.dtype.type not in _FLOAT_NP:
            raise TypeError(f"{name} must have dtype float32 or float64, got {x.dtype}; convert with .astype(np.float64)")
        is_finite = lambda a: bool(np.isfinite(a).all())  # noqa: E731
    elif isinstance(x, torch.Tensor):
        if x.dtype not in _FLOAT_TORCH:
            raise TypeError(f"{name} must have dtype torch.float32 or torch.float64, got {x.dtype}; convert with .double()")
        is_finite = lambda a: bool(torch.isfinite(a).all())  # noqa: E731
    else:
        raise TypeError(f"{name} must be a numpy.ndarray or torch.Tensor, got {type(x).__name__}")
    if x.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimensions, got shape {tuple(x.shape)}")
    if any(int(s) == 0 for s in x.shape):
        raise ValueError(f"{name} must not be empty, got shape {tuple(x.shape)}")
    if finite and not is_finite(x):
        raise ValueError(f"{name} must contain only finite values (no NaN or inf)")
    return x


def check_image(u: object, name: str = "u", *, min_side: int = 1) -> Array:
    """``check_array`` (at least 2-D, finite) plus at least ``min_side`` samples along each of the last two axes."""
    check_array(u, name, min_ndim=2)
    if min(int(u.shape[-2]), int(u.shape[-1])) < min_side:
        raise ValueError(
            f"{name} must have at least {min_side} samples along each of its last two axes, "
            f"got shape {tuple(u.shape)}; sample on a finer grid"
        )
    return u


def check_real(x: object, name: str, *, minimum: float | None = None) -> float:
    """Check that ``x`` is a finite real number (not a bool), ``>= minimum`` if given."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}")
    value = float(x)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {x!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum!r}, got {x!r}")
    return value


def check_real_array(x: object, name: str) -> np.ndarray:
    """A real number or array of reals (no bools, strings or complex numbers) as a float64 NumPy array."""
    if isinstance(x, (bool, np.bool_, str, bytes)) or x is None:
        raise TypeError(f"{name} must be a real number or a NumPy array of reals, got {type(x).__name__}")
    try:
        a = np.asarray(x)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number or a NumPy array of reals, got {type(x).__name__}") from None
    if a.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {a.dtype}")
    return a.astype(np.float64)


def check_positive(x: object, name: str) -> float:
    """Check that ``x`` is a positive, finite real number and return it as float."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}")
    value = float(x)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be positive and finite, got {x!r}")
    return value


def check_int(x: object, name: str, *, minimum: int = 0) -> int:
    """Check that ``x`` is an integer (not a bool) with ``x >= minimum``."""
    if isinstance(x, bool) or not isinstance(x, (numbers.Integral,)):
        raise TypeError(f"{name} must be an int, got {type(x).__name__}")
    if int(x) < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {x}")
    return int(x)


def check_sequence(x: object, name: str, *, length: int | None = None, min_length: int = 0,
                   what: str = "") -> list:
    """A list or tuple (``TypeError`` otherwise) of the given length (``ValueError`` otherwise)."""
    if not isinstance(x, (list, tuple)):
        raise TypeError(f"{name} must be a list or tuple{what}, got {type(x).__name__}")
    if (length is not None and len(x) != length) or len(x) < min_length:
        want = f"{length} entries" if length is not None else f"at least {min_length} entries"
        raise ValueError(f"{name} must have {want}{what}, got {len(x)}: {x!r}")
    return list(x)


def check_choice(x: object, name: str, choices: tuple[str, ...]) -> str:
    """Check that ``x`` is one of the strings in ``choices``."""
    if not isinstance(x, str):
        raise TypeError(f"{name} must be a str, one of {choices}, got {type(x).__name__}")
    if x not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {x!r}")
    return x


def same_family(a: Array, b: Array, names: tuple[str, str]) -> None:
    """Check that two arrays are both NumPy or both torch."""
    if isinstance(a, np.ndarray) != isinstance(b, np.ndarray):
        raise TypeError(
            f"{names[0]} and {names[1]} must both be NumPy arrays or both torch tensors, "
            f"got {type(a).__name__} and {type(b).__name__}"
        )


def divides(length: float, h: float, *, tol: float = 1e-9) -> int:
    """Return ``length / h`` when it is (numerically) a positive integer, else raise."""
    ratio = length / h
    if not math.isfinite(ratio):
        raise ValueError(f"h must divide the side length: {length!r} / h = {ratio!r} is not finite; choose a larger h")
    n = int(round(ratio))
    if n < 1 or abs(ratio - n) > tol * max(1.0, abs(ratio)):
        raise ValueError(
            f"h must divide the side length: {length!r} / h = {ratio!r} is not an integer; "
            f"choose h = {length!r} / n for an integer n"
        )
    return n


def check_exponent(p: object, name: str = "p") -> float:
    """Check that ``p`` is a real number in ``[1, inf]`` (a Lebesgue exponent) and return it."""
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"{name} must be a real number in [1, inf], got {type(p).__name__}")
    value = float(p)
    if math.isnan(value) or value < 1:
        raise ValueError(f"{name} must lie in [1, inf] (use math.inf for the sup norm), got {p!r}")
    return value


def conjugate_exponent(p: float) -> float:
    """The Hölder conjugate p' with 1/p + 1/p' = 1 (1' = inf, inf' = 1)."""
    if p == 1.0:
        return math.inf
    if math.isinf(p):
        return 1.0
    return p / (p - 1.0)
