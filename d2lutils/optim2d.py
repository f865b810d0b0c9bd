"""Chapter 10's optimiser experiments: trajectories on a 2-D function, the check of a
from-scratch optimiser against torch.optim, and loss curves on Fashion-MNIST.

An optimiser written from scratch is an *update* `update(params, grads, state, **hyper)`:
it changes every tensor in `params` in place, using `grads` and whatever it keeps in the
dict `state` (velocities, running averages, a step count); `gd` is the simplest.
"""
import math
from itertools import islice

import torch
from torch import nn

from .plotting import use_svg_display
from .train import train_batches


def bowl(x):
    """f(x) = 0.1 x1^2 + 2 x2^2, the ill-conditioned bowl of sections 10.5 and 10.6
    (curvature 0.2 along x1, 4 along x2), of one point (2,) or of many (..., 2)."""
    return 0.1 * x[..., 0] ** 2 + 2 * x[..., 1] ** 2


def bowl_grad(x):
    """The gradient of `bowl`: (0.2 x1, 4 x2)."""
    return torch.stack([0.2 * x[..., 0], 4 * x[..., 1]], dim=-1)


def gd(params, grads, state, lr):
    """Gradient descent as an update (section 10.3): every parameter steps against its
    gradient, in place; it keeps no state."""
    for p, g in zip(params, grads):
        p -= lr * g


def train_2d(update, grad_fn, x0=(-5.0, -2.0), num_steps=20, **hyper):
    """Run `update` on one 2-D point from x0, with gradients grad_fn(x), for num_steps steps;
    returns the (num_steps + 1, 2) trajectory in float64 (section 10.3)."""
    x, state = torch.tensor(x0, dtype=torch.float64), {}
    trajectory = [x.clone()]
    for _ in range(num_steps):
        update([x], [grad_fn(x)], state, **hyper)
        trajectory.append(x.clone())
    return torch.stack(trajectory)


def show_trace_2d(ax, f, trajectory, title=None, lim=((-5.5, 2.5), (-3, 3)), levels=12, **style):
    """Contours of f over lim = ((x1 from, to), (x2 from, to)) and the trajectory on top;
    `style` goes to ax.plot (e.g. markersize=2). A diverging run leaves the picture."""
    use_svg_display()
    (a, b), (c, d) = lim
    g1, g2 = torch.meshgrid(torch.linspace(a, b, 100), torch.linspace(c, d, 100), indexing="xy")
    ax.contour(g1, g2, f(torch.stack([g1, g2], dim=-1)), levels=levels, cmap="Greys", alpha=0.6)
    low = torch.tensor([2 * a - b, 2 * c - d], dtype=trajectory.dtype)   # a frame beyond the
    high = torch.tensor([2 * b - a, 2 * d - c], dtype=trajectory.dtype)  # axes: off the canvas
    path = trajectory.detach().cpu().clamp(low, high)
    ax.plot(path[:, 0], path[:, 1], "-o", **{"color": "C1", "markersize": 3, **style})
    ax.set(xlim=(a, b), ylim=(c, d), xlabel="x1", ylabel="x2")
    ax.set_title(title, fontsize=9)


def make_problem(seed=0):
    """A small regression net (tanh, 3 -> 8 -> 1) on 32 random examples, in float64:
    (params, loss_fn), where loss_fn(params) is the mean squared error (section 10.5)."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(32, 3, generator=g, dtype=torch.float64)
    y = torch.randn(32, 1, generator=g, dtype=torch.float64)
    params = [torch.randn(3, 8, generator=g, dtype=torch.float64) * 0.5,
              torch.zeros(8, dtype=torch.float64),
              torch.randn(8, 1, generator=g, dtype=torch.float64) * 0.5]

    def loss_fn(ps):
        W1, b1, W2 = ps
        return ((torch.tanh(X @ W1 + b1) @ W2 - y) ** 2).mean()
    return params, loss_fn


def max_difference(update, torch_optimizer, hyper, num_steps=20):
    """Train copies of make_problem() with `update` and with torch_optimizer(params, **hyper);
    the largest difference between their parameters over all steps (section 10.5)."""
    params, loss_fn = make_problem()
    mine = [p.clone() for p in params]
    theirs = [p.clone().requires_grad_(True) for p in params]
    opt = torch_optimizer(theirs, **hyper)
    state, worst = {}, 0.0
    for _ in range(num_steps):
        p = [q.clone().requires_grad_(True) for q in mine]
        grads = torch.autograd.grad(loss_fn(p), p)
        update(mine, grads, state, **hyper)
        opt.zero_grad()
        loss_fn(theirs).backward()
        opt.step()
        worst = max(worst, max((a - b.detach()).abs().max().item() for a, b in zip(mine, theirs)))
    return worst


def full_loss(net, X, y, loss=nn.functional.cross_entropy):
    """loss(net(X), y) over all of X at once, without gradients, as a float."""
    with torch.no_grad():
        return loss(net(X), y).item()


def train_optimizer(optimizer_fn, hyperparams, X, y, num_epochs=2, batch_size=32,
                    points_per_epoch=6, seed=0, num_hiddens=64):
    """Train a fresh MLP (X's features -> num_hiddens ReLU units -> 10 classes) on (X, y)
    with optimizer_fn(params, **hyperparams), one seeded order of minibatches per epoch;
    returns (epochs, losses): the loss on all of X at points_per_epoch points an epoch,
    and at the start (section 10.4)."""
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(X.shape[1], num_hiddens), nn.ReLU(),
                        nn.Linear(num_hiddens, 10)).to(X.device)
    optimizer = optimizer_fn(net.parameters(), **hyperparams)
    g = torch.Generator().manual_seed(seed)
    steps_per_epoch = math.ceil(len(X) / batch_size)
    every = max(1, steps_per_epoch // points_per_epoch)
    epochs, losses = [0.0], [full_loss(net, X, y)]
    for epoch in range(num_epochs):
        order = torch.randperm(len(X), generator=g).to(X.device)
        batches = ((X[idx], y[idx]) for idx in order.split(batch_size))
        for steps in range(every, steps_per_epoch + 1, every):   # a point every `every` steps
            train_batches(net, nn.functional.cross_entropy, optimizer, islice(batches, every))
            epochs.append(epoch + steps / steps_per_epoch)
            losses.append(full_loss(net, X, y))
        train_batches(net, nn.functional.cross_entropy, optimizer, batches)   # the rest
    return epochs, losses
