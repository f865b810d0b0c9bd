"""What a reader sees where no MyST runs (Colab, JupyterLab, VS Code, GitHub): nothing raw."""
import json

import plain_render
import pytest
from layout import notebooks

DETAILS = "<details>\n<summary>Solution</summary>\n\n```python\nx = 1\n```\nIt is 1.\n\n</details>\n"


@pytest.mark.parametrize("markdown, problem", [
    ("The loss is {glue:text}`loss:.3f`.", "MyST role"),
    ("See {doc}`/book/intro` and {ref}`sec-x`.", "MyST role"),
    ("```{note}\nA note.\n```", "MyST directive"),
    (":::{note}\nA note.\n:::", "MyST directive"),
    ("(sec-tensors)=\n## Tensors", "MyST label"),
    ("The budget is {{ budget }}.", "MyST substitution"),
    ("% a comment for the book only\nText.", "MyST comment"),
    ("## Exercises\n\n1. Why?\n\n```{dropdown} Solution\nBecause.\n```", "MyST directive"),
    ("## Exercises\n\n1. Why?\n\n**Solution.** Because.", "outside <details>"),
    ("## Exercises\n\n1. Why?\n\n<details>\n<summary>Solution</summary>\nBecause.\n</details>",
     "not parsed as markdown"),
])
def test_each_kind_of_build_syntax_is_caught(tmp_path, markdown, problem):
    path = tmp_path / "nb.ipynb"
    cells = [{"cell_type": "markdown", "metadata": {}, "source": markdown}]
    if "## Exercises" not in markdown:
        exercises = "## Exercises\n\n1. Q\n\n" + DETAILS
        cells.append({"cell_type": "markdown", "metadata": {}, "source": exercises})
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                              "nbformat_minor": 5}))
    found = plain_render.problems(path)
    assert any(problem in p for p in found), found


def test_plain_markdown_and_math_pass(tmp_path):
    path = tmp_path / "nb.ipynb"
    text = ("Math $a_{i} * b_{j}$ and $$\\{x : x > 0\\}$$ stay math; `{glue:text}` in code is code.\n\n"
            "```python\n# {note} inside a code block\n```\n\n## Exercises\n\n1. Q\n\n" + DETAILS)
    path.write_text(json.dumps({"cells": [{"cell_type": "markdown", "metadata": {},
                                                        "source": text}], "metadata": {},
                                              "nbformat": 4, "nbformat_minor": 5}))
    assert plain_render.problems(path) == []
    assert plain_render.solutions(path) == 1
    html = plain_render.render(DETAILS)
    assert "<details>" in html and "<pre><code" in html and "<p>It is 1.</p>" in html


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.stem)
def test_every_notebook_reads_right_without_myst(path):
    assert plain_render.problems(path) == []
    assert plain_render.solutions(path) >= 3
