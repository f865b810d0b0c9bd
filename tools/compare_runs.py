"""List every printed line that differs between two executions of the notebooks.

    python tools/compare_runs.py _build/executed _build/executed-mkl-compatible

`make test-portability` runs the notebooks under a second CPU code path and then this. A
difference is not a failure by itself (the last digits of a float, a timing): it is a line
to read. What fails is a notebook that ran in one folder and not in the other; the hidden
checks inside the notebooks already failed the run if a claim stopped holding. Timing lines
(examples/sec, seconds, ms) are counted but not listed.
"""
import difflib
import re
import sys
from pathlib import Path

import nbformat

TIMING = re.compile(r"examples/s|ex/s|\bseconds?\b|\d\s*(ms|µs|us|s)\b|speed-?up|took", re.I)


def printed(cell):
    """The text a reader sees under a code cell."""
    lines = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            lines += out.text.splitlines()
        elif out.output_type in ("execute_result", "display_data"):
            lines += out.get("data", {}).get("text/plain", "").splitlines()
        elif out.output_type == "error":
            lines.append(f"{out.ename}: {out.evalue}")
    return [ln for ln in lines if not ln.startswith("<Figure size")]


def compare(a, b):
    """(cells that differ, timing-only lines that differ, report lines) for two notebooks."""
    cells_a = [c for c in nbformat.read(a, as_version=4).cells if c.cell_type == "code"]
    cells_b = [c for c in nbformat.read(b, as_version=4).cells if c.cell_type == "code"]
    report, cells, timing = [], 0, 0
    for i, (ca, cb) in enumerate(zip(cells_a, cells_b)):
        la, lb = printed(ca), printed(cb)
        if la == lb:
            continue
        diff = [d for d in difflib.unified_diff(la, lb, lineterm="", n=0)
                if d[:1] in "+-" and not d.startswith(("+++", "---"))]
        shown = [d for d in diff if not TIMING.search(d)]
        timing += len(diff) - len(shown)
        if shown:
            cells += 1
            report.append(f"  code cell {i}:")
            report += [f"    {d[:160]}" for d in shown[:12]]
    return cells, timing, report


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    first, second = map(Path, argv)
    names = sorted({p.relative_to(first) for p in first.rglob("*.ipynb")}
                   | {p.relative_to(second) for p in second.rglob("*.ipynb")})
    missing = [n for n in names if not (first / n).is_file() or not (second / n).is_file()]
    same = 0
    for name in names:
        if name in missing:
            continue
        cells, timing, report = compare(first / name, second / name)
        if report:
            timings = f" ({timing} timing lines)" if timing else ""
            print(f"{name}: {cells} cell(s) print differently{timings}")
            print("\n".join(report))
        else:
            same += 1
    print(f"{same} of {len(names) - len(missing)} notebooks print the same (timings aside)")
    for name in missing:
        print(f"MISSING: {name} has no passing run in {first if not (first / name).is_file() else second}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
