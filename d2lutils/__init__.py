"""d2lutils: the small helper package of the book. Each helper's docstring names the
section that builds it from scratch; read that first, then use the helper.

Chapter 10's optimiser experiments are in `d2lutils.optim2d`, the live widgets in
`d2lutils.widgets` (the static explorers are `sweep_explorer` and `trajectory_explorer`),
Fashion-MNIST's class names in `d2lutils.fashion_mnist.LABELS`.
"""
from .budgets import budget, by_budget
from .device import as_device, describe_device, num_gpus, try_all_gpus, try_gpu
from .plotting import draw_grid, grid_axes, plot, set_axes, show_images, smooth, use_svg_display
from .seed import seed_everything
from .timer import Timer

from . import fashion_mnist
from .data import (TensorLoader, load_array, load_fashion_mnist, load_fashion_mnist_tensors,
                   random_flip, synthetic_regression)
from .explorers import sweep_explorer, trajectory_explorer
from .fashion_mnist import DatasetUnavailable, text_labels
from .fitting import fit
from .history import History
from .models import Residual, corr2d, deep_mlp, lenet, num_params, shape_table
from .train import accuracy, evaluate_accuracy, sgd, train_batches

__version__ = "0.1.0"
