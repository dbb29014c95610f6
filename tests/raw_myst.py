"""Find MyST markup left raw in text a reader sees.

A front end that does not understand MyST (plain JupyterLab, Colab, a notebook viewer) shows the
markup of the book's prose as text: ``{glue:md}`rest_mV```, ``{term}`IPSP```, a directive fence
``````{admonition} Learning goals``, a directive option ``:class: tip`` on its own line, a target
``(fig-ipsp-sum)=``. A renderer that knows MyST but not one role says so in the page ("Unknown role
glue:md"). `raw_myst_fragments` finds all of these in a piece of text: the rendered text of a page
(what a browser shows, e.g. ``innerText``) or a cell's markdown source, which lets a test count what a
reader of the source would see before and after a change.

It is deliberately strict about the markup's shape and blind to ordinary prose and maths: braces in
LaTeX (``$\\frac{dV}{dt}$``, ``$E_\\text{Cl}$``) are not roles because no backtick follows the
closing brace, and a definition list's ``: definition`` line has no second colon.
"""

from __future__ import annotations

import re

__all__ = ["raw_myst_fragments"]

#: ``{name}`content``` (also ``{glue:md}`x```, ``{cite:p}`a,b```); the content up to the closing backtick.
_ROLE = re.compile(r"\{[A-Za-z][\w.+-]*(?::[\w.+-]+)*\}`[^`\n]*`?")
#: a directive fence: ``````{note}``, ``:::{exercise}``, ``~~~{code-cell}`` (3 or more fence characters).
_DIRECTIVE = re.compile(r"(?:`{3,}|~{3,}|:{3,})\s*\{[A-Za-z][\w.+:-]*\}[^\n]*")
#: a directive option on its own line: ``:class: tip``, ``:label: ex-1``, ``:nowrap:``.
_OPTION = re.compile(r"(?m)^[ \t]*:[A-Za-z][\w-]*:(?:[ \t][^\n]*)?$")
#: a target before a heading or figure: ``(fig-ipsp-sum)=``.
_TARGET = re.compile(r"(?m)^[ \t]*\([\w.:-]+\)=[ \t]*$")
#: a substitution the renderer left alone: ``{{ rest_mV }}``.
_SUBSTITUTION = re.compile(r"\{\{[^{}\n]*\}\}")
#: a renderer's own notice that it met markup it does not know.
_NOTICE = re.compile(r"(?i)\b(?:unknown|unsupported|undefined) (?:role|directive)\b[^\n]{0,60}")


def raw_myst_fragments(text: str) -> list[str]:
    """The pieces of MyST markup in ``text``, in order of appearance.

    Parameters
    ----------
    text : str
        What a reader sees (a rendered page's text) or a markdown cell's source.

    Returns
    -------
    list of str
        Each raw role (``{term}`IPSP```), directive fence, directive option line, target, substitution
        and "unknown role/directive" notice, stripped of surrounding whitespace; empty if the text
        reads as prose.

    Examples
    --------
    >>> raw_myst_fragments("A cell resting at {glue:md}`rest_mV` mV, see {term}`IPSP`.")
    ['{glue:md}`rest_mV`', '{term}`IPSP`']
    >>> raw_myst_fragments("```{admonition} Goals\\n:class: tip\\nText\\n```")
    ['```{admonition} Goals', ':class: tip']
    >>> raw_myst_fragments("A cell resting at −70 mV; $C\\\\frac{dV}{dt} = -g_L(V - E_L)$.")
    []
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    # directives first: a fence line may hold a role-like "{name}" that is part of the fence
    for pattern in (_DIRECTIVE, _ROLE, _OPTION, _TARGET, _SUBSTITUTION, _NOTICE):
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(s <= start < e for s, e in taken):
                continue
            taken.append((start, end))
            found.append((start, match.group(0).strip()))
    return [fragment for _, fragment in sorted(found)]
