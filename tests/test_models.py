"""The models and layers the chapters share, against PyTorch where PyTorch has the reference."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import d2lutils
from d2lutils import Residual, corr2d, deep_mlp, lenet, num_params, shape_table


def layer_shapes(net, X):
    shapes = []
    for layer in net:
        X = layer(X)
        shapes.append((type(layer).__name__, tuple(X.shape)))
    return shapes


def test_lenet_is_section_8_5s_network():
    net = lenet()
    assert layer_shapes(net, torch.rand(2, 1, 28, 28)) == [
        ("Conv2d", (2, 6, 28, 28)), ("Sigmoid", (2, 6, 28, 28)), ("AvgPool2d", (2, 6, 14, 14)),
        ("Conv2d", (2, 16, 10, 10)), ("Sigmoid", (2, 16, 10, 10)), ("AvgPool2d", (2, 16, 5, 5)),
        ("Flatten", (2, 400)), ("Linear", (2, 120)), ("Sigmoid", (2, 120)),
        ("Linear", (2, 84)), ("Sigmoid", (2, 84)), ("Linear", (2, 10))]
    assert num_params(net) == 61_706
    relu = lenet(nn.ReLU, nn.MaxPool2d)
    assert isinstance(relu[1], nn.ReLU) and isinstance(relu[2], nn.MaxPool2d)


def test_lenet_with_batch_norm_is_section_9_2s_and_draws_the_same_weights():
    bn = lenet(batch_norm=True)
    names = [type(m).__name__ for m in bn]
    assert names[:3] == ["Conv2d", "BatchNorm2d", "Sigmoid"]              # BN before sigmoid
    assert names[9:12] == ["Linear", "BatchNorm1d", "Sigmoid"] and len(bn) == 16
    assert num_params(bn) - num_params(lenet()) == 2 * (6 + 16 + 120 + 84) == 452
    torch.manual_seed(0)
    plain = lenet()
    torch.manual_seed(0)
    bn = lenet(batch_norm=True)
    weights = [m.weight for m in bn if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert all(torch.equal(a, b) for a, b in zip(
        [m.weight for m in plain if isinstance(m, (nn.Conv2d, nn.Linear))], weights))


def test_residual_block_against_its_formula():
    torch.manual_seed(0)
    X = torch.randn(4, 8, 6, 6)
    for block, shortcut in [(Residual(8, 8), None), (Residual(8, 16, stride=2), "conv")]:
        block.eval()
        Y = F.relu(F.batch_norm(block.conv1(X), block.bn1.running_mean, block.bn1.running_var,
                                block.bn1.weight, block.bn1.bias))
        Y = F.batch_norm(block.conv2(Y), block.bn2.running_mean, block.bn2.running_var,
                         block.bn2.weight, block.bn2.bias)
        skip = X if shortcut is None else F.conv2d(X, block.shortcut.weight, block.shortcut.bias,
                                                   stride=2)
        torch.testing.assert_close(block(X), F.relu(Y + skip))
        assert (block.shortcut is None) == (shortcut is None)
    assert Residual(8, 16, stride=2)(X).shape == (4, 16, 3, 3)


def test_corr2d_is_conv2d():
    X, K = torch.randn(7, 9), torch.randn(3, 2)
    torch.testing.assert_close(corr2d(X, K), F.conv2d(X[None, None], K[None, None])[0, 0])
    assert torch.equal(corr2d(torch.arange(9.0).reshape(3, 3), torch.tensor([[0.0, 1.0], [2.0, 3.0]])),
                       torch.tensor([[19.0, 25.0], [37.0, 43.0]]))   # section 8.2's example


@pytest.mark.parametrize("kw, expected", [
    (dict(num_inputs=64, num_hiddens=64, num_hidden_layers=10, activation=nn.Sigmoid),
     ["Linear", "Sigmoid"] * 10 + ["Linear"]),                                     # section 7.1
    (dict(num_inputs=784, num_hiddens=128, num_hidden_layers=8, activation=nn.Sigmoid,
          batch_norm=True, flatten=True),
     ["Flatten"] + ["Linear", "BatchNorm1d", "Sigmoid"] * 8 + ["Linear"]),           # section 9.1
    (dict(num_inputs=784, num_hiddens=256, num_hidden_layers=4, flatten=True),
     ["Flatten"] + ["Linear", "ReLU"] * 4 + ["Linear"]),                             # appendix A.1
])
def test_deep_mlp_covers_every_chapters_variant(kw, expected):
    net = deep_mlp(**kw)
    assert [type(m).__name__ for m in net] == expected
    X = torch.randn(5, 1, 28, 28) if kw.get("flatten") else torch.randn(5, kw["num_inputs"])
    assert net(X).shape == (5, 10)
    linears = [m for m in net if isinstance(m, nn.Linear)]
    assert linears[0].in_features == kw["num_inputs"]
    assert {m.out_features for m in linears[:-1]} == {kw["num_hiddens"]}


def test_shape_table_lists_every_part_and_the_total():
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.Flatten(),
                        nn.Linear(4 * 8 * 8, 10))
    net.train()
    text = shape_table(net, torch.rand(1, 1, 8, 8), names=["conv", "bn", "flatten", "head"])
    rows = [line.split() for line in text.splitlines()]
    assert rows[0] == ["part", "output", "shape", "parameters"]
    assert rows[1] == ["input", "(1,", "1,", "8,", "8)"]
    assert rows[2] == ["conv", "(1,", "4,", "8,", "8)", "40"]
    assert rows[4] == ["flatten", "(1,", "256)", "0"]
    assert rows[5] == ["head", "(1,", "10)", "2,570"]
    assert rows[-1] == ["total", f"{num_params(net):,}"] and num_params(net) == 40 + 8 + 2570
    assert net.training                                   # a batch of 1 ran in eval mode
    assert shape_table(net, torch.rand(1, 1, 8, 8)).splitlines()[2].startswith("Conv2d ")
    with pytest.raises(ValueError, match="names has 1 entries but the network 4 parts"):
        shape_table(net, torch.rand(1, 1, 8, 8), names=["x"])


def test_num_params_counts_what_pytorch_counts():
    net = d2lutils.lenet(batch_norm=True)
    assert num_params(net) == sum(p.numel() for p in net.parameters()) == 61_706 + 452
