"""Interactive demos of the book: one object per demo, live in Jupyter and static on the website.

``ALL`` maps each demo's name to a zero-argument factory; ``register`` fills it.
Each demo module registers its factories when imported below.

Examples
--------
>>> from ipsplib import demos
>>> sorted(demos.ALL) == sorted(set(demos.ALL))
True
"""

# Importing a demo module registers its demos in ALL.
from . import chloride, epsp, ions, ipsp, measuring, spatial, threshold  # noqa: F401
from ._base import ALL, Control, Demo, register, static_mode
from .summation import temporal_summation  # noqa: F401  (registers the chapter 5 demo)


# demos.<name>() for every registered demo, unless a module already uses that name.
def _export_factories() -> None:
    for name, factory in ALL.items():
        globals().setdefault(name, factory)


_export_factories()

__all__ = ["ALL", "Control", "Demo", "register", "static_mode", *ALL]
