"""Sphinx extension: make the built book work offline, without console errors.

Jupyter Book 1.0.4 / Sphinx 7.4 / sphinx-book-theme 1.3 pages served with the
vendored widget scripts (tools/vendor_assets.py) have a few defects; this
extension fixes each one, and nothing else:

1. sphinx-thebe's and sphinx-togglebutton's inline scripts are emitted twice
   ("Identifier 'THEBE_JS_URL' has already been declared"): the page's script
   list is de-duplicated (first occurrence kept).
2. ``offline_site_static/ipsp-widgets-config.js`` (listed in
   ``nb_ipywidgets_js`` between require.js and embed-amd.js) points the
   widget bundle's font files at the vendored copy and shims the MathJax 2
   ``MathJax.Hub.Queue`` call of @jupyter-widgets/base onto MathJax 3.
3. ``offline_site_static/ipsp-a11y.js`` and ``ipsp-a11y.css`` (every page)
   fix the theme's axe-core failures (names of buttons and toggles, landmark
   of the logo, bibliography roles, link contrast on tinted boxes) and name
   the widget slider handles after their labels.

The theme's "Got invalid theme mode" error is fixed in _config.yml
(``html_context: {default_mode: light}``).
"""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).with_name("offline_site_static")


def _add_static_path(app, config) -> None:
    """Serve this extension's JS next to the vendored assets in _static/."""
    config.html_static_path.append(str(STATIC))
    # Jupyter Book adds every .js found under html_static_path to every page
    # when the book has a root _static/ folder; vendored scripts must load only
    # where they are needed (widget pages, MathJax), so drop them from that list.
    config.html_js_files = [
        js for js in config.html_js_files
        if not (js[0] if isinstance(js, tuple) else js).startswith("vendor/")
    ]


def _dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    """Remove repeated <script> entries (same src or same inline body) from a page.

    The repeats differ only in ``filename`` being None or "" for inline
    scripts, so that is normalised before comparing.
    """
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set = set()
    unique = []
    for js in scripts:
        attrs = getattr(js, "attributes", {})
        filename = str(getattr(js, "filename", js) or "")
        key = (filename, tuple(sorted((k, str(v)) for k, v in attrs.items() if k != "priority")))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    scripts[:] = unique


def setup(app):
    app.connect("config-inited", _add_static_path, priority=900)
    app.add_js_file("ipsp-a11y.js", loading_method="defer")
    app.add_css_file("ipsp-a11y.css")
    # Run after every other handler has added its scripts to the page.
    app.connect("html-page-context", _dedupe_scripts, priority=1000)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
