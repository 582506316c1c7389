"""Browser test of the built book (``_build/html``) in Debian Chromium, with no kernel.

The site is served on localhost from a thread; Playwright drives Chromium and routes
every request: anything that is not local is aborted and fails the test, so the book
must be self-contained (MathJax and the widget manager are served from the site).

For every page: MathJax has typeset all math (no raw ``$$``, ``\\(`` or ``\\[`` left
outside code), no console errors beyond known harmless ones, every internal link
resolves (file and anchor), and the page with everything it loads weighs at most
3 MB. For chapter pages: theorem boxes (sphinx-proof) and exercises with solutions
(sphinx-exercise) are present, every widget renders through the small viewer (never the
4.4 MB html-manager fallback), and pressing ArrowRight on a slider changes the frame it
shows. On stand-alone pages of ipywidgets' own state: the viewer's core widgets, and the
fallback to the official html-manager, served from the site, for a widget it lacks.

Build the site first (``make book`` or the book step of ``make test``); set
``FSCNN_SITE_DIR`` to test another build.
"""

from __future__ import annotations

import contextlib
import functools
import json
import shutil
import http.server
import os
import re
import threading
import urllib.parse
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SITE = Path(os.environ.get("FSCNN_SITE_DIR", ROOT / "_build" / "html")).resolve()
CHROMIUM = os.environ.get("FSCNN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Each page with everything it loads (sum of response bodies) weighs at most this.
PAGE_BUDGET_BYTES = 3_000_000
#: Console messages known to be harmless: none. (Each page once declared THEBE_JS_URL
#: twice; scripts/dedupe_page_scripts.py removes the repeated script.)
HARMLESS_CONSOLE: tuple[re.Pattern, ...] = ()
#: Files whose 404 is harmless: none at present (the site serves its own favicon-less pages;
#: browsers ask for /favicon.ico on their own).
HARMLESS_404 = re.compile(r"/favicon\.ico$")


def _pages() -> list[str]:
    """Every HTML page of the build, relative to the site root."""
    if not (SITE / "index.html").is_file():
        return []
    skip = ("_static/", "_sources/", "_images/")
    return sorted(
        p.relative_to(SITE).as_posix()
        for p in SITE.rglob("*.html")
        if not p.relative_to(SITE).as_posix().startswith(skip)
    )


PAGES = _pages()
VIEW_SCRIPT = 'script[type="application/vnd.jupyter.widget-view+json"]'
CHAPTERS = [p for p in PAGES if p.startswith("notebooks/")]


def _require_site() -> None:
    if not PAGES:
        pytest.fail(f"no built site at {SITE}: build it first (make book)")


# ---------------------------------------------------------------- fixtures


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # do not wait for the browser's keep-alive connections


@contextlib.contextmanager
def _serve(directory: Path):
    """Serve ``directory`` on 127.0.0.1 from a thread; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    httpd = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def server():
    _require_site()
    with _serve(SITE) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


class Visit:
    """One page load: what it requested, what failed, what the console said."""

    def __init__(self, page, base: str) -> None:
        self.page = page
        self.base = base
        self.external: list[str] = []
        self.local: list[str] = []
        self.failed: list[tuple[int, str]] = []
        self.console: list[str] = []

    def local_path(self, url: str) -> Path:
        path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
        return SITE / path.lstrip("/")

    def bytes_loaded(self) -> int:
        """Sum of the response bodies: the server sends each file as it lies on disk."""
        total = 0
        for url in self.local:
            file = self.local_path(url)
            if file.is_dir():
                file = file / "index.html"
            if file.is_file():
                total += file.stat().st_size
        return total


@pytest.fixture
def visit(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    page = context.new_page()
    v = Visit(page, server)

    def route(r):
        url = r.request.url
        if url.startswith(server):
            v.local.append(url)
            r.continue_()
        else:
            v.external.append(url)
            r.abort()

    page.route("**/*", route)
    page.on("response", lambda resp: v.failed.append((resp.status, resp.url)) if resp.status >= 400 else None)
    page.on("console", lambda msg: v.console.append(f"{msg.type}: {msg.text} @ {msg.location.get('url', '')}")
            if msg.type == "error" else None)
    page.on("pageerror", lambda err: v.console.append(f"pageerror: {err}"))
    try:
        yield v
    finally:
        context.close()


def _open(v: Visit, rel: str) -> None:
    """Load a page, wait for MathJax to finish and for the widgets to render."""
    page = v.page
    page.goto(v.base + rel, wait_until="load")
    has_mathjax = page.evaluate("() => !!document.querySelector('script[src*=\"mathjax\"]')")
    if has_mathjax:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=20_000)
        page.evaluate("async () => { await MathJax.startup.promise; }")
    n_views = page.evaluate(f"() => document.querySelectorAll('{VIEW_SCRIPT}').length")
    if n_views:
        # book/_assets/widget-viewer.js marks the page once it has rendered every view.
        page.wait_for_function(
            "() => document.documentElement.getAttribute('data-fscnn-widgets') === 'rendered'",
            timeout=20_000)
        if has_mathjax:
            page.evaluate("async () => { await MathJax.startup.promise; }")
    page.wait_for_load_state("networkidle")


# -------------------------------------------------------------- the checks

RAW_MATH_JS = """
() => {
  const root = document.querySelector('main') || document.body;
  const clone = root.cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, textarea, mjx-container, .highlight')
       .forEach(e => e.remove());
  return clone.textContent;
}
"""


def _raw_math(text: str) -> list[str]:
    hits = []
    # any dollar left in the prose is math that did not typeset (a pipe inside $...$ in a
    # table cell, say, splits the cell and leaves a lone $)
    for pattern in (r"\$", r"\\\(", r"\\\)", r"\\\[", r"\\\]"):
        for m in re.finditer(pattern, text):
            hits.append(text[max(0, m.start() - 30): m.end() + 30].replace("\n", " "))
    return hits


@pytest.mark.parametrize("rel", PAGES or ["<no site built>"])
def test_page(visit, rel):
    """Self-contained, typeset, quiet and within the weight budget."""
    _require_site()
    refresh = re.search(r'http-equiv="refresh"[^>]*url=([^"]+)"', (SITE / rel).read_text(encoding="utf-8"), re.I)
    if refresh:  # a redirect stub (index.html -> the root page): its target must exist
        target = (SITE / rel).parent / urllib.parse.unquote(refresh.group(1).split("#")[0])
        assert target.is_file(), f"{rel} redirects to a missing page {refresh.group(1)}"
        return
    _open(visit, rel)
    weight = visit.bytes_loaded()
    print(f"{rel}: {weight / 1e6:.2f} MB in {len(visit.local)} requests")
    assert not visit.external, f"{rel} requested non-local URLs: {visit.external}"

    leftovers = _raw_math(visit.page.evaluate(RAW_MATH_JS))
    assert not leftovers, f"{rel}: math left untypeset: {leftovers[:5]}"

    bad_404 = [(s, u) for s, u in visit.failed if not (s == 404 and HARMLESS_404.search(u))]
    assert not bad_404, f"{rel}: failed requests {bad_404}"
    harmless_urls = {u for _, u in visit.failed}
    errors = [
        c for c in visit.console
        if not any(p.search(c) for p in HARMLESS_CONSOLE)
        and not ("Failed to load resource" in c and any(u in c for u in harmless_urls))
    ]
    assert not errors, f"{rel}: console errors {errors}"

    renderer = visit.page.evaluate("() => document.documentElement.dataset.fscnnWidgetRenderer || null")
    fallback = [u for u in visit.local if "/npm/requirejs/" in u or "/html-manager/" in u]
    if renderer != "html-manager":
        assert not fallback, f"{rel} loads the widget fallback without needing it: {fallback}"
    assert weight <= PAGE_BUDGET_BYTES, (
        f"{rel} loads {weight / 1e6:.2f} MB (budget {PAGE_BUDGET_BYTES / 1e6:.1f} MB): "
        + ", ".join(sorted({u.split('?')[0].rsplit('/', 1)[-1] for u in visit.local}))
    )


@pytest.mark.parametrize("rel", CHAPTERS or ["<no chapters built>"])
def test_chapter_boxes_and_widgets(visit, rel):
    """Theorem boxes, exercises and solutions are there; every slider moves its frames."""
    _require_site()
    _open(visit, rel)
    page = visit.page
    n_proof = page.locator("div.proof").count()
    n_exercise = page.locator("div.exercise").count()
    n_solution = page.locator("div.solution").count()
    assert n_proof >= 1, f"{rel}: no sphinx-proof box (div.proof)"
    assert n_exercise >= 3, f"{rel}: {n_exercise} exercises (div.exercise), want >= 3"
    assert n_solution >= 3, f"{rel}: {n_solution} solutions (div.solution), want >= 3"

    n_views = page.locator(VIEW_SCRIPT).count()
    renderer = page.evaluate("() => document.documentElement.dataset.fscnnWidgetRenderer || null")
    assert renderer in (None, "viewer"), (
        f"{rel}: a widget that book/_assets/widget-viewer.js does not support made the page load "
        "the 4.4 MB html-manager (see the browser console): use the supported widgets")
    roots = page.locator(".fscnn-widget")
    assert roots.count() == n_views, f"{rel}: {n_views} widget views but {roots.count()} rendered"
    unsupported = page.locator(".fscnn-widget-unsupported").all_text_contents()
    assert not unsupported, f"{rel}: widgets the static viewer cannot show: {unsupported}"
    sliders = page.locator(".fscnn-widget-slider")
    n_sliders = sliders.count()
    for i in range(n_sliders):
        slider = sliders.nth(i)
        handle = slider.locator("input[type=range]")
        # The frames this slider selects: the images of the widget box that holds it.
        frame_src = (
            "s => { const box = s.closest('.fscnn-widget-box') || s.closest('.fscnn-widget');"
            " const img = [...box.querySelectorAll('img')].find(i => i.offsetParent !== null);"
            " return img ? img.src : null; }"
        )
        handle.scroll_into_view_if_needed()
        handle.focus()
        if handle.evaluate("h => Number(h.value) >= Number(h.max)"):
            handle.press("Home")
        before = slider.evaluate(frame_src)
        readout_before = slider.locator(".fscnn-widget-readout").text_content()
        handle.press("ArrowRight")
        after = slider.evaluate(frame_src)
        readout_after = slider.locator(".fscnn-widget-readout").text_content()
        if before is not None:
            assert after is not None and after != before, (
                f"{rel}: slider {i} ({readout_before!r}) did not change the shown frame")
        assert readout_after != readout_before, f"{rel}: slider {i} readout stayed {readout_before!r}"
    print(f"{rel}: {n_proof} theorem boxes, {n_exercise} exercises, {n_views} widgets, {n_sliders} sliders moved")
    assert not visit.external, f"{rel} requested non-local URLs: {visit.external}"


def test_internal_links_resolve():
    """Every link to a local page (with its anchor) points at a file and an id that exist."""
    _require_site()
    from bs4 import BeautifulSoup

    ids: dict[Path, set[str]] = {}

    def ids_of(path: Path) -> set[str]:
        if path not in ids:
            soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
            ids[path] = {t["id"] for t in soup.find_all(id=True)} | {
                t["name"] for t in soup.find_all("a", attrs={"name": True})}
        return ids[path]

    broken = []
    n_links = 0
    for rel in PAGES:
        src = SITE / rel
        soup = BeautifulSoup(src.read_text(encoding="utf-8"), "html.parser")
        for a in soup.find_all("a", href=True):
            href = a["href"]
            parts = urllib.parse.urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
                continue
            target = (src.parent / urllib.parse.unquote(parts.path)).resolve() if parts.path else src
            if parts.path and not parts.path.endswith(".html") and not target.is_dir():
                if not target.exists():
                    broken.append(f"{rel}: {href} (no such file)")
                continue
            if target.is_dir():
                target = target / "index.html"
            n_links += 1
            if not target.is_file():
                broken.append(f"{rel}: {href} (no such page)")
            elif parts.fragment and urllib.parse.unquote(parts.fragment) not in ids_of(target):
                broken.append(f"{rel}: {href} (no anchor #{parts.fragment})")
    assert n_links > 0
    assert not broken, "broken internal links:\n" + "\n".join(broken[:30])


@pytest.mark.parametrize("rel", CHAPTERS or ["<no chapters built>"])
def test_chapter_launch_buttons_and_hidden_setup(rel):
    """Colab and download buttons point at this chapter; the setup cell's code is hidden."""
    _require_site()
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    repo = config["repository"]
    slug = urllib.parse.urlsplit(repo["url"]).path.strip("/")
    html = (SITE / rel).read_text(encoding="utf-8")
    notebook = rel[: -len(".html")] + ".ipynb"
    colab = f"https://colab.research.google.com/github/{slug}/blob/{repo.get('branch', 'main')}/{notebook}"
    assert f'href="{colab}"' in html, f"{rel}: no Colab launch button for {colab}"
    download = re.search(r'href="([^"]*_sources/' + re.escape(notebook) + ')"', html)
    assert download, f"{rel}: no download button for {notebook}"
    assert ((SITE / rel).parent / download.group(1)).resolve().is_file(), f"{rel}: download link is broken"
    assert "google.colab" not in html, f"{rel}: the Colab setup cell's code is shown (tag it remove-input)"


def _widget_page(tmp_path: Path, views: list, mathjax: bool = False, vendored: bool = True,
                 drop_defaults: bool = False) -> Path:
    """A page one folder deep, ``sub/index.html``, holding the widget state that ipywidgets
    itself serialises for ``views``, with book/_assets/widget-viewer.js and the site's
    vendored npm assets (require.js, html-manager, MathJax) in ``_static/`` as in the book.
    Returns the folder to serve."""
    from ipywidgets.embed import embed_data

    _require_site()
    data = embed_data(views=views, drop_defaults=drop_defaults)
    view_tags = "\n".join(
        f'<div class="cell_output"><script type="application/vnd.jupyter.widget-view+json">'
        f"{json.dumps(v)}</script></div>"
        for v in data["view_specs"])
    static = tmp_path / "_static"
    static.mkdir()
    shutil.copy(ROOT / "book" / "_assets" / "widget-viewer.js", static / "widget-viewer.js")
    if vendored:
        shutil.copytree(SITE / "_static" / "npm", static / "npm")
    head = ""
    if mathjax:
        head = ('<script>window.MathJax = {loader: {load: ["input/tex", "output/chtml"]}};</script>'
                '<script defer src="../_static/npm/mathjax/es5/startup.js"></script>')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "index.html").write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><link rel='icon' href='data:,'>"
        + head +
        f'<script type="application/vnd.jupyter.widget-state+json">{json.dumps(data["manager_state"])}</script>'
        '<script src="../_static/widget-viewer.js"></script></head><body>'
        + view_tags + "</body></html>", encoding="utf-8")
    return tmp_path


@contextlib.contextmanager
def _widget_visit(browser, root: Path):
    """Open ``sub/index.html`` of ``root`` (served locally; every other request aborted)
    and wait until the widgets have rendered; yield the Visit."""
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    with _serve(root) as base:
        v = Visit(page, base)

        def route(r):
            if r.request.url.startswith(base):
                v.local.append(r.request.url)
                r.continue_()
            else:
                v.external.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("response", lambda resp: v.failed.append((resp.status, resp.url)) if resp.status >= 400 else None)
        page.on("console", lambda m: v.console.append(f"{m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: v.console.append(f"pageerror: {e}"))
        try:
            page.goto(base + "sub/index.html")
            page.wait_for_function("() => document.documentElement.dataset.fscnnWidgets === 'rendered'",
                                   timeout=30_000)
            yield v
        finally:
            context.close()


def test_widget_viewer_state_without_defaults(browser, tmp_path):
    """State saved with ``drop_defaults=True`` lacks the slider's default index: the viewer
    must keep the Stack showing its frame rather than copy ``undefined`` into it."""
    import ipywidgets as w

    slider = w.SelectionSlider(options=["h = 1/8", "h = 1/16", "h = 1/32"], description="h")
    stack = w.Stack([w.HTML(f"<b>frame {k}</b>") for k in range(3)], selected_index=0)
    w.jslink((slider, "index"), (stack, "selected_index"))
    root = _widget_page(tmp_path, [w.VBox([slider, stack])], drop_defaults=True)
    with _widget_visit(browser, root) as v:
        page = v.page
        visible = ("() => [...document.querySelectorAll('.widget-html')]"
                   ".filter(e => e.offsetParent).map(e => e.textContent)")
        assert page.evaluate(visible) == ["frame 0"], v.console
        page.locator("input[type=range]").first.focus()
        page.locator("input[type=range]").first.press("ArrowRight")
        assert page.evaluate(visible) == ["frame 1"]
        assert not v.console, v.console


def test_widget_viewer_core_widgets(browser, tmp_path):
    """book/_assets/widget-viewer.js on widget state that ipywidgets itself serialises:
    jslink both ways, jsdlink one way, Dropdown -> Tab; supported widgets only, so neither
    require.js nor the html-manager is loaded."""
    import ipywidgets as w

    a = w.IntSlider(value=2, min=0, max=5, description="a")
    b = w.IntSlider(value=0, min=0, max=5, description="b")
    w.jslink((a, "value"), (b, "value"))
    f = w.FloatSlider(value=0.5, min=0, max=1, step=0.25, description="f")
    g = w.FloatSlider(value=0.0, min=0, max=1, step=0.25, description="g")
    w.jsdlink((f, "value"), (g, "value"))
    d = w.Dropdown(options=["x", "y", "z"], index=0, description="pick")
    tab = w.Tab(children=[w.HTML(f"<b>panel {k}</b>") for k in range(3)])
    w.jsdlink((d, "index"), (tab, "selected_index"))
    w.ColorPicker(value="red")  # in the state but never displayed: no fallback
    root = _widget_page(tmp_path, [w.VBox([a, b]), w.VBox([f, g]), w.VBox([d, tab])])
    with _widget_visit(browser, root) as v:
        page = v.page
        assert page.evaluate("() => document.documentElement.dataset.fscnnWidgetRenderer") == "viewer"
        roots = page.locator(".fscnn-widget")
        assert roots.count() == 3
        readouts = page.locator(".fscnn-widget-readout")
        # jslink copies the source to the target at start: b shows a's 2.
        assert readouts.all_text_contents() == ["2", "2", "0.50", "0.50"]
        ranges = page.locator("input[type=range]")
        ranges.nth(0).focus(); ranges.nth(0).press("ArrowRight")
        assert readouts.all_text_contents()[:2] == ["3", "3"]
        ranges.nth(1).focus(); ranges.nth(1).press("ArrowLeft"); ranges.nth(1).press("ArrowLeft")
        assert readouts.all_text_contents()[:2] == ["1", "1"]  # the link runs both ways
        ranges.nth(2).focus(); ranges.nth(2).press("ArrowRight")
        assert readouts.all_text_contents()[2:] == ["0.75", "0.75"]
        ranges.nth(3).focus(); ranges.nth(3).press("ArrowLeft")
        assert readouts.all_text_contents()[2:] == ["0.75", "0.50"]  # jsdlink: one way only
        visible = "() => [...document.querySelectorAll('.widget-html')].filter(e => e.offsetParent).map(e => e.textContent)"
        assert page.evaluate(visible) == ["panel 0"]
        page.locator("select").select_option("2")
        assert page.evaluate(visible) == ["panel 2"]
        page.locator(".fscnn-widget-tab-button").nth(1).click()
        assert page.evaluate(visible) == ["panel 1"]
        assert page.locator(".fscnn-widget-unsupported").count() == 0
        page.wait_for_load_state("networkidle")
        heavy = [u for u in v.local if "require" in u or "html-manager" in u]
        assert not heavy, f"a page of supported widgets loaded the fallback: {heavy}"
    assert not v.external, v.external
    assert not v.failed, v.failed
    assert not v.console, v.console


def test_widget_fallback_html_manager(browser, tmp_path):
    """A widget the viewer does not support (ColorPicker, ToggleButtons): the page is rendered
    by the official html-manager, loaded with require.js from the site itself (never a CDN),
    once (no view drawn twice); a jslinked slider still works and LaTeX in a widget label is
    typeset by MathJax 3 through the viewer's MathJax 2 shim."""
    import ipywidgets as w

    a = w.IntSlider(value=2, min=0, max=5, description=r"\(\alpha\)")
    b = w.IntSlider(value=0, min=0, max=5, description="b")
    w.jslink((a, "value"), (b, "value"))
    picker = w.ColorPicker(value="#ff0000", description="colour")
    toggles = w.ToggleButtons(options=["x", "y", "z"], description="mode")
    root = _widget_page(tmp_path, [w.VBox([a, b]), w.HBox([picker, toggles])], mathjax=True)
    with _widget_visit(browser, root) as v:
        page = v.page
        assert page.evaluate("() => document.documentElement.dataset.fscnnWidgetRenderer") == "html-manager"
        assert page.locator(".fscnn-widget").count() == 0, "the viewer rendered too"
        assert page.locator(".widget-subarea").count() == 2, "a view rendered twice or not at all"
        assert page.locator(".widget-colorpicker").count() == 1
        assert page.locator(".widget-toggle-button").count() == 3
        readouts = page.locator(".widget-subarea .widget-readout")
        assert readouts.all_text_contents() == ["2", "2"]  # jslink copied a to b
        handle = page.locator(".noUi-handle").first
        handle.focus()
        handle.press("ArrowRight")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.widget-readout')].every(r => r.textContent === '3')",
            timeout=5_000)
        page.evaluate("async () => { await MathJax.startup.promise; }")
        assert page.locator(".widget-label mjx-container").count() >= 1, "the LaTeX label was not typeset"
        page.wait_for_load_state("networkidle")
        local = [urllib.parse.urlsplit(u).path for u in v.local]
        assert "/_static/npm/requirejs/require.js" in local, local
        assert "/_static/npm/@jupyter-widgets/html-manager/dist/embed-amd.js" in local, local
        print(f"fallback: {len(local)} local requests, failed {v.failed}, console {v.console}")
    assert not v.external, f"requests that left the site: {v.external}"
    assert all(s == 404 and re.search(r"\.(woff2?|ttf|eot|svg)$", u.split("?")[0]) for s, u in v.failed), v.failed
    errors = [c for c in v.console
              if not any(p.search(c) for p in HARMLESS_CONSOLE) and "Failed to load resource" not in c]
    assert not errors, errors


def test_widget_fallback_unavailable(browser, tmp_path):
    """Without the vendored html-manager, the viewer still draws what it supports and shows
    an unknown widget as a note that it needs a kernel (and the console says why)."""
    import ipywidgets as w

    a = w.IntSlider(value=1, min=0, max=3, description="a")
    root = _widget_page(tmp_path, [a, w.ColorPicker(value="red")], vendored=False)
    with _widget_visit(browser, root) as v:
        page = v.page
        assert page.evaluate("() => document.documentElement.dataset.fscnnWidgetRenderer") == "viewer"
        assert page.locator(".fscnn-widget").count() == 2
        assert page.locator(".fscnn-widget-readout").all_text_contents() == ["1"]
        assert page.locator(".fscnn-widget-unsupported").all_text_contents() == [
            "[ColorPicker: run this notebook to use this control]"]
    assert not v.external, v.external
    assert [urllib.parse.urlsplit(u).path for _, u in v.failed] == ["/_static/npm/requirejs/require.js"]
    assert any("cannot load" in c for c in v.console), v.console


@pytest.mark.skipif(not CHAPTERS, reason="no chapters built")
def test_chapter_fallback_html_manager(visit):
    """A built chapter page with a ColorPicker (state written by ipywidgets) added to its widget
    state: the whole page's widgets are rendered by the official html-manager, loaded from the
    site's _static/npm/ at the chapter's depth; the chapter's jslinked slider still changes the
    frame of its Stack; no request leaves the site, no console errors beyond harmless ones."""
    import ipywidgets as w
    from ipywidgets.embed import embed_data

    _require_site()
    rel = next((c for c in CHAPTERS if "widget-view+json" in
                (SITE / c).read_text(encoding="utf-8")), None)
    if rel is None:
        pytest.skip("no chapter holds widgets")
    html = (SITE / rel).read_text(encoding="utf-8")
    m = re.search(r'(<script type="application/vnd.jupyter.widget-state\+json">)(.*?)(</script>)', html, re.S)
    state = json.loads(m.group(2))
    extra = embed_data(views=[w.ColorPicker(value="#00ff00", description=r"colour \(c\)")])
    state["state"].update(extra["manager_state"]["state"])
    view = json.dumps(extra["view_specs"][0])
    html = (html[:m.start(2)] + json.dumps(state) + html[m.end(2):]).replace(
        "</main>", f'<div class="cell_output"><script type="application/vnd.jupyter.widget-view+json">'
                   f"{view}</script></div></main>", 1)
    target = visit.base + rel

    def serve_modified(r):
        visit.local.append(r.request.url)
        r.fulfill(body=html, content_type="text/html; charset=utf-8")

    visit.page.route(lambda url: url.split("?")[0] == target, serve_modified)
    _open(visit, rel)
    page = visit.page
    print(f"{rel} with a ColorPicker (html-manager fallback): {visit.bytes_loaded() / 1e6:.2f} MB "
          f"in {len(visit.local)} requests")
    assert page.evaluate("() => document.documentElement.dataset.fscnnWidgetRenderer") == "html-manager"
    n_views = page.locator(VIEW_SCRIPT).count()
    assert page.locator(".fscnn-widget").count() == 0, "the viewer rendered too"
    assert page.locator(".widget-subarea").count() == n_views
    assert page.locator(".widget-colorpicker").count() == 1
    assert page.locator(".widget-subarea .widget-label mjx-container").count() >= 1, "LaTeX label not typeset"
    shown = ("() => [...document.querySelectorAll('.widget-subarea img')]"
             ".filter(i => i.offsetParent !== null).map(i => i.src)")
    before = page.evaluate(shown)
    handle = page.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    handle.press("ArrowRight")
    page.wait_for_function(f"before => JSON.stringify(({shown})()) !== JSON.stringify(before)",
                           arg=before, timeout=5_000)
    page.wait_for_load_state("networkidle")
    local = [urllib.parse.urlsplit(u).path for u in visit.local]
    assert "/_static/npm/requirejs/require.js" in local
    assert "/_static/npm/@jupyter-widgets/html-manager/dist/embed-amd.js" in local
    assert not visit.external, f"requests that left the site: {visit.external}"
    font = re.compile(r"\.(woff2?|ttf|eot|svg)$")
    assert all(s == 404 and font.search(u.split("?")[0]) for s, u in visit.failed), visit.failed
    errors = [c for c in visit.console
              if not any(p.search(c) for p in HARMLESS_CONSOLE) and "Failed to load resource" not in c]
    assert not errors, errors


# ------------------------------------------------ the reader's comforts

#: An alt text that is a file name or a path (Sphinx's default alt is the image's URI),
#: or the viewer's last-resort phrase, describes nothing.
_FILE_LIKE_ALT = re.compile(r"\.(png|jpe?g|gif|svg|webp)\b|^[\w./-]*/[\w./-]*$|^Explorer frame$", re.I)


def _open_rendered(v: Visit, rel: str) -> None:
    """Load a page and wait only for its widgets (the images they draw), not for MathJax."""
    page = v.page
    page.goto(v.base + rel, wait_until="load")
    if page.evaluate(f"() => document.querySelectorAll('{VIEW_SCRIPT}').length"):
        page.wait_for_function(
            "() => document.documentElement.getAttribute('data-fscnn-widgets') === 'rendered'",
            timeout=20_000)


@pytest.mark.parametrize("rel", PAGES or ["<no site built>"])
def test_every_image_has_alt_text(visit, rel):
    """Every <img> of the page, figures and explorer frames (hidden ones included), has an
    alt text that describes it: not empty, not a file name or path, not the generic phrase."""
    _require_site()
    if re.search(r'http-equiv="refresh"', (SITE / rel).read_text(encoding="utf-8"), re.I):
        return  # a redirect stub (test_page checks its target)
    _open_rendered(visit, rel)
    images = visit.page.evaluate(
        "() => [...document.images].map(i => [i.getAttribute('alt'), i.getAttribute('src') || ''])")
    bad = []
    for alt, src in images:
        name = src.split("?")[0].rsplit("/", 1)[-1]
        if alt is None or not alt.strip() or _FILE_LIKE_ALT.search(alt.strip()) or (name and name in alt):
            bad.append((alt, src[:60]))
    n_frames = visit.page.locator("img.fscnn-widget-image").count()
    print(f"{rel}: {len(images)} images ({n_frames} explorer frames), all described" if not bad else "")
    assert not bad, f"{rel}: images without a describing alt text: {bad[:5]}"
    if rel.startswith("notebooks/"):
        assert len(images) >= 2, f"{rel}: a chapter with {len(images)} images? (the check saw no figures)"


def _luminance(rgb):
    """WCAG relative luminance of sRGB values in 0..255 (any array shape, last axis RGB)."""
    import numpy as np

    c = np.asarray(rgb, dtype=float)[..., :3] / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return lin @ np.array([0.2126, 0.7152, 0.0722])


def _contrast(png: bytes) -> dict:
    """Readability of a screenshot of one figure: the luminance of its outer ring (the
    ground around the axes), of its darkest ink (the 1st percentile: axes, labels, lines),
    its 1st-to-99th percentile spread, its 5th and 95th percentiles (reported only: a
    line plot has under 5 % ink) and the WCAG contrast ratio ground : ink."""
    import io

    import numpy as np
    from PIL import Image

    lum = _luminance(np.asarray(Image.open(io.BytesIO(png)).convert("RGB")))
    ring = np.concatenate([lum[:3].ravel(), lum[-3:].ravel(), lum[:, :3].ravel(), lum[:, -3:].ravel()])
    ground, ink = float(np.median(ring)), float(np.percentile(lum, 1))
    return {"ground": ground, "ink": ink, "spread": float(np.percentile(lum, 99)) - ink,
            "p5": float(np.percentile(lum, 5)), "p95": float(np.percentile(lum, 95)),
            "ratio": (ground + 0.05) / (ink + 0.05)}


#: A figure is readable when the ground around its axes is light and its ink contrasts
#: with it at least as WCAG asks of normal text (4.5:1), and the luminance spread between
#: the 1st and 99th percentiles must be wide. (Measured: ground 1.00 light and 0.71 dark,
#: the theme dims images by brightness 0.8, contrast 1.2; a transparent figure on the bare
#: dark page: ground 0.01, ratio about 1.)
MIN_GROUND_LUMINANCE = 0.5
MIN_CONTRAST_RATIO = 4.5
MIN_SPREAD = 0.4
CONTRAST_PAGES = ["notebooks/01_images_edges.html", "notebooks/04_sobolev_toolkit.html",
                  "notebooks/08_resolution_limit.html", "notebooks/12_batch_norm.html"]


def _readable(m: dict) -> bool:
    return (m["ground"] > MIN_GROUND_LUMINANCE and m["ratio"] >= MIN_CONTRAST_RATIO
            and m["spread"] > MIN_SPREAD)


def _transparent_figure_png() -> str:
    """A line plot saved with a transparent background, as a data: URL (black ink)."""
    import base64
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 2.5), dpi=80)
    ax.plot([0, 1, 2, 3], [0, 1, 0, 2], "k", lw=2)
    ax.set_title("a transparent figure"), ax.set_xlabel("x")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", transparent=True)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.mark.parametrize("rel", [p for p in CONTRAST_PAGES if p in PAGES] or ["<no chapters built>"])
def test_figure_contrast_in_both_themes(visit, rel):
    """The first figure of the chapter and the first frame of its first explorer, each
    screenshotted in the light and in the dark theme
    (pydata-sphinx-theme's localStorage "mode"/"theme", read by book/_templates/layout.html):
    the ground around its axes stays light and its ink contrasts with it in both. Controls in
    the dark theme: a figure with a transparent background put straight on the page fails
    the same measure, and put in a notebook output (book/_assets/fscnn-figures.css) passes."""
    _require_site()
    page = visit.page
    measured = {}
    for theme in ("light", "dark"):
        page.goto(visit.base + rel, wait_until="load")
        page.evaluate("t => { localStorage.setItem('mode', t); localStorage.setItem('theme', t); }", theme)
        _open(visit, rel)  # reload: the layout reads the theme before the page paints
        assert page.evaluate("() => document.documentElement.dataset.theme") == theme
        page_ground = _luminance(page.evaluate(
            "() => getComputedStyle(document.body).backgroundColor.match(/\\d+/g).slice(0, 3).map(Number)"))
        assert (page_ground > 0.5) == (theme == "light"), f"{rel}: the {theme} theme did not apply"
        figure = page.locator(".cell_output img").first
        figure.scroll_into_view_if_needed()
        measured[theme] = m = _contrast(figure.screenshot(animations="disabled"))
        print(f"{rel} [{theme}] page ground {float(page_ground):.3f}; figure ground {m['ground']:.3f}, "
              f"ink {m['ink']:.3f}, spread {m['spread']:.3f}, p5 {m['p5']:.3f}, p95 {m['p95']:.3f}, "
              f"ratio {m['ratio']:.1f}:1")
        frames = page.locator("img.fscnn-widget-image:visible")
        if frames.count():  # the frame an explorer shows first
            frames.first.scroll_into_view_if_needed()
            measured[f"{theme}, explorer frame"] = m = _contrast(frames.first.screenshot(animations="disabled"))
            print(f"{rel} [{theme}] explorer frame: ground {m['ground']:.3f}, ink {m['ink']:.3f}, "
                  f"spread {m['spread']:.3f}, ratio {m['ratio']:.1f}:1")
    for theme, m in measured.items():
        assert _readable(m), f"{rel}: the figure is hard to read in the {theme} theme: {m}"

    # Controls (dark theme): the same measure fails a transparent figure on the bare page and
    # passes it inside a notebook output, where the sheet gives it a white ground.
    page.evaluate("""src => {
        for (const [id, parent] of [['bare', document.body],
                                     ['styled', document.querySelector('.cell_output')]]) {
            const img = document.createElement('img');
            img.id = 'fscnn-control-' + id; img.src = src; img.alt = 'control';
            img.style.display = 'block';
            parent.appendChild(img);
        }}""", _transparent_figure_png())
    page.wait_for_function("() => [...document.querySelectorAll('[id^=fscnn-control-]')].every(i => i.complete)")
    for which, want in (("bare", False), ("styled", True)):
        control = page.locator(f"#fscnn-control-{which}")
        control.scroll_into_view_if_needed()
        m = _contrast(control.screenshot(animations="disabled"))
        print(f"{rel} [dark] transparent figure, {which}: ground {m['ground']:.3f}, ink {m['ink']:.3f}, "
              f"spread {m['spread']:.3f}, ratio {m['ratio']:.1f}:1")
        assert _readable(m) == want, f"{rel}: transparent control figure ({which}) measured {m}"


def test_search_finds_theorem_offline(visit):
    """The search page, opened as search.html?q=Theorem+3.6, lists the chapter that states
    Theorem 3.6 (08_resolution_limit), with every request served by the site itself."""
    _require_site()
    page = visit.page
    page.goto(visit.base + "search.html?q=Theorem+3.6", wait_until="load")
    page.wait_for_function(
        "() => { const s = document.querySelector('#search-results .search-summary');"
        " return s && /found|did not match/i.test(s.textContent); }", timeout=30_000)
    hits = page.evaluate(
        "() => [...document.querySelectorAll('#search-results ul.search li a')].map(a => a.getAttribute('href'))")
    summary = page.locator("#search-results .search-summary").text_content()
    print(f"search 'Theorem 3.6': {summary.strip()} first: {hits[:5]}")
    assert any("08_resolution_limit" in h for h in hits), f"Theorem 3.6's chapter not found: {hits}"
    page.wait_for_load_state("networkidle")
    assert not visit.external, f"the search requested non-local URLs: {visit.external}"
    assert any(u.split("?")[0].endswith("searchindex.js") for u in visit.local), "searchindex.js was not loaded"
    assert not [f for f in visit.failed if not HARMLESS_404.search(f[1])], visit.failed
    assert not visit.console, visit.console
