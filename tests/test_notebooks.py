"""Structure of the chapter notebooks (the chapter template of CONTRIBUTING.md).

These checks read the stored notebooks; nbval (``make test``) executes them and compares
the outputs. Each check names the notebook and what to fix.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
IDS = [p.name for p in NOTEBOOKS]


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


execute_notebooks = _load_script("execute_notebooks")

FENCE = r"^(?:`{3,}|:{3,})"
PRF = re.compile(FENCE + r"\{prf:(\w+)\}[ \t]*(.*)$", re.M)
EXERCISE = re.compile(FENCE + r"\{exercise\}[^\n]*\n(?:[ \t]*:[\w-]+:[^\n]*\n)*", re.M)
SOLUTION = re.compile(FENCE + r"\{solution\}[ \t]*(\S+)", re.M)
LABEL = re.compile(r"^[ \t]*:label:[ \t]*(\S+)", re.M)
#: A prf: title that names the paper's item, e.g. "Proposition 2.1 of the paper (...)".
PAPER_NUMBER = re.compile(
    r"\b(Definition|Lemma|Theorem|Proposition|Remark|Corollary|Assumption|Example|Equation|Eq\.|Section|Appendix)"
    r"\s+\(?[A-Z]?\d+(\.\d+)*"
)
MACHINE_PATH = re.compile(r"(/work/|/root\b|/tmp/|/home/|site-packages)")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _nb(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _markdown(nb) -> str:
    return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def test_there_are_chapters():
    assert NOTEBOOKS, "no chapter notebooks notebooks/NN_slug.ipynb"


def test_toc_lists_every_chapter_and_only_existing_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))

    def files(node):
        if isinstance(node, dict):
            if "file" in node:
                yield node["file"]
            for v in node.values():
                yield from files(v)
        elif isinstance(node, list):
            for v in node:
                yield from files(v)

    entries = [toc["root"], *files(toc)]
    missing = [e for e in entries if not any((ROOT / (e + ext)).is_file() for ext in ("", ".md", ".ipynb"))]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"
    listed = {e for e in entries if e.startswith("notebooks/")}
    unlisted = [p.name for p in NOTEBOOKS if f"notebooks/{p.stem}" not in listed]
    assert not unlisted, f"chapter notebooks missing from _toc.yml: {unlisted}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_setup_cell_first_and_hidden(path):
    nb = _nb(path)
    first = nb.cells[0]
    assert first.cell_type == "code" and first.source.startswith("# Colab setup"), (
        f"{path.name}: the first cell must be the Colab setup cell (run scripts/sync_setup_cells.py)")
    assert "remove-input" in _tags(first), f"{path.name}: the setup cell must be tagged remove-input"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_theorem_boxes_name_the_paper_item(path):
    boxes = PRF.findall(_markdown(_nb(path)))
    assert boxes, f"{path.name}: no {{prf:...}} box"
    kinds_with_numbers = [(k, t) for k, t in boxes if k != "proof" and PAPER_NUMBER.search(t)]
    assert kinds_with_numbers, (
        f"{path.name}: no prf: box whose title names the paper's number, e.g. "
        f"'Proposition 2.1 of the paper (valid convolution)'; titles found: {[t for _, t in boxes]}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_exercises_with_solutions(path):
    text = _markdown(_nb(path))
    exercises = [m.group(0) for m in EXERCISE.finditer(text)]
    labels = [LABEL.search(e).group(1) for e in exercises if LABEL.search(e)]
    solved = set(SOLUTION.findall(text))
    assert len(exercises) >= 3, f"{path.name}: {len(exercises)} {{exercise}} blocks, want >= 3"
    assert len(labels) == len(exercises), f"{path.name}: every {{exercise}} needs a :label:"
    unsolved = [lab for lab in labels if lab not in solved]
    assert not unsolved, f"{path.name}: exercises without a {{solution}}: {unsolved}"
    orphans = sorted(solved - set(labels))
    assert not orphans, f"{path.name}: solutions of unknown exercises: {orphans}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_executed_in_order_without_errors(path):
    nb = _nb(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    counts = [c.execution_count for c in code]
    assert all(isinstance(n, int) for n in counts), (
        f"{path.name}: not executed (cells without execution_count); run scripts/execute_notebooks.py")
    assert counts == list(range(1, len(code) + 1)), f"{path.name}: cells not executed once, in order: {counts}"
    for i, cell in enumerate(code):
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if errors and "raises-exception" not in _tags(cell):
            pytest.fail(f"{path.name}: code cell {i} stored an error: {errors[0].get('ename')}: {errors[0].get('evalue')}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_machine_paths_in_outputs(path):
    found = []
    for i, cell in enumerate(c for c in _nb(path).cells if c.cell_type == "code"):
        for out in cell.outputs:
            texts = [out.get("text", "")] + [
                v if isinstance(v, str) else json.dumps(v)
                for k, v in out.get("data", {}).items() if k.startswith("text/") or k.endswith("json")
            ] + [out.get("evalue", ""), "\n".join(out.get("traceback", []))]
            for t in texts:
                m = MACHINE_PATH.search(t or "")
                if m:
                    found.append(f"cell {i}: ...{t[max(0, m.start() - 40): m.end() + 40]}...")
    assert not found, f"{path.name}: outputs show paths of this machine (warnings? tracebacks?): {found[:5]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_widgets_stored_and_ignored_by_nbval(path):
    nb = _nb(path)
    widget_cells = [c for c in nb.cells if c.cell_type == "code"
                    and any(WIDGET_VIEW in o.get("data", {}) for o in c.outputs)]
    if not widget_cells:
        return
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    assert state.get("state"), f"{path.name}: widget views but no stored widget state (execute with the script)"
    untagged = [c.source.splitlines()[0] if c.source else "" for c in widget_cells
                if "nbval-ignore-output" not in _tags(c)]
    assert not untagged, f"{path.name}: widget cells must be tagged nbval-ignore-output: {untagged}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_stored_outputs_are_fresh(path):
    """The stored outputs (what the book shows) come from the committed code and library."""
    nb = _nb(path)
    assert nb.metadata.get("fscnn", {}).get("budget") == "quick", (
        f"{path.name}: not executed by scripts/execute_notebooks.py in the quick budget")
    assert not execute_notebooks.is_stale(path), (
        f"{path.name}: stale outputs (code cells or fscnn_lib changed since it was executed); "
        f"run .venv/bin/python scripts/execute_notebooks.py --if-stale")


#: DESIGN.md §4: what a reader sees of a code cell at 1280 px without scrolling.
MAX_CODE_LINE = 79
MAX_OUTPUT_LINE = 80
#: Representations that the book shows in place of text/plain (myst-nb's html priority).
RICHER_THAN_TEXT = ("text/html", "text/markdown", "text/latex", "image/", WIDGET_VIEW)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _printed_texts(output) -> list[str]:
    """The printed text of one output as the book shows it: streams, and text/plain
    where no richer representation (HTML, image, widget) replaces it."""
    if output.get("output_type") == "stream":
        return [output.get("text", "")]
    data = output.get("data", {})
    if "text/plain" in data and not any(k.startswith(RICHER_THAN_TEXT) for k in data):
        return [data["text/plain"]]
    return []


def long_lines(nb) -> list[tuple[int, str, int, int]]:
    """``(cell, "code" | "output", line, length)`` of every overlong line (1-based lines)."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for j, line in enumerate(cell.source.splitlines(), 1):
            if len(line) > MAX_CODE_LINE:
                found.append((i, "code", j, len(line)))
        k = 0
        for output in cell.get("outputs", []):
            for text in _printed_texts(output):
                text = "".join(text) if isinstance(text, list) else text
                for line in ANSI.sub("", text).expandtabs().splitlines():
                    k += 1
                    if len(line) > MAX_OUTPUT_LINE:
                        found.append((i, "output", k, len(line)))
    return found


def test_long_lines_finds_what_it_should():
    """The checker sees an overlong code line, stream line and text/plain line, and
    ignores text/plain that an image replaces."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x = 1\n" + "y" * 80)
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="ok\n" + "s" * 81 + "\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": "t" * 81}, execution_count=1),
        nbformat.v4.new_output("display_data", data={"text/plain": "f" * 99, "image/png": ""}),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("m" * 200), cell,
                nbformat.v4.new_code_cell("z" * 79)]
    assert long_lines(nb) == [(1, "code", 2, 80), (1, "output", 2, 81), (1, "output", 3, 81)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_lines_fit_the_page(path):
    """Code lines ≤ 79 and printed output lines ≤ 80 characters (DESIGN.md §4)."""
    found = long_lines(_nb(path))
    listing = "\n".join(f"  {path.name} cell {c} {kind} line {j}: {n} characters"
                        for c, kind, j, n in found)
    assert not found, (
        f"{path.name}: {len(found)} lines too long for the page (code ≤ {MAX_CODE_LINE}, "
        f"printed output ≤ {MAX_OUTPUT_LINE}):\n{listing}")
