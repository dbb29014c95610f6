"""Self-check questions as data: load a chapter's ``chapters/self-check/<chapter>.yml``, resolve it, validate it.

A question file lists questions of two kinds.

``choice``: ``choices``, each with ``text`` and exactly one with ``correct: true`` (and a ``why``); a wrong
choice carries either ``catalogue`` (the key of a coursework misconception, below), or its own ``message``,
or neither (it then gets the question's hint).

``number``: ``answer`` (a Python expression evaluated with ``ip`` = ipsplib, ``np``, ``synapses``,
``chloride`` in scope, so physics results come from ipsplib, not typed by hand), ``tolerance`` and ``unit``,
``why``, and ``misconceptions``: each a ``value`` expression with ``catalogue`` or ``message``.

Every question names its ``section`` (the heading text of the chapter section the hint points back to); it may
define ``values`` (name → expression) that ``prompt``, ``why``, choice texts and own messages use as
``{name:.1f}`` (the answer is ``{answer}``); numbers are written with a true minus sign. An optional ``verify``
expression (evaluated by the tests, not on display) gives the ``id`` of the correct choice, so a prediction is
checked against ipsplib; an optional ``check`` expression (with ``answer`` in scope) must hold.

Catalogue keys are ``<set>/<question>/<wrong_answer>`` into ``coursework/<set>/misconceptions.yml``: the
message is read from there (one source), never copied.

Examples
--------
>>> qs = load("01-ions")
>>> len(qs) >= 4 and all(q.kind in ("choice", "number") for q in qs)
True
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
QUESTIONS_DIR = ROOT / "chapters" / "self-check"
COURSEWORK_DIR = ROOT / "coursework"
KINDS = ("choice", "number")


class QuestionError(ValueError):
    """A question file that does not follow the format (the message names the chapter and question)."""


@dataclass(frozen=True)
class Feedback:
    """What the reader sees after checking one answer: ``verdict`` is right, misconception or hint."""

    verdict: str
    text: str
    source: str = ""  # the catalogue key when the text comes from coursework/*/misconceptions.yml


@dataclass(frozen=True)
class Choice:
    id: str
    text: str
    feedback: Feedback


@dataclass(frozen=True)
class NumericMisconception:
    value: float
    feedback: Feedback


@dataclass(frozen=True)
class Question:
    """One resolved question: every expression evaluated, every message looked up."""

    chapter: str
    id: str
    kind: str
    title: str
    prompt: str
    section: str
    section_anchor: str
    why: str
    hint: str
    demo: str = ""
    moves: dict = field(default_factory=dict)  # demo control -> the values the question asks the reader to set
    choices: tuple[Choice, ...] = ()
    answer: float | None = None
    tolerance: float | None = None
    unit: str = ""
    decimals: int = 1
    misconceptions: tuple[NumericMisconception, ...] = ()
    verify: str = ""
    check: str = ""
    values: dict = field(default_factory=dict)

    @property
    def correct_choice(self) -> Choice | None:
        return next((c for c in self.choices if c.feedback.verdict == "right"), None)

    def verified_choice(self) -> str | None:
        """The id of the choice that ipsplib says is right (from the ``verify`` expression), or None."""
        return evaluate(self.verify, f"{self.chapter}/{self.id} verify") if self.verify else None

    def answer_text(self) -> str:
        """The right answer as the reader would write it (true minus sign)."""
        if self.kind == "choice":
            return self.correct_choice.text
        unit = f" {self.unit}" if self.unit else ""
        return f"{typeset_number(self.answer, self.decimals)}{unit}"

    def check_number(self, x: float) -> Feedback:
        """The feedback for a typed number (the JavaScript on the page applies the same rule)."""
        if abs(x - self.answer) <= self.tolerance:
            return Feedback("right", self.why)
        for m in self.misconceptions:
            if abs(x - m.value) <= self.tolerance:
                return m.feedback
        return Feedback("hint", self.hint)


def typeset_number(x: float, decimals: int) -> str:
    """``x`` with ``decimals`` places and a true minus sign (U+2212).

    >>> typeset_number(-89.0594, 1)
    '−89.1'
    """
    text = f"{x:.{decimals}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    return text.replace("-", "\u2212")


class _Typeset(float):
    """A float whose format spec output carries a true minus sign (for ``{name:.1f}`` in question text)."""

    def __format__(self, spec: str) -> str:
        text = format(float(self), spec or "g")
        return text.replace("-", "\u2212")


@cache
def catalogue(set_name: str) -> dict:
    """The misconception catalogue of one problem set: {(question, str(wrong_answer)): message}."""
    path = COURSEWORK_DIR / set_name / "misconceptions.yml"
    if not path.is_file():
        raise QuestionError(f"catalogue set {set_name!r}: {path} does not exist")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {(q["question"], str(m["wrong_answer"])): m["message"]
            for q in doc["questions"] for m in q["misconceptions"]}


def catalogue_entry(key: str) -> tuple[str, str | float]:
    """(message, wrong_answer) of the catalogue entry ``<set>/<question>/<wrong_answer>``.

    >>> catalogue_entry("01-ions/q4/none")[0].startswith("V ≠ E(Cl⁻)")
    True
    """
    parts = key.split("/", 2)
    if len(parts) != 3:
        raise QuestionError(f"catalogue key {key!r} must read <set>/<question>/<wrong_answer>")
    set_name, question, wrong = parts
    entries = catalogue(set_name)
    if (question, wrong) not in entries:
        raise QuestionError(f"catalogue key {key!r}: no misconception with wrong_answer {wrong!r} under "
                            f"{question} in coursework/{set_name}/misconceptions.yml")
    try:
        wrong_value: str | float = float(wrong)
    except ValueError:
        wrong_value = wrong
    return entries[(question, wrong)], wrong_value


def rise_mV(trace) -> float:
    """Peak of V above its starting value in a simulated trace (at the soma of a dendrite), mV: a PSP's height."""
    v_mV = trace.v_soma_mV if hasattr(trace, "v_soma_mV") else trace.v_mV
    return float(v_mV.max() - v_mV[0])


def passive_cell(c_m_pF: float = 200.0):
    """The problem sets' passive cell: ``c_m_pF`` (default 200 pF), 10 nS leak, rest −70 mV."""
    import ipsplib as ip

    return ip.Cell(c_m_pF=c_m_pF, g_leak_nS=10.0, e_leak_mV=-70.0)


def _namespace(expr: str) -> dict:
    import ipsplib as ip

    names = {"ip": ip, "np": np, "math": math, "synapses": ip.synapses, "chloride": ip.chloride,
             "rise_mV": rise_mV, "passive_cell": passive_cell}
    if "demos." in expr:  # the demos (and matplotlib) only when a prediction is checked against a demo
        import ipsplib.demos as demos

        names["demos"] = demos
    return names


def evaluate(expr, where: str):
    """Evaluate a question expression (a number or a string of Python) with ipsplib in scope."""
    if isinstance(expr, int | float):
        return float(expr)
    if not isinstance(expr, str):
        raise QuestionError(f"{where}: expected a number or an expression, got {expr!r}")
    try:
        return eval(expr, _namespace(expr))  # noqa: S307 - the repository's own question files
    except Exception as error:
        raise QuestionError(f"{where}: {expr!r} failed: {error}") from error


def section_anchor(title: str) -> str:
    """The HTML id Sphinx gives a section with this heading text.

    >>> section_anchor("Valence: why chloride's sign flips")
    'valence-why-chloride-s-sign-flips'
    """
    from docutils.nodes import make_id

    return make_id(title)


def _fill(text: str, values: dict, where: str) -> str:
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    missing = names - values.keys()
    if missing:
        raise QuestionError(f"{where}: the text uses {sorted(missing)} but values defines {sorted(values)}")
    return text.format_map(values)


def _feedback(raw: dict, values: dict, hint: str, where: str) -> Feedback:
    if "catalogue" in raw and "message" in raw:
        raise QuestionError(f"{where}: give either catalogue or message, not both")
    if "catalogue" in raw:
        return Feedback("misconception", catalogue_entry(raw["catalogue"])[0], raw["catalogue"])
    if "message" in raw:
        return Feedback("misconception", _fill(raw["message"], values, where))
    return Feedback("hint", hint)


def _require(raw: dict, keys: tuple[str, ...], where: str) -> None:
    missing = [k for k in keys if k not in raw]
    if missing:
        raise QuestionError(f"{where}: missing {', '.join(missing)}")


def _question(chapter: str, raw: dict) -> Question:
    where = f"chapters/self-check/{chapter}.yml, question {raw.get('id', '?')!r}"
    _require(raw, ("id", "kind", "title", "prompt", "section", "why"), where)
    if raw["kind"] not in KINDS:
        raise QuestionError(f"{where}: kind must be one of {KINDS}, got {raw['kind']!r}")
    values = {name: _Typeset(evaluate(expr, f"{where}, values.{name}"))
              for name, expr in (raw.get("values") or {}).items()}
    answer = None
    if raw["kind"] == "number":
        _require(raw, ("answer", "tolerance", "unit"), where)
        answer = float(evaluate(raw["answer"], f"{where}, answer"))
        values["answer"] = _Typeset(answer)
    section = raw["section"]
    hint = _fill(raw.get("hint", "Read “{section}” again, then try once more."),
                 {**values, "section": section}, where)
    common = dict(chapter=chapter, id=raw["id"], kind=raw["kind"], title=raw["title"],
                  prompt=_fill(raw["prompt"], values, where), section=section,
                  section_anchor=section_anchor(section), why=_fill(raw["why"], values, where), hint=hint,
                  demo=raw.get("demo", ""), moves=dict(raw.get("moves") or {}), values=dict(values))
    if raw["kind"] == "choice":
        choices = []
        for c in raw.get("choices") or []:
            _require(c, ("id", "text"), f"{where}, a choice")
            text = _fill(c["text"], values, f"{where}, choice {c['id']}")
            fb = (Feedback("right", common["why"]) if c.get("correct")
                  else _feedback(c, values, hint, f"{where}, choice {c['id']}"))
            choices.append(Choice(c["id"], text, fb))
        return Question(**common, choices=tuple(choices), verify=raw.get("verify", ""))
    misconceptions = tuple(
        NumericMisconception(float(evaluate(m.get("value"), f"{where}, misconception value")),
                             _feedback(m, values, hint, f"{where}, misconception"))
        for m in raw.get("misconceptions") or [])
    return Question(**common, check=raw.get("check", ""), answer=answer, tolerance=float(raw["tolerance"]),
                    unit=raw["unit"], decimals=int(raw.get("decimals", 1)), misconceptions=misconceptions)


def chapters() -> list[str]:
    """The chapters that have a question file, in order."""
    return sorted(p.stem for p in QUESTIONS_DIR.glob("*.yml"))


@cache
def load(chapter: str) -> tuple[Question, ...]:
    """The resolved questions of ``chapter`` (e.g. ``"05-temporal-summation"``)."""
    path = QUESTIONS_DIR / f"{chapter}.yml"
    if not path.is_file():
        raise QuestionError(f"chapter must name a file in {QUESTIONS_DIR}, got {chapter!r} (have {chapters()})")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(_question(chapter, raw) for raw in doc["questions"])
