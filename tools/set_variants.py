"""Seeded variants of the problem sets: a set's numbers drawn from a seed that only the teacher holds.

A set is *variable* when its folder holds ``parameters.yml``, which declares in one place:

- ``parameters``: every number of the set that a seed may change, with its unit, its default (the
  published set) and either ``choices`` or a ``range`` with a ``step``;
- ``text``: the phrases of the master's prose and misconception messages that state those numbers, as
  templates: ``{name}`` typesets the value for prose (−80), ``{name:code}`` writes it as Python (-80.0),
  ``{name:tex}`` as LaTeX (-80);
- ``constraints`` (optional): what the numbers must satisfy together to stay physical, each a Python
  expression of the parameters (``np`` is numpy) with the reason it is there, e.g. that four measured
  currents lie near one straight line. A draw that breaks one is drawn again before it is checked.

The master notebook is the default variant, as published: its parameter cell (the code cell that starts
with `PARAMETER_CELL`) assigns the defaults, its solutions and tests compute from those names, and its
prose states the defaults. ``misconceptions.yml`` keeps each wrong answer's default value and, under
``wrong_answer_expr``, the expression that computes it for any variant, from the parameters and the
reference answers (e.g. ``-ipsp_mV``).

A variant (`draw`, `render`) rewrites the parameter cell, the phrases of ``text`` in the prose and the
messages, and writes the parameters into every test cell as literal numbers, so that the autograder's
expected values do not depend on what a student's notebook assigns to those names. Every variant is
checked before it is used (`problems`): the reference solution passes every test, each listed wrong answer
fails its own misconception check (and only that one) and the correctness test, and every answer of the
default set that is a float (not a count or a choice) is graded wrong. A draw that fails the check is
drawn again (deterministically, from the same seed), so a teacher's seed never yields a set whose
misconception messages do not fire.

Examples
--------
>>> sorted(draw("03-ipsps", seed=None)) == sorted(parameters("03-ipsps")[0])
True
>>> draw("03-ipsps", seed=1) == draw("03-ipsps", seed=1) != draw("03-ipsps", seed=2)
True
"""

from __future__ import annotations

import ast
import functools
import hashlib
import io
import json
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
COURSEWORK = ROOT / "coursework"
#: The first line of a master's parameter cell.
PARAMETER_CELL = "# The numbers of this set"
#: The line that ends a test cell's configuration (otter's format); its code follows.
END_CONFIG = '""" # END TEST CONFIG'
#: Draws checked per seed before giving up (a draw is redrawn when `problems` finds one).
MAX_ATTEMPTS = 20
#: Draws tried per seed for the ``constraints`` (cheap to test) before giving up.
MAX_CONSTRAINED_DRAWS = 5000


@dataclass(frozen=True)
class Parameter:
    """One variable number of a set: its allowed values (``choices``, or ``low``..``high`` by ``step``)."""

    name: str
    unit: str
    default: float
    values: tuple

    def __post_init__(self):
        if not self.values or not any(np.isclose(self.default, v) for v in self.values):
            raise ValueError(f"parameters.yml: {self.name} default must be one of its allowed values "
                             f"{list(self.values)} {self.unit}, got {self.default}")


def _parameter(name: str, spec: dict) -> Parameter:
    if "choices" in spec:
        values = tuple(spec["choices"])
    elif "range" in spec and "step" in spec:
        low, high = spec["range"]
        step = spec["step"]
        if not (high > low and step > 0):
            raise ValueError(f"parameters.yml: {name} range must be [low, high] with high > low and step > 0, "
                             f"got {spec['range']} by {step}")
        n = int(round((high - low) / step))
        values = tuple(round(low + k * step, 10) for k in range(n + 1))
    else:
        raise ValueError(f"parameters.yml: {name} needs 'choices' or 'range' and 'step', got {sorted(spec)}")
    return Parameter(name, spec.get("unit", ""), spec["default"], values)


def is_variable(name: str) -> bool:
    """Whether set ``name`` declares variable parameters (coursework/<name>/parameters.yml)."""
    return (COURSEWORK / name / "parameters.yml").is_file()


@functools.cache
def _spec(name: str) -> dict:
    """Set ``name``'s parameters.yml, parsed once per process (a draw tries hundreds of candidates, and
    parsing took most of its time). Read-only: callers must not change it."""
    return yaml.safe_load((COURSEWORK / name / "parameters.yml").read_text(encoding="utf-8"))


def parameters(name: str) -> tuple[dict[str, Parameter], list[str]]:
    """The parameters and text templates that set ``name`` declares in its parameters.yml."""
    spec = _spec(name)
    params = {k: _parameter(k, v) for k, v in spec["parameters"].items()}
    return params, list(spec.get("text", []))


def broken_constraints(name: str, values: dict) -> list[str]:
    """The reasons of the ``constraints`` of set ``name`` that ``values`` break (empty: none).

    Examples
    --------
    >>> broken_constraints("08-measuring", draw("08-measuring", None))
    []
    >>> broken_constraints("08-measuring", {**draw("08-measuring", None), "i_m70_pA": -4.0})[0][:40]
    'the four currents lie near one straight '
    """
    broken = []
    for c in _spec(name).get("constraints", []):
        if not isinstance(c, dict) or set(c) != {"expr", "why"}:
            raise ValueError(f"parameters.yml of {name}: each constraint needs 'expr' and 'why', got {c!r}")
        if not eval(c["expr"], {"np": np}, dict(values)):  # noqa: S307 - the project's own expression
            broken.append(c["why"])
    return broken


def _set_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")


def _draw_once(name: str, seed: int, attempt: int) -> dict:
    params, _ = parameters(name)
    rng = np.random.default_rng([int(seed), _set_key(name), attempt])
    return {p.name: p.values[int(rng.integers(len(p.values)))] for p in params.values()}


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number ≥ 0, got {seed!r}")
    return int(seed)


def draw(name: str, seed: int | None) -> dict:
    """The parameter values of set ``name`` for ``seed``; ``None``: the defaults (the published set).

    The values are drawn from ``seed`` and the set's name, so each set of one course gets its own
    numbers; a draw that `problems` rejects is drawn again.
    """
    params, _ = parameters(name)
    if seed is None:
        defaults = {p.name: p.default for p in params.values()}
        if broken_constraints(name, defaults):
            raise ValueError(f"parameters.yml of {name}: the defaults break {broken_constraints(name, defaults)}")
        return defaults
    seed = _check_seed(seed)
    default_answers = reference_answers(render(name, draw(name, None), inline=False)[0])
    found, checked = [], 0
    for attempt in range(MAX_CONSTRAINED_DRAWS):
        values = _draw_once(name, seed, attempt)
        if broken_constraints(name, values):
            continue
        found = problems(name, values, default_answers)
        if not found:
            return values
        checked += 1
        if checked == MAX_ATTEMPTS:
            break
    raise RuntimeError(f"{name}: no valid variant in {checked} checked draws from seed {seed}; the last problems: "
                       f"{found[:3]} (narrow the ranges or loosen the constraints in parameters.yml)")


def fmt(value, style: str = "") -> str:
    r"""A parameter value written for prose (true minus), ``code`` (Python) or ``tex``.

    Examples
    --------
    >>> fmt(-80.0), fmt(-80.0, "code"), fmt(-80.0, "tex"), fmt(2.5), fmt(20000.0, "tex")
    ('−80', '-80.0', '-80', '2.5', '20\\,000')
    """
    if style == "code":
        return repr(float(value)) if isinstance(value, float) else repr(value)
    text = f"{value:g}" if isinstance(value, (int, float)) else str(value)
    if style == "tex" and isinstance(value, (int, float)) and abs(value) >= 10000 and value == int(value):
        text = f"{int(value):,}".replace(",", "\\,")  # LaTeX groups thousands with a thin space
    return text if style == "tex" else text.replace("-", "−")


def _template(text: str, values: dict) -> str:
    def sub(m):
        return fmt(values[m.group(1)], m.group(2) or "") if m.group(1) in values else m.group(0)

    return re.sub(r"\{(\w+)(?::(code|tex))?\}", sub, text)


def _phrases(name: str, values: dict) -> dict[str, str]:
    """{the default text of each phrase: its text in the variant ``values``}."""
    params, templates = parameters(name)
    defaults = {p.name: p.default for p in params.values()}
    out = {}
    for t in templates:
        old, new = _template(t, defaults), _template(t, values)
        if out.get(old, new) != new:
            raise ValueError(f"parameters.yml of {name}: two text templates read {old!r} by default but differ")
        out[old] = new
    return out


def _replace_phrases(text: str, phrases: dict[str, str]) -> str:
    if not phrases:
        return text
    pattern = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.sub(pattern, lambda m: phrases[m.group(0)], text)


def inline_names(src: str, values: dict) -> str:
    """``src`` with every use of a parameter name replaced by its value (not keywords, attributes or
    names inside strings), so that a test cannot be fooled by a notebook that reassigns the name.

    Examples
    --------
    >>> inline_names("f(g_nS, g_nS=g_nS) - e_mV", {"g_nS": 2.0, "e_mV": -80.0})
    'f(2.0, g_nS=2.0) - (-80.0)'
    """
    tokens = list(tokenize.generate_tokens(io.StringIO(src).readline))
    lines = src.splitlines(keepends=True)
    edits = []
    for i, tok in enumerate(tokens):
        if tok.type != tokenize.NAME or tok.string not in values:
            continue
        before = next((t.string for t in reversed(tokens[:i]) if t.type != tokenize.NL), "")
        after = next((t.string for t in tokens[i + 1:] if t.type != tokenize.NL), "")
        if before == "." or after == "=":
            continue
        literal = fmt(values[tok.string], "code")
        edits.append((tok.start, tok.end, f"({literal})" if literal.startswith("-") else literal))
    for (row, col), (_, end_col), text in reversed(edits):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + text + line[end_col:]
    return "".join(lines)


def _source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def master_path(name: str) -> Path:
    return COURSEWORK / name / f"{name}.ipynb"


def render(name: str, values: dict, inline: bool = True) -> tuple[dict, dict]:
    """Set ``name`` with the parameter ``values``: (master notebook, misconceptions as in misconceptions.yml).

    With ``inline`` (a teacher's variant), every test cell gets the values as literals. The wrong answers
    are left at their defaults here; `misconceptions` computes them for the variant.
    """
    nb = json.loads(master_path(name).read_text(encoding="utf-8"))
    phrases = _phrases(name, values)
    seen, in_tests, found_cell = set(), False, False
    for cell in nb["cells"]:
        src = _source(cell)
        if cell["cell_type"] == "raw":
            in_tests = src.startswith("# BEGIN TESTS") or (in_tests and not src.startswith("# END TESTS"))
            continue
        if cell["cell_type"] == "code" and src.startswith(PARAMETER_CELL):
            found_cell = True
            src = _parameter_cell(name, src, values)
        elif cell["cell_type"] == "markdown" or in_tests:
            # in a test cell, phrases only in its config (the message), never in its code
            text, mark, code = (src, "", "") if not in_tests else (
                src.partition(END_CONFIG) if END_CONFIG in src else ("", "", src))
            seen |= {p for p in phrases if p in text}
            src = _replace_phrases(text, phrases) + mark + code
            if in_tests and inline:
                src = inline_names(src, values)
        cell["source"] = src.splitlines(keepends=True)
    if not found_cell:
        raise ValueError(f"{name}: the master has no parameter cell (a code cell starting {PARAMETER_CELL!r})")
    missing = set(phrases) - seen
    if missing:
        raise ValueError(f"parameters.yml of {name}: text not found in the master: {sorted(missing)}")
    listed = yaml.safe_load((COURSEWORK / name / "misconceptions.yml").read_text(encoding="utf-8"))
    for q in listed["questions"]:
        for m in q["misconceptions"]:
            m["message"] = _replace_phrases(m["message"], phrases)
    return nb, listed


def parameter_values(nb: dict) -> dict:
    """The numbers a notebook's parameter cell assigns ({} when it has none), read without running it.

    Examples
    --------
    >>> parameter_values({"cells": [{"cell_type": "code", "source": PARAMETER_CELL + "\\ng_nS = 2.0  # q1\\n"}]})
    {'g_nS': 2.0}
    """
    for cell in nb.get("cells", []):
        src = _source(cell)
        if cell.get("cell_type") == "code" and src.startswith(PARAMETER_CELL):
            found = {}
            for node in ast.parse(src).body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    try:
                        found[node.targets[0].id] = ast.literal_eval(node.value)
                    except ValueError:
                        found[node.targets[0].id] = ast.unparse(node.value)  # an edited cell: kept as written
            return found
    return {}


def version_mismatch(submitted: dict, built: dict) -> str:
    """Why a submission's numbers are not those of the set that grades it ("" when they agree).

    Examples
    --------
    >>> version_mismatch({"g_nS": 2.0}, {"g_nS": 3.0})
    'its numbers are not those of the set handed out (another version, or edited): g_nS = 2.0 (handed out: 3.0)'
    >>> version_mismatch({"g_nS": 3.0}, {"g_nS": 3.0}), version_mismatch({}, {"g_nS": 3.0})[:26]
    ('', 'it has no parameter cell (')
    """
    if not built:
        return ""
    if not submitted:
        return "it has no parameter cell (" + PARAMETER_CELL + "): its numbers cannot be checked"
    differ = [f"{k} = {submitted.get(k, 'missing')} (handed out: {v})" for k, v in built.items()
              if not (isinstance(submitted.get(k), (int, float)) and np.isclose(submitted[k], v, rtol=0, atol=1e-9))]
    if not differ:
        return ""
    return "its numbers are not those of the set handed out (another version, or edited): " + "; ".join(differ)


def _parameter_cell(name: str, src: str, values: dict) -> str:
    assigned = set()

    def sub(m):
        assigned.add(m.group(1))
        return f"{m.group(1)} = {fmt(values[m.group(1)], 'code')}"

    pattern = r"^(" + "|".join(map(re.escape, values)) + r") = [^#\n]*?(?=\s*(#|$))"
    src = re.sub(pattern, sub, src, flags=re.M)
    if assigned != set(values):
        raise ValueError(f"{name}: the parameter cell must assign each parameter once per line ('name = value'), "
                         f"missing {sorted(set(values) - assigned)}")
    return src


@dataclass
class Test:
    """One test cell of a master: its question, its failure message (None for the correctness test) and code."""

    question: str
    message: str | None
    hidden: bool
    body: str


def tests(nb: dict) -> list[Test]:
    """The test cells of a master notebook, in order."""
    found, question, in_tests = [], None, False
    for cell in nb["cells"]:
        src = _source(cell)
        if cell["cell_type"] == "raw":
            if src.startswith("# BEGIN QUESTION"):
                question = re.search(r"^name: (\S+)$", src, re.M).group(1)
            in_tests = src.startswith("# BEGIN TESTS") or (in_tests and not src.startswith("# END TESTS"))
        elif in_tests and cell["cell_type"] == "code":
            head, _, body = src.partition(END_CONFIG)
            config = yaml.safe_load(head.replace('""" # BEGIN TEST CONFIG', "")) or {} if body else {}
            found.append(Test(question, config.get("failure_message"), config.get("hidden") is True, body or src))
    return found


def reference_answers(nb: dict) -> dict:
    """The namespace after running a master's code outside its tests: setup, parameters and solutions."""
    ns, in_tests = {}, False
    for cell in nb["cells"]:
        src = _source(cell)
        if cell["cell_type"] == "raw":
            in_tests = src.startswith("# BEGIN TESTS") or (in_tests and not src.startswith("# END TESTS"))
        elif cell["cell_type"] == "code" and not in_tests:
            exec(compile(src, "master", "exec"), ns)  # noqa: S102 - the project's own master notebook
    return ns


def passes(test: Test, ns: dict, variable: str, value) -> bool:
    """Whether ``test`` passes when the answer ``variable`` holds ``value``."""
    try:
        exec(compile(test.body, test.question, "exec"), {**ns, variable: value})  # noqa: S102
    except Exception:  # noqa: BLE001 - any error fails a test, as it does in otter
        return False
    return True


def misconceptions(name: str, values: dict, nb: dict | None = None, ns: dict | None = None) -> list[dict]:
    """The questions of misconceptions.yml for the variant ``values``: messages and wrong answers computed."""
    if nb is None:
        nb, listed = render(name, values)
    else:
        listed = render(name, values)[1]
    ns = reference_answers(nb) if ns is None else ns
    for q in listed["questions"]:
        for m in q["misconceptions"]:
            if "wrong_answer_expr" in m:
                wrong = eval(m["wrong_answer_expr"], {**ns})  # noqa: S307 - the project's own expression
                m["wrong_answer"] = wrong if isinstance(wrong, (int, str)) else round(float(wrong), 4)
    return listed["questions"]


def problems(name: str, values: dict, default_answers: dict | None = None) -> list[str]:
    """What is wrong with the variant ``values`` of set ``name`` (empty: it is sound).

    The reference answers must pass every test; each listed wrong answer must fail its own misconception
    check and the correctness tests and pass the other misconception's check; and with
    ``default_answers``, every float answer of the default set (not a count or a choice) must be graded
    wrong in the variant.
    """
    nb, _ = render(name, values)
    ns = reference_answers(nb)
    found = []
    by_question = {}
    for t in tests(nb):
        by_question.setdefault(t.question, []).append(t)
    for q in misconceptions(name, values, nb, ns):
        qtests, var = by_question[q["question"]], q["variable"]
        right = ns[var]
        found += [f"{q['question']}: the reference answer {right!r} fails the test {t.message or t.body!r}"
                  for t in qtests if not passes(t, ns, var, right)]
        correctness = [t for t in qtests if t.message is None]
        messages = [m["message"] for m in q["misconceptions"]]
        for m in q["misconceptions"]:
            wrong = m["wrong_answer"]
            for t in qtests:
                ok = passes(t, ns, var, wrong)
                if t.message == m["message"] and ok:
                    found.append(f"{q['question']}: the wrong answer {wrong!r} passes its own check {t.message!r}")
                if t.message in messages and t.message != m["message"] and not ok:
                    found.append(f"{q['question']}: the wrong answer {wrong!r} also fails the check {t.message!r}")
                if t.message is None and ok:
                    found.append(f"{q['question']}: the wrong answer {wrong!r} is graded right")
        old = (default_answers or {}).get(var)
        if isinstance(old, (float, np.floating)) and any(passes(t, ns, var, old) for t in correctness):
            found.append(f"{q['question']}: the published answer {old!r} is graded right in this variant")
    return found


def built_misconceptions(folder: Path) -> list[dict]:
    """The questions of the ``misconceptions.yml`` a build wrote in a set's folder (its variant's)."""
    return yaml.safe_load((Path(folder) / "misconceptions.yml").read_text(encoding="utf-8"))["questions"]


def variant_seed(seed: int, variant: int) -> int:
    """The seed of variant ``variant`` (1, 2, ...) of a course whose teacher holds ``seed``: variant 1 is
    the seed itself (a course with one variant), the others are drawn from it.

    Examples
    --------
    >>> variant_seed(48213, 1), variant_seed(48213, 2) == variant_seed(48213, 2) != variant_seed(48213, 3)
    (48213, True)
    """
    seed = _check_seed(seed)
    if variant < 1:
        raise ValueError(f"variant must be a whole number ≥ 1, got {variant!r}")
    if variant == 1:
        return seed
    return int.from_bytes(hashlib.sha256(f"{seed}/{variant}".encode()).digest()[:7], "big")


def variant_of(seed: int, variants: int, name: str, student_id: str) -> int:
    """Which of ``variants`` variants (1..variants) of set ``name`` student ``student_id`` gets: drawn from
    the student's ID and the private seed, so neighbours differ at random and nobody can choose theirs.

    Examples
    --------
    >>> variant_of(48213, 4, "03-ipsps", "s001") == variant_of(48213, 4, "03-ipsps", "s001")
    True
    >>> sorted({variant_of(48213, 4, "03-ipsps", f"s{i:03d}") for i in range(40)})
    [1, 2, 3, 4]
    """
    if not (isinstance(variants, int) and variants >= 1):
        raise ValueError(f"variants must be a whole number ≥ 1, got {variants!r}")
    if not str(student_id).strip():
        raise ValueError("student_id must not be empty")
    digest = hashlib.sha256(f"{_check_seed(seed)}|{name}|{str(student_id).strip()}".encode()).digest()
    return 1 + int.from_bytes(digest[:8], "big") % variants


def write_variant(name: str, seed: int, master_folder: Path, record_folder: Path) -> Path:
    """Write the master of set ``name`` for ``seed`` to ``master_folder/<name>.ipynb`` (for ``otter assign``),
    and to ``record_folder`` its ``misconceptions.yml`` and ``variant.yml`` (the seed and the numbers: the
    teacher's record, private like the seed). Returns the master's path."""
    values = draw(name, seed)
    nb, listed = render(name, values)
    listed["questions"] = misconceptions(name, values, nb)
    for folder in (master_folder, record_folder):
        Path(folder).mkdir(parents=True, exist_ok=True)
    path = Path(master_folder) / f"{name}.ipynb"
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (Path(record_folder) / "misconceptions.yml").write_text(
        yaml.safe_dump(listed, allow_unicode=True, sort_keys=False), encoding="utf-8")
    record = {"set": name, "seed": seed, "parameters": {k: float(v) for k, v in values.items()}}
    (Path(record_folder) / "variant.yml").write_text(yaml.safe_dump(record, sort_keys=False), encoding="utf-8")
    return path
