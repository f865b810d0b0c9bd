"""Facts about the repository that must stay written once, and true."""
import re

import pytest
from conftest import ROOT

PYTHON = [p for folder in ("d2lutils", "tools", "tests", "benchmarks")
          for p in sorted((ROOT / folder).rglob("*.py")) if p.name != "test_project.py"]


def files_with(pattern):
    """The Python files (this one aside) with a line that matches `pattern`, and how often."""
    found = {}
    for p in PYTHON:
        n = sum(bool(re.search(pattern, line)) for line in p.read_text().splitlines())
        if n:
            found[str(p.relative_to(ROOT))] = n
    return found


def test_one_root_one_notebook_listing_one_debian_path():
    assert files_with(r"^ROOT = ") == {"tools/layout.py": 1}
    assert files_with(r'glob\("\[0-9\]\*\.ipynb"\)') == {"tools/layout.py": 1}   # the sections
    assert files_with("/usr/share/datasets/fashion-mnist") == {"d2lutils/fashion_mnist.py": 1}


def test_every_notebook_the_docs_name_exists():
    named = set()
    for doc in ("Makefile", "CONTRIBUTING.md", "README.md", "benchmarks/README.md"):
        named |= set(re.findall(r"notebooks/\d\d_\w+/\d\d_\w+\.ipynb", (ROOT / doc).read_text()))
    assert named and all((ROOT / path).is_file() for path in named), sorted(named)


def test_license_is_an_spdx_string_with_its_file():
    tomllib = pytest.importorskip("tomllib")   # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"          # a TOML table is deprecated by setuptools
    assert project["license-files"] and all((ROOT / f).is_file() for f in project["license-files"])


def test_the_bench_venv_says_why_its_torch_differs():
    makefile = (ROOT / "Makefile").read_text()
    book_torch = re.search(r"^torch==([\d.]+)", (ROOT / "requirements.txt").read_text(), re.M)[1]
    bench_torch = re.search(r"install -q torch==([\d.]+) torchvision==", makefile)[1]
    why = makefile[:makefile.index("BENCH_VENV :=")].rsplit("\n\n", 1)[1]
    assert bench_torch != book_torch and book_torch in why and bench_torch in why
    assert "torchvision" in why
