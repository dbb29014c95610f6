"""What a reader sees in a demo is typeset, readable and legible on a dark page (issues 9 and 10).

For every demo, at its defaults and at a few other settings, the figure text (titles, labels, tick labels,
legends, readouts), the alt text, the title and model line, the control labels and the option and static
slider labels hold no ASCII hyphen-minus before a number and no literal underscore outside mathtext. Every
figure text is at least `MIN_TEXT_PX` at display size, frames are never shown shrunk, and the PNG is opaque.
"""

from __future__ import annotations

import io
import json
import re

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.text import Text
from PIL import Image

from ipsplib.demos._base import ALL, MIN_TEXT_PX

DEMO_NAMES = sorted(ALL)
MANIFEST = re.compile(r'<script type="application/json" class="ipsp-demo-manifest">(.*?)</script>', re.S)
#: An ASCII hyphen-minus used as a minus sign: before a digit, not inside a word ("GABA-A", "1e-3" excluded
#: on purpose: an exponent is itself a fault for a reader and is caught as "e-").
ASCII_MINUS = re.compile(r"(?<![\w.])-\s?\d|\de[-+]\d")
MATH = re.compile(r"(?<!\\)\$.*?(?<!\\)\$")


def faults(text: str) -> list[str]:
    """The typographic faults in one text as a reader sees it (mathtext segments are typeset)."""
    shown = MATH.sub("", text)
    found = []
    if ASCII_MINUS.search(shown):
        found.append(f"ASCII minus in {text!r}")
    if "_" in shown:
        found.append(f"literal underscore in {text!r}")
    return found


def test_the_scan_catches_both_faults():
    assert faults("E_Cl = -70 mV") == ["ASCII minus in 'E_Cl = -70 mV'", "literal underscore in 'E_Cl = -70 mV'"]
    assert faults("1e+03 mM")
    assert not faults(r"$E_\mathrm{Cl}$ = −70 mV, GABA-A, (1−P) form")


def settings(d):
    """Defaults, every control at its min and max, and the other options of each choice."""
    yield {}
    for name, spec in d._specs.items():
        if spec.numeric:
            yield {name: spec.min}
            yield {name: spec.max}
        else:
            for _, value in spec.options:
                yield {name: value}


def figure_texts(d):
    d.blit = False  # a full draw creates every tick label
    d._encode()
    d.blit = True
    return [t for t in d.figure.findobj(Text) if t.get_visible() and t.get_text().strip()]


def widget_texts(root):
    stack = [root]
    while stack:
        w = stack.pop()
        stack.extend(getattr(w, "children", ()))
        if getattr(w, "description", ""):
            yield w.description
        if isinstance(w, (widgets.ToggleButtons, widgets.SelectionSlider, widgets.Dropdown)):
            yield from (o if isinstance(o, str) else o[0] for o in w.options)
        if isinstance(w, widgets.HTML):
            text = re.sub(r'src="data:[^"]*"', "", w.value)
            for block in MANIFEST.findall(text):  # a static demo: every frame's alt text and every readout
                data = json.loads(block)
                yield from data["alts"]
                for control in data["controls"]:
                    yield from control["readouts"] + control["valuetexts"]
            yield MANIFEST.sub("", text)


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_demo_text_is_typeset(name, monkeypatch):
    d = ALL[name]()
    problems = []
    for values in settings(d):
        d.update(**values)
        for t in figure_texts(d):
            problems += [f"{values}: figure text: {p}" for p in faults(t.get_text())]
        problems += [f"{values}: alt text: {p}" for p in faults(d.alt_text)]
    problems += [f"title/model: {p}" for p in faults(d.title) + faults(d.model)]
    for text in widget_texts(d.live_widget()):
        problems += [f"live widget: {p}" for p in faults(text)]
    monkeypatch.setenv("IPSP_BOOK_STATIC", "1")
    static = ALL[name]()
    for text in widget_texts(static.widget()):
        problems += [f"static widget: {p}" for p in faults(text)]
    assert not problems, f"{name}:\n  " + "\n  ".join(dict.fromkeys(problems))


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_demo_text_is_at_least_caption_size_and_frames_never_shrink(name):
    d = ALL[name]()
    small = {(t.get_text(), round(t.get_fontsize() * d.dpi / 72.0, 1)) for t in figure_texts(d)
             if t.get_fontsize() * d.dpi / 72.0 < MIN_TEXT_PX}
    assert not small, f"{name}: text below {MIN_TEXT_PX} px: {sorted(small)[:8]}"
    frame = d._img_html()
    width, _ = d._canvas.get_width_height()
    # shown at its own pixel width on any screen (a phone scrolls it sideways), so the sizes above hold there
    assert f"width:{width}px;max-width:none" in frame and "overflow-x:auto" in frame
    assert d.model.strip(), f"{name}: the demo does not state its model"


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_frames_are_opaque_with_a_white_background(name):
    """Legible on the site's dark theme: no transparent pixels, white around the axes."""
    image = Image.open(io.BytesIO(ALL[name]().png()))
    assert image.mode in ("P", "RGB") and "transparency" not in image.info
    pixels = np.asarray(image.convert("RGB"))
    for corner in (pixels[0, 0], pixels[0, -1], pixels[-1, 0], pixels[-1, -1]):
        assert tuple(corner) == (255, 255, 255)
