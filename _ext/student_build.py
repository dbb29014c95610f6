"""The student website: in-chapter exercise solutions removed (``make book-student``).

With the environment variable ``IPSP_STUDENT_BUILD=1`` every exercise solution is removed from the
site, plain ``{solution}`` and gated ``{solution-start}`` ... ``{solution-end}`` alike, and the pages'
sources (``_sources/``, which hold the solutions) are not copied. Without the variable it does nothing.

sphinx-exercise's own ``hide_solutions: true`` (1.2.1) does not do this for gated solutions: it drops the
start marker only, so everything between the markers (the solution's text, code and figures) stays on
the page. So the student build leaves ``hide_solutions`` off, lets sphinx-exercise merge each gated
solution into one solution node (its MergeGatedSolutions transform, priority 10) and then removes the
solution nodes with their content (priority 20).
"""

import os

from sphinx.transforms import SphinxTransform

ENV = "IPSP_STUDENT_BUILD"


def student() -> bool:
    return os.environ.get(ENV) == "1"


class RemoveSolutions(SphinxTransform):
    default_priority = 20  # after sphinx-exercise's MergeGatedSolutions (10)

    def apply(self, **kwargs):
        if not student():
            return
        from sphinx_exercise.nodes import solution_end_node, solution_node, solution_start_node

        kinds = (solution_node, solution_start_node, solution_end_node)
        for node in list(self.document.findall(lambda n: isinstance(n, kinds))):
            node.parent.remove(node)


def _config(app, config):
    if student():
        config.html_copy_source = False
        config.html_show_sourcelink = False


def setup(app):
    app.connect("config-inited", _config)
    app.add_transform(RemoveSolutions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
