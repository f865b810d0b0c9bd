"""Write book/reference_results.md from the recorded full-budget runs in book/reference/.

    python tools/reference_page.py           # rewrite the page
    python tools/reference_page.py --check   # exit 1 if the page is out of date (a unit test)

The runs themselves come from `tools/run_book.py --budget full` on a GPU; runs.json lists
them in order (a later run of a notebook replaces an earlier one), the machine, and notes.
Its "cpu_runs" list full-budget runs made on a CPU instead, shown in a table of their own.
"""
import argparse
import json
import sys

from layout import NOTEBOOKS, ROOT, notebooks

REF = ROOT / "book" / "reference"
PAGE = ROOT / "book" / "reference_results.md"
CPU_BENCH = ROOT / "benchmarks" / "results" / "cpu.md"


def notebook_names():
    return [str(p.relative_to(NOTEBOOKS).with_suffix("")) for p in notebooks()]


def bench_machine(path):
    """The machine a benchmark ran on, from its result file's first line ("Device: ...; ...")."""
    first = path.read_text().splitlines()[0]
    if not first.startswith("Device: "):
        raise ValueError(f"{path} does not start with 'Device: ...'")
    return first.removeprefix("Device: ").split(";")[0]


def latest_rows(meta):
    chosen = {}
    for run in meta["runs"]:
        for row in json.loads((REF / run["file"]).read_text()):
            chosen[row["notebook"]] = dict(row, run=run["id"])
    return chosen


def profile_lines(name, keep):
    """The summary lines (not the profiler tables) of a recorded profile log."""
    lines = (REF / name).read_text().splitlines()
    return [line for line in lines if any(line.startswith(k) for k in keep)]


def profile_numbers(name, steps=20):
    """Kernel launches, GPU and CPU milliseconds per step from the profiler tables."""
    launches, gpu_ms, cpu_ms, tiny = {}, None, None, None
    for line in (REF / name).read_text().splitlines():
        cols = line.split()
        if cols and cols[0] in ("cudaLaunchKernel", "cudaLaunchKernelExC"):
            launches.setdefault(cols[0], int(cols[-1]))   # '# of Calls'; both tables list it
        if line.startswith("Self CUDA time total:") and gpu_ms is None:
            gpu_ms = _ms(line.split(":")[1]) / steps
        if line.startswith("Self CPU time total:") and cpu_ms is None:
            cpu_ms = _ms(line.split(":")[1]) / steps
        if line.startswith("tiny op:"):
            tiny = line.split()[2]
    return {"launches": sum(launches.values()) / steps, "gpu_ms": gpu_ms, "cpu_ms": cpu_ms, "tiny_us": tiny}


def _ms(text):
    text = text.strip()
    for unit, scale in (("ms", 1.0), ("us", 1e-3), ("s", 1e3)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * scale
    raise ValueError(f"unknown time {text!r}")


def render():
    meta = json.loads((REF / "runs.json").read_text())
    prof = profile_numbers("gpu_profile_lenet.log")
    rows = latest_rows(meta)
    names = notebook_names()
    done = [rows[n] for n in names if n in rows]
    ok = [r for r in done if not r["error"]]
    total = sum(r["seconds"] for r in done)
    out = [
        "# Reference results: the full budget on a GPU",
        "",
        "The pages of this book show the *quick* budget, run on a CPU when the book is built.",
        "This appendix shows what the *full* budget (the published-size experiments, the default",
        "on a GPU such as Colab's) gave when every notebook was run on a GPU. Use it to check",
        "your own full-budget run. Your numbers will differ a little: the GPU, the",
        "library versions and non-deterministic GPU kernels all change the last digits.",
        "",
        f"* **Machine:** {meta['device']}.",
        f"* **Software:** {meta['software']}.",
        f"* **Date:** {meta['date']}.",
        f"* **How:** `{meta['how']}`.",
        f"* **Coverage:** {len(done)} of {len(names)} notebooks ran. {len(ok)} of them passed",
        f"  every check, and their run times add up to {total / 60:.1f} minutes.",
        "",
        "The runs were made one after another, and a later run of a notebook replaces an",
        "earlier one. Runs made side by side shared the GPU, so their times are longer:",
        "",
        "| run | how it ran |",
        "| --- | --- |",
        *[f"| {r['id']} | {r['concurrency']} |" for r in meta["runs"]],
        "",
        "## Every notebook",
        "",
        "The results column lists every summary line that `d2lutils.fit` printed, in order:",
        "the final training loss, training accuracy and test accuracy, then the mean",
        "speed. Numbered notes follow the table.",
        "",
        "| notebook | run | seconds | status | results |",
        "| --- | --- | ---: | --- | --- |",
    ]
    notes = []
    for name in names:
        note = meta["notes"].get(name)
        mark = ""
        if note:
            notes.append(note)
            mark = f" [{len(notes)}]"
        link = f"{{doc}}`{name} </notebooks/{name}>`"
        if name not in rows:
            out.append(f"| {link}{mark} | | | not run | |")
            continue
        r = rows[name]
        status = "ok" if not r["error"] else "failed: " + r["error"].replace("|", "/")
        results = "<br>".join(r["summaries"]) or "(no training)"
        out.append(f"| {link}{mark} | {r['run']} | {r['seconds']:.1f} | {status} | {results} |")
    out += ["", "Notes:", ""] + [f"{i}. {n}" for i, n in enumerate(notes, 1)]
    out += cpu_section(meta.get("cpu_runs", []))
    out += [
        "",
        "## Speed: `d2lutils` against the standard pipeline",
        "",
        "`benchmarks/bench_pipeline.py` compares two things, each fed by `d2lutils`",
        "(`load_fashion_mnist` + `fit`) and by `torchvision` + `DataLoader(num_workers=4)`:",
        "one pass over the 60,000 training images, and one epoch of chapter 8's sigmoid LeNet",
        "at batch size 256. On the GPU above:",
        "",
        (REF / "bench_gpu.md").read_text().strip(),
        "",
        f"And on a CPU, `{bench_machine(CPU_BENCH)}` as `describe_device` names it:",
        "",
        CPU_BENCH.read_text().strip(),
        "",
        "**Where the GPU time goes.** `benchmarks/gpu_profile.py` profiled 20 LeNet steps on",
        f"the same machine. A step launched {prof['launches']:.0f} kernels, and on that host a",
        f"tiny operation costs {prof['tiny_us']} microseconds. The GPU was busy for only",
        f"{prof['gpu_ms']:.2f} ms a step, while the CPU took {prof['cpu_ms']:.2f} ms a step",
        "(profiler overhead included). So the loop is bound by the CPU that launches the",
        "kernels, not by the GPU. Replaying the whole step as one CUDA graph removes that",
        "cost. `fit` does not do this yet. The summary lines of the profile:",
        "",
        "```text",
        *profile_lines("gpu_profile_lenet.log", ("cudnn", "tiny op", "CUDA graph", "torchvision")),
        "```",
        "",
    ]
    return "\n".join(out)


def cpu_section(cpu_runs):
    """A table of the full-budget runs made on a CPU, newest last."""
    if not cpu_runs:
        return []
    out = [
        "",
        "## The full budget on a CPU",
        "",
        "Some notebooks were also run with the full budget on a CPU (the machine column says",
        "which): those the GPU runs above did not finish, one whose recipe changed after them,",
        "and one to check a result on a second machine. A CPU computes the same recipe with",
        "other kernels, so the last digits differ from a GPU run, and it is far slower. After",
        "`fit`'s summary lines, the results column copies the lines a notebook printed about",
        "its final accuracy (by epoch, or after recalibrating BN).",
        "",
        "| notebook | date | machine | seconds | status | results | why |",
        "| --- | --- | --- | ---: | --- | --- | --- |",
    ]
    for run in cpu_runs:
        for r in json.loads((REF / run["file"]).read_text()):
            name = r["notebook"]
            link = f"{{doc}}`{name} </notebooks/{name}>`"
            status = "ok" if not r["error"] else "failed: " + r["error"].replace("|", "/")
            results = "<br>".join(r["summaries"] + r.get("extra", [])) or "(no training)"
            out.append(f"| {link} | {run['date']} | {run['machine']} | {r['seconds']:.1f} | "
                       f"{status} | {results} | {run['why']} |")
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = render()
    if args.check:
        if not PAGE.exists() or PAGE.read_text() != text:
            print(f"{PAGE.relative_to(ROOT)} is out of date: run python tools/reference_page.py")
            return 1
        return 0
    PAGE.write_text(text)
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
