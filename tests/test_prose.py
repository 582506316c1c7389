"""The prose names only chapters that exist.

Every "Chapter N" ("chapter N", "Chapters N–M", "Chapters N and M", "Chapters N, M")
in the chapters' markdown cells and in ``book/*.md`` must name a chapter listed in
``_toc.yml``; chapters are the notebooks ``notebooks/NN_*.ipynb``, numbered NN. Until a
chapter exists, the prose refers to the paper's section instead (issue 6).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
#: "Chapter 7", "chapters 2–4", "Chapters 2 and 5", "Chapters 1, 3 and 6", "Chapters 2-3".
CHAPTER_REF = re.compile(
    r"\b[Cc]hapters?\s+(\d+(?:\s*(?:[–—-]|to|,|and|&|or)\s*\d+)*)")
NUMBER = re.compile(r"\d+")
RANGE = re.compile(r"(\d+)\s*(?:[–—-]|to)\s*(\d+)")


def toc_chapters(toc_path: Path = ROOT / "_toc.yml") -> set[int]:
    """The numbers NN of the chapter notebooks ``notebooks/NN_*`` listed in ``_toc.yml``."""
    text = toc_path.read_text(encoding="utf-8")
    files = re.findall(r"file:\s*(\S+)", yaml.safe_dump(yaml.safe_load(text)))
    return {int(m.group(1)) for f in files if (m := re.match(r"notebooks/(\d\d)_", f))}


def referenced_chapters(text: str) -> list[tuple[str, set[int]]]:
    """Each chapter reference in ``text`` with the chapter numbers it names.

    >>> referenced_chapters("see Chapter 3, and chapters 5–7 or Chapters 1 and 9.")
    [('Chapter 3', {3}), ('chapters 5–7', {5, 6, 7}), ('Chapters 1 and 9', {1, 9})]
    """
    found = []
    for m in CHAPTER_REF.finditer(text):
        numbers = {int(n) for n in NUMBER.findall(m.group(1))}
        for a, b in RANGE.findall(m.group(1)):
            numbers.update(range(int(a), int(b) + 1))
        found.append((m.group(0), numbers))
    return found


def prose_sources() -> list[tuple[str, str]]:
    """``(name, text)``: each chapter's markdown cells and each ``book/*.md`` page."""
    sources = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "markdown":
                sources.append((f"{path.name} cell {i}", cell.source))
    for path in sorted((ROOT / "book").glob("*.md")):
        sources.append((f"book/{path.name}", path.read_text(encoding="utf-8")))
    return sources


def test_reference_parser_is_not_vacuous():
    assert referenced_chapters("Chapter 12 and chapter 2") == [("Chapter 12", {12}), ("chapter 2", {2})]
    assert referenced_chapters("Chapters 3–5") == [("Chapters 3–5", {3, 4, 5})]
    assert referenced_chapters("no chapter here; Section 2.7") == []
    assert toc_chapters(), "no chapter notebooks in _toc.yml"


def test_every_chapter_reference_names_an_existing_chapter():
    chapters = toc_chapters()
    offenders = [f"  {name}: '{ref}' (no chapter {sorted(nums - chapters)})"
                 for name, text in prose_sources()
                 for ref, nums in referenced_chapters(text) if nums - chapters]
    assert not offenders, (
        f"{len(offenders)} references to chapters not in _toc.yml (chapters: {sorted(chapters)}); "
        "refer to the paper's section until the chapter exists:\n" + "\n".join(offenders))
