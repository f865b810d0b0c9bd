"""Where the book's files are: the one place tools and tests take paths from."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
BUILD = ROOT / "_build"
EXECUTED = BUILD / "executed"            # notebooks as `make test` executed them
JUPYTER_CACHE = BUILD / ".jupyter_cache"  # execute.cache in _config.yml
BOOK_STATIC = BUILD / "static"            # files the built book carries (book/_ext/offline_mathjax.py)
MATHJAX = BOOK_STATIC / "mathjax"         # MathJax 3 from the npm registry (tools/browser_setup.py)
BOOK_HTML = BUILD / "html"                # the book `make book` builds
PDF_BUILD = BUILD / "pdf"                 # the PDF edition's sources and single-page HTML
PDF = PDF_BUILD / "book.pdf"              # the PDF edition (`make pdf`, tools/build_pdf.py)


def notebooks(args=()):
    """The book's section notebooks in reading order, or the given paths."""
    if args:
        return [Path(a).resolve() for a in args]
    return sorted(p for p in NOTEBOOKS.rglob("[0-9]*.ipynb") if ".ipynb_checkpoints" not in p.parts)
