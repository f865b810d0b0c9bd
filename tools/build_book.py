"""Build the HTML book from the notebooks `make notebooks` already executed.

    python tools/build_book.py --from-executed

Copies the book's sources into _build/test-book/src with every notebook replaced by its
executed copy from _build/executed, turns execution off and builds with warnings as
errors (-W -n --keep-going). The HTML lands in _build/test-book/src/_build/html.
"""
import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXECUTED = ROOT / "_build" / "executed"
STAGE = ROOT / "_build" / "test-book" / "src"


def stage():
    if STAGE.exists():
        shutil.rmtree(STAGE)
    STAGE.mkdir(parents=True)
    config = (ROOT / "_config.yml").read_text()
    config, n = re.subn(r"execute_notebooks:\s*\w+", "execute_notebooks: \"off\"", config)
    assert n == 1, "_config.yml must set execute.execute_notebooks"
    (STAGE / "_config.yml").write_text(config)
    shutil.copy(ROOT / "_toc.yml", STAGE / "_toc.yml")
    shutil.copytree(ROOT / "book", STAGE / "book")
    missing = []
    for src in (ROOT / "notebooks").rglob("*"):
        if src.is_dir() or ".ipynb_checkpoints" in src.parts:
            continue
        rel = src.relative_to(ROOT)
        dest = STAGE / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if src.suffix == ".ipynb":
            executed = EXECUTED / rel
            if not executed.exists() or executed.stat().st_mtime < src.stat().st_mtime:
                missing.append(str(rel))
                continue
            shutil.copy(executed, dest)
        else:
            shutil.copy(src, dest)
    if missing:
        sys.exit("No up-to-date executed copy of:\n  " + "\n  ".join(missing)
                 + "\nRun `make notebooks` first (it executes them into _build/executed).")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from-executed", action="store_true", required=True)
    parser.parse_args()
    stage()
    jb = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(jb), "build", str(STAGE), "-W", "-n", "--keep-going"]
    print(" ".join(cmd), flush=True)
    result = subprocess.run(cmd)
    if result.returncode == 0:
        print(f"Test book built: {STAGE / '_build' / 'html' / 'index.html'}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
