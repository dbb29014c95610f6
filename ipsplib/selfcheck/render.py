"""Self-check questions as HTML (interactive, or for print with the answers at the end) and as Markdown."""

from __future__ import annotations

import html
import json
import re
from functools import cache
from pathlib import Path

from .data import Question

HERE = Path(__file__).resolve().parent
LETTERS = "abcdefghij"


@cache
def _asset(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


def _e(text: str) -> str:
    return html.escape(text, quote=True)


#: The question files and the coursework catalogue (whose messages are also printed as plain text by the
#: autograder) write subscripts as "E(GABA)", "g(leak)", "GABA(A)"; on a page they are typeset as subscripts.
#: Only these names: "g(t)" or "B(V)" are functions, not subscripts.
_SUBSCRIPT = re.compile(r"\b(?:([EgPV])\((GABA|Cl⁻|Cl|K⁺|Na⁺|AMPA|NMDA|leak|soma|site|command|L|E|I)\)"
                        r"|(GABA)\(([AB])\))")


def typeset(text: str) -> str:
    """``text`` as HTML: escaped, its plain-text subscripts typeset.

    >>> typeset("E(GABA) < E(K⁺) in a GABA(A) cell; g(t) stays")
    'E<sub>GABA</sub> &lt; E<sub>K⁺</sub> in a GABA<sub>A</sub> cell; g(t) stays'
    """
    escaped = html.escape(text, quote=False)  # text, not an attribute (as the page script escapes it)
    return _SUBSCRIPT.sub(lambda m: f"{m[1] or m[3]}<sub>{m[2] or m[4]}</sub>", escaped)


def shown_text(text: str) -> str:
    """The text a reader sees of ``typeset(text)`` (subscripts run on, as a browser's innerText gives them).

    >>> shown_text("E(GABA) in GABA(A)")
    'EGABA in GABAA'
    """
    return _SUBSCRIPT.sub(lambda m: f"{m[1] or m[3]}{m[2] or m[4]}", text)


def _dom_id(q: Question) -> str:
    return f"sc-{q.chapter}-{q.id}"


def _page_data(q: Question) -> dict:
    """What the page script needs to check an answer (kept in a data attribute, never shown); the messages
    typeset as HTML, which the script inserts."""
    data = {"kind": q.kind, "section": q.section, "anchor": q.section_anchor, "why": typeset(q.why),
            "hint": typeset(q.hint)}
    if q.kind == "choice":
        data["feedback"] = {c.id: {"verdict": c.feedback.verdict, "text": typeset(c.feedback.text)}
                            for c in q.choices}
    else:
        data.update(answer=q.answer, tolerance=q.tolerance, unit=q.unit,
                    misconceptions=[{"value": m.value, "verdict": m.feedback.verdict,
                                     "text": typeset(m.feedback.text)} for m in q.misconceptions])
    return data


def _legend(number: int, q: Question) -> str:
    return f"Check your understanding {number}: {typeset(q.title)}"


def question_html(number: int, q: Question) -> str:
    """One interactive question: a fieldset named by its legend, a Check button, a live feedback region,
    and the answer folded in a Show answer disclosure (which works without JavaScript too)."""
    dom_id = _dom_id(q)
    page_data = _e(json.dumps(_page_data(q)))
    parts = [f'<fieldset class="ipsp-sc" id="{dom_id}" data-kind="{q.kind}" data-sc="{page_data}">',
             f"<legend>{_legend(number, q)}</legend>",
             f'<p class="ipsp-sc-prompt">{typeset(q.prompt)}</p>']
    if q.kind == "choice":
        parts.append('<div class="ipsp-sc-choices">')
        for c in q.choices:
            parts.append(f'<label><input type="radio" name="{dom_id}" value="{_e(c.id)}"> '
                         f"<span>{typeset(c.text)}</span></label>")
        parts.append("</div>")
        parts.append('<div class="ipsp-sc-answer-row">'
                     '<button type="button" class="ipsp-sc-check">Check answer</button></div>')
    else:
        unit = f" ({_e(q.unit)})" if q.unit else ""
        parts.append(f'<div class="ipsp-sc-answer-row"><label for="{dom_id}-value">Your answer{unit}</label>'
                     '<input type="text" inputmode="decimal" autocomplete="off" class="ipsp-sc-number" '
                     f'id="{dom_id}-value">'
                     '<button type="button" class="ipsp-sc-check">Check answer</button></div>')
    parts.append('<div class="ipsp-sc-feedback" aria-live="polite"></div>')
    parts.append(f'<details class="ipsp-sc-reveal"><summary>Show answer</summary>'
                 f"<p><strong>Answer: {typeset(q.answer_text())}.</strong> {typeset(q.why)}</p></details>")
    parts.append("</fieldset>")
    return "\n".join(parts)


def interactive_html(questions: tuple[Question, ...]) -> str:
    """All questions of a chapter, with the stylesheet and script inline (the page loads nothing else)."""
    body = "\n".join(question_html(i, q) for i, q in enumerate(questions, 1))
    return (f'<div class="ipsp-sc-set"><style>{_asset("selfcheck.css")}</style>\n'
            f"<p>Answer, then press <em>Check answer</em>: a wrong answer gets a hint or the misconception behind it. "
            f"<em>Show answer</em> gives the answer when you want it.</p>\n{body}\n"
            f"<script>{_asset('selfcheck.js')}</script></div>")


def print_html(questions: tuple[Question, ...]) -> str:
    """For the PDF: the questions with their options (the answers follow at the end of the chapter)."""
    parts = ['<div class="ipsp-sc-set ipsp-sc-print">', f'<style>{_asset("selfcheck.css")}</style>']
    for i, q in enumerate(questions, 1):
        parts.append(f'<div class="ipsp-sc"><p><strong>{_legend(i, q)}</strong></p><p>{typeset(q.prompt)}</p>')
        if q.kind == "choice":
            options = "".join(f"<li>{typeset(c.text)}</li>" for c in q.choices)
            parts.append(f'<ol class="ipsp-sc-options">{options}</ol>')
        else:
            parts.append(f"<p>Your answer: ________ {_e(q.unit)}</p>")
        parts.append("</div>")
    parts.append("<p>The answers are at the end of the chapter.</p></div>")
    return "\n".join(parts)


def answers_html(questions: tuple[Question, ...]) -> str:
    """For the PDF, at the end of the chapter: each question's answer and why."""
    parts = ['<div class="ipsp-sc-set ipsp-sc-print"><p><strong>Answers to “Check your understanding”</strong></p>',
             '<ol class="ipsp-sc-answers">']
    for q in questions:
        letter = ""
        if q.kind == "choice":
            letter = f"({LETTERS[q.choices.index(q.correct_choice)]}) "
        parts.append(f"<li>{letter}{typeset(q.answer_text())}. {typeset(q.why)}</li>")
    parts.append("</ol></div>")
    return "\n".join(parts)


def markdown(questions: tuple[Question, ...]) -> str:
    """Markdown for front ends that run no script: each question, its answer folded in <details> (the
    subscripts as <sub>, which Markdown renderers pass through)."""
    parts = []
    for i, q in enumerate(questions, 1):
        parts.append(f"**Check your understanding {i}: {typeset(q.title)}**\n\n{typeset(q.prompt)}\n")
        if q.kind == "choice":
            parts.extend(f"{LETTERS[k]}. {typeset(c.text)}" for k, c in enumerate(q.choices))
            parts.append("")
        else:
            parts.append(f"Your answer, in {q.unit}: ________\n" if q.unit else "Your answer: ________\n")
        answer = f"**{typeset(q.answer_text())}.** {typeset(q.why)}"
        parts.append(f"<details><summary>Show answer</summary>\n\n{answer}\n\n</details>\n")
    return "\n".join(parts)


def plain_text(questions: tuple[Question, ...]) -> str:
    return "\n\n".join(f"Check your understanding {i}: {q.title}\n{q.prompt}" for i, q in enumerate(questions, 1))
