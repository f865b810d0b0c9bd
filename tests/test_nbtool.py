"""The notebook-convention checker flags what it should, and every notebook passes it."""
import json
import subprocess
import sys

import nbtool  # tools/ is on the path via conftest
import pytest
from conftest import ROOT


def good_notebook():
    md = lambda s: {"cell_type": "markdown", "metadata": {}, "source": s}
    code = lambda s, tags=(): {"cell_type": "code", "metadata": {"tags": list(tags)},
                               "source": s, "outputs": [], "execution_count": None}
    solution = "1. Why?\n\n<details>\n<summary>Solution</summary>\n\nBecause.\n\n</details>\n\n"
    return {"cells": [md("# 9.9 Test\n\nIntro."), code("import d2lutils\nd2lutils.seed_everything(0)"),
                      code("x = 1\nprint(x)"), md("The value printed above is 1."),
                      code("assert x == 1", ["remove-cell"]),
                      md("## Summary\n- a\n\n## Exercises\n\n" + solution * 3)],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


@pytest.fixture
def nb_path(tmp_path):
    path = tmp_path / "01_test.ipynb"
    path.write_text(json.dumps(good_notebook()))
    nbtool.sync(path)
    return path


def edit(path, fn):
    nb = json.loads(path.read_text())
    fn(nb)
    path.write_text(json.dumps(nb))


def test_synced_notebook_is_clean(nb_path):
    assert nbtool.problems(nb_path) == []
    nb = json.loads(nb_path.read_text())
    assert "colab.research.google.com/github/" in nb["cells"][0]["source"]
    assert nbtool.SETUP_TAG in nb["cells"][1]["metadata"]["tags"]


# After sync the cells are: 0 title, 1 setup, 2 seed, 3 code, 4 prose, 5 check, 6 summary.
@pytest.mark.parametrize("damage, expected", [
    (lambda nb: nb["cells"][3].update(outputs=[{"output_type": "stream", "name": "stdout",
                                                 "text": "1"}]), "outputs"),
    (lambda nb: nb["cells"][3].update(execution_count=3), "execution count"),
    (lambda nb: nb["cells"][0].update(source="# 9.9 Test"), "badge"),
    (lambda nb: nb["cells"][1].update(source="pass"), "setup cell out of sync"),
    (lambda nb: nb["cells"].pop(1), "setup cell"),
    (lambda nb: nb["cells"][2].update(source="import d2lutils"), "seed_everything"),
    (lambda nb: nb["cells"][5].update(source="x = 2"), "asserts nothing"),
    (lambda nb: nb["cells"][4].update(source="x is {glue:text}`x`."), "MyST role"),
    (lambda nb: nb["metadata"].update(kernelspec={"name": "julia"}), "kernelspec"),
    (lambda nb: nb["cells"][6].update(source="## Summary\n## Exercises\n"), "fewer than three"),
    (lambda nb: nb["cells"][6].update(source="## Exercises\n" + "<summary>Solution</summary>" * 3),
     "Summary"),
])
def test_checker_flags_broken_conventions(nb_path, damage, expected):
    edit(nb_path, damage)
    assert any(expected in p for p in nbtool.problems(nb_path)), nbtool.problems(nb_path)


def test_every_notebook_follows_the_conventions():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "nbtool.py"), "check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_reference_results_page_is_up_to_date():
    """book/reference_results.md is generated from the recorded GPU runs in book/reference/."""
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "reference_page.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_reference_page_parses_the_profile():
    import reference_page

    prof = reference_page.profile_numbers("gpu_profile_lenet.log")
    assert prof["launches"] == (720 + 200) / 20     # the two launch rows of the table, per step
    assert abs(prof["gpu_ms"] - 6.931 / 20) < 1e-9 and abs(prof["cpu_ms"] - 65.071 / 20) < 1e-9
    assert reference_page._ms("12.5us") == 0.0125 and reference_page._ms("2s") == 2000
