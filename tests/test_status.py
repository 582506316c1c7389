"""The generated status page (``scripts/make_status.py`` -> ``book/status.md``).

The page must describe every chapter from a recorded run (time, date, machine, versions)
and every stored long run in ``results/`` with its provenance; a chapter executed without
the recorder, or a result file without command/device/date/commit, fails here.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import make_status  # noqa: E402
from execute_notebooks import chapter_notebooks  # noqa: E402


@pytest.fixture(scope="module")
def page() -> str:
    return make_status.render()


def test_every_chapter_has_a_recorded_run():
    rows = make_status.chapter_rows()
    assert [r["number"] for r in rows] == list(range(1, len(rows) + 1)), "chapters numbered 1..N"
    missing = [r["stem"] for r in rows if not r["run"]]
    assert not missing, f"no recorded run (execute with scripts/execute_notebooks.py): {missing}"
    for r in rows:
        run = r["run"]
        assert run["seconds"] > 0, r["stem"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", run["date"]), (r["stem"], run["date"])
        assert "CPU cores" in run["machine"], (r["stem"], run["machine"])
        assert run["versions"].get("torch") and run["versions"].get("python"), r["stem"]
        assert r["budget"] == make_status.BUDGET, (r["stem"], r["budget"])


def test_page_lists_every_chapter_with_its_time(page):
    rows = make_status.chapter_rows()
    lines = [ln for ln in page.splitlines() if ln.startswith("| {doc}`")]
    assert len(lines) == len(chapter_notebooks()) == len(rows)
    for row, line in zip(rows, lines):
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert row["stem"] in cells[0] and cells[1] == row["title"]
        assert float(cells[2]) == row["run"]["seconds"]
    total = sum(r["run"]["seconds"] for r in rows)
    assert f"Whole book: {total:.1f} s for the {len(rows)} of {len(rows)} chapters" in page


def test_page_gives_the_provenance_of_every_stored_result(page):
    files = [p for p in sorted((ROOT / "results").glob("*.json"))
             if not p.name.endswith(".provenance.json")]
    for path in files:
        beside = path.with_name(path.stem + ".provenance.json")
        prov = (json.loads(beside.read_text()) if beside.is_file()
                else json.loads(path.read_text()).get("provenance", {}))
        for key in ("command", "device", "date", "git_commit"):
            assert prov.get(key), f"{path.name}: provenance lacks {key!r}"
        row = [ln for ln in page.splitlines() if ln.startswith(f"| `{path.name}` |")]
        assert len(row) == 1, f"{path.name} is not on the status page"
        assert str(prov["git_commit"]) in row[0] and str(prov["device"]) in row[0]
    if not files:
        assert "No long run is stored" in page


def test_stale_notebook_is_reported(tmp_path, monkeypatch):
    """A notebook whose code changed after its run shows as stale, not as fresh."""
    nb_dir = tmp_path / "notebooks"
    nb_dir.mkdir()
    (tmp_path / "fscnn_lib").mkdir()
    (tmp_path / "results").mkdir()
    src = chapter_notebooks()[0]
    text = src.read_text(encoding="utf-8")
    nb = json.loads(text)
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["source"] = "# edited\n" + "".join(code["source"])
    (nb_dir / src.name).write_text(json.dumps(nb), encoding="utf-8")
    rows = make_status.chapter_rows(tmp_path)
    assert len(rows) == 1 and rows[0]["fresh"] is False
    assert "no: stale" in make_status.render(tmp_path)
