"""MathJax from the book itself, so that formulas render offline, in a page opened as a file.

Sphinx loads MathJax from a CDN by default: a book built here and opened from disk with no
network shows every formula as raw LaTeX. This points `mathjax_path` at the copy in
_build/static/mathjax (`python tools/browser_setup.py --mathjax`, which `make book` runs)
and ships that folder in the book's _static.
"""
from pathlib import Path

from sphinx.errors import ExtensionError

COMPONENT = "mathjax/es5/tex-mml-chtml.js"


def use_local_mathjax(app, config):
    static = Path(app.confdir) / "_build" / "static"
    if not (static / COMPONENT).is_file():
        raise ExtensionError(f"MathJax is missing from {static / 'mathjax'}: run "
                             "`python tools/browser_setup.py --mathjax` (or `make book`)")
    config.html_static_path = list(config.html_static_path) + [str(static)]
    config.mathjax_path = COMPONENT


def setup(app):
    app.connect("config-inited", use_local_mathjax)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
