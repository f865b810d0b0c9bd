"""tools/run_book.py takes fit's results from the records fit logs, not from printed text."""
import nbformat
import run_book
from layout import ROOT
from nbformat.v4 import new_code_cell, new_notebook

FIT = """
import torch
from torch import nn
import d2lutils
X, y = d2lutils.synthetic_regression([2, -3.4], 4.2, 100)
for lr in (0.1, 1e9):
    net = nn.Linear(2, 1)
    print("loss 1, 2 examples/sec on nowhere")   # looks like a summary line; is not one
    d2lutils.fit(net, d2lutils.TensorLoader(X, y, 10, device="cpu"), None, nn.MSELoss(),
                 torch.optim.SGD(net.parameters(), lr=lr), 2, plot=False)
"""


def test_run_one_collects_one_record_per_fit_run(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))      # the kernel imports this checkout
    path = tmp_path / "nb.ipynb"
    nb = new_notebook(cells=[new_code_cell(FIT)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    executed, seconds, error, records = run_book.run_one(path, timeout=120)
    assert error == "" and seconds > 0
    assert [r["status"] for r in records] == ["finished", "diverged"]
    assert all(r["epochs"] >= 1 and r["device"] == "cpu" for r in records[:1])
    printed = "".join(o.get("text", "") for o in executed.cells[0].outputs)
    assert records[0]["summary"] in printed and records[1]["message"] in printed
    assert "nowhere" not in "".join(r["summary"] for r in records)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nb.ipynb"]   # the log lives elsewhere
