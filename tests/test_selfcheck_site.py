"""The self-check questions on the built website, in headless Chromium with every request to another host
blocked: for every question, each listed wrong answer shows its own message, the right answer shows the
"why", and any other answer a hint linking to a section of the page; the answer stays hidden until the
reader asks; keyboard operation; a named group per question, a "Check" button and an aria-live region;
axe finds nothing serious in light or dark mode, and the controls keep their contrast in dark mode.
The questions as data: tests/test_selfcheck_data.py."""

from __future__ import annotations

import re

import pytest
from test_selfcheck_data import far_off
from test_site import AXE_JS, MODES, SCREENSHOTS, _open

from ipsplib.selfcheck import data
from ipsplib.selfcheck.render import shown_text

CHAPTERS = data.chapters()


def _page(chapter: str) -> str:
    return f"chapters/{chapter}.html"


def _group(page, number: int, q):
    group = page.get_by_role("group", name=f"Check your understanding {number}: {shown_text(q.title)}", exact=True)
    assert group.count() == 1, f"{q.chapter}/{q.id}: no group named 'Check your understanding {number}: …'"
    assert group.get_attribute("id") == f"sc-{q.chapter}-{q.id}"
    return group


def _check(group, q, where: str) -> str:
    """Press the question's Check button; return the feedback text shown in its live region."""
    buttons = group.get_by_role("button", name=re.compile(r"^Check"))
    assert buttons.count() == 1, f"{where}: one button whose name starts with 'Check'"
    live = group.locator("[aria-live]")
    assert live.count() == 1 and live.get_attribute("aria-live") == "polite", f"{where}: one aria-live region"
    live.evaluate("el => { el.textContent = ''; }")
    buttons.click()
    live.locator("strong").wait_for(timeout=2000)
    return live.inner_text()


def _assert_hint(page, group, q, text: str, where: str) -> None:
    assert text.startswith("Not yet.") and f"“{q.section}”" in text, f"{where}: expected the hint, got {text!r}"
    link = group.locator(".ipsp-sc-feedback a")
    assert link.get_attribute("href") == f"#{q.section_anchor}"
    assert page.evaluate("id => document.getElementById(id) !== null", q.section_anchor), \
        f"{where}: the hint links to #{q.section_anchor}, which is not on the page"


def _assert_not_revealed(group, q, text: str, where: str) -> None:
    assert shown_text(q.why) not in text, f"{where}: a wrong answer showed the why: {text!r}"
    if q.kind == "number":
        assert q.answer_text() not in text, f"{where}: a wrong answer showed the right number: {text!r}"
    assert not group.locator("details.ipsp-sc-reveal").evaluate("d => d.open"), f"{where}: answer unfolded"
    assert not group.locator("details.ipsp-sc-reveal p").is_visible()


def _answer_all(page, chapter: str) -> list[str]:
    """Every answer of every question of the chapter; returns the failures."""
    failures = []
    for number, q in enumerate(data.load(chapter), 1):
        group = _group(page, number, q)
        if q.kind == "choice":
            cases = [(c.id, group.get_by_role("radio", name=shown_text(c.text), exact=True), c.feedback)
                     for c in q.choices]
            for cid, radio, fb in cases:
                where = f"{chapter}/{q.id} choice {cid}"
                radio.check()
                text = _check(group, q, where)
                failures += _verify(page, group, q, fb, text, where)
        else:
            field = group.get_by_role("textbox", name=re.compile(r"^Your answer"))
            cases = [("the answer", q.answer, data.Feedback("right", q.why))]
            cases += [(f"misconception {m.value:g}", m.value, m.feedback) for m in q.misconceptions]
            cases += [("far off", far_off(q), data.Feedback("hint", q.hint))]
            for label, value, fb in cases:
                where = f"{chapter}/{q.id} {label}"
                field.fill(data.typeset_number(value, q.decimals + 1))  # typed with a true minus sign
                text = _check(group, q, where)
                failures += _verify(page, group, q, fb, text, where)
    return failures


def _verify(page, group, q, fb, text: str, where: str) -> list[str]:
    try:
        if fb.verdict == "right":
            assert text.startswith("Right.") and shown_text(q.why) in text, f"{where}: expected the why, got {text!r}"
        elif fb.verdict == "misconception":
            assert text.startswith("Not quite.") and shown_text(fb.text) in text, \
                f"{where}: expected {fb.text!r}, got {text!r}"
            _assert_not_revealed(group, q, text, where)
        else:
            _assert_hint(page, group, q, text, where)
            _assert_not_revealed(group, q, text, where)
    except AssertionError as error:
        return [str(error)]
    return []


@pytest.mark.browser
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_answer_gets_its_feedback_offline(browser, site_url, chapter):
    page, problems = _open(browser, site_url, _page(chapter))
    try:
        assert page.locator("fieldset.ipsp-sc").count() == len(data.load(chapter))
        failures = _answer_all(page, chapter)
        assert not failures, "\n".join(failures)
        # Show answer reveals it, on request only
        q = data.load(chapter)[0]
        group = _group(page, 1, q)
        group.get_by_text("Show answer", exact=True).click()
        assert group.locator("details.ipsp-sc-reveal p").is_visible()
        assert shown_text(q.answer_text()) in group.locator("details.ipsp-sc-reveal p").inner_text()
        assert not problems, "\n".join(problems)
    finally:
        page.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_questions_work_from_the_keyboard(browser, site_url, chapter):
    page, problems = _open(browser, site_url, _page(chapter))
    try:
        for number, q in enumerate(data.load(chapter), 1):
            group = _group(page, number, q)
            live = group.locator("[aria-live]")
            if q.kind == "choice":
                group.get_by_role("radio").first.focus()
                page.keyboard.press("ArrowDown")  # selects the second choice
                picked = group.locator("input[type=radio]:checked").get_attribute("value")
                assert picked == q.choices[1].id, f"{q.id}: arrow keys move through the choices"
                page.keyboard.press("Tab")
                assert page.evaluate("() => document.activeElement.textContent").startswith("Check")
                page.keyboard.press("Enter")
                expected = q.choices[1].feedback
            else:
                group.get_by_role("textbox").focus()
                page.keyboard.type(data.typeset_number(q.answer, q.decimals))
                page.keyboard.press("Enter")  # Enter in the field checks too
                expected = data.Feedback("right", q.why)
            live.locator("strong").wait_for(timeout=2000)
            shown = live.inner_text()
            assert shown_text(expected.text).split("“")[0] in shown, f"{q.id}: keyboard check gave {shown!r}"
            # the Show answer disclosure opens from the keyboard
            group.locator("summary").focus()
            page.keyboard.press("Enter")
            assert group.locator("details.ipsp-sc-reveal").evaluate("d => d.open")
        assert not problems, "\n".join(problems)
    finally:
        page.context.close()


# WCAG contrast of an element's text (and, for fields, their own background) against what is behind it.
_CONTRAST = """(el) => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let bg = null;
  for (let n = el; n; n = n.parentElement) {
    const c = rgb(getComputedStyle(n).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) { bg = c; break; }
  }
  bg = bg || [255, 255, 255];
  const fg = rgb(getComputedStyle(el).color);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


@pytest.mark.browser
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_questions_accessible_and_legible(browser, site_url, chapter, mode):
    """axe on the questions with feedback of every kind shown and one answer unfolded; text contrast of the
    prompt, choices, field, buttons and feedback at least 4.5 : 1 in light and dark mode."""
    if not AXE_JS.is_file():
        pytest.fail(f"{AXE_JS} is missing: run `python tools/vendor_assets.py` (make book does).")
    page, problems = _open(browser, site_url, _page(chapter), mode)
    try:
        _answer_all(page, chapter)  # leaves each question showing its last feedback
        page.locator("fieldset.ipsp-sc summary").first.click()
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
        violations = page.evaluate("""async () => {
          const r = await axe.run({include: [['.ipsp-sc-set']]}, {resultTypes: ['violations']});
          return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                         nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }""")
        bad = [v for v in violations if v["impact"] in ("serious", "critical")]
        assert not bad, f"{chapter} ({mode}): " + "; ".join(f"[{v['impact']}] {v['id']}: {v['nodes']}" for v in bad)
        selectors = [".ipsp-sc-prompt", ".ipsp-sc legend", ".ipsp-sc-choices label", "input.ipsp-sc-number",
                     "button.ipsp-sc-check", ".ipsp-sc summary", ".ipsp-sc-feedback", ".ipsp-sc-feedback a"]
        low = []
        for sel in selectors:
            for el in page.locator(sel).all():
                ratio = el.evaluate(_CONTRAST)
                if ratio < 4.5:
                    low.append(f"{sel}: {ratio:.2f}")
        assert not low, f"{chapter} ({mode}): text contrast below 4.5 : 1: {low}"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator(".ipsp-sc-set").first.screenshot(path=str(SCREENSHOTS / f"selfcheck-{chapter}-{mode}.png"))
        assert not problems, "\n".join(problems)
    finally:
        page.context.close()
