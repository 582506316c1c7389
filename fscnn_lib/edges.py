r"""How sharp is one image? Regularity measures at a single resolution.

:mod:`fscnn_lib.regularity` reads a function class off how a quantity *scales* as
:math:`h\to0`. An experiment that runs at one resolution (the deep image prior of the
paper's Figure 1, S3-DIP/S3-FIG1; the U-net of S3-E2E) needs numbers that say how rough or
how sharp one given image is. This module holds them; each takes one image, grey
``(N, M)`` or with channels ``(C, N, M)``, and returns a ``float``:

* :func:`channel_tv` -- the discrete total variation :math:`\mathrm{TV}_h` of
  :func:`fscnn_lib.norms.tv` (S2-NOT-f), averaged over the channels. On the unit square
  (:math:`h=1/N`) a jump of height :math:`a` along a straight line of length :math:`\ell`
  contributes :math:`a\ell` at every resolution, while pixel noise of standard deviation
  :math:`\sigma` contributes about :math:`\sigma N`: the noise a network has fitted shows
  up as a large TV.
* :func:`mean_gradient_magnitude` and :func:`max_gradient_magnitude` -- the mean and the
  largest :math:`|\nabla_h u|` (forward differences). In grey levels per pixel (``h=1``)
  the mean equals :math:`N^{-1}\,\mathrm{TV}_{1/N}` for an :math:`N\times N` image, so at
  one resolution the two carry the same information; across resolutions they scale
  differently (a jump keeps its TV, its mean gradient falls like :math:`h`). The maximum is
  the height of the steepest step, about :math:`a` for a jump of height :math:`a` and
  :math:`a/w` for a ramp :math:`w` pixels wide.
* :func:`edge_width` -- the 10-90 % rise distance of a profile across an edge, in pixels:
  a jump between two samples gives 0.8, a linear ramp of :math:`w` pixels gives
  :math:`0.8w`, a Gaussian-blurred jump of standard deviation :math:`s` gives
  :math:`2\Phi^{-1}(0.9)\,s\approx2.563\,s`. :func:`find_edge` picks a straight edge of a
  clean image and :func:`edge_profile` reads the profile across it, averaged over a narrow
  band of parallel lines.
* :func:`high_frequency_energy` -- the share of the energy of :math:`u-\bar u` at radial
  frequencies above ``cutoff`` times the Nyquist frequency (white noise: about
  :math:`1-\pi c^2/4`; a smooth image: close to 0).
* :func:`regularity_measures` -- all of them at once, as the deep image prior's fit loop
  records them.

These are measurements, not theorems. Theorem 2.7 predicts that, with kernels bounded in
:math:`L^2`, the outputs tend to continuous functions; at one resolution the sign of that
is a wide edge, a small TV and little high-frequency energy.

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588 (2022),
   Section 3 (paragraph "Application Examples") and Figure 1
   (S3-DIP, S3-FIG1); editor's note EN-28.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import _backend as _bk
from ._validate import Array, check_image, check_int, check_positive, check_real
from .norms import discrete_gradient, tv

__all__ = [
    "EdgeSpec", "Regularity", "plateau_levels", "channel_tv", "mean_gradient_magnitude",
    "max_gradient_magnitude", "edge_width", "edge_profile", "find_edge",
    "high_frequency_energy", "regularity_measures",
]


class EdgeSpec(NamedTuple):
    """Where to measure an edge: a profile along ``axis`` through the edge at ``centre``.

    The profile runs along array axis ``axis`` (0: down a column, 1: along a row) over the
    ``2 * half_length`` samples ``centre - half_length + 1 .. centre + half_length``, so the
    edge lies between samples ``centre`` and ``centre + 1``. It is averaged over the
    ``2 * band + 1`` parallel lines ``line - band .. line + band`` (and over channels).
    """

    axis: int
    line: int
    centre: int
    half_length: int
    band: int


class Regularity(NamedTuple):
    """The measures of :func:`regularity_measures` for one image."""

    tv: float
    mean_gradient: float
    max_gradient: float
    edge_width: float
    hf_energy: float


def _image(u: object, name: str = "u") -> np.ndarray:
    """One image as a float64 array of shape ``(C, N, M)`` (a grey image gets ``C = 1``)."""
    check_image(u, name, min_side=2)
    if u.ndim > 3:
        raise ValueError(f"{name} must be one image, shape (N, M) or (C, N, M), got shape {tuple(u.shape)}")
    a = _bk.to_numpy(u).astype(np.float64)
    return a[None] if a.ndim == 2 else a


def channel_tv(u: Array, h: float | None = None) -> float:
    r"""The isotropic :math:`\mathrm{TV}_h` (S2-NOT-f), averaged over the channels.

    Parameters
    ----------
    u : numpy.ndarray or torch.Tensor, shape (N, M) or (C, N, M)
    h : float, optional
        Grid spacing; by default ``1 / N`` (the image fills the unit square).

    Examples
    --------
    A vertical jump of height 1 across the unit square has TV 1 at every resolution:

    >>> u = np.zeros((3, 40, 40)); u[:, :, 20:] = 1.0
    >>> round(channel_tv(u), 12), round(channel_tv(u[0, ::2, ::2]), 12)
    (1.0, 1.0)
    """
    a = _image(u)
    h = 1.0 / a.shape[-2] if h is None else check_positive(h, "h")
    return float(np.mean(tv(a, h)))


def _gradient_norm(u: object, h: float) -> np.ndarray:
    a = _image(u)
    g = discrete_gradient(a, check_positive(h, "h"))
    return np.sqrt(g[:, 0] ** 2 + g[:, 1] ** 2)


def mean_gradient_magnitude(u: Array, h: float = 1.0) -> float:
    r"""The mean of :math:`|\nabla_h u|` over pixels and channels (forward differences).

    Parameters
    ----------
    u : numpy.ndarray or torch.Tensor, shape (N, M) or (C, N, M)
    h : float
        Grid spacing; the default 1 gives grey levels per pixel.

    Examples
    --------
    On a ramp rising by 0.01 per pixel the magnitude is 0.01 except in the last row,
    where the Neumann boundary sets the difference to 0:

    >>> u = 0.01 * np.arange(50.0)[:, None] * np.ones((1, 30))
    >>> round(mean_gradient_magnitude(u), 12) == round(0.01 * 49 / 50, 12)
    True
    """
    return float(_gradient_norm(u, h).mean())


def max_gradient_magnitude(u: Array, h: float = 1.0) -> float:
    r"""The largest :math:`|\nabla_h u|` over pixels and channels (forward differences).

    Examples
    --------
    >>> u = np.zeros((20, 20)); u[:, 10:] = 0.7
    >>> round(max_gradient_magnitude(u), 12)
    0.7
    """
    return float(_gradient_norm(u, h).max())


def _crossing(q: np.ndarray, i: int, level: float) -> float:
    """Position of ``level`` between samples ``i`` and ``i + 1`` by linear interpolation."""
    d = q[i + 1] - q[i]
    return float(i) if d == 0 else i + (level - q[i]) / d


def edge_width(profile: Array, *, low: float = 0.1, high: float = 0.9,
               levels: tuple[float, float] | None = None, plateau: int | None = None) -> float:
    r"""The ``low``-``high`` rise distance of a profile across one edge, in samples.

    The profile :math:`p` is normalised to :math:`q=(p-a)/(b-a)` with plateau values
    :math:`a,b` (by default the means of the first and last ``plateau`` samples), so it
    rises from about 0 to about 1 whichever way the edge goes. From the 50 % crossing nearest
    the middle, the first crossing of ``low`` to the left and of ``high`` to the right are
    located by linear interpolation; the width is their distance. An ideal jump between
    two samples measures :math:`0.8` (the smallest width at this resolution), a linear
    ramp over :math:`w` samples :math:`(\text{high}-\text{low})w`.

    Parameters
    ----------
    profile : array, shape (n,), n >= 4
    low, high : float, keyword-only
        The two levels, ``0 < low < 0.5 < high < 1``.
    levels : (float, float), keyword-only, optional
        The plateau values :math:`(a,b)` (e.g. from the clean image), instead of estimating them.
    plateau : int, keyword-only, optional
        Samples averaged at each end for :math:`a,b`; default ``max(1, n // 8)``.

    Returns
    -------
    float
        The width in samples (multiply by :math:`h` for physical units); ``nan`` when the
        plateaus are equal or a level is never crossed (no edge in the window).

    Examples
    --------
    >>> round(edge_width(np.array([0., 0, 0, 0, 1, 1, 1, 1])), 12)     # a jump
    0.8
    >>> round(edge_width(np.clip(np.arange(-10., 11) / 8 + 0.5, 0, 1)), 12)  # 8-sample ramp
    6.4
    """
    if not isinstance(profile, np.ndarray) and not _bk.is_torch(profile):
        raise TypeError(f"profile must be a numpy.ndarray or torch.Tensor, got {type(profile).__name__}")
    p = _bk.to_numpy(profile)
    if p.dtype.kind != "f":
        raise TypeError(f"profile must have a float dtype, got {p.dtype}")
    if p.ndim != 1 or p.size < 4:
        raise ValueError(f"profile must be 1-D with at least 4 samples, got shape {p.shape}")
    if not np.isfinite(p).all():
        raise ValueError("profile must contain only finite values (no NaN or inf)")
    low, high = check_real(low, "low"), check_real(high, "high")
    if not 0.0 < low < 0.5 < high < 1.0:
        raise ValueError(f"low and high must satisfy 0 < low < 0.5 < high < 1, got low={low}, high={high}")
    n = p.size
    if levels is None:
        a, b = plateau_levels(p, plateau=plateau)
    else:
        if not isinstance(levels, (tuple, list)) or len(levels) != 2:
            raise TypeError(f"levels must be a pair (a, b) of reals, got {levels!r}")
        a, b = (check_real(v, "levels") for v in levels)
    if a == b:
        return math.nan
    q = (p.astype(np.float64) - a) / (b - a)
    half = [i for i in range(n - 1) if (q[i] - 0.5) * (q[i + 1] - 0.5) <= 0 and q[i] != q[i + 1]]
    if not half:
        return math.nan
    mid = (n - 1) / 2.0
    i50 = min(half, key=lambda i: (abs(_crossing(q, i, 0.5) - mid), i))
    rising = q[i50 + 1] > q[i50]
    if not rising:                      # read a falling profile backwards
        q, i50 = q[::-1].copy(), n - 2 - i50
    lo = next((i for i in range(i50, -1, -1) if q[i] <= low), None)
    hi = next((i for i in range(i50 + 1, n) if q[i] >= high), None)
    if lo is None or hi is None:
        return math.nan
    x_lo = _crossing(q, lo, low) if lo + 1 < n and q[lo + 1] > low else float(lo)
    x_hi = _crossing(q, hi - 1, high) if q[hi - 1] < high else float(hi)
    return float(x_hi - x_lo)


def plateau_levels(profile: np.ndarray, *, plateau: int | None = None) -> tuple[float, float]:
    """The plateau values of a profile: the means of its first and last ``plateau`` samples.

    ``plateau`` defaults to ``max(1, n // 8)``; :func:`edge_width` uses these levels unless
    given others (e.g. those of the clean image's profile, to measure a noisy one).

    Examples
    --------
    >>> plateau_levels(np.r_[np.zeros(8), np.ones(8)])
    (0.0, 1.0)
    """
    p = np.asarray(profile, dtype=np.float64)
    n = p.size
    m = max(1, n // 8) if plateau is None else check_int(plateau, "plateau", minimum=1)
    if 2 * m > n:
        raise ValueError(f"plateau must be at most half the profile length {n}, got {m}")
    return float(p[:m].mean()), float(p[-m:].mean())


def _check_spec(edge: object, shape: tuple[int, int]) -> EdgeSpec:
    if not isinstance(edge, EdgeSpec):
        raise TypeError(f"edge must be an EdgeSpec, got {type(edge).__name__}")
    axis = check_int(edge.axis, "edge.axis")
    if axis not in (0, 1):
        raise ValueError(f"edge.axis must be 0 or 1, got {axis}")
    along, across = shape[axis], shape[1 - axis]
    hl, band = check_int(edge.half_length, "edge.half_length", minimum=2), check_int(edge.band, "edge.band")
    c, line = check_int(edge.centre, "edge.centre"), check_int(edge.line, "edge.line")
    if c - hl + 1 < 0 or c + hl >= along or line - band < 0 or line + band >= across:
        raise ValueError(f"edge {tuple(edge)} reaches outside the image of shape {shape}")
    return EdgeSpec(axis, line, c, hl, band)


def edge_profile(u: Array, edge: EdgeSpec) -> np.ndarray:
    """The profile across ``edge``: ``2 * half_length`` samples, averaged over band and channels.

    Examples
    --------
    >>> u = np.zeros((3, 16, 16)); u[:, :, 8:] = 1.0
    >>> edge_profile(u, EdgeSpec(axis=1, line=5, centre=7, half_length=3, band=1))
    array([0., 0., 0., 1., 1., 1.])
    """
    a = _image(u)
    e = _check_spec(edge, a.shape[-2:])
    sl = slice(e.centre - e.half_length + 1, e.centre + e.half_length + 1)
    lines = slice(e.line - e.band, e.line + e.band + 1)
    block = a[:, sl, lines] if e.axis == 0 else a[:, lines, sl].transpose(0, 2, 1)
    return block.mean(axis=(0, 2))


def find_edge(u: Array, *, half_length: int = 4, band: int = 2, margin: int | None = None) -> EdgeSpec:
    r"""A straight, strong edge of a (clean) image, for :func:`edge_profile`.

    Scores every pair of neighbours :math:`(i, i+1)` along each axis by the jump of the
    channel mean, averaged over the ``2 * band + 1`` parallel lines, minus the spread of the
    samples on each side (so a clean step between two flat plateaus wins over texture), and
    returns the best one at least ``margin`` samples from the border (default: the larger of
    ``half_length`` and an eighth of the shorter side, away from the effects of padding).

    Examples
    --------
    >>> u = np.zeros((32, 32)); u[19:, :] = 1.0
    >>> e = find_edge(u); e.axis, e.centre
    (0, 18)
    """
    a = _image(u).mean(axis=0)
    hl = check_int(half_length, "half_length", minimum=2)
    band = check_int(band, "band")
    margin = max(hl, min(a.shape) // 8) if margin is None else check_int(margin, "margin")
    best = None
    for axis in (0, 1):
        b = a if axis == 0 else a.T
        n, m = b.shape
        if n < 2 * hl or m < 2 * band + 1:
            continue
        win = sliding_window_view(b, (hl, 2 * band + 1))
        mean, std = win.mean(axis=(-2, -1)), win.std(axis=(-2, -1))
        c = np.arange(hl - 1, n - hl)              # edge between samples c and c + 1
        score = np.abs(mean[c + 1] - mean[c - hl + 1]) - std[c - hl + 1] - std[c + 1]
        line = np.arange(band, m - band)
        ok = ((c >= margin) & (c + 1 <= n - 1 - margin))[:, None] & \
            ((line >= margin) & (line <= m - 1 - margin))[None, :]
        if not ok.any():
            continue
        score = np.where(ok, score, -np.inf)
        k = np.unravel_index(int(np.argmax(score)), score.shape)
        if best is None or score[k] > best[0] + 1e-12:
            best = (float(score[k]), EdgeSpec(axis, int(line[k[1]]), int(c[k[0]]), hl, band))
    if best is None:
        raise ValueError(
            f"no edge fits in the image of shape {a.shape} with half_length={hl}, band={band}, "
            f"margin={margin}; use smaller values"
        )
    return best[1]


def high_frequency_energy(u: Array, *, cutoff: float = 0.5) -> float:
    r"""Share of the energy of :math:`u-\bar u` above ``cutoff`` times the Nyquist frequency.

    With the DFT :math:`\hat u(\xi)` of each channel and frequencies normalised so that the
    Nyquist frequency is 1 along each axis (:math:`\xi\in[-1,1)^2`),

    .. math:: E_{hf}=\frac{\sum_{|\xi|>c}|\hat u(\xi)|^2}{\sum_{\xi\neq0}|\hat u(\xi)|^2},

    summed over channels; 0 for a constant image. White noise gives about
    :math:`1-\pi c^2/4` (for :math:`c\le1`), the share of the square outside the disk.

    Examples
    --------
    >>> x = np.arange(64)
    >>> slow = np.cos(2 * np.pi * 4 * x / 64)[:, None] * np.ones(64)   # 4/32 of Nyquist
    >>> fast = np.cos(2 * np.pi * 24 * x / 64)[:, None] * np.ones(64)  # 24/32
    >>> round(high_frequency_energy(slow), 12), round(high_frequency_energy(fast), 12)
    (0.0, 1.0)
    """
    a = _image(u)
    c = check_real(cutoff, "cutoff")
    if not 0.0 < c < math.sqrt(2.0):
        raise ValueError(f"cutoff must lie in (0, sqrt(2)), got {cutoff!r}")
    scale = float((a ** 2).sum()) * a.shape[-2] * a.shape[-1]
    a = a - a.mean(axis=(-2, -1), keepdims=True)
    power = (np.abs(np.fft.fft2(a)) ** 2).sum(axis=0)
    f1 = 2.0 * np.fft.fftfreq(a.shape[-2])[:, None]
    f2 = 2.0 * np.fft.fftfreq(a.shape[-1])[None, :]
    total = float(power.sum())
    if total <= 1e-20 * scale:          # a constant image (up to rounding)
        return 0.0
    return float(power[np.sqrt(f1 ** 2 + f2 ** 2) > c].sum() / total)


def regularity_measures(u: Array, *, edge: EdgeSpec | None = None, cutoff: float = 0.5,
                        levels: tuple[float, float] | None = None) -> Regularity:
    r"""All measures of this module for one image, as the deep image prior records them.

    ``tv`` is :func:`channel_tv` on the unit square (:math:`h=1/N`), ``mean_gradient`` and
    ``max_gradient`` are in grey levels per pixel, ``edge_width`` is in pixels
    (``nan`` without ``edge``; ``levels`` fixes the plateaus, e.g. those of the clean image)
    and ``hf_energy`` is :func:`high_frequency_energy` with ``cutoff``.

    Examples
    --------
    Blurring a jump widens the edge and lowers every roughness measure:

    >>> from scipy.ndimage import gaussian_filter1d
    >>> u = np.zeros((32, 32)); u[:, 16:] = 1.0
    >>> e = EdgeSpec(axis=1, line=16, centre=15, half_length=8, band=2)
    >>> sharp = regularity_measures(u, edge=e)
    >>> soft = regularity_measures(gaussian_filter1d(u, 2.0, axis=1, mode="nearest"), edge=e)
    >>> round(sharp.edge_width, 12), soft.edge_width > 4, soft.max_gradient < sharp.max_gradient
    (0.8, True, True)
    """
    a = _image(u)
    if edge is None:
        width = math.nan
    else:
        width = edge_width(edge_profile(a, edge), levels=levels)
    return Regularity(
        tv=channel_tv(a),
        mean_gradient=mean_gradient_magnitude(a),
        max_gradient=max_gradient_magnitude(a),
        edge_width=width,
        hf_energy=high_frequency_energy(a, cutoff=cutoff),
    )
