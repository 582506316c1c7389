"""The Colab setup cell: written from _config.yml, inert off Colab, and it really installs.

The install test runs the cell's own source the way Colab runs it (``google.colab`` in
``sys.modules``, torch preinstalled) in a clean virtual environment, against a clone of
this repository's HEAD: the repository address from ``_config.yml`` is replaced by the
clone's ``file://`` address, nothing else changes. Then ``import fscnn_lib`` and a call of
``fl.conv_valid`` must work there.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


sync = _load_script("sync_setup_cells")
URL, BRANCH = sync.repository()
SOURCE = sync.setup_source(URL, BRANCH)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_setup_cell_is_what_sync_writes(path):
    first = nbformat.read(path, as_version=4).cells[0]
    assert sync.cell_matches(first, SOURCE), (
        f"{path.name}: the first cell differs from the setup cell of _config.yml's repository; "
        "run .venv/bin/python scripts/sync_setup_cells.py and re-execute the notebook")


def test_setup_cell_names_the_configured_repository():
    assert f"git+{URL}@{BRANCH}" in SOURCE
    assert URL.startswith("https://")


def test_setup_cell_does_nothing_off_colab(monkeypatch):
    calls = []
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(a))
    exec(compile(SOURCE, "setup-cell", "exec"), {"__name__": "__main__"})
    assert calls == []


def test_setup_cell_installs_on_colab_with_the_configured_url(monkeypatch):
    calls = []
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(subprocess, "run", lambda cmd, **k: calls.append((cmd, k)))
    exec(compile(SOURCE, "setup-cell", "exec"), {"__name__": "__main__"})
    assert len(calls) == 1
    cmd, kwargs = calls[0]
    assert cmd[:4] == [sys.executable, "-m", "pip", "install"] and cmd[-1] == f"git+{URL}@{BRANCH}"
    assert kwargs.get("check") is True


def _run(cmd, **kwargs):
    result = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.mark.slow
def test_setup_cell_installs_fscnn_lib_in_a_clean_environment(tmp_path):
    if shutil.which("git") is None:
        pytest.fail("git is needed to install from the repository, as Colab does")
    # The repository as Colab would find it: a clone of HEAD (committed files only).
    clone = tmp_path / "repo"
    _run(["git", "clone", "--quiet", "--no-local", str(ROOT), str(clone)])
    _run(["git", "-C", str(clone), "checkout", "--quiet", "-B", BRANCH])

    # A clean environment with torch preinstalled, as on Colab.
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--clear", str(venv)])
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    _run([str(python), "-m", "pip", "install", "--quiet", "torch==2.13.0"], env=env, timeout=900)

    # The cell itself, with only the repository address swapped for the clone's.
    source = SOURCE.replace(URL, clone.as_uri())
    assert source != SOURCE and clone.as_uri() in source
    runner = (
        "import sys, types\n"
        "sys.modules['google.colab'] = types.ModuleType('google.colab')\n"
        f"exec(compile({source!r}, 'setup-cell', 'exec'))\n"
    )
    _run([str(python), "-c", runner], env=env, cwd=tmp_path, timeout=900)

    # fscnn_lib is importable from the environment (not from a checkout) and works.
    check = (
        "import numpy as np, fscnn_lib as fl\n"
        "assert 'site-packages' in fl.__file__, fl.__file__\n"
        "u = np.ones((4, 4)); w = np.ones((2, 2))\n"
        "out = fl.conv_valid(u, w, 0.5)\n"
        "assert out.shape == (3, 3), out.shape\n"
        "assert np.allclose(out, 4 * 0.5**2), out\n"  # 4 ones times the h^2 factor
        "print('fscnn_lib', fl.__version__, 'ok')\n"
    )
    result = _run([str(python), "-c", check], env=env, cwd=tmp_path, timeout=300)
    assert "ok" in result.stdout
