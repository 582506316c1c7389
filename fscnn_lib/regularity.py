r"""Regularity measurements on sampled images, comparable across resolutions h.

Theorem 2.7 of the paper is a statement about function classes: an fsCNN output is
in :math:`C(\bar\Omega)` for a measure input and in :math:`C^1(\bar\Omega)` for a
:math:`BV` input. A computer only ever sees samples :math:`U_{i,j}\approx u(x_{i,j})`
on a grid of spacing :math:`h`, so each class is detected by *how a discrete quantity
scales as* :math:`h\to0`:

=====================  ===================================  ==========================
quantity               a jump / a kink                      Lipschitz / :math:`C^{1,1}`
=====================  ===================================  ==========================
:func:`max_jump`       :math:`O(1)` across a jump             :math:`\le\mathrm{Lip}(u)\,h`
:func:`gradient_jump`  :math:`O(1)` across a kink             :math:`O(h)`
=====================  ===================================  ==========================

:func:`fit_rate` turns a sequence of such values into the exponent :math:`\alpha` of
:math:`\text{value}\approx C h^\alpha`, and :func:`regularity_verdict` reads the
class off the two exponents, in the vocabulary :data:`REGULARITY_LEVELS` shared with
:func:`guaranteed_regularity`. The module also has the modulus of continuity
:math:`\varpi_u(t)` of Lemma 3.4; the discrete norms (gradient, TV, :math:`H^1`,
:math:`L^p`) are in :mod:`fscnn_lib.norms`.

All functions take NumPy arrays or torch tensors of shape ``(..., N, M)`` (the first
array axis is the paper's first coordinate :math:`x_1`) and reduce over the last two
axes: the result is a ``float`` for a 2-D image and an array of shape ``(...)`` (same
family) otherwise.

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588 (2022), Thm 2.7, Lemma 3.4.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple, Union

import numpy as np
import torch

from . import _backend as _bk
from ._validate import Array, check_array, check_choice, check_image, check_positive, check_real
from .architecture import conv_path_counts as _conv_path_counts

__all__ = [
    "REGULARITY_LEVELS", "max_jump", "gradient_jump", "modulus_of_continuity",
    "interior", "fit_rate", "RegularityVerdict", "regularity_verdict", "LayerJumps",
    "layer_jumps", "JUMP_RATE_THRESHOLD", "GRADIENT_RATE_THRESHOLD",
    "guaranteed_regularity",
]

Scalar = Union[float, Array]

#: The regularity vocabulary shared by what Theorem 2.7 guarantees and the measured
#: verdict: "none" (no continuity), "C" (continuous, not C^1) and "C^1".
REGULARITY_LEVELS: tuple[str, ...] = ("none", "C", "C^1")

#: A fitted exponent of :func:`max_jump` below this means "does not vanish as h -> 0":
#: halfway between 0 (a jump) and 1 (Lipschitz).
JUMP_RATE_THRESHOLD = 0.5
#: A fitted exponent of :func:`gradient_jump` below this means "the difference quotients
#: jump": halfway between 0 (a kink) and 1 (a Lipschitz gradient).
GRADIENT_RATE_THRESHOLD = 0.5



def max_jump(u: Array) -> Scalar:
    r"""Largest difference of neighbouring samples, :math:`\max(|u_{i+1,j}-u_{i,j}|,|u_{i,j+1}-u_{i,j}|)`.

    It stays :math:`O(1)` as :math:`h\to0` when :math:`u` jumps across a curve, and is
    at most :math:`\mathrm{Lip}(u)\,h` for a Lipschitz :math:`u`; for a continuous
    :math:`u` it is at most :math:`\varpi_u(h)\to0` (modulus of continuity).

    Parameters
    ----------
    u : numpy.ndarray or torch.Tensor, shape (..., N, M)

    Returns
    -------
    float or array of shape (...)

    Examples
    --------
    >>> import numpy as np
    >>> x = (np.arange(64) + 0.5) / 64
    >>> step = (x[:, None] > 0.5) * np.ones((64, 64))
    >>> max_jump(step)
    1.0
    >>> bool(max_jump(np.sin(x)[:, None] * np.ones((64, 64))) <= 1 / 64)   # Lip(sin) = 1
    True
    """
    check_image(u, min_side=2)
    d1 = _bk.amax2(_bk.abs_(u[..., 1:, :] - u[..., :-1, :]))
    d2 = _bk.amax2(_bk.abs_(u[..., :, 1:] - u[..., :, :-1]))
    return _bk.scalar_or_array(_bk.maximum(d1, d2))


def gradient_jump(u: Array, h: float) -> Scalar:
    r"""Largest neighbour difference of the difference quotients of ``u``.

    With :math:`D_1u_{i,j}=(u_{i+1,j}-u_{i,j})/h` and :math:`D_2u_{i,j}=(u_{i,j+1}-u_{i,j})/h`,
    returns the largest :math:`|D_ku_{i+1,j}-D_ku_{i,j}|` and :math:`|D_ku_{i,j+1}-D_ku_{i,j}|`,
    :math:`k=1,2` (only true differences, no boundary padding). It is :math:`O(1)` across
    a kink (continuous but not :math:`C^1`, e.g. :math:`|x_1-\tfrac12|` or a ReLU crease),
    :math:`O(h)` for :math:`C^{1,1}` data, and grows like :math:`1/h` across a jump.

    Parameters
    ----------
    u : numpy.ndarray or torch.Tensor, shape (..., N, M)
        At least 3 samples along each of the last two axes.
    h : float
        Grid spacing.

    Returns
    -------
    float or array of shape (...)

    Examples
    --------
    A kink of slope change 2 at a node gives 2; a smooth function gives :math:`O(h)`:

    >>> import numpy as np
    >>> x = np.arange(65) / 64; h = 1 / 64              # the 65 nodes of [0, 1]
    >>> kink = np.abs(x - 0.5)[:, None] * np.ones((65, 65))
    >>> round(gradient_jump(kink, h), 6)
    2.0
    >>> bool(gradient_jump(np.sin(x)[:, None] + np.cos(x)[None, :], h) <= 2 * h)
    True
    """
    check_image(u, min_side=3)
    h = check_positive(h, "h")
    d1 = (u[..., 1:, :] - u[..., :-1, :]) / h
    d2 = (u[..., :, 1:] - u[..., :, :-1]) / h
    out = None
    for d in (d1, d2):
        for jump in (d[..., 1:, :] - d[..., :-1, :], d[..., :, 1:] - d[..., :, :-1]):
            m = _bk.amax2(_bk.abs_(jump))
            out = m if out is None else _bk.maximum(out, m)
    return _bk.scalar_or_array(out)


def modulus_of_continuity(u: Array, h: float, t: float) -> Scalar:
    r"""Discrete modulus of continuity :math:`\varpi_u(t)=\sup_{|\tau|\le t}\sup_x|u(x+\tau)-u(x)|`.

    The supremum runs over the grid shifts :math:`\tau=(k_1h,k_2h)` with
    :math:`|\tau|_2\le t` and over all :math:`x` with :math:`x, x+\tau` on the grid
    (Lemma 3.4 of the paper uses :math:`\varpi_u(h/\sqrt2)`). A continuous limit
    has :math:`\varpi_u(t)\to0` as :math:`t\to0`; a jump keeps it at the jump height.

    Parameters
    ----------
    u : numpy.ndarray or torch.Tensor, shape (..., N, M)
    h : float
        Grid spacing.
    t : float
        Largest shift length, ``t >= h`` (at least one neighbour shift).

    Returns
    -------
    float or array of shape (...)

    Raises
    ------
    ValueError
        If ``t < h`` (no grid shift is that short) or ``t`` exceeds the image.

    Examples
    --------
    For a Lipschitz function, :math:`\varpi_u(t)\le\mathrm{Lip}(u)\,t`:

    >>> import numpy as np
    >>> x = (np.arange(32) + 0.5) / 32
    >>> u = x[:, None] + x[None, :]            # Lip = sqrt(2) for the Euclidean norm
    >>> w = modulus_of_continuity(u, 1 / 32, 0.1)
    >>> bool(w <= np.sqrt(2) * 0.1 + 1e-12), bool(w > 0.1)
    (True, True)
    """
    check_image(u, min_side=2)
    h = check_positive(h, "h")
    t = check_positive(t, "t")
    K = int(math.floor(t / h + 1e-9))
    if K < 1:
        raise ValueError(f"t must be at least the grid spacing h={h!r} (the shortest grid shift), got t={t!r}")
    N, M = int(u.shape[-2]), int(u.shape[-1])
    if K >= max(N, M):
        raise ValueError(
            f"t={t!r} is longer than the image ({N} x {M} samples of spacing h={h!r}); "
            f"choose t < {max(N, M) * h!r}"
        )
    out = None
    # half of the shifts suffice: tau and -tau give the same supremum
    for k1 in range(0, K + 1):
        for k2 in range(-K, K + 1):
            if (k1 == 0 and k2 <= 0) or k1 >= N or abs(k2) >= M:
                continue
            if (k1 * k1 + k2 * k2) * h * h > t * t * (1 + 1e-12):
                continue
            a = u[..., k1:, max(k2, 0) : M + min(k2, 0)]
            b = u[..., : N - k1, max(-k2, 0) : M - max(k2, 0)]
            m = _bk.amax2(_bk.abs_(a - b))
            out = m if out is None else _bk.maximum(out, m)
    return _bk.scalar_or_array(out)


def interior(u: Array, h: float, margin: float) -> Array:
    r"""Crop a physical margin from the image: the samples at distance :math:`\ge` ``margin`` from the border.

    Removes ``round(margin / h)`` samples on each side of the last two axes, so that a
    quantity measured away from the boundary (where reflection padding creates creases,
    EN-4c) refers to the same physical region at every :math:`h`.

    Parameters
    ----------
    u : numpy.ndarray or torch.Tensor, shape (..., N, M)
    h : float
        Grid spacing.
    margin : float
        ``>= 0``, a length (e.g. ``0.25`` on :math:`(0,1)^2`).

    Returns
    -------
    numpy.ndarray or torch.Tensor, shape (..., N - 2k, M - 2k), ``k = round(margin / h)``

    Examples
    --------
    >>> import numpy as np
    >>> interior(np.zeros((65, 65)), 1 / 64, 0.25).shape
    (33, 33)
    """
    check_array(u, "u", min_ndim=2, finite=False)
    h = check_positive(h, "h")
    margin = check_real(margin, "margin", minimum=0.0)
    k = int(round(margin / h))
    N, M = int(u.shape[-2]), int(u.shape[-1])
    if 2 * k >= min(N, M):
        raise ValueError(
            f"margin={margin!r} removes {k} samples per side from an image of shape {(N, M)} "
            f"(h={h!r}), leaving nothing; choose margin < {min(N, M) * h / 2!r}"
        )
    return u[..., k : N - k, k : M - k]


# ------------------------------------------------------------------------------ rates
def fit_rate(hs: Sequence[float], values: Sequence[float]) -> float:
    r"""Exponent :math:`\alpha` of a power law :math:`\text{value}\approx Ch^\alpha`, by least squares in log-log.

    The slope of the regression line of :math:`\log(\text{value})` on :math:`\log h`:
    about 0 for a quantity that stays :math:`O(1)`, about 1 for :math:`O(h)`, about
    :math:`-1` for :math:`O(1/h)`.

    Parameters
    ----------
    hs : sequence of float
        At least two distinct positive resolutions.
    values : sequence of float
        Positive finite values, one per ``h``.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If the lengths differ, fewer than two distinct ``h`` are given, or a value is not
        positive and finite (a log-log fit needs positive data).

    Examples
    --------
    >>> hs = [2.0**-k for k in range(5, 9)]
    >>> round(fit_rate(hs, [3 * h for h in hs]), 12), round(fit_rate(hs, [1.1] * 4), 12)
    (1.0, 0.0)
    """
    h = np.asarray([float(v) for v in hs], dtype=float)
    y = np.asarray([float(v) for v in values], dtype=float)
    if h.shape != y.shape:
        raise ValueError(f"hs and values must have the same length, got {h.size} and {y.size}")
    if h.size < 2 or np.unique(h).size < 2:
        raise ValueError(f"hs must hold at least two distinct resolutions, got {h.tolist()}")
    if not (np.all(np.isfinite(h)) and np.all(h > 0)):
        raise ValueError(f"hs must be positive and finite, got {h.tolist()}")
    if not (np.all(np.isfinite(y)) and np.all(y > 0)):
        raise ValueError(
            f"values must be positive and finite for a log-log fit, got {y.tolist()}; "
            "a value of exactly 0 means the quantity vanishes at that h (no rate to fit)"
        )
    lh, ly = np.log(h), np.log(y)
    lh0 = lh - lh.mean()
    return float(np.dot(lh0, ly - ly.mean()) / np.dot(lh0, lh0))


class RegularityVerdict(NamedTuple):
    """The class read off by :func:`regularity_verdict` and the two fitted exponents."""

    label: str
    jump_rate: float
    gradient_rate: float


def regularity_verdict(
    hs: Sequence[float],
    max_jumps: Sequence[float],
    gradient_jumps: Sequence[float],
    *,
    jump_threshold: float = JUMP_RATE_THRESHOLD,
    gradient_threshold: float = GRADIENT_RATE_THRESHOLD,
) -> RegularityVerdict:
    r"""Classify a sequence of sampled images as one of :data:`REGULARITY_LEVELS`: "none", "C" or "C^1".

    With :math:`\alpha_J` = :func:`fit_rate` of :func:`max_jump` and :math:`\alpha_G` =
    :func:`fit_rate` of :func:`gradient_jump` across :math:`h`:

    * :math:`\alpha_J<` ``jump_threshold`` (default 0.5): the neighbour jumps do not vanish
      like a power of :math:`h` that a Lipschitz function would give (:math:`\alpha_J=1`);
      a jump gives :math:`\alpha_J=0`. Verdict ``"none"`` (no continuity).
    * else :math:`\alpha_G<` ``gradient_threshold`` (default 0.5): the difference quotients
      jump by :math:`O(1)` (a kink, :math:`\alpha_G=0`). Verdict ``"C"`` (continuous, not :math:`C^1`).
    * else (:math:`\alpha_G\approx1`, a Lipschitz gradient): ``"C^1"``.

    The thresholds sit halfway between the exponents of the two competing models; a
    Hölder-:math:`\beta` function has :math:`\alpha_J=\beta` and is classed continuous only
    for :math:`\beta\ge0.5`, so this is evidence across a finite range of :math:`h`, not a proof.

    Parameters
    ----------
    hs : sequence of float
        Resolutions.
    max_jumps, gradient_jumps : sequence of float
        :func:`max_jump` and :func:`gradient_jump` of the images at those resolutions.
    jump_threshold, gradient_threshold : float
        Decision thresholds on the exponents.

    Returns
    -------
    RegularityVerdict
        ``(label, jump_rate, gradient_rate)``.

    Examples
    --------
    >>> hs = [2.0**-k for k in range(5, 9)]
    >>> regularity_verdict(hs, [1.1] * 4, [1 / h for h in hs]).label
    'none'
    >>> regularity_verdict(hs, [2 * h for h in hs], [0.7] * 4).label
    'C'
    >>> regularity_verdict(hs, [2 * h for h in hs], [5 * h for h in hs]).label
    'C^1'
    """
    for name, v in (("jump_threshold", jump_threshold), ("gradient_threshold", gradient_threshold)):
        check_real(v, name)
    a_j = fit_rate(hs, max_jumps)
    a_g = fit_rate(hs, gradient_jumps)
    level = 0 if a_j < jump_threshold else (1 if a_g < gradient_threshold else 2)
    return RegularityVerdict(REGULARITY_LEVELS[level], a_j, a_g)


# ------------------------------------------------------------------ network layers
class LayerJumps(NamedTuple):
    r"""Jumps and gradient jumps of every layer of an fsCNN across resolutions (:func:`layer_jumps`).

    Row ``l`` refers to the ``l``-th entry of :meth:`FsCNN.layer_outputs
    <fscnn_lib.networks.FsCNN.layer_outputs>`: :math:`\mu^{l+1}` for ``l < L - 1`` and the
    output for ``l = L - 1``. Column ``k`` refers to ``hs[k]``.
    """

    hs: tuple[float, ...]
    max_jumps: np.ndarray
    gradient_jumps: np.ndarray
    spreads: np.ndarray

    def jump_rate(self, layer: int) -> float:
        """:func:`fit_rate` of the largest neighbour jumps of row ``layer``."""
        return fit_rate(self.hs, self.max_jumps[layer])

    def gradient_rate(self, layer: int) -> float:
        """:func:`fit_rate` of the largest gradient jumps of row ``layer``."""
        return fit_rate(self.hs, self.gradient_jumps[layer])

    def verdict(self, layer: int, **thresholds: float) -> RegularityVerdict:
        """:func:`regularity_verdict` of row ``layer``."""
        return regularity_verdict(self.hs, self.max_jumps[layer], self.gradient_jumps[layer], **thresholds)


def layer_jumps(net, make_input, hs: Sequence[float], *, margin: float = 0.0) -> LayerJumps:
    r"""Measure :func:`max_jump` and :func:`gradient_jump` of each layer of an fsCNN at each resolution.

    For every ``h`` in ``hs`` the network is evaluated on ``make_input(h)`` (shape
    ``(B, C_0, N, N)``, :math:`N=1/h`); every activation :math:`\mu^1,\dots,\mu^{L-1}` and
    the output, cropped by a physical ``margin`` (:func:`interior`), is reduced to the
    largest :func:`max_jump`, :func:`gradient_jump` and spread :math:`\max-\min` (0 for a
    "dead" layer) over the batch and channels: the measurement behind the checks of
    Theorem 2.7 and Remarks 2.6, 2.8.

    Parameters
    ----------
    net : FsCNN
        The network (evaluated without gradients).
    make_input : callable
        ``make_input(h)`` returns the input tensor at resolution ``h``.
    hs : sequence of float
        At least two resolutions accepted by the network.
    margin : float
        Physical margin cropped before measuring (``0``: all of :math:`\bar\Omega`).

    Returns
    -------
    LayerJumps
        Arrays of shape ``(L, len(hs))``.

    Raises
    ------
    TypeError
        If ``net`` is not an FsCNN or ``make_input`` is not callable.
    ValueError
        If fewer than two resolutions are given.

    Examples
    --------
    A one-layer network on a Dirac input returns the kernel itself: its jump does not
    shrink with h.

    >>> from fscnn_lib.networks import FsCNN
    >>> net = FsCNN([torch.tensor([[1.0, -1.0], [2.0, 0.0]], dtype=torch.float64)], [0.25])
    >>> def dirac(h):
    ...     n = round(1 / h); u = torch.zeros(1, 1, n, n, dtype=torch.float64)
    ...     u[0, 0, n // 2, n // 2] = 1 / h**2
    ...     return u
    >>> lj = layer_jumps(net, dirac, [1 / 8, 1 / 16, 1 / 32])
    >>> lj.max_jumps.tolist(), round(lj.jump_rate(0), 12)
    ([[2.0, 2.0, 2.0]], 0.0)
    """
    # duck-typed (networks sits after regularity in the import order): any object with
    # the FsCNN evaluation interface
    if not (hasattr(net, "layer_outputs") and hasattr(net, "num_layers")):
        raise TypeError(f"net must be an FsCNN (with layer_outputs and num_layers), got {type(net).__name__}")
    if not callable(make_input):
        raise TypeError(f"make_input must be a callable h -> input tensor, got {type(make_input).__name__}")
    hs = tuple(check_positive(h, "hs[k]") for h in hs)
    if len(hs) < 2:
        raise ValueError(f"hs must hold at least two resolutions, got {list(hs)}")
    L = net.num_layers
    mj = np.zeros((L, len(hs)))
    gj = np.zeros((L, len(hs)))
    spread = np.zeros((L, len(hs)))
    with torch.no_grad():
        for k, h in enumerate(hs):
            for l, act in enumerate(net.layer_outputs(make_input(h), h)):
                a = interior(act, h, margin) if margin > 0 else act
                mj[l, k] = float(torch.as_tensor(max_jump(a)).max())
                gj[l, k] = float(torch.as_tensor(gradient_jump(a, h)).max())
                spread[l, k] = float(a.max() - a.min())
    return LayerJumps(hs, mj, gj, spread)


# ---------------------------------------------------- what Theorem 2.7 guarantees
def guaranteed_regularity(
    num_layers: int, skips: Sequence[tuple[int, int]] = (), input_kind: str = "measure"
) -> str:
    r"""What Thm 2.7 (with EN-7b, EN-8a) guarantees for an fsCNN's output, one of ``REGULARITY_LEVELS``.

    * Every input-to-output path must pass through at least two convolutions
      (:func:`~fscnn_lib.architecture.conv_path_counts`), else ``"none"``: a path
      ``input -> one conv -> output`` carries the jump of a measure input (EN-8a).
    * ``input_kind="measure"``: the output is in :math:`C(\bar\Omega)`, ``"C"``.
    * ``input_kind="bv"``: :math:`C^1(\bar\Omega)`, ``"C^1"``, unless a skip ``(f, L)`` adds
      an activation :math:`\mu^f=\sigma(\cdot)` to the output: for a non-smooth
      :math:`\sigma` such as ReLU it has creases (EN-5), so then only ``"C"``.

    Parameters
    ----------
    num_layers : int
        :math:`L\ge1`.
    skips : sequence of (int, int)
        The skips ``(f, t)`` of the network.
    input_kind : {"measure", "bv"}

    Returns
    -------
    {"none", "C", "C^1"}

    Examples
    --------
    >>> guaranteed_regularity(3, [(2, 3)], "bv"), guaranteed_regularity(2, [], "bv")
    ('C', 'C^1')
    >>> guaranteed_regularity(2, [(1, 2)], "measure")
    'none'
    """
    check_choice(input_kind, "input_kind", ("measure", "bv"))
    if _conv_path_counts(num_layers, skips)[0] < 2:
        return REGULARITY_LEVELS[0]
    creased = input_kind == "measure" or any(t == num_layers for _, t in skips)
    return REGULARITY_LEVELS[1 if creased else 2]
