"""Which device to compute on (introduced in chapter 1, section "Devices")."""
import torch


def num_gpus():
    """The number of CUDA GPUs PyTorch can see."""
    return torch.cuda.device_count()


def _mps_available():
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def try_gpu(i=0):
    """GPU `i` if it exists (CUDA, then Apple MPS), else the CPU."""
    if not isinstance(i, int) or isinstance(i, bool) or i < 0:
        raise ValueError(f"try_gpu(i): i must be a non-negative integer, got {i!r}")
    if num_gpus() > i:
        return torch.device(f"cuda:{i}")
    if i == 0 and _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def try_all_gpus():
    """Every CUDA GPU, or `[cpu]` when there is none."""
    gpus = [torch.device(f"cuda:{i}") for i in range(num_gpus())]
    return gpus or [torch.device("cpu")]


def as_device(device):
    """`device` as a `torch.device`; None means `try_gpu()`. Unknown names raise ValueError."""
    if device is None:
        return try_gpu()
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError) as e:
        raise ValueError(
            f"unknown device {device!r}: use 'cpu', 'cuda', 'cuda:0', 'mps' or a torch.device"
        ) from e
    if device.type == "cuda" and (device.index or 0) >= num_gpus():
        raise ValueError(f"device {device} asked for, but PyTorch sees {num_gpus()} CUDA GPU(s)")
    if device.type == "mps" and not _mps_available():
        raise ValueError("device 'mps' asked for, but Apple's MPS backend is not available here")
    return device


def describe_device(device=None):
    """One line naming the device, e.g. 'cuda:0 (NVIDIA H100)' or 'cpu (2 threads)'."""
    device = as_device(device)
    if device.type == "cuda":
        index = device.index or 0
        return f"cuda:{index} ({torch.cuda.get_device_name(index)})"
    if device.type == "cpu":
        n = torch.get_num_threads()
        return f"cpu ({n} thread{'s' if n != 1 else ''})"
    return str(device)
