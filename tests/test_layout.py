"""The library's layout (DESIGN.md §3): small modules, imports that run one way.

Each module of ``fscnn_lib`` may import only from modules to its left in ``ORDER`` (the
data flow of DESIGN.md §3: validation and dispatch, configuration, grids, measures and
images, norms, padding and sampling, the convolution engine, kernels, the Sobolev toolkit,
mollifiers and Fourier, architecture, regularity, batch norm, networks, plotting, widgets),
and no module is longer than 500 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parent.parent / "fscnn_lib"
ORDER = [
    "_validate", "_backend", "_storage", "config", "grids", "measures", "images", "norms", "padding",
    "sampling", "convolution", "conv_exact", "conv_bounds", "kernels", "sobolev", "mollifiers",
    "torus", "fourier", "architecture", "regularity", "edges", "batchnorm", "networks", "acnn", "limits",
    "training", "landscape", "dip", "dip_fit", "unet", "keep_edges", "plotting", "widgets", "selfcheck",
]
MAX_LINES = 500
MODULES = sorted(p.stem for p in LIB.glob("*.py") if p.stem != "__init__")


def internal_imports(path: Path) -> set[str]:
    """The ``fscnn_lib`` modules that ``path`` imports (relative imports, at any depth)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found


def test_every_module_has_a_place_in_the_order():
    """ORDER may name modules still to come (DESIGN.md §3); every existing one is in it."""
    missing = sorted(set(MODULES) - set(ORDER))
    assert not missing, f"add {missing} to ORDER (and to DESIGN.md §3)"
    assert len(set(ORDER)) == len(ORDER)


@pytest.mark.parametrize("name", MODULES)
def test_imports_run_one_way(name):
    rank = ORDER.index(name)
    backwards = sorted(m for m in internal_imports(LIB / f"{name}.py") if ORDER.index(m) >= rank)
    assert not backwards, f"{name} imports {backwards}, which come at or after it in {ORDER}"


@pytest.mark.parametrize("name", MODULES)
def test_modules_are_small(name):
    n = len((LIB / f"{name}.py").read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"{name}.py has {n} lines (at most {MAX_LINES}): split it by concept"


def test_the_import_scan_sees_lazy_imports(tmp_path):
    src = tmp_path / "m.py"
    src.write_text("from .grids import Grid\n\ndef f():\n    from .networks import FsCNN\n"
                   "from . import _backend as _bk\n")
    assert internal_imports(src) == {"grids", "networks", "_backend"}
