"""Execute every notebook once, in a fresh kernel started in an empty temporary folder.

Cells tagged raises-exception must raise; every other cell must not. The executed copies
go to _build/executed, where `make test-book` builds the book from them, so the book in
the tests shows exactly this execution (one run per notebook, not two).
"""
import time
from pathlib import Path

import nbformat
import pytest
from conftest import EXECUTED, ROOT
from nbclient import NotebookClient

ALL = sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def pytest_generate_tests(metafunc):
    if "notebook" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("--notebook") or ALL
        paths = [Path(p).resolve() for p in chosen]
        metafunc.parametrize("notebook", paths, ids=[str(p.relative_to(ROOT)) for p in paths])


@pytest.mark.notebooks
def test_notebook_runs(notebook, tmp_path):
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(tmp_path)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    rel = notebook.relative_to(ROOT)
    out = EXECUTED / rel
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    out.with_suffix(".seconds").write_text(f"{seconds:.1f}\n")
    for i, cell in enumerate(nb.cells):
        if "raises-exception" in cell.metadata.get("tags", []):
            errors = [o for o in cell.outputs if o.output_type == "error"]
            assert errors, f"{rel}: cell {i} is tagged raises-exception but raised nothing"
