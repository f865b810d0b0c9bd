"""Run every notebook top to bottom in one budget and write a table of times and results.

    python tools/run_book.py --budget full --out book/reference/gpu_full.md   # on a GPU
    python tools/run_book.py --budget quick --out _build/quick_times.md       # on a CPU

Each notebook runs in a fresh kernel in an empty temporary folder, as in Colab. Every cell
runs even after an error, so one failure does not hide the results of the rest; a notebook
counts as failed if any cell not tagged `raises-exception` raised. The "results" column
lists the summary line of every `d2lutils.fit` run (loss, train and test accuracy, examples
per second, device), read from the records fit writes to the file D2L_HISTORY_LOG names
(`History.record()`); run.json keeps the whole records. The table is rewritten after every
notebook, so a run stopped by a time limit keeps what finished. Exits non-zero if any
notebook fails.
"""
import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from layout import NOTEBOOKS, notebooks
from nbclient import NotebookClient


def device_name():
    import torch

    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return f"CPU ({os.cpu_count()} cores, {platform.processor() or platform.machine()})"


def first_error(nb):
    """'ename: evalue' of the first error in a cell not expected to raise, or ''."""
    for cell in nb.cells:
        if "raises-exception" in cell.get("metadata", {}).get("tags", []):
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return f"{out['ename']}: {out['evalue']}".splitlines()[0][:300]
    return ""


def run_one(path, timeout):
    """(executed notebook, seconds, first error or '', the History records of its fit runs)."""
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as logs:
        log = Path(logs) / "histories.jsonl"        # fit appends one record per run
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": tmp}})
        start = time.perf_counter()
        try:
            client.execute(env=dict(os.environ, D2L_HISTORY_LOG=str(log)))
            error = first_error(nb)
        except Exception as e:  # a timeout or a dead kernel
            error = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:300]
        seconds = time.perf_counter() - start
        records = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return nb, seconds, error, records


def render(args, rows, total, skipped):
    import torch

    lines = [
        f"Budget `{args.budget}` on {device_name()}; torch {torch.__version__}; "
        f"Python {platform.python_version()}; {len(rows)} notebooks in "
        f"{total / 60:.1f} min.",
        "",
        "| notebook | seconds | status | results (every `fit` summary, in order) |",
        "| --- | ---: | --- | --- |",
    ]
    for r in rows:
        status = "ok" if not r["error"] else f"FAILED: {r['error']}"
        results = "<br>".join(r["summaries"]) or "(no training run)"
        lines.append(f"| {r['notebook']} | {r['seconds']:.1f} | {status.replace('|', '/')} "
                     f"| {results} |")
    if skipped:
        lines += ["", f"Not run (time limit reached): {', '.join(skipped)}."]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", choices=["quick", "full"], required=True)
    parser.add_argument("--out", required=True, help="Markdown file to write the table to")
    parser.add_argument("--executed", help="folder to save the executed notebooks in")
    parser.add_argument("--deadline", type=float, default=None,
                        help="start no notebook after this many seconds")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds per cell")
    parser.add_argument("notebooks", nargs="*", help="default: every notebook")
    args = parser.parse_args()
    os.environ["D2L_BUDGET"] = args.budget
    paths = notebooks(args.notebooks)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    rows, skipped, total = [], [], 0.0
    for path in paths:
        rel = str(path.relative_to(NOTEBOOKS).with_suffix(""))
        if args.deadline is not None and time.perf_counter() - began > args.deadline:
            skipped.append(rel)
            continue
        nb, seconds, error, records = run_one(path, args.timeout)
        total += seconds
        rows.append({"notebook": rel, "seconds": seconds, "error": error,
                     "summaries": [r["summary"] for r in records], "histories": records})
        print(f"{rel}: {seconds:.1f} s {'ok' if not error else 'FAILED ' + error}", flush=True)
        for line in rows[-1]["summaries"]:
            print("    " + line, flush=True)
        if args.executed:
            dest = Path(args.executed) / (rel.replace("/", "__") + ".ipynb")
            dest.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, dest)
        out.write_text(render(args, rows, total, skipped))
        out.with_suffix(".json").write_text(json.dumps(rows, indent=1))
    out.write_text(render(args, rows, total, skipped))
    print(out.read_text())
    failed = [r for r in rows if r["error"]]
    return 1 if failed or skipped else 0


if __name__ == "__main__":
    sys.exit(main())
