"""The map of the paper (``book/paper_map.md``) is complete, and the back matter's links resolve.

The book is built with ``-W -n``, so an unresolved reference breaks the build; this test
finds one without building (in well under a second):

* (a) every item of the paper's catalogue (``../shared/paper/statements.md`` when it is
  there, else the copy of its ids below, which must then agree with it), every numbered
  equation (1)-(10), Figure 1 and every editor's note EN-1..EN-30 has exactly one entry in
  the map, and the map lists nothing else;
* (b) in the map and in the other back-matter pages, every ``{doc}`` target is a page,
  every ``{ref}``/``{prf:ref}`` label is defined in a chapter or a book page, every test
  named as ``tests/test_x.py::test_name`` exists, every notebook named as
  ``notebooks/NN_x.ipynb`` exists, and every section named as ``§ “title”`` is a heading of
  a chapter (or page) linked in the same paragraph or list item;
* each map entry names its place in the book, its check and at least one test.
"""

from __future__ import annotations

import ast
import json
import re
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
MAP = BOOK / "paper_map.md"
STATEMENTS = ROOT.parent / "shared" / "paper" / "statements.md"
#: The back-matter pages whose links this test checks (the map first).
PAGES = ["paper_map.md", "conclusion.md", "course_plan.md", "preface.md", "how_to_use.md"]
#: Pages that exist only after a build step writes them (scripts/make_status.py).
GENERATED = {"book/status": ROOT / "scripts" / "make_status.py"}

#: The item ids of statements.md, in the paper's order (used when ../shared is absent).
ITEM_IDS = [
    "S2-NOT-a", "S2-NOT-b", "S2-NOT-c", "S2-NOT-d", "S2-NOT-e", "S2-NOT-f", "S2-NOT-g",
    "S2-DP2.1", "S2-R2.2", "S2-REFL", "S2-L2.3", "S2-L2.4", "S2-L2.5", "S2-fsCNN",
    "S2-R2.6", "S2-T2.7", "S2-R2.8", "S2-R2.9",
    "S3-DCONV", "S3-DREFL", "S3-DOWN", "S3-UP", "S3-dCNN", "S3-GRID", "S3-PROJ", "S3-Dh",
    "S3-Uh", "S3-aCNN", "S3-EQ8", "S3-SIZES", "S3-A3.1", "S3-L3.2", "S3-L3.3", "S3-L3.4",
    "S3-L3.5", "S3-T3.6", "S3-R3.7", "S3-TRAIN", "S3-Ph", "S3-P", "S3-A3.8", "S3-EX3.9a",
    "S3-EX3.9b", "S3-D3.10", "S3-L3.11", "S3-L3.12", "S3-T3.13", "S3-DIP", "S3-FIG1",
    "S3-E2E", "S4-CONCL", "A-DA.1", "A-LA.2",
]
EQUATIONS = [f"({k})" for k in range(1, 11)]
FIGURES = ["Figure 1"]
NOTES = [f"EN-{k}" for k in range(1, 31)]

ENTRY = re.compile(r"^\* \*\*(.+?)\*\*")
DOC = re.compile(r"\{doc\}`(?:[^`<]*<)?([^`>]+)>?`")
REF = re.compile(r"\{(?:prf:)?ref\}`(?:[^`<]*<)?([^`>]+)>?`")
TEST = re.compile(r"`(tests/test_\w+\.py)::(\w+)`")
NOTEBOOK = re.compile(r"`(notebooks/\d\d_\w+\.ipynb)`")
SECTION = re.compile(r"§\s*“([^”]+)”")
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*$", re.M)
LABELS = [re.compile(r"^\((\S+?)\)=[ \t]*$", re.M), re.compile(r"^[ \t]*:label:[ \t]*(\S+)", re.M),
          re.compile(r"^[ \t]*:?name:[ \t]*(\S+)", re.M)]


def paper_ids() -> list[str]:
    """The item ids of statements.md if it is there, else ``ITEM_IDS``."""
    if STATEMENTS.is_file():
        return re.findall(r"^#{2,4} \[([^\]]+)\]", STATEMENTS.read_text(encoding="utf-8"), re.M)
    return list(ITEM_IDS)


def map_entries(text: str) -> dict[str, str]:
    """``{key: entry text}`` for each top-level list item ``* **key** ...`` of the map."""
    entries: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        m = ENTRY.match(line)
        if m:
            key = m.group(1).strip("[]")
            assert key not in entries, f"{key} has two entries in the map"
            entries[key] = line
        elif key is not None and line.startswith((" ", "\t")) and line.strip():
            entries[key] += "\n" + line
        else:
            key = None
    return entries


def blocks(text: str) -> list[str]:
    """Paragraphs and list items: a block ends at a blank line, a heading or a new item."""
    out, cur = [], []
    for line in text.splitlines():
        starts = re.match(r"^(\* |- |\d+\. |\||#)", line)
        if not line.strip() or starts:
            if cur:
                out.append("\n".join(cur))
            cur = [line] if line.strip() else []
        else:
            cur.append(line)
    if cur:
        out.append("\n".join(cur))
    return out


def doc_path(target: str) -> Path | None:
    """The source file of a ``{doc}`` target written on a page in ``book/``, if any."""
    rel = (BOOK / target).resolve().relative_to(ROOT).as_posix()
    for suffix in (".md", ".ipynb"):
        if (ROOT / (rel + suffix)).is_file():
            return ROOT / (rel + suffix)
    if rel in GENERATED and GENERATED[rel].is_file():
        return GENERATED[rel]
    return None


@lru_cache(maxsize=None)
def source_text(path: Path) -> str:
    """A page's Markdown, or a notebook's markdown cells joined."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return path.read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def defined_labels() -> frozenset[str]:
    files = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(BOOK.glob("*.md"))
    return frozenset(lab for f in files for rx in LABELS for lab in rx.findall(source_text(f)))


@lru_cache(maxsize=None)
def functions_in(path: str) -> frozenset[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return frozenset(n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))


def _squash(s: str) -> str:
    return " ".join(s.split())


def headings(path: Path) -> set[str]:
    return {_squash(h) for h in HEADING.findall(source_text(path))}


def problems(page: str, text: str) -> list[str]:
    """Every unresolved link, label, test, notebook or section title on a page."""
    bad = []
    text = "\n".join(ln for ln in text.splitlines() if not ln.startswith("%"))  # MyST comments
    for block in blocks(text):
        docs = [(t, doc_path(t)) for t in DOC.findall(block)]
        bad += [f"{page}: no page for {{doc}}`{t}`" for t, p in docs if p is None]
        bad += [f"{page}: label '{lab}' is defined nowhere" for lab in REF.findall(block)
                if lab not in defined_labels()]
        for path, name in TEST.findall(block):
            if not (ROOT / path).is_file() or name not in functions_in(path):
                bad.append(f"{page}: no test {path}::{name}")
        bad += [f"{page}: no notebook {nb}" for nb in NOTEBOOK.findall(block)
                if not (ROOT / nb).is_file()]
        linked = [p for _, p in docs if p is not None and p.suffix in (".ipynb", ".md")]
        for title in SECTION.findall(block):
            if not any(_squash(title) in headings(p) for p in linked):
                where = ", ".join(p.name for p in linked) or "no chapter linked in the same paragraph"
                bad.append(f"{page}: section “{_squash(title)}” is not a heading of {where}")
    return bad


def test_parsers_are_not_vacuous():
    sample = ("* **[S2-T2.7]** x {doc}`Ch 5 <../notebooks/05_fscnn_regularity>`, "
              "{prf:ref}`thm-fscnn-regular`.\n  Check: § “The main theorem”.\n"
              "  Test: `tests/test_networks.py::test_theorem_2_7_measure_input`.\n\n"
              "* **EN-99** {ref}`x <no-such-label>` § “Nowhere” `tests/test_networks.py::test_nope`")
    entries = map_entries(sample)
    assert list(entries) == ["S2-T2.7", "EN-99"] and "main theorem" in entries["S2-T2.7"]
    assert problems("sample", entries["S2-T2.7"]) == []
    bad = problems("sample", entries["EN-99"])
    assert len(bad) == 3 and any("no-such-label" in b for b in bad) and any("test_nope" in b for b in bad)
    assert "thm-fscnn-regular" in defined_labels() and "errata-en-30" in defined_labels()
    assert doc_path("errata") == BOOK / "errata.md" and doc_path("no-such-page") is None


def test_the_id_list_is_the_catalogues():
    if not STATEMENTS.is_file():
        pytest.skip("../shared/paper/statements.md is not present; the copy in ITEM_IDS is used")
    assert paper_ids() == ITEM_IDS, "update ITEM_IDS to the ids of statements.md"


def test_every_item_equation_figure_and_note_has_exactly_one_entry():
    entries = map_entries(MAP.read_text(encoding="utf-8"))
    want = paper_ids() + EQUATIONS + FIGURES + NOTES
    missing = [k for k in want if k not in entries]
    extra = [k for k in entries if k not in want]
    assert not missing, f"the map lacks entries for {missing}"
    assert not extra, f"the map has entries for {extra}, which are not items of the paper"
    assert len(entries) == len(want) == 53 + 10 + 1 + 30


def test_every_entry_names_its_place_check_and_test():
    for key, entry in map_entries(MAP.read_text(encoding="utf-8")).items():
        assert DOC.search(entry), f"{key}: name the chapter ({{doc}} link)"
        assert SECTION.search(entry), f"{key}: name the section of the check (§ “title”)"
        assert TEST.search(entry) or NOTEBOOK.search(entry), f"{key}: name a test"
        if key in ITEM_IDS and key != "S4-CONCL":
            assert REF.search(entry), f"{key}: link the numbered box ({{prf:ref}})"
        if key.startswith("EN-"):
            assert f"errata-en-{key[3:]}>" in entry, f"{key}: link its errata section"


@pytest.mark.parametrize("page", PAGES)
def test_every_link_label_test_and_section_resolves(page):
    path = BOOK / page
    assert path.is_file(), f"book/{page} is missing"
    bad = problems(page, path.read_text(encoding="utf-8"))
    assert not bad, "\n".join(bad)
