"""Check-your-understanding questions for the chapters, from data (``chapters/self-check/<chapter>.yml``).

A chapter calls ``self_check("<chapter>")`` in a hidden code cell. Displayed, it shows

- on the website and in JupyterLab: interactive questions (HTML with a small inline script; no network);
- in the print edition (``IPSP_BOOK_STATIC=print``): the questions, then their answers;
- where HTML is not shown: Markdown, each answer folded in ``<details>``.

Examples
--------
>>> sc = self_check("01-ions")
>>> sorted(sc._repr_mimebundle_())
['text/html', 'text/markdown', 'text/plain']
"""

from __future__ import annotations

import os

from . import render
from .data import Question, QuestionError, catalogue_entry, chapters, load

__all__ = ["Question", "QuestionError", "SelfCheck", "catalogue_entry", "chapters", "load", "self_check"]


class SelfCheck:
    """The questions of one chapter, ready to display."""

    def __init__(self, chapter: str):
        self.chapter = chapter
        self.questions = load(chapter)

    def _repr_mimebundle_(self, include=None, exclude=None):
        printing = os.environ.get("IPSP_BOOK_STATIC") == "print"
        html = render.print_html(self.questions) if printing else render.interactive_html(self.questions)
        return {"text/html": html, "text/markdown": render.markdown(self.questions),
                "text/plain": render.plain_text(self.questions)}


def self_check(chapter: str) -> SelfCheck:
    """The self-check questions of ``chapter`` (e.g. ``"03-ipsps"``), to display at the end of a cell."""
    return SelfCheck(chapter)
