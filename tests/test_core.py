"""device, budget, seed, Timer and plot helpers."""
import sys

import matplotlib
import numpy as np
import pytest
import torch

import d2lutils
import d2lutils.plot  # noqa: F401  (the module; d2lutils.plot is the function)

dplot = sys.modules["d2lutils.plot"]

matplotlib.use("Agg")


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


def test_animator_collects_points_outside_notebook():
    a = d2lutils.Animator(legend=["a", "b"])
    a.add(1, (0.5, None))
    a.add(2, (0.25, 0.75))
    assert a.X == [[1.0, 2.0], [2.0]] and a.Y == [[0.5, 0.25], [0.75]]
    assert a.live is False
    a.show()  # no notebook: nothing to draw, and no error


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

    monkeypatch.setattr(dplot, "_in_notebook", lambda: True)
    monkeypatch.setattr(IPython.display, "display",
                        lambda fig, display_id=False: calls.append("display") or Handle())
    a = d2lutils.Animator(min_interval=0)
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
