"""The notebook-convention checker flags what it should, and every notebook passes it."""
import json
import re
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


# Issue 18: diagrams as attachments, citations, drawing code folded away, code that fits.
DIAGRAM_CELL = "A figure:\n\n![Max and average pooling of a 3 x 3 input.](attachment:pooling.svg)"
DRAWING = "fig, ax = plt.subplots()\n" + "".join(f"ax.plot([{i}, 2])\n" for i in range(5)) + "plt.show()"


def with_cell(path, cell):
    """Insert `cell` after the seed cell and sync, as `make sync` would."""
    edit(path, lambda nb: nb["cells"].insert(3, cell))
    nbtool.sync(path)
    return json.loads(path.read_text())["cells"][3]


def markdown(source):
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def code(source, tags=()):
    return {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": source, "outputs": [],
            "execution_count": None}


def test_sync_embeds_the_diagram_a_cell_shows(nb_path):
    import base64

    import diagrams

    cell = with_cell(nb_path, markdown(DIAGRAM_CELL))
    svg = base64.b64decode(cell["attachments"]["pooling.svg"]["image/svg+xml"]).decode()
    assert svg == diagrams.draw("pooling.svg")
    assert nbtool.problems(nb_path) == []
    edit(nb_path, lambda nb: nb["cells"][3].update(source="No figure any more."))
    nbtool.sync(nb_path)
    assert "attachments" not in json.loads(nb_path.read_text())["cells"][3]   # stale copy dropped


@pytest.mark.parametrize("damage, expected", [
    (lambda c: c["attachments"]["pooling.svg"].update({"image/svg+xml": "PHN2Zy8+"}),
     "pooling.svg differs from what tools/diagrams.py draws"),
    (lambda c: c.pop("attachments"), "which it does not carry"),
    (lambda c: c.update(source="![](attachment:pooling.svg)"), "without alt text"),
])
def test_checker_flags_a_stale_missing_or_undescribed_diagram(nb_path, damage, expected):
    with_cell(nb_path, markdown(DIAGRAM_CELL))
    edit(nb_path, lambda nb: damage(nb["cells"][3]))
    assert any(expected in p for p in nbtool.problems(nb_path)), nbtool.problems(nb_path)


def test_drawing_code_must_be_folded_away(nb_path):
    with_cell(nb_path, code(DRAWING))
    assert any("tag it hide-input" in p for p in nbtool.problems(nb_path)), nbtool.problems(nb_path)
    edit(nb_path, lambda nb: nb["cells"][3]["metadata"].update(tags=["hide-input"]))
    assert nbtool.problems(nb_path) == []


def test_drawing_helpers_count_when_called_through_the_package(nb_path):
    grids = "".join(f"d2lutils.draw_grid(ax, X, left={i})\n" for i in range(6))
    with_cell(nb_path, code("fig, ax = d2lutils.grid_axes(9, 3, (6, 2))\n" + grids + "plt.show()"))
    assert any("tag it hide-input" in p for p in nbtool.problems(nb_path)), nbtool.problems(nb_path)


def test_short_plots_and_training_cells_stay_visible(nb_path):
    with_cell(nb_path, code("fig, ax = plt.subplots()\nax.plot([1, 2])\nax.set_title('t')\nplt.show()"))
    assert nbtool.problems(nb_path) == []
    with_cell(nb_path, code("d2lutils.fit(net, train_iter)\n" + DRAWING))
    assert nbtool.problems(nb_path) == []


@pytest.mark.parametrize("cell", [
    code("x = 1  # " + "a comment that runs on past the right-hand edge of the column " * 2),
    markdown("Run this:\n\n```python\nprint('" + "x" * 100 + "')\n```"),
])
def test_code_lines_must_stay_short_enough_to_wrap_once(nb_path, cell):
    with_cell(nb_path, cell)
    expected = f"longer than {nbtool.CODE_LINE_LIMIT} characters"
    assert any(expected in p for p in nbtool.problems(nb_path)), nbtool.problems(nb_path)


def test_a_line_the_book_wraps_is_allowed(nb_path):
    with_cell(nb_path, code("x = 1  # " + "y" * (nbtool.CODE_LINE_LIMIT - 10)))
    assert nbtool.problems(nb_path) == []


@pytest.fixture
def book_root(tmp_path, monkeypatch):
    """A repository in tmp_path with the real references page and one notebook two folders down."""
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "references.md").write_text((ROOT / "book" / "references.md").read_text())
    (tmp_path / "_config.yml").write_text((ROOT / "_config.yml").read_text())
    monkeypatch.setattr(nbtool, "ROOT", tmp_path)
    nbtool.reference_anchors.cache_clear()
    yield tmp_path
    nbtool.reference_anchors.cache_clear()


@pytest.mark.parametrize("link, expected", [
    ("../../book/references.md#ioffe-and-szegedy-2015", None),
    ("../../book/references.md#ioffe-2015", "has no heading for"),
    ("../book/references.md#ioffe-and-szegedy-2015", "not book/references.md from here"),
])
def test_citations_link_to_an_entry_of_the_references_page(book_root, link, expected):
    path = book_root / "notebooks" / "09_chapter" / "01_test.ipynb"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(good_notebook()))
    with_cell(path, markdown(f"As shown by [Ioffe and Szegedy, 2015]({link})."))
    found = nbtool.problems(path)
    assert found == [] if expected is None else any(expected in p for p in found), found


def test_every_reference_has_a_link_and_is_cited_by_a_section():
    page = (ROOT / "book" / "references.md").read_text()
    entries = re.split(r"(?m)^### ", page)[1:]
    assert len(entries) >= 30
    headings = [e.split("\n", 1)[0] for e in entries]
    assert headings == sorted(headings, key=lambda h: h.lower().replace(",", ""))   # by author
    assert len(set(headings)) == len(headings)
    link = re.compile(r"\]\(https://(doi\.org|arxiv\.org|jmlr\.org|proceedings\.mlr\.press|www\.cs\.)")
    for entry in entries:
        assert link.search(entry), entry
        assert re.search(r"\]\((\.\./notebooks/|intro\.md)", entry), entry
