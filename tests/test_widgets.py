"""Tests of fscnn_lib.widgets: frames, the Stack + slider explorer, validation."""

from __future__ import annotations

import struct

import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from fscnn_lib import widgets as fw  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def make_figure(p):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    x = np.linspace(0, 1, 50)
    ax.plot(x, np.sin(2 * np.pi * p * x))
    ax.set_title(f"p = {p}")
    return fig


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (an oracle independent of matplotlib)."""
    assert data[:8] == PNG_MAGIC and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def embedded_links(box, a, a_attr, b, b_attr):
    """The LinkModel entries of the embeddable widget state that tie a.a_attr to b.b_attr.

    ``ipywidgets.embed.embed_data`` builds the same kind of state that the executed
    notebook stores and the static page reads.
    """
    from ipywidgets.embed import embed_data

    state = embed_data(views=[box])["manager_state"]["state"]
    ref = "IPY_MODEL_{}".format
    return [
        m for m in state.values()
        if m["model_name"] == "LinkModel"
        and list(m["state"]["source"]) == [ref(a.model_id), a_attr]
        and list(m["state"]["target"]) == [ref(b.model_id), b_attr]
    ]


# ------------------------------------------------------------ render_frames


def test_render_frames_one_png_per_value_in_order():
    values = [1, 2, 3, 4]
    frames = fw.render_frames(make_figure, values, dpi=40)
    assert len(frames) == len(values)
    assert all(f.startswith(PNG_MAGIC) for f in frames)
    assert len(set(frames)) == len(values)  # different parameters, different pictures
    # Same parameter, same picture: rendering is deterministic.
    assert fw.render_frames(make_figure, [3], dpi=40)[0] == frames[2]


def test_render_frames_dpi_sets_pixel_size():
    (small,) = fw.render_frames(make_figure, [1], dpi=40)
    (large,) = fw.render_frames(make_figure, [1], dpi=80)
    assert png_size(small) == (80, 60)  # 2 x 1.5 inches
    assert png_size(large) == (160, 120)


def test_render_frames_closes_its_figures():
    before = set(plt.get_fignums())
    fw.render_frames(make_figure, [1, 2, 3], dpi=30)
    assert set(plt.get_fignums()) == before


def test_render_frames_accepts_numpy_and_range():
    assert len(fw.render_frames(make_figure, np.array([0.5, 1.0]), dpi=20)) == 2
    assert len(fw.render_frames(make_figure, range(3), dpi=20)) == 3


def test_render_frames_rejects_a_non_figure_and_closes_nothing_else():
    with pytest.raises(TypeError, match="make_figure must return a matplotlib.figure.Figure"):
        fw.render_frames(lambda v: "not a figure", [1])


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(make_figure=42, values=[1]), TypeError, "make_figure must be callable"),
        (dict(make_figure=make_figure, values="abc"), TypeError, "values must be a sequence"),
        (dict(make_figure=make_figure, values=5), TypeError, "values must be a sequence"),
        (dict(make_figure=make_figure, values=np.zeros((2, 2))), TypeError, "values must be a sequence"),
        (dict(make_figure=make_figure, values=[]), ValueError, "values must hold at least one"),
        (dict(make_figure=make_figure, values=list(range(fw.MAX_FRAMES + 1))), ValueError, "at most"),
        (dict(make_figure=make_figure, values=[1], dpi="80"), TypeError, "dpi must be a real number"),
        (dict(make_figure=make_figure, values=[1], dpi=True), TypeError, "dpi must be a real number"),
        (dict(make_figure=make_figure, values=[1], dpi=5), ValueError, "dpi must lie between"),
        (dict(make_figure=make_figure, values=[1], dpi=float("nan")), ValueError, "dpi must be finite"),
    ],
)
def test_render_frames_validation(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        fw.render_frames(**kwargs)


# ----------------------------------------------------------- stack_explorer


def test_stack_explorer_structure():
    values = [0.5, 0.25, 0.125]
    box = fw.stack_explorer(make_figure, values, description="h", dpi=30)
    assert isinstance(box, widgets.VBox)
    slider, stack = box.children
    assert isinstance(slider, widgets.SelectionSlider)
    assert isinstance(stack, widgets.Stack)
    assert len(stack.children) == len(values)
    assert all(isinstance(c, widgets.Image) and c.format == "png" for c in stack.children)
    assert all(bytes(c.value).startswith(PNG_MAGIC) for c in stack.children)
    # The frames are exactly what render_frames draws.
    assert [bytes(c.value) for c in stack.children] == fw.render_frames(make_figure, values, dpi=30)
    assert slider.description == "h"
    assert slider.index == 0 and stack.selected_index == 0


def test_stack_explorer_is_jslinked():
    box = fw.stack_explorer(make_figure, [1, 2], description="p", dpi=20)
    slider, stack = box.children
    links = embedded_links(box, slider, "index", stack, "selected_index")
    assert len(links) == 1
    assert links[0]["model_module"] == "@jupyter-widgets/controls"


def test_stack_explorer_frame_follows_slider_in_the_kernel():
    box = fw.stack_explorer(make_figure, [1, 2, 3, 4], description="p", dpi=20)
    slider, stack = box.children
    for i in (3, 1, 2, 0):
        slider.index = i
        assert stack.selected_index == i
    slider.value = 2  # the option values are the frame indices
    assert stack.selected_index == 2


def test_stack_explorer_readout_labels():
    box = fw.stack_explorer(make_figure, [0.5, 0.25], description="h", readout="h = {:.3g}", dpi=20)
    assert box.children[0].options == (("h = 0.5", 0), ("h = 0.25", 1))
    box = fw.stack_explorer(make_figure, [2, 4], description="n", readout=lambda v: f"n={v}", dpi=20)
    assert [label for label, _ in box.children[0].options] == ["n=2", "n=4"]
    box = fw.stack_explorer(make_figure, [1 / 3, 2], description="x", dpi=20)
    assert [label for label, _ in box.children[0].options] == ["0.3333", "2"]


def test_stack_explorer_initial_and_width():
    box = fw.stack_explorer(make_figure, [1, 2, 3], description="p", initial=2, width="300px", dpi=20)
    slider, stack = box.children
    assert slider.index == 2 and stack.selected_index == 2
    assert slider.layout.width == "300px"


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(description=3), TypeError, "description must be a str"),
        (dict(readout=3), TypeError, "readout must be None, a format string or a callable"),
        (dict(readout="{:d} {:d}"), ValueError, "readout must be a format string"),
        (dict(readout="same"), ValueError, "readout must give each value a distinct label"),
        (dict(readout=lambda v: v), TypeError, "readout must produce str labels"),
        (dict(initial=1.0), TypeError, "initial must be an int"),
        (dict(initial=True), TypeError, "initial must be an int"),
        (dict(initial=2), ValueError, "initial must be an index into values"),
        (dict(initial=-1), ValueError, "initial must be an index into values"),
        (dict(width=300), TypeError, "width must be a CSS width"),
        (dict(dpi=1000), ValueError, "dpi must lie between"),
    ],
)
def test_stack_explorer_validation(kwargs, exc, match):
    args = dict(description="p", dpi=20) | kwargs
    with pytest.raises(exc, match=match):
        fw.stack_explorer(make_figure, [1, 2], **args)


def test_stack_explorer_rejects_bad_callable_and_values():
    with pytest.raises(TypeError, match="make_figure must be callable"):
        fw.stack_explorer(None, [1], description="p")
    with pytest.raises(ValueError, match="values must hold at least one"):
        fw.stack_explorer(make_figure, [], description="p")


# ------------------------------------------------------------- frame_label


def test_frame_label_corners_and_validation():
    fig = plt.figure(figsize=(2, 2))
    try:
        fw.frame_label(fig, "h = 1/8", loc="lower left")
        (text,) = fig.texts
        assert text.get_text() == "h = 1/8"
        assert text.get_position() == (0.01, 0.01)
        with pytest.raises(ValueError, match="loc must be one of"):
            fw.frame_label(fig, "x", loc="middle")
        with pytest.raises(TypeError, match="text must be a str"):
            fw.frame_label(fig, 3)
        with pytest.raises(TypeError, match="fig must be a matplotlib.figure.Figure"):
            fw.frame_label("fig", "x")
    finally:
        plt.close(fig)
