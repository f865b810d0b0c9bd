"""`fit` with and without its channels-last path on the CPU: one LeNet epoch, alternated.

    .venv/bin/python benchmarks/ab_channels_last.py     # writes results/cpu_channels_last.md

On the CPU `fit` trains networks with 2-D convolutions in the channels-last memory format
(its default, channels_last=None: where it helps). This measures what that buys against
channels_last=False: the sigmoid LeNet of chapter 8 on all 60,000 training images at batch
size 256, one epoch per run, the two variants alternated, median of the repeats.
"""
import argparse
import statistics
import sys
from pathlib import Path

import torch
from torch import nn

import d2lutils


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=4)
    args = parser.parse_args()
    train_iter, _ = d2lutils.load_fashion_mnist(256, device="cpu")
    variants = {"channels-last (fit's default on the CPU)": None, "contiguous": False}
    speeds = {name: [] for name in variants}
    for _ in range(args.repeats):
        for name, channels_last in variants.items():
            torch.manual_seed(0)
            net = d2lutils.lenet()
            h = d2lutils.fit(net, train_iter, None, nn.CrossEntropyLoss(),
                             torch.optim.SGD(net.parameters(), lr=0.9), 1, device="cpu",
                             plot=False, channels_last=channels_last)
            speeds[name].append(h.examples_per_sec[0])
    medians = {name: statistics.median(v) for name, v in speeds.items()}
    fast, slow = medians.values()
    text = "\n".join([
        f"Device: {d2lutils.describe_device('cpu')}; torch {torch.__version__}; sigmoid LeNet, "
        f"batch 256, one epoch per run, median of {args.repeats} alternated runs.",
        "",
        "| memory format in `fit` | examples/s (median) | runs |",
        "| --- | ---: | --- |",
        *[f"| {name} | {medians[name]:,.0f} | {', '.join(f'{v:,.0f}' for v in vs)} |"
          for name, vs in speeds.items()],
        "",
        f"Speed-up: {fast / slow:.2f}x",
    ]) + "\n"
    print(text)
    (Path(__file__).parent / "results" / "cpu_channels_last.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
