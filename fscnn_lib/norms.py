r"""Discrete norms on grids of resolution h (notation of Sec. 2 of the paper, S2-NOT-e..g).

Holds the one convention for both sides of an inequality, :class:`BoundSides`, which every
bound of the library (Young, Hölder, Lemma 2.3, ...) returns.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["BoundSides"]


class BoundSides(NamedTuple):
    """Both sides of an inequality ``lhs <= rhs``.

    Examples
    --------
    >>> b = BoundSides(1.0, 2.0)
    >>> b.lhs <= b.rhs
    True
    """

    lhs: float
    rhs: float
