"""What a teacher gets back from grading a class: per-student feedback and the class misconception report.

Input: the graded submissions of one set, as tools/grade_class.py makes them (`Graded`: a student, the
file, the scores and otter's results.json, or the reason it could not be graded).

- `write_feedback`: one Markdown file per student, ``<student>.md``: the score, and for every question
  that lost marks the message of its first failed check (without tracebacks).
- `misconception_counts` / `write_misconception_report`: for every failure message, how many students'
  answers failed first on it (`first_failures`), as ``<set>-misconceptions.csv``
  (``question,message,students``), a bar chart ranking them (PNG) and an HTML page with the chart and the
  table.
"""

from __future__ import annotations

import csv
import html
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

_MESSAGE = re.compile(r"^\s*(?P<question>\S+) - \d+ message: (?P<message>.+?)\s*$", re.M)


@dataclass
class Graded:
    """One file of a class folder and what grading made of it."""

    student: str
    file: str
    scores: dict[str, float] = field(default_factory=dict)
    error: str = ""
    results: dict | None = None
    #: graded, but worth the teacher's eye (e.g. the numbers of another version of the set)
    note: str = ""


def failure_messages(results: dict) -> dict[str, list[str]]:
    """{question: messages of its failed checks, in order} from otter's results.json (the per-question
    entries; the "Public Tests" summary repeats them).

    Examples
    --------
    >>> failure_messages({"tests": [{"name": "q1", "score": 0, "output": "q1 - 2 message: Signed, please.\\n"}]})
    {'q1': ['Signed, please.']}
    """
    found: dict[str, list[str]] = {}
    for test in results.get("tests", []):
        if test.get("name") == "Public Tests" or "score" not in test:
            continue
        messages = [m.group("message") for m in _MESSAGE.finditer(test.get("output", ""))]
        found[test["name"]] = list(dict.fromkeys(messages))
    return found


def first_failures(results: dict) -> dict[str, str]:
    """{question: the message of its first failed check}: the checks run in order (is it an answer at all,
    then each listed misconception, then the value), so the first failure says what went wrong. The later
    ones follow from it: a blank answer ("...") also fails every misconception check, and counting those
    would blame the class for misconceptions nobody showed.

    Examples
    --------
    >>> out = "q1 - 1 message: e_k_mV must be one number, in mV.\\nq1 - 2 message: E(K⁺) came out positive.\\n"
    >>> first_failures({"tests": [{"name": "q1", "score": 0, "output": out}]})
    {'q1': 'e_k_mV must be one number, in mV.'}
    """
    return {q: messages[0] for q, messages in failure_messages(results).items() if messages}


def feedback_markdown(entry: Graded, set_name: str, points: dict[str, float]) -> str:
    """The feedback file of one student (Markdown)."""
    maximum = sum(points.values())
    lines = [f"# {set_name}: feedback for {entry.student}", "", f"File: `{entry.file}`", ""]
    if entry.error:
        lines += ["**Not graded.** Your file could not be graded:", "", f"> {entry.error}", "",
                  "Ask your instructor how to resubmit."]
        return "\n".join(lines) + "\n"
    total = sum(entry.scores.values())
    if entry.note:
        lines += [f"**Note:** {entry.note[0].upper() + entry.note[1:]}. Your instructor will look at it.", ""]
    lines += [f"**Score: {total:g} / {maximum:g}**", "", "| question | score | |", "|---|---|---|"]
    messages = first_failures(entry.results or {})
    for q, p in points.items():
        got = entry.scores.get(q, 0.0)
        lines.append(f"| {q} | {got:g} / {p:g} | {'✓' if got >= p else '✗'} |")
    lost = [q for q, p in points.items() if entry.scores.get(q, 0.0) < p]
    if lost:
        lines += ["", "## What to look at again", ""]
        for q in lost:
            said = messages.get(q) or "The answer is not the expected value (no specific hint for this mistake)."
            lines += [f"- **{q}**: {said}"]
    return "\n".join(lines) + "\n"


def _safe_name(student: str) -> str:
    return re.sub(r"[^\w.@ -]+", "_", student).strip() or "student"


def write_feedback(entries: list[Graded], set_name: str, points: dict[str, float], folder: Path) -> list[Path]:
    """One ``<student>.md`` per entry in ``folder``; returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for entry in entries:
        path = folder / f"{_safe_name(entry.student)}.md"
        path.write_text(feedback_markdown(entry, set_name, points), encoding="utf-8")
        paths.append(path)
    return paths


def misconception_counts(entries: list[Graded], canonical: dict[str, str] | None = None) -> list[tuple[str, str, int]]:
    """[(question, message, number of students whose answer failed first on it)], most frequent first.
    ``canonical`` maps a message to the one it is counted as (one misconception across variants whose
    messages state different numbers).

    Examples
    --------
    >>> out = {"name": "q1", "score": 0, "output": "q1 - 2 message: Signed.\\n"}
    >>> misconception_counts([Graded("a", "a.ipynb", {"q1": 0}, "", {"tests": [out]})] * 2)
    [('q1', 'Signed.', 2)]
    """
    counts: Counter = Counter()
    for entry in entries:
        if entry.results is None:
            continue
        counts.update((q, (canonical or {}).get(m, m)) for q, m in first_failures(entry.results).items())
    return sorted(((q, m, n) for (q, m), n in counts.items()), key=lambda r: (-r[2], r[0], r[1]))


def write_misconception_report(entries: list[Graded], set_name: str, out_dir: Path,
                               canonical: dict[str, str] | None = None) -> dict[str, Path]:
    """``<set>-misconceptions.csv``, ``.png`` and ``.html`` in ``out_dir`` (``canonical``: see
    `misconception_counts`; with variants the messages are variant 1's); returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = misconception_counts(entries, canonical)
    graded = sum(e.results is not None for e in entries)
    paths = {kind: out_dir / f"{set_name}-misconceptions.{kind}" for kind in ("csv", "png", "html")}
    with paths["csv"].open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["question", "message", "students"])
        writer.writerows(rows)
    shown = rows[:15]
    fig, ax = plt.subplots(figsize=(9, 0.45 * max(len(shown), 1) + 1.2))
    labels = [f"{q}: {m[:70]}{'…' if len(m) > 70 else ''}" for q, m, _ in shown]
    ax.barh(range(len(shown)), [n for *_, n in shown], color="#4477AA")
    ax.set_yticks(range(len(shown)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"students (of {graded} graded)")
    ax.set_title(f"{set_name}: what the class got wrong")
    fig.tight_layout()
    fig.savefig(paths["png"], dpi=120)
    plt.close(fig)
    table = "".join(f"<tr><td>{html.escape(q)}</td><td>{html.escape(m)}</td><td>{n}</td></tr>" for q, m, n in rows)
    paths["html"].write_text(
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(set_name)}: misconceptions"
        f"</title></head><body><h1>{html.escape(set_name)}: what the class got wrong</h1>"
        f"<p>{graded} notebooks graded. Each row counts the students whose answer triggered the message.</p>"
        f"<img src='{paths['png'].name}' alt='Bar chart of the most frequent failure messages of "
        f"{html.escape(set_name)}, most frequent first: the same counts as the table below.'>"
        f"<table><thead><tr><th>question</th><th>message</th><th>students</th></tr></thead><tbody>{table}"
        f"</tbody></table></body></html>\n", encoding="utf-8")
    return paths
