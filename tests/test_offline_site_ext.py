"""_ext/offline_site.py: the build-time fixes, checked without building a book."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from docutils import nodes

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "_ext"))
import offline_site  # noqa: E402


def _render(parts):
    out = []
    for p in parts:
        if isinstance(p, nodes.subscript):
            out.append(f"<sub>{p.astext()}</sub>")
        elif isinstance(p, nodes.superscript):
            out.append(f"<sup>{p.astext()}</sup>")
        else:
            out.append(p.astext())
    return "".join(out)


def test_tex_scripts_in_titles_become_sub_and_superscripts():
    assert _render(offline_site._with_scripts("GABA$_A$ receptors")) == "GABA<sub>A</sub> receptors"
    assert _render(offline_site._with_scripts("HCO$_3^-$, Cl$^-$")) == "HCO<sub>3</sub><sup>−</sup>, Cl<sup>−</sup>"
    assert _render(offline_site._with_scripts("Mg$^{2+}$; Mg$^2+$")) == "Mg<sup>2+</sup>; Mg<sup>2+</sup>"
    assert _render(offline_site._with_scripts("costs $5 and $6")) == "costs $5 and $6"  # not TeX: untouched


def test_scripts_split_across_pybtex_nodes_are_joined():
    # pybtex turns "{Mg}$^{2+}$ block" into: protected "Mg", "$^", protected "2+", "$ block"
    para = nodes.paragraph("", "", nodes.inline("", "Mg"), nodes.Text("$^"), nodes.inline("", "2+"),
                           nodes.Text("$ block "), nodes.emphasis("", "Nature"))
    doc = nodes.document(None, None)
    doc += nodes.citation("", para)
    offline_site._bibliography_scripts(None, doc, "bibliography")
    assert _render(para.children) == "Mg<sup>2+</sup> block Nature"
    assert isinstance(para.children[-1], nodes.emphasis)  # formatting outside the run is kept


def test_repeated_scripts_are_removed_from_a_page():
    js = SimpleNamespace
    scripts = [js(filename="a.js", attributes={}), js(filename=None, attributes={"body": "const X = 1;"}),
               js(filename="", attributes={"body": "const X = 1;"}), js(filename="a.js", attributes={"priority": 9}),
               js(filename="b.js", attributes={})]
    context = {"script_files": scripts}
    offline_site._dedupe_scripts(None, "p", "page.html", context, None)
    assert [(s.filename, s.attributes.get("body")) for s in context["script_files"]] == [
        ("a.js", None), (None, "const X = 1;"), ("b.js", None)]


def test_icon_codepoints_split_icon_classes_from_other_rules():
    css = ('.fa-rocket:before{content:"\\f135"}.fa-a:before,.fa-b::after{content:"\\f001"}'
           '.note>.title:after{content:var(--i)}html{--pst-icon-info:"\uf05a";--x:"\\e0a1"}p{color:red}')
    by_class, always = offline_site.icon_codepoints(css)
    assert by_class == {"fa-rocket": {0xF135}, "fa-a": {0xF001}, "fa-b": {0xF001}}
    assert always == {0xF05A, 0xE0A1}


def test_fontawesome_script_is_dropped_and_nothing_else():
    page = ('<head>\n  <script defer src="../_static/scripts/fontawesome.js?digest=55c26"></script>\n'
            '  <script defer src="../_static/scripts/bootstrap.js?digest=55c26"></script>\n</head>')
    assert offline_site.FONTAWESOME_SCRIPT.sub("", page) == (
        '<head>\n  <script defer src="../_static/scripts/bootstrap.js?digest=55c26"></script>\n</head>')


def test_frames_a_page_refers_to_are_copied_next_to_it(tmp_path, monkeypatch):
    staging = tmp_path / "staging"
    staging.mkdir()
    name = "0123456789abcdef0123.webp"
    (staging / name).write_bytes(b"RIFF")
    (staging / ("f" * 20 + ".webp")).write_bytes(b"unused")
    monkeypatch.setenv(offline_site.FRAMES_ENV, str(staging))
    app = SimpleNamespace(outdir=str(tmp_path / "html"))
    body = f'<img src="_frames/{name}"><script>{{"frames":["_frames/{name}"]}}</script>'
    offline_site._copy_frames(app, "chapters/01-ions", "page.html", {"body": body}, None)
    assert [p.name for p in (tmp_path / "html" / "chapters" / "_frames").iterdir()] == [name]
    missing = body.replace(name, "9" * 20 + ".webp")
    with pytest.raises(RuntimeError, match="demo frames missing"):
        offline_site._copy_frames(app, "chapters/02-epsps", "page.html", {"body": missing}, None)
