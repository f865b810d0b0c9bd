"""Data: synthetic regression data, minibatch iterators, Fashion-MNIST and augmentation.

`synthetic_regression` and `load_array` are built in chapter 3 (linear regression);
`load_fashion_mnist`, `load_fashion_mnist_tensors` and `TensorLoader` in chapter 4
(Fashion-MNIST); `random_flip` in section 6.5 (augmentation).
"""
import functools
import math

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from . import checks, fashion_mnist
from . import seed as seeding
from .device import as_device


def _loader_options(batch_size, resize):
    """(batch_size, resize as (h, w) or None), checked: the one place that checks them."""
    size = checks.size("resize", resize, 96, "(height, width)")
    return checks.whole("batch_size", batch_size, 256), (size, size) if isinstance(size, int) else size


def synthetic_regression(w, b, num_examples, noise=0.01):
    """X ~ N(0, 1) of shape (n, len(w)) and y = Xw + b + noise * N(0, 1) of shape (n, 1)."""
    w = torch.as_tensor(w, dtype=torch.float32).reshape(-1)
    num_examples = checks.whole("num_examples", num_examples, 1000)
    noise = checks.number("noise", noise, 0.01, strict=False)
    X = torch.randn(num_examples, len(w))
    y = X @ w + b + noise * torch.randn(num_examples)
    return X, y.reshape(-1, 1)


def load_array(tensors, batch_size, *, shuffle=True):
    """PyTorch's standard pipeline: a DataLoader over a TensorDataset of `tensors`.

    Its shuffling draws on PyTorch's global generator, so seed_everything() repeats it.
    """
    fix = "use e.g. load_array((features, labels), batch_size)"
    if not isinstance(tensors, (tuple, list)) or not tensors or \
            not all(isinstance(t, torch.Tensor) for t in tensors):
        checks.fail("tensors", tensors, "a tuple of tensors", fix, TypeError)
    if len({len(t) for t in tensors}) > 1:
        checks.fail("the lengths of tensors", [len(t) for t in tensors], "equal", fix)
    return DataLoader(TensorDataset(*tensors), _loader_options(batch_size, None)[0],
                      shuffle=checks.flag("shuffle", shuffle))


class TensorLoader:
    """Shuffled minibatches from a dataset held whole in memory, on the device.

    Images stay uint8 (1 byte a pixel) until a batch is taken: each batch is gathered,
    scaled to [0, 1] floats and resized on the device, so there are no per-example
    Python calls and, on a GPU, no host-to-device copies. `len()` is the number of
    batches and `num_examples` the number of examples; every `for` loop over it is one
    epoch, in a fresh order drawn from the loader's own generator, seeded with `seed`.
    (`images` and `labels` hold the data as stored; section 4.3 looks at them. To get the
    data itself as tensors, use `load_fashion_mnist_tensors`.)

    Re-running a seeded cell repeats its numbers: `seed_everything()` rewinds every
    TensorLoader, however old, to its first epoch. The order depends on the loader's
    `seed`, not on the number given to seed_everything.
    """

    def __init__(self, images, labels, batch_size, *, shuffle=True, resize=None, device=None,
                 seed=0, drop_last=False):
        if len(images) != len(labels):
            checks.fail("len(labels)", len(labels), f"len(images), {len(images)}",
                        "pass one label per image")
        self.device = as_device(device)
        self.batch_size, self.resize = _loader_options(batch_size, resize)
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

    @property
    def num_examples(self):
        return len(self.labels)

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


def load_fashion_mnist_tensors(subset=None, device=None, data_dir=None, seed=0):
    """((train_images, train_labels), (test_images, test_labels)) of Fashion-MNIST on `device`:
    uint8 images of shape (n, 1, 28, 28) and int64 labels, the very examples, in the same
    order, that `load_fashion_mnist` with the same subset and seed iterates over.

    subset: n or (n_train, n_test) to use a seeded random part of the data (quick budget).
    device: None means `try_gpu()`. data_dir: a folder with the four *-ubyte.gz files (else
    D2L_DATA_DIR, the cache, Debian's dataset-fashion-mnist, then a download).
    """
    device = as_device(device)
    subset = checks.size("subset", subset, (10000, 2000), "(n_train, n_test)", none_in_pair=True)
    seed = checks.whole("seed", seed, 0, low=0, high=2**64)
    n_train, n_test = subset if isinstance(subset, tuple) else (subset, None)
    train, test = _arrays(checks.folder("data_dir", data_dir))

    def split(arrays, n):
        images = torch.from_numpy(arrays[0].copy()).unsqueeze(1)   # (n, 28, 28) -> (n, 1, 28, 28)
        images, labels = _subset(images, torch.from_numpy(arrays[1].copy()).long(), n, seed)
        return images.to(device), labels.to(device)
    return split(train, n_train), split(test, n_test)


def load_fashion_mnist(batch_size, resize=None, device=None, data_dir=None, subset=None,
                       seed=0):
    """(train_iter, test_iter) over Fashion-MNIST, as TensorLoaders on `device`.

    resize: an int or (h, w) to resize every image on the device (e.g. 96 for ResNet).
    subset, device, data_dir, seed: as in `load_fashion_mnist_tensors`.
    """
    _loader_options(batch_size, resize)   # before any data is read: a typo fails at once
    (Xtr, ytr), (Xte, yte) = load_fashion_mnist_tensors(subset, device, data_dir, seed)
    options = dict(resize=resize, device=device, seed=seed)
    return (TensorLoader(Xtr, ytr, batch_size, shuffle=True, **options),
            TensorLoader(Xte, yte, batch_size, shuffle=False, **options))


def random_flip(X):
    """Mirror about half of the images in a (batch, channels, h, w) batch, left to right;
    built in section 6.5 (augmentation)."""
    flip = torch.rand(X.shape[0], device=X.device) < 0.5          # (batch,)
    return torch.where(flip.reshape(-1, 1, 1, 1), X.flip(-1), X)
