"""Training: the minibatch SGD updater, accuracy, and the `fit` loop every chapter uses.

`sgd` is built in chapter 3 (linear regression from scratch); `accuracy`,
`evaluate_accuracy` and `fit` in chapter 4 (softmax regression from scratch).
"""
import time

import torch

from . import checks
from .device import _model_device, _sync, _use_channels_last, as_device, describe_device
from .history import History
from .plot import Animator


def sgd(params, lr, batch_size):
    """Minibatch SGD: p -= lr * p.grad / batch_size, then zero the gradients.

    Divide by batch_size when the loss was summed over the batch; pass 1 when it was averaged.
    As in torch.optim, a parameter without a gradient is left alone.
    """
    if isinstance(params, torch.Tensor) or not hasattr(params, "__iter__"):
        checks.fail("params", params, "a list of tensors", "use e.g. sgd([w, b], lr, batch_size)",
                    TypeError)
    lr, batch_size = check_lr(lr), checks.whole("batch_size", batch_size, 1)
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p -= lr * p.grad / batch_size
                p.grad.zero_()


def check_lr(lr, name="lr", fix=0.1):
    return checks.positive(name, lr, fix)


def accuracy(y_hat, y):
    """The number of correct predictions (a 0-d tensor; no host-device sync).

    y_hat holds scores of shape (n, num_classes) or predicted labels of shape (n,).
    """
    if y_hat.dim() > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(dim=1)
    return (y_hat.to(y.dtype) == y).sum()


def evaluate_accuracy(net, data_iter, device=None):
    """The fraction of examples in `data_iter` that `net` classifies correctly."""
    device = as_device(device) if device is not None else _model_device(net)
    was_training = getattr(net, "training", False)
    if isinstance(net, torch.nn.Module):
        net.eval()
    correct, n = torch.zeros((), device=device), 0
    with torch.no_grad():
        for X, y in data_iter:
            X, y = X.to(device, non_blocking=True), y.to(device, non_blocking=True)
            correct += accuracy(net(X), y)
            n += len(y)
    if isinstance(net, torch.nn.Module):
        net.train(was_training)
    return correct.item() / max(n, 1)


def _learning_rate(updater):
    if isinstance(updater, torch.optim.Optimizer):
        return updater.param_groups[0]["lr"]
    return getattr(updater, "lr", None)


def _check_fit_args(net, train_iter, test_iter, loss, updater, scheduler, on_epoch):
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
    for group in updater.param_groups if is_optimizer else ():
        check_lr(group["lr"], "the optimizer's lr", "use e.g. torch.optim.SGD(params, lr=0.1)")


def fit(net, train_iter, test_iter, loss, updater, num_epochs, device=None, scheduler=None,
        plot=True, on_epoch=None, points_per_epoch=5):
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
    A run is "diverged" when its loss becomes nan or inf, which stops it, or when an
    epoch's loss exceeds 100 times the first batch's (history.EXPLOSION), which does not:
    a loss that explodes and then falls back still counts. Ctrl-C stops a run too; the
    finished epochs are always kept in the returned history.
    On the CPU a network with 2-D convolutions trains in the channels-last memory format
    (faster there; the numbers agree up to rounding) and is given back in the usual one.
    """
    _check_fit_args(net, train_iter, test_iter, loss, updater, scheduler, on_epoch)
    num_epochs = checks.whole("num_epochs", num_epochs, 10)
    points_per_epoch = checks.whole("points_per_epoch", points_per_epoch, 5)
    plot = checks.flag("plot", plot)
    if device is None and not isinstance(net, torch.nn.Module):
        # a from-scratch model is a function of tensors we cannot move: train where the data are
        device = getattr(train_iter, "device", torch.device("cpu"))
    device = as_device(device)  # None: try_gpu(), the same default as the data loaders
    channels_last = _use_channels_last(net, device)
    if isinstance(net, torch.nn.Module):
        net.to(device)
        if channels_last:   # restored below, so that the caller's model looks untouched
            net.to(memory_format=torch.channels_last)
    history = History(describe_device(device).split(" (")[0])
    animator = None
    if plot:
        legend = ["train loss", "train acc", "test acc"] if test_iter is not None else None
        animator = Animator(xlabel="epoch", ylabel=None if legend else "train loss",
                            xlim=[0, num_epochs], legend=legend)
    num_batches = len(train_iter) if hasattr(train_iter, "__len__") else None
    every = max(1, num_batches // points_per_epoch) if num_batches else 50
    first_loss = None  # the untrained model's loss, on the first batch: see check_explosion
    try:
        for epoch in range(num_epochs):
            if isinstance(net, torch.nn.Module):
                net.train()
            loss_sum = torch.zeros((), device=device)
            correct = torch.zeros((), device=device)
            first_bad = torch.full((), -1, device=device, dtype=torch.long)
            n, classify = 0, True
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
                bad = ~torch.isfinite(batch_loss)
                first_bad = torch.where(bad & (first_bad < 0), step, first_bad)
                loss_sum += batch_loss
                classify = y_hat.dim() == 2 and y_hat.shape[1] > 1 and not y.is_floating_point()
                if classify:
                    correct += accuracy(y_hat.detach(), y)
                n += len(y)
                if (step + 1) % every == 0:  # a few syncs per epoch, never one per batch
                    if first_bad.item() >= 0:
                        break
                    if animator is not None:
                        x = epoch + (step + 1) / num_batches if num_batches else epoch + 1
                        animator.add(x, (loss_sum.item() / n, correct.item() / n if classify
                                         else None, None))
            _sync(device)
            seconds = time.perf_counter() - start
            if first_bad.item() >= 0:
                history.stop_nonfinite(epoch + 1, first_bad.item() + 1, loss_sum.item(),
                                       _learning_rate(updater))
                break
            history.add_epoch(loss_sum.item() / n, correct.item() / n if classify else None,
                              evaluate_accuracy(net, test_iter, device)
                              if test_iter is not None and classify else None, n / seconds)
            history.check_explosion(first_loss.item(), _learning_rate(updater))
            if animator is not None:
                animator.add(epoch + 1, (history.train_loss[-1], history.train_acc[-1],
                                         history.test_acc[-1]))
            if scheduler is not None:
                if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                    metric = history.test_acc[-1]
                    scheduler.step(metric if metric is not None else history.train_loss[-1])
                else:
                    scheduler.step()
            if on_epoch is not None:
                on_epoch(history)
        else:
            history.end("finished")
    except KeyboardInterrupt:
        history.end("interrupted", f"Interrupted after {len(history)} finished epoch(s); "
                    "they are kept in the returned history.")
    finally:
        if channels_last:
            net.to(memory_format=torch.contiguous_format)
    if animator is not None:
        animator.show()
    print(history.message if history.message else history.summary())
    if history.message and len(history):
        print(history.summary())
    return history
