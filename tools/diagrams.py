"""The book's conceptual diagrams, drawn as SVG from the book's notation and the code's shapes.

    python tools/diagrams.py [--out DIR] [NAME ...]   # write NAME.svg files to look at

A notebook shows a diagram as a markdown-cell attachment, `![alt text](attachment:NAME.svg)`,
which Jupyter, JupyterLab, Colab, VS Code and GitHub render with no file beside the notebook
(the book reads it through book/_ext/attachments.py). `python tools/nbtool.py sync` embeds
what `draw(NAME)` returns into every cell that references it, and `nbtool check` fails when
an embedded copy differs from it. So this file is the source: edit a drawing here, then run
`make sync`.

What can be computed is: the numbers in the grids come from `F.conv2d` and the pooling
functions, the shapes from running the layers the notebooks build, the output sizes from the
formula of section 8.3. The SVG is written by hand, element by element, so it is small, the
same on every machine, and keeps its text as text (a white card, readable in both themes).
"""
import argparse
import math
import random
import re
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
MONO = "DejaVu Sans Mono, Menlo, Consolas, monospace"
INK, MUTED, GRID = "#222222", "#666666", "#8c8c8c"
FILL = {"input": "#dbe9f6", "kernel": "#fde0c5", "output": "#d9f0d3", "pad": "#f2f2f2",
        "op": "#ffffff", "weight": "#ede3f5", "grey": "#e6e6e6"}
RED, BLUE, GREEN, PURPLE = "#c62828", "#1f5fbf", "#2e7d32", "#7b3fa0"
WINDOWS = [RED, BLUE, GREEN, PURPLE]


def _esc(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _rich(text, size):
    """Text with `_{sub}` and `^{sup}` as tspans that shift the baseline and shift it back."""
    out, pos, back = [], 0, 0.0
    for m in re.finditer(r"([_^])\{([^}]*)\}", text):
        plain = _esc(text[pos:m.start()])
        out.append(f'<tspan dy="{back:g}">{plain}</tspan>' if back and plain else plain)
        back = 0.0 if plain else back
        shift = round((0.3 if m.group(1) == "_" else -0.4) * size, 1) - back
        out.append(f'<tspan dy="{shift:g}" font-size="{round(0.72 * size, 1):g}">{_esc(m.group(2))}</tspan>')
        back = -(shift + back)
        pos = m.end()
    rest = _esc(text[pos:])
    out.append(f'<tspan dy="{back:g}">{rest}</tspan>' if back and rest else rest)
    return "".join(out)


class Drawing:
    """An SVG card: shapes and text in pixel coordinates, y pointing down."""

    def __init__(self, width, height, title):
        self.width, self.height, self.title, self.parts = width, height, title, []
        self.markers = set()

    def rect(self, x, y, w, h, fill="none", stroke=GRID, width=1, dash=False, rx=0):
        extra = ' stroke-dasharray="3 2"' if dash else ""
        extra += f' rx="{rx:g}"' if rx else ""
        self.parts.append(f'<rect x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" fill="{fill}" '
                          f'stroke="{stroke}" stroke-width="{width:g}"{extra}/>')

    def circle(self, cx, cy, r, fill="#ffffff", stroke=INK, width=1.2):
        self.parts.append(f'<circle cx="{cx:g}" cy="{cy:g}" r="{r:g}" fill="{fill}" stroke="{stroke}" '
                          f'stroke-width="{width:g}"/>')

    def line(self, points, color=INK, width=1.2, arrow=False, dash=False):
        path = " ".join(f"{x:g},{y:g}" for x, y in points)
        extra = ' stroke-dasharray="5 3"' if dash else ""
        if arrow:
            self.markers.add(color)
            extra += f' marker-end="url(#head-{color[1:]})"'
        self.parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" '
                          f'stroke-width="{width:g}"{extra}/>')

    def text(self, x, y, text, size=13, anchor="middle", color=INK, bold=False, italic=False,
             mono=False):
        style = (' font-weight="bold"' if bold else "") + (' font-style="italic"' if italic else "")
        style += f' font-family="{MONO}"' if mono else ""
        self.parts.append(f'<text x="{x:g}" y="{y:g}" font-size="{size:g}" text-anchor="{anchor}" '
                          f'fill="{color}"{style}>{_rich(text, size)}</text>')

    def grid(self, values, x, y, cell=28, fill="input", size=13, pad=None, numbers=True):
        """A 2-D tensor as cells with its numbers; `pad` marks the cells that are padding."""
        rows, cols = values.shape
        for i in range(rows):
            for j in range(cols):
                is_pad = pad is not None and bool(pad[i, j])
                self.rect(x + j * cell, y + i * cell, cell, cell, FILL["pad" if is_pad else fill],
                          GRID, 1, dash=is_pad)
                if numbers:
                    self.text(x + (j + 0.5) * cell, y + (i + 0.5) * cell + size * 0.36,
                              f"{values[i, j].item():g}", size, color=MUTED if is_pad else INK)

    def outline(self, x, y, w, h, color=RED, width=2.5):
        self.rect(x, y, w, h, "none", color, width)

    def caption(self, y, *lines, x=16, size=12):
        """Grey lines of explanation, left-aligned, one under the other."""
        for n, line in enumerate(lines):
            self.text(x, y + n * (size + 5), line, size, "start", MUTED)

    def svg(self):
        defs = "".join(
            f'<marker id="head-{c[1:]}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{c}"/>'
            f'</marker>' for c in sorted(self.markers))
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width}" height="{self.height}" '
                f'viewBox="0 0 {self.width} {self.height}" font-family="{FONT}">'
                f"<title>{_esc(self.title)}</title>" + (f"<defs>{defs}</defs>" if defs else "")
                + f'<rect x="0.5" y="0.5" width="{self.width - 1}" height="{self.height - 1}" rx="8" '
                f'fill="#ffffff" stroke="#d0d0d0"/>')
        return head + "\n" + "\n".join(self.parts) + "\n</svg>\n"


def output_size(n, k, p_total=0, s=1):
    """Section 8.3's formula: floor((n - k + p + s) / s), p the total padding."""
    return (n - k + p_total + s) // s


def conv(X, K, padding=0, stride=1):
    return F.conv2d(X[None, None], K[None, None], padding=padding, stride=stride)[0, 0]


X3 = torch.arange(9.0).reshape(3, 3)                    # the inputs and kernels of 8.2-8.4
K2 = torch.tensor([[0.0, 1.0], [2.0, 3.0]])


# 8.2 ------------------------------------------------------------------------------------------
def conv_window():
    Y = conv(X3, K2)
    d = Drawing(680, 300, "The kernel slides over the input; each position gives one output element")
    c = 26
    for n, (i, j) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        x0, y0 = 14 + (n % 2) * 336, 14 + (n // 2) * 140
        d.grid(X3, x0, y0 + 8, c)
        d.outline(x0 + j * c, y0 + 8 + i * c, 2 * c, 2 * c, WINDOWS[n])
        d.text(x0 + 3 * c + 18, y0 + 8 + 1.5 * c + 8, "⋆", 30)
        d.grid(K2, x0 + 3 * c + 36, y0 + 8 + c / 2, c, "kernel")
        d.text(x0 + 5 * c + 54, y0 + 8 + 1.5 * c + 6, "=", 20)
        d.grid(Y, x0 + 5 * c + 72, y0 + 8 + c / 2, c, "output")
        d.outline(x0 + 5 * c + 72 + j * c, y0 + 8 + c / 2 + i * c, c, c, WINDOWS[n])
        window = X3[i:i + 2, j:j + 2].flatten().tolist()
        terms = " + ".join(f"{a:g}·{b:g}" for a, b in zip(window, K2.flatten().tolist()))
        d.text(x0 + 150, y0 + 8 + 3 * c + 24, f"Y[{i}, {j}] = {terms} = {Y[i, j].item():g}", 13,
               color=WINDOWS[n])
    d.caption(292, "input X (3 × 3) ⋆ kernel K (2 × 2) = output Y (2 × 2): one output per position "
              "of the window")
    return d


# 8.3 ------------------------------------------------------------------------------------------
def _padded(X, p):
    return F.pad(X, (p, p, p, p)), F.pad(torch.zeros_like(X), (p, p, p, p), value=1)


def conv_padding():
    n, k, p = 3, 2, 1
    Xp, is_pad = _padded(X3, p)
    Y = conv(X3, K2, padding=p)
    size = output_size(n, k, 2 * p)
    assert Y.shape == (size, size)
    d = Drawing(680, 270, "A 3 x 3 input padded with one zero per side, a 2 x 2 kernel, a 4 x 4 output")
    c = 30
    d.text(20 + 2.5 * c, 26, "input padded 1 per side", 13)
    d.grid(Xp, 20, 38, c, pad=is_pad)
    d.text(20 + 5 * c + 30, 38 + 2.5 * c + 10, "⋆", 30)
    d.text(20 + 5 * c + 60 + c, 26 + 1.5 * c, "kernel", 13)
    d.grid(K2, 20 + 5 * c + 60, 38 + 1.5 * c, c, "kernel")
    d.text(20 + 7 * c + 90, 38 + 2.5 * c + 7, "=", 22)
    ox, oy = 20 + 7 * c + 120, 38 + 0.5 * c
    d.text(ox + 2 * c, oy - 12, f"output ({size} × {size})", 13)
    d.grid(Y, ox, oy, c, "output")
    for color, (i, j) in [(RED, (0, 0)), (BLUE, (2, 2))]:
        d.outline(20 + j * c, 38 + i * c, 2 * c, 2 * c, color)
        d.outline(ox + j * c, oy + i * c, c, c, color)
        d.text(ox + 4 * c + 20, oy + 30 + (i > 0) * 46, f"Y[{i}, {j}] = {Y[i, j].item():g}", 13, "start",
               color)
    d.caption(232, f"n = {n}, k = {k}, total padding p = 2 × {p} = {2 * p}:  n − k + p + 1 = {n} − {k} + "
              f"{2 * p} + 1 = {size}.", "Grey cells are the padding zeros; each window gives the "
              "output cell of its colour.")
    return d


def conv_stride():
    n, k, p, (s_h, s_w) = 3, 2, 1, (3, 2)
    Xp, is_pad = _padded(X3, p)
    Y = conv(X3, K2, padding=p, stride=(s_h, s_w))
    rows, cols = output_size(n, k, 2 * p, s_h), output_size(n, k, 2 * p, s_w)
    assert Y.shape == (rows, cols)
    d = Drawing(680, 262, "Stride 3 down and 2 across: four windows, a 2 x 2 output")
    c = 30
    d.text(20 + 2.5 * c, 26, "input padded 1 per side", 13)
    d.grid(Xp, 20, 38, c, pad=is_pad)
    ox, oy = 20 + 7 * c + 150, 38 + 1.5 * c
    for n_win, (i, j) in enumerate([(a, b) for a in range(rows) for b in range(cols)]):
        inset = 2 + n_win % 2
        d.outline(20 + j * s_w * c + inset, 38 + i * s_h * c + inset, 2 * c - 2 * inset,
                  2 * c - 2 * inset, WINDOWS[n_win])
    d.text(20 + 5 * c + 30, 38 + 2.5 * c + 8, "⋆", 30)
    d.grid(K2, 20 + 5 * c + 60, 38 + 1.5 * c, c, "kernel")
    d.text(20 + 7 * c + 120, 38 + 2.5 * c + 7, "=", 22)
    d.grid(Y, ox, oy, c, "output")
    for n_win, (i, j) in enumerate([(a, b) for a in range(rows) for b in range(cols)]):
        d.outline(ox + j * c + 2, oy + i * c + 2, c - 4, c - 4, WINDOWS[n_win])
    d.text(ox + c, oy - 12, f"output ({rows} × {cols})", 13)
    used_rows = {i * s_h + a for i in range(rows) for a in range(k)}
    used_cols = {j * s_w + b for j in range(cols) for b in range(k)}
    unused = ([f"row {r}" for r in range(Xp.shape[0]) if r not in used_rows]
              + [f"column {c_}" for c_ in range(Xp.shape[1]) if c_ not in used_cols])
    d.caption(224, f"rows: ⌊(n − k + p + s_{{h}}) / s_{{h}}⌋ = ⌊({n} − {k} + {2 * p} + {s_h}) / {s_h}⌋ = "
              f"{rows};  columns: ⌊({n} − {k} + {2 * p} + {s_w}) / {s_w}⌋ = {cols}",
              "Each window gives the output cell of its colour; " + " and ".join(unused)
              + " of the padded input are never used.")
    return d


# 8.4 ------------------------------------------------------------------------------------------
def conv_multi_in():
    X = torch.stack([X3, X3 + 1])                       # (2, 3, 3), as in section 8.4
    K = torch.stack([K2, K2 + 1])                       # (2, 2, 2)
    parts = [conv(x, k) for x, k in zip(X, K)]
    Y = F.conv2d(X[None], K[None])[0, 0]
    assert torch.equal(parts[0] + parts[1], Y)
    d = Drawing(680, 250, "Two input channels, each with its own kernel slice; the results are added")
    c = 26
    for ch in range(2):
        y0 = 34 + ch * 100
        d.text(14, y0 + 1.5 * c + 5, f"c = {ch}", 13, "start", MUTED)
        d.grid(X[ch], 60, y0, c)
        d.outline(60, y0, 2 * c, 2 * c, RED)
        d.text(60 + 3 * c + 16, y0 + 1.5 * c + 8, "⋆", 30)
        d.grid(K[ch], 60 + 3 * c + 32, y0 + c / 2, c, "kernel")
        d.text(60 + 5 * c + 48, y0 + 1.5 * c + 6, "=", 20)
        d.grid(parts[ch], 60 + 5 * c + 64, y0 + c / 2, c, "output")
        d.outline(60 + 5 * c + 64, y0 + c / 2, c, c, RED)
    d.text(60 + 1.5 * c, 22, "X[c]  (3 × 3)", 12, color=MUTED)
    d.text(60 + 3 * c + 32 + c, 22, "K[c]", 12, color=MUTED)
    px = 60 + 7 * c + 64
    d.line([(px + 10, 34 + 1.5 * c), (px + 40, 34 + 1.5 * c + 50)], MUTED, arrow=True)
    d.line([(px + 10, 134 + 1.5 * c), (px + 40, 134 + 1.5 * c - 50)], MUTED, arrow=True)
    d.text(px + 60, 34 + 1.5 * c + 57, "+", 26)
    d.grid(Y, px + 90, 34 + 1.5 * c + 50 - 36, 36, "output")
    d.outline(px + 90, 34 + 1.5 * c + 50 - 36, 36, 36, RED)
    d.text(px + 90 + 36, 34 + 1.5 * c + 50 - 36 - 12, "Y (2 × 2)", 12, color=MUTED)
    w0, w1 = (X[ch, :2, :2].flatten() @ K[ch].flatten() for ch in range(2))
    d.text(px + 126, 34 + 1.5 * c + 104, f"{w0.item():g} + {w1.item():g} = {Y[0, 0].item():g}", 13,
           color=RED)
    d.caption(238, f"X: {tuple(X.shape)}, K: {tuple(K.shape)} (c_{{i}} × k_{{h}} × k_{{w}}) → "
              f"Y: {tuple(Y.shape)}, one output channel")
    return d


def conv_1x1():
    c_i, c_o, n_h, n_w = 3, 2, 5, 6                      # the shapes of section 8.4
    W = torch.zeros(c_o, c_i)
    Y = F.conv2d(torch.zeros(1, c_i, n_h, n_w), W[:, :, None, None])[0]
    assert Y.shape == (c_o, n_h, n_w)
    d = Drawing(680, 330, "A 1 x 1 convolution applies the same c_o x c_i matrix at every pixel")
    cell, (pi, pj), gap = 12, (2, 3), 14
    box_x, box_y, box_w = 290, 122, 124
    plane_h = n_h * cell + gap

    def plane_tops(count):
        return [30 + n * plane_h + (c_i - count) * plane_h / 2 for n in range(count)]

    for n, y in enumerate(plane_tops(c_i)):               # inputs: every channel's pixel feeds W
        d.grid(torch.zeros(n_h, n_w), 90, y, cell, "input", numbers=False)
        d.outline(90 + pj * cell, y + pi * cell, cell, cell, RED, 2)
        d.text(82, y + n_h * cell / 2 + 4, f"X[{n}]", 11, "end", MUTED)
        d.line([(90 + (pj + 1) * cell, y + (pi + 0.5) * cell), (box_x - 4, box_y + 28 + 14 * (n - 1))],
               RED, 1.2, arrow=True)
    d.text(90 + n_w * cell / 2, 30 + c_i * plane_h + 10, f"X: {(c_i, n_h, n_w)}", 13)
    d.rect(box_x, box_y, box_w, 56, FILL["weight"], PURPLE, 1.5, rx=6)
    d.text(box_x + box_w / 2, box_y + 24, f"W  ({c_o} × {c_i})", 13)
    d.text(box_x + box_w / 2, box_y + 44, "same at every pixel", 11, color=MUTED)
    for n, y in enumerate(plane_tops(c_o)):               # outputs: W's results, pixel by pixel
        d.grid(torch.zeros(n_h, n_w), 520, y, cell, "output", numbers=False)
        d.outline(520 + pj * cell, y + pi * cell, cell, cell, RED, 2)
        d.text(520 + n_w * cell + 8, y + n_h * cell / 2 + 4, f"Y[{n}]", 11, "start", MUTED)
        d.line([(box_x + box_w + 4, box_y + 28 + 14 * (n - 0.5)),
                (520 + pj * cell - 3, y + (pi + 0.5) * cell)], RED, 1.2, arrow=True)
    d.text(520 + n_w * cell / 2, 30 + (c_i + c_o) * plane_h / 2 + 10, f"Y: {tuple(Y.shape)}", 13)
    d.caption(296, f"At every pixel (i, j): Y[:, i, j] = W X[:, i, j], {c_i} numbers in, {c_o} out.",
              "A fully connected layer applied to each pixel on its own, with the same weights "
              "everywhere.")
    return d


def pooling():
    X4 = torch.arange(16.0).reshape(4, 4)
    mx = F.max_pool2d(X3[None], 2, stride=1)[0]
    av = F.avg_pool2d(X3[None], 2, stride=1)[0]
    mx4 = F.max_pool2d(X4[None], 2)[0]                  # the default stride: the window size
    d = Drawing(680, 250, "Max and average pooling of 2 x 2 windows, and the default stride")
    c = 26
    d.text(14 + 1.5 * c, 28, "X (3 × 3)", 13)
    d.grid(X3, 14, 40, c)
    d.outline(14, 40, 2 * c, 2 * c, RED)
    for n, (Y, name) in enumerate([(mx, "max"), (av, "average")]):
        x0, y0 = 140, 40 + n * 86
        d.line([(14 + 3 * c + 8, 40 + 1.5 * c), (x0 - 8, y0 + c)], MUTED, arrow=True)
        d.grid(Y, x0, y0, c, "output")
        d.outline(x0, y0, c, c, RED)
        d.text(x0 + 2 * c + 10, y0 + c + 5, f"{name}, stride 1", 13, "start")
    window = ", ".join(f"{v:g}" for v in X3[:2, :2].flatten().tolist())
    d.caption(236, f"The red window holds {window}: its maximum is {mx[0, 0].item():g}, its mean "
              f"{av[0, 0].item():g}.")
    x0 = 380
    d.text(x0 + 2 * c, 28, "nn.MaxPool2d(2) on a 4 × 4 input", 13)
    d.grid(X4, x0, 40, c)
    for n, (i, j) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        d.outline(x0 + 2 * j * c + 2, 40 + 2 * i * c + 2, 2 * c - 4, 2 * c - 4, WINDOWS[n])
    ox = x0 + 4 * c + 40
    d.line([(x0 + 4 * c + 6, 40 + 2 * c), (ox - 6, 40 + 2 * c)], MUTED, arrow=True)
    d.grid(mx4, ox, 40 + c, c, "output")
    for n, (i, j) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        d.outline(ox + j * c + 2, 40 + c + i * c + 2, c - 4, c - 4, WINDOWS[n])
    d.text(x0, 170, "stride defaults to the window size:", 12, "start", MUTED)
    d.text(x0, 188, f"windows do not overlap, {tuple(X4.shape)} → {tuple(mx4.shape)}", 12, "start",
           MUTED)
    return d


# 8.5 ------------------------------------------------------------------------------------------
def lenet_layers():
    """LeNet exactly as section 8.5 builds it."""
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))


def lenet():
    net, X = lenet_layers(), torch.zeros(1, 1, 28, 28)
    shapes = [tuple(X.shape[1:])]
    for layer in net:
        X = layer(X)
        shapes.append(tuple(X.shape[1:]))
    params = [sum(p.numel() for p in layer.parameters()) for layer in net]
    d = Drawing(680, 296, "LeNet: two convolution blocks, then three dense layers")
    # (shape after the step, the step's label): a step is a layer and the sigmoid after it
    steps = [(shapes[0], ""), (shapes[1], "conv 5×5|pad 2"), (shapes[3], "avg pool|2×2, s 2"),
             (shapes[4], "conv 5×5"), (shapes[6], "avg pool|2×2, s 2"), (shapes[7], "flatten"),
             (shapes[8], "dense"), (shapes[10], "dense"), (shapes[12], "dense")]
    x, base, scale, gap, spans = 16, 160, 2.2, 40, []
    for n, (shape, label) in enumerate(steps):
        if n:
            d.line([(x + 4, base - 24), (x + gap - 6, base - 24)], INK, 1.2, arrow=True)
            for k, part in enumerate(label.split("|")):
                d.text(x + gap / 2, 40 + 13 * k, part, 11, color=MUTED)
            x += gap
        if len(shape) == 3:                              # feature maps: a deck of squares
            ch, h, w = shape
            side, depth = h * scale, min(ch, 6)
            for k in reversed(range(depth)):
                d.rect(x + k * 4, base - side - k * 4, side, side, FILL["output" if n else "input"], GRID, 1)
            width, label = side + (depth - 1) * 4, f"{ch}×{h}×{w}"
        else:                                            # a vector: a bar
            height, width, label = 16 + shape[0] * 0.2, 14, f"{shape[0]}"
            d.rect(x, base - height, width, height, FILL["grey" if n == 5 else "weight"], GRID, 1)
        d.text(x + width / 2, base + 18, label, 11.5, bold=True)
        spans.append((x, x + width))
        x += width
    for (first, last), name in [((0, 4), "convolutional encoder"), ((5, 8), "dense block")]:
        left, right = spans[first][0], spans[last][1]
        d.line([(left, base + 30), (left, base + 36), (right, base + 36), (right, base + 30)], MUTED)
        d.text((left + right) / 2, base + 52, name, 12, color=MUTED)
    convs, dense = params[0] + params[3], params[7] + params[9] + params[11]
    d.caption(238, "Shapes per image (channels × height × width), from running the network.",
              "A sigmoid follows each convolution and each hidden dense layer.",
              f"Parameters: convolutions {convs:,}, dense layers {dense:,}, total {convs + dense:,}.")
    return d


# 9.1 ------------------------------------------------------------------------------------------
def batchnorm_channels():
    H, Z = torch.zeros(256, 4), torch.zeros(8, 3, 5, 5)   # the shapes of section 9.1
    per_feature, per_channel = H.shape[0], Z.numel() // Z.shape[1]
    d = Drawing(680, 332, "Batch normalisation: statistics per feature, and per channel")
    d.text(140, 26, f"fully connected: {tuple(H.shape)}", 13, bold=True)
    cell, rows = 22, 7
    for i in range(rows):
        for j in range(H.shape[1]):
            d.rect(96 + j * cell, 56 + i * cell, cell, cell, FILL["kernel" if j == 2 else "input"], GRID, 1)
    d.text(96 + 2.5 * cell, 56 + rows * cell + 16, "⋮", 14)
    d.outline(96 + 2 * cell, 56, cell, rows * cell + 22, RED, 2)
    d.text(84, 56 + 3.5 * cell, "batch", 12, "end", MUTED)
    d.text(96 + 2 * cell, 48, "features", 12, color=MUTED)
    d.text(140, 252, "feature 2: one μ and σ²", 12, color=RED)
    d.text(140, 268, f"over the {per_feature} examples", 12, color=RED)
    d.text(140, 290, f"{H.shape[1]} means and variances; {H.shape[1]} γ, {H.shape[1]} β", 12, color=MUTED)
    d.text(500, 26, f"convolutional: {tuple(Z.shape)}", 13, bold=True)
    cell, step = 10, 76
    for m in range(4):
        for ch in reversed(range(Z.shape[1])):
            x, y = 352 + m * step + ch * 8, 90 - ch * 8
            d.grid(torch.zeros(5, 5), x, y, cell, "kernel" if ch == 1 else "input", numbers=False)
            if ch == 1:
                d.outline(x, y, 5 * cell, 5 * cell, RED, 2)
        d.text(352 + m * step + 33, 160, f"image {m}", 11, color=MUTED)
    d.text(660, 130, "…", 16)
    d.text(500, 200, "channel 1: one μ and σ² over batch × height × width", 12, color=RED)
    d.text(500, 218, f"= {Z.shape[0]} × {Z.shape[2]} × {Z.shape[3]} = {per_channel} values", 12, color=RED)
    d.text(500, 290, f"{Z.shape[1]} means and variances; {Z.shape[1]} γ, {Z.shape[1]} β", 12, color=MUTED)
    d.text(340, 318, "x̂ = (x − μ) / √(σ² + ε),   y = γ x̂ + β,   per feature or per channel", 12)
    return d


# 9.3 ------------------------------------------------------------------------------------------
def _residual_shapes(c_in, c_out, stride, X):
    """The input and output shapes of section 9.3's Residual block, and whether its shortcut is x."""
    Y = nn.Conv2d(c_out, c_out, 3, padding=1)(nn.Conv2d(c_in, c_out, 3, padding=1, stride=stride)(X))
    identity = (stride, c_in) == (1, c_out)
    shortcut = X if identity else nn.Conv2d(c_in, c_out, 1, stride=stride)(X)
    assert Y.shape == shortcut.shape
    return tuple(X.shape), tuple(Y.shape), identity


def _box(d, x, y, w, text, fill="op", color=INK):
    d.rect(x - w / 2, y - 13, w, 26, FILL[fill], GRID, 1, rx=4)
    d.text(x, y + 5, text, 12, color=color)


def residual_block():
    X = torch.zeros(4, 8, 6, 6)                          # the input of section 9.3
    d = Drawing(680, 440, "The residual block, with the identity and with a 1 x 1 convolution on the "
                          "shortcut")
    ys = [390, 340, 300, 260, 220, 180, 140, 100]         # bottom to top, as the data flows
    for n, (c_out, stride) in enumerate([(8, 1), (16, 2)]):
        x_in, out, identity = _residual_shapes(8, c_out, stride, X)
        cx, side = 210 + n * 340, 80 + n * 340
        d.text(cx - 50, 24, f"Residual(8, {c_out}" + (f", stride={stride})" if stride > 1 else ")"), 13,
               bold=True, mono=True)
        d.text(cx, 56, f"output {out}", 12, color=MUTED)
        d.text(cx, 418, f"input {x_in}", 12, color=MUTED)
        labels = ["", "3×3 conv" + (f", stride {stride}" if stride > 1 else ""), "batch norm", "ReLU",
                  "3×3 conv", "batch norm", "+", "ReLU"]
        for k in range(1, len(ys)):
            d.line([(cx, ys[k - 1] + (10 if k == 1 else -13)), (cx, ys[k] + 13)], INK, 1.2, arrow=True)
            if labels[k] == "+":
                d.circle(cx, ys[k], 12)
                d.text(cx, ys[k] + 6, "+", 17)
            else:
                _box(d, cx, ys[k], 136, labels[k], "kernel" if "conv" in labels[k] else "op")
        d.line([(cx, ys[-1] - 13), (cx, 66)], INK, 1.2, arrow=True)
        if identity:
            d.line([(cx, 380), (side, 380), (side, ys[6]), (cx - 15, ys[6])], BLUE, 1.6, arrow=True)
            d.text(side - 8, 264, "identity", 12, "end", BLUE)
            d.text(side + 8, 264, "x", 13, "start", BLUE, bold=True)
        else:
            d.line([(cx, 380), (side, 380), (side, 273)], BLUE, 1.6, arrow=True)
            _box(d, side, 260, 108, "1×1 conv, s 2", "weight", BLUE)
            d.line([(side, 247), (side, ys[6]), (cx - 15, ys[6])], BLUE, 1.6, arrow=True)
            d.text(side + 6, 200, f"{out}", 10, "start", BLUE, mono=True)
        d.text(cx + 76, 263, "g(x)", 13, "start", MUTED, italic=True)
    return d


# 9.4 ------------------------------------------------------------------------------------------
def _dense_block_channels(num_convs=2, c0=3, k=10):
    """The channel count after every concatenation of section 9.4's DenseBlock(2, 3, 10)."""
    X = torch.zeros(4, c0, 8, 8)
    counts = [c0]
    for i in range(num_convs):
        new = nn.Conv2d(c0 + i * k, k, kernel_size=3, padding=1)(X)
        X = torch.cat((X, new), dim=1)
        counts.append(X.shape[1])
    return counts, tuple(X.shape)


def _bar(d, x, y, segments, unit=8, height=28):
    """Channels as a bar of coloured segments, one per concatenated tensor."""
    for count, fill, label in segments:
        d.rect(x, y, count * unit, height, FILL[fill], GRID, 1)
        d.text(x + count * unit / 2, y + height / 2 + 5, label, 12)
        x += count * unit
    return x


def dense_block():
    counts, out = _dense_block_channels()
    c0, k = counts[0], counts[1] - counts[0]
    d = Drawing(680, 314, "A dense block concatenates every layer's output to its input")
    segments = [(c0, "input", "x_{0}"), (k, "output", "x_{1}"), (k, "kernel", "x_{2}")]
    names = ["x_{0}", "[x_{0}, x_{1}]", "[x_{0}, x_{1}, x_{2}]"]
    for n in range(3):
        y = 30 + n * 100
        end = _bar(d, 40, y, segments[:n + 1])
        d.text(end + 12, y + 19, f"{names[n]}: {counts[n]} channels", 12, "start")
        if n < 2:
            box_y = y + 52
            _box(d, 470, box_y, 270, f"H_{{{n + 1}}}: BN, ReLU, 3×3 conv → {k} channels")
            d.line([(end - 4, y + 28), (330, box_y)], MUTED, 1.2, arrow=True)
            d.line([(335, box_y + 13), (end + k * 4, y + 98)], MUTED, 1.2, arrow=True)
            d.line([(40 + c0 * 4, y + 30), (40 + c0 * 4, y + 98)], INK, 1.2, arrow=True)
            d.text(40 + c0 * 4 + 6, y + 66, "copied", 11, "start", MUTED)
    d.caption(282, f"DenseBlock(2, {c0}, {k}) on {(4, c0, 8, 8)} gives {out}. Each layer reads all the "
              "channels so far,", "and the input stays unchanged as the first channels.")
    return d


def transition_layer():
    X = torch.zeros(4, 23, 8, 8)                         # the dense block's output in section 9.4
    layer = nn.Sequential(nn.BatchNorm2d(23), nn.ReLU(), nn.Conv2d(23, 10, kernel_size=1),
                          nn.AvgPool2d(kernel_size=2, stride=2))
    steps = [(tuple(X.shape), ""), (tuple(layer[:3](X).shape), "BN, ReLU, 1×1 conv"),
             (tuple(layer(X).shape), "2×2 avg pool, stride 2")]
    d = Drawing(680, 230, "A transition layer halves the height and width and reduces the channels")
    x = 30
    for n, ((_, ch, h, w), label) in enumerate(steps):
        if n:
            d.line([(x + 10, 110), (x + 120, 110)], INK, 1.2, arrow=True)
            d.text(x + 65, 98, label, 12, color=MUTED)
            x += 130
        side, depth = h * 12, min(ch, 8)
        for k in reversed(range(depth)):
            d.rect(x + k * 4, 150 - side - k * 4, side, side, FILL["output" if n else "input"], GRID, 1)
        d.text(x + side / 2 + depth * 2, 176, f"{ch} × {h} × {w}", 13, bold=True)
        x += side + depth * 4
    d.caption(210, f"transition_block(23, 10): {steps[0][0]} → {steps[2][0]}, fewer channels and a "
              "quarter of the positions")
    return d


# 6.4 and 6.6 ----------------------------------------------------------------------------------
def _layer(n, x, top, bottom):
    step = (bottom - top) / (n - 1) if n > 1 else 0
    return [(x, top + i * step) for i in range(n)]


def dropout():
    p, seed = 0.5, 3
    rng = random.Random(seed)                            # stable across Python versions
    keep = [rng.random() >= p for _ in range(5)]
    assert sum(keep) == 3   # what the alt text says
    d = Drawing(680, 308, "Dropout zeroes hidden units at random during training")
    for n, training in enumerate([False, True]):
        x0 = 20 + n * 340
        d.text(x0 + 150, 22, f"training, dropout p = {p:g}" if training else "prediction", 13, bold=True)
        d.text(x0 + 150, 40, f"crossed out: zeroed; blue: kept, × 1/(1 − p) = {1 / (1 - p):g}" if training
               else "model.eval(): every unit, unscaled", 11, color=MUTED)
        layers = [_layer(4, x0 + 40, 90, 240), _layer(5, x0 + 150, 70, 260), _layer(3, x0 + 260, 110, 220)]
        names = [[f"x_{{{i + 1}}}" for i in range(4)], [f"h_{{{i + 1}}}" for i in range(5)],
                 [f"o_{{{i + 1}}}" for i in range(3)]]
        alive = [[True] * 4, keep if training else [True] * 5, [True] * 3]
        for a, b in [(0, 1), (1, 2)]:
            for i, (xa, ya) in enumerate(layers[a]):
                for j, (xb, yb) in enumerate(layers[b]):
                    if alive[a][i] and alive[b][j]:
                        d.line([(xa + 15, ya), (xb - 15, yb)], GRID, 0.8)
        for L in range(3):
            for i, (x, y) in enumerate(layers[L]):
                on = alive[L][i]
                ring = BLUE if training and L == 1 and on else (INK if on else GRID)
                d.circle(x, y, 15, "#ffffff" if on else FILL["grey"], ring, 2 if ring == BLUE else 1.2)
                d.text(x, y + 5, names[L][i], 13, color=INK if on else GRID, italic=True)
                if not on:
                    d.line([(x - 11, y - 11), (x + 11, y + 11)], RED, 1.6)
                    d.line([(x - 11, y + 11), (x + 11, y - 11)], RED, 1.6)
    d.caption(298, f"This draw zeroed {5 - sum(keep)} of the 5 hidden units; every example and every "
              "forward pass draws anew.", x=340 - 300)
    return d


def mlp_graph():
    d_in, h, q = 6, 5, 3                                 # the sizes of section 6.6
    x = torch.randn(d_in)
    W1 = torch.randn(h, d_in, requires_grad=True)
    W2 = torch.randn(q, h, requires_grad=True)
    z = W1 @ x
    o = W2 @ torch.relu(z)
    J = F.cross_entropy(o[None], torch.tensor([2])) + 0.05 * (W1.square().sum() + W2.square().sum())
    J.backward()
    assert W1.grad.shape == W1.shape and W2.grad.shape == W2.shape
    shapes = {"x": f"({d_in},)", "W1": f"{tuple(W1.shape)}", "z": f"({h},)", "h": f"({h},)",
              "W2": f"{tuple(W2.shape)}", "o": f"({q},)", "y": "label"}
    d = Drawing(680, 352, "Forward and backward pass of a one-hidden-layer MLP with weight decay")
    row = 200
    pos = {"x": (36, row), "W1": (106, 100), "mul1": (106, row), "z": (180, row), "phi": (250, row),
           "h": (320, row), "W2": (394, 100), "mul2": (394, row), "o": (466, row), "y": (536, 276),
           "loss": (536, row), "L": (600, row), "norm": (250, 46), "s": (600, 46), "plus": (600, 123),
           "J": (652, 123)}
    names = {"x": "x", "W1": "W^{(1)}", "z": "z", "h": "h", "W2": "W^{(2)}", "o": "o", "y": "y",
             "L": "L", "s": "s", "J": "J", "mul1": "×", "phi": "φ", "mul2": "×", "loss": "ℓ",
             "norm": "‖·‖²", "plus": "+"}
    edges = [("x", "mul1"), ("W1", "mul1"), ("mul1", "z"), ("z", "phi"), ("phi", "h"), ("h", "mul2"),
             ("W2", "mul2"), ("mul2", "o"), ("o", "loss"), ("y", "loss"), ("loss", "L"),
             ("W1", "norm"), ("W2", "norm"), ("norm", "s"), ("L", "plus"), ("s", "plus"), ("plus", "J")]
    ops = {"mul1", "phi", "mul2", "loss", "norm", "plus"}

    def ends(a, b, gap=18):
        (xa, ya), (xb, yb) = pos[a], pos[b]
        length = math.hypot(xb - xa, yb - ya)
        ux, uy = (xb - xa) / length, (yb - ya) / length
        return (xa + ux * gap, ya + uy * gap), (xb - ux * gap, yb - uy * gap)

    for a, b in edges:
        d.line(list(ends(a, b)), INK, 1.2, arrow=True)
    # backward: the gradient of J flows against every arrow that leads to a parameter
    backward = [("plus", "L", ""), ("loss", "o", ""), ("o", "mul2", "∂J/∂o"), ("mul2", "h", ""),
                ("h", "phi", "∂J/∂h"), ("phi", "z", "∂J/∂z"), ("z", "mul1", ""),
                ("mul2", "W2", "∂J/∂W^{(2)}"), ("mul1", "W1", "∂J/∂W^{(1)}"), ("plus", "s", ""),
                ("s", "norm", ""), ("norm", "W1", "λW^{(1)}"), ("norm", "W2", "λW^{(2)}")]
    for a, b, label in backward:
        (xa, ya), (xb, yb) = ends(a, b)
        length = math.hypot(xb - xa, yb - ya)
        nx, ny = -(yb - ya) / length * 8, (xb - xa) / length * 8   # to the side of the forward arrow
        if ya == yb:
            nx, ny = 0, 9
        d.line([(xa + nx, ya + ny), (xb + nx, yb + ny)], RED, 1.3, arrow=True, dash=True)
        if label:
            mx, my = (xa + xb) / 2 + nx * 2.2, (ya + yb) / 2 + ny * 2.2
            d.text(mx, my + 4, label, 11, "middle" if ya == yb else ("end" if nx < 0 else "start"), RED)
    for name, (cx, cy) in pos.items():
        if name in ops:
            d.circle(cx, cy, 16)
        else:
            d.rect(cx - 17, cy - 16, 34, 32, FILL["weight" if name in ("W1", "W2") else "input"], INK, 1.2,
                   rx=3)
        vector = name in {"x", "z", "h", "o", "W1", "W2"}
        d.text(cx, cy + 5, names[name], 14 if name != "norm" else 11, bold=vector,
               italic=not vector and name not in ops or name == "phi")
        if name in shapes:
            d.text(cx + (0 if name != "y" else 22), cy + (-24 if name != "y" else 4), shapes[name], 10,
                   "middle" if name != "y" else "start", MUTED, mono=True)
    d.caption(318, "Black: the forward pass computes and stores each value.",
              "Red, dashed: the backward pass, each gradient computed from the one after it.")
    return d


DIAGRAMS = {  # name: (function, alt text: what the diagram shows, in words, without brackets)
    "conv-window.svg": (conv_window, "The 2 x 2 kernel K, with rows 0 1 and 2 3, in its four "
                        "positions on the 3 x 3 input X, which holds 0 to 8 row by row. Each outlined "
                        "window gives the output element of the same colour: Y has rows 19 25 and 37 "
                        "43, and the top-left element is 0·0 + 1·1 + 3·2 + 4·3 = 19."),
    "conv-padding.svg": (conv_padding, "The 3 x 3 input padded with one row and column of zeros on "
                         "every side, 5 x 5, cross-correlated with the 2 x 2 kernel gives a 4 x 4 "
                         "output, 3 - 2 + 2 + 1 = 4. The window in the top-left corner covers three "
                         "padding zeros and gives 0; the window at row 2, column 2 gives 43."),
    "conv-stride.svg": (conv_stride, "The padded 3 x 3 input with the 2 x 2 kernel moving 3 rows down "
                        "and 2 columns across: four non-overlapping windows, in four colours, give the "
                        "four elements of the 2 x 2 output, 0 8 in the first row and 6 8 in the "
                        "second. Row 2 and column 4 of the padded input are never used."),
    "conv-multi-in.svg": (conv_multi_in, "Two input channels, each cross-correlated with its own 2 x 2 "
                          "kernel slice: channel 0 gives 19 25 / 37 43, channel 1 gives 37 47 / 67 77, "
                          "and their sum is the single output channel 56 72 / 104 120."),
    "conv-1x1.svg": (conv_1x1, "A 1 x 1 convolution from 3 to 2 channels on a 5 x 6 input: at every "
                     "pixel the 3 input values are multiplied by the same 2 x 3 matrix W, giving the "
                     "2 output values at that pixel."),
    "pooling.svg": (pooling, "Max pooling with 2 x 2 windows and stride 1 turns the 3 x 3 input "
                    "holding 0 to 8 into 4 5 / 7 8, average pooling into 2 3 / 5 6. nn.MaxPool2d(2) "
                    "on a 4 x 4 input uses stride 2, four non-overlapping windows, and gives 5 7 / "
                    "13 15."),
    "lenet.svg": (lenet, "LeNet's layers with the shape of one image after each: a 1x28x28 input, a "
                  "5 x 5 convolution with padding 2 to 6x28x28, average pooling to 6x14x14, a 5 x 5 "
                  "convolution to 16x10x10, pooling to 16x5x5, flattened to 400, then dense layers "
                  "of 120, 84 and 10 units; 61,706 parameters, 59,134 of them in the dense layers."),
    "batchnorm-channels.svg": (batchnorm_channels, "Where batch normalisation takes its statistics. "
                               "For a fully connected layer's output of shape (256, 4): one mean and "
                               "variance per feature, over the 256 examples of the batch. For a "
                               "convolutional layer's output of shape (8, 3, 5, 5): one per channel, "
                               "over the 8 images and all 5 x 5 positions, 200 values. Each feature "
                               "or channel has its own gamma and beta."),
    "residual-block.svg": (residual_block, "Two residual blocks, drawn from the input at the bottom "
                           "to the output at the top. Left, Residual(8, 8): two 3 x 3 convolutions "
                           "with batch norm and a ReLU between them; the input skips them and is "
                           "added before the last ReLU; the shape stays (4, 8, 6, 6). Right, "
                           "Residual(8, 16, stride=2): the first convolution has stride 2, and the "
                           "shortcut is a 1 x 1 convolution with stride 2, so both paths give "
                           "(4, 16, 3, 3)."),
    "dense-block.svg": (dense_block, "A dense block with two layers and growth rate 10 on a "
                        "3-channel input: each layer, batch norm, ReLU and a 3 x 3 convolution, reads "
                        "all the channels so far, and its 10 new channels are concatenated to them, "
                        "giving 13 and then 23 channels; the input stays as the first 3."),
    "transition-layer.svg": (transition_layer, "A transition layer on the dense block's output of "
                             "shape (4, 23, 8, 8): batch norm, ReLU and a 1 x 1 convolution reduce "
                             "the channels from 23 to 10, and 2 x 2 average pooling with stride 2 "
                             "halves the height and width, giving (4, 10, 4, 4)."),
    "dropout.svg": (dropout, "The same MLP with 4 inputs, 5 hidden units and 3 outputs, twice. For "
                    "prediction every unit is used. In training with dropout probability 0.5, two "
                    "hidden units are zeroed, crossed out with their connections gone, and the "
                    "three that remain are multiplied by 1/(1 - p) = 2."),
    "mlp-graph.svg": (mlp_graph, "The computational graph of the one-hidden-layer MLP with weight "
                      "decay, with the shapes of this section: x of length 6, W1 of shape 5 x 6, z and "
                      "h of length 5, W2 of shape 3 x 5, o of length 3, the loss L, the penalty s and "
                      "the objective J = L + s. Black arrows run forward from the input to J; red "
                      "dashed arrows run backward and carry dJ/do, dJ/dh, dJ/dz, dJ/dW2 and dJ/dW1, "
                      "plus the penalty's lambda W1 and lambda W2."),
}


def draw(name):
    """The SVG text of diagram `name` (e.g. "conv-window.svg")."""
    function, _ = DIAGRAMS[name]
    with torch.random.fork_rng():
        torch.manual_seed(0)                              # layers made only for their shapes
        return function().svg()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="default: all of them")
    parser.add_argument("--out", type=Path, default=Path("diagrams"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.names or DIAGRAMS:
        text = draw(name)
        (args.out / name).write_text(text)
        print(f"{args.out / name}: {len(text.encode()) / 1024:.1f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
