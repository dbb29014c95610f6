"""Interactive demos of the book: one object per demo, live in Jupyter and static on the website.

``ALL`` maps each demo's name to a zero-argument factory; ``register`` fills it.
Each demo module registers its factories when imported below.

Examples
--------
>>> from ipsplib import demos
>>> sorted(demos.ALL) == sorted(set(demos.ALL))
True
"""

from ._base import ALL, Control, Demo, register, static_mode

# Demo modules: one import line each (importing registers their demos in ALL).
# ruff: noqa: I001  (one line per demo module, so each owner edits only their own)
from . import ions, ipsp  # noqa: F401  (helper C)
from . import epsp  # noqa: F401  (helper D)
from . import chloride  # noqa: F401  (helper E)

# demos.<name>() for every registered demo, unless a module already uses that name.
def _export_factories() -> None:
    for name, factory in ALL.items():
        globals().setdefault(name, factory)


_export_factories()

__all__ = ["ALL", "Control", "Demo", "register", "static_mode", *ALL]
