"""Render a notebook's markdown as a plain Jupyter-style renderer does, and list what shows raw.

JupyterLab, Colab, VS Code and GitHub render notebook markdown as CommonMark with GitHub's
tables and strikethrough, and typeset `$...$` math; none of them knows MyST. This module
renders every markdown cell that way (markdown-it-py, no MyST plugins) and reports what a
reader there would see as raw build syntax:

- roles such as {glue:text}`x` or {doc}`page`, directives such as ```{note}, labels (x)=,
  substitutions {{ x }}, MyST comments (% ...) and block breaks (+++);
- solutions that are not collapsed: every exercise solution belongs in
  <details><summary>Solution...</summary> ... </details>.

    python tools/plain_render.py [NOTEBOOK ...]     # report; exit 1 on any problem
"""
import json
import re
import sys
from pathlib import Path

from layout import notebooks
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

_md = MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(dollarmath_plugin)

RAW_PATTERNS = [  # (what a reader sees, regex on the rendered HTML with math and code removed)
    ("a MyST role", re.compile(r"\{[a-z][\w-]*(?::[\w-]+)?\}<code>")),
    ("a MyST directive", re.compile(r'(?m)<pre><code class="language-\{|^<p>:{3,}\{')),
    ("a MyST label", re.compile(r"(?m)^<p>\([\w.-]+\)=")),
    ("a MyST substitution", re.compile(r"\{\{[^}]*\}\}")),
    ("a MyST comment or block break", re.compile(r"(?m)^<p>(?:%|\+\+\+)")),
]
DETAILS = re.compile(r"<details>.*?</details>", re.S)
# code blocks and math are shown as they are written; inline code stays, since a role renders
# as {name}<code>text</code>
BLOCKS_AND_MATH = re.compile(r"<pre.*?</pre>|<(div|span|eqn|eq) class=\"math.*?</\1>", re.S)


def render(markdown):
    """HTML as a plain CommonMark + GFM renderer with math support produces it."""
    return _md.render(markdown)


def cells(path):
    nb = json.loads(Path(path).read_text())
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown":
            source = cell["source"]
            yield i, "".join(source) if isinstance(source, list) else source


def problems(path):
    """What a reader of `path` in Jupyter, Colab or GitHub would see wrong, as strings."""
    out = []
    exercises = False
    for i, source in cells(path):
        html = render(source)
        # a code block shows as written, unless its info string is a MyST directive's
        visible = BLOCKS_AND_MATH.sub(lambda m: m.group(0) if 'class="language-{' in m.group(0) else "", html)
        for what, pattern in RAW_PATTERNS:
            m = pattern.search(visible)
            if m:
                out.append(f"cell {i} shows {what} raw: {m.group(0)[:40]!r}")
        if re.search(r"(?m)^<h2>Exercises</h2>", html):
            exercises = True
        if exercises:
            outside = DETAILS.sub("", html)
            if re.search(r"\bSolution", outside):
                out.append(f"cell {i}: a solution outside <details> (it is visible before the reader tries)")
            for block in DETAILS.findall(html):
                if not re.search(r"<summary>[^<]+</summary>", block):
                    out.append(f"cell {i}: <details> without a <summary>")
                if "<p>" not in block and "<pre>" not in block and "<ol" not in block:
                    out.append(f"cell {i}: <details> whose body is not parsed as markdown "
                               "(leave a blank line after </summary> and before </details>)")
    if not exercises:
        out.append("no '## Exercises' heading")
    return out


def solutions(path):
    """The number of collapsed solutions in the notebook."""
    return sum(len(re.findall(r"<summary>Solution", render(s))) for _, s in cells(path))


def main(argv):
    paths = notebooks(argv)
    bad = 0
    for p in paths:
        for msg in problems(p):
            print(f"{p}: {msg}")
            bad += 1
    print(f"rendered {len(paths)} notebook(s) plainly: {bad} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
