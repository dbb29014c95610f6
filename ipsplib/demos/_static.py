"""A demo on the static website: frames as image files, switched by native controls with no kernel.

At build time (``IPSP_BOOK_STATIC=1``) a demo renders a grid of frames over its static controls
(`Demo.static_frames`). This module turns them into what the page carries:

- each frame once, as a lossless WebP file named by its content (`frame_file`), written to the
  folder ``IPSP_FRAMES_DIR`` names. _ext/offline_site.py sets it for the book build and copies the
  files a page refers to next to the page, into ``_frames/``; the page loads a frame only when a
  control asks for it (and prefetches its neighbours once the reader touches the demo). Without
  ``IPSP_FRAMES_DIR`` (a notebook run outside the book build) the frames are inlined as data URLs;
- the demo's HTML (`demo_html`): a labelled ``<input type="range">`` per numeric control (its
  ``aria-valuetext`` speaks value and unit), a ``<fieldset>`` of radio buttons per choice, the
  default frame as an ``<img>`` with its alt text, and a JSON manifest of every frame's file and alt
  text. _ext/offline_site_static/ipsp-demos.js (a few KB) switches frames; with no script the page
  still shows the default frame. No widget manager is needed on the page.

Examples
--------
>>> png = frame_file(bytes(8))  # any bytes: the name depends on the content only
>>> png == frame_file(bytes(8)), png.endswith(".webp"), len(png)
(True, True, 25)
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path

from PIL import Image as PILImage

#: Environment variable naming the folder the build collects frame files in (set by _ext/offline_site.py).
FRAMES_ENV = "IPSP_FRAMES_DIR"
#: Where a page finds its frames, relative to the page.
FRAMES_URL = "_frames/"


def frame_bytes(png: bytes) -> bytes:
    """The frame as the website serves it: lossless WebP of the palette PNG (same pixels, ~30 % smaller).

    Deterministic for one Pillow/libwebp build; the site tests compare what the browser shows with this.
    """
    buffer = io.BytesIO()
    with PILImage.open(io.BytesIO(png)) as image:
        image.save(buffer, format="WEBP", lossless=True, quality=80, method=4)
    return buffer.getvalue()


def frame_file(data: bytes) -> str:
    """File name of a frame: 20 hex digits of its SHA-256 and ``.webp`` (identical frames share a file)."""
    return hashlib.sha256(data).hexdigest()[:20] + ".webp"


def frame_src(png: bytes) -> str:
    """The ``src`` of a frame: ``_frames/<hash>.webp`` (file written to ``IPSP_FRAMES_DIR``), else a data URL."""
    data = frame_bytes(png)
    folder = os.environ.get(FRAMES_ENV, "")
    if not folder:
        return "data:image/webp;base64," + base64.b64encode(data).decode("ascii")
    path = Path(folder) / frame_file(data)
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return FRAMES_URL + path.name


def img_tag(src: str, alt: str, width_px: int, height_px: int) -> str:
    """A frame: ``<img>`` with alt text, never shown narrower than its pixels (a phone scrolls it sideways)."""
    return (f'<div class="ipsp-demo-frame" style="overflow-x:auto;max-width:100%;background:#fff">'
            f'<img alt="{html.escape(alt, quote=True)}" width="{width_px}" height="{height_px}" '
            f'style="width:{width_px}px;max-width:none;height:auto;display:block" '
            f'src="{html.escape(src, quote=True)}"></div>')


def _unit(label: str) -> str:
    """The unit in a control's label, "[Cl⁻]ᵢ (mM)" -> "mM" ("" when it names none or a count)."""
    if not label.endswith(")") or "(" not in label:
        return ""
    unit = label[label.rfind("(") + 1:-1].strip()
    return "" if unit in ("count", "ratio") or unit.startswith(("×", "charge")) else unit


def value_text(readout: str, label: str) -> str:
    """What a screen reader speaks for a slider position: the readout with the label's unit ("7 mM")."""
    unit = _unit(label)
    return f"{readout} {unit}" if unit else readout


def demo_html(key: str, title_html: str, note: str, controls: Sequence[dict], frames: Sequence[tuple[str, str]],
              start: Sequence[int], width_px: int, height_px: int) -> str:
    """The static demo: controls, the frame at ``start``, and the manifest ipsp-demos.js switches frames with.

    Parameters
    ----------
    key : str
        Unique on the page; prefixes the controls' ids.
    title_html, note : str
        The title block (HTML) and the note on controls held fixed (plain text, "" for none).
    controls : sequence of dict
        Per static control, outermost first: ``name``, ``label``, ``numeric``, ``values`` (what ipsplib
        takes) and ``readouts`` (what the reader sees), one per grid point.
    frames : sequence of (src, alt)
        Every grid point's frame, first control outermost (row-major over the controls' grids).
    start : sequence of int
        Grid index of each control at the demo's current values.
    """
    parts = [f'<div class="ipsp-demo ipsp-demo-static" id="{key}">', title_html]
    if note:
        parts.append(f'<p class="ipsp-demo-note"><em>{html.escape(note)}</em></p>')
    for axis, control in enumerate(controls):
        cid = f"{key}-c{axis}"
        label = html.escape(control["label"])
        if control["numeric"]:
            readout = control["readouts"][start[axis]]
            parts.append(
                f'<div class="ipsp-demo-slider"><label for="{cid}">{label}</label>'
                f'<input type="range" id="{cid}" min="0" max="{len(control["values"]) - 1}" step="1" '
                f'value="{start[axis]}" data-ipsp-axis="{axis}" '
                f'aria-valuetext="{html.escape(value_text(readout, control["label"]), quote=True)}">'
                f'<output for="{cid}" aria-hidden="true">{html.escape(readout)}</output></div>')
        else:
            buttons = "".join(
                f'<label><input type="radio" name="{cid}" value="{i}" data-ipsp-axis="{axis}"'
                f'{" checked" if i == start[axis] else ""}> {html.escape(text)}</label>'
                for i, text in enumerate(control["readouts"]))
            parts.append(f'<fieldset class="ipsp-demo-choice"><legend>{label}</legend>{buttons}</fieldset>')
    shape = [len(c["values"]) for c in controls]
    index = 0
    for axis, n in enumerate(shape):
        index = index * n + start[axis]
    src, alt = frames[index]
    parts.append(img_tag(src, alt, width_px, height_px))
    manifest = {"shape": shape, "frames": [s for s, _ in frames], "alts": [a for _, a in frames],
                "controls": [{"name": c["name"], "values": list(c["values"]), "readouts": list(c["readouts"]),
                              "valuetexts": [value_text(r, c["label"]) for r in c["readouts"]]}
                             for c in controls]}
    # "</" cannot end the script early: json.dumps escapes no "/", so "<\/" is written for it
    body = json.dumps(manifest, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    parts.append(f'<script type="application/json" class="ipsp-demo-manifest">{body}</script></div>')
    return "".join(parts)
