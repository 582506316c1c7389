"""Alt text for every figure, checked on the notebooks themselves (no build needed).

A figure that is a code cell's image output gets its alt text from the cell's metadata,
``"mystnb": {"image": {"alt": "..."}}`` (myst-nb's cell-level ``render_image_options``,
which it writes into the ``<img alt=...>`` of the page). A frame of an explorer
(``fscnn_lib.widgets.stack_explorer``) lives in the notebook's widget state; the book's
viewer (book/_assets/widget-viewer.js) builds its alt text from the slider that is linked
to the frame's Stack: the slider's tooltip (``stack_explorer(..., alt=...)``, what the
figures show), the frame's number and the slider's description and label. The browser
test (tests/test_site.py::test_every_image_has_alt_text) checks the built pages.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from fscnn_lib import widgets as fw  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
STATE = "application/vnd.jupyter.widget-state+json"
#: A file name, a placeholder or a bare "figure" is not a description.
NOT_A_DESCRIPTION = re.compile(
    r"^\s*$|\.(png|jpe?g|svg|gif)\b|^(image|figure|plot|output|png)\s*\d*$", re.I)
MIN_WORDS = 8


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _image_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code" and any(
        k.startswith("image/") for o in c.get("outputs", []) for k in o.get("data", {}))]


def test_there_are_chapter_notebooks_with_figures():
    assert len(NOTEBOOKS) >= 12
    assert sum(len(_image_cells(_load(p))) for p in NOTEBOOKS) >= 40


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_figure_output_has_alt_text(path):
    """Each code cell with an image output describes it in words in its metadata; the
    descriptions of one chapter are all different (no copied placeholder)."""
    nb = _load(path)
    alts = []
    for cell in _image_cells(nb):
        where = f"{path.name} cell {cell.get('id')}"
        alt = cell["metadata"].get("mystnb", {}).get("image", {}).get("alt")
        assert isinstance(alt, str), f"{where}: no metadata mystnb.image.alt"
        assert not NOT_A_DESCRIPTION.search(alt), f"{where}: alt text {alt!r} is not a description"
        assert len(alt.split()) >= MIN_WORDS, f"{where}: alt text {alt!r} is too short to describe a figure"
        assert "$" not in alt, f"{where}: alt text is read aloud, not typeset: write math in words ({alt!r})"
        alts.append(alt)
    assert len(set(alts)) == len(alts), f"{path.name}: repeated alt texts"


def _frame_alt_sources(state: dict) -> dict[str, str]:
    """Python mirror of the viewer's rule: image model id -> where its alt text comes from."""
    sources = {}
    for model in state.values():
        if model["model_name"] not in ("LinkModel", "DirectionalLinkModel"):
            continue
        ends = [model["state"]["source"], model["state"]["target"]]
        for k in (0, 1):
            sel = state.get(ends[k][0].removeprefix("IPY_MODEL_"))
            ctl = state.get(ends[1 - k][0].removeprefix("IPY_MODEL_"))
            if (sel and ctl and ends[k][1] == "selected_index"
                    and sel["model_name"] in ("StackModel", "TabModel", "AccordionModel")):
                for ref in sel["state"].get("children", []):
                    sources.setdefault(ref.removeprefix("IPY_MODEL_"), ctl["model_name"])
    return sources


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_explorer_frame_gets_alt_text(path):
    """Every image in the stored widget state has a tooltip or sits in a Stack that a
    slider selects (so the viewer can name the frame and the slider setting)."""
    state = _load(path)["metadata"].get("widgets", {}).get(STATE, {}).get("state", {})
    sources = _frame_alt_sources(state)
    images = [i for i, m in state.items() if m["model_name"] == "ImageModel"]
    lacking = [i for i in images if not state[i]["state"].get("tooltip") and i not in sources]
    assert not lacking, f"{path.name}: widget images with no source of alt text: {lacking}"


def _figure(p):
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot([0, 1], [0, p])
    return fig


def test_stack_explorer_carries_the_figure_description():
    """``alt`` describes the figures; it travels as the slider's tooltip, where the viewer
    reads it (and where @jupyter-widgets' html-manager, the fallback, still draws the
    widget: a tooltip on the Image or the Stack makes it fail)."""
    box = fw.stack_explorer(_figure, [0.5, 0.25], description="h", dpi=20,
                            alt="  A line from the origin whose slope is the parameter ")
    slider, stack = box.children
    assert slider.tooltip == "A line from the origin whose slope is the parameter"
    assert all(img.tooltip is None for img in stack.children) and stack.tooltip is None
    assert fw.stack_explorer(_figure, [1], description="p", dpi=20).children[0].tooltip is None
    with pytest.raises(TypeError, match="alt must be a str"):
        fw.stack_explorer(_figure, [1], description="p", alt=3)
    with pytest.raises(ValueError, match="alt must describe the figures"):
        fw.stack_explorer(_figure, [1], description="p", alt="  ")
