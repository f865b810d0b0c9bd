"""Reproducible randomness."""
import random

import numpy as np
import torch

from . import checks

times_seeded = 0  # TensorLoaders compare it with their own count to notice a new seeding


def seed_everything(seed=0):
    """Seed Python, NumPy and PyTorch (every device) so that a rerun gives the same numbers.

    It also rewinds every TensorLoader, including those made in earlier cells, to its first
    epoch: re-running a seeded cell replays the same batches.
    """
    global times_seeded
    seed = checks.whole("seed", seed, 0, low=0, high=2**32)   # NumPy's range
    random.seed(seed)   # (not PYTHONHASHSEED: Python reads it once, at start-up)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    times_seeded += 1
    return seed
