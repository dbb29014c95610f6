"""MyST markup that a plain Markdown renderer (JupyterLab without jupyterlab-myst, Colab) shows raw.

A minimal version, written for the Colab editions (tests/test_colab_edition.py) while another helper
writes the full one at this path with the same signature; the lead keeps one.

``raw_myst_fragments(text)`` lists the fragments of Markdown ``text`` that are MyST syntax: roles
(``{term}`x```), directive fences (```` ```{note} ````, ``:::{note}``), directive options
(``:class: tip`` at the start of a line), targets (``(label)=``), substitutions (``{{ name }}``) and
equation labels after display maths (``$$ (eq-x)``). Code (fenced blocks without a directive, inline
code spans) is skipped: there the syntax is shown on purpose.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_PATTERNS = [
    re.compile(r"\{[A-Za-z][\w:+.-]*\}`[^`]*`"),                    # role
    re.compile(r"^\s*(?:`{3,}|~{3,}|:{3,})\s*\{[\w:-]+\}.*$", re.M),  # directive fence
    re.compile(r"^\s*:[A-Za-z][\w-]*:(?:\s.*)?$", re.M),           # directive option
    re.compile(r"^\s*\([\w:.-]+\)=\s*$", re.M),                     # target
    re.compile(r"\{\{\s*[\w.-]+\s*\}\}"),                           # substitution
    re.compile(r"\$\$\s*\([\w:.-]+\)\s*$", re.M),                   # labelled display maths
]
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(?P<code>[^\n]+?)(?<!`)\1(?!`)")  # within a line: never a fence


def _without_code(text: str) -> str:
    """``text`` with plain fenced code blocks blanked; directive fences and their bodies stay.

    A bare fence line closes the innermost open directive whose fence it repeats, else opens a code block.
    """
    kept, directives, closing = [], [], None
    for line in text.splitlines():
        match = _FENCE.match(line)
        fence = match["fence"] if match else None
        if closing is not None:  # inside a plain code block
            if fence and fence[0] == closing[0] and len(fence) >= len(closing) and not match["info"].strip():
                closing = None
            kept.append("")
            continue
        if fence and match["info"].strip().startswith("{"):
            directives.append(fence)
            kept.append(line)
        elif fence and not match["info"].strip() and directives and fence[0] == directives[-1][0] \
                and len(fence) >= len(directives[-1]):
            directives.pop()
            kept.append(line)
        elif fence:
            closing = fence
            kept.append("")
        else:
            kept.append(line)
    return "\n".join(kept)


def raw_myst_fragments(text: str) -> list[str]:
    """Every MyST fragment in Markdown ``text``, in order of appearance (empty when there is none).

    Examples
    --------
    >>> raw_myst_fragments("At {glue:md}`rest_mV` mV, a {term}`shunt <shunting inhibition>`.")
    ['{glue:md}`rest_mV`', '{term}`shunt <shunting inhibition>`']
    >>> raw_myst_fragments("```{admonition} Goals\\n:class: tip\\n\\nText\\n```")
    ['```{admonition} Goals', ':class: tip']
    >>> raw_myst_fragments("Plain **Markdown** with $E_\\\\text{Cl}$ and `{term}` in code.")
    []
    >>> raw_myst_fragments("```{note}\\nA\\n```\\n\\nAt {glue:md}`x` mV.\\n\\n```python\\n{term}`y`\\n```")
    ['```{note}', '{glue:md}`x`']
    """
    def role_outside_spans(match: re.Match) -> str:
        # a role is itself {name}`...`: keep it; blank genuine code spans
        start = match.start()
        if start > 0 and text_[start - 1] == "}":
            return match.group(0)
        return " " * len(match.group(0))

    text_ = _without_code(text)
    text_ = _CODE_SPAN.sub(role_outside_spans, text_)
    found = []
    for pattern in _PATTERNS:
        found += [(m.start(), m.group(0).strip()) for m in pattern.finditer(text_)]
    return [fragment for _, fragment in sorted(found)]
