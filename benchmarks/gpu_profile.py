"""Where the time of a LeNet training step goes on a CUDA GPU, and what helps.

    python benchmarks/gpu_profile.py > book/reference/gpu_profile_lenet.log   # CUDA + torchvision

Prints: examples/s of a bare training loop and of `d2lutils.fit` with and without
cudnn.benchmark, the host cost of one tiny kernel launch, the PyTorch profiler's tables
for 20 steps, the speed of the whole step replayed as one CUDA graph, and torchvision's
ResNet-18 at 96x96 in float32 and in bfloat16 autocast with channels_last.
`tools/reference_page.py` reads the log into the reference-results appendix.
"""
import functools
import time

import torch
from torch import nn
from torch.profiler import ProfilerActivity, profile

import d2lutils

DEV = torch.device("cuda")
LOSS = nn.CrossEntropyLoss()


def lenet():
    return d2lutils.lenet().to(DEV)   # chapter 8's sigmoid LeNet, as in bench_pipeline.py


def step(net, opt, X, y):
    loss = LOSS(net(X), y)
    opt.zero_grad()
    loss.backward()
    opt.step()


def resnet_step(model, opt, X, y, amp):
    with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp):
        loss = LOSS(model(X), y)
    opt.zero_grad()
    loss.backward()
    opt.step()


def timed(fn, repeats):
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    torch.cuda.synchronize()
    return time.perf_counter() - start


def main():
    train_iter, _ = d2lutils.load_fashion_mnist(256, device=DEV)
    X, y = next(iter(train_iter))
    for bench in (False, True):
        torch.backends.cudnn.benchmark = bench
        torch.manual_seed(0)
        net = lenet()
        opt = torch.optim.SGD(net.parameters(), lr=0.9)
        one_step = functools.partial(step, net, opt, X, y)
        timed(one_step, 20)
        bare = 200 * 256 / timed(one_step, 200)
        history = d2lutils.fit(net, train_iter, None, LOSS, opt, 2, device=DEV, plot=False)
        print(f"cudnn.benchmark={bench}: bare step loop {bare:,.0f} ex/s; "
              f"fit epoch 2 {history.examples_per_sec[-1]:,.0f} ex/s")
    torch.backends.cudnn.benchmark = False

    x = torch.zeros(1, device=DEV)
    print(f"tiny op: {timed(lambda: x.add_(1), 2000) / 2000 * 1e6:.1f} us each")

    net = lenet()
    opt = torch.optim.SGD(net.parameters(), lr=0.9)
    timed(lambda: step(net, opt, X, y), 10)
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        timed(lambda: step(net, opt, X, y), 20)
    table = prof.key_averages().table
    print(table(sort_by="cuda_time_total", row_limit=12, max_name_column_width=45))
    print(table(sort_by="self_cpu_time_total", row_limit=12, max_name_column_width=45))

    # The whole step (forward, backward, SGD update) captured once and replayed.
    net = lenet()
    opt = torch.optim.SGD(net.parameters(), lr=0.9)
    static_X, static_y = X.clone(), y.clone()
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(3):
            step(net, opt, static_X, static_y)
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    opt.zero_grad(set_to_none=True)
    with torch.cuda.graph(graph):
        LOSS(net(static_X), static_y).backward()
        opt.step()

    def epoch():
        for Xb, yb in train_iter:
            if len(yb) == 256:
                static_X.copy_(Xb)
                static_y.copy_(yb)
                graph.replay()
    print(f"CUDA graph whole step, epoch: {60000 / timed(epoch, 1):,.0f} ex/s")

    import torchvision

    torch.backends.cudnn.benchmark = True
    for amp, channels_last in [(False, False), (True, True)]:
        model = torchvision.models.resnet18(num_classes=10)
        model.conv1 = nn.Conv2d(1, 64, 7, 2, 3)
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        model = model.to(DEV, memory_format=fmt)
        opt = torch.optim.SGD(model.parameters(), lr=0.05)
        Xr = torch.rand(256, 1, 96, 96, device=DEV).to(memory_format=fmt)
        one_step = functools.partial(resnet_step, model, opt, Xr, y, amp)
        timed(one_step, 10)
        print(f"torchvision resnet18 96x96 amp={amp} channels_last={channels_last}: "
              f"{20 * 256 / timed(one_step, 20):,.0f} ex/s")


if __name__ == "__main__":
    main()
