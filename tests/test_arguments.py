"""Every public argument: what PyTorch accepts is accepted (NumPy scalars, 0-d tensors), the
rest is refused with a ValueError or TypeError naming the argument, the value and a fix."""
import math

import matplotlib
import numpy as np
import pytest
import torch
from torch import nn

import d2lutils
from d2lutils import widgets

matplotlib.use("Agg")

X2, Y3 = torch.randn(40, 2), torch.randint(0, 3, (40,))


def call_fit(lr=0.1, **kw):
    d2lutils.seed_everything(0)
    net = nn.Linear(2, 3)
    args = dict(net=net, train_iter=d2lutils.TensorLoader(X2, Y3, 10, device="cpu"),
                test_iter=None, loss=nn.CrossEntropyLoss(),
                updater=torch.optim.SGD(net.parameters(), lr=0.1), num_epochs=2, plot=False)
    args.update(kw)
    if "updater" not in kw:
        args["updater"].param_groups[0]["lr"] = lr     # what the optimiser was given
    return args["net"], fit_history(args)


def fit_history(args):
    h = d2lutils.fit(**args)
    return h.train_loss


def call_sgd(**kw):
    w = torch.tensor([1.0, -2.0], requires_grad=True)
    (w ** 2).sum().backward()
    d2lutils.sgd(**{"params": [w], "lr": 0.1, "batch_size": 4, **kw})
    return w.tolist()


def call_loader(**kw):
    loader = d2lutils.TensorLoader(**{"images": torch.zeros(10, 4, 4, dtype=torch.uint8),
                                      "labels": torch.arange(10), "batch_size": 4,
                                      "device": "cpu", **kw})
    return [(tuple(X.shape), y.tolist()) for X, y in loader]


def call_load_array(**kw):
    d2lutils.seed_everything(0)
    it = d2lutils.load_array(**{"tensors": (X2, Y3), "batch_size": 8, **kw})
    return [y.tolist() for _, y in it]


def call_load_fashion_mnist(**kw):
    train, test = d2lutils.load_fashion_mnist(**{"batch_size": 100, "device": "cpu",
                                                 "subset": (300, 100), **kw})
    X, y = next(iter(train))
    return len(train), len(test), tuple(X.shape), y.tolist()


def call_tensors(**kw):
    (X, y), (X_test, _) = d2lutils.load_fashion_mnist_tensors(**{"subset": (300, 100),
                                                                 "device": "cpu", **kw})
    return tuple(X.shape), y[:5].tolist(), len(X_test)


def tiny_train_fn(lr, batch_size, num_epochs, optimizer=None, on_epoch=None):
    d2lutils.seed_everything(0)
    net = nn.Linear(2, 3)
    return d2lutils.fit(net, d2lutils.TensorLoader(X2, Y3, batch_size, device="cpu"), None,
                        nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=lr),
                        num_epochs, plot=False, on_epoch=on_epoch)


def call_sweep(**kw):
    runs = widgets.sweep(**{"train_fn": tiny_train_fn, "lrs": [0.1], "batch_sizes": [10],
                            "num_epochs": 1, **kw})
    matplotlib.pyplot.close("all")
    return [(r["lr"], r["batch_size"], r["history"].train_loss) for r in runs]


def call_explore(**kw):
    pytest.importorskip("ipywidgets")
    box = widgets.explore(**{"train_fn": tiny_train_fn, "num_epochs": 1, "lr": 0.1,
                             "batch_size": 10, "batch_sizes": (10, 20), **kw})
    box.train(None)
    return [run[1] for run in box.runs]


def call_seed(**kw):
    d2lutils.seed_everything(**kw)
    return torch.rand(2).tolist()


CALLS = {"fit": call_fit, "sgd": call_sgd, "TensorLoader": call_loader,
         "load_array": call_load_array, "load_fashion_mnist": call_load_fashion_mnist,
         "load_fashion_mnist_tensors": call_tensors,
         "sweep": call_sweep, "explore": call_explore, "seed_everything": call_seed,
         "try_gpu": lambda **kw: d2lutils.try_gpu(**kw)}

NAN = float("nan")
COUNT = [0, -1, 2.5, 3.0, True, np.bool_(True), NAN, None, "3", [3]]   # never a count >= 1
RATE = [0, 0.0, -0.1, NAN, float("inf"), True, None, "0.1", torch.tensor([0.1, 0.2])]
FLAG = [None, "yes", 2]

REFUSED = (
    [("fit", "num_epochs", v) for v in COUNT]
    + [("fit", "lr", v) for v in RATE]
    + [("fit", "points_per_epoch", v) for v in (0, 1.5, True, None)]
    + [("fit", "plot", v) for v in FLAG]
    + [("fit", "channels_last", v) for v in ("yes", 2)]
    + [("fit", arg, v) for arg in ("net", "loss", "updater") for v in (None, 3)]
    + [("fit", "train_iter", None), ("fit", "test_iter", 3), ("fit", "on_epoch", "print"),
       ("fit", "scheduler", "cosine"), ("fit", "device", "tpu"), ("fit", "device", 2.5)]
    + [("sgd", "lr", v) for v in RATE]
    + [("sgd", "batch_size", v) for v in COUNT]
    + [("sgd", "params", v) for v in (torch.zeros(2, requires_grad=True), None, 3)]
    + [("TensorLoader", "batch_size", v) for v in COUNT]
    + [("TensorLoader", "resize", v) for v in (2.5, 0, -3, True, (8,), (8, 8, 8), (8, 2.5), "8")]
    + [("TensorLoader", "seed", v) for v in (-1, 2**64, 1.5, True, None, "0")]
    + [("TensorLoader", arg, v) for arg in ("shuffle", "drop_last") for v in FLAG]
    + [("TensorLoader", "device", "tpu")]
    + [("load_array", "batch_size", v) for v in COUNT]
    + [("load_array", "shuffle", v) for v in FLAG]
    + [("load_array", "tensors", v) for v in (X2, None)]
    + [("load_fashion_mnist", "batch_size", v) for v in COUNT]
    + [("load_fashion_mnist", "resize", v) for v in (2.5, 0, True, (28,), "28")]
    + [("load_fashion_mnist", "subset", v) for v in (0, 2.5, True, (300, 100, 5), (300, 1.5),
                                                     "300")]
    + [("load_fashion_mnist", "seed", v) for v in (-1, 0.5, None)]
    + [("load_fashion_mnist", "data_dir", v) for v in (3, "")]
    + [("load_fashion_mnist", "device", "tpu")]
    + [("load_fashion_mnist_tensors", "subset", v) for v in (0, 2.5, (300, 100, 5), "300")]
    + [("load_fashion_mnist_tensors", arg, v) for arg, v in (("seed", -1), ("device", "tpu"),
                                                               ("data_dir", 3))]
    + [("sweep", "lrs", v) for v in (0.1, [], [0.1, -1.0], [NAN], "0.1", None)]
    + [("sweep", "batch_sizes", v) for v in (10, [], [0], [2.5], None)]
    + [("sweep", "num_epochs", v) for v in COUNT]
    + [("sweep", "train_fn", None)]
    + [("explore", "num_epochs", v) for v in COUNT]
    + [("explore", "lr", v) for v in RATE + [100.0]]               # 100 is outside lr_range
    + [("explore", "lr_range", v) for v in ((10.0, 1.0), (0.0, 1.0), (1e-3,), 0.1, None)]
    + [("explore", "batch_size", v) for v in (30, 2.5, True, None)]  # 30 is not offered
    + [("explore", "batch_sizes", v) for v in ((), (10, 0), 10, None)]
    + [("explore", "optimizers", v) for v in ("Adam", [], 3)]
    + [("explore", "train_fn", None)]
    + [("seed_everything", "seed", v) for v in (-1, 2**32, 1.5, True, None, "0")]
    + [("try_gpu", "i", v) for v in (-1, 1.5, True, None, "0")]
)


def shown(value):
    """How a message shows the value: its repr, or its shape for a tensor of several values."""
    if isinstance(value, torch.Tensor) and value.numel() > 1:
        return f"a tensor of shape {tuple(value.shape)}"
    return repr(value)


@pytest.mark.parametrize("func, arg, value", REFUSED,
                         ids=[f"{f}-{a}={shown(v)[:20]}" for f, a, v in REFUSED])
def test_refused_with_a_message_naming_argument_value_and_fix(func, arg, value):
    if func == "explore":
        pytest.importorskip("ipywidgets")
    with pytest.raises((ValueError, TypeError)) as info:
        CALLS[func](**{arg: value})
    msg = str(info.value)
    assert f"{arg} must be" in msg or f"{arg}[" in msg, msg
    assert shown(value) in msg or shown(value) in msg.replace("np.", "numpy."), msg
    assert "; use " in msg or "; pass " in msg, msg             # the fix


ACCEPTED = [  # (function, argument, value, the plain Python value it stands for)
    ("fit", "lr", np.float32(0.03), None), ("fit", "lr", np.int64(1), None),
    ("fit", "lr", torch.tensor(0.03), None), ("fit", "lr", 1, None),
    ("fit", "num_epochs", np.int64(2), None), ("fit", "num_epochs", torch.tensor(2), None),
    ("fit", "points_per_epoch", np.int32(2), None), ("fit", "plot", np.bool_(False), None),
    ("fit", "channels_last", np.bool_(True), None),
    ("sgd", "lr", np.float32(0.03), None), ("sgd", "lr", np.int64(1), None),
    ("sgd", "lr", torch.tensor(0.03), None), ("sgd", "lr", np.float64(0.5), None),
    ("sgd", "batch_size", np.int64(4), None), ("sgd", "batch_size", torch.tensor(4), None),
    ("TensorLoader", "batch_size", np.int64(3), None),
    ("TensorLoader", "resize", np.int64(8), None),
    ("TensorLoader", "resize", (np.int64(8), torch.tensor(6)), (8, 6)),
    ("TensorLoader", "resize", torch.Size([6, 8]), (6, 8)),
    ("TensorLoader", "seed", np.uint32(5), None), ("TensorLoader", "shuffle", np.bool_(False), None),
    ("load_array", "batch_size", np.int64(8), None),
    ("load_fashion_mnist", "batch_size", np.int64(50), None),
    ("load_fashion_mnist", "subset", (np.int64(200), torch.tensor(50)), (200, 50)),
    ("load_fashion_mnist", "resize", np.int16(14), None),
    ("load_fashion_mnist_tensors", "subset", np.int64(200), None),
    ("sweep", "lrs", [np.float32(0.1), torch.tensor(0.5)], None),
    ("sweep", "lrs", np.array([0.1, 0.5]), None),
    ("sweep", "batch_sizes", [np.int64(10)], [10]),
    ("explore", "lr", np.float32(0.1), None), ("explore", "batch_size", np.int64(20), 20),
    ("seed_everything", "seed", np.int64(3), None), ("seed_everything", "seed", torch.tensor(3), None),
    ("try_gpu", "i", np.int64(0), None),
]


def plain(value):
    if isinstance(value, (list, np.ndarray)):
        return [plain(v) for v in value]
    return value.item() if hasattr(value, "item") else value


@pytest.mark.parametrize("func, arg, value, native", ACCEPTED,
                         ids=[f"{f}-{a}={v!r}"[:40] for f, a, v, _ in ACCEPTED])
def test_what_pytorch_accepts_is_accepted_and_means_the_same(func, arg, value, native, request):
    """Probe 2 of issue 16: np.float32(0.03), np.int64(1) and a 0-d tensor were refused as
    learning rates, with the false message 'must be a finite number > 0'."""
    if func.startswith("load_fashion_mnist"):
        request.getfixturevalue("fashion_files")
    native = plain(value) if native is None else native
    got, expected = CALLS[func](**{arg: value}), CALLS[func](**{arg: native})
    if func == "fit":
        (net_a, got), (net_b, expected) = got, expected
        assert all(torch.equal(p, q) for p, q in zip(net_a.parameters(), net_b.parameters()))
    assert got == expected
    assert got is not None and got != []


def test_learning_rates_from_numpy_and_tensors_train_like_floats():
    """The issue's exact values, through fit and sgd, give the numbers of the same float."""
    for lr in (np.float32(0.03), np.int64(1), torch.tensor(0.03)):
        assert call_sgd(lr=lr) == call_sgd(lr=float(lr))
        assert call_fit(lr=lr)[1] == call_fit(lr=float(lr))[1]
        assert all(math.isfinite(v) for v in call_fit(lr=lr)[1])
