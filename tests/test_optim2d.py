"""Chapter 10's harness: 2-D trajectories, the check against torch.optim, loss curves."""
import math

import matplotlib
import matplotlib.pyplot as plt
import pytest
import torch
from torch import nn

from d2lutils import optim2d

matplotlib.use("Agg")


quad_grad = optim2d.bowl_grad   # f = 0.1 x1^2 + 2 x2^2


def test_the_bowl_and_its_gradient_agree_with_autograd():
    x = torch.tensor([[-5.0, -2.0], [1.5, 0.25], [0.0, 0.0]], dtype=torch.float64, requires_grad=True)
    f = optim2d.bowl(x)
    assert torch.allclose(f.detach(), torch.tensor([10.5, 0.35, 0.0], dtype=torch.float64))
    grad, = torch.autograd.grad(f.sum(), x)
    assert torch.equal(optim2d.bowl_grad(x.detach()), grad)
    assert optim2d.bowl(torch.tensor([1.0, 1.0])).shape == ()   # one point


def gd(params, grads, state, lr):
    for p, g in zip(params, grads):
        p -= lr * g


def momentum(params, grads, state, lr, beta):
    for i, (p, g) in enumerate(zip(params, grads)):
        v = state[i] = g.clone() if i not in state else beta * state[i] + g
        p -= lr * v


def test_train_2d_follows_gradient_descent_in_closed_form():
    traj = optim2d.train_2d(gd, quad_grad, num_steps=15, lr=0.4)
    t = torch.arange(16, dtype=torch.float64)
    expected = torch.stack([-5 * (1 - 0.4 * 0.2) ** t, -2 * (1 - 0.4 * 4) ** t], dim=1)
    assert traj.shape == (16, 2) and traj.dtype == torch.float64
    torch.testing.assert_close(traj, expected)


def test_train_2d_keeps_the_updates_state_between_steps():
    x, v, expected = torch.tensor([-5.0, -2.0], dtype=torch.float64), None, []
    for _ in range(10):
        g = quad_grad(x)
        v = g if v is None else 0.5 * v + g
        x = x - 0.4 * v
        expected.append(x)
    traj = optim2d.train_2d(momentum, quad_grad, x0=(-5.0, -2.0), num_steps=10, lr=0.4, beta=0.5)
    torch.testing.assert_close(traj[1:], torch.stack(expected))


def test_gd_is_torch_optim_sgd():
    assert optim2d.max_difference(optim2d.gd, torch.optim.SGD, {"lr": 0.1}) < 1e-12
    torch.testing.assert_close(optim2d.train_2d(optim2d.gd, quad_grad, lr=0.4),
                               optim2d.train_2d(gd, quad_grad, lr=0.4), rtol=0, atol=0)


def test_max_difference_passes_a_right_update_and_catches_a_wrong_one():
    assert optim2d.max_difference(gd, torch.optim.SGD, {"lr": 0.1}) < 1e-12
    assert optim2d.max_difference(lambda p, g, s, lr, momentum: globals()["momentum"](
        p, g, s, lr, beta=momentum), torch.optim.SGD, {"lr": 0.1, "momentum": 0.9}) < 1e-12
    wrong = lambda p, g, s, lr, momentum: gd(p, g, s, lr)   # noqa: E731  forgets the velocity
    assert optim2d.max_difference(wrong, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9}) > 1e-3


def test_make_problem_is_seeded():
    (a, loss_a), (b, _) = optim2d.make_problem(), optim2d.make_problem()
    assert all(torch.equal(p, q) for p, q in zip(a, b))
    assert [tuple(p.shape) for p in a] == [(3, 8), (8,), (8, 1)]
    assert loss_a(a).dtype == torch.float64 and loss_a(a) > 0
    assert not torch.equal(optim2d.make_problem(1)[0][0], a[0])


def notebook_train_optimizer(optimizer_fn, hyperparams, X, y, num_epochs=2, batch_size=32,
                             points_per_epoch=6, seed=0):
    """Sections 10.4-10.6's harness as they wrote it, with X_fm, y_fm passed in."""
    loss_fn = nn.CrossEntropyLoss()

    def full_loss(net):
        with torch.no_grad():
            return loss_fn(net(X), y).item()
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(X.shape[1], 64), nn.ReLU(), nn.Linear(64, 10))
    optimizer = optimizer_fn(net.parameters(), **hyperparams)
    g = torch.Generator().manual_seed(seed)
    steps_per_epoch = -(-len(X) // batch_size)
    every = max(1, steps_per_epoch // points_per_epoch)
    epochs, losses = [0.0], [full_loss(net)]
    for epoch in range(num_epochs):
        order = torch.randperm(len(X), generator=g)
        for step, i in enumerate(range(0, len(X), batch_size)):
            idx = order[i:i + batch_size]
            loss = loss_fn(net(X[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if (step + 1) % every == 0:
                epochs.append(epoch + (step + 1) / steps_per_epoch)
                losses.append(full_loss(net))
    return epochs, losses


@pytest.mark.parametrize("n, batch_size, points", [(300, 32, 3), (256, 32, 4), (100, 50, 5)])
def test_train_optimizer_is_the_chapters_harness(n, batch_size, points):
    """300 examples in batches of 32 and 3 points an epoch leave one step after the last point."""
    g = torch.Generator().manual_seed(0)
    X, y = torch.randn(n, 20, generator=g), torch.randint(0, 10, (n,), generator=g)
    for fn, hyper in [(torch.optim.SGD, {"lr": 0.1}), (torch.optim.Adam, {"lr": 0.01})]:
        expected = notebook_train_optimizer(fn, hyper, X, y, 3, batch_size, points)
        assert optim2d.train_optimizer(fn, hyper, X, y, 3, batch_size, points) == expected
    epochs, losses = expected
    assert epochs[0] == 0 and epochs[-1] <= 3 and len(epochs) == len(losses)


def test_full_loss_is_the_mean_cross_entropy_without_gradients():
    net = nn.Linear(4, 10)
    X, y = torch.randn(50, 4), torch.randint(0, 10, (50,))
    value = optim2d.full_loss(net, X, y)
    assert isinstance(value, float)
    assert value == pytest.approx(nn.CrossEntropyLoss()(net(X), y).item())
    assert net.weight.grad is None


def test_show_trace_2d_draws_contours_and_keeps_a_diverging_run_near_the_picture():
    fig, ax = plt.subplots()
    traj = torch.tensor([[-5.0, -2.0], [1.0, 40.0], [math.inf, -1e30]], dtype=torch.float64)
    optim2d.show_trace_2d(ax, lambda x: x[..., 0] ** 2 + x[..., 1] ** 2, traj, "diverges",
                          markersize=2)
    line = ax.lines[-1]
    assert list(line.get_xdata()) == [-5.0, 1.0, 10.5] and list(line.get_ydata()) == [-2.0, 9, -9]
    assert line.get_markersize() == 2
    assert ax.get_xlim() == (-5.5, 2.5) and ax.get_ylim() == (-3, 3)
    assert ax.get_title() == "diverges" and ax.collections      # the contour lines
    plt.close(fig)
