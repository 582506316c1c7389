"""Explorers that work live and in the static book without a kernel.

A chapter's explorer shows how a figure changes with one parameter: a resolution h, a
kernel width, a number of layers. A plain ``ipywidgets.interact`` needs a running kernel
to redraw, so in the static HTML book its slider moves but the figure never changes.
:func:`stack_explorer` avoids this: it renders the figure once per parameter value
(:func:`render_frames`), puts the PNG frames as ``widgets.Image`` children of a
``widgets.Stack`` and ties the Stack's ``selected_index`` to the slider's index with
``widgets.jslink``. The link runs in the browser, and the frames travel in the notebook's
stored widget state, so moving the slider in the built page shows another frame with no
kernel at all; under Jupyter and on Colab the same widget works live.

Each frame costs page weight (a 500x300 figure at 80 dpi is roughly 20-40 KB), so keep
the number of values small: the budget's ``widget_frames`` (8 in ``quick``) is a good size.

Examples
--------
>>> import matplotlib.pyplot as plt
>>> def make_figure(p):
...     fig, ax = plt.subplots(figsize=(2, 1.5))
...     ax.plot([0, 1], [0, p])
...     return fig
>>> frames = render_frames(make_figure, [1, 2, 3], dpi=40)
>>> len(frames), all(f.startswith(b"\\x89PNG") for f in frames)
(3, True)
>>> box = stack_explorer(make_figure, [1, 2, 3], description="slope", dpi=40)
>>> slider, stack = box.children
>>> slider.index = 2
>>> stack.selected_index
2
"""

from __future__ import annotations

import io
import numbers
from collections.abc import Callable, Sequence
from typing import Any, Union

from ._validate import check_int, check_real

__all__ = ["render_frames", "stack_explorer", "frame_label", "MAX_FRAMES"]

#: The most frames one explorer may hold (each frame is embedded in the page).
MAX_FRAMES = 48

Readout = Union[str, Callable[[Any], str], None]


def _check_values(values: object) -> list[Any]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        try:
            import numpy as np

            if isinstance(values, np.ndarray) and values.ndim == 1:
                return values.tolist()
        except ImportError:  # pragma: no cover - numpy is a dependency
            pass
        raise TypeError(
            f"values must be a sequence (list, tuple, range or 1-D array) of parameter values, "
            f"got {type(values).__name__}"
        )
    values = list(values)
    if len(values) == 0:
        raise ValueError("values must hold at least one parameter value, got an empty sequence")
    if len(values) > MAX_FRAMES:
        raise ValueError(
            f"values must hold at most {MAX_FRAMES} parameter values (each becomes an embedded "
            f"frame), got {len(values)}"
        )
    return values


def _check_dpi(dpi: object) -> float:
    if not 10 <= check_real(dpi, "dpi") <= 600:
        raise ValueError(f"dpi must lie between 10 and 600, got {dpi!r}")
    return float(dpi)


def _check_callable(make_figure: object) -> None:
    if not callable(make_figure):
        raise TypeError(
            f"make_figure must be callable (value -> matplotlib Figure), got {type(make_figure).__name__}"
        )


def _default_label(value: Any) -> str:
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        return f"{float(value):.4g}"
    return str(value)


def _labels(values: list[Any], readout: Readout) -> list[str]:
    if readout is None:
        fmt: Callable[[Any], str] = _default_label
    elif isinstance(readout, str):
        def fmt(v: Any) -> str:
            try:
                return readout.format(v)
            except (IndexError, KeyError, ValueError) as err:
                raise ValueError(
                    f"readout must be a format string with one positional field such as "
                    f"'h = {{:.3g}}', got {readout!r} ({err})"
                ) from err
    elif callable(readout):
        fmt = readout
    else:
        raise TypeError(
            f"readout must be None, a format string or a callable value -> str, "
            f"got {type(readout).__name__}"
        )
    labels = []
    for v in values:
        label = fmt(v)
        if not isinstance(label, str):
            raise TypeError(f"readout must produce str labels, got {type(label).__name__} for value {v!r}")
        labels.append(label)
    if len(set(labels)) != len(labels):
        raise ValueError(
            f"readout must give each value a distinct label, got {labels}; "
            "use more digits in the format"
        )
    return labels


def render_frames(make_figure: Callable[[Any], Any], values: Sequence[Any], *, dpi: float = 80) -> list[bytes]:
    """Render ``make_figure(value)`` for each value to PNG bytes and close each figure.

    Parameters
    ----------
    make_figure : callable
        ``make_figure(value)`` returns a ``matplotlib.figure.Figure``. It should create a
        new figure each time (e.g. with ``plt.subplots``); the figure is closed after it is
        rendered, so it is not also displayed by the inline backend.
    values : sequence
        The parameter values, one frame each (at least 1, at most :data:`MAX_FRAMES`).
    dpi : float, optional
        Resolution of the PNGs (10 to 600); the default 80 keeps pages light.

    Returns
    -------
    list of bytes
        One PNG per value, in order.

    Raises
    ------
    TypeError
        If ``make_figure`` is not callable or does not return a Figure, ``values`` is not a
        sequence, or ``dpi`` is not a number.
    ValueError
        If ``values`` is empty or too long, or ``dpi`` is out of range.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> frames = render_frames(lambda v: plt.figure(figsize=(1, 1)), [0, 1], dpi=20)
    >>> [f[:4] for f in frames]
    [b'\\x89PNG', b'\\x89PNG']
    """
    _check_callable(make_figure)
    values = _check_values(values)
    dpi = _check_dpi(dpi)

    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    frames: list[bytes] = []
    for value in values:
        fig = make_figure(value)
        if not isinstance(fig, Figure):
            raise TypeError(
                f"make_figure must return a matplotlib.figure.Figure, got {type(fig).__name__} "
                f"for value {value!r}; end it with 'return fig'"
            )
        buffer = io.BytesIO()
        try:
            fig.savefig(buffer, format="png", dpi=dpi)
        finally:
            plt.close(fig)
        frames.append(buffer.getvalue())
    return frames


def frame_label(fig: Any, text: str, *, loc: str = "upper right", fontsize: float = 9) -> None:
    """Write a small label (e.g. the parameter value) into a corner of a figure.

    Useful inside ``make_figure`` so that each frame names its own parameter value.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to label.
    text : str
        The label.
    loc : {"upper right", "upper left", "lower right", "lower left"}
        The corner.
    fontsize : float
        Font size in points.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = plt.figure(); frame_label(fig, "h = 1/8"); fig.texts[0].get_text()
    'h = 1/8'
    >>> plt.close(fig)
    """
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib.figure.Figure, got {type(fig).__name__}")
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    corners = {
        "upper right": (0.99, 0.99, "right", "top"),
        "upper left": (0.01, 0.99, "left", "top"),
        "lower right": (0.99, 0.01, "right", "bottom"),
        "lower left": (0.01, 0.01, "left", "bottom"),
    }
    if loc not in corners:
        raise ValueError(f"loc must be one of {tuple(corners)}, got {loc!r}")
    x, y, ha, va = corners[loc]
    fig.text(x, y, text, ha=ha, va=va, fontsize=fontsize,
             bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.8, "linewidth": 0})


def stack_explorer(
    make_figure: Callable[[Any], Any],
    values: Sequence[Any],
    *,
    description: str,
    readout: Readout = None,
    dpi: float = 80,
    initial: int = 0,
    width: str | None = None,
    alt: str | None = None,
):
    """A slider over precomputed figures that also works in the static book (no kernel).

    The figures ``make_figure(v)`` for ``v`` in ``values`` are rendered once
    (:func:`render_frames`) and shown as ``widgets.Image`` children of a
    ``widgets.Stack``. A ``widgets.SelectionSlider`` whose labels are the parameter values
    selects the frame: its ``index`` is tied to the Stack's ``selected_index`` by
    ``widgets.jslink`` (so the browser switches frames by itself, with or without a
    kernel) and, in the kernel, by an observer (so code that sets the slider sees the
    frame follow).

    Parameters
    ----------
    make_figure : callable
        ``make_figure(value) -> matplotlib.figure.Figure``; a new figure per call.
    values : sequence
        The parameter values, in slider order (at least 1, at most :data:`MAX_FRAMES`).
    description : str
        The slider's label, e.g. ``"resolution"`` or ``r"\\(h\\)"`` (write LaTeX with
        ``\\(...\\)``, not ``$...$``, so that it renders in the book).
    readout : None, str or callable, optional
        How each value is written next to the slider: ``None`` (``4g`` for floats, ``str``
        otherwise), a format string such as ``"h = 1/{:d}"``, or a callable
        ``value -> str``. The labels must be distinct.
    dpi : float, optional
        Resolution of the frames (default 80).
    initial : int, optional
        Index of the frame shown first (default 0).
    width : str, optional
        CSS width of the slider, e.g. ``"420px"``.
    alt : str, optional
        What the figures show, in words, for readers who cannot see them (e.g.
        ``"Profile of the output along x2 = 1/2"``). It is stored as the slider's
        tooltip; the book's viewer (book/_assets/widget-viewer.js) gives each frame the
        alt text ``"<alt>; frame 2 of 8, h = 1/64"`` (without ``alt``: ``"Explorer frame
        2 of 8, h = 1/64"``, from the slider's description and label).

    Returns
    -------
    ipywidgets.VBox
        ``VBox([slider, stack])``.

    Raises
    ------
    TypeError
        If ``make_figure`` is not callable or returns no Figure, ``values`` is not a
        sequence, ``description`` or ``alt`` is not a str, ``readout`` has a wrong type, or
        ``initial`` is not an int.
    ValueError
        If ``values`` is empty or too long, labels collide, ``dpi`` is out of range or
        ``initial`` is not a valid index, or ``alt`` is empty.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> box = stack_explorer(lambda v: plt.figure(figsize=(1, 1)), [0.5, 0.25],
    ...                      description="h", readout="h = {}", dpi=20)
    >>> box.children[0].options
    (('h = 0.5', 0), ('h = 0.25', 1))
    """
    _check_callable(make_figure)
    values = _check_values(values)
    dpi = _check_dpi(dpi)
    if not isinstance(description, str):
        raise TypeError(f"description must be a str, got {type(description).__name__}")
    labels = _labels(values, readout)
    if not 0 <= check_int(initial, "initial", minimum=-(2**62)) < len(values):
        raise ValueError(f"initial must be an index into values, 0 <= initial < {len(values)}, got {initial}")
    if width is not None and not isinstance(width, str):
        raise TypeError(f"width must be a CSS width str such as '420px' or None, got {type(width).__name__}")
    if alt is not None and not isinstance(alt, str):
        raise TypeError(f"alt must be a str describing the figures or None, got {type(alt).__name__}")
    if alt is not None and not alt.strip():
        raise ValueError("alt must describe the figures in words, got an empty string")

    import ipywidgets as widgets

    frames = render_frames(make_figure, values, dpi=dpi)
    images = [widgets.Image(value=png, format="png") for png in frames]
    stack = widgets.Stack(children=images, selected_index=int(initial))
    # The description of the figures travels as the slider's tooltip: @jupyter-widgets'
    # html-manager (the book's fallback renderer) accepts a tooltip on a slider but fails
    # to draw an Image, Stack or Box that has one. ipywidgets 7 (Colab) calls it
    # description_tooltip.
    tip = {}
    if alt is not None:
        key = "tooltip" if "tooltip" in widgets.SelectionSlider.class_trait_names() else "description_tooltip"
        tip = {key: alt.strip()}
    slider = widgets.SelectionSlider(
        options=list(zip(labels, range(len(values)))),
        index=int(initial),
        description=description,
        continuous_update=True,
        style={"description_width": "initial"},
        layout=widgets.Layout(width=width) if width else widgets.Layout(),
        **tip,
    )
    # In the browser (live or static): the front end moves the Stack itself.
    widgets.jslink((slider, "index"), (stack, "selected_index"))

    # In the kernel: keep the Python model in step too (the browser link also syncs
    # back when a kernel is connected; this covers code that sets the slider).
    def _follow(change: dict) -> None:
        stack.selected_index = change["new"]

    slider.observe(_follow, names="index")
    return widgets.VBox([slider, stack])
