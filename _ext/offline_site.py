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

5. Static demos (ipsplib/demos/_static.py) write their frames as files into a
   staging folder (``IPSP_FRAMES_DIR``, set here for the notebooks' kernels);
   each page gets the frames it refers to next to it, in ``_frames/``.
   ``offline_site_static/ipsp-demos.js`` and ``ipsp-demos.css`` switch them.
6. Page weight: the theme's 1.5 MB ``fontawesome.js`` (it turns ``<i>`` icons
   into SVG) is dropped from every page; the theme's CSS already draws the
   same icons from the Font Awesome webfonts, which are subset at the end of
   the build to the glyphs the site uses (``ipsp-fa.css`` points at them).

The theme's "Got invalid theme mode" error is fixed in _config.yml
(``html_context: {default_mode: light}``).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from docutils import nodes

STATIC = Path(__file__).with_name("offline_site_static")
#: Same as ipsplib.demos._static.FRAMES_ENV / FRAMES_URL (the extension does not import ipsplib).
FRAMES_ENV = "IPSP_FRAMES_DIR"
FRAME_REF = re.compile(r"_frames/([0-9a-f]{20}\.webp)")
FONTAWESOME_SCRIPT = re.compile(r'[ \t]*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>\n?')
FA_WEBFONTS = "_static/vendor/fontawesome/webfonts"
FA_SUBSET = "_static/ipsp-fa"


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


def frames_dir(app) -> Path:
    """Where the notebooks' kernels write demo frames during this build."""
    return Path(os.environ[FRAMES_ENV])


def _copy_frames(app, pagename, templatename, context, doctree) -> None:
    """Put the frame files a page refers to next to it (``<page folder>/_frames/``)."""
    names = set(FRAME_REF.findall(context.get("body") or ""))
    if not names:
        return
    target = Path(app.outdir) / Path(pagename).parent / "_frames"
    target.mkdir(parents=True, exist_ok=True)
    missing = []
    for name in sorted(names):
        source = frames_dir(app) / name
        if not source.is_file():
            missing.append(name)
        elif not (target / name).is_file():
            shutil.copyfile(source, target / name)
    if missing:
        raise RuntimeError(f"{pagename}: demo frames missing from {frames_dir(app)}: {missing[:3]} ...")


_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
# a glyph in a style sheet: an escape ("\\f135") or the private-use character itself
_CODEPOINT = re.compile(r'\\([ef][0-9a-f]{3})\b|([\ue000-\uf8ff])')
_ICON_SELECTOR = re.compile(r"\.(fa-[a-z0-9-]+)::?(?:before|after)")


def icon_codepoints(css: str) -> tuple[dict[str, set[int]], set[int]]:
    """From a style sheet: Font Awesome class -> its glyph codepoints (``.fa-rocket:before{content:"\\f135"}``),
    and the codepoints other rules use (the theme's admonition and link icons)."""
    by_class: dict[str, set[int]] = {}
    always: set[int] = set()
    for selectors, body in _RULE.findall(css):
        points = {int(hexa, 16) if hexa else ord(char) for hexa, char in _CODEPOINT.findall(body)}
        if not points:
            continue
        parts = [p.strip() for p in selectors.split(",")]
        if all(_ICON_SELECTOR.fullmatch(p) for p in parts):
            for p in parts:
                by_class.setdefault(_ICON_SELECTOR.fullmatch(p).group(1), set()).update(points)
        else:
            always |= points
    return by_class, always


def subset_fontawesome(outdir: Path) -> int:
    """Subset the theme's Font Awesome webfonts to the glyphs the built site uses; return the glyph count.

    Used: the ``fa-*`` classes in the site's HTML and scripts, and every codepoint the style sheets use
    outside the Font Awesome icon classes. The subsets (WOFF) are declared after the theme's fonts in
    ``ipsp-fa.css``, so they replace them.
    """
    from fontTools import subset

    static = outdir / "_static"
    by_class, always = {}, set()
    for css in static.rglob("*.css"):
        found, other = icon_codepoints(css.read_text(encoding="utf-8", errors="replace"))
        by_class.update(found)
        always |= other
    used = set(always)
    texts = [p for p in outdir.rglob("*.html")] + [p for p in static.rglob("*.js") if "vendor" not in p.parts]
    names = set()
    for path in texts:
        names |= set(re.findall(r"\bfa-[a-z0-9-]+", path.read_text(encoding="utf-8", errors="replace")))
    for name in names:
        used |= by_class.get(name, set())
    target = outdir / FA_SUBSET
    target.mkdir(parents=True, exist_ok=True)
    for font in sorted((outdir / FA_WEBFONTS).glob("*.ttf")):  # the TTFs: reading WOFF2 needs brotli
        options = subset.Options()
        options.flavor = "woff"
        options.layout_features = ["*"]
        loaded = subset.load_font(str(font), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(used))
        subsetter.subset(loaded)
        subset.save_font(loaded, str(target / font.with_suffix(".woff").name), options)
    return len(used)


def _lighten_pages(app, exception) -> None:
    """Drop fontawesome.js from every page, and subset the icon fonts to what the pages use."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for page in outdir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        lighter = FONTAWESOME_SCRIPT.sub("", text)
        if lighter != text:
            page.write_text(lighter, encoding="utf-8")
    if (outdir / FA_WEBFONTS).is_dir():
        subset_fontawesome(outdir)


def setup(app):
    os.environ.setdefault(FRAMES_ENV, str(Path(app.outdir).parent / "ipsp-frames"))
    app.connect("config-inited", _add_static_path, priority=900)
    app.add_js_file("ipsp-a11y.js", loading_method="defer")
    app.add_css_file("ipsp-a11y.css")
    app.add_js_file("ipsp-demos.js", loading_method="defer")
    app.add_css_file("ipsp-demos.css")
    app.add_css_file("ipsp-fa.css")
    app.connect("html-page-context", _copy_frames)
    app.connect("build-finished", _lighten_pages)
    # Run after every other handler has added its scripts to the page.
    app.connect("html-page-context", _dedupe_scripts, priority=1000)
    app.connect("doctree-resolved", _bibliography_scripts)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
