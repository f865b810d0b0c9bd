"""Which device to compute on, and how to use it well (introduced in chapter 1, "Devices")."""
import torch

from . import checks


def num_gpus():
    """The number of CUDA GPUs PyTorch can see."""
    return torch.cuda.device_count()


def _mps_available():
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def try_gpu(i=0):
    """GPU `i` if it exists (CUDA, then Apple MPS), else the CPU."""
    i = checks.whole("i", i, 0, low=0)
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
        known = torch.device(device)
    except (RuntimeError, TypeError):
        known = None  # reported below, outside this except: no PyTorch traceback
    if known is None:
        checks.fail("device", device, "'cpu', 'cuda', 'cuda:0', 'mps', a torch.device or None",
                    "cpu")
    fix = "use e.g. device=d2lutils.try_gpu(), which falls back to the CPU"
    if known.type == "cuda" and (known.index or 0) >= num_gpus():
        checks.fail("device", device, f"one PyTorch sees (it sees {num_gpus()} CUDA GPU(s))", fix)
    if known.type == "mps" and not _mps_available():
        checks.fail("device", device, "one PyTorch sees (Apple's MPS backend is not available "
                    "here)", fix)
    return known


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


def _model_device(net):
    """The device of `net`'s first parameter; the CPU for a function without parameters."""
    if isinstance(net, torch.nn.Module):
        for p in net.parameters():
            return p.device
    return torch.device("cpu")


def _sync(device):
    """Wait for the device's queued work, so that a timer measures it."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
