"""`fit`: the training loop every chapter uses (built in chapter 4, softmax regression from
scratch), and its parts: the epoch, the live plot, the report."""
import time
from functools import partial
from types import SimpleNamespace

import torch

from . import checks
from .device import _sync, as_device, describe_device
from .history import History
from .plotting import Animator
from .train import accuracy, check_lr, evaluate_accuracy


def fit(net, train_iter, test_iter, loss, updater, num_epochs, *, device=None, scheduler=None,
        plot=True, on_epoch=None, points_per_epoch=5, channels_last=None):
    """Train `net` and return a History; draws a live plot and prints a one-line summary.

    loss: per-example losses (reduction='none'; the gradient of their sum is divided by
    the batch size) or their mean (a scalar). updater: a torch.optim optimizer, or a
    function `updater(n)` that steps with gradients to be divided by n (e.g.
    `lambda n: sgd(params, lr, n)`; give it an `lr` attribute to see it in messages).
    device: where to train (an nn.Module is moved there); None means `try_gpu()` for an
    nn.Module and the data loader's device for a from-scratch function.
    scheduler: stepped once per epoch; ReduceLROnPlateau gets the test accuracy (use
    mode='max'), or the training loss when there is no test_iter.
    on_epoch(history): called after every epoch (the widgets use it).
    channels_last: train in the channels-last memory format (True), not (False), or where
    it helps (None): on the CPU, for a network with 2-D convolutions that is not in that
    format already. The numbers agree up to rounding; the model is given back in the usual
    format.
    A run is "diverged" when its loss becomes nan or inf, which stops it, or when an
    epoch's loss exceeds 100 times the first batch's (history.EXPLOSION), which does not:
    a loss that explodes and then falls back still counts. Ctrl-C stops a run too; the
    finished epochs are always kept in the returned history.
    """
    num_epochs, points_per_epoch, plot = _check_fit_args(
        net, train_iter, test_iter, loss, updater, scheduler, on_epoch, num_epochs,
        points_per_epoch, plot, channels_last)
    device = _fit_device(net, train_iter, device)
    channels_last = _use_channels_last(net, device) if channels_last is None else channels_last
    history = History(describe_device(device).split(" (")[0])
    animator = _live_plot(num_epochs, test_iter) if plot else None
    num_batches = len(train_iter) if hasattr(train_iter, "__len__") else None
    every = max(1, num_batches // points_per_epoch) if num_batches else 50
    first_loss = None   # the untrained model's loss, on the first batch: see check_explosion
    _to_device(net, device, channels_last)
    try:
        for epoch in range(num_epochs):
            point = partial(_plot_point, animator, epoch, num_batches) if animator else None
            e = _train_epoch(net, train_iter, loss, updater, device, channels_last, every, point)
            first_loss = e.first_loss if first_loss is None else first_loss
            if e.first_bad >= 0:
                history.stop_nonfinite(epoch + 1, e.first_bad + 1, e.loss_sum,
                                       _learning_rate(updater))
                break
            history.add_epoch(e.loss_sum / e.n, e.correct / e.n if e.classify else None,
                              evaluate_accuracy(net, test_iter, device)
                              if test_iter is not None and e.classify else None, e.n / e.seconds)
            history.check_explosion(first_loss.item(), _learning_rate(updater))
            if animator is not None:
                animator.add(epoch + 1, (history.train_loss[-1], history.train_acc[-1],
                                         history.test_acc[-1]))
            _step_scheduler(scheduler, history)
            if on_epoch is not None:
                on_epoch(history)
        else:
            history.end("finished")
    except KeyboardInterrupt:
        history.end("interrupted", f"Interrupted after {len(history)} finished epoch(s); "
                    "they are kept in the returned history.")
    finally:
        if channels_last and isinstance(net, torch.nn.Module):
            net.to(memory_format=torch.contiguous_format)
    _report(history, animator)
    return history


def _check_fit_args(net, train_iter, test_iter, loss, updater, scheduler, on_epoch,
                    num_epochs, points_per_epoch, plot, channels_last):
    """fit's arguments checked; returns (num_epochs, points_per_epoch, plot)."""
    is_optimizer = isinstance(updater, torch.optim.Optimizer)
    checks.kind("net", net, callable, "a model (an nn.Module or a function of X)",
                "pass e.g. nn.Linear(2, 1)")
    checks.kind("train_iter", train_iter, checks.iterable, "an iterable of (X, y) minibatches",
                "use e.g. a loader from load_fashion_mnist")
    checks.kind("test_iter", test_iter, checks.iterable, "an iterable of (X, y) minibatches or "
                "None", "use e.g. a loader from load_fashion_mnist", optional=True)
    checks.kind("loss", loss, callable, "a function of (y_hat, y)", "pass e.g. nn.CrossEntropyLoss()")
    checks.kind("updater", updater, lambda u: is_optimizer or callable(u), "a torch.optim "
                "optimizer or a function of the batch size", "pass e.g. torch.optim.SGD(...)")
    checks.kind("scheduler", scheduler, lambda s: hasattr(s, "step"), "a learning-rate "
                "scheduler or None", "use e.g. torch.optim.lr_scheduler.StepLR(optimizer, 5)",
                optional=True)
    checks.kind("on_epoch", on_epoch, callable, "a function of the history or None",
                "pass e.g. on_epoch=print", optional=True)
    if channels_last is not None:
        checks.flag("channels_last", channels_last)
    for group in updater.param_groups if is_optimizer else ():
        check_lr(group["lr"], "the optimizer's lr", "use e.g. torch.optim.SGD(params, lr=0.1)")
    return (checks.whole("num_epochs", num_epochs, 10),
            checks.whole("points_per_epoch", points_per_epoch, 5), checks.flag("plot", plot))


def _fit_device(net, train_iter, device):
    if device is None and not isinstance(net, torch.nn.Module):
        # a from-scratch model is a function of tensors we cannot move: train where the data are
        device = getattr(train_iter, "device", torch.device("cpu"))
    return as_device(device)  # None: try_gpu(), the same default as the data loaders


def _use_channels_last(net, device):
    """Where channels-last helps: on the CPU, for a 2-D conv net not in that format already.

    oneDNN's CPU convolutions are faster on (n, h, w, c) data: 1.22x for one LeNet epoch on
    2 cores (benchmarks/ab_channels_last.py). GPUs are left alone (not measured there).
    """
    if device.type != "cpu" or not isinstance(net, torch.nn.Module):
        return False
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    return bool(convs) and all(m.weight.is_contiguous() for m in convs)


def _to_device(net, device, channels_last):
    if isinstance(net, torch.nn.Module):
        net.to(device)
        if channels_last:   # undone at the end, so that the caller's model looks untouched
            net.to(memory_format=torch.channels_last)


def _live_plot(num_epochs, test_iter):
    legend = ["train loss", "train acc", "test acc"] if test_iter is not None else None
    return Animator(xlabel="epoch", ylabel=None if legend else "train loss",
                    xlim=[0, num_epochs], legend=legend)


def _plot_point(animator, epoch, num_batches, steps, train_loss, train_acc):
    animator.add(epoch + steps / num_batches if num_batches else epoch + 1,
                 (train_loss, train_acc, None))


def _train_epoch(net, train_iter, loss, updater, device, channels_last, every, on_point):
    """One pass over train_iter. The sums stay on the device and are read every `every`
    steps (a few syncs per epoch, never one per batch): to stop at a nan or inf, and to
    hand on_point(steps, mean loss, accuracy) a point of the live plot."""
    if isinstance(net, torch.nn.Module):
        net.train()
    loss_sum, correct = torch.zeros((), device=device), torch.zeros((), device=device)
    first_bad = torch.full((), -1, device=device, dtype=torch.long)
    first_loss, n, classify = None, 0, True
    _sync(device)
    start = time.perf_counter()
    for step, (X, y) in enumerate(train_iter):
        X, y = X.to(device, non_blocking=True), y.to(device, non_blocking=True)
        if channels_last and X.dim() == 4:
            X = X.contiguous(memory_format=torch.channels_last)
        y_hat = net(X)
        l = loss(y_hat, y)
        if isinstance(updater, torch.optim.Optimizer):
            updater.zero_grad()
            (l.mean() if l.dim() else l).backward()
            updater.step()
        else:
            (l.sum() if l.dim() else l).backward()
            updater(len(y) if l.dim() else 1)
        batch_loss = l.detach().sum() if l.dim() else l.detach() * len(y)
        if first_loss is None:
            first_loss = batch_loss / len(y)   # a tensor: no sync here
        first_bad = torch.where(~torch.isfinite(batch_loss) & (first_bad < 0), step, first_bad)
        loss_sum += batch_loss
        classify = y_hat.dim() == 2 and y_hat.shape[1] > 1 and not y.is_floating_point()
        if classify:
            correct += accuracy(y_hat.detach(), y)
        n += len(y)
        if (step + 1) % every == 0:
            if first_bad.item() >= 0:
                break
            if on_point is not None:
                on_point(step + 1, loss_sum.item() / n, correct.item() / n if classify else None)
    _sync(device)
    seconds = time.perf_counter() - start
    return SimpleNamespace(loss_sum=loss_sum.item(), correct=correct.item(), n=n, seconds=seconds,
                           first_bad=first_bad.item(), first_loss=first_loss, classify=classify)


def _learning_rate(updater):
    if isinstance(updater, torch.optim.Optimizer):
        return updater.param_groups[0]["lr"]
    return getattr(updater, "lr", None)


def _step_scheduler(scheduler, history):
    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        metric = history.test_acc[-1]
        scheduler.step(metric if metric is not None else history.train_loss[-1])
    elif scheduler is not None:
        scheduler.step()


def _report(history, animator):
    """The live plot's last frame; the message and the summary line; the record logged."""
    if animator is not None:
        animator.show()
    print(history.message if history.message else history.summary())
    if history.message and len(history):
        print(history.summary())
    history.log()
