"""The static explorers in headless Chromium, moved with the keyboard as a reader would.

Three renders: a small notebook executed by tools/run_notebooks.py (nbval, as `make notebooks`
runs the book) (a) exported by nbconvert, as Jupyter shows it, and (c) opened in JupyterLab;
and (b) the built book.
In each, every explorer's sliders are moved with the arrow keys, and the run drawn on top and
the readout must become those recorded in the explorer's own JSON; no console errors.

Screenshots before and after a key press go to _build/browser/screenshots/explorers
(plain-*, lab-* and the book's pages by name).
"""
import json
import os
import re
import subprocess
import sys
import time

import pytest
from conftest import ROOT
from test_browser import CHROMIUM_FLAGS, luminance
from test_browser import HTML as BOOK_HTML
from test_browser import SHOTS as BOOK_SHOTS

pytestmark = pytest.mark.browser
LOCAL = ("file://", "http://127.0.0.1:")   # all that the pages may load: offline, like the test machines
SHOTS = BOOK_SHOTS / "explorers"
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))

NOTEBOOK_CELLS = ['''\
import torch
from torch import nn

import d2lutils

X, y = d2lutils.synthetic_regression([2, -3.4], 4.2, 400)


def train_fn(lr, batch_size, num_epochs, optimizer=None, on_epoch=None):
    d2lutils.seed_everything(0)
    net = nn.Linear(2, 1)
    train_iter = d2lutils.TensorLoader(X, y, batch_size, device="cpu")
    return d2lutils.fit(net, train_iter, None, nn.MSELoss(), torch.optim.SGD(net.parameters(), lr=lr),
                        num_epochs, plot=False)


runs = d2lutils.sweep_explorer(train_fn, [0.003, 0.03, 0.3, 3.0, 30.0], [10, 50, 200], 3,
                               title="Linear regression, 400 examples, 3 epochs per run")
assert {r["history"].status for r in runs} == {"finished", "diverged"}''', '''\
from d2lutils import optim2d


def momentum(params, grads, state, lr, beta):
    for i, (p, g) in enumerate(zip(params, grads)):
        v = state[i] = g.clone() if i not in state else beta * state[i] + g
        p -= lr * v


paths = {(lr, beta): optim2d.train_2d(momentum, optim2d.bowl_grad, lr=lr, beta=beta)
         for lr in [0.1, 0.2, 0.4, 0.6, 0.8] for beta in [0.0, 0.5, 0.9]}
d2lutils.trajectory_explorer(optim2d.bowl, paths, (-5.5, 2.5), (-3, 3), "momentum", minimum=(0, 0))''']

STATE = """(root) => {
  const groups = [...root.querySelectorAll('g[data-run]')];
  const focused = document.activeElement;
  return {selected: groups.filter((g) => g.dataset.look === 'sel').map((g) => +g.dataset.run),
          drawn: groups.filter((g) => getComputedStyle(g).display !== 'none'
                                      && +(g.getAttribute('opacity') || 1) > 0.9).map((g) => +g.dataset.run),
          onTop: +groups[0].parentNode.lastElementChild.dataset.run,
          readout: Object.fromEntries([...root.querySelectorAll('[data-field]')]
                                      .map((el) => [el.dataset.field, el.textContent])),
          values: [...root.querySelectorAll('input[type=range]')]
            .map((el) => el.getAttribute('aria-valuetext')),
          outputs: [...root.querySelectorAll('output')].map((el) => el.textContent),
          disabled: [...root.querySelectorAll('input')].filter((el) => el.disabled).length,
          noscript: root.querySelectorAll('.noscript').length,
          focusRing: root.contains(focused) && focused.matches(':focus-visible')
                     && getComputedStyle(focused).outlineStyle !== 'none'};
}"""


def expected_readout(data, i):
    """What the readout must say for run i, formatted here from the recorded numbers."""
    run, fmt = data["runs"][i], lambda v, spec: "n/a" if v is None else format(v, spec)
    if data["kind"] == "sweep":
        epochs = len(run["train_loss"])
        last = {k: run[k][-1] if run[k] else None for k in ("train_loss", "train_acc", "test_acc")}
        return {"run": f"learning rate {run['lr']:g}, batch size {run['batch_size']}",
                "status": (f"diverged in epoch {epochs + 1}" if run["status"] == "diverged"
                           else run["status"]) + f", {epochs} epochs",
                "final training loss": fmt(last["train_loss"], ".4g"),
                "train accuracy": fmt(last["train_acc"], ".3f"),
                "test accuracy": fmt(last["test_acc"], ".3f"),
                "examples/sec": fmt(sum(run["examples_per_sec"]) / epochs if epochs else None, ",.0f")}
    end, param = run["end"], "" if run["param"] is None else f", {data['names'][1]} {run['param']:g}"
    expected = {"run": f"learning rate {run['lr']:g}{param}",
                "status": run["readout"]["status"],   # where a path leaves the plot: the unit tests
                "final point": "not finite" if end is None else f"({end[0]:.3g}, {end[1]:.3g})",
                "f at the final point": fmt(run["f"], ".3g"),
                "distance to the minimum": fmt(run["distance"], ".3g")}
    return {k: v for k, v in expected.items() if k in run["readout"]}


def check_explorer(page, root, shots, name):
    shots.mkdir(parents=True, exist_ok=True)
    """Move each control of the explorer `root` with the keyboard; check what is drawn and said."""
    data = json.loads(root.locator("script.d2l-explorer-data").text_content())
    n = len(data["labels"][1]) if len(data["labels"]) > 1 else 1
    ranges = root.locator("input[type=range]")
    controls = [ranges.nth(0)] + [ranges.nth(1) if ranges.count() > 1
                                  else root.locator("input[type=radio]:checked")] * (n > 1)
    at = [int(c.input_value()) for c in controls] + [0]

    def expect():
        state = root.evaluate(STATE)
        i = at[0] * n + at[1]
        assert state["selected"] == state["drawn"] == [i] and state["onTop"] == i, (name, state, at)
        assert state["readout"] == expected_readout(data, i), (name, at)
        shown = [data["labels"][a][at[a]] for a in range(ranges.count())]
        assert state["values"] == state["outputs"] == shown, (name, state)
        assert state["disabled"] == 0 and state["noscript"] == 0, "the script did not start"
        return state

    expect()
    root.screenshot(path=str(shots / f"{name}-before.png"))
    for axis, control in enumerate(controls):
        key, step = ("ArrowRight", 1) if at[axis] + 1 < len(data["labels"][axis]) else ("ArrowLeft", -1)
        control.focus()
        page.keyboard.press(key)
        at[axis] += step
        assert expect()["focusRing"], f"{name}: no visible focus on control {axis}"
        if axis == 0:
            root.screenshot(path=str(shots / f"{name}-after.png"))
            page.keyboard.press("ArrowLeft" if step == 1 else "ArrowRight")   # and back
            at[axis] -= step
            expect()
    return data


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    import browser_setup  # tools/ is on the path via conftest
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=browser_setup.chromium_path(), headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1100, "height": 900})
        # offline, as the test machines are: nbconvert's page asks a CDN for require.js and MathJax
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(LOCAL) else r.abort())
        yield context
        context.close()


def open_page(context, url, theme=None):
    """Open url; return (page, errors): uncaught exceptions, and console errors of the page's
    own files (a request refused to another host is logged against that host, not counted)."""
    page, errors = context.new_page(), []
    if theme:
        page.add_init_script(f"localStorage.setItem('mode', '{theme}');"
                             f"localStorage.setItem('theme', '{theme}');")

    def on_console(message):
        source = (message.location or {}).get("url") or url
        if message.type == "error" and source.startswith(LOCAL):
            errors.append(f"{message.text} ({source})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.goto(url, wait_until="load")
    return page, errors


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The small notebook above, executed by tools/run_notebooks.py as `make notebooks` runs the
    book's (nbval, a fresh kernel of this Python importing this d2lutils)."""
    import nbformat

    folder = tmp_path_factory.mktemp("notebook")
    source = folder / "explorers.ipynb"
    kernel = {"name": "python3", "language": "python", "display_name": "Python 3"}
    cells = [nbformat.v4.new_code_cell(c) for c in NOTEBOOK_CELLS]
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": kernel}), source)
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "run_notebooks.py"), str(source),
                          "--out", str(folder / "out"), "--stage", str(folder / "stage")],
                         cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return folder / "out" / source.name


def test_explorers_in_a_notebook_rendered_by_nbconvert(chromium, executed, tmp_path):
    """(a) The executed notebook exported by nbconvert, as Jupyter shows it."""
    import nbconvert

    body, _ = nbconvert.HTMLExporter().from_filename(str(executed))
    page_file = tmp_path / "explorers.html"
    page_file.write_text(body)
    page, errors = open_page(chromium, page_file.as_uri())
    roots = page.locator("div.d2l-explorer")
    assert roots.count() == 2
    kinds = [check_explorer(page, roots.nth(k), SHOTS, f"plain-{k}")["kind"] for k in range(2)]
    assert kinds == ["sweep", "trajectory"]
    assert "diverged in epoch" in page.locator("details table").first.text_content()   # lr 30
    page.close()
    assert not errors, errors


def test_explorers_in_jupyterlab(chromium, executed, tmp_path):
    """(c) The executed notebook opened in JupyterLab, whose command mode must not take the arrow
    keys. Trusted (as after running it), the controls work; untrusted, no script runs and the
    first choice shows with the controls disabled."""
    import shutil
    import socket
    import urllib.request

    import nbformat

    shutil.copy(executed, tmp_path / "trusted.ipynb")
    notebook = nbformat.read(executed, as_version=4)   # another signature: not trusted with it
    notebook.cells.append(nbformat.v4.new_markdown_cell("Opened without running it."))
    nbformat.write(notebook, tmp_path / "untrusted.ipynb")
    env = ENV | {k: str(tmp_path / "jupyter" / k) for k in (   # keep JupyterLab's state in tmp_path
        "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_SETTINGS_DIR",
        "JUPYTERLAB_WORKSPACES_DIR", "IPYTHONDIR")}
    subprocess.run([sys.executable, "-m", "jupyter", "trust", str(tmp_path / "trusted.ipynb")], env=env,
                   check=True, capture_output=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    lab = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
                            f"--port={port}", "--ServerApp.token=", "--ServerApp.password=",
                            f"--ServerApp.root_dir={tmp_path}"], env=env, stdout=subprocess.DEVNULL,
                           stderr=open(tmp_path / "lab.log", "w"))
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=5)
                break
            except OSError:
                time.sleep(0.5)
        page, errors = open_page(chromium, f"http://127.0.0.1:{port}/lab/tree/trusted.ipynb")
        page.wait_for_selector("div.d2l-explorer[data-live] >> nth=1", timeout=120_000)
        roots = page.locator("div.d2l-explorer")
        for k in range(2):
            check_explorer(page, roots.nth(k), SHOTS, f"lab-{k}")
        page.close()
        page, _ = open_page(chromium, f"http://127.0.0.1:{port}/lab/tree/untrusted.ipynb?reset")
        roots = page.locator("div.d2l-explorer:visible")   # not those in the trusted one's tab
        page.wait_for_selector("div.d2l-explorer:visible >> nth=1", timeout=120_000)
        # JupyterLab's sanitizer keeps the text (the first choice's readout, the table), not the SVG
        for k, first in enumerate(["learning rate 0.3, batch size 10", "learning rate 0.4, momentum 0.5"]):
            assert first in roots.nth(k).inner_text()
            assert roots.nth(k).locator(".noscript").is_visible()   # says that the controls do nothing
            assert roots.nth(k).locator("details table tr").count() == 1 + 15
        page.close()
        assert not [e for e in errors if e.startswith("uncaught")], errors   # JupyterLab's own: not ours
    finally:
        lab.terminate()
        try:
            lab.wait(timeout=15)
        except subprocess.TimeoutExpired:   # it can hang while shutting down its kernel
            lab.kill()
            lab.wait()


def test_explorers_in_the_built_book(chromium, tmp_path):
    """(b) Every explorer of the built book, in the light and the dark theme.

    FAILS UNTIL THE NOTEBOOKS ARE WIRED: it needs the book (`make notebooks test-book`) with
    at least one sweep explorer and one trajectory explorer in it."""
    if not (BOOK_HTML / "index.html").exists():
        pytest.fail(f"{BOOK_HTML} has no built book: run `make notebooks test-book` first")
    pages = {p: re.findall(r'class="d2l-explorer d2l-explorer-(\w+)"', p.read_text(errors="replace"))
             for p in sorted(BOOK_HTML.rglob("*.html")) if "_sources" not in p.parts}
    pages = {p: kinds for p, kinds in pages.items() if kinds}
    found = {kind for kinds in pages.values() for kind in kinds}
    assert found >= {"sweep", "trajectory"}, (
        f"the built book has explorers of kinds {sorted(found)}; it needs a sweep and a trajectory explorer "
        "(issue 17: the notebooks call d2lutils.sweep_explorer and d2lutils.trajectory_explorer)")
    for path, kinds in pages.items():
        for theme in ["light", "dark"]:
            page, errors = open_page(chromium, path.as_uri(), theme)
            roots = page.locator("div.d2l-explorer")
            assert roots.count() == len(kinds), path
            for k in range(roots.count()):
                name = f"{path.stem}-{k}-{theme}"
                check_explorer(page, roots.nth(k), SHOTS, name)
                card = roots.nth(k).evaluate("e => [getComputedStyle(e).backgroundColor, "
                                             "getComputedStyle(e).color]")
                assert luminance(card[0]) > 0.9 and luminance(card[1]) < 0.3, (name, card)  # readable
            page.close()
            assert not errors, (path, theme, errors)
