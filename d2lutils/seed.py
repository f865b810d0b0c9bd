"""Reproducible randomness."""
import os
import random

import numpy as np
import torch


def seed_everything(seed=0):
    """Seed Python, NumPy and PyTorch (every device) so that a rerun gives the same numbers."""
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer in [0, 2**32), got {seed!r}")
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return seed
