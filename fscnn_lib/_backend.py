"""Private NumPy/torch dispatch shared by the modules of fscnn_lib.

Every public function accepts NumPy arrays and torch tensors alike; these helpers pick the
right call once, so no module carries its own ``isinstance(u, torch.Tensor)`` branches.
"""

from __future__ import annotations

from typing import Union

import numpy as np
import torch

from ._validate import Array

__all__: list[str] = []

Scalar = Union[float, Array]


def is_torch(u: object) -> bool:
    """True for a torch tensor, False otherwise (NumPy arrays, scalars)."""
    return isinstance(u, torch.Tensor)


def like(a: np.ndarray, u: Array) -> Array:
    """Convert the NumPy array ``a`` to the family, dtype (and device) of ``u``."""
    if is_torch(u):
        return torch.as_tensor(a, dtype=u.dtype, device=u.device)
    return np.asarray(a).astype(u.dtype, copy=False)


def to_numpy(x: object) -> np.ndarray:
    """A torch tensor (detached, on the CPU) or anything array-like as a NumPy array."""
    if is_torch(x):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def abs_(x: Array) -> Array:
    """Entrywise absolute value."""
    return x.abs() if is_torch(x) else np.abs(x)


def sqrt(x: Array) -> Array:
    """Entrywise square root."""
    return torch.sqrt(x) if is_torch(x) else np.sqrt(x)


def maximum(a: Array, b: Array) -> Array:
    """Entrywise maximum of two arrays of one family."""
    return torch.maximum(a, b) if is_torch(a) else np.maximum(a, b)


def sum2(x: Array) -> Array:
    """Sum over the last two axes."""
    return x.sum(dim=(-2, -1)) if is_torch(x) else x.sum(axis=(-2, -1))


def amax2(x: Array) -> Array:
    """Maximum over the last two axes."""
    return x.amax(dim=(-2, -1)) if is_torch(x) else x.max(axis=(-2, -1))


def scalar_or_array(x: Array) -> Scalar:
    """A float for 0-d results, else the array unchanged."""
    if x.ndim == 0:
        return float(x)
    return x
