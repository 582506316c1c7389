#!/usr/bin/env python3
"""Execute the chapter notebooks once, in place, in the ``quick`` budget.

The book is built from the outputs stored in the notebooks (``execute_notebooks: "off"``
in ``_config.yml``) and nbval checks those same outputs, so each notebook is executed by
this script and committed with its outputs and its widget state.

Usage (from the repository root)::

    .venv/bin/python scripts/execute_notebooks.py notebooks/02_convolution.ipynb
    .venv/bin/python scripts/execute_notebooks.py              # every chapter
    .venv/bin/python scripts/execute_notebooks.py --if-stale   # only changed ones
    .venv/bin/python scripts/execute_notebooks.py --check      # exit 1 if any is stale

Each executed notebook records in its metadata (``metadata.fscnn.source_hash``) a hash
of its code cells and of every ``fscnn_lib/*.py`` source; ``--if-stale`` re-executes only
the notebooks whose stored hash differs from the current one, and the test suite checks
that the stored outputs are fresh for the committed code. It also records the run
(``metadata.fscnn.run``: seconds, date, machine, package versions), from which
``scripts/make_status.py`` generates the book's status page.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
LIBRARY_DIR = ROOT / "fscnn_lib"
BUDGET = "quick"
HASH_VERSION = 1


def chapter_notebooks(root: Path = ROOT) -> list[Path]:
    """Return the chapter notebooks ``notebooks/NN_*.ipynb`` under ``root``, in reading order.

    The one definition; ``scripts/sync_setup_cells.py`` imports it.
    """
    return sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def library_sources(root: Path = ROOT) -> list[tuple[str, str]]:
    """Return ``(name, text)`` of every ``fscnn_lib/*.py``, sorted by name."""
    lib = root / "fscnn_lib"
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(lib.glob("*.py"))]


def source_hash(nb: nbformat.NotebookNode, root: Path = ROOT) -> str:
    """Hash of what determines a notebook's outputs: its code cells and the library.

    Markdown cells, outputs and metadata do not enter the hash, so editing prose does not
    make a notebook stale; editing a code cell or any ``fscnn_lib/*.py`` does.
    """
    digest = hashlib.sha256()
    digest.update(f"fscnn-source-hash-v{HASH_VERSION}\nbudget={BUDGET}\n".encode())
    for cell in nb.cells:
        if cell.cell_type == "code":
            src = cell.source if isinstance(cell.source, str) else "".join(cell.source)
            digest.update(b"\x00cell\x00" + src.replace("\r\n", "\n").encode("utf-8"))
    for name, text in library_sources(root):
        digest.update(b"\x00lib\x00" + name.encode() + b"\x00" + text.replace("\r\n", "\n").encode("utf-8"))
    return digest.hexdigest()


def stored_hash(nb: nbformat.NotebookNode) -> str | None:
    """The hash recorded when the notebook was last executed by this script, if any."""
    return nb.metadata.get("fscnn", {}).get("source_hash")


def is_stale(path: Path) -> bool:
    """True when the notebook's stored outputs do not come from its current code."""
    nb = nbformat.read(path, as_version=4)
    return stored_hash(nb) != source_hash(nb)


def _clean(nb: nbformat.NotebookNode) -> None:
    """Drop per-run noise (timings, collapsed state) so that re-runs diff cleanly."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
    nb.metadata.pop("papermill", None)


def run_record(seconds: float) -> dict:
    """When, where and with what a notebook ran: the status page (``book/status.md``,
    written by ``scripts/make_status.py``) is generated from these records."""
    import platform
    from datetime import datetime, timezone
    from importlib import metadata

    versions = {"python": platform.python_version()}
    for dist in ("torch", "numpy", "scipy", "matplotlib", "ipywidgets", "scikit-image", "sympy"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return {
        "seconds": round(seconds, 1),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} CPU cores, {platform.system()}",
        "versions": versions,
    }


def execute(path: Path, timeout: int) -> float:
    """Execute one notebook in place (cwd ``notebooks/``, quick budget); return seconds."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
        store_widget_state=True,
        record_timing=False,
        allow_errors=False,
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    _clean(nb)
    nb.metadata["fscnn"] = {"source_hash": source_hash(nb), "budget": BUDGET,
                            "run": run_record(seconds)}
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: every chapter)")
    parser.add_argument("--if-stale", action="store_true", help="execute only notebooks whose stored hash is stale")
    parser.add_argument("--check", action="store_true", help="execute nothing; exit 1 if any notebook is stale")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    args = parser.parse_args(argv)

    paths = [p.resolve() for p in args.paths] or chapter_notebooks()
    missing = [p for p in paths if not p.is_file()]
    if missing:
        parser.error("no such notebook: " + ", ".join(map(str, missing)))

    if args.check:
        stale = [p for p in paths if is_stale(p)]
        for p in stale:
            print(f"stale: {p.relative_to(ROOT)} (run scripts/execute_notebooks.py on it)")
        print(f"{len(paths) - len(stale)} of {len(paths)} notebooks fresh")
        return 1 if stale else 0

    # A kernel that inherits a pipe as stdin can hang; give it /dev/null.
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.environ["FSCNN_BUDGET"] = BUDGET
    # The kernel imports this checkout's fscnn_lib even where it is not pip-installed.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")

    total = 0.0
    for p in paths:
        rel = p.relative_to(ROOT) if p.is_relative_to(ROOT) else p
        if args.if_stale and not is_stale(p):
            print(f"fresh    {rel}")
            continue
        seconds = execute(p, args.timeout)
        total += seconds
        print(f"executed {rel} in {seconds:.1f} s", flush=True)
    print(f"total execution time {total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
