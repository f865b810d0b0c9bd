"""Reproducible randomness."""
import os
import random

import numpy as np
import torch

from . import checks


def seed_everything(seed=0):
    """Seed Python, NumPy and PyTorch (every device) so that a rerun gives the same numbers."""
    seed = checks.whole("seed", seed, 0, low=0, high=2**32)   # NumPy's range
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return seed
