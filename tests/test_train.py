"""The training loop, against PyTorch's own optimiser where PyTorch has the reference."""
import json
import math

import pytest
import torch
from torch import nn

import d2lutils
from d2lutils import History, TensorLoader, accuracy, evaluate_accuracy, fit, sgd


def blobs(n=400, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 3, (n,), generator=g)
    centres = torch.tensor([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.0]])
    X = centres[y] + 0.5 * torch.randn(n, 2, generator=g)
    return X, y


def loaders(batch_size=50):
    X, y = blobs()
    return (TensorLoader(X, y, batch_size, device="cpu"),
            TensorLoader(*blobs(200, seed=1), batch_size, shuffle=False, device="cpu"))


def test_sgd_matches_torch_optim_sgd():
    torch.manual_seed(0)
    w1 = torch.randn(5, requires_grad=True)
    w2 = w1.detach().clone().requires_grad_(True)
    opt = torch.optim.SGD([w2], lr=0.1)
    x = torch.randn(8, 5)
    for _ in range(3):
        (x @ w1).pow(2).sum().backward()
        sgd([w1], lr=0.1, batch_size=8)          # summed loss: divide by the batch size
        opt.zero_grad()
        (x @ w2).pow(2).mean().backward()        # mean loss: plain SGD
        opt.step()
    torch.testing.assert_close(w1, w2)
    assert torch.all(w1.grad == 0)


def test_accuracy_counts_correct_predictions():
    y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    y = torch.tensor([0, 2])
    assert accuracy(y_hat, y).item() == 1
    assert accuracy(torch.tensor([0, 2]), y).item() == 2


def test_evaluate_accuracy_restores_training_mode():
    net = nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.5))
    net.train()
    _, test = loaders()
    acc = evaluate_accuracy(net, test)
    assert 0 <= acc <= 1 and net.training
    net.eval()
    evaluate_accuracy(net, test)
    assert not net.training


def train_blobs(updater_kind="optim", lr=0.5, epochs=5, seed=0):
    d2lutils.seed_everything(seed)
    net = nn.Sequential(nn.Linear(2, 3))
    train, test = loaders()
    if updater_kind == "optim":
        return net, fit(net, train, test, nn.CrossEntropyLoss(),
                        torch.optim.SGD(net.parameters(), lr=lr), epochs, plot=False)
    params = list(net.parameters())
    return net, fit(net, train, test, nn.CrossEntropyLoss(reduction="none"),
                    lambda n: sgd(params, lr, n), epochs, plot=False)


def test_fit_learns_and_reports(capsys):
    _, h = train_blobs()
    assert h.status == "finished" and len(h) == 5
    assert h.train_loss[-1] < h.train_loss[0] and h.test_acc[-1] > 0.95
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith("loss ") and "train acc" in line and "examples/sec on cpu" in line


def test_scratch_updater_equals_torch_optimizer():
    """Per-example losses + sgd(..., n) is the same update as mean loss + optim.SGD."""
    net_a, a = train_blobs("optim")
    net_b, b = train_blobs("scratch")
    for p, q in zip(net_a.parameters(), net_b.parameters()):
        torch.testing.assert_close(p, q)
    assert a.train_loss == pytest.approx(b.train_loss)


def test_fit_is_deterministic():
    _, a = train_blobs(seed=1)
    _, b = train_blobs(seed=1)
    assert a.train_loss == b.train_loss and a.test_acc == b.test_acc


def test_fit_regression_has_no_accuracy():
    d2lutils.seed_everything(0)
    X, y = d2lutils.synthetic_regression([2, -3.4], 4.2, 200)
    it = TensorLoader(X, y, 20, device="cpu")
    net = nn.Linear(2, 1)
    h = fit(net, it, None, nn.MSELoss(), torch.optim.SGD(net.parameters(), lr=0.1), 10,
            plot=False)
    assert h.train_acc == [None] * 10 and h.test_acc == [None] * 10
    assert h.train_loss[-1] < 0.01


def test_divergence_stops_and_keeps_history(capsys):
    d2lutils.seed_everything(0)
    X, y = d2lutils.synthetic_regression([2, -3.4], 4.2, 200)
    it = TensorLoader(X, y, 20, device="cpu")
    net = nn.Linear(2, 1)
    opt = torch.optim.SGD(net.parameters(), lr=0.03)
    epochs_seen = []

    def on_epoch(h):
        epochs_seen.append(len(h))
        if len(h) == 2:  # after two good epochs, crank the learning rate up
            opt.param_groups[0]["lr"] = 50.0

    h = fit(net, it, None, nn.MSELoss(), opt, 10, plot=False, on_epoch=on_epoch)
    assert h.status == "diverged" and 2 <= len(h) < 10 and epochs_seen == list(range(1, len(h) + 1))
    assert f"epoch {len(h) + 1}, step" in h.message and "learning rate 50" in h.message
    assert all(math.isfinite(v) for v in h.train_loss)
    assert "diverged" in capsys.readouterr().out


def test_interrupt_keeps_history():
    net, train_test = nn.Linear(2, 3), loaders()

    def on_epoch(h):
        if len(h) == 2:
            raise KeyboardInterrupt

    h = fit(net, *train_test, nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=0.1),
            5, plot=False, on_epoch=on_epoch)
    assert h.status == "interrupted" and len(h) == 2


def test_scheduler_steps_each_epoch():
    d2lutils.seed_everything(0)
    net = nn.Linear(2, 3)
    opt = torch.optim.SGD(net.parameters(), lr=1.0)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    fit(net, *loaders(), nn.CrossEntropyLoss(), opt, 3, scheduler=sched, plot=False)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.125)


def test_reduce_lr_on_plateau_gets_the_test_accuracy_or_else_the_training_loss():
    seen = []

    class Plateau(torch.optim.lr_scheduler.ReduceLROnPlateau):
        def step(self, metrics):
            seen.append(metrics)
            super().step(metrics)

    d2lutils.seed_everything(0)
    net = nn.Linear(2, 3)
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    train, test = loaders()
    h = fit(net, train, test, nn.CrossEntropyLoss(), opt, 3, plot=False,
            scheduler=Plateau(opt, mode="max", patience=0))
    assert seen == h.test_acc and len(seen) == 3
    seen.clear()
    h = fit(net, train, None, nn.CrossEntropyLoss(), opt, 3, plot=False,
            scheduler=Plateau(opt, mode="min", patience=0))
    assert seen == h.train_loss and len(seen) == 3


def test_scratch_function_trains_where_the_data_are(monkeypatch):
    """A from-scratch model cannot be moved, so fit must not move the data away from it."""
    import d2lutils.fitting as fitting

    monkeypatch.setattr(fitting, "as_device", lambda d: torch.device(d) if d is not None
                        else torch.device("meta"))  # a try_gpu() that is not the CPU
    W = torch.zeros(2, 3, requires_grad=True)
    h = fit(lambda X: X @ W, *loaders(), nn.CrossEntropyLoss(reduction="none"),
            lambda n: sgd([W], 0.1, n), 2, plot=False)
    assert h.status == "finished" and h.test_acc[-1] > 0.9


def small_cnn():
    return nn.Sequential(nn.Conv2d(1, 4, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 8, kernel_size=3), nn.ReLU(), nn.Flatten(),
                         nn.Linear(8, 3))


def image_loader(seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 3, (256,), generator=g)
    X = torch.rand(256, 1, 6, 6, generator=g) + y.view(-1, 1, 1, 1) * 0.3   # learnable
    return TensorLoader((X * 255 / 2).to(torch.uint8), y, 32, device="cpu", seed=seed)


def manual_epochs(net, loader, lr, num_epochs):
    """The same training, written out in the default (contiguous) memory format."""
    opt, loss = torch.optim.SGD(net.parameters(), lr=lr), nn.CrossEntropyLoss()
    for _ in range(num_epochs):
        for X, y in loader:
            opt.zero_grad()
            loss(net(X), y).backward()
            opt.step()


def conv_inputs_seen(monkeypatch):
    """A list that fills with, for every convolution fit runs on several channels, whether
    its input was channels-last (a single channel is both formats at once)."""
    seen = []

    def forward(self, X):
        if X.shape[1] > 1:
            seen.append(X.is_contiguous(memory_format=torch.channels_last))
        return self._conv_forward(X, self.weight, self.bias)
    monkeypatch.setattr(nn.Conv2d, "forward", forward)
    return seen


def fit_small_cnn(net, **kw):
    return fit(net, image_loader(), None, nn.CrossEntropyLoss(),
               torch.optim.SGD(net.parameters(), lr=0.1), 2, device="cpu", plot=False, **kw)


def test_fit_trains_conv_nets_channels_last_on_cpu_and_gives_them_back_contiguous(monkeypatch):
    seen = conv_inputs_seen(monkeypatch)
    torch.manual_seed(0)
    a = small_cnn()
    fit_small_cnn(a)                              # channels_last=None: where it helps
    assert seen and all(seen)                     # the convolutions saw channels-last data
    assert all(p.is_contiguous() for p in a.parameters())   # and the model came back as usual
    torch.manual_seed(0)
    b = small_cnn()
    manual_epochs(b, image_loader(), 0.1, 2)     # same init, same batches, contiguous
    for pa, pb in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(pa, pb, atol=1e-5, rtol=1e-4)


def test_channels_last_is_a_parameter(monkeypatch):
    seen = conv_inputs_seen(monkeypatch)
    fit_small_cnn(small_cnn(), channels_last=False)
    assert seen and not any(seen)                 # switched off: the usual format throughout
    mine = small_cnn().to(memory_format=torch.channels_last)
    fit_small_cnn(mine)                           # the caller's format is left as it is
    assert mine[3].weight.is_contiguous(memory_format=torch.channels_last)   # (8, 4, 3, 3)
    assert not mine[3].weight.is_contiguous()
    seen.clear()
    fit(nn.Linear(2, 3), *loaders(), nn.CrossEntropyLoss(), torch.optim.SGD(
        nn.Linear(2, 3).parameters(), lr=0.1), 1, device="cpu", plot=False, channels_last=True)
    assert seen == []                             # no convolution: nothing to switch


def test_rerunning_a_seeded_training_cell_repeats_its_numbers():
    """Probe 4 of issue 16: seed_everything(0) and a re-run of the training cell with the
    loaders made earlier gave different numbers (each TensorLoader kept its own generator)."""
    train, test = loaders()

    def cell():
        d2lutils.seed_everything(0)
        net = nn.Linear(2, 3)
        return fit(net, train, test, nn.CrossEntropyLoss(),
                   torch.optim.SGD(net.parameters(), lr=0.5), 3, plot=False)

    first, again = cell(), cell()
    assert first.train_loss == again.train_loss and first.test_acc == again.test_acc


def softmax_regression(lr, epochs=3):
    d2lutils.seed_everything(0)
    train, test = d2lutils.load_fashion_mnist(256, device="cpu", subset=(2000, 500))
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    return fit(net, train, test, nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=lr),
               epochs, plot=False)


def test_a_finite_explosion_is_flagged_as_diverged(fashion_files, capsys):
    """Probe 8: softmax regression at lr = 1e6 'finished' with a loss near 1e7 and no word."""
    h = softmax_regression(1e6)
    assert h.status == "diverged" and len(h) == 3           # trained on: the weights are finite
    assert all(math.isfinite(v) and v > 1e5 for v in h.train_loss)
    assert h.message.startswith("Training diverged in epoch 1: its loss ")
    assert "times the first batch's" in h.message and "learning rate 1e+06" in h.message
    assert "try a tenth of it" in h.message
    assert h.summary().startswith("diverged: loss ")
    out = capsys.readouterr().out.splitlines()
    assert out[-2:] == [h.message, h.summary()]


def test_the_books_large_but_sound_learning_rates_are_not_flagged(fashion_files):
    """Section 4.5 trains softmax regression at lr = 10 to show a loss that stays large
    (about 20x the first batch's, up to 64x in its widget's range): not a divergence."""
    h = softmax_regression(10.0)
    assert h.status == "finished" and h.message == "" and not h.summary().startswith("diverged")


def test_a_run_that_explodes_and_comes_back_stays_diverged():
    """Linear regression with batch size 1 at lr 0.3 (section 3.4, exercise 4) blows up and
    then falls back by orders of magnitude: still a diverged run, and every epoch is kept."""
    d2lutils.seed_everything(0)
    X, y = d2lutils.synthetic_regression([2, -3.4], 4.2, 1000)
    net = nn.Linear(2, 1)
    nn.init.normal_(net.weight, std=0.01)
    nn.init.zeros_(net.bias)
    h = fit(net, d2lutils.load_array((X, y), 1), None, nn.MSELoss(),
            torch.optim.SGD(net.parameters(), lr=0.3), 5, plot=False)
    assert h.status == "diverged" and len(h) == 5
    assert max(h.train_loss) > 1e6 and h.train_loss[-1] < max(h.train_loss) / 1e3


def test_train_batches_is_the_hand_written_loop_without_a_sync_per_step(monkeypatch):
    X, y = blobs(120)
    batches = [(X[i:i + 20], y[i:i + 20]) for i in range(0, 120, 20)]
    torch.manual_seed(0)
    a = nn.Linear(2, 3)
    torch.manual_seed(0)
    b = nn.Linear(2, 3)
    expected = []
    opt = torch.optim.SGD(b.parameters(), lr=0.5)
    for Xb, yb in batches:                       # the loop chapters 3 to 10 write by hand
        l = nn.functional.cross_entropy(b(Xb), yb)
        opt.zero_grad()
        l.backward()
        opt.step()
        expected.append(l.item())
    monkeypatch.setattr(torch.Tensor, "item", lambda self: pytest.fail("a sync per step"))
    losses = d2lutils.train_batches(a, nn.functional.cross_entropy,
                                    torch.optim.SGD(a.parameters(), lr=0.5), iter(batches))
    assert losses == expected and len(losses) == 6
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert d2lutils.train_batches(a, nn.functional.cross_entropy, opt, []) == []


def test_train_batches_runs_epochs_over_a_loader():
    train, _ = loaders()
    torch.manual_seed(0)
    a, b = nn.Linear(2, 3), nn.Linear(2, 3)
    b.load_state_dict(a.state_dict())
    d2lutils.seed_everything(0)
    three = d2lutils.train_batches(a, nn.functional.cross_entropy,
                                   torch.optim.SGD(a.parameters(), lr=0.5), train, num_epochs=3)
    d2lutils.seed_everything(0)
    opt = torch.optim.SGD(b.parameters(), lr=0.5)
    one_by_one = [loss for _ in range(3)
                  for loss in d2lutils.train_batches(b, nn.functional.cross_entropy, opt, train)]
    assert three == one_by_one and len(three) == 3 * len(train)
    with pytest.raises(ValueError, match="num_epochs must be a whole number >= 1"):
        d2lutils.train_batches(a, nn.functional.cross_entropy, opt, train, num_epochs=0)


def test_history_carries_mean_speed_and_a_record_that_fit_logs(tmp_path, monkeypatch):
    log = tmp_path / "runs.jsonl"
    monkeypatch.setenv("D2L_HISTORY_LOG", str(log))
    _, a = train_blobs(epochs=2)
    _, b = train_blobs(lr=1e9, epochs=2)          # diverges
    assert a.mean_examples_per_sec == pytest.approx(sum(a.examples_per_sec) / 2)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert records == [a.record(), b.record()]
    assert records[0] == {"status": "finished", "epochs": 2, "train_loss": a.train_loss[-1],
                          "train_acc": a.train_acc[-1], "test_acc": a.test_acc[-1],
                          "examples_per_sec": a.mean_examples_per_sec, "device": "cpu",
                          "message": "", "summary": a.summary(), "diverged_in": None}
    assert records[1]["status"] == "diverged" and records[1]["message"] == b.message
    assert records[1]["diverged_in"] == 1 == b.diverged_in   # lr 1e9: called diverged in epoch 1
    assert History("cpu").mean_examples_per_sec is None
    assert History("cpu").record()["train_loss"] is None


def test_fit_draws_its_live_plot_in_a_notebook_and_keeps_the_last_frame(monkeypatch):
    """plot=True, the default, headless: a fake notebook display shows one figure, redrawn
    in place, whose last frame holds every epoch."""
    import IPython.display
    import matplotlib

    from d2lutils import plotting

    matplotlib.use("Agg")
    calls = []

    class Handle:
        def update(self, fig):
            calls.append(("update", fig))

    monkeypatch.setattr(plotting, "_in_notebook", lambda: True)
    monkeypatch.setattr(IPython.display, "display",
                        lambda fig, display_id=False: calls.append(("display", fig)) or Handle())
    d2lutils.seed_everything(0)
    net = nn.Linear(2, 3)
    h = fit(net, *loaders(), nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=0.5),
            3, points_per_epoch=2)
    assert [c[0] for c in calls[:1]] == ["display"] and len(calls) >= 2
    assert {"update"} == {c[0] for c in calls[1:]}
    fig = calls[-1][1]
    assert len({id(c[1]) for c in calls}) == 1                 # one figure, redrawn in place
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "train loss", "train acc", "test acc"]
    loss_line, acc_line, test_line = ax.lines
    assert loss_line.get_xdata()[-1] == 3 and list(test_line.get_xdata()) == [1, 2, 3]
    assert list(test_line.get_ydata()) == h.test_acc
    assert list(loss_line.get_xdata()[:2]) == [0.5, 1.0]       # points within the first epoch
    assert ax.get_xlabel() == "epoch" and ax.get_xlim() == (0, 3)

