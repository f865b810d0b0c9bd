"""d2lutils: the small helper package of the book. Each helper's docstring names the
section that builds it from scratch; read that first, then use the helper."""
from .budget import budget, by_budget
from .device import as_device, describe_device, num_gpus, try_all_gpus, try_gpu
from .plot import Animator, plot, set_axes, set_figsize, show_images, use_svg_display
from .seed import seed_everything
from .timer import Timer

from .data import TensorLoader, load_array, load_fashion_mnist, synthetic_regression, text_labels
from .fashion_mnist import DatasetUnavailable
from .train import History, accuracy, evaluate_accuracy, fit, sgd
from .explorers import sweep_explorer, trajectory_explorer

__version__ = "0.1.0"
