"""``{eval}`glued.NAME``` in the prose: the same glued number on the website and in JupyterLab.

The chapters' numbers are computed by the notebook and glued by name (``glue(name, value)`` in a
hidden cell). Plain myst-nb pastes them with ``{glue:md}`NAME```, a role that JupyterLab's MyST
renderer (jupyterlab-myst, what Binder shows) does not know: the reader sees the markup. jupyterlab-myst
does evaluate ``{eval}`expression``` in the notebook's kernel, so the prose writes
``{eval}`glued.NAME```, and each chapter's ``glue`` (ipsplib.book) also sets ``glued.NAME`` to the text it glues
(tools/glue_to_eval.py rewrites the prose and the chapters' import of ``glued``).

On the website the book executes notebooks before parsing them (``execute_notebooks: cache``), so
myst-nb's own ``{eval}`` role, which needs a kernel running during parsing (``inline`` mode), has
nothing to ask. This extension replaces it with a role that reads ``glued.NAME`` as the glued value
``NAME`` and pastes it exactly as ``{glue:md}`NAME``` does: the website's text is unchanged. Any other
expression is a build warning (an error under ``-W``), so the two readings cannot drift apart.
"""

from __future__ import annotations

import re

from myst_nb.ext.glue.roles import PasteMarkdownRole
from myst_nb.ext.glue.utils import glue_warning

#: the one expression form the prose may evaluate
GLUED = re.compile(r"^glued\.([A-Za-z_]\w*)$")


def glued_name(expression: str) -> str | None:
    """The glue name an ``{eval}`` expression reads, or None if it is not ``glued.NAME``.

    Examples
    --------
    >>> glued_name("glued.rest_mV")
    'rest_mV'
    >>> glued_name("rest_mV + 1") is None
    True
    """
    match = GLUED.match(expression.strip())
    return match.group(1) if match else None


class GluedEvalRole(PasteMarkdownRole):
    """``{eval}`glued.NAME```: paste the glued value NAME as markdown, as ``{glue:md}`NAME``` does."""

    def run(self):
        name = glued_name(self.text)
        if name is None:
            return [], [glue_warning(f"{{eval}} reads only glued.NAME in this book, got {self.text!r}",
                                     self.document, self.line)]
        self.text = name
        return super().run()


def setup(app):
    # after myst-nb (its setup registers its own "eval" role): this one replaces it
    app.setup_extension("myst_nb")
    app.add_role("eval", GluedEvalRole(), override=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
