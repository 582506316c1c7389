"""The errata page (``book/errata.md``): EN-1..EN-N complete and linked both ways.

Every editor's note has its label and section, in order; every note is cited by at least
one chapter (``{ref}`... <errata-en-K>```), and its section's "Cited in" line links back
to exactly the chapters that cite it.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ERRATA = ROOT / "book" / "errata.md"
#: The paper's editor's notes (../shared/paper/statements.md numbers them EN-1..EN-30).
NOTES = 30


def _sections() -> dict[int, str]:
    text = ERRATA.read_text(encoding="utf-8")
    parts = re.split(r"^\(errata-en-(\d+)\)=\n", text, flags=re.M)
    return {int(n): body for n, body in zip(parts[1::2], parts[2::2])}


def _citing_chapters() -> dict[int, set[str]]:
    cited: dict[int, set[str]] = {}
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for k in re.findall(r"errata-en-(\d+)>", nb.read_text(encoding="utf-8")):
            cited.setdefault(int(k), set()).add(nb.stem)
    return cited


def test_every_note_has_its_section_in_order():
    secs = _sections()
    assert list(secs) == list(range(1, len(secs) + 1)), "labels errata-en-K in order 1..N"
    assert len(secs) >= NOTES
    for k, body in secs.items():
        assert body.startswith(f"## EN-{k}: "), f"EN-{k}: heading right after its label"
        for part in ("**Where.**", "**Issue.**", "**Corrected "):
            assert part in body, f"EN-{k} lacks {part}"


def test_every_note_is_cited_by_a_chapter_and_links_back():
    secs, cited = _sections(), _citing_chapters()
    unknown = sorted(set(cited) - set(secs))
    assert not unknown, f"chapters cite notes that do not exist: {unknown}"
    for k, body in secs.items():
        assert cited.get(k), f"EN-{k} is not cited by any chapter"
        line = next((ln for ln in body.splitlines() if ln.startswith("**Cited in**")), None)
        assert line, f"EN-{k} has no '**Cited in**' line"
        back = set(re.findall(r"<\.\./notebooks/([0-9]{2}_[a-z0-9_]+)>", line))
        assert back == cited[k], (
            f"EN-{k}: 'Cited in' links {sorted(back)}, chapters citing it are {sorted(cited[k])}")
