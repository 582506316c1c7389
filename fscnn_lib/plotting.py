"""Small figure helpers that the chapters share.

Three pictures recur in the book: an image (a function on a rectangle) shown in the
paper's coordinates, convergence rates on log-log axes with reference slopes
(how a measurement behaves as the resolution h -> 0), and line profiles across an edge
at several resolutions. The helpers draw into a given ``matplotlib`` Axes and return what
they drew, so a chapter still composes its own figure and ends the cell with
``plt.show()``.

Coordinates: an array ``u`` of shape ``(N, M)`` holds samples ``u[i, j]`` at the points
``(x_1, x_2)`` with ``x_1`` running along the first axis, as in the paper. The helpers
draw ``x_1`` horizontally and ``x_2`` vertically, upwards, so a picture looks like the
function's graph seen from above, not like a matrix printout.

Examples
--------
>>> import numpy as np, matplotlib.pyplot as plt
>>> hs = np.array([1/8, 1/16, 1/32])
>>> fig, ax = plt.subplots()
>>> slopes = loglog_rates(ax, hs, {"error": 3 * hs**2}, reference_slopes=(1, 2))
>>> round(slopes["error"], 6)
2.0
>>> plt.close(fig)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .regularity import fit_rate

__all__ = ["as_numpy", "show_image", "loglog_rates", "line_profiles"]


def as_numpy(u: Any, name: str = "u") -> np.ndarray:
    """Return ``u`` (NumPy array or torch tensor) as a float NumPy array.

    Raises
    ------
    TypeError
        If ``u`` is neither a NumPy array, a torch tensor, nor a list of numbers.

    Examples
    --------
    >>> as_numpy([[1, 2], [3, 4]]).dtype
    dtype('float64')
    """
    try:
        import torch

        if isinstance(u, torch.Tensor):
            return u.detach().cpu().to(torch.float64).numpy()
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    if isinstance(u, np.ndarray):
        if not (np.issubdtype(u.dtype, np.floating) or np.issubdtype(u.dtype, np.integer) or u.dtype == bool):
            raise TypeError(f"{name} must hold real numbers, got dtype {u.dtype}")
        return u.astype(np.float64, copy=False)
    if isinstance(u, (list, tuple)):
        try:
            return np.asarray(u, dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise TypeError(f"{name} must be an array of real numbers ({err})") from err
    raise TypeError(f"{name} must be a numpy.ndarray or torch.Tensor, got {type(u).__name__}")


def _check_extent(extent: Any) -> tuple[float, float, float, float]:
    if isinstance(extent, (str, bytes)) or not isinstance(extent, Sequence) or len(extent) != 4:
        raise TypeError(f"extent must be a sequence (a1, b1, a2, b2) of 4 numbers, got {extent!r}")
    if not all(isinstance(e, numbers.Real) and not isinstance(e, bool) for e in extent):
        raise TypeError(f"extent must hold 4 real numbers, got {extent!r}")
    a1, b1, a2, b2 = (float(e) for e in extent)
    if not all(math.isfinite(e) for e in (a1, b1, a2, b2)):
        raise ValueError(f"extent must be finite, got {extent!r}")
    if not (a1 < b1 and a2 < b2):
        raise ValueError(f"extent must satisfy a1 < b1 and a2 < b2 for the rectangle (a1,b1)x(a2,b2), got {extent!r}")
    return a1, b1, a2, b2


def show_image(
    ax: Any,
    u: Any,
    extent: Sequence[float] | None = None,
    title: str | None = None,
    *,
    cmap: str = "gray",
    vmin: float | None = None,
    vmax: float | None = None,
    colorbar: bool = False,
) -> Any:
    """Draw a 2-D array as a function on the rectangle ``extent`` = (a1, b1) x (a2, b2).

    ``u[i, j]`` is drawn at ``x_1`` = i-th cell (horizontal) and ``x_2`` = j-th cell
    (vertical, upwards); each sample fills its cell, as a piecewise constant function
    (PC_h in the paper) does.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    u : array_like, shape (N, M)
        NumPy array or torch tensor of real numbers.
    extent : (a1, b1, a2, b2), optional
        The rectangle; default ``(0, N, 0, M)`` (pixel units).
    title : str, optional
        Axes title.
    cmap, vmin, vmax : optional
        Passed to ``imshow``.
    colorbar : bool
        Add a colour bar next to the axes.

    Returns
    -------
    matplotlib.image.AxesImage

    Raises
    ------
    TypeError
        If ``u`` is not an array or ``extent`` is not 4 numbers.
    ValueError
        If ``u`` is not 2-D, is empty or has NaN/inf, or ``extent`` is not a rectangle.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> im = show_image(ax, np.arange(6.0).reshape(3, 2), extent=(0, 1, 0, 2))
    >>> im.get_array().shape  # drawn transposed: rows are x_2
    (2, 3)
    >>> plt.close(fig)
    """
    arr = as_numpy(u)
    if arr.ndim != 2:
        raise ValueError(f"u must be 2-D (N, M), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"u must not be empty, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError("u must contain only finite values (no NaN or inf)")
    if extent is None:
        extent = (0.0, float(arr.shape[0]), 0.0, float(arr.shape[1]))
    a1, b1, a2, b2 = _check_extent(extent)
    im = ax.imshow(arr.T, origin="lower", extent=(a1, b1, a2, b2), cmap=cmap, vmin=vmin, vmax=vmax,
                   interpolation="nearest", aspect="equal")
    ax.set_xlabel(r"$x_1$")
    ax.set_ylabel(r"$x_2$")
    if title is not None:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return im


def _positive_vector(x: Any, name: str) -> np.ndarray:
    arr = as_numpy(x, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.size < 2:
        raise ValueError(f"{name} must hold at least 2 values to show a rate, got {arr.size}")
    if not (np.isfinite(arr).all() and (arr > 0).all()):
        raise ValueError(f"{name} must be positive and finite on log axes, got {arr.tolist()}")
    return arr



def loglog_rates(
    ax: Any,
    hs: Any,
    series: Mapping[str, Any],
    reference_slopes: Sequence[float] = (1.0,),
    *,
    xlabel: str = r"$h$",
    ylabel: str | None = None,
    title: str | None = None,
) -> dict[str, float]:
    """Plot measurements against the resolution h on log-log axes, with reference slopes.

    Each series is drawn with markers and labelled with its fitted slope; each reference
    slope p is a dashed line ``C h^p`` through the first point of the first series. The
    h axis is inverted so that refinement (h -> 0) runs to the right.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    hs : array_like, shape (K,)
        Positive resolutions, K >= 2.
    series : mapping of str to array_like, shape (K,)
        Positive measurements per resolution.
    reference_slopes : sequence of float
        Slopes p of the guide lines ``O(h^p)``; empty for none.
    xlabel, ylabel, title : str, optional

    Returns
    -------
    dict of str to float
        The fitted slope of each series (:func:`fscnn_lib.regularity.fit_rate`).

    Raises
    ------
    TypeError
        If ``series`` is not a non-empty mapping or ``reference_slopes`` has non-numbers.
    ValueError
        If lengths differ or values are not positive and finite.
    """
    h = _positive_vector(hs, "hs")
    if not isinstance(series, Mapping) or not series:
        raise TypeError("series must be a non-empty mapping {label: values}")
    if isinstance(reference_slopes, (str, bytes)) or not all(
        isinstance(p, numbers.Real) and not isinstance(p, bool) for p in reference_slopes
    ):
        raise TypeError(f"reference_slopes must be a sequence of real numbers, got {reference_slopes!r}")
    slopes: dict[str, float] = {}
    first: np.ndarray | None = None
    for label, ys in series.items():
        y = _positive_vector(ys, f"series[{label!r}]")
        if y.shape != h.shape:
            raise ValueError(f"series[{label!r}] must have one value per h ({h.size}), got {y.size}")
        slopes[label] = fit_rate(h, y)
        ax.loglog(h, y, "o-", label=f"{label} (slope {round(slopes[label], 2) + 0.0:.2f})")
        if first is None:
            first = y
    assert first is not None
    for p in reference_slopes:
        ref = first[0] * (h / h[0]) ** float(p)
        ax.loglog(h, ref, "--", color="0.5", linewidth=1, label=rf"$O(h^{{{float(p):g}}})$")
    if not ax.xaxis_inverted():
        ax.invert_xaxis()
    ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    ax.grid(True, which="both", linewidth=0.3)
    ax.legend(fontsize="small")
    return slopes


def line_profiles(
    ax: Any,
    profiles: Mapping[str, tuple[Any, Any]],
    *,
    step: bool = False,
    xlabel: str = r"$x_1$",
    ylabel: str | None = None,
    title: str | None = None,
) -> list[Any]:
    """Plot 1-D profiles, e.g. an image's values across an edge at several resolutions.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    profiles : mapping of str to (x, y)
        Each profile: positions ``x`` and values ``y`` of equal length (>= 2).
    step : bool
        Draw piecewise constant steps centred on the samples (PC_h functions) instead of
        straight segments.
    xlabel, ylabel, title : str, optional

    Returns
    -------
    list of matplotlib.lines.Line2D
        One line per profile.

    Raises
    ------
    TypeError
        If ``profiles`` is not a non-empty mapping of pairs.
    ValueError
        If a profile's x and y differ in length, are not 1-D or not finite.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> x = np.linspace(0, 1, 5)
    >>> lines = line_profiles(ax, {"h = 1/4": (x, x**2)}, step=True)
    >>> lines[0].get_drawstyle()
    'steps-mid'
    >>> plt.close(fig)
    """
    if not isinstance(profiles, Mapping) or not profiles:
        raise TypeError("profiles must be a non-empty mapping {label: (x, y)}")
    lines = []
    for label, pair in profiles.items():
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"profiles[{label!r}] must be a pair (x, y)")
        x = as_numpy(pair[0], f"profiles[{label!r}] x")
        y = as_numpy(pair[1], f"profiles[{label!r}] y")
        if x.ndim != 1 or y.ndim != 1 or x.shape != y.shape or x.size < 2:
            raise ValueError(
                f"profiles[{label!r}] must be two 1-D arrays of equal length >= 2, got shapes {x.shape} and {y.shape}"
            )
        if not (np.isfinite(x).all() and np.isfinite(y).all()):
            raise ValueError(f"profiles[{label!r}] must be finite (no NaN or inf)")
        (line,) = ax.plot(x, y, drawstyle="steps-mid" if step else "default", label=label)
        lines.append(line)
    ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    ax.legend(fontsize="small")
    return lines
