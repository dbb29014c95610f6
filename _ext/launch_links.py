"""Launch buttons that work: Colab opens the chapter's reader's edition, and no placeholder hub.

sphinx-book-theme builds the launch links from the page's path (its ``add_launch_buttons``, an
``html-page-context`` handler at priority 501). This extension runs after it (priority 502) and

- points the **Colab** link at the reader's edition ``colab/NN-name.ipynb`` (made by
  tools/reader_edition.py: the MyST markup rendered to the Markdown Colab shows) instead of the chapter
  notebook, whose markup Colab would show raw. A chapter without an edition is a build warning
  (``make editions`` writes it), so ``-W`` fails rather than publish a link to a raw notebook;
- drops the **JupyterHub** launch when ``launch_buttons.jupyterhub_url`` names no real hub: a reserved
  example or test host (RFC 2606 / RFC 6761: ``example.org``, ``*.example``, ``*.test``, ``*.invalid``,
  ``localhost``) is a placeholder. That is a build warning too; an empty or absent URL shows no hub
  button at all (the theme's own behaviour), which is what the public site ships.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
#: Where tools/reader_edition.py writes the editions, relative to the book's root.
EDITIONS_DIR = "colab"
_PLACEHOLDER_HOSTS = ("example.org", "example.com", "example.net", "localhost")
_PLACEHOLDER_TLDS = ("example", "test", "invalid", "localhost")


def hub_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a JupyterHub to launch on, or None when it can (an empty URL: no hub).

    Examples
    --------
    >>> hub_url_problem("https://hub.example.org") is not None
    True
    >>> hub_url_problem("https://jupyter.university.edu") is None
    True
    >>> hub_url_problem("") is None
    True
    """
    if not url:
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return f"launch_buttons.jupyterhub_url must be a hub's http(s) address, got {url!r}"
    if host in _PLACEHOLDER_HOSTS or any(host.endswith("." + h) for h in _PLACEHOLDER_HOSTS) \
            or host.rsplit(".", 1)[-1] in _PLACEHOLDER_TLDS:
        return (f"launch_buttons.jupyterhub_url is the placeholder {url!r} (a reserved example host): "
                "set your hub's address, or remove the key to show no JupyterHub button")
    return None


def colab_edition_url(url: str, srcdir: Path, editions_dir: str = EDITIONS_DIR) -> tuple[str, Path]:
    """The Colab link for the reader's edition of the notebook that ``url`` opens, and that edition's path.

    Colab opens ``https://colab.research.google.com/github/<org>/<repo>/blob/<branch>/<path>``; the
    edition of ``chapters/NN-name.ipynb`` is ``colab/NN-name.ipynb``.

    Examples
    --------
    >>> colab_edition_url("https://colab.research.google.com/github/o/r/blob/main/chapters/03-ipsps.ipynb",
    ...                   Path("/book"))[0]
    'https://colab.research.google.com/github/o/r/blob/main/colab/03-ipsps.ipynb'
    """
    parts = urlsplit(url)
    segments = parts.path.split("/")
    if len(segments) < 7 or segments[1] != "github" or segments[4] != "blob":
        raise ValueError(f"not a Colab GitHub link: {url!r}")
    notebook = Path(*segments[6:])
    edition = Path(editions_dir) / notebook.name
    new_path = "/".join(segments[:6] + [edition.as_posix()])
    return parts._replace(path=new_path).geturl(), srcdir / edition


def _launch_group(context: dict) -> dict | None:
    for button in context.get("header_buttons", []):
        if button.get("label") == "launch-buttons":
            return button
    return None


def _config_inited(app, config):
    launch = config.html_theme_options.get("launch_buttons") or {}
    problem = hub_url_problem(str(launch.get("jupyterhub_url") or "").strip())
    if problem:
        LOGGER.warning(problem, type="ipsp", subtype="launch")
        config.html_theme_options["launch_buttons"] = {**launch, "jupyterhub_url": ""}


def _rewrite_buttons(app, pagename, templatename, context, doctree):
    group = _launch_group(context)
    if group is None:
        return
    for button in group.get("buttons", []):
        if button.get("text") != "Colab":
            continue
        url, edition = colab_edition_url(button["url"], Path(app.srcdir))
        if not edition.is_file():
            LOGGER.warning(f"{pagename}: no Colab edition {edition.relative_to(app.srcdir)}; run `make editions` "
                           "(the Colab button would open the chapter's raw MyST)", type="ipsp", subtype="launch")
            continue
        button["url"] = url
        button["tooltip"] = "Launch on Colab (the reader's edition of this chapter)"


def setup(app):
    app.connect("config-inited", _config_inited)
    app.connect("html-page-context", _rewrite_buttons, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
