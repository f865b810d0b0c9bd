"""Explorers for the static book: runs computed in Python, picked with sliders on the page.

Each shows one self-contained HTML output (no kernel, library or network). Python draws it all,
the axes as a picture and every run in SVG over it; the script only picks the run that stands
out. So it also reads right where no script runs (a PDF, a renderer that strips scripts): the
first choice, disabled controls, a table of all runs. `widgets.explore` is the live control.
"""
import base64
import contextlib
import hashlib
import html
import io
import itertools
import json
import math
import statistics

import numpy as np
import torch
from matplotlib.figure import Figure

from .plotting import set_axes

RED, ORANGE = "#c0392b", "#e07000"
SWEEP_LOOKS = {"sel": {"stroke": "#1f77b4", "stroke-width": 2.5, "opacity": 1},   # the chosen run
               "near": {"stroke": "#6b6b6b", "stroke-width": 1.2, "opacity": 0.6},  # same batch size
               "far": {"stroke": "#6b6b6b", "stroke-width": 1, "opacity": 0.2}}     # the others
PATH_LOOKS = {"sel": {"display": "inline"}, "near": {"display": "none"}, "far": {"display": "none"}}
HISTORY = ("train_loss", "train_acc", "test_acc", "examples_per_sec")
# A light card in both themes of the book, in JupyterLab and in Colab; a visible focus ring.
CSS = """.d2l-explorer{background:#fff;color:#1b1b1b;color-scheme:light;border:1px solid #c8c8c8;
border-radius:6px;padding:8px 14px;margin:6px 0;max-width:480px;font:14px/1.45 system-ui,sans-serif}
.d2l-explorer p{margin:4px 0} .d2l-explorer svg{display:block;width:100%;height:auto}
.d2l-explorer fieldset{border:0;padding:0;margin:0}
.d2l-explorer legend{float:left;width:auto;margin:0;padding:0 .6em 0 0;font:inherit;border:0}
.d2l-explorer label{margin-right:.6em} .d2l-explorer input:focus-visible{outline:3px solid #e8a100}
.d2l-explorer .key{font-size:12px;color:#4a4a4a} .d2l-explorer dd{margin:0}
.d2l-explorer dt{font-weight:normal;white-space:nowrap}
.d2l-explorer dl{display:grid;grid-template-columns:auto 1fr;gap:0 1em;margin:4px 0}
.d2l-explorer table{border-collapse:collapse;font-size:12px}
.d2l-explorer th,.d2l-explorer td{padding:1px 8px;text-align:right;border-bottom:1px solid #ddd;
color:inherit;background:none}"""
# The script finds its card as the element before it (two views of one output in JupyterLab
# share an id), enables the controls, and restyles the runs and the readout for each choice.
JS = """(function (uid) {
  const script = document.currentScript;
  const root = (script && script.previousElementSibling) || document.getElementById(uid);
  if (!root || root.dataset.live) return;
  root.dataset.live = "1";
  root.querySelector(".noscript").remove();
  const data = JSON.parse(root.querySelector("script.d2l-explorer-data").textContent);
  const inputs = [...root.querySelectorAll("input[data-axis]")];
  const n = data.labels.length > 1 ? data.labels[1].length : 1;
  function show() {
    const at = [0, 0];
    for (const el of inputs) if (el.type === "range" || el.checked) at[+el.dataset.axis] = +el.value;
    const pick = at[0] * n + at[1];
    for (const g of root.querySelectorAll("g[data-run]")) {
      const i = +g.dataset.run, look = i === pick ? "sel" : i % n === at[1] ? "near" : "far";
      for (const [k, v] of Object.entries(data.looks[look])) g.setAttribute(k, v);
      g.dataset.look = look;
      if (i === pick) g.parentNode.appendChild(g);  // drawn last: on top of the others
    }
    for (const el of root.querySelectorAll("[data-field]"))
      el.textContent = data.runs[pick].readout[el.dataset.field];
    for (const el of inputs.filter((el) => el.type === "range")) {
      el.setAttribute("aria-valuetext", data.labels[+el.dataset.axis][+el.value]);
      root.querySelector(`output[for="${el.id}"]`).textContent = el.getAttribute("aria-valuetext");
    }
  }
  for (const el of inputs) {
    el.disabled = false;
    for (const event of ["input", "change"]) el.addEventListener(event, show);
    // JupyterLab's command mode would take these keys (and cancel them): keep them for the control
    el.addEventListener("keydown", (e) => /^(Arrow|Home|End|Page)/.test(e.key) && e.stopPropagation());
  }
  show();
})"""
_serial = itertools.count()  # two explorers of the same runs still get different ids


def _check(ok, message):
    if not ok:
        raise ValueError(message)


def _grid(name, values, whole=False, positive=True):
    """The distinct numbers in `values`, sorted; an error naming `name` if they are not."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a list of numbers, got {values!r}")
    values, kinds = list(values), int if whole else (int, float)
    good = [isinstance(v, kinds) and not isinstance(v, bool) and math.isfinite(v) and (v > 0 or not positive)
            for v in values]
    _check(values and all(good) and len(set(values)) == len(values),
           f"{name} must be distinct {'whole' if whole else 'finite'} numbers{' > 0' if positive else ''}, "
           f"at least one; got {values!r}")
    return sorted(values)


def _axes(xlabel, ylabel, xlim, ylim, yscale="linear"):
    """A figure in the book's style, and the map from data to its pixels (y downwards)."""
    fig = Figure(figsize=(4.6, 2.8), dpi=100)   # not pyplot's: Jupyter must not show it by itself
    ax = fig.subplots()
    set_axes(ax, xlabel, ylabel, xlim, ylim, yscale=yscale)
    fig.tight_layout()
    return fig, ax, lambda xy: ax.transData.transform(np.asarray(xy, float)) * [1, -1] + [0, fig.bbox.height]


def _line(pts, attrs=""):
    return f'<path d="M{" L".join(f"{x:.1f},{y:.1f}" for x, y in pts)}" {attrs}/>'


def _cross(x, y, r=4.5):
    return f'<path d="M{x - r:.1f},{y - r:.1f}l{2 * r},{2 * r}m0,{-2 * r}l{-2 * r},{2 * r}" stroke="{RED}"/>'


def _control(uid, axis, name, labels, index, radio):
    """A slider over the grid's values that shows the value, or radio buttons."""
    if radio:
        return f"<fieldset><legend>{name}</legend>" + "".join(
            f'<label><input type="radio" name="{uid}" data-axis="{axis}" value="{k}" disabled'
            f'{" checked" if k == index else ""}> {v}</label>' for k, v in enumerate(labels)) + "</fieldset>"
    return (f'<p><label for="{uid}">{name}</label> <input type="range" id="{uid}" data-axis="{axis}" '
            f'min="0" max="{len(labels) - 1}" value="{index}" aria-valuetext="{labels[index]}" disabled> '
            f'<output for="{uid}">{labels[index]}</output></p>')


def _show(kind, title, axes, figure, runs, looks, pick, key):
    """Display the card: controls, figure, readout, a table of all runs, and the script.

    axes: [(name, labels, radio)], the learning rate and maybe a second hyperparameter, whose
    values vary fastest (run i: learning rate i // n, second value i % n). figure: (fig, ax,
    title, bodies), the bodies in pixels of fig; run["readout"]: what to say about it."""
    labels, n = [values for _, values, _ in axes], len(runs) // len(axes[0][1])
    fields = [k for k in runs[0]["readout"] if k != "run"]
    names = [a[0] for a in axes] + fields
    payload = json.dumps({"kind": kind, "names": names, "labels": labels, "looks": looks, "runs": runs},
                         allow_nan=False).replace("<", "\\u003c")   # no "</script>" in a string
    uid = "d2lx-" + hashlib.sha256(f"{next(_serial)}{payload}".encode()).hexdigest()[:10]
    rows = [[labels[a][divmod(i, n)[a]] for a in range(len(axes))] + [r["readout"][k] for k in fields]
            for i, r in enumerate(runs)]
    fig, ax, svg_title, bodies = figure
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=2 * fig.dpi)   # twice the pixels: sharp on HiDPI screens
    w, h = fig.bbox.width, fig.bbox.height
    box = f"{ax.bbox.x0:.1f} {h - ax.bbox.y1:.1f} {ax.bbox.width:.1f} {ax.bbox.height:.1f}"   # y down
    readout = runs[pick]["readout"]
    page = "".join([
        f'<style>{CSS}</style><div class="d2l-explorer d2l-explorer-{kind}" id="{uid}">',
        f"<p><b>{html.escape(title)}</b></p><p class=\"key noscript\">The controls need JavaScript, which "
        "does not run here; the table under <i>All runs</i> lists every run.</p>",
        *(_control(f"{uid}-{a}", a, name, values, divmod(pick, n)[a], radio)
          for a, (name, values, radio) in enumerate(axes)),
        # the picture with, over its axes (a nested <svg>, which clips them), every run
        f'<svg viewBox="0 0 {w:.0f} {h:.0f}" role="img"><title>{svg_title}</title><image width="{w:.0f}" '
        f'height="{h:.0f}" href="data:image/png;base64,{base64.b64encode(png.getvalue()).decode()}"/>',
        '<svg x="{}" y="{}" width="{}" height="{}" viewBox="{}">'.format(*box.split(), box),
        *(f'<g data-run="{i}" data-look="{look}" fill="none" '
          + " ".join(f'{k}="{v}"' for k, v in looks[look].items()) + f">{body}</g>"
          for i, body in enumerate(bodies) for look in ["sel" if i == pick else "far"]),
        f'</svg></svg><p class="key">{key}</p><p aria-live="polite"><b data-field="run">{readout["run"]}</b>',
        "</p><dl>", *(f'<dt>{k}</dt><dd data-field="{k}">{readout[k]}</dd>' for k in fields),
        "</dl><details><summary>All runs</summary><table><tr>", *(f"<th>{h}</th>" for h in names),
        *("</tr><tr>" + "".join(f"<td>{c}</td>" for c in row) for row in rows), "</tr></table></details>",
        f'<script type="application/json" class="d2l-explorer-data">{payload}</script></div>',
        f'<script>{JS}("{uid}");</script>'])
    text = [f"{title}: {len(runs)} runs (a browser shows the controls).", "; ".join(names)]
    from IPython.display import display
    display({"text/html": page, "text/plain": "\n".join(text + ["; ".join(r) for r in rows])}, raw=True)


def _number(v, fmt):
    return "n/a" if v is None else format(v, fmt) if math.isfinite(v) else "not finite"


def sweep_explorer(train_fn, lrs, batch_sizes, num_epochs, optimizer=None,
                   title="Learning rate and batch size"):
    """Train every (lr, batch size) pair, then show the runs behind a learning-rate slider and
    batch-size buttons, the middle lr and the smallest batch size first; returns the runs,
    [{'lr', 'batch_size', 'history'}, ...], lr-major. Used in sections 3.4, 4.5, 5.3, 8.5, 10.7.

    `train_fn(lr=, batch_size=, num_epochs=, optimizer=, on_epoch=)` returns `fit`'s History, as
    for `widgets.sweep`; what it prints is dropped. The slider's stops are evenly spaced: give
    log-spaced lrs.
    """
    if not callable(train_fn):
        raise TypeError(f"train_fn must be a function, got {train_fn!r}")
    lrs, batch_sizes = _grid("lrs", lrs), _grid("batch_sizes", batch_sizes, whole=True)
    _check(isinstance(num_epochs, int) and not isinstance(num_epochs, bool) and num_epochs >= 1,
           f"num_epochs must be a whole number >= 1, got {num_epochs!r}")
    with contextlib.redirect_stdout(io.StringIO()):   # fit's summary lines: the table has them
        runs = [{"lr": lr, "batch_size": bs, "history": train_fn(
                    lr=lr, batch_size=bs, num_epochs=num_epochs, optimizer=optimizer, on_epoch=None)}
                for lr, bs in itertools.product(lrs, batch_sizes)]   # lr-major: the page's order
    positive = lambda values: [v for v in values if math.isfinite(v) and v > 0]   # noqa: E731
    losses = positive(v for r in runs for v in r["history"].train_loss) or [1.0]
    starts = positive(r["history"].train_loss[0] for r in runs if r["history"].train_loss) or losses
    # a loss far above where the runs start is off the scale: it is drawn on the top edge
    lo, hi = min(losses) / 1.3, min(max(losses), 100 * statistics.median(starts)) * 1.3
    fig, ax, to_px = _axes("epoch", "training loss", [0.7, num_epochs + 0.3], [lo, hi], yscale="log")
    ax.xaxis.get_major_locator().set_params(integer=True)
    bodies, data = [], []
    for r in runs:
        h, epochs = r["history"], len(r["history"].train_loss)
        diverged = h.status == "diverged"
        # fit stops in the epoch a loss becomes nan or inf; a run that only exploded trains on
        stopped = diverged and (h.diverged_in or epochs + 1) > epochs
        pts = to_px([(e + 1, min(max(v, lo), hi) if math.isfinite(v) else hi)
                     for e, v in enumerate(h.train_loss)] + [(epochs + 1, hi)] * stopped)
        # as `sweep` draws a diverged run: dashed, with a cross in the epoch it was called diverged
        cross = (pts[-1][0], pts[-1][1] + 5) if stopped else pts[(h.diverged_in or 1) - 1]
        bodies.append(_line(pts, 'stroke-dasharray="5 3"') + _cross(*cross)
                      if diverged else _line(pts, 'stroke-linecap="round"'))   # one epoch: a dot
        last = {k: getattr(h, k)[-1] if getattr(h, k) else None for k in HISTORY}
        speed = h.mean_examples_per_sec
        status = (f"diverged in epoch {h.diverged_in or epochs + 1}" if diverged else h.status) \
            + f", {epochs} epochs"
        readout = {"run": f"learning rate {r['lr']:g}, batch size {r['batch_size']}", "status": status,
                   "final training loss": _number(last["train_loss"], ".4g"),
                   "train accuracy": _number(last["train_acc"], ".3f"),
                   "test accuracy": _number(last["test_acc"], ".3f"), "examples/sec": _number(speed, ",.0f")}
        data.append({"lr": r["lr"], "batch_size": r["batch_size"], "status": h.status, "readout": readout,
                     **{k: [v if v is None or math.isfinite(v) else None for v in getattr(h, k)]
                        for k in HISTORY}})   # JSON has no nan or inf
    pick = len(lrs) // 2 * len(batch_sizes)
    key = ("Bold blue: the selected run. Grey: the other learning rates at this batch size; faint: "
           "the other batch sizes. Dashed, with a red cross where it failed: diverged. Losses far above "
           "the first epoch's run along the top edge.")
    axes = [("learning rate", [f"{v:g}" for v in lrs], False),
            ("batch size", [str(b) for b in batch_sizes], True)]
    figure = fig, ax, "Training loss per epoch: the selected run bold, the others faint", bodies
    _show("sweep", title + (f", {optimizer}" if optimizer else ""), axes, figure, data, SWEEP_LOOKS, pick,
          key)
    return runs


def trajectory_explorer(f, trajectories, xlim, ylim, param_name=None, minimum=None,
                        title="Optimiser trajectories"):
    """Show 2-D optimiser paths over the contour lines of f behind a learning-rate slider and a
    slider for a second hyperparameter, `param_name` (momentum, beta, ...), the middle values
    first. Used in sections 10.3, 10.5 and 10.6.

    trajectories maps (lr, value) -> a (steps + 1, 2) tensor or array that the notebook's own
    optimiser computed (lr -> path when param_name is None); f maps (..., 2) tensors to values;
    minimum: a point to give the distance to.
    """
    if not callable(f):
        raise TypeError(f"f must be a function of a (..., 2) tensor, got {f!r}")
    _check(isinstance(trajectories, dict) and trajectories,
           f"trajectories must be a non-empty dict (lr, value) -> path, got {trajectories!r}")
    for name, lim in [("xlim", xlim), ("ylim", ylim), ("minimum", minimum)][:2 + (minimum is not None)]:
        _check(len(lim) == 2 and all(math.isfinite(float(v)) for v in lim)
               and (name == "minimum" or lim[0] < lim[1]),
               f"{name} must be two finite numbers (low < high for a range), got {lim!r}")
    paths = {}
    for k, v in trajectories.items():
        _check(param_name is None or isinstance(k, tuple) and len(k) == 2,
               f"trajectories' keys must be (lr, {param_name}) pairs, got {k!r}")
        path = paths[(k, None) if param_name is None else k] = torch.as_tensor(v).double().numpy(force=True)
        _check(path.ndim == 2 and path.shape[1:] == (2,) and len(path)
               and xlim[0] <= path[0, 0] <= xlim[1] and ylim[0] <= path[0, 1] <= ylim[1],
               f"trajectories[{k!r}] must have shape (steps + 1, 2) and start inside xlim and ylim, "
               f"got shape {tuple(path.shape)}, start {path[:1].tolist()}")
    lrs = _grid("the learning rates in trajectories", {k[0] for k in paths})
    values = [None] if param_name is None else _grid(f"the {param_name} values in trajectories",
                                                     {k[1] for k in paths}, positive=False)
    grid = list(itertools.product(lrs, values))   # lr-major, as the page indexes the runs
    _check(len(grid) == len(paths), f"trajectories lacks {[k for k in grid if k not in paths][:3]}: "
           f"give one path per (lr, {param_name}) pair")
    value_of = lambda points: torch.as_tensor(f(torch.as_tensor(points))).double().numpy()  # noqa: E731
    fig, ax, to_px = _axes("x1", "x2", xlim, ylim)
    g1, g2 = np.meshgrid(np.linspace(*xlim, 100), np.linspace(*ylim, 100))
    ax.contour(g1, g2, value_of(np.stack([g1, g2], axis=-1)), levels=12, cmap="Greys", alpha=0.6)
    if minimum is not None:
        ax.plot(*minimum, "k+", markersize=10)
    view = np.sort(to_px(list(zip(xlim, ylim))), axis=0)   # the plot's corners in pixels: low, high
    bodies, data = [], []
    for key in grid:
        path = paths[key]
        pts = to_px(path)
        drawn = np.isfinite(pts).all(1) & (np.abs(pts) < 10_000).all(1)   # farther breaks an SVG
        pts = pts[:len(pts) if drawn.all() else drawn.argmin()]
        last = np.flatnonzero(((pts >= view[0]) & (pts <= view[1])).all(1))[-1]   # the last in view
        dots = "".join(f"M{x:.1f},{y:.1f}h0" for x, y in pts)   # round caps draw a dot per step
        bodies.append(_line(pts, f'stroke="{ORANGE}" stroke-width="1.5"')
                      + f'<path d="{dots}" stroke="{ORANGE}" stroke-width="5" stroke-linecap="round"/>'
                      + f'<circle cx="{pts[0][0]:.1f}" cy="{pts[0][1]:.1f}" r="5" stroke="#222"/>'
                      + (_cross(*pts[last]) if last < len(path) - 1 else ""))
        end = path[-1] if np.isfinite(path[-1]).all() else None
        value = None if end is None else float(value_of(end))
        distance = None if end is None or minimum is None else math.dist(end, minimum)
        where = "ends in view" if last == len(path) - 1 else f"leaves the plot after step {last}"
        readout = {"run": f"learning rate {key[0]:g}" + (f", {param_name} {key[1]:g}" if param_name else ""),
                   "status": f"{len(path) - 1} steps, {where}",
                   "final point": "not finite" if end is None else f"({end[0]:.3g}, {end[1]:.3g})",
                   "f at the final point": _number(value, ".3g")}
        if minimum is not None:
            readout["distance to the minimum"] = _number(distance, ".3g")
        data.append({"lr": key[0], "param": key[1], "steps": len(path) - 1, "readout": readout,
                     "end": None if end is None else end.tolist(), "f": value, "distance": distance})
    pick = len(lrs) // 2 * len(values) + len(values) // 2
    key = ("Orange: the path, a dot per step, from the open circle" + ("; +: the minimum" if minimum
           is not None else "") + ". A red cross: the last point in view of a path that leaves the plot.")
    axes = [("learning rate", [f"{v:g}" for v in lrs], False)]
    axes += [(param_name, [f"{v:g}" for v in values], False)] if param_name else []
    figure = fig, ax, "The selected optimiser path over the contour lines of f", bodies
    _show("trajectory", title, axes, figure, data, PATH_LOOKS, pick, key)
