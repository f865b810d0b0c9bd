"""Data: synthetic regression data, minibatch iterators and Fashion-MNIST.

`synthetic_regression` and `load_array` are built in chapter 3 (linear regression);
`load_fashion_mnist`, `text_labels` and `TensorLoader` in chapter 4 (Fashion-MNIST).
"""
import functools
import math
import numbers

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from . import checks, fashion_mnist
from . import seed as seeding
from .device import as_device

LABELS = ("t-shirt", "trouser", "pullover", "dress", "coat",
          "sandal", "shirt", "sneaker", "bag", "ankle boot")
RESIZE = "a whole number >= 1 or a pair (height, width) of them"
SUBSET = "a whole number >= 1, or a pair (n_train, n_test) of them or None"


def check_batch_size(batch_size):
    return checks.whole("batch_size", batch_size, 256)


def _check_resize(resize):
    size = checks.size("resize", resize, 96, RESIZE)
    return (size, size) if isinstance(size, int) else size


def synthetic_regression(w, b, num_examples, noise=0.01):
    """X ~ N(0, 1) of shape (n, len(w)) and y = Xw + b + noise * N(0, 1) of shape (n, 1)."""
    w = torch.as_tensor(w, dtype=torch.float32).reshape(-1)
    num_examples = checks.whole("num_examples", num_examples, 1000)
    noise = checks.number("noise", noise, 0.01, strict=False)
    X = torch.randn(num_examples, len(w))
    y = X @ w + b + noise * torch.randn(num_examples)
    return X, y.reshape(-1, 1)


def load_array(tensors, batch_size, shuffle=True):
    """PyTorch's standard pipeline: a DataLoader over a TensorDataset of `tensors`.

    Its shuffling draws on PyTorch's global generator, so seed_everything() repeats it.
    """
    fix = "use e.g. load_array((features, labels), batch_size)"
    if not isinstance(tensors, (tuple, list)) or not tensors or \
            not all(isinstance(t, torch.Tensor) for t in tensors):
        checks.fail("tensors", tensors, "a tuple of tensors", fix, TypeError)
    if len({len(t) for t in tensors}) > 1:
        checks.fail("the lengths of tensors", [len(t) for t in tensors], "equal", fix)
    return DataLoader(TensorDataset(*tensors), check_batch_size(batch_size),
                      shuffle=checks.flag("shuffle", shuffle))


def text_labels(ids):
    """Fashion-MNIST class names for integer labels (a list, tensor or single int)."""
    if isinstance(ids, torch.Tensor):
        ids = ids.reshape(-1).tolist()
    elif isinstance(ids, numbers.Integral):
        ids = [ids]
    return [LABELS[int(i)] for i in ids]


class TensorLoader:
    """Shuffled minibatches from a dataset held whole in memory, on the device.

    Images stay uint8 (1 byte a pixel) until a batch is taken: each batch is gathered,
    scaled to [0, 1] floats and resized on the device, so there are no per-example
    Python calls and, on a GPU, no host-to-device copies. `len()` is the number of
    batches; every `for` loop over it is one epoch, in a fresh order drawn from the
    loader's own generator, seeded with `seed`.

    Re-running a seeded cell repeats its numbers: `seed_everything()` rewinds every
    TensorLoader, however old, to its first epoch. The order depends on the loader's
    `seed`, not on the number given to seed_everything.
    """

    def __init__(self, images, labels, batch_size, shuffle=True, resize=None, device=None,
                 seed=0, drop_last=False):
        if len(images) != len(labels):
            checks.fail("len(labels)", len(labels), f"len(images), {len(images)}",
                        "pass one label per image")
        self.device = as_device(device)
        self.batch_size = check_batch_size(batch_size)
        self.resize = _check_resize(resize)
        self.shuffle = checks.flag("shuffle", shuffle)
        self.drop_last = checks.flag("drop_last", drop_last)
        self.seed = checks.whole("seed", seed, 0, low=0, high=2**64)
        images = torch.as_tensor(images)
        if images.dim() == 3:
            images = images.unsqueeze(1)  # (n, h, w) -> (n, 1, h, w)
        self.images = images.to(self.device)
        labels = torch.as_tensor(labels)
        if not labels.is_floating_point():  # class indices; regression targets stay float
            labels = labels.long()
        self.labels = labels.to(self.device)
        self._rewind()

    def _rewind(self):
        self.generator = torch.Generator(device="cpu").manual_seed(self.seed)
        self._seeded = seeding.times_seeded

    def __len__(self):
        n = len(self.labels)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _batch(self, idx):
        X = self.images[idx]
        X = X.float().div_(255) if X.dtype == torch.uint8 else X.float()
        if self.resize is not None and tuple(X.shape[-2:]) != self.resize:
            X = F.interpolate(X, size=self.resize, mode="bilinear", align_corners=False)
        return X, self.labels[idx]

    def __iter__(self):
        if self._seeded != seeding.times_seeded:  # seed_everything ran since: start over
            self._rewind()
        n = len(self.labels)
        if self.shuffle:  # drawn on the CPU so every device gives the same order
            order = torch.randperm(n, generator=self.generator).to(self.device)
        else:
            order = torch.arange(n, device=self.device)
        for i in range(len(self)):
            yield self._batch(order[i * self.batch_size:(i + 1) * self.batch_size])


@functools.lru_cache(maxsize=4)
def _arrays(data_dir):
    return fashion_mnist.load_arrays(data_dir)


def _subset(images, labels, n, seed):
    if n is None:
        return images, labels
    if n > len(labels):
        checks.fail("subset", n, f"at most {len(labels)}, the number of images there",
                    (10000, 2000))
    idx = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))[:n]
    return images[idx], labels[idx]


def load_fashion_mnist(batch_size, resize=None, device=None, data_dir=None, subset=None,
                       seed=0):
    """(train_iter, test_iter) over Fashion-MNIST, as TensorLoaders on `device`.

    resize: an int or (h, w) to resize every image on the device (e.g. 96 for ResNet).
    subset: n or (n_train, n_test) to use a seeded random part of the data (quick budget).
    device: where the data lives; None means `try_gpu()`.
    data_dir: a folder with the four *-ubyte.gz files (else D2L_DATA_DIR, the cache,
    Debian's dataset-fashion-mnist, then a download).
    """
    batch_size = check_batch_size(batch_size)
    _check_resize(resize)
    device = as_device(device)
    subset = checks.size("subset", subset, (10000, 2000), SUBSET, none_in_pair=True)
    seed = checks.whole("seed", seed, 0, low=0, high=2**64)
    n_train, n_test = subset if isinstance(subset, tuple) else (subset, None)
    (Xtr, ytr), (Xte, yte) = _arrays(checks.folder("data_dir", data_dir))
    Xtr, ytr = _subset(torch.from_numpy(Xtr.copy()), torch.from_numpy(ytr.copy()), n_train, seed)
    Xte, yte = _subset(torch.from_numpy(Xte.copy()), torch.from_numpy(yte.copy()), n_test, seed)
    train = TensorLoader(Xtr, ytr, batch_size, True, resize, device, seed)
    test = TensorLoader(Xte, yte, batch_size, False, resize, device, seed)
    return train, test
