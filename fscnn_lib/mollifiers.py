r"""Lemma 2.5 of the paper and its mollifier proof (Appendix A), on a grid.

**Lemma 2.5** (continuous weak gradient gives :math:`C^1`): if :math:`u\in W^{1,1}` has
a weak gradient that is continuous, :math:`u` is :math:`C^1`. The proof mollifies:
:math:`\phi_\varepsilon*u\to u` and :math:`D(\phi_\varepsilon*u)=(D\phi_\varepsilon)*u
=\phi_\varepsilon*Du\to Du` uniformly on every :math:`\Omega'\Subset\Omega`. Here
:func:`bump` is the standard bump :math:`\phi` (:func:`bump_mass` its integral),
:func:`mollifier_kernel` its scaled, normalised samples, :func:`mollify` and
:func:`mollified_gradient` compute :math:`\phi_\varepsilon*u` and
:math:`(D\phi_\varepsilon)*u` with the valid convolution, and
:func:`mollifier_sup_errors` measures both uniform errors on an interior square, e.g. for
the test functions :func:`radial_power` :math:`|x|^\alpha` (:math:`C^1` for
:math:`\alpha>1`; :math:`|x|` is Lipschitz and not :math:`C^1`).

References
----------
.. [1] A. Habring, M. Holler, arXiv:2204.10588, Lemma 2.5 and Appendix A.
.. [2] L. C. Evans, *Partial Differential Equations*, 2nd ed., AMS, 2010, App. C.5
   (mollifiers).
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np
import torch

from . import _backend as _bk
from ._validate import Array, check_array, check_choice, check_int, check_positive, check_real_array
from .convolution import conv_valid
from .padding import reflect_pad

__all__ = [
    "bump", "bump_gradient", "bump_mass", "mollifier_kernel", "mollify", "mollified_gradient",
    "radial_power", "radial_power_gradient", "MollifierErrors", "mollifier_sup_errors",
]

_BOUNDARIES = ("valid", "symmetric", "reflect")

#: Largest kernel radius ``K = floor(eps/h)`` in samples (a (2K+1)^2 kernel of ~34 MB).
MAX_KERNEL_RADIUS = 1024

# ---------------------------------------------------------------------- the mollifier
def _bump_raw(r2: np.ndarray) -> np.ndarray:
    """``exp(-1/(1-|x|^2))`` inside the unit disk, 0 outside, from ``r2 = |x|^2``."""
    out = np.zeros_like(r2)
    inside = r2 < 1.0
    out[inside] = np.exp(-1.0 / (1.0 - r2[inside]))
    return out


@functools.lru_cache(maxsize=1)
def bump_mass() -> float:
    r"""The integral :math:`\int_{\mathbb R^2}e^{-1/(1-|x|^2)}\mathbf 1_{|x|<1}\,dx`, computed numerically.

    In polar coordinates it is :math:`2\pi\int_0^1 r\,e^{-1/(1-r^2)}\,dr`, evaluated by
    adaptive quadrature (:func:`scipy.integrate.quad`); :func:`bump` divides by it.

    Returns
    -------
    float
        About ``0.4665``.

    Examples
    --------
    >>> round(bump_mass(), 4)
    0.4665
    """
    from scipy.integrate import quad

    value, _ = quad(lambda r: r * math.exp(-1.0 / (1.0 - r * r)), 0.0, 1.0, epsabs=1e-14, epsrel=1e-13)
    return 2.0 * math.pi * value


def bump(x1: object, x2: object) -> np.ndarray:
    r"""The standard mollifier :math:`\phi(x)=c\,e^{-1/(1-|x|^2)}` for :math:`|x|<1`, 0 otherwise.

    :math:`\phi\in C_c^\infty(\mathbb R^2)`, :math:`\phi\ge0`, its support is the closed unit
    disk and :math:`c=1/`:func:`bump_mass` makes :math:`\int\phi=1` (step 1 of the proof of
    Lemma 2.5). The scaled mollifier is :math:`\phi_\varepsilon(x)=\varepsilon^{-2}\phi(x/\varepsilon)`.

    Parameters
    ----------
    x1, x2 : float or array_like
        Coordinates (broadcast against each other).

    Returns
    -------
    numpy.ndarray
        float64, the broadcast shape of ``x1`` and ``x2``.

    Examples
    --------
    The mass is 1 (a Riemann sum on a fine grid), and the support is the unit disk:

    >>> import numpy as np
    >>> t = (np.arange(400) + 0.5) / 200 - 1
    >>> round(float(bump(t[:, None], t[None, :]).sum() / 200**2), 8)
    1.0
    >>> float(bump(1.0, 0.0)), float(bump(0.6, 0.8))
    (0.0, 0.0)
    """
    a1, a2 = np.broadcast_arrays(check_real_array(x1, "x1"), check_real_array(x2, "x2"))
    return _bump_raw(a1 * a1 + a2 * a2) / bump_mass()


def bump_gradient(x1: object, x2: object) -> np.ndarray:
    r"""The gradient :math:`\nabla\phi(x)=-\dfrac{2x}{(1-|x|^2)^2}\,\phi(x)` of :func:`bump`.

    Parameters
    ----------
    x1, x2 : float or array_like
        Coordinates (broadcast against each other).

    Returns
    -------
    numpy.ndarray, shape (2, ...)
        ``[0]`` is :math:`\partial_1\phi`, ``[1]`` is :math:`\partial_2\phi`.

    Examples
    --------
    Compare with a central difference quotient:

    >>> import numpy as np
    >>> d = 1e-6
    >>> g = bump_gradient(0.3, -0.2)
    >>> fd = (bump(0.3 + d, -0.2) - bump(0.3 - d, -0.2)) / (2 * d)
    >>> bool(abs(g[0] - fd) < 1e-8)
    True
    """
    a1, a2 = np.broadcast_arrays(check_real_array(x1, "x1"), check_real_array(x2, "x2"))
    r2 = a1 * a1 + a2 * a2
    phi = _bump_raw(r2) / bump_mass()
    factor = np.zeros_like(r2)
    inside = r2 < 1.0
    factor[inside] = -2.0 / (1.0 - r2[inside]) ** 2
    return np.stack([factor * a1 * phi, factor * a2 * phi])


def _kernel_radius(eps: float, h: float) -> int:
    ratio = eps / h
    if not math.isfinite(ratio) or ratio > MAX_KERNEL_RADIUS + 1:
        raise ValueError(
            f"eps/h = {ratio!r} is too large: the sampled mollifier would have radius above "
            f"{MAX_KERNEL_RADIUS} samples; take a coarser grid or a smaller eps"
        )
    K = int(math.floor(ratio + 1e-9))
    if K < 2:
        raise ValueError(
            f"eps must span at least two grid cells, eps >= 2 h = {2 * h!r}, got eps={eps!r}; "
            "refine the grid or take a larger eps"
        )
    if K > MAX_KERNEL_RADIUS:
        raise ValueError(
            f"eps/h = {eps / h!r} is too large: the sampled mollifier would have radius {K} > "
            f"{MAX_KERNEL_RADIUS} samples; take a coarser grid or a smaller eps"
        )
    return K


def mollifier_kernel(eps: float, h: float, *, derivative: int | None = None) -> np.ndarray:
    r"""The mollifier :math:`\phi_\varepsilon` (or one partial derivative of it) sampled on the grid.

    The samples sit at the offsets :math:`y_{k,l}=(kh,lh)`, :math:`|k|,|l|\le K=\lfloor\varepsilon/h\rfloor`,
    so the array has shape ``(2K+1, 2K+1)`` and its centre is the offset 0; every offset in
    the support :math:`\overline{B_\varepsilon(0)}` is included. Two numerical normalisations
    make the discrete kernels exact where the continuous ones are:

    * ``derivative=None``: :math:`\phi_\varepsilon(y)=\varepsilon^{-2}\phi(y/\varepsilon)`,
      rescaled so that :math:`h^2\sum\phi_\varepsilon(y_{k,l})=1` (constants are reproduced);
    * ``derivative=i`` (0 or 1): :math:`\partial_{i+1}\phi_\varepsilon`, rescaled so that
      :math:`-h^2\sum y_{i+1}\,\partial_{i+1}\phi_\varepsilon(y)=1`, the discrete form of
      :math:`\int y_i\,\partial_i\phi_\varepsilon\,dy=-1` (linear functions are differentiated
      exactly). By symmetry the sum of these samples is exactly 0.

    Parameters
    ----------
    eps : float
        The radius :math:`\varepsilon>0`; it must be at least :math:`2h` and at most
        ``MAX_KERNEL_RADIUS`` (1024) samples.
    h : float
        Grid spacing.
    derivative : {None, 0, 1}, optional
        ``None`` for :math:`\phi_\varepsilon`, ``0`` for :math:`\partial_1\phi_\varepsilon`
        (along the first array axis), ``1`` for :math:`\partial_2\phi_\varepsilon`.

    Returns
    -------
    numpy.ndarray, shape (2K+1, 2K+1), float64
        Function values (no factor :math:`h^2`), ready for :func:`~fscnn_lib.convolution.conv_valid`.

    Raises
    ------
    TypeError
        If ``eps`` or ``h`` is not a real number.
    ValueError
        If ``eps`` or ``h`` is not positive, ``eps < 2h`` or ``eps > 1024 h``, or ``derivative``
        is not None, 0 or 1.

    Examples
    --------
    >>> import numpy as np
    >>> h = 1 / 64; k = mollifier_kernel(0.1, h)
    >>> k.shape, round(float(h**2 * k.sum()), 12)
    ((13, 13), 1.0)
    >>> d = mollifier_kernel(0.1, h, derivative=0)
    >>> y1 = h * (np.arange(13) - 6)[:, None]
    >>> round(float(-h**2 * (y1 * d).sum()), 12), bool(abs(d.sum()) < 1e-9)
    (1.0, True)
    """
    eps = check_positive(eps, "eps")
    h = check_positive(h, "h")
    if derivative is not None and check_int(derivative, "derivative") not in (0, 1):
        raise ValueError(f"derivative must be None, 0 or 1, got {derivative!r}")
    K = _kernel_radius(eps, h)
    t = h * np.arange(-K, K + 1, dtype=np.float64)
    Y1, Y2 = np.meshgrid(t, t, indexing="ij")
    if derivative is None:
        k = bump(Y1 / eps, Y2 / eps) / eps**2
        return k / (h * h * k.sum())
    k = bump_gradient(Y1 / eps, Y2 / eps)[derivative] / eps**3
    y = Y1 if derivative == 0 else Y2
    # enforce exact antisymmetry, then the first-moment normalisation
    k = 0.5 * (k - (k[::-1, :] if derivative == 0 else k[:, ::-1]))
    return k / (-h * h * (y * k).sum())


def _prepare(u: object, h: float, eps: float, boundary: str) -> tuple[Array, float, float, int]:
    check_array(u, "u", min_ndim=2)
    h = check_positive(h, "h")
    eps = check_positive(eps, "eps")
    check_choice(boundary, "boundary", _BOUNDARIES)
    K = _kernel_radius(eps, h)
    N, M = int(u.shape[-2]), int(u.shape[-1])
    if boundary == "valid" and min(N, M) <= 2 * K:
        raise ValueError(
            f"with boundary='valid' the image must have more than 2K = {2 * K} samples per side "
            f"(K = floor(eps/h) = {K}), got shape {(N, M)}; take a smaller eps or pad"
        )
    if boundary != "valid":
        u = reflect_pad(u, K, mode=boundary)
    return u, h, eps, K


def mollify(u: Array, h: float, eps: float, *, boundary: str = "valid") -> Array:
    r"""The mollification :math:`\phi_\varepsilon*u` of grid samples (step 2 of the proof of Lemma 2.5).

    .. math:: (\phi_\varepsilon*u)(x_{i,j}) \approx h^2\sum_{k,l}u(x_{i,j}-y_{k,l})\,\phi_\varepsilon(y_{k,l})

    with the kernel of :func:`mollifier_kernel` and :func:`~fscnn_lib.convolution.conv_valid`.
    The average needs :math:`u` on :math:`B_\varepsilon(x)`, which leaves two choices:

    * ``boundary="valid"``: only points at distance :math:`\ge K h` from the border, i.e. the
      result lives on the interior square :math:`\Omega'` obtained by removing
      :math:`K=\lfloor\varepsilon/h\rfloor` samples per side. This is the proof's setting:
      :math:`\Omega'\Subset\Omega` and :math:`\varepsilon<\mathrm{dist}(\Omega',\partial\Omega)`,
      so no extension of :math:`u` is used;
    * ``boundary="symmetric"`` or ``"reflect"``: :math:`u` is first extended by reflection
      (:func:`~fscnn_lib.padding.reflect_pad`; ``"symmetric"`` for cell-aligned,
      ``"reflect"`` for node-aligned grids), and the result has the shape of ``u``.

    Parameters
    ----------
    u : numpy.ndarray or torch.Tensor, shape (..., N, M)
        Samples of :math:`u` on a grid of spacing ``h``.
    h : float
        Grid spacing.
    eps : float
        Mollifier radius, ``eps >= 2 h``.
    boundary : {"valid", "symmetric", "reflect"}
        See above.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        Shape ``(..., N-2K, M-2K)`` for ``"valid"``, else ``(..., N, M)``; family and dtype of ``u``.

    Raises
    ------
    TypeError
        For non-float arrays or non-numeric ``h``, ``eps``.
    ValueError
        For non-positive ``h``/``eps``, ``eps < 2h``, an unknown ``boundary``, or an image
        too small for the valid mollification.

    Examples
    --------
    Constants and affine functions are reproduced exactly (the kernel is normalised and
    symmetric):

    >>> import numpy as np
    >>> h = 1 / 32; x = (np.arange(32) + 0.5) * h
    >>> u = 1 + 2 * x[:, None] - x[None, :]
    >>> v = mollify(u, h, 0.125)
    >>> v.shape, bool(np.allclose(v, u[4:-4, 4:-4]))
    ((24, 24), True)
    """
    u, h, eps, _ = _prepare(u, h, eps, boundary)
    return conv_valid(u, _bk.like(mollifier_kernel(eps, h), u), h)


def mollified_gradient(u: Array, h: float, eps: float, *, boundary: str = "valid") -> Array:
    r"""The gradient :math:`D(\phi_\varepsilon*u)=(D\phi_\varepsilon)*u` of the mollification.

    Each component is the convolution of the samples with the sampled partial derivative
    of the mollifier (:func:`mollifier_kernel` with ``derivative=0, 1``), no finite
    differences. For :math:`u\in W^{1,1}_{\rm loc}` it also equals :math:`\phi_\varepsilon*Du`
    (step 4 of the proof of Lemma 2.5), which converges uniformly on :math:`\Omega'` to
    :math:`Du` when :math:`Du` is continuous.

    Parameters
    ----------
    u : numpy.ndarray or torch.Tensor, shape (..., N, M)
    h : float
        Grid spacing.
    eps : float
        Mollifier radius, ``eps >= 2 h``.
    boundary : {"valid", "symmetric", "reflect"}
        As in :func:`mollify`.

    Returns
    -------
    numpy.ndarray or torch.Tensor, shape (..., 2, N', M')
        ``[..., 0, :, :]`` is the :math:`x_1` derivative (first array axis); ``N', M'`` as
        in :func:`mollify`.

    Raises
    ------
    TypeError, ValueError
        As :func:`mollify`.

    Examples
    --------
    Exact on affine functions:

    >>> import numpy as np
    >>> h = 1 / 32; x = (np.arange(32) + 0.5) * h
    >>> g = mollified_gradient(3 * x[:, None] - 2 * x[None, :], h, 0.125)
    >>> g.shape, bool(np.allclose(g[0], 3.0)), bool(np.allclose(g[1], -2.0))
    ((2, 24, 24), True, True)
    """
    u, h, eps, _ = _prepare(u, h, eps, boundary)
    parts = [conv_valid(u, _bk.like(mollifier_kernel(eps, h, derivative=i), u), h) for i in (0, 1)]
    return torch.stack(parts, dim=-3) if _bk.is_torch(u) else np.stack(parts, axis=-3)


# ------------------------------------------------------------- Lemma 2.5 on the grid
def radial_power(x1: object, x2: object, alpha: float) -> np.ndarray:
    r"""The radial power :math:`u(x)=|x|^\alpha` (:math:`\alpha>0`), the test functions of Lemma 2.5.

    :math:`|x|^{3/2}` has the continuous gradient :math:`\tfrac32|x|^{-1/2}x` (Hölder-1/2,
    zero at 0), so it is :math:`C^1`; :math:`|x|` has the bounded but discontinuous weak
    gradient :math:`x/|x|`, so it is Lipschitz and not :math:`C^1`.

    Parameters
    ----------
    x1, x2 : float or array_like
        Coordinates (broadcast against each other).
    alpha : float
        The exponent, ``alpha > 0``.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> float(radial_power(3.0, 4.0, 1.5))
    11.180339887498949
    """
    alpha = check_positive(alpha, "alpha")
    a1, a2 = np.broadcast_arrays(check_real_array(x1, "x1"), check_real_array(x2, "x2"))
    return np.hypot(a1, a2) ** alpha


def radial_power_gradient(x1: object, x2: object, alpha: float) -> np.ndarray:
    r"""The (weak) gradient :math:`\alpha|x|^{\alpha-2}x` of :func:`radial_power`.

    At :math:`x=0` the value 0 is returned; it is the classical gradient for
    :math:`\alpha>1`, and an arbitrary representative for :math:`\alpha\le1` (a single
    point is a null set; a cell-aligned grid around 0 never samples it).

    Parameters
    ----------
    x1, x2 : float or array_like
        Coordinates.
    alpha : float
        The exponent, ``alpha > 0``.

    Returns
    -------
    numpy.ndarray, shape (2, ...)

    Examples
    --------
    >>> radial_power_gradient(0.6, 0.8, 1.0).tolist()
    [0.6, 0.8]
    >>> radial_power_gradient(0.0, 0.0, 1.5).tolist()
    [0.0, 0.0]
    """
    alpha = check_positive(alpha, "alpha")
    a1, a2 = np.broadcast_arrays(check_real_array(x1, "x1"), check_real_array(x2, "x2"))
    r = np.hypot(a1, a2)
    factor = np.zeros_like(r)
    nz = r > 0
    factor[nz] = alpha * r[nz] ** (alpha - 2.0)
    return np.stack([factor * a1, factor * a2])


class MollifierErrors(NamedTuple):
    r"""Uniform errors of the mollification on :math:`\Omega'`."""

    value: float
    r"""\ :math:`\sup_{\Omega'}|\phi_\varepsilon*u-u|`."""
    gradient: float
    r"""\ :math:`\sup_{\Omega'}|D(\phi_\varepsilon*u)-Du|` (Euclidean length)."""


def mollifier_sup_errors(u: np.ndarray, grad_u: np.ndarray, h: float, eps: float, *, margin: float) -> MollifierErrors:
    r"""Sup errors of :math:`\phi_\varepsilon*u` and :math:`D(\phi_\varepsilon*u)` on an interior square :math:`\Omega'`.

    Steps 3 and 4 of the proof of Lemma 2.5: for :math:`\varepsilon<\mathrm{dist}(\Omega',\partial\Omega)`
    the mollification on :math:`\Omega'` uses only values of :math:`u` in :math:`\Omega`, and

    .. math:: \sup_{\Omega'}|\phi_\varepsilon*u-u|\to0,\qquad
              \sup_{\Omega'}|D(\phi_\varepsilon*u)-Du|\to0 \quad(\varepsilon\to0)

    when :math:`u` and :math:`Du` are (uniformly) continuous. :math:`\Omega'` is the set of
    samples at distance :math:`\ge` ``margin`` from the border of the sampled square;
    :func:`mollify` and :func:`mollified_gradient` are used with ``boundary="valid"``.

    Parameters
    ----------
    u : numpy.ndarray, shape (N, M)
        Samples of :math:`u` on a grid of spacing ``h`` over :math:`\Omega`.
    grad_u : numpy.ndarray, shape (2, N, M)
        Samples of a representative of the weak gradient :math:`Du`.
    h : float
        Grid spacing.
    eps : float
        Mollifier radius, ``2h <= eps <= margin``.
    margin : float
        Distance of :math:`\Omega'` from :math:`\partial\Omega`.

    Returns
    -------
    MollifierErrors
        ``(value, gradient)``.

    Raises
    ------
    TypeError
        For non-float arrays or non-numeric parameters.
    ValueError
        For mismatched shapes, ``eps > margin`` (the mollifier would leave :math:`\Omega`),
        ``eps < 2h`` or a margin that leaves nothing.

    Examples
    --------
    An affine function is reproduced with its gradient:

    >>> import numpy as np
    >>> h = 1 / 32; x = (np.arange(32) + 0.5) * h
    >>> U = 2 * x[:, None] + x[None, :]
    >>> G = np.stack([2 + 0 * U, 1 + 0 * U])
    >>> e = mollifier_sup_errors(U, G, h, 0.125, margin=0.25)
    >>> bool(e.value < 1e-12), bool(e.gradient < 1e-12)
    (True, True)
    """
    check_array(u, "u", min_ndim=2)
    check_array(grad_u, "grad_u", min_ndim=3)
    if u.ndim != 2:
        raise ValueError(f"u must be a single image of shape (N, M), got shape {tuple(u.shape)}")
    if tuple(grad_u.shape) != (2,) + tuple(u.shape):
        raise ValueError(f"grad_u must have shape (2, N, M) = {(2,) + tuple(u.shape)}, got {tuple(grad_u.shape)}")
    h = check_positive(h, "h")
    eps = check_positive(eps, "eps")
    margin = check_positive(margin, "margin")
    if eps > margin * (1 + 1e-12):
        raise ValueError(
            f"eps={eps!r} must not exceed margin={margin!r}: the mollifier at points of Omega' "
            "would reach outside the sampled domain"
        )
    K = _kernel_radius(eps, h)
    k = int(round(margin / h))
    N, M = int(u.shape[-2]), int(u.shape[-1])
    if 2 * k >= min(N, M):
        raise ValueError(f"margin={margin!r} leaves no sample of the {N} x {M} grid (h={h!r}); take a smaller margin")
    v = mollify(u, h, eps)
    g = mollified_gradient(u, h, eps)
    c = k - K  # valid results start K samples in; Omega' starts k samples in
    sl = (slice(c, v.shape[-2] - c), slice(c, v.shape[-1] - c))
    inner = (slice(k, N - k), slice(k, M - k))
    err_v = float(np.abs(v[sl] - u[inner]).max())
    diff = g[(slice(None),) + sl] - grad_u[(slice(None),) + inner]
    err_g = float(np.sqrt((diff**2).sum(axis=0)).max())
    return MollifierErrors(err_v, err_g)
