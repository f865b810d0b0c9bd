"""Run every notebook top to bottom in one budget and write a table of times and results.

    python tools/run_book.py --budget full --out book/reference_results_gpu.md   # on a GPU
    python tools/run_book.py --budget quick --out _build/quick_times.md          # on a CPU

Each notebook runs in a fresh kernel in an empty temporary folder, as in Colab. The
"headline" column is the last summary line `d2lutils.fit` printed (loss, train and test
accuracy, examples per second, device). Exits non-zero if any notebook fails.
"""
import argparse
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
SUMMARY = re.compile(r"^loss [^\n]*examples/sec on [^\n]+$", re.M)


def device_name():
    import torch

    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return f"CPU ({os.cpu_count()} cores, {platform.processor() or platform.machine()})"


def headline(nb):
    lines = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                lines += SUMMARY.findall(out.get("text", ""))
    return lines[-1] if lines else ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", choices=["quick", "full"], required=True)
    parser.add_argument("--out", required=True, help="Markdown file to write the table to")
    parser.add_argument("notebooks", nargs="*", help="default: every notebook")
    args = parser.parse_args()
    os.environ["D2L_BUDGET"] = args.budget
    paths = [Path(p).resolve() for p in args.notebooks] or sorted(
        p for p in (ROOT / "notebooks").rglob("[0-9]*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    import torch

    rows, failed, total = [], [], 0.0
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        with tempfile.TemporaryDirectory() as tmp:
            client = NotebookClient(nb, timeout=1200, kernel_name="python3",
                                    resources={"metadata": {"path": tmp}})
            start = time.perf_counter()
            try:
                client.execute()
                status = "ok"
            except CellExecutionError as e:
                status = "FAILED"
                failed.append(f"{path.relative_to(ROOT)}: {str(e).splitlines()[-1][:200]}")
            seconds = time.perf_counter() - start
        total += seconds
        rel = path.relative_to(ROOT / "notebooks").with_suffix("")
        rows.append(f"| {rel} | {seconds:.1f} | {status} | {headline(nb)} |")
        print(rows[-1], flush=True)
    text = "\n".join([
        f"Budget `{args.budget}` on {device_name()}; torch {torch.__version__}; "
        f"Python {platform.python_version()}; total {total / 60:.1f} min.",
        "",
        "| notebook | seconds | status | headline (last `fit` summary) |",
        "| --- | ---: | --- | --- |",
        *rows,
    ]) + "\n"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(text)
    if failed:
        print("Failed:\n  " + "\n  ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
