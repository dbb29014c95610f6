"""What a reader sees on the built site is typeset: no ASCII hyphen as a minus sign, no literal underscore.

DESIGN.md: "never a literal underscore or an ASCII hyphen used as a minus sign
outside code". This scans every page of ``_build/html`` (run ``make book``
first) as a reader meets it: the prose, tables, captions and headings; the
attributes that are read aloud (``alt``, ``title``, ``aria-label``,
``aria-valuetext``); and the demos' embedded widget state (slider labels and
option labels, and the HTML of every static frame, whose ``alt`` text
describes the frame). Code (``pre``, ``code``), maths (MathJax source) and
URLs are not prose and are skipped. The scanner itself is tested on small
snippets, so a planted "-70 mV" or "E_Cl" is known to fail the site test.
"""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"

# An ASCII hyphen-minus directly before a number, not joined to a word or a number before it
# ("−70" is right; "-70", "(-70" and " -0.5" are not; "4-7", "CA3-5" and "amino-3-hydroxy" are not minus signs).
MINUS_AS_HYPHEN = re.compile(r"(?<![\w.\-−–/])-(?=\.?\d)")
# Any literal underscore: in prose, captions and labels it is a subscript or a variable name that leaked.
UNDERSCORE = re.compile(r"\S*_\S*")
URL = re.compile(r"(?:https?://|www\.|doi:)\S+")

SKIPPED_TAGS = {"script", "style", "pre", "code", "kbd", "samp", "tt", "svg", "math", "textarea"}
SKIPPED_CLASSES = {"math", "highlight", "cell_input", "MathJax", "headerlink"}
READ_ALOUD = ("alt", "title", "aria-label", "aria-valuetext")
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
WIDGET_STATE = re.compile(r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>', re.S)
# widget-state keys whose strings a reader sees or hears; "value" only for the HTML-bearing models
WIDGET_TEXT_KEYS = ("description", "tooltip", "_options_labels", "readout_format_text")
WIDGET_HTML_MODELS = {"HTMLModel", "HTMLMathModel", "LabelModel"}
TEX = re.compile(r"\\\(.*?\\\)|\\\[.*?\\\]|\$\$.*?\$\$", re.S)

class _TextExtractor(HTMLParser):
    """Collects (where, text) pairs a reader sees or hears, skipping code, maths and scripts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []
        self._stack = []  # one bool per open element: does it (or an ancestor) hide its text?

    def _hidden(self):
        return bool(self._stack) and self._stack[-1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        hidden = self._hidden() or tag in SKIPPED_TAGS or bool(classes & SKIPPED_CLASSES)
        for name in READ_ALOUD:
            if attrs.get(name) and tag not in {"script", "style"}:
                self.found.append((f"{tag}[{name}]", attrs[name]))
        if tag not in VOID_TAGS:
            self._stack.append(hidden)

    def handle_startendtag(self, tag, attrs):
        for name in READ_ALOUD:
            value = dict(attrs).get(name)
            if value:
                self.found.append((f"{tag}[{name}]", value))

    def handle_endtag(self, tag):
        if tag not in VOID_TAGS and self._stack:
            self._stack.pop()

    def handle_data(self, data):
        if not self._hidden() and data.strip():
            self.found.append(("text", data))


def _texts_of_html(html):
    parser = _TextExtractor()
    parser.feed(WIDGET_STATE.sub("", html))
    parser.close()
    return parser.found


def _texts_of_widget_state(html):
    found = []
    for block in WIDGET_STATE.findall(html):
        for model in json.loads(block).get("state", {}).values():
            state, name = model.get("state", {}), model.get("model_name", "")
            for key in WIDGET_TEXT_KEYS:
                values = state.get(key)
                for value in values if isinstance(values, list) else [values]:
                    if isinstance(value, str) and value.strip():
                        found.append((f"widget {name}.{key}", value))
            if name in WIDGET_HTML_MODELS and isinstance(state.get("value"), str):
                found += [(f"widget {name}.value {where}", text) for where, text in _texts_of_html(state["value"])]
    return found


DEMO_MANIFEST = re.compile(r'<script type="application/json" class="ipsp-demo-manifest">(.*?)</script>', re.S)


def _texts_of_demo_manifests(html):
    """The static demos' texts that the page script shows: each frame's alt text and each control's readouts."""
    found = []
    for block in DEMO_MANIFEST.findall(html):
        manifest = json.loads(block)
        found += [("demo frame alt", alt) for alt in manifest.get("alts", [])]
        for control in manifest.get("controls", []):
            found += [(f"demo readout of {control.get('name')}", r) for r in control.get("readouts", [])]
    return found


def faults_in(html):
    """Typographic faults in one page: a list of (where, kind, offending text)."""
    faults = []
    for where, text in _texts_of_html(html) + _texts_of_widget_state(html) + _texts_of_demo_manifests(html):
        text = URL.sub(" ", TEX.sub(" ", text))
        for match in MINUS_AS_HYPHEN.finditer(text):
            faults.append((where, "hyphen as minus", text[max(match.start() - 12, 0) : match.end() + 6]))
        for match in UNDERSCORE.finditer(text):
            faults.append((where, "underscore", match.group()))
    return faults


# --- the scanner itself ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<p>The cell rests at -70 mV.</p>",
        "<p>a driving force of (-10 mV)</p>",
        "<td>-0.5</td>",
        '<figure><img src="f.png" alt="rest at -70 mV"></figure>',
        '<div aria-valuetext="-60 mV"></div>',
        "<figcaption><p>A shift of -3.2 mV</p></figcaption>",
    ],
)
def test_scanner_finds_a_hyphen_used_as_minus(html):
    assert [f[1] for f in faults_in(html)] == ["hyphen as minus"]


@pytest.mark.parametrize(
    "html",
    [
        "<h2>E_Cl and the driving force</h2>",
        "<p>the GABA_A receptor</p>",
        '<img alt="the line marks E_Cl">',
        "<p>P_HCO3/P_Cl is 0.2</p>",
    ],
)
def test_scanner_finds_a_literal_underscore(html):
    assert [f[1] for f in faults_in(html)] == ["underscore"]


@pytest.mark.parametrize(
    "html",
    [
        "<p>The cell rests at −70 mV; E<sub>Cl</sub> is −78.1 mV.</p>",
        "<p>[Cl⁻]ᵢ of 4–7 mM, 1 : 0.04 : 0.45, α-amino-3-hydroxy-5-methyl, CA3-5, 2024-01-02</p>",
        "<pre>E_Cl = -78.1 mV</pre>",
        "<p>call <code>ip.nernst(c_out_mM=-5)</code> here</p>",
        '<p>maths <span class="math notranslate nohighlight">\\(E_\\text{Cl} = -78\\)</span> done</p>',
        "<p>maths \\(V - E_\\text{K}\\) inline</p>",
        '<div class="highlight"><span>x_y = -1</span></div>',
        '<p>see <a href="https://doi.org/10.1113/jphysiol.1955.sp005412">https://doi.org/10.1113/jp_1955</a></p>',
        "<script>var a_b = -1;</script>",
        "<p>a hyphen - between words, and ranges 10 - 20</p>",
    ],
)
def test_scanner_passes_typeset_text_code_and_maths(html):
    assert faults_in(html) == []


def test_scanner_reads_the_static_demos_alt_texts_and_readouts():
    manifest = {"frames": ["a.webp", "b.webp"], "alts": ["rest at −70 mV", "E_Cl at -80 mV"],
                "controls": [{"name": "v_mV", "values": [-1.0], "readouts": ["-1"]}]}
    html = f'<script type="application/json" class="ipsp-demo-manifest">{json.dumps(manifest)}</script>'
    assert sorted(kind for _, kind, _ in faults_in(html)) == ["hyphen as minus", "hyphen as minus", "underscore"]


def test_scanner_reads_widget_labels_and_frame_alt_text():
    state = {
        "state": {
            "a": {
                "model_name": "SelectionSliderModel",
                "state": {"description": "E_Cl (mV)", "_options_labels": ["−5"]},
            },
            "b": {"model_name": "HTMLModel", "state": {"value": '<img alt="the IPSP reverses at -70 mV" src="x">'}},
            "c": {"model_name": "FloatSliderModel", "state": {"description": "[Cl⁻]ᵢ (mM)", "_options_labels": ["-5"]}},
        }
    }
    html = f'<script type="application/vnd.jupyter.widget-state+json">{json.dumps(state)}</script>'
    kinds = sorted((where.split()[1].split(".")[0], kind) for where, kind, _ in faults_in(html))
    assert kinds == [
        ("FloatSliderModel", "hyphen as minus"),
        ("HTMLModel", "hyphen as minus"),
        ("SelectionSliderModel", "underscore"),
    ]


# --- the built site ---------------------------------------------------------------------------


def _pages():
    if not (SITE / "index.html").exists():
        pytest.skip("the site is not built: run `make book` first (make test does)")
    return [
        p
        for p in sorted(SITE.glob("**/*.html"))
        if "_static" not in p.parts and p.name not in {"genindex.html", "search.html"}
    ]


def test_the_scanner_sees_the_pages_it_checks():
    # guards against a scan that passes because it reads nothing
    pages = _pages()
    assert len(pages) >= 8
    chloride = (SITE / "chapters" / "04-chloride.html").read_text(encoding="utf-8")
    texts = _texts_of_html(chloride)
    assert any("−70 mV" in text for where, text in texts if where == "text")
    assert any(where.startswith("img[alt]") for where, _ in texts)
    # the demo's frames are files the page script swaps in: their alt texts and readouts live in its manifest
    assert any(where == "demo frame alt" for where, _ in _texts_of_demo_manifests(chloride))
    assert any(where.startswith("demo readout") for where, _ in _texts_of_demo_manifests(chloride))


def test_site_has_no_hyphen_minus_or_literal_underscore():
    report = []
    for page in _pages():
        rel = str(page.relative_to(SITE))
        for where, kind, text in faults_in(page.read_text(encoding="utf-8")):
            report.append(f"{rel}: {kind} in {where}: {text!r}")
    assert not report, f"{len(report)} typographic faults:\n" + "\n".join(report[:60])
