import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXECUTED = ROOT / "_build" / "executed"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")


def pytest_addoption(parser):
    parser.addoption("--notebook", action="append", default=[],
                     help="run only this notebook (repeatable); default: every notebook")


def pytest_configure(config):
    config.addinivalue_line("markers", "notebooks: executes the book's notebooks (slow)")
    config.addinivalue_line("markers", "browser: opens the built book in headless Chromium")
    os.environ.setdefault("D2L_BUDGET", "quick")
    # One intra-op thread per kernel: on a 2-core machine with anything else running,
    # PyTorch's two spinning OpenMP threads make small models 5-40x slower (measured on
    # chapter 8's LeNet: 600 s with two threads under load, about a minute with one).
    os.environ.setdefault("OMP_NUM_THREADS", "1")


def pytest_terminal_summary(terminalreporter):
    ran_notebooks = any(r.nodeid.startswith("tests/test_notebooks.py")
                        for reports in terminalreporter.stats.values() for r in reports
                        if hasattr(r, "nodeid"))
    times = sorted(EXECUTED.rglob("*.seconds")) if EXECUTED.exists() and ran_notebooks else []
    if not times:
        return
    ran = {str(p.relative_to(EXECUTED))[: -len(".seconds")]: float(p.read_text()) for p in times}
    terminalreporter.write_sep("-", "notebook run times (seconds, this machine)")
    for name, sec in sorted(ran.items()):
        terminalreporter.write_line(f"{sec:7.1f}  {name}")
    terminalreporter.write_line(f"{sum(ran.values()):7.1f}  total")


@pytest.fixture
def fashion_files():
    """The real Fashion-MNIST .gz files (Debian's package); CI must have them."""
    files = sorted(DEBIAN_DIR.glob("*-ubyte.gz"))
    if len(files) != 4:
        msg = "needs Debian's dataset-fashion-mnist (apt install dataset-fashion-mnist)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return files


sys.path.insert(0, str(ROOT / "tools"))
