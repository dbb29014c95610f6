"""_ext/offline_site.py: the build-time fixes, checked without building a book."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

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
