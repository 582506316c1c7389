#!/usr/bin/env python3
"""Write each chapter's first cell, the Colab setup cell, from ``_config.yml``.

The repository's address is written in one place, ``repository.url`` (and
``repository.branch``) in ``_config.yml``. Every chapter notebook starts with a code
cell tagged ``remove-input`` that, on Google Colab, pip-installs ``fscnn_lib`` from that
address and, anywhere else, does nothing. This script writes (or inserts) that cell in
every ``notebooks/NN_*.ipynb``; never edit the cell by hand.

Usage (from the repository root)::

    .venv/bin/python scripts/sync_setup_cells.py           # rewrite the cells
    .venv/bin/python scripts/sync_setup_cells.py --check   # exit 1 if any differs

Changing the cell changes the notebook's source hash: re-execute the notebook afterwards
(``scripts/execute_notebooks.py --if-stale``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import yaml

# The chapter list has one definition, in execute_notebooks.py beside this file (found
# also when this file is loaded by path, as tests/test_colab_setup.py does).
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from execute_notebooks import chapter_notebooks  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MARKER = "# Colab setup: written by scripts/sync_setup_cells.py; do not edit."
TAG = "remove-input"
CELL_ID = "colab-setup"


def repository(config_path: Path = ROOT / "_config.yml") -> tuple[str, str]:
    """Return ``(url, branch)`` of the repository from ``_config.yml``."""
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    repo = config.get("repository") or {}
    url = str(repo.get("url", "")).strip().rstrip("/")
    if not url:
        raise SystemExit("_config.yml has no repository.url")
    branch = str(repo.get("branch", "main")).strip() or "main"
    return url, branch


def pip_spec(url: str, branch: str) -> str:
    """The pip requirement that installs fscnn_lib from the repository."""
    return f"git+{url}@{branch}"


def setup_source(url: str, branch: str) -> str:
    """The source of the Colab setup cell."""
    spec = pip_spec(url, branch)
    return "\n".join(
        [
            MARKER,
            "# On Google Colab: install fscnn_lib, the book's library, from its",
            "# repository (address and branch from _config.yml).",
            "# Anywhere else (Jupyter, the built book, CI) this cell does nothing.",
            "import sys",
            "",
            'if "google.colab" in sys.modules:',
            "    import subprocess",
            "",
            "    subprocess.run(",
            '        [sys.executable, "-m", "pip", "install", "--quiet",',
            f'         "{spec}"],',
            "        check=True,",
            "    )",
        ]
    )


def expected_cell(source: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source=source, metadata={"tags": [TAG]})
    cell.id = CELL_ID
    return cell


def is_setup_cell(cell: nbformat.NotebookNode) -> bool:
    src = cell.source if isinstance(cell.source, str) else "".join(cell.source)
    return cell.cell_type == "code" and src.startswith("# Colab setup")


def cell_matches(cell: nbformat.NotebookNode, source: str) -> bool:
    """True when ``cell`` is exactly the setup cell the script would write."""
    src = cell.source if isinstance(cell.source, str) else "".join(cell.source)
    return cell.cell_type == "code" and src == source and TAG in cell.metadata.get("tags", [])


def sync(path: Path, source: str, *, check: bool) -> bool:
    """Make the notebook's first cell the setup cell; return True if it changed (or would)."""
    nb = nbformat.read(path, as_version=4)
    if nb.cells and cell_matches(nb.cells[0], source):
        return False
    if check:
        return True
    if nb.cells and is_setup_cell(nb.cells[0]):
        cell = nb.cells[0]
        cell.source = source
        tags = list(cell.metadata.get("tags", []))
        if TAG not in tags:
            tags.insert(0, TAG)
        cell.metadata["tags"] = tags
        cell.outputs = []
        cell.execution_count = None
    else:
        nb.cells.insert(0, expected_cell(source))
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: every chapter)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a cell differs")
    args = parser.parse_args(argv)
    source = setup_source(*repository())
    paths = [p.resolve() for p in args.paths] or chapter_notebooks()
    changed = [p for p in paths if sync(p, source, check=args.check)]
    for p in changed:
        rel = p.relative_to(ROOT) if p.is_relative_to(ROOT) else p
        print(("differs: " if args.check else "wrote setup cell: ") + str(rel))
    if args.check:
        print(f"{len(paths) - len(changed)} of {len(paths)} setup cells up to date")
        return 1 if changed else 0
    if changed:
        print("re-execute them: .venv/bin/python scripts/execute_notebooks.py --if-stale")
    return 0


if __name__ == "__main__":
    sys.exit(main())
