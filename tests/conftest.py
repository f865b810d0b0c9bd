import os
import sys
from pathlib import Path

import pytest

from d2lutils.fashion_mnist import DEBIAN_DIR  # noqa: F401  (the one place it is written)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from layout import ROOT  # noqa: E402,F401  (tools/ holds the one definition of the paths)


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: opens the built book in headless Chromium")
    config.addinivalue_line("markers", "pdf: reads the PDF edition that `make pdf` printed")
    os.environ.setdefault("D2L_BUDGET", "quick")
    os.environ.setdefault("OMP_NUM_THREADS", "1")


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

