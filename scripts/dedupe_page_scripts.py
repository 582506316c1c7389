"""Sphinx extension: each page lists each of its scripts once.

Sphinx 7.4 stores a script added with ``app.add_js_file(None, body=...)`` after the
builder exists (sphinx-thebe does so in ``env-before-read-docs``, sphinx-togglebutton
in ``builder-inited``) under the file name ``None``; ``prepare_writing`` then adds the
same script again from the registry under the name ``""``. The two compare unequal, so
every page carried the inline script twice, and the second
``const THEBE_JS_URL = ...`` raised "Identifier 'THEBE_JS_URL' has already been
declared" in the browser console. This extension drops the repeats, page by page.
Loaded from ``_config.yml`` (``sphinx.local_extensions``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["script_key", "drop_repeated_scripts", "setup"]


def script_key(script: Any) -> tuple:
    """What makes two page scripts the same: file name (``None`` read as ``""``),
    priority and attributes (an inline script's body among them).

    >>> class S: filename, priority, attributes = None, 500, {"body": "x=1"}
    >>> class T: filename, priority, attributes = "", 500, {"body": "x=1"}
    >>> script_key(S) == script_key(T)
    True
    """
    attrs = getattr(script, "attributes", {}) or {}
    return (getattr(script, "filename", script) or "",
            getattr(script, "priority", 500),
            tuple(sorted((str(k), str(v)) for k, v in attrs.items())))


def drop_repeated_scripts(app, pagename, templatename, context, doctree) -> None:
    """``html-page-context`` handler: keep the first of each repeated script, in order."""
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen: set[tuple] = set()
    kept = []
    for script in scripts:
        key = script_key(script)
        if key not in seen:
            seen.add(key)
            kept.append(script)
    scripts[:] = kept


def setup(app) -> dict[str, Any]:
    # Late, so that scripts added for one page (myst-nb's widget viewer) are seen too.
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
