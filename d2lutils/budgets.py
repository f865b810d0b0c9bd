"""The compute budget: `quick` on a CPU, `full` (the published sizes) on a GPU."""
import os

import torch

BUDGETS = ("quick", "full")


def budget():
    """'quick' or 'full'. `D2L_BUDGET` overrides; otherwise 'full' exactly when CUDA is available."""
    value = os.environ.get("D2L_BUDGET", "").strip().lower()
    if not value:
        return "full" if torch.cuda.is_available() else "quick"
    if value not in BUDGETS:
        raise ValueError(
            f"D2L_BUDGET={os.environ['D2L_BUDGET']!r} is not a budget: set it to 'quick' "
            "(small runs for a CPU) or 'full' (published sizes, meant for a GPU), or unset it"
        )
    return value


def by_budget(quick, full):
    """The value for the current budget: `num_epochs = by_budget(quick=2, full=10)`."""
    return quick if budget() == "quick" else full
