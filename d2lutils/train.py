"""Training: the minibatch SGD updater, accuracy, and the plain training loop.

`sgd` is built in chapter 3 (linear regression from scratch) and `train_batches` is the
loop of section 3.3 (concise linear regression); `accuracy` and `evaluate_accuracy` are
built in chapter 4 (softmax regression from scratch). `fit` is in `fitting`.
"""
import torch

from . import checks
from .device import _model_device, as_device


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


def train_batches(net, loss, optimizer, batches, num_epochs=1):
    """One optimizer step per (X, y) in `batches`, num_epochs passes over them (a loader or
    a list; a generator gives one pass); returns the batch losses as floats.

    `loss(net(X), y)` must be a scalar (the batch's mean or sum). The losses stay on the
    device until the end, so there is no host-device sync per step.
    """
    losses = []
    for _ in range(checks.whole("num_epochs", num_epochs, 3)):
        for X, y in batches:
            l = loss(net(X), y)
            optimizer.zero_grad()
            l.backward()
            optimizer.step()
            losses.append(l.detach())
    return torch.stack(losses).tolist() if losses else []
