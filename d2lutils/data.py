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

from . import fashion_mnist
from .device import as_device

LABELS = ("t-shirt", "trouser", "pullover", "dress", "coat",
          "sandal", "shirt", "sneaker", "bag", "ankle boot")


def check_batch_size(batch_size):
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number >= 1, got {batch_size!r}")
    return int(batch_size)


def synthetic_regression(w, b, num_examples, noise=0.01):
    """X ~ N(0, 1) of shape (n, len(w)) and y = Xw + b + noise * N(0, 1) of shape (n, 1)."""
    w = torch.as_tensor(w, dtype=torch.float32).reshape(-1)
    if num_examples < 1 or noise < 0:
        raise ValueError("num_examples must be >= 1 and noise >= 0")
    X = torch.randn(num_examples, len(w))
    y = X @ w + b + noise * torch.randn(num_examples)
    return X, y.reshape(-1, 1)


def load_array(tensors, batch_size, shuffle=True):
    """PyTorch's standard pipeline: a DataLoader over a TensorDataset of `tensors`."""
    return DataLoader(TensorDataset(*tensors), check_batch_size(batch_size), shuffle=shuffle)


def text_labels(ids):
    """Fashion-MNIST class names for integer labels (a list, tensor or single int)."""
    if isinstance(ids, torch.Tensor):
        ids = ids.reshape(-1).tolist()
    elif isinstance(ids, numbers.Integral):
        ids = [ids]
    return [LABELS[int(i)] for i in ids]


def _check_resize(resize):
    if resize is None:
        return None
    size = (resize, resize) if isinstance(resize, numbers.Integral) else tuple(resize)
    if len(size) != 2 or any(isinstance(s, bool) or not isinstance(s, numbers.Integral)
                             or s < 1 for s in size):
        raise ValueError(f"resize must be an int >= 1 or a pair (h, w) of them, got {resize!r}")
    return size


class TensorLoader:
    """Shuffled minibatches from a dataset held whole in memory, on the device.

    Images stay uint8 (1 byte a pixel) until a batch is taken: each batch is gathered,
    scaled to [0, 1] floats and resized on the device, so there are no per-example
    Python calls and, on a GPU, no host-to-device copies. `len()` is the number of
    batches; every `for` loop over it is one epoch with a fresh seeded permutation.
    """

    def __init__(self, images, labels, batch_size, shuffle=True, resize=None, device=None,
                 seed=0, drop_last=False):
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        self.device = as_device(device)
        self.batch_size = check_batch_size(batch_size)
        self.resize = _check_resize(resize)
        self.shuffle, self.drop_last = shuffle, drop_last
        images = torch.as_tensor(images)
        if images.dim() == 3:
            images = images.unsqueeze(1)  # (n, h, w) -> (n, 1, h, w)
        self.images = images.to(self.device)
        labels = torch.as_tensor(labels)
        if not labels.is_floating_point():  # class indices; regression targets stay float
            labels = labels.long()
        self.labels = labels.to(self.device)
        self.generator = torch.Generator(device="cpu").manual_seed(seed)

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
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or not 1 <= n <= len(labels):
        raise ValueError(f"subset sizes must be whole numbers in [1, {len(labels)}], got {n!r}")
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
    n_train, n_test = subset if isinstance(subset, (tuple, list)) else (subset, None)
    (Xtr, ytr), (Xte, yte) = _arrays(str(data_dir) if data_dir else None)
    Xtr, ytr = _subset(torch.from_numpy(Xtr.copy()), torch.from_numpy(ytr.copy()), n_train, seed)
    Xte, yte = _subset(torch.from_numpy(Xte.copy()), torch.from_numpy(yte.copy()), n_test, seed)
    train = TensorLoader(Xtr, ytr, batch_size, True, resize, device, seed)
    test = TensorLoader(Xte, yte, batch_size, False, resize, device, seed)
    return train, test
