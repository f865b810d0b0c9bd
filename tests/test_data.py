"""Iterators and synthetic data."""
import pytest
import torch
import torch.nn.functional as F

import d2lutils
from d2lutils import TensorLoader, load_array, load_fashion_mnist, synthetic_regression, text_labels


def small_loader(**kw):
    images = torch.arange(10 * 4 * 4, dtype=torch.uint8).reshape(10, 4, 4)
    labels = torch.arange(10)
    return TensorLoader(images, labels, **{"batch_size": 4, **kw})


def test_len_and_batches_cover_every_example_once():
    loader = small_loader()
    assert len(loader) == 3
    batches = list(loader)
    assert [len(y) for _, y in batches] == [4, 4, 2]
    seen = torch.cat([y for _, y in batches])
    assert sorted(seen.tolist()) == list(range(10))
    X, y = batches[0]
    assert X.shape == (4, 1, 4, 4) and X.dtype == torch.float32 and y.dtype == torch.int64
    # each image still matches its label after shuffling, scaled to [0, 1]
    images = torch.arange(10 * 16, dtype=torch.uint8).reshape(10, 1, 4, 4).float() / 255
    assert torch.equal(X, images[y])
    assert len(small_loader(drop_last=True)) == 2


def test_two_epochs_differ_and_same_seed_repeats():
    a, b = small_loader(seed=3), small_loader(seed=3)
    e1 = torch.cat([y for _, y in a])
    e2 = torch.cat([y for _, y in a])
    assert not torch.equal(e1, e2)
    assert torch.equal(e1, torch.cat([y for _, y in b]))
    fixed = small_loader(shuffle=False)
    assert torch.cat([y for _, y in fixed]).tolist() == list(range(10))


def test_resize_matches_interpolate():
    X, y = next(iter(small_loader(resize=8, shuffle=False)))
    assert X.shape == (4, 1, 8, 8)
    raw = torch.arange(4 * 16, dtype=torch.uint8).reshape(4, 1, 4, 4).float() / 255
    expected = F.interpolate(raw, size=(8, 8), mode="bilinear", align_corners=False)
    torch.testing.assert_close(X, expected)


def test_mismatched_lengths():
    with pytest.raises(ValueError, match=r"len\(labels\) must be len\(images\), 3, got 2"):
        TensorLoader(torch.zeros(3, 2, 2), torch.zeros(2), 1)


def test_load_array_is_the_standard_pipeline():
    X, y = torch.randn(10, 2), torch.randn(10, 1)
    it = load_array((X, y), 4, shuffle=False)
    assert isinstance(it, torch.utils.data.DataLoader) and len(it) == 3
    assert torch.equal(next(iter(it))[0], X[:4])
    with pytest.raises(ValueError):
        load_array((X, y), 0)


def test_synthetic_regression_follows_the_model():
    d2lutils.seed_everything(0)
    X, y = synthetic_regression([2, -3.4], 4.2, 1000, noise=0.0)
    assert X.shape == (1000, 2) and y.shape == (1000, 1)
    torch.testing.assert_close(y[:, 0], X @ torch.tensor([2, -3.4]) + 4.2)
    with pytest.raises(ValueError):
        synthetic_regression([1.0], 0, 0)


def test_text_labels():
    assert text_labels([0, 9]) == ["t-shirt", "ankle boot"]
    assert text_labels(torch.tensor([1])) == ["trouser"]
    assert text_labels(7) == ["sneaker"]


def test_load_fashion_mnist_subset_and_resize(fashion_files):
    train, test = load_fashion_mnist(100, resize=32, device="cpu", subset=(1000, 300))
    assert len(train) == 10 and len(test) == 3
    X, y = next(iter(train))
    assert X.shape == (100, 1, 32, 32) and 0 <= X.min() and X.max() <= 1
    full_train, full_test = load_fashion_mnist(256, device="cpu")
    assert len(full_train) == 235 and len(full_test) == 40
    with pytest.raises(ValueError, match="subset"):
        load_fashion_mnist(10, subset=0)
    with pytest.raises(ValueError, match="batch_size"):
        load_fashion_mnist(0)


def test_regression_targets_stay_float():
    loader = TensorLoader(torch.randn(6, 2), torch.tensor([[0.5]] * 6), 3, device="cpu")
    _, y = next(iter(loader))
    assert y.dtype == torch.float32 and torch.all(y == 0.5)


def epoch_order(loader):
    return torch.cat([y for _, y in loader]).tolist()


def test_seeding_rewinds_every_existing_loader():
    """Probe 4 of issue 16: re-running a seeded cell with a loader made earlier must replay
    the same batches, epoch after epoch, for every loader whatever its own seed."""
    d2lutils.seed_everything(0)
    a, b = small_loader(), small_loader(seed=7)
    first = [epoch_order(a), epoch_order(a), epoch_order(b)]
    assert first[0] != first[1]                      # still a fresh order every epoch
    d2lutils.seed_everything(0)
    assert [epoch_order(a), epoch_order(a), epoch_order(b)] == first
    d2lutils.seed_everything(1)                      # any seeding rewinds; the order is
    assert epoch_order(a) == first[0]                # the loader's own seed's
    assert epoch_order(small_loader()) == first[0]   # the same as a new loader's


def test_resize_must_be_whole():
    """Probe 3: resize=2.5 raised "TypeError: 'float' object is not iterable"."""
    with pytest.raises(ValueError, match=r"resize must be a whole number >= 1 or a pair "
                                         r"\(height, width\) of them, got 2\.5; use e\.g\. resize=96"):
        small_loader(resize=2.5)


def test_booleans_are_keyword_only():
    with pytest.raises(TypeError):
        TensorLoader(torch.zeros(4, 2, 2), torch.zeros(4), 2, False)
    with pytest.raises(TypeError):
        load_array((torch.zeros(4, 2), torch.zeros(4)), 2, False)
    assert small_loader(shuffle=False).shuffle is False
    net = torch.nn.Linear(2, 1)
    with pytest.raises(TypeError):   # fit's options too: device, scheduler, plot, ...
        d2lutils.fit(net, [], None, torch.nn.MSELoss(), torch.optim.SGD(net.parameters(), lr=0.1),
                     1, "cpu", None, False)


def test_num_examples_is_public():
    assert small_loader().num_examples == 10 and small_loader(drop_last=True).num_examples == 10


def test_tensors_are_the_examples_the_loaders_serve(fashion_files):
    (X, y), (X_test, y_test) = d2lutils.load_fashion_mnist_tensors(subset=(500, 200), device="cpu", seed=3)
    assert X.shape == (500, 1, 28, 28) and X.dtype == torch.uint8 and y.dtype == torch.int64
    assert X_test.shape == (200, 1, 28, 28) and y_test.shape == (200,)
    train, test = load_fashion_mnist(100, subset=(500, 200), device="cpu", seed=3)
    assert torch.equal(train.images, X) and torch.equal(train.labels, y)   # in the same order
    served = [(Xb, yb) for Xb, yb in test]                       # not shuffled: in order
    assert torch.equal(torch.cat([b[0] for b in served]), X_test.float() / 255)
    assert torch.equal(torch.cat([b[1] for b in served]), y_test)
    batch_X, batch_y = next(iter(train))                         # shuffled: the same pairs
    match = (X.float().div(255).reshape(1, 500, -1) ==
             batch_X.reshape(100, 1, -1)).all(dim=-1)               # (100, 500)
    assert torch.equal(y[match.float().argmax(dim=1)], batch_y) and match.any(dim=1).all()
    (X_all, y_all), _ = d2lutils.load_fashion_mnist_tensors(device="cpu")
    assert X_all.shape == (60000, 1, 28, 28) and torch.bincount(y_all).tolist() == [6000] * 10


def test_random_flip_mirrors_about_half_of_a_batch():
    X = torch.arange(2 * 6 * 4 * 5, dtype=torch.float32).reshape(12, 1, 4, 5)
    torch.manual_seed(0)
    Y = d2lutils.random_flip(X)
    flipped = [torch.equal(Y[i], X[i].flip(-1)) for i in range(12)]
    kept = [torch.equal(Y[i], X[i]) for i in range(12)]
    assert all(f != k for f, k in zip(flipped, kept)) and 0 < sum(flipped) < 12
    torch.manual_seed(0)
    expected = torch.rand(12) < 0.5                  # section 6.5's and appendix A.1's draw
    assert flipped == expected.tolist()


def test_labels_live_beside_the_files():
    assert d2lutils.fashion_mnist.LABELS[9] == "ankle boot" and len(d2lutils.fashion_mnist.LABELS) == 10
    assert d2lutils.text_labels is d2lutils.fashion_mnist.text_labels
    assert text_labels(torch.tensor([[3], [8]])) == ["dress", "bag"]
