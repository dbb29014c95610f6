"""Check-your-understanding questions for the chapters, from data (``chapters/self-check/<chapter>.yml``).

A chapter calls ``self_check("<chapter>")`` in a hidden code cell. Displayed, it shows

- on the website and in JupyterLab: interactive questions (HTML with a small inline script; no network);
- in the print edition (``IPSP_BOOK_STATIC=print``): the questions; ``self_check_answers`` in the chapter's last
  cell lists the answers there;
- where HTML is not shown: Markdown, each answer folded in ``<details>``.

Examples
--------
>>> sc = self_check("01-ions")
>>> sorted(sc._repr_mimebundle_())
['text/html', 'text/markdown', 'text/plain']
"""

from __future__ import annotations

import os

from . import data, render
from .data import Question, QuestionError, catalogue_entry, chapters, load

__all__ = ["Question", "QuestionError", "SelfCheck", "SelfCheckAnswers", "catalogue_entry", "chapters", "load",
           "self_check", "self_check_answers"]


def _printing() -> bool:
    """True in the print edition's build (``IPSP_BOOK_STATIC=print``, set by ``make pdf``)."""
    return os.environ.get("IPSP_BOOK_STATIC") == "print"


class SelfCheck:
    """The questions of one chapter, ready to display."""

    def __init__(self, chapter: str):
        self.chapter = chapter
        self.questions = load(chapter)

    def _repr_mimebundle_(self, include=None, exclude=None):
        html = render.print_html(self.questions) if _printing() else render.interactive_html(self.questions)
        return {"text/html": html, "text/markdown": render.markdown(self.questions),
                "text/plain": render.plain_text(self.questions)}


class SelfCheckAnswers:
    """The answers of one chapter's questions: shown in the print edition only (the PDF lists them at the
    chapter's end); elsewhere the answers stay folded under each question, so this displays nothing."""

    def __init__(self, chapter: str):
        self.chapter = chapter
        self.questions = load(chapter)

    def _repr_mimebundle_(self, include=None, exclude=None):
        if not _printing():
            return {"text/plain": ""}
        return {"text/html": render.answers_html(self.questions), "text/plain": self.chapter + " answers"}


def self_check_answers(chapter: str) -> SelfCheckAnswers | None:
    """The answers to ``chapter``'s questions for the print edition; None (no output) anywhere else."""
    return SelfCheckAnswers(chapter) if _printing() else None


class _Unavailable:
    """Shown where ipsplib was installed without the book's repository (Colab installs the package alone), so
    the question files and the coursework catalogue they reference are not on disk."""

    TEXT = ("*The interactive questions are read from the book's repository (chapters/self-check/), which is not "
            "here. In the Colab edition they follow as text, each answer folded; the website and Binder check "
            "your answers.*")

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/markdown": self.TEXT, "text/plain": self.TEXT.strip("*")}


def self_check(chapter: str) -> SelfCheck | _Unavailable:
    """The self-check questions of ``chapter`` (e.g. ``"03-ipsps"``), to display at the end of a cell."""
    if not data.QUESTIONS_DIR.is_dir() or not data.COURSEWORK_DIR.is_dir():
        return _Unavailable()
    return SelfCheck(chapter)
