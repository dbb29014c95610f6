"""How `make test` shares the suite between its pytest-xdist workers (tests/conftest.py installs it).

A worker runs whole groups of tests, so that a module's fixtures are set up once, in one worker:

- each test module (or doctest module of ipsplib) is a group of its own;
- except that the modules that use a session fixture that must stay in one process (`SHARED_SESSION_FIXTURES`:
  they name it, as a test argument or in ``request.getfixturevalue``) form one group per fixture.

The groups known to take minutes go out first (`LONG_FIRST`), so that no worker starts one of them while the
other has nothing left to do. (pytest-xdist's own ``--dist loadgroup`` cannot be used: it renames node ids,
which pytest 9.2 no longer takes from ``item._nodeid``.)
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: (The coursework builds are shared between workers instead: tests/once_per_run.py. NEURON's mechanism is
#: loaded into the process that compiled it, so its modules share a worker.)
SHARED_SESSION_FIXTURES = {"nmda_mechanism": "neuron"}
#: Slowest groups first (make test's --durations; issue 19); the rest in pytest-xdist's order.
LONG_FIRST = ("tests/test_jupyterlab.py", "tests/test_coursework_variants.py", "tests/test_coursework.py",
              "tests/test_coursework_routes.py", "tests/test_selfcheck_lab.py", "tests/test_binder_env.py",
              "tests/test_page_weight.py", "neuron", "tests/test_coursework_grading.py",
              "tests/test_coursework_per_student.py", "tests/test_demos_static.py",
              "tests/test_demos_typography.py", "tests/test_pdf.py", "tests/test_demos_site.py")


@functools.cache
def group_of(module: str) -> str:
    """The group of the tests in ``module`` (a path relative to the repository, as in a node id).

    Examples
    --------
    >>> group_of("tests/test_neuron_validation.py"), group_of("tests/test_neuron_dendrite.py")
    ('neuron', 'neuron')
    >>> group_of("tests/test_typography.py"), group_of("ipsplib/membrane.py")
    ('tests/test_typography.py', 'ipsplib/membrane.py')
    """
    path = ROOT / module
    if path.name.startswith("test_") and path.is_file():
        source = path.read_text(encoding="utf-8")
        for fixture, group in SHARED_SESSION_FIXTURES.items():
            if re.search(rf"\b{fixture}\b", source):
                return group
    return module


def make_scheduler(config, log):
    """A pytest-xdist scheduler that hands out `group_of` groups, the `LONG_FIRST` ones first."""
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid.split("::", 1)[0])

        def _assign_work_unit(self, node) -> None:
            for group in LONG_FIRST:
                if group in self.workqueue:
                    self.workqueue.move_to_end(group, last=False)
                    break
            super()._assign_work_unit(node)

    return GroupScheduling(config, log)
