"""The static website's demos without a browser (ipsplib/demos/_static.py and Demo.static_html).

In static mode (``IPSP_BOOK_STATIC=1``) a demo makes no widget at all (their state would put the widget
manager on the page), and displays as HTML: one labelled range input per numeric static control, one
radio group per choice, the default frame, and a manifest whose frames are exactly what ipsplib renders
at each grid point, row-major over the controls. Frames are files in ``IPSP_FRAMES_DIR`` when it is set.
The browser side is in tests/test_site.py and tests/test_demos_site.py.
"""

from __future__ import annotations

import base64
import html
import json
import math
import re

import ipywidgets.widgets.widget as widget_module
import pytest
from test_demos import DEMO_NAMES, Toy, toy

from ipsplib.demos import _static
from ipsplib.demos._base import ALL, Control, StaticValue

MANIFEST = re.compile(r'<script type="application/json" class="ipsp-demo-manifest">(.*?)</script>', re.S)
IMG = re.compile(r'<img alt="([^"]*)"[^>]* src="([^"]*)"')


def manifest(page: str) -> dict:
    return json.loads(MANIFEST.search(page).group(1).replace("<\\/", "</"))


def src_bytes(src: str, folder=None) -> bytes:
    if src.startswith("data:image/webp;base64,"):
        return base64.b64decode(src.split(",", 1)[1])
    assert src.startswith(_static.FRAMES_URL) and folder is not None, src
    return (folder / src[len(_static.FRAMES_URL):]).read_bytes()


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_static_demo_is_html_with_the_frames_ipsplib_renders(name, monkeypatch, tmp_path):
    monkeypatch.setenv("IPSP_BOOK_STATIC", "1")
    monkeypatch.setenv(_static.FRAMES_ENV, str(tmp_path))
    before = len(widget_module._instances)
    d = ALL[name]()
    assert all(isinstance(c, StaticValue) for c in d.controls.values())
    bundle = d._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" not in bundle
    assert len(widget_module._instances) == before, "static mode made widgets"
    page = bundle["text/html"]
    assert len(d.static) >= min(3, len(d.controls)), f"{name}: fewer than min(3, controls) move on the site"
    m = manifest(page)
    grids = d.static_grids()
    assert [c["name"] for c in m["controls"]] == list(grids) == list(d.static)
    assert m["shape"] == [len(g) for g in grids.values()]
    assert len(m["frames"]) == len(m["alts"]) == math.prod(m["shape"])
    # one labelled control per static control: a range input for a number, a radio group for a choice
    for axis, control_name in enumerate(grids):
        spec = d._specs[control_name]
        if spec.numeric:
            cid = re.search(rf'<input type="range" id="([^"]+)" min="0" max="{len(grids[control_name]) - 1}" '
                            rf'step="1" value="\d+" data-ipsp-axis="{axis}" aria-valuetext="[^"]+">', page).group(1)
            assert f'<label for="{cid}">{html.escape(spec.label)}</label>' in page
        else:
            assert f"<legend>{html.escape(spec.label)}</legend>" in page
            assert page.count(f'data-ipsp-axis="{axis}"') == len(spec.options)
    # frames: files written once, alt texts distinct, each the demo's own render at its grid point
    assert len(set(m["alts"])) == len(m["alts"]), "two static frames share alt text"
    assert all(src.startswith(_static.FRAMES_URL) for src in m["frames"])
    assert {p.name for p in tmp_path.iterdir()} == {s[len(_static.FRAMES_URL):] for s in m["frames"]}
    start_alt, start_src = IMG.search(page).groups()
    assert start_src in m["frames"] and html.unescape(start_alt) == m["alts"][m["frames"].index(start_src)]
    defaults = dict(d.values)
    monkeypatch.delenv("IPSP_BOOK_STATIC")
    live = ALL[name]()
    for k in sorted({0, len(m["frames"]) // 2, len(m["frames"]) - 1}):
        position, rest = [], k
        for n in reversed(m["shape"]):
            position.insert(0, rest % n)
            rest //= n
        values = {c["name"]: c["values"][p] for c, p in zip(m["controls"], position, strict=True)}
        live.update(**{**defaults, **values})
        assert src_bytes(m["frames"][k], tmp_path) == _static.frame_bytes(live.png()), (name, values)
        assert m["alts"][k] == live.alt_text
    # the note names the controls that do not move on the website
    fixed = [n for n in d.controls if n not in grids]
    assert ("run the notebook" in page) == bool(fixed)
    for n in fixed:
        assert html.escape(d._specs[n].label) in page


def test_three_static_controls_are_row_major_and_inline_without_a_frames_folder(monkeypatch):
    monkeypatch.setenv("IPSP_BOOK_STATIC", "1")
    monkeypatch.delenv(_static.FRAMES_ENV, raising=False)
    d = toy(static=("a_mV", "b_mV", "kind"))
    m = manifest(d.static_html())
    a_grid, b_grid, kind_grid = d.static_grids().values()
    assert m["shape"] == [len(a_grid), len(b_grid), len(kind_grid)]
    k = (a_grid.index(5.0) * len(b_grid) + b_grid.index(2.0)) * len(kind_grid) + kind_grid.index("down")
    assert m["alts"][k] == "A line from 2.0 mV to -5.0 mV."  # the toy's own alt text
    assert m["frames"][k].startswith("data:image/webp;base64,")
    assert m["controls"][2]["readouts"] == ["up", "down"] and m["controls"][0]["valuetexts"][0] == "−5.0 mV"
    assert "run the notebook" not in d.static_html()  # every control moves


def test_print_edition_shows_only_the_default_frame(monkeypatch):
    monkeypatch.setenv("IPSP_BOOK_STATIC", "print")
    d = toy(static=("a_mV", "kind"))
    page = d.static_html()
    assert d.frames_rendered <= 2 and "ipsp-demo-manifest" not in page and "<input" not in page
    assert page.count("<img") == 1 and "ipsp-demo-static" in page and "data:image/png;base64," in page


def test_ids_differ_between_demos_and_value_text_speaks_the_unit(monkeypatch):
    monkeypatch.setenv("IPSP_BOOK_STATIC", "1")
    ids = {re.search(r'id="(ipsp-demo-\d+)"', toy().static_html()).group(1) for _ in range(3)}
    assert len(ids) == 3
    assert _static.value_text("7", "[Cl⁻]ᵢ (mM)") == "7 mM"
    assert _static.value_text("5", "Number of inputs (count)") == "5"
    assert _static.value_text("0.5", "Time constants (× receptor default)") == "0.5"


def test_a_manifest_cannot_end_its_script_early(monkeypatch):
    monkeypatch.setenv("IPSP_BOOK_STATIC", "1")

    class Sneaky(Toy):
        def render(self, a_mV):
            self.artists["line"].set_ydata([0.0, a_mV])
            return f"</script><b>{a_mV}</b>"

    d = Sneaky(controls=[Control("a_mV", "a (mV)", min=0.0, max=1.0, step=0.5, value=0.0)], static=("a_mV",))
    page = d.static_html()
    assert page.count("</script>") == 1 and manifest(page)["alts"][0] == "</script><b>0.0</b>"
