"""Figures: one-call line plots, a live-updating training plot, image grids, tensors drawn
as grids of numbered cells, and a moving average for noisy curves."""
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.patches import Rectangle


def use_svg_display():
    """Draw inline figures as SVG: sharp at every zoom level in Jupyter and in the book."""
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # not inside IPython
        return
    set_matplotlib_formats("svg")


def _in_notebook():
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def _as_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def set_axes(axes, xlabel=None, ylabel=None, xlim=None, ylim=None, xscale="linear",
             yscale="linear", legend=None):
    """Label, scale and limit one matplotlib Axes."""
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_xscale(xscale)
    axes.set_yscale(yscale)
    if xlim is not None:  # set_xlim(None) would switch autoscaling off
        axes.set_xlim(xlim)
    if ylim is not None:
        axes.set_ylim(ylim)
    if legend:
        axes.legend(legend)
    axes.grid(alpha=0.3)


def plot(X, Y=None, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None,
         xscale="linear", yscale="linear", fmts=("-", "m--", "g-.", "r:"), figsize=(3.5, 2.5),
         axes=None):
    """Plot one curve or several: `plot(x, [f(x), g(x)], legend=['f', 'g'])`.

    X and Y may be lists, arrays or tensors; a single X is shared by every curve in Y;
    with Y=None, X holds the y values and the x values are 0, 1, 2, ...
    """
    def has_one_axis(v):  # a single curve rather than a list of curves
        return getattr(v, "ndim", None) == 1 or (
            isinstance(v, list) and len(v) > 0 and not hasattr(v[0], "__len__"))

    if has_one_axis(X):
        X = [X]
    if Y is None:
        X, Y = [[]] * len(X), X
    elif has_one_axis(Y):
        Y = [Y]
    if len(X) != len(Y):
        X = X * len(Y)
    if axes is None:
        use_svg_display()
        plt.rcParams["figure.figsize"] = figsize
        axes = plt.gca()
    axes.cla()
    for i, (x, y) in enumerate(zip(X, Y)):
        fmt = fmts[i % len(fmts)]
        x, y = _as_numpy(x), _as_numpy(y)
        axes.plot(x, y, fmt) if len(x) else axes.plot(y, fmt)
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend)
    return axes


class Animator:
    """A figure that redraws in place while a loop runs and keeps its last frame.

    `add(x, ys)` appends one point to each curve. In Jupyter and Colab the figure is
    updated in place (at most every `min_interval` seconds, plus a final `show()`), so an
    executed notebook, and hence the built book, holds exactly the last frame. Outside
    a notebook nothing is drawn.
    """

    def __init__(self, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None,
                 xscale="linear", yscale="linear", fmts=("-", "m--", "g-.", "r:"),
                 figsize=(3.5, 2.5), title=None, min_interval=0.5):
        self.legend = list(legend or [])
        self.fmts, self.title, self.min_interval = fmts, title, min_interval
        self.config = dict(xlabel=xlabel, ylabel=ylabel, xlim=xlim, ylim=ylim,
                           xscale=xscale, yscale=yscale, legend=self.legend)
        self.X, self.Y = None, None
        self.live = _in_notebook()
        self._handle, self._last_draw = None, 0.0
        if self.live:
            use_svg_display()
            self.fig, self.axes = plt.subplots(figsize=figsize)
            plt.close(self.fig)  # we display it ourselves; stops a second copy at cell end

    def add(self, x, y):
        """Append the point(s) (x, y[i]) to curve i; None in y skips that curve."""
        if not hasattr(y, "__len__"):
            y = [y]
        if self.X is None:
            self.X, self.Y = [[] for _ in y], [[] for _ in y]
        for i, value in enumerate(y):
            if value is not None:
                self.X[i].append(float(x))
                self.Y[i].append(float(value))
        if self.live and time.perf_counter() - self._last_draw >= self.min_interval:
            self.show()

    def show(self):
        """Redraw now (call once at the end so the last frame is complete)."""
        if not self.live or self.X is None:
            return
        from IPython.display import display

        self.axes.cla()
        for i, (x, y) in enumerate(zip(self.X, self.Y)):
            self.axes.plot(x, y, self.fmts[i % len(self.fmts)])
        set_axes(self.axes, **self.config)
        if self.title:
            self.axes.set_title(self.title, fontsize=9)
        self.fig.tight_layout()
        if self._handle is None:
            self._handle = display(self.fig, display_id=True)
        else:
            self._handle.update(self.fig)
        self._last_draw = time.perf_counter()


def show_images(images, num_rows, num_cols, titles=None, scale=1.5, cmap="gray"):
    """Show a grid of images (tensors of shape (H, W) or (C, H, W), or arrays) with titles."""
    images = list(images)
    if len(images) > num_rows * num_cols:
        raise ValueError(f"{len(images)} images do not fit a {num_rows}x{num_cols} grid")
    if titles is not None and len(titles) < len(images):
        raise ValueError(f"{len(images)} images but only {len(titles)} titles")
    use_svg_display()
    figsize = (num_cols * scale, num_rows * scale)
    fig, axes = plt.subplots(num_rows, num_cols, figsize=figsize, squeeze=False)
    axes = axes.flatten()
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i >= len(images):
            continue
        img = _as_numpy(images[i])
        if img.ndim == 3:  # (C, H, W) -> (H, W, C); a single channel is drawn in grey
            img = img[0] if img.shape[0] == 1 else img.transpose(1, 2, 0)
        ax.imshow(img, cmap=cmap)
        if titles is not None:
            ax.set_title(titles[i], fontsize=8)
    fig.tight_layout()
    return axes


def grid_axes(width, height, figsize):
    """A blank figure for `draw_grid`, `width` x `height` cells wide, row 0 at the top."""
    use_svg_display()
    fig, ax = plt.subplots(figsize=figsize)
    ax.set_xlim(-0.3, width)
    ax.set_ylim(height, -0.9)   # upside down, like a printed matrix; room above for titles
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def draw_grid(ax, values, left=0, top=0, cmap="Blues", vmin=None, vmax=None,
              levels=(0.15, 0.75), faded=None, highlight=None, title=None, fontsize=10):
    """Draw a tensor as coloured cells with its numbers in them, its top left cell at (left,
    top); first drawn in section 1.5.

    A value's colour runs from levels[0] to levels[1] of `cmap` as it goes from vmin to vmax
    (by default the smallest value or 0, and the largest). faded: a mask of the same shape;
    those cells are drawn pale and dotted (broadcast copies, padding). highlight: (row, col,
    rows, cols), outlined in red. A vector is drawn as a column.
    """
    values = torch.as_tensor(values, dtype=torch.float32)
    values = values.reshape(len(values), -1)              # (rows, cols)
    vmin = min(values.min().item(), 0.0) if vmin is None else vmin
    vmax = values.max().item() if vmax is None else vmax
    colours, (lo, hi) = plt.get_cmap(cmap), levels
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v = values[i, j].item()
            pale = faded is not None and bool(faded[i][j])
            level = lo + (hi - lo) * (v - vmin) / (vmax - vmin) if vmax > vmin else lo
            ax.add_patch(Rectangle((left + j, top + i), 1, 1, ec="gray", lw=0.8, fc=colours(level),
                                   alpha=0.3 if pale else 1.0, ls=":" if pale else "-"))
            ax.text(left + j + 0.5, top + i + 0.5, f"{v:g}", ha="center", va="center",
                    fontsize=fontsize, color="gray" if pale else "black")
    if highlight is not None:
        r, c, h, w = highlight
        ax.add_patch(Rectangle((left + c, top + r), w, h, ec="crimson", fc="none", lw=2.4))
    if title:
        ax.text(left + values.shape[1] / 2, top - 0.35, title, ha="center", fontsize=9)


def smooth(values, k=10):
    """The moving average over the last k values (fewer at the start): the trend of noisy
    minibatch losses; first used in section 7.5."""
    values = [float(v) for v in values]
    return [sum(values[max(0, i - k + 1):i + 1]) / min(i + 1, k) for i in range(len(values))]
