"""book/_ext/attachments.py: a diagram a notebook carries as a cell attachment shows in the book."""
import base64
import subprocess
import sys

import nbformat
import pytest
from conftest import ROOT
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
CONF = f"""
import sys
sys.path.insert(0, {str(ROOT / "book" / "_ext")!r})
extensions = ["myst_nb", "attachments"]
nb_execution_mode = "off"
exclude_patterns = ["_build"]
"""


def build(tmp_path, attachments):
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(CONF)
    (src / "index.md").write_text("# Book\n\n```{toctree}\nsection\n```\n")
    cell = new_markdown_cell("# Section\n\n![A square, drawn.](attachment:square.svg)")
    if attachments:
        cell.attachments = attachments
    nb = new_notebook(cells=[cell, new_code_cell("1 + 1")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, src / "section.ipynb")
    out = tmp_path / "html"
    command = [sys.executable, "-m", "sphinx", "-W", "-n", "-q", "-b", "html", str(src), str(out)]
    proc = subprocess.run(command, capture_output=True, text=True)
    return proc, out


def test_attachment_becomes_an_image_in_the_page(tmp_path):
    data = base64.b64encode(SVG.encode()).decode()
    proc, out = build(tmp_path, {"square.svg": {"image/svg+xml": data}})
    assert proc.returncode == 0, proc.stderr
    page = (out / "section.html").read_text()
    assert f'src="data:image/svg+xml;base64,{data}"' in page
    assert 'alt="A square, drawn."' in page


def test_missing_attachment_fails_the_build(tmp_path):
    proc, _ = build(tmp_path, {})
    assert proc.returncode != 0
    assert "section.ipynb shows attachment square.svg, which its cell does not carry" in proc.stderr


@pytest.mark.parametrize("data", ["PHN2Zy8+", ["PHN2", "Zy8+"]])   # nbformat may split long data
def test_notebook_attachments_reads_both_forms(tmp_path, data):
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    import attachments

    nb = new_notebook(cells=[new_markdown_cell("x", attachments={"a.svg": {"image/svg+xml": data}})])
    nbformat.write(nb, tmp_path / "n.ipynb")
    assert attachments.notebook_attachments(tmp_path / "n.ipynb") == {"a.svg": ("image/svg+xml", "PHN2Zy8+")}
