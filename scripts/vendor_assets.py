#!/usr/bin/env python3
"""Fetch the browser assets the book serves itself (MathJax, require.js, html-manager) from npm.

The built site is self-contained: it loads MathJax from its own ``_static/npm/``
folder, never from a CDN, so it works offline, on a course intranet and in the browser
test (which aborts every non-local request). The widgets are drawn by the small viewer
``book/_assets/widget-viewer.js``; only on a page holding a widget that the viewer does
not support does it load require.js and the official ``@jupyter-widgets/html-manager``
(``embed-amd.js``, 4.4 MB, and the Font Awesome fonts it asks for at run time) from
``_static/npm/`` and let them draw that page's widgets instead.
The files come from their npm packages, fetched with ``npm pack`` (the npm registry's
ordinary client) and cached in ``vendor_cache/tarballs/``; the files the site needs are
extracted into ``vendor_cache/static/npm/``, which ``_config.yml`` lists in
``html_static_path`` (a folder not named ``_static``: Jupyter Book would add every
script in a ``_static`` folder to every page).

Usage (from the repository root)::

    .venv/bin/python scripts/vendor_assets.py          # fetch what is missing
    .venv/bin/python scripts/vendor_assets.py --force  # fetch and extract again
"""

from __future__ import annotations

import argparse
import fnmatch
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "vendor_cache"
NPM_DIR = CACHE / "tarballs"
STATIC = CACHE / "static"
VENDOR = STATIC / "npm"

# npm package -> [(glob inside the tarball, destination folder under npm/)].
# MathJax keeps its es5/ layout: its loader finds components and fonts relative to itself.
# The book loads startup.js and, through it, only the TeX input, the CommonHTML output and
# the assistive MathML (about 0.75 MB, not the 1.2 MB of tex-mml-chtml.js with its menu);
# the TeX extensions are there for autoload (\boldsymbol, \cancel, ...).
PACKAGES: dict[str, list[tuple[str, str]]] = {
    "mathjax@3.2.2": [
        ("package/es5/startup.js", "mathjax/es5"),
        ("package/es5/core.js", "mathjax/es5"),
        ("package/es5/input/tex.js", "mathjax/es5/input"),
        ("package/es5/input/tex/extensions/*.js", "mathjax/es5/input/tex/extensions"),
        ("package/es5/output/chtml.js", "mathjax/es5/output"),
        ("package/es5/output/chtml/fonts/tex.js", "mathjax/es5/output/chtml/fonts"),
        ("package/es5/output/chtml/fonts/woff-v2/*.woff", "mathjax/es5/output/chtml/fonts/woff-v2"),
        ("package/es5/a11y/assistive-mml.js", "mathjax/es5/a11y"),
        ("package/LICENSE", "mathjax"),
    ],
    # The fallback widget renderer (book/_assets/widget-viewer.js loads both on demand).
    # requirejs ships only the unminified require.js (84 KB).
    "requirejs@2.3.4": [
        ("package/require.js", "requirejs"),
    ],
    # embed-amd.js holds @jupyter-widgets/base, controls, output and html-manager; at run
    # time it asks only for its hashed Font Awesome fonts, next to itself (the viewer sets
    # __jupyter_widgets_assets_path__ to this folder). No source maps, no embed.js.
    "@jupyter-widgets/html-manager@1.0.6": [
        ("package/dist/embed-amd.js", "@jupyter-widgets/html-manager/dist"),
        ("package/dist/*.woff2", "@jupyter-widgets/html-manager/dist"),
        ("package/dist/*.woff", "@jupyter-widgets/html-manager/dist"),
        ("package/LICENSE", "@jupyter-widgets/html-manager"),
    ],
}


def tarball_name(spec: str) -> str:
    """The file name ``npm pack`` gives a package spec: ``@a/b@1.0`` -> ``a-b-1.0.tgz``."""
    name, version = spec.rsplit("@", 1)
    return f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"


def fetch(spec: str) -> Path:
    """Return the cached tarball of ``spec``, running ``npm pack`` when it is missing."""
    NPM_DIR.mkdir(parents=True, exist_ok=True)
    target = NPM_DIR / tarball_name(spec)
    if target.is_file() and tarfile.is_tarfile(target):
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to fetch the site's browser assets (apt-get install npm)")
    subprocess.run([npm, "pack", spec, "--silent", "--pack-destination", str(NPM_DIR)],
                   check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    if not target.is_file():
        raise SystemExit(f"npm pack {spec} did not produce {target}")
    return target


def extract(tarball: Path, rules: list[tuple[str, str]]) -> list[Path]:
    """Copy the members of ``tarball`` that match ``rules`` into ``VENDOR``."""
    written: list[Path] = []
    with tarfile.open(tarball, "r:gz") as tar:
        members = [m for m in tar.getmembers() if m.isfile()]
        for pattern, dest in rules:
            matched = [m for m in members if fnmatch.fnmatchcase(m.name, pattern)]
            if not matched:
                raise SystemExit(f"{tarball.name} has no file matching {pattern}")
            for m in matched:
                out = VENDOR / dest / Path(m.name).name
                out.parent.mkdir(parents=True, exist_ok=True)
                data = tar.extractfile(m).read()  # type: ignore[union-attr]
                if not out.is_file() or out.read_bytes() != data:
                    out.write_bytes(data)
                written.append(out)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="fetch and extract everything again")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.force:
        shutil.rmtree(CACHE, ignore_errors=True)
    keep: set[Path] = set()
    for spec, rules in PACKAGES.items():
        keep.update(extract(fetch(spec), rules))
    # Remove what an older version of this script left behind.
    for path in sorted(VENDOR.rglob("*"), reverse=True):
        if path.is_file() and path not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    size = sum(p.stat().st_size for p in keep)
    print(f"vendored {len(keep)} files ({size / 1e6:.2f} MB) into "
          f"{VENDOR.relative_to(ROOT)} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
