"""tools/run_notebooks.py: nbval runs the notebooks; what it records is what Jupyter shows."""
import json
import os
import subprocess
import sys

import nbformat
import pytest
import run_notebooks
from layout import ROOT
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

GOOD = [
    # fit's live plot: one display, redrawn in place; the book must show the last frame
    new_code_cell("from IPython.display import display, clear_output\n"
                  "h = display('frame 1', display_id=True)\nh.update('frame 2')\nh.update('last frame')"),
    # the widgets' redraw: clear_output(wait=True) before each new frame
    new_code_cell("for i in range(3):\n    clear_output(wait=True)\n    print('panel', i)"),
    new_code_cell("import torch\ntorch.nn.init.xavier_uniform_(torch.zeros(3))",
                  metadata={"tags": ["raises-exception"]}),
    new_code_cell("print('after the error')"),
    new_code_cell("import os\nprint(sorted(os.listdir('.')))"),   # the kernel's working folder
    # a closing `;` hides the value, as in Jupyter (nbval alone runs cells without history,
    # and IPython then looks for the `;` in the wrong cell)
    new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.title('quiet');"),
    new_markdown_cell("![a diagram](attachment:d.svg)", attachments={"d.svg": {"image/svg+xml": "PHN2Zy8+"}}),
]
SILENT = [new_code_cell("x = 1", metadata={"tags": ["raises-exception"]})]
STRAY = [new_markdown_cell("A plot:"),
         new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.title('loud')")]
FIT = [new_code_cell(   # fit's default plot=True in a real kernel: one figure, redrawn in place
    "import torch\nfrom torch import nn\nimport d2lutils\n"
    "X, y = torch.randn(200, 2), torch.randint(0, 3, (200,))\nnet = nn.Linear(2, 3)\n"
    "it = d2lutils.TensorLoader(X, y, 20, device='cpu')\n"
    "h = d2lutils.fit(net, it, it, nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=0.1), 3)")]


def write(path, cells):
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("run")
    good, silent = write(tmp / "good.ipynb", GOOD), write(tmp / "silent.ipynb", SILENT)
    stray, fit = write(tmp / "stray.ipynb", STRAY), write(tmp / "fit.ipynb", FIT)
    out = tmp / "executed"
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "run_notebooks.py"), "--out", str(out),
                           "--stage", str(tmp / "stage"), str(good), str(silent), str(stray), str(fit)],
                          capture_output=True, text=True, cwd=tmp,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))   # kernels import this checkout
    return {"proc": proc, "good": good, "silent": silent, "out": out}


def outputs(path):
    return [c.get("outputs") for c in json.loads(path.read_text())["cells"]]


def text(output):
    return "".join(output.get("text") or output.get("data", {}).get("text/plain", ""))


def test_a_cell_tagged_raises_exception_must_raise(run):
    assert run["proc"].returncode != 0
    assert "tagged raises-exception but raised nothing" in run["proc"].stdout
    assert not (run["out"] / "silent.ipynb").exists()   # no executed copy of a failed run


def test_a_cell_that_shows_a_matplotlib_value_fails(run):
    assert "Cell 0 (notebook cell 1) shows a matplotlib return value under its figure, " \
        "\"Text(0.5, 1.0, 'loud')\"" in run["proc"].stdout, run["proc"].stdout[-3000:]
    assert "end the cell with `plt.show()`" in run["proc"].stdout
    assert not (run["out"] / "stray.ipynb").exists()


def test_executed_copy_keeps_what_jupyter_shows(run):
    plot, panel, error, after, folder, quiet, diagram = outputs(run["out"] / "good.ipynb")
    assert [text(o) for o in plot] == ["'last frame'"]       # display updates applied
    assert [text(o) for o in panel] == ["panel 2\n"]          # clear_output(wait=True) honoured
    assert error[0]["output_type"] == "error" and error[0]["ename"] == "ValueError"
    traceback = "\n".join(error[0]["traceback"])
    assert ".../site-packages/torch/nn/init.py" in traceback      # no build-machine paths
    assert sys.prefix not in traceback and str(ROOT) not in traceback
    assert text(after[0]) == "after the error\n"
    assert text(folder[0]) == "['good.ipynb']\n"   # a folder of its own, nothing else in it
    assert [o["output_type"] for o in quiet] == ["display_data"]   # the figure, no Text(...)
    cells = json.loads((run["out"] / "good.ipynb").read_text())["cells"]
    assert "".join(cells[-1]["attachments"]["d.svg"]["image/svg+xml"]) == "PHN2Zy8+"   # diagrams kept


def test_up_to_date_follows_the_notebook(run, monkeypatch):
    assert run_notebooks.up_to_date(run["good"], run["out"])
    for key in run_notebooks.DEFAULT_ENV:   # `make test-book` does not set the run's defaults
        monkeypatch.delenv(key, raising=False)
    assert run_notebooks.up_to_date(run["good"], run["out"])
    before = os.environ.get("MKL_CBWR")   # set when the whole suite runs under it
    monkeypatch.setenv("MKL_CBWR", "AVX2" if before == "COMPATIBLE" else "COMPATIBLE")
    assert not run_notebooks.up_to_date(run["good"], run["out"])   # another CPU code path
    if before is None:
        monkeypatch.delenv("MKL_CBWR")
    else:
        monkeypatch.setenv("MKL_CBWR", before)
    assert run_notebooks.up_to_date(run["good"], run["out"])
    nb = nbformat.read(run["good"], as_version=4)
    nb.cells.append(new_code_cell("print('new')"))
    nbformat.write(nb, run["good"])
    assert not run_notebooks.up_to_date(run["good"], run["out"])


def test_fits_live_plot_leaves_one_figure_and_the_summary(run):
    [outputs_of_fit] = outputs(run["out"] / "fit.ipynb")
    figures = [o for o in outputs_of_fit if o["output_type"] == "display_data"]
    assert len(figures) == 1 and "image/svg+xml" in figures[0]["data"], outputs_of_fit
    svg = "".join(figures[0]["data"]["image/svg+xml"])
    assert "<!-- train loss -->" in svg and "<!-- test acc -->" in svg   # the legend, drawn
    printed = "".join(text(o) for o in outputs_of_fit if o["output_type"] == "stream")
    assert "examples/sec on cpu" in printed



def test_the_timing_table_is_the_runs_own_and_only_the_runs(run):
    """`make notebooks` prints the times of the notebooks it ran; `make unit` prints none (it
    once printed the last notebook run's table as if it were its own)."""
    table = run["proc"].stdout.split("notebook run times")[1]
    assert "good.ipynb" in table and "fit.ipynb" in table and "FAILED" in table
    unit = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(ROOT / "tests" / "test_core.py"), "-k", "timer"],
                          capture_output=True, text=True, cwd=ROOT)
    assert unit.returncode == 0 and "1 passed" in unit.stdout, unit.stdout
    assert "run times" not in unit.stdout + unit.stderr
