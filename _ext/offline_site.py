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

4. BibTeX titles write sub- and superscripts as TeX (``{GABA$_A$}``,
   ``{HCO$_3^-$}``), which pybtex passes through as raw text; in the
   bibliography they become <sub>/<sup> (a "-" becomes a minus sign).

The theme's "Got invalid theme mode" error is fixed in _config.yml
(``html_context: {default_mode: light}``).
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes

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


# "$_A$", "$^-$", "$_3^-$", "$^{2+}$": one or more sub/superscripts between
# dollars. An unbraced script runs to the next _, ^ or $, because pybtex drops
# the braces of "$^{2+}$" and passes "$^2+$".
_SCRIPTS = re.compile(r"\$((?:[_^](?:\{[^{}$]*\}|[^{}$\s_^]+))+)\$")
_SCRIPT = re.compile(r"([_^])(?:\{([^{}$]*)\}|([^{}$\s_^]+))")


def _is_plain(node: nodes.Node) -> bool:
    """Text, or an inline node (pybtex's case-protecting {...} span) holding only text."""
    return isinstance(node, nodes.Text) or (
        isinstance(node, nodes.inline) and all(isinstance(c, nodes.Text) for c in node.children))


def _with_scripts(source: str) -> list[nodes.Node]:
    """``source`` as text nodes with its $_x$ / $^x$ groups as subscript/superscript nodes."""
    parts: list[nodes.Node] = []
    pos = 0
    for match in _SCRIPTS.finditer(source):
        if match.start() > pos:
            parts.append(nodes.Text(source[pos:match.start()]))
        for script in _SCRIPT.finditer(match.group(1)):
            content = script.group(2) if script.group(2) is not None else script.group(3)
            node = nodes.subscript if script.group(1) == "_" else nodes.superscript
            parts.append(node("", content.replace("-", "\u2212")))
        pos = match.end()
    if pos < len(source):
        parts.append(nodes.Text(source[pos:]))
    return parts


def _bibliography_scripts(app, doctree, docname) -> None:
    """Turn TeX sub/superscripts in bibliography entries into subscript/superscript nodes.

    pybtex splits "{Mg}$^{2+}$" into several nodes ("Mg" protected, "$^", "2+"
    protected, "$"), so each run of adjacent text-only nodes is joined first;
    a run with a script is replaced (its case-protecting spans have no style).
    """
    for citation in doctree.findall(nodes.citation):
        for parent in list(citation.findall(nodes.Element)):
            children = list(parent.children)
            i = 0
            while i < len(children):
                if not _is_plain(children[i]):
                    i += 1
                    continue
                j = i
                while j < len(children) and _is_plain(children[j]):
                    j += 1
                run = children[i:j]
                text = "".join(n.astext() for n in run)
                if _SCRIPTS.search(text):
                    index = parent.index(run[0])
                    for n in run:
                        parent.remove(n)
                    for k, n in enumerate(_with_scripts(text)):
                        parent.insert(index + k, n)
                i = j


def setup(app):
    app.connect("config-inited", _add_static_path, priority=900)
    app.add_js_file("ipsp-a11y.js", loading_method="defer")
    app.add_css_file("ipsp-a11y.css")
    # Run after every other handler has added its scripts to the page.
    app.connect("html-page-context", _dedupe_scripts, priority=1000)
    app.connect("doctree-resolved", _bibliography_scripts)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
