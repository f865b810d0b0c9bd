"""Build the HTML book from the notebooks `make notebooks` executed, with warnings as errors.

    python tools/build_book.py

Copies the book's sources into _build/test-book/src, every notebook replaced by its executed
copy from _build/executed, turns execution off and builds with -W -n --keep-going. The HTML
lands in _build/test-book/src/_build/html. Files that did not change keep their time
stamps, so a second build only rereads what changed.
"""
import filecmp
import re
import shutil
import subprocess
import sys
from pathlib import Path

import run_notebooks
from layout import BOOK_STATIC, EXECUTED, NOTEBOOKS, ROOT

STAGE = ROOT / "_build" / "test-book" / "src"
HTML = STAGE / "_build" / "html"


def put(content_or_file, dest):
    """Write dest only when it changes (Sphinx rebuilds what has a newer time stamp)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content_or_file, Path):
        if not (dest.is_file() and filecmp.cmp(content_or_file, dest, shallow=False)):
            shutil.copy(content_or_file, dest)
    elif not (dest.is_file() and dest.read_text() == content_or_file):
        dest.write_text(content_or_file)
    return dest


def executed(src):
    """The executed copy of notebook `src` that `make notebooks` made, or None if out of date."""
    return EXECUTED / src.relative_to(ROOT) if run_notebooks.up_to_date(src) else None


def stage(folder=STAGE, outputs=executed,
          hint="Run `make notebooks` first (it executes them into _build/executed)."):
    """Copy the book's sources into `folder`, each notebook replaced by `outputs(notebook)`
    (a path, or the notebook's text); fail when that is None for any notebook."""
    config = (ROOT / "_config.yml").read_text()
    config, n = re.subn(r"execute_notebooks:\s*\w+", "execute_notebooks: \"off\"", config)
    assert n == 1, "_config.yml must set execute.execute_notebooks"
    wanted = {put(config, folder / "_config.yml"), put(ROOT / "_toc.yml", folder / "_toc.yml")}
    missing = []
    sources = [p for p in (ROOT / "book").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    sources += [p for p in NOTEBOOKS.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts]
    for src in sources:
        rel = src.relative_to(ROOT)
        if src.suffix == ".ipynb":
            src = outputs(src)
            if src is None:
                missing.append(str(rel))
                continue
        wanted.add(put(src, folder / rel))
    if missing:
        sys.exit("No up-to-date executed copy of:\n  " + "\n  ".join(missing) + "\n" + hint)
    for old in [p for p in folder.rglob("*") if p.is_file() and "_build" not in p.relative_to(folder).parts]:
        if old not in wanted:
            old.unlink()
    link = folder / "_build" / "static"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(BOOK_STATIC, target_is_directory=True)


def main():
    stage()
    jb = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(jb), "build", str(STAGE), "-W", "-n", "--keep-going"]
    print(" ".join(cmd), flush=True)
    result = subprocess.run(cmd)
    if result.returncode == 0:
        print(f"Test book built: {HTML / 'index.html'}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
