"""The explorer widget and the static sweep, driven by a real (tiny) training function."""
import matplotlib
import pytest
import torch
from torch import nn

import d2lutils
from d2lutils import TensorLoader, fit, widgets

matplotlib.use("Agg")


def make_train_fn():
    X, y = d2lutils.synthetic_regression([2, -3.4], 4.2, 100)
    calls = []

    def train_fn(lr, batch_size, num_epochs, optimizer=None, on_epoch=None):
        calls.append((lr, batch_size, num_epochs, optimizer))
        d2lutils.seed_everything(0)
        net = nn.Linear(2, 1)
        opt_cls = {"SGD": torch.optim.SGD, "Adam": torch.optim.Adam, None: torch.optim.SGD}
        opt = opt_cls[optimizer](net.parameters(), lr=lr)
        it = TensorLoader(X, y, batch_size, device="cpu")
        return fit(net, it, None, nn.MSELoss(), opt, num_epochs, plot=False, on_epoch=on_epoch)

    return train_fn, calls


def test_sweep_runs_every_pair_and_flags_divergence():
    train_fn, calls = make_train_fn()
    runs = widgets.sweep(train_fn, lrs=[0.01, 0.1, 5.0], batch_sizes=[10, 50], num_epochs=3)
    assert [(r["lr"], r["batch_size"]) for r in runs] == [
        (0.01, 10), (0.1, 10), (5.0, 10), (0.01, 50), (0.1, 50), (5.0, 50)]
    status = {(r["lr"], r["batch_size"]): r["history"].status for r in runs}
    assert status[(0.1, 10)] == "finished" and status[(5.0, 10)] == "diverged"
    good = {r["lr"]: r["history"].train_loss[-1] for r in runs if r["batch_size"] == 10}
    assert good[0.1] < good[0.01]  # the larger (stable) step converges faster


def test_explorer_trains_keeps_runs_and_reports_divergence():
    pytest.importorskip("ipywidgets")
    train_fn, calls = make_train_fn()
    box = widgets.explore(train_fn, num_epochs=2, lr=0.1, batch_size=16, lr_range=(1e-3, 1e3),
                          optimizers=["SGD", "Adam"])
    box.train(None)
    assert calls[-1] == (pytest.approx(0.1), 16, 2, "SGD")
    assert len(box.runs) == 1 and box.runs[0][2] == "finished"
    status = box.children[2]
    assert status.value.startswith("Done:")
    lr_slider = box.children[0].children[0]
    lr_slider.value = 1000.0
    box.train(None)
    assert len(box.runs) == 2 and box.runs[1][2] == "diverged"
    assert "diverged" in status.value
    train_button = box.children[1].children[-2]
    assert train_button.disabled is False  # re-enabled after training


def test_explorer_shows_errors_inside_the_widget():
    pytest.importorskip("ipywidgets")

    def broken(**kwargs):
        raise ValueError("batch_size must be a whole number >= 1, got 0")

    box = widgets.explore(broken)
    box.train(None)
    assert "ValueError" in box.children[2].value and box.runs == []


def test_ipywidgets_version_is_the_expected_one():
    """`make widgets7` runs this file against Colab's ipywidgets 7 (D2L_EXPECT_IPYWIDGETS=7);
    it must really get 7, and `make unit` the venv's own 8, module and metadata alike."""
    import importlib.metadata
    import os

    ipywidgets = pytest.importorskip("ipywidgets")
    expected = os.environ.get("D2L_EXPECT_IPYWIDGETS", "8")
    assert ipywidgets.__version__.startswith(expected + "."), ipywidgets.__version__
    assert importlib.metadata.version("ipywidgets") == ipywidgets.__version__


def test_explorer_in_a_real_kernel():
    """explore() builds, trains and redraws inside an IPython kernel, as in Jupyter or Colab."""
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    code = '''
import ipywidgets, torch
from torch import nn
import d2lutils
from d2lutils import widgets
X, y = d2lutils.synthetic_regression([2, -3.4], 4.2, 100)
def train_fn(lr, batch_size, num_epochs, optimizer=None, on_epoch=None):
    net = nn.Linear(2, 1)
    it = d2lutils.TensorLoader(X, y, batch_size, device="cpu")
    return d2lutils.fit(net, it, None, nn.MSELoss(), torch.optim.SGD(net.parameters(), lr=lr),
                        num_epochs, plot=False, on_epoch=on_epoch)
box = widgets.explore(train_fn, num_epochs=2, lr=0.05, batch_size=16)
box.train(None)
print(ipywidgets.__version__, box.runs[0][2], box.children[2].value[:5])
'''
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    assert not [o for o in outputs if o.output_type == "error"], outputs
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    version, status, done = text.split()[-3:]
    assert (status, done) == ("finished", "Done:"), text
    assert any(o.output_type == "display_data" and
               "application/vnd.jupyter.widget-view+json" in o.data for o in outputs), outputs
    import os

    assert version.startswith(os.environ.get("D2L_EXPECT_IPYWIDGETS", "8") + "."), version


def softmax_train_fn(lr, batch_size, num_epochs, optimizer=None, on_epoch=None):
    """Section 4.5's training function on a small subset."""
    d2lutils.seed_everything(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    train, test = d2lutils.load_fashion_mnist(batch_size, subset=(1000, 200), device="cpu")
    return fit(net, train, test, nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=lr),
               num_epochs, plot=False, on_epoch=on_epoch)


def test_sweep_and_explorer_show_a_finite_explosion_as_diverged(fashion_files):
    """Probe 8 of issue 16: at lr = 1e6 the loss stays finite (about 1e7) but has exploded."""
    import matplotlib.pyplot as plt

    runs = widgets.sweep(softmax_train_fn, lrs=[0.1, 1e6], batch_sizes=[100], num_epochs=2)
    assert [r["history"].status for r in runs] == ["finished", "diverged"]
    labels = [t.get_text() for t in plt.gcf().axes[0].get_legend().get_texts()]
    assert labels == ["lr 0.1", "lr 1e+06 (diverged)"]
    plt.close("all")
    pytest.importorskip("ipywidgets")
    box = widgets.explore(softmax_train_fn, num_epochs=2, lr=1e6, lr_range=(1e-3, 1e7),
                          batch_size=128)
    box.train(None)
    assert box.runs[0][2] == "diverged"
    assert "Training diverged in epoch 1" in box.children[2].value
