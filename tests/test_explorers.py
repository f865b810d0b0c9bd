"""The static explorers: the HTML they display, checked without a browser.

A fake `train_fn` returns Histories built here, so every recorded number is known; one test
trains for real with `fit` on synthetic data. tests/test_explorers_browser.py moves the sliders.
"""
import json
import math
import re

import matplotlib
import pytest
import torch
from bs4 import BeautifulSoup
from test_optim2d import momentum
from torch import nn

import d2lutils
from d2lutils import History, explorers, optim2d

matplotlib.use("Agg")
LRS, BATCH_SIZES, EPOCHS = [0.01, 0.03, 0.1, 0.3, 3.0], [16, 64, 256], 4


def fake_history(lr, batch_size, num_epochs):
    """Made-up but distinct numbers per run; lr >= 1 diverges in epoch 2."""
    h = History("cpu")
    for epoch in range(num_epochs):
        if lr >= 1 and epoch == 1:
            h.status, h.message = "diverged", "Training diverged at epoch 2"
            return h
        h.train_loss.append(2.3 / (1 + 100 * lr * (epoch + 1) / batch_size ** 0.5) + 1e-7 * epoch)
        h.train_acc.append(0.1 + lr / 4 + epoch / 100)
        h.test_acc.append(0.09 + lr / 4 + epoch / 99)
        h.examples_per_sec.append(1000.0 * batch_size / 3 + epoch)
    h.status = "finished"
    return h


def fake_train_fn(calls):
    def train_fn(lr, batch_size, num_epochs, optimizer=None, on_epoch=None):
        calls.append((lr, batch_size, num_epochs, optimizer, on_epoch))
        return fake_history(lr, batch_size, num_epochs)
    return train_fn


@pytest.fixture
def shown(monkeypatch):
    """What the explorers display: a list of {'text/html': ..., 'text/plain': ...}."""
    outputs = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: outputs.append(obj))
    return outputs


def card(output):
    soup = BeautifulSoup(output["text/html"], "html.parser")
    root = soup.select_one("div.d2l-explorer")
    return root, json.loads(root.select_one("script.d2l-explorer-data").string)


def selected_run(root):
    chosen = root.select('g[data-look="sel"]')
    assert len(chosen) == 1
    return int(chosen[0]["data-run"])


def sweep(shown, **kwargs):
    calls = []
    args = dict(lrs=LRS, batch_sizes=BATCH_SIZES, num_epochs=EPOCHS) | kwargs
    runs = explorers.sweep_explorer(fake_train_fn(calls), **args)
    return runs, calls, *card(shown[-1])


def test_sweep_trains_the_grid_and_records_every_number(shown):
    runs, calls, root, data = sweep(shown, optimizer="Adam")
    grid = [(lr, bs) for lr in LRS for bs in BATCH_SIZES]
    assert [(c[0], c[1]) for c in calls] == grid and {c[2:] for c in calls} == {(EPOCHS, "Adam", None)}
    assert [(r["lr"], r["batch_size"]) for r in runs] == grid
    assert len(data["runs"]) == len(grid)
    for run, recorded in zip(runs, data["runs"]):
        h = run["history"]
        assert (recorded["lr"], recorded["batch_size"], recorded["status"]) == (run["lr"], run["batch_size"],
                                                                                h.status)
        for name in ("train_loss", "train_acc", "test_acc", "examples_per_sec"):
            assert recorded[name] == getattr(h, name)   # exactly: JSON keeps every digit of a float
    assert data["labels"] == [["0.01", "0.03", "0.1", "0.3", "3"], ["16", "64", "256"]]


def test_sweep_shows_the_middle_lr_and_smallest_batch_first(shown):
    runs, _, root, data = sweep(shown)
    pick = LRS.index(0.1) * len(BATCH_SIZES)          # lr 0.1, batch size 16
    assert selected_run(root) == pick
    chosen = root.select_one(f'g[data-run="{pick}"]')
    assert chosen["stroke"] == explorers.SWEEP_LOOKS["sel"]["stroke"]
    others = {g["stroke-width"] for g in root.select('g[data-run]') if g is not chosen}
    assert others == {str(explorers.SWEEP_LOOKS["far"]["stroke-width"])}
    h = runs[pick]["history"]
    readout = {dd["data-field"]: dd.text for dd in root.select("dd[data-field]")}
    assert readout == {"status": "finished, 4 epochs", "final training loss": f"{h.train_loss[-1]:.4g}",
                       "train accuracy": f"{h.train_acc[-1]:.3f}", "test accuracy": f"{h.test_acc[-1]:.3f}",
                       "examples/sec": f"{sum(h.examples_per_sec) / 4:,.0f}"}
    assert root.select_one('[data-field="run"]').text == "learning rate 0.1, batch size 16"
    slider = root.select_one('input[type="range"]')
    assert (slider["value"], slider["max"], slider["aria-valuetext"]) == ("2", "4", "0.1")
    assert root.select_one(f'output[for="{slider["id"]}"]').text == "0.1"
    assert [r.has_attr("checked") for r in root.select('input[type="radio"]')] == [True, False, False]
    # without the script the controls are disabled and a note says so
    assert all(el.has_attr("disabled") for el in root.select("input"))
    assert "need JavaScript" in root.select_one(".noscript").text


def test_sweep_marks_diverged_runs(shown):
    runs, _, root, data = sweep(shown)
    diverged = [i for i, r in enumerate(runs) if r["history"].status == "diverged"]
    assert diverged == [12, 13, 14]                    # lr 3.0 at every batch size
    for i, group in enumerate(root.select("g[data-run]")):
        dashed = group.select_one("path[stroke-dasharray]") is not None
        crossed = group.select_one(f'path[stroke="{explorers.RED}"]') is not None
        assert dashed == crossed == (i in diverged)
        assert ("diverged in epoch 2" in data["runs"][i]["readout"]["status"]) == (i in diverged)
    rows = root.select("details table tr")[1:]
    assert [("diverged" in row.text) for row in rows] == [i in diverged for i in range(len(runs))]


def test_sweep_curve_is_drawn_where_the_axes_say(shown):
    """The picture's axes and the SVG curves agree: log scale, epochs 1..n across."""
    _, _, root, data = sweep(shown)
    view = [float(v) for v in root.select_one("svg svg")["viewbox"].split()]   # the axes, in pixels
    losses = [v for r in data["runs"] for v in r["train_loss"]]
    lo, hi = min(losses) / 1.3, max(losses) * 1.3
    x0, w = view[0] + (1 - 0.7) / (EPOCHS - 0.4) * view[2], (EPOCHS - 1) / (EPOCHS - 0.4) * view[2]
    for group, run in zip(root.select("g[data-run]"), data["runs"]):
        pts = [tuple(map(float, p.split(","))) for p in re.findall(r"[-\d.]+,[-\d.]+",
                                                                     group.select_one("path")["d"])]
        for e, (loss, (x, y)) in enumerate(zip(run["train_loss"], pts)):
            assert x == pytest.approx(x0 + e / (EPOCHS - 1) * w, abs=0.2)
            up = (math.log10(loss) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
            assert y == pytest.approx(view[1] + (1 - up) * view[3], abs=0.2)


def test_sweep_draws_losses_far_above_the_start_on_the_top_edge(shown):
    def train_fn(lr, batch_size, num_epochs, optimizer=None, on_epoch=None):
        h = fake_history(0.1, batch_size, num_epochs)
        if lr == 1.0:                                   # finishes, but at 1e12: off the scale
            h.train_loss = [10.0 ** (3 * e) for e in range(num_epochs)]
        return h

    explorers.sweep_explorer(train_fn, [0.1, 1.0], [16], 5)
    root, data = card(shown[-1])
    top = float(root.select_one("svg svg")["viewbox"].split()[1])
    ys = [[float(p.split(",")[1]) for p in re.findall(r"[-\d.]+,[-\d.]+", g.select_one("path")["d"])]
          for g in root.select("g[data-run]")]
    assert min(ys[0]) > top + 20                        # the normal run is well inside
    assert ys[1][0] > top + 20 and ys[1][1:] == [pytest.approx(top, abs=0.1)] * 4   # 1e3 and up
    assert data["runs"][1]["train_loss"][-1] == 1e12
    assert data["runs"][1]["readout"]["final training loss"] == "1e+12"


def test_ids_are_unique_across_explorers_on_one_page(shown):
    sweep(shown)
    sweep(shown)                                        # the very same runs twice
    trajectories(shown)
    soup = BeautifulSoup("".join(o["text/html"] for o in shown), "html.parser")
    ids = [el["id"] for el in soup.select("[id]")]
    assert len(ids) == len(set(ids)) >= 3 * 2
    assert len({r["name"] for r in soup.select('input[type="radio"]')}) == 2
    for label in soup.select("label[for]"):
        assert soup.select(f'[id="{label["for"]}"]')


def test_output_is_self_contained_small_and_has_a_text_fallback(shown):
    lrs = [10 ** (k / 4 - 3) for k in range(12)]       # a large grid: 12 x 4 runs of 30 epochs
    explorers.sweep_explorer(fake_train_fn([]), lrs, [8, 32, 128, 512], 30)
    trajectories(shown, lrs=[0.05 * k for k in range(1, 13)], betas=[0.0, 0.3, 0.6, 0.8, 0.9, 0.99],
                 steps=100)
    for output in shown:
        page = output["text/html"]
        picture = re.findall(r'href="data:image/png;base64,[A-Za-z0-9+/=]+"', page)
        assert len(picture) == 1 and not re.search(r"https?:|src=|href=", page.replace(picture[0], ""))
        assert len(page.encode()) < 1_000_000, len(page.encode())
        root, data = card(output)
        lines = output["text/plain"].splitlines()
        assert len(lines) == 2 + len(data["runs"])    # a title line, the column names, one line a run
        assert lines[2 + selected_run(root)].split("; ")[2:] == [
            dd.text for dd in root.select("dd[data-field]")]


def test_sweep_validates_its_arguments_before_training(shown):
    calls = []
    train_fn = fake_train_fn(calls)
    cases = [(dict(lrs=[]), ValueError, "lrs"), (dict(lrs=[0.1, -1.0]), ValueError, "lrs"),
             (dict(lrs=[0.1, float("nan")]), ValueError, "lrs"), (dict(lrs=[0.1, 0.1]), ValueError, "lrs"),
             (dict(lrs=0.1), TypeError, "lrs"), (dict(batch_sizes=[16, 32.0]), ValueError, "batch_sizes"),
             (dict(batch_sizes=[0]), ValueError, "batch_sizes"),
             (dict(num_epochs=0), ValueError, "num_epochs"),
             (dict(num_epochs=True), ValueError, "num_epochs"),
             (dict(train_fn=None), TypeError, "train_fn")]
    for change, error, name in cases:
        args = dict(train_fn=train_fn, lrs=LRS, batch_sizes=BATCH_SIZES, num_epochs=2) | change
        with pytest.raises(error, match=name):
            explorers.sweep_explorer(**args)
    assert calls == [] and shown == []


def test_sweep_with_a_real_fit_on_synthetic_data(shown):
    X, y = d2lutils.synthetic_regression([2, -3.4], 4.2, 200)

    def train_fn(lr, batch_size, num_epochs, optimizer=None, on_epoch=None):
        d2lutils.seed_everything(0)
        net = nn.Linear(2, 1)
        data = d2lutils.TensorLoader(X, y, batch_size, device="cpu")
        return d2lutils.fit(net, data, None, nn.MSELoss(), torch.optim.SGD(net.parameters(), lr=lr),
                            num_epochs, plot=False, on_epoch=on_epoch)

    runs = explorers.sweep_explorer(train_fn, [0.003, 0.03, 0.3, 3.0, 30.0], [10, 50, 200], 3)
    root, data = card(shown[-1])
    status = {(r["lr"], r["batch_size"]): r["history"].status for r in runs}
    assert status[(0.03, 10)] == "finished" and status[(30.0, 10)] == "diverged"
    for run, recorded in zip(runs, data["runs"]):
        assert recorded["train_loss"] == run["history"].train_loss
        assert recorded["train_acc"] == recorded["test_acc"] == [None] * len(run["history"])   # regression
        assert recorded["status"] == run["history"].status
    assert root.select_one('dd[data-field="train accuracy"]').text == "n/a"
    assert "diverged" in root.select("details table tr")[1 + 13].text   # lr 30, batch size 50


quadratic = optim2d.bowl   # section 10.5's f = 0.1 x1^2 + 2 x2^2


def momentum_path(lr, beta, steps=20):
    """Momentum on the bowl of section 10.5, from (-5, -2)."""
    return optim2d.train_2d(momentum, optim2d.bowl_grad, num_steps=steps, lr=lr, beta=beta)


def trajectories(shown, lrs=(0.1, 0.4, 0.6), betas=(0.0, 0.5), steps=20, **kwargs):
    paths = {(lr, b): momentum_path(lr, b, steps) for lr in lrs for b in betas}
    explorers.trajectory_explorer(quadratic, paths, (-5.5, 2.5), (-3, 3), "momentum", **kwargs)
    return paths, *card(shown[-1])


def test_trajectory_records_each_path_and_shows_the_middle_one(shown):
    paths, root, data = trajectories(shown, minimum=(0, 0))
    assert [(r["lr"], r["param"]) for r in data["runs"]] == list(paths)
    for path, run in zip(paths.values(), data["runs"]):
        end = path[-1]
        assert run["end"] == end.tolist() and run["steps"] == 20
        assert run["f"] == quadratic(end).item() and run["distance"] == pytest.approx(end.norm().item())
    pick = 1 * 2 + 1                                     # lr 0.4, momentum 0.5
    assert selected_run(root) == pick
    shown_groups = [g for g in root.select("g[data-run]") if g["display"] != "none"]
    assert [int(g["data-run"]) for g in shown_groups] == [pick]
    end = paths[(0.4, 0.5)][-1]
    readout = {dd["data-field"]: dd.text for dd in root.select("dd[data-field]")}
    assert readout == {"status": "20 steps, ends in view", "final point": f"({end[0]:.3g}, {end[1]:.3g})",
                       "f at the final point": f"{quadratic(end).item():.3g}",
                       "distance to the minimum": f"{end.norm().item():.3g}"}
    assert [s["aria-valuetext"] for s in root.select('input[type="range"]')] == ["0.4", "0.5"]


def test_trajectory_is_drawn_where_the_axes_say(shown):
    paths, root, data = trajectories(shown)
    vx, vy, vw, vh = (float(v) for v in root.select_one("svg svg")["viewbox"].split())
    for group in root.select("g[data-run]"):
        circle = group.select_one("circle")              # the start, (-5, -2)
        assert float(circle["cx"]) == pytest.approx(vx + (-5 + 5.5) / 8 * vw, abs=0.2)
        assert float(circle["cy"]) == pytest.approx(vy + (3 - -2) / 6 * vh, abs=0.2)


def test_trajectory_marks_paths_that_leave_the_plot(shown):
    paths, root, data = trajectories(shown)
    for (lr, beta), group, run in zip(paths, root.select("g[data-run]"), data["runs"]):
        path = paths[(lr, beta)]
        inside = [bool(-5.5 <= a <= 2.5 and -3 <= b <= 3) for a, b in path.tolist()]
        last = max(i for i, v in enumerate(inside) if v)
        leaves = last < len(path) - 1
        assert leaves == (lr == 0.6 and beta == 0.0)      # |1 - 0.6 * 4| = 1.4 > 1: x2 explodes
        assert (group.select_one(f'path[stroke="{explorers.RED}"]') is not None) == leaves
        assert run["readout"]["status"].endswith(f"leaves the plot after step {last}" if leaves
                                                 else "ends in view")


def test_trajectory_with_nan_or_one_parameter(shown):
    path = momentum_path(0.6, 0.0, 3000)                  # overflows to inf, then nan
    assert not torch.isfinite(path[-1]).all()
    explorers.trajectory_explorer(quadratic, {0.1: momentum_path(0.1, 0.0), 0.6: path},
                                  (-5.5, 2.5), (-3, 3))
    root, data = card(shown[-1])
    assert data["labels"] == [["0.1", "0.6"]] and len(root.select('input[type="range"]')) == 1
    readout = data["runs"][1]["readout"]
    assert data["runs"][1]["end"] is None and readout["final point"] == "not finite"
    assert readout["f at the final point"] == "n/a" and "leaves the plot" in readout["status"]
    assert "distance to the minimum" not in readout                  # no minimum given


def test_trajectory_validates_its_arguments(shown):
    good = {(0.1, 0.0): momentum_path(0.1, 0.0), (0.1, 0.5): momentum_path(0.1, 0.5)}
    cases = [(dict(trajectories={}), "trajectories"),
             (dict(trajectories={(0.1, 0.0): torch.zeros(3, 3)}), r"trajectories\[\(0.1, 0.0\)\].*shape"),
             (dict(trajectories={(0.1, 0.0): torch.full((3, 2), 9.0)}), "start inside"),
             (dict(trajectories=good | {(0.2, 0.0): momentum_path(0.2, 0.0)}), r"lacks \[\(0.2, 0.5\)\]"),
             (dict(trajectories={(0.0, 0.0): momentum_path(0.1, 0.0)}), "learning rates"),
             (dict(trajectories={0.1: momentum_path(0.1, 0.0)}), "keys must be"),
             (dict(xlim=(2.5, -5.5)), "xlim"), (dict(ylim=(-3, float("inf"))), "ylim"),
             (dict(minimum=(0, 0, 0)), "minimum")]
    for change, message in cases:
        args = dict(f=quadratic, trajectories=good, xlim=(-5.5, 2.5), ylim=(-3, 3), param_name="momentum")
        with pytest.raises(ValueError, match=message):
            explorers.trajectory_explorer(**args | change)
    with pytest.raises(TypeError, match="f must be"):
        explorers.trajectory_explorer(None, good, (-5.5, 2.5), (-3, 3), "momentum")
    assert shown == []


def test_a_run_that_exploded_and_trained_on_is_marked_where_it_exploded(shown):
    """fit calls a run diverged when an epoch's loss passes 100x the first batch's, and trains
    on (section 3.4's lr 1, batch 100): the cross and the readout name that epoch."""
    def train_fn(lr, batch_size, num_epochs, optimizer=None, on_epoch=None):
        h = fake_history(0.1, batch_size, num_epochs)
        if lr == 0.3:
            h.status, h.diverged_in = "diverged", 2
        return h
    d2lutils.sweep_explorer(train_fn, [0.1, 0.3], [16], num_epochs=4)
    root, data = card(shown[-1])
    assert data["runs"][1]["readout"]["status"] == "diverged in epoch 2, 4 epochs"
    group = root.select("g[data-run]")[1]
    cross = group.select_one(f'path[stroke="{explorers.RED}"]')["d"]
    curve = group.select_one("path[stroke-dasharray]")["d"]
    x, y = (float(v) + 4.5 for v in re.findall(r"[-\d.]+", cross)[:2])   # the cross's centre
    epoch2 = [float(v) for v in re.findall(r"[-\d.]+", curve)[2:4]]      # the curve at epoch 2
    assert abs(x - epoch2[0]) < 0.2 and abs(y - epoch2[1]) < 0.2, (cross, curve)
