"""device, budget, seed, Timer and plotting helpers."""
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

import d2lutils
from d2lutils import plotting

matplotlib.use("Agg")


def test_no_module_is_shadowed_by_a_function():
    """`d2lutils.plot` was the function, and the module `d2lutils.plot` out of reach."""
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(d2lutils.__path__):
        attribute = getattr(d2lutils, module.name, None)
        assert attribute is None or attribute is importlib.import_module(f"d2lutils.{module.name}"), \
            module.name


def test_try_gpu_falls_back_to_cpu_without_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    monkeypatch.setattr(d2lutils.device, "_mps_available", lambda: False)
    assert d2lutils.try_gpu() == torch.device("cpu")
    assert d2lutils.try_gpu(3) == torch.device("cpu")
    assert d2lutils.try_all_gpus() == [torch.device("cpu")]
    assert d2lutils.num_gpus() == 0


def test_try_gpu_prefers_cuda_then_mps(monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert d2lutils.try_gpu(1) == torch.device("cuda:1")
    assert d2lutils.try_all_gpus() == [torch.device("cuda:0"), torch.device("cuda:1")]
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    monkeypatch.setattr(d2lutils.device, "_mps_available", lambda: True)
    assert d2lutils.try_gpu() == torch.device("mps")


def test_as_device_and_description():
    assert d2lutils.as_device("cpu") == torch.device("cpu")
    assert d2lutils.describe_device("cpu").startswith("cpu (")
    with pytest.raises(ValueError, match="device must be 'cpu', 'cuda'.*got 'gpu0'"):
        d2lutils.as_device("gpu0")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA GPU"):
            d2lutils.as_device("cuda:0")


def test_budget_default_and_override(monkeypatch):
    monkeypatch.delenv("D2L_BUDGET", raising=False)
    expected = "full" if torch.cuda.is_available() else "quick"
    assert d2lutils.budget() == expected
    monkeypatch.setenv("D2L_BUDGET", " FULL ")
    assert d2lutils.budget() == "full"
    assert d2lutils.by_budget(quick=1, full=10) == 10
    monkeypatch.setenv("D2L_BUDGET", "quick")
    assert d2lutils.by_budget(quick=1, full=10) == 1


def test_budget_rejects_unknown_value(monkeypatch):
    monkeypatch.setenv("D2L_BUDGET", "medium")
    with pytest.raises(ValueError, match="'quick'.*'full'"):
        d2lutils.budget()


def test_seed_everything_repeats_every_generator():
    import random

    def draw():
        return random.random(), np.random.rand(), torch.rand(3).tolist()

    d2lutils.seed_everything(42)
    first = draw()
    d2lutils.seed_everything(42)
    assert draw() == first
    with pytest.raises(ValueError):
        d2lutils.seed_everything(-1)


def test_seed_everything_leaves_the_environment_alone(monkeypatch):
    """PYTHONHASHSEED is read once, at start-up: setting it in a running kernel does nothing."""
    import os

    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    before = dict(os.environ)
    d2lutils.seed_everything(5)
    assert dict(os.environ) == before


def test_timer_records_laps():
    t = d2lutils.Timer()
    with pytest.raises(ValueError, match="no lap"):
        t.avg()
    sum(range(10000))
    first = t.stop()
    with t:
        sum(range(10000))
    assert len(t.times) == 2 and first > 0
    assert t.sum() == pytest.approx(sum(t.times))
    assert t.cumsum()[-1] == pytest.approx(t.sum())
    assert t.avg() == pytest.approx(t.sum() / 2)


def test_plot_draws_each_curve():
    x = torch.arange(5.0)
    ax = d2lutils.plot(x, [x, x**2], legend=["x", "x^2"])
    assert len(ax.lines) == 2
    np.testing.assert_allclose(ax.lines[1].get_ydata(), (x**2).numpy())
    ax = d2lutils.plot([1.0, 4.0, 9.0])  # y only: x is 0, 1, 2
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [0, 1, 2])


def test_animator_collects_points_outside_notebook_and_draws_nothing(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: shown.append(a))
    figures = plt.get_fignums()
    a = plotting.Animator(legend=["a", "b"], min_interval=0)
    a.add(1, (0.5, None))
    a.add(2, (0.25, 0.75))
    a.show()
    assert a.X == [[1.0, 2.0], [2.0]] and a.Y == [[0.5, 0.25], [0.75]]
    assert a.live is False and shown == [] and plt.get_fignums() == figures


def test_show_images_grid_and_errors():
    imgs = torch.rand(5, 1, 28, 28)
    axes = d2lutils.show_images(imgs, 2, 3, titles=list("abcde"))
    assert len(axes) == 6 and axes[4].get_title() == "e"
    with pytest.raises(ValueError, match="do not fit"):
        d2lutils.show_images(imgs, 1, 2)
    with pytest.raises(ValueError, match="titles"):
        d2lutils.show_images(imgs, 2, 3, titles=["a"])


def test_animator_live_updates_one_display(monkeypatch):
    """In a notebook the animator displays once and then updates that same output."""
    calls = []

    class Handle:
        def update(self, fig):
            calls.append("update")

    import IPython.display

    monkeypatch.setattr(plotting, "_in_notebook", lambda: True)
    monkeypatch.setattr(IPython.display, "display",
                        lambda fig, display_id=False: calls.append("display") or Handle())
    a = plotting.Animator(min_interval=0)
    for i in range(3):
        a.add(i, i * 0.1)
    a.show()
    assert calls == ["display", "update", "update", "update"]


def test_set_axes_keeps_autoscaling_without_limits():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    d2lutils.set_axes(ax, xlabel="x")
    ax.plot([0, 1], [0, 100])  # a later, larger curve must still fit the axes
    ax.autoscale_view()
    assert ax.get_ylim()[1] >= 100
    plt.close(fig)


def cells(ax, n):
    """(text, face colour, alpha, line style) of the first n cells draw_grid drew, by rows."""
    return [(t.get_text(), p.get_facecolor()[:3], p.get_alpha(), p.get_linestyle())
            for t, p in zip(ax.texts[:n], ax.patches[:n])]


def test_draw_grid_numbers_colours_fading_and_outline():
    fig, ax = d2lutils.grid_axes(8, 3, figsize=(4, 2))
    assert ax.get_xlim() == (-0.3, 8) and ax.get_ylim() == (3, -0.9)   # row 0 at the top
    d2lutils.draw_grid(ax, torch.tensor([[0, 5], [10, 2]]), left=1, top=0.5, vmin=0, vmax=10,
                       faded=[[False, True], [False, False]], highlight=(0, 0, 1, 2),
                       title="X")
    drawn = cells(ax, 4)
    assert [d[0] for d in drawn] == ["0", "5", "10", "2"]
    blues = plt.get_cmap("Blues")
    assert drawn[0][1] == blues(0.15)[:3] and drawn[2][1] == blues(0.75)[:3]   # vmin, vmax
    assert drawn[1][2:] == (0.3, ":") and drawn[0][2:] == (1.0, "-")          # faded
    assert ax.patches[0].get_xy() == (1, 0.5) and ax.patches[3].get_xy() == (2, 1.5)
    outline = ax.patches[-1]
    assert (outline.get_width(), outline.get_height()) == (2, 1) and outline.get_facecolor()[3] == 0
    assert outline.get_edgecolor()[:3] == matplotlib.colors.to_rgb("crimson")
    assert ax.texts[-1].get_text() == "X"
    plt.close(fig)
    fig, ax = d2lutils.grid_axes(3, 4, figsize=(2, 2))
    d2lutils.draw_grid(ax, torch.tensor([3.0, 7.0, 5.0]))   # a vector: a column
    assert [p.get_xy() for p in ax.patches] == [(0, 0), (0, 1), (0, 2)]
    assert cells(ax, 3)[0][1] == plt.get_cmap("Blues")(0.15 + 0.6 * 3 / 7)[:3]   # vmin 0, vmax 7
    plt.close(fig)


def test_smooth_is_a_trailing_moving_average():
    values = torch.rand(30, generator=torch.Generator().manual_seed(0)).tolist()
    k = 4
    padded = np.convolve(values, np.ones(k), mode="full")[:30]   # sums of the last k values
    counts = np.minimum(np.arange(1, 31), k)
    np.testing.assert_allclose(d2lutils.smooth(values, k), padded / counts)
    assert d2lutils.smooth(torch.tensor([2.0, 4.0])) == [2.0, 3.0]

