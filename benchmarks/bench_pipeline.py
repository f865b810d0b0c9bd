"""d2lutils' data pipeline and training loop versus the standard torchvision pipeline.

    make bench            # sets up benchmarks/.venv (torch + torchvision) and runs this

Measures, in one run on one machine (so the ratios are fair even on a busy machine):
  1. one full pass over the 60,000 training images (batch 256), and
  2. one epoch of the sigmoid LeNet of chapter 8 (batch 256, SGD, lr 0.9),
each fed by `d2lutils.load_fashion_mnist` + `d2lutils.fit` and by the pipeline a reader
would otherwise write: torchvision.datasets.FashionMNIST + ToTensor +
DataLoader(num_workers=4) with a plain training loop. Every measurement is repeated and
the median is reported. Writes a Markdown table to benchmarks/results/<device>.md.
"""
import argparse
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

import d2lutils
from d2lutils import fashion_mnist, lenet  # chapter 8's sigmoid LeNet, the one measured


def torchvision_loader(root, batch_size, workers, device):
    import torchvision
    from torchvision import transforms

    ds = torchvision.datasets.FashionMNIST(root, train=True, transform=transforms.ToTensor(),
                                           download=False)
    return torch.utils.data.DataLoader(ds, batch_size, shuffle=True, num_workers=workers,
                                       pin_memory=device.type == "cuda",
                                       persistent_workers=False)


def prepare_torchvision_root():
    """torchvision wants the raw files under ROOT/FashionMNIST/raw: decompress them there."""
    root = Path(tempfile.mkdtemp(prefix="fmnist-tv-"))
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for name in fashion_mnist.SHA256:
        (raw / name).write_bytes(fashion_mnist.payload(name))
    return root


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_pass(loader, device):
    sync(device)
    start = time.perf_counter()
    n = 0
    for X, y in loader:
        X, y = X.to(device, non_blocking=True), y.to(device, non_blocking=True)
        n += len(y)
    sync(device)
    return n / (time.perf_counter() - start)


def standard_epoch(loader, device):
    """The loop a reader writes by hand: per-batch .item() for the running loss."""
    torch.manual_seed(0)
    net = lenet().to(device)
    opt = torch.optim.SGD(net.parameters(), lr=0.9)
    loss = nn.CrossEntropyLoss()
    sync(device)
    start, n, total = time.perf_counter(), 0, 0.0
    for X, y in loader:
        X, y = X.to(device), y.to(device)
        l = loss(net(X), y)
        opt.zero_grad()
        l.backward()
        opt.step()
        total += l.item() * len(y)
        n += len(y)
    sync(device)
    return n / (time.perf_counter() - start)


def d2l_epoch(train_iter, device):
    torch.manual_seed(0)
    net = lenet()
    h = d2lutils.fit(net, train_iter, None, nn.CrossEntropyLoss(),
                     torch.optim.SGD(net.parameters(), lr=0.9), 1, device=device, plot=False)
    return h.examples_per_sec[0]


def median_of(fn, repeats):
    return statistics.median(fn() for _ in range(repeats))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default=None, help="cpu or cuda (default: try_gpu())")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    device = d2lutils.as_device(args.device)
    root = prepare_torchvision_root()
    try:
        std = torchvision_loader(root, 256, args.workers, device)
        ours, _ = d2lutils.load_fashion_mnist(256, device=device)
        time_pass(ours, device)  # warm-up (first touches of memory / CUDA context)
        rows = []
        a = median_of(lambda: time_pass(std, device), args.repeats)
        b = median_of(lambda: time_pass(ours, device), args.repeats)
        rows.append(("data pass (60,000 images)", a, b))
        a = median_of(lambda: standard_epoch(std, device), args.repeats)
        b = median_of(lambda: d2l_epoch(ours, device), args.repeats)
        rows.append(("LeNet epoch (sigmoid, SGD lr 0.9)", a, b))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    desc = d2lutils.describe_device(device)
    lines = [
        f"Device: {desc}; torch {torch.__version__}; Python {platform.python_version()}; "
        f"torchvision DataLoader num_workers={args.workers}; batch 256; median of "
        f"{args.repeats} runs.",
        "",
        "| measurement | torchvision + DataLoader (examples/s) | d2lutils (examples/s) | speed-up |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, a, b in rows:
        lines.append(f"| {name} | {a:,.0f} | {b:,.0f} | {b / a:.1f}x |")
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path(__file__).parent / "results" / f"{device.type}.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
