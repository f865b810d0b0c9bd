"""Interactive learning-rate and batch-size explorers, and the static sweep the book shows.

Both call a plain training function `train_fn(lr, batch_size, num_epochs, optimizer,
on_epoch)` that returns a `History` (see `fit`), so the training itself is tested
without any widget. Works with ipywidgets 7.x (Colab) and 8.x.
"""
import math

import matplotlib.pyplot as plt

from . import checks
from .plotting import set_axes, use_svg_display

POWERS_OF_TWO = (8, 16, 32, 64, 128, 256, 512, 1024)
TRAIN_FN = "a function train_fn(lr, batch_size, num_epochs, optimizer, on_epoch) -> History"


def _rates(name, values, example):
    return checks.each(name, values, lambda n, v: checks.positive(n, v, 0.1),
                       "finite numbers > 0", example)


def _curves(ax, runs, highlight=None):
    for i, (label, losses, status) in enumerate(runs):
        faded = highlight is not None and i != highlight
        style = "x--" if status == "diverged" else "-"
        ax.plot(range(1, len(losses) + 1), losses, style, alpha=0.35 if faded else 1.0,
                label=label + (" (diverged)" if status == "diverged" else ""))


def sweep(train_fn, lrs, batch_sizes, num_epochs, optimizer=None):
    """Train once per (lr, batch size) and draw one panel per batch size; returns the runs.

    This is what the sliders would show, computed during the book build so the static
    page carries it. Each run is {'lr', 'batch_size', 'history'}.
    """
    checks.kind("train_fn", train_fn, callable, TRAIN_FN, "pass the function itself")
    lrs = _rates("lrs", lrs, [0.01, 0.1, 1.0])
    batch_sizes = checks.counts("batch_sizes", batch_sizes, [32, 256])
    num_epochs = checks.whole("num_epochs", num_epochs, 3)
    use_svg_display()
    runs = []
    fig, axes = plt.subplots(1, len(batch_sizes), figsize=(3.2 * len(batch_sizes), 2.6),
                             sharey=True, squeeze=False)
    for ax, bs in zip(axes[0], batch_sizes):
        curves = []
        for lr in lrs:
            h = train_fn(lr=lr, batch_size=bs, num_epochs=num_epochs, optimizer=optimizer,
                         on_epoch=None)
            runs.append({"lr": lr, "batch_size": bs, "history": h})
            losses = [v if math.isfinite(v) else float("nan") for v in h.train_loss]
            curves.append((f"lr {lr:g}", losses or [float("nan")], h.status))
        _curves(ax, curves)
        set_axes(ax, xlabel="epoch", ylabel="training loss" if ax is axes[0][0] else None,
                 yscale="log")
        ax.set_title(f"batch size {bs}", fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    plt.show()
    return runs


def explore(train_fn, num_epochs=3, lr=0.1, lr_range=(1e-3, 10.0), batch_size=256,
            batch_sizes=POWERS_OF_TWO, optimizers=None):
    """A widget: log-scale learning-rate slider, batch size, epochs, optional optimiser,
    a Train button and a live plot that keeps earlier runs for comparison."""
    import ipywidgets as w
    from IPython.display import display

    checks.kind("train_fn", train_fn, callable, TRAIN_FN, "pass the function itself")
    num_epochs = checks.whole("num_epochs", num_epochs, 3)
    bounds = _rates("lr_range", lr_range, (1e-3, 10.0))
    if len(bounds) != 2 or not bounds[0] < bounds[1]:
        checks.fail("lr_range", lr_range, "a pair (low, high) with 0 < low < high", (1e-3, 10.0))
    lo, hi = bounds
    lr = checks.positive("lr", lr, 0.1)
    if not lo <= lr <= hi:
        checks.fail("lr", lr, f"within lr_range, [{lo:g}, {hi:g}]",
                    f"use e.g. lr={min(max(0.1, lo), hi):g}, or widen lr_range")
    batch_sizes = checks.counts("batch_sizes", batch_sizes, [32, 64, 128, 256])
    batch_size = checks.whole("batch_size", batch_size, batch_sizes[0])
    if batch_size not in batch_sizes:
        checks.fail("batch_size", batch_size, f"one of batch_sizes, {tuple(batch_sizes)}",
                    batch_sizes[0])
    if optimizers is not None:
        optimizers = checks.each("optimizers", optimizers, lambda n, v: v, "optimizer names",
                                 ["SGD", "Adam"])
    lo, hi = math.log10(lo), math.log10(hi)
    lr_box = w.FloatLogSlider(value=lr, base=10, min=lo, max=hi, step=0.25,
                              description="learning rate", readout_format=".3g",
                              style={"description_width": "initial"})
    bs_box = w.Dropdown(options=batch_sizes, value=batch_size, description="batch size")
    ep_box = w.IntSlider(value=num_epochs, min=1, max=max(10, num_epochs), description="epochs")
    controls = [lr_box, bs_box, ep_box]
    opt_box = None
    if optimizers:
        opt_box = w.Dropdown(options=optimizers, description="optimiser")
        controls.append(opt_box)
    train_button = w.Button(description="Train", button_style="primary", icon="play")
    clear_button = w.Button(description="Clear runs")
    status = w.HTML(value="Pick values and press Train.")
    out = w.Output()
    runs = []

    def redraw(current=None):
        fig, ax = plt.subplots(figsize=(5, 3))
        shown = runs + ([current] if current else [])
        _curves(ax, shown, highlight=len(shown) - 1)
        set_axes(ax, xlabel="epoch", ylabel="training loss", yscale="log",
                 xlim=[0.8, max(ep_box.value, 1) + 0.2])
        if shown:
            ax.legend(fontsize=7)
        plt.close(fig)
        with out:
            out.clear_output(wait=True)
            display(fig)

    def on_train(_):
        for c in controls + [train_button, clear_button]:
            c.disabled = True
        label = f"lr {lr_box.value:.3g}, batch {bs_box.value}"
        if opt_box is not None:
            label = f"{opt_box.value}, " + label
        status.value = f"Training {label} ..."

        def on_epoch(h):
            redraw((label, list(h.train_loss), h.status))   # 'diverged' once it explodes
            status.value = f"Training {label}: epoch {len(h)} of {ep_box.value}, {h.summary()}"
        try:
            h = train_fn(lr=lr_box.value, batch_size=bs_box.value, num_epochs=ep_box.value,
                         optimizer=opt_box.value if opt_box is not None else None,
                         on_epoch=on_epoch)
            runs.append((label, list(h.train_loss) or [float("nan")], h.status))
            redraw()
            if h.status == "diverged":
                status.value = f"<b style='color:#c0392b'>{h.message}</b>"
            else:
                status.value = f"Done: {label}: {h.summary()}"
        except Exception as e:  # shown in the widget, not as a traceback below it
            status.value = f"<b style='color:#c0392b'>{type(e).__name__}: {e}</b>"
        finally:
            for c in controls + [train_button, clear_button]:
                c.disabled = False

    def on_clear(_):
        runs.clear()
        redraw()
        status.value = "Cleared."

    train_button.on_click(on_train)
    clear_button.on_click(on_clear)
    box = w.VBox([w.HBox(controls[:2]), w.HBox(controls[2:] + [train_button, clear_button]),
                  status, out])
    box.train, box.runs = on_train, runs  # for tests and scripted use
    display(box)
    return box
