"""Argument checks for every public helper, with one message style:
"<name> must be <what>, got <value>; use e.g. <name>=<example>".

What PyTorch accepts is accepted: NumPy scalars and one-element tensors stand for their
number. Something that is not a number at all (None, a string, a list) raises TypeError; a
number of the wrong kind or size (a bool or 2.5 for a count, 0, nan) raises ValueError.
"""
import math
import numbers
import os

import numpy as np
import torch


def show(value):
    """The value as a message shows it: its repr, or its shape for a tensor or array."""
    if isinstance(value, torch.Tensor) and value.numel() != 1 or \
            isinstance(value, np.ndarray) and value.size != 1:
        kind = "tensor" if isinstance(value, torch.Tensor) else "NumPy array"
        return f"a {kind} of shape {tuple(value.shape)}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def fail(name, value, what, fix, error=ValueError):
    """Raise `error` in the common style; `fix` is an example value or a sentence."""
    fix = fix if isinstance(fix, str) and fix.startswith(("use ", "pass ")) else \
        f"use e.g. {name}={fix!r}"
    raise error(f"{name} must be {what}, got {show(value)}; {fix}")


def _number(value):
    """One real number (Python, NumPy or a one-element tensor) as a Python bool, int or
    float; None when `value` is not a number."""
    if isinstance(value, torch.Tensor):
        value = value.item() if value.numel() == 1 else None
    elif isinstance(value, (np.ndarray, np.generic)):
        value = value.item() if value.size == 1 else None
    return value if isinstance(value, numbers.Real) else None


def _count(value):
    """`value` as an int if it is a whole number >= 1, else None."""
    n = _number(value)
    ok = n is not None and not isinstance(n, bool) and isinstance(n, numbers.Integral) and n >= 1
    return int(n) if ok else None


def whole(name, value, example, low=1, high=None, what=None):
    """`value` as an int in [low, high): bools, fractions (even 3.0) and nan are refused."""
    if what is None:
        what = f"a whole number >= {low}" if high is None else \
            f"a whole number in [{low}, {_power(high)})"
    n = _number(value)
    if n is None:
        fail(name, value, what, example, TypeError)
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < low or \
            (high is not None and n >= high):
        fail(name, value, what, example)
    return int(n)


def _power(n):
    """2**32 rather than 4294967296 in messages."""
    return f"2**{n.bit_length() - 1}" if n > 2**16 and n & (n - 1) == 0 else str(n)


def number(name, value, example, low=0.0, strict=True):
    """`value` as a finite float > low (>= low when not `strict`)."""
    what = f"a finite number {'>' if strict else '>='} {low:g}"
    n = _number(value)
    if n is None:
        fail(name, value, what, example, TypeError)
    if isinstance(n, bool) or not math.isfinite(n) or n < low or (strict and n == low):
        fail(name, value, what, example)
    return float(n)


def positive(name, value, example):
    """`value` as a float that is finite and > 0 (a learning rate)."""
    return number(name, value, example)


def flag(name, value):
    """`value` as a bool: True or False (NumPy's too)."""
    if not isinstance(value, (bool, np.bool_)):
        fail(name, value, "True or False", True, TypeError)
    return bool(value)


def kind(name, value, ok, what, fix, optional=False):
    """`value` itself if `ok(value)` (e.g. `callable`), or if it is None and `optional`."""
    if not (ok(value) or (optional and value is None)):
        fail(name, value, what, fix, TypeError)
    return value


def iterable(value):
    return hasattr(value, "__iter__")


def each(name, values, check, what, example):
    """A non-empty list or tuple: [check(f"{name}[i]", v) for v in values], and an error
    naming the whole value and its bad element."""
    if isinstance(values, (str, bytes)) or not iterable(values) or \
            (isinstance(values, (torch.Tensor, np.ndarray)) and values.ndim == 0):
        fail(name, values, f"a list of {what}", example, TypeError)
    items = list(values)
    if not items:
        fail(name, values, f"a non-empty list of {what}", example)
    checked = []
    for i, v in enumerate(items):
        try:
            checked.append(check(f"{name}[{i}]", v))
            continue
        except (TypeError, ValueError) as e:
            error = type(e)
        raise error(f"{name} must be a list of {what}, got {show(values)}: {name}[{i}] is "
                    f"{show(v)}; use e.g. {name}={example!r}")
    return checked


def counts(name, values, example):
    """A non-empty list of whole numbers >= 1, as ints."""
    return each(name, values, lambda n, v: whole(n, v, example[0]), "whole numbers >= 1", example)


def size(name, value, example, pair, none_in_pair=False):
    """None, a whole number >= 1, or a `pair` such as "(height, width)" of them (one may be
    None if `none_in_pair`); returned as None, an int or a tuple."""
    what = f"a whole number >= 1 or a pair {pair} of them" + (" or None" if none_in_pair else "")
    if value is None:
        return None
    if isinstance(value, (tuple, list)):
        pair = [None if v is None and none_in_pair else _count(v) or 0 for v in value]
        if len(pair) != 2 or 0 in pair:
            fail(name, value, what, example)
        return tuple(pair)
    if _number(value) is None:
        fail(name, value, what, example, TypeError)
    if _count(value) is None:
        fail(name, value, what, example)
    return _count(value)


def folder(name, value):
    """None, or a folder path (str or os.PathLike) as a str."""
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)):
        fail(name, value, "a folder path (a str or pathlib.Path)", "~/data/fashion-mnist", TypeError)
    if not str(value):
        fail(name, value, "a folder path", f"use {name}=None for the default search")
    return str(value)
