"""Execute the book's notebooks with nbval (`pytest --nbval-lax`), each in a fresh kernel.

    python tools/run_notebooks.py [--force] [--out DIR] [NOTEBOOK ...]

`make notebooks` (part of `make test`) runs this. Each notebook is copied alone into an
empty folder under _build/nbval and run there by nbval in a kernel of this Python, so no
notebook can lean on a relative path or a file another one wrote. nbval runs every code
cell; in lax mode it compares no outputs, so the checks are the notebooks' own hidden
`assert` cells. A cell tagged `raises-exception` may raise, and must: nbval accepts such a
cell when it raises nothing, so the plugin below fails it. It also fails a cell whose value is
a matplotlib object (`Text(...)`, `<Axes: ...>`): the book would print it under the figure.
Cells run as in Jupyter, with history on, so that a closing `;` hides a cell's value.

The executed copies, with their outputs, go to _build/executed (or --out). `make test-book`
builds the book from them, and they are added to Jupyter Book's execution cache, so that
`make book` shows this same execution instead of running every notebook again.

A notebook whose executed copy is up to date is not run again: its fingerprint (the
notebook, d2lutils' sources, this runner, torch's version and the environment variables that
change results) matches the one recorded in the copy. --force runs everything. CI starts from a
clean clone, so it always runs every notebook.
"""
import argparse
import hashlib
import importlib.metadata
import importlib.util
import os
import re
import shutil
import sys
import sysconfig
import time
from pathlib import Path

import nbformat
import pytest
from layout import BUILD, EXECUTED, JUPYTER_CACHE, ROOT, notebooks
from nbformat.v4 import output_from_msg

STAGE = BUILD / "nbval"
RESULT_ENV = ("D2L_BUDGET", "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS", "OMP_NUM_THREADS")
# The run's defaults: the quick budget, and one intra-op thread per kernel (on a 2-core
# machine with anything else running, PyTorch's spinning OpenMP threads make small models
# 5-40x slower).
DEFAULT_ENV = {"D2L_BUDGET": "quick", "OMP_NUM_THREADS": "1"}


def result_env():
    """The environment variables that change results, with the run's defaults filled in."""
    return {key: os.environ.get(key, DEFAULT_ENV.get(key, "")) for key in RESULT_ENV}
OUTPUT_TYPES = ("stream", "display_data", "execute_result", "error")
# What a drawing call returns, shown as a cell's value: Text(9, 2.8, '...'), <Axes: ...>,
# <matplotlib.legend.Legend at 0x...>, [<matplotlib.lines.Line2D at 0x...>]
ARTIST_REPR = re.compile(r"\[?(?:<matplotlib\.|<Axes[:>]|Text\(|Line2D\()")
# Where this machine keeps Python's packages: a traceback in the book names the file as
# .../site-packages/torch/nn/init.py, not as the build machine's path to it.
MACHINE_PATHS = {sysconfig.get_paths()["purelib"]: ".../site-packages",
                 sysconfig.get_paths()["stdlib"]: ".../python3"}


def fingerprint(path):
    """What the executed copy of `path` depends on, hashed."""
    h = hashlib.sha256(Path(path).read_bytes())
    h.update(Path(__file__).read_bytes())   # this runner shapes the outputs it records
    for p in sorted((ROOT / "d2lutils").glob("*.py")):
        h.update(p.name.encode() + p.read_bytes())
    h.update(importlib.metadata.version("torch").encode())
    for key, value in result_env().items():
        h.update(f"{key}={value}".encode())
    return h.hexdigest()[:20]


def relative(path):
    """`path` inside the repository, or just its name for a notebook from elsewhere."""
    path = Path(path).resolve()
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else Path(path.name)


def executed_copy(path, out=EXECUTED):
    return out / relative(path)


def up_to_date(path, out=EXECUTED):
    """True when the executed copy of `path` in `out` was made from exactly these inputs."""
    copy = executed_copy(path, out)
    if not copy.is_file():
        return False
    run = nbformat.read(copy, as_version=4).metadata.get("d2l_run", {})
    return run.get("fingerprint") == fingerprint(path)


def without_machine_paths(text):
    for path, shown in MACHINE_PATHS.items():
        text = text.replace(path, shown)
    return text


class CellOutputs:
    """Jupyter's output model, which nbval does not keep: `clear_output(wait=True)` (the
    widgets' redraw) and display updates (`fit`'s live plot redraws one figure in place)."""

    def __init__(self, by_display_id):
        self.outputs, self.clear_pending, self.by_id = [], False, by_display_id

    def add(self, msg):
        kind, content = msg["msg_type"], msg["content"]
        if kind == "clear_output":
            if content.get("wait"):
                self.clear_pending = True
            else:
                self.outputs.clear()
        elif kind == "update_display_data":
            for out in self.by_id.get(content.get("transient", {}).get("display_id"), []):
                out["data"], out["metadata"] = content["data"], content["metadata"]
        elif kind in OUTPUT_TYPES:
            if self.clear_pending:
                self.outputs.clear()
                self.clear_pending = False
            out = output_from_msg(msg)
            if kind == "error":
                out.traceback = [without_machine_paths(line) for line in out.traceback]
            last = self.outputs[-1] if self.outputs else None
            if kind == "stream" and last and last.output_type == "stream" and last.name == out.name:
                last.text += out.text
            else:
                self.outputs.append(out)
            display_id = content.get("transient", {}).get("display_id")
            if display_id:
                self.by_id.setdefault(display_id, []).append(out)


class BookRun:
    """pytest plugin: records each cell's outputs, checks raises-exception, saves the copies."""

    def __init__(self, sources, out, cache):
        self.sources, self.out, self.cache = sources, out, cache  # staged path -> notebook
        # taken before the run: a notebook edited meanwhile must not look up to date
        self.fingerprints = {source: fingerprint(staged) for staged, source in sources.items()}
        self.state, self.failed, self.seconds = {}, set(), {}

    def _file_state(self, nbfile):
        state = self.state.get(nbfile.nodeid)
        if state is None:
            state = self.state[nbfile.nodeid] = {"msg_id": None, "cell": None, "by_id": {},
                                                 "start": time.perf_counter(), "count": 0}
            read = nbfile.get_kernel_message

            def get_kernel_message(timeout=None, stream="iopub"):
                msg = read(timeout=timeout, stream=stream)
                if stream == "iopub" and state["cell"] is not None and \
                        msg["parent_header"].get("msg_id") == state["msg_id"]:
                    state["cell"].add(msg)
                return msg

            def execute_cell_input(cell_input, allow_stdin=None):
                # as Jupyter and Colab run a cell: with store_history, without which IPython
                # checks the previous cell for a closing `;` and shows the value anyway
                state["msg_id"] = nbfile.kernel.kc.execute(cell_input, store_history=True,
                                                           allow_stdin=allow_stdin, stop_on_error=False)
                return state["msg_id"]

            nbfile.get_kernel_message = get_kernel_message
            nbfile.kernel.execute_cell_input = execute_cell_input
        return state

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item):
        if not hasattr(item, "cell"):
            return (yield)
        state = self._file_state(item.parent)
        state["cell"] = recorder = CellOutputs(state["by_id"])
        try:
            result = yield
        finally:
            state["count"] += 1
            item.cell.outputs = recorder.outputs
            item.cell.execution_count = state["count"]
            state["cell"] = None
        if "raises-exception" in item.cell.metadata.get("tags", []) and \
                not any(o.output_type == "error" for o in recorder.outputs):
            raise AssertionError(f"cell {item.name} is tagged raises-exception but raised nothing")
        stray = [o for o in recorder.outputs if o.output_type == "execute_result"
                 and ARTIST_REPR.match(o.get("data", {}).get("text/plain", ""))]
        if stray:
            index = next(i for i, c in enumerate(item.parent.nb.cells) if c is item.cell)
            raise AssertionError(f"{item.name} (notebook cell {index}) shows a matplotlib return value "
                                 f"under its figure, {stray[0].data['text/plain'][:60]!r}: end the cell "
                                 "with `plt.show()` or put `;` after its last call")
        return result

    def pytest_runtest_logreport(self, report):
        if report.failed:
            self.failed.add(report.nodeid.split("::")[0])

    def pytest_runtest_teardown(self, item, nextitem):
        if not hasattr(item, "cell") or (nextitem is not None and nextitem.parent is item.parent):
            return
        staged = Path(item.parent.path)
        source = self.sources[staged]
        copy = executed_copy(source, self.out)
        state = self.state.get(item.parent.nodeid, {"start": time.perf_counter()})
        seconds = time.perf_counter() - state["start"]
        self.seconds[source] = seconds
        if item.parent.nodeid in self.failed:
            copy.unlink(missing_ok=True)
            return
        nb = item.parent.nb
        nb.metadata["d2l_run"] = {"fingerprint": self.fingerprints[source], "seconds": round(seconds, 1),
                                  "env": result_env()}
        copy.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, copy)
        if self.cache:
            add_to_jupyter_cache(copy, source)

    def pytest_terminal_summary(self, terminalreporter):
        if not self.seconds:
            return
        terminalreporter.write_sep("-", "notebook run times (seconds, this machine)")
        for source, sec in sorted(self.seconds.items()):
            flag = "" if executed_copy(source, self.out).is_file() else "  FAILED"
            terminalreporter.write_line(f"{sec:7.1f}  {relative(source)}{flag}")
        terminalreporter.write_line(f"{sum(self.seconds.values()):7.1f}  total")


def add_to_jupyter_cache(executed, source):
    """Put an executed copy into Jupyter Book's cache under the source notebook's name, so
    that `jupyter-book build` finds its code unchanged and shows these outputs."""
    from jupyter_cache import get_cache

    cache = get_cache(str(JUPYTER_CACHE))
    cache.cache_notebook_file(str(executed), uri=str(source), check_validity=False, overwrite=True)


def stage(paths, folder=STAGE):
    """Copy each notebook alone into an empty folder; return {staged path: notebook}."""
    shutil.rmtree(folder, ignore_errors=True)
    staged = {}
    for path in paths:
        rel = relative(path)
        target = folder / rel.with_suffix("") / rel.name
        target.parent.mkdir(parents=True)
        shutil.copy(path, target)
        staged[target] = path
    return staged


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="default: every notebook of the book")
    parser.add_argument("--force", action="store_true", help="run even the up-to-date ones")
    parser.add_argument("--out", type=Path, default=EXECUTED, help="where the executed copies go")
    parser.add_argument("--stage", type=Path, default=STAGE, help="where the notebooks run")
    args = parser.parse_args(argv)
    for key, value in DEFAULT_ENV.items():
        os.environ.setdefault(key, value)
    spec = importlib.util.find_spec("d2lutils")   # what the kernels will import
    if spec is None or Path(spec.origin).parent != ROOT / "d2lutils":
        sys.exit(f"The kernels would import d2lutils from {spec.origin if spec else 'nowhere'}, not from "
                 f"{ROOT / 'd2lutils'}: run `make setup` (pip install -e .) here, or set PYTHONPATH={ROOT}.")
    out = args.out.resolve()
    chosen = notebooks(args.notebooks)
    todo = [p for p in chosen if args.force or not up_to_date(p, out)]
    print(f"{len(chosen) - len(todo)} of {len(chosen)} notebook(s) up to date in "
          f"{out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}; running {len(todo)} "
          f"with nbval (D2L_BUDGET={os.environ['D2L_BUDGET']})", flush=True)
    if not todo:
        return 0
    staged = stage(todo, args.stage.resolve())
    plugin = BookRun(staged, out, cache=(out == EXECUTED))
    pytest_args = ["-q", "-p", "no:cacheprovider", "--nbval-lax", "--nbval-current-env",
                   "--nbval-cell-timeout=600", f"--rootdir={args.stage.resolve()}", *map(str, staged)]
    return pytest.main(pytest_args, plugins=[plugin])


if __name__ == "__main__":
    sys.exit(main())
