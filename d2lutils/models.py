"""Models and layers that several chapters use, and two ways to look inside a model.

Each is built from scratch in the section its docstring names; read that section first.
"""
import torch
from torch import nn
from torch.nn import functional as F


def corr2d(X, K):
    """2-D cross-correlation of the (n_h, n_w) input X with the (k_h, k_w) kernel K, one
    output element at a time (section 8.2); `F.conv2d` computes the same, faster."""
    h, w = K.shape
    Y = torch.zeros(X.shape[0] - h + 1, X.shape[1] - w + 1)
    for i in range(Y.shape[0]):          # every output row ...
        for j in range(Y.shape[1]):      # ... and every output column
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


def lenet(activation=nn.Sigmoid, pool=nn.AvgPool2d, batch_norm=False):
    """LeNet-5 for (batch, 1, 28, 28) images (section 8.5): sigmoid and average pooling
    unless told otherwise; batch_norm=True puts BN before every activation (section 9.2)."""
    def norm(bn, size):
        return [bn(size)] if batch_norm else []
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), *norm(nn.BatchNorm2d, 6), activation(),
        pool(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), *norm(nn.BatchNorm2d, 16), activation(),
        pool(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), *norm(nn.BatchNorm1d, 120), activation(),
        nn.Linear(120, 84), *norm(nn.BatchNorm1d, 84), activation(),
        nn.Linear(84, 10))


class Residual(nn.Module):
    """ResNet's basic block (section 9.3): ReLU(x + BN(conv(ReLU(BN(conv(x)))))), with a 1x1
    convolution on the shortcut when the shape changes."""

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, stride=stride)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut = None
        if stride != 1 or in_channels != out_channels:   # shapes change: project x to match
            self.shortcut = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride)

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.shortcut is not None:
            X = self.shortcut(X)
        return F.relu(Y + X)


def deep_mlp(num_inputs, num_hiddens, num_hidden_layers, num_outputs=10, activation=nn.ReLU,
             batch_norm=False, flatten=False):
    """An MLP with `num_hidden_layers` hidden layers of `num_hiddens` units (section 7.1):
    [Flatten], then (Linear, [BatchNorm1d], activation) per hidden layer, then Linear."""
    layers, width = [nn.Flatten()] if flatten else [], num_inputs
    for _ in range(num_hidden_layers):
        layers.append(nn.Linear(width, num_hiddens))
        if batch_norm:
            layers.append(nn.BatchNorm1d(num_hiddens))
        layers.append(activation())
        width = num_hiddens
    layers.append(nn.Linear(width, num_outputs))
    return nn.Sequential(*layers)


def num_params(net):
    """The number of parameters (numbers to learn) of `net`; counted in section 8.1."""
    return sum(p.numel() for p in net.parameters())


def shape_table(net, X, names=None):
    """A printable table: the output shape and parameter count of each top-level part of
    `net` for the input X, and the total (built up in sections 8.5 and 9.3).

    names: one name per part (default: the class names). BN layers use their moving
    averages, so a batch of one image will do; `net`'s training mode is restored.
    """
    parts = list(net.children())
    names = list(names) if names is not None else [type(part).__name__ for part in parts]
    if len(names) != len(parts):
        raise ValueError(f"names has {len(names)} entries but the network {len(parts)} parts")
    width = max(len(n) for n in names + ["input"]) + 2
    lines = [f"{'part':{width}s}{'output shape':22s}{'parameters':>12s}",
             f"{'input':{width}s}{str(tuple(X.shape)):22s}"]
    was_training = net.training
    net.eval()
    with torch.no_grad():
        for name, part in zip(names, parts):
            X = part(X)
            lines.append(f"{name:{width}s}{str(tuple(X.shape)):22s}{num_params(part):12,d}")
    net.train(was_training)
    lines.append(f"{'total':{width + 22}s}{num_params(net):12,d}")
    return "\n".join(lines)
