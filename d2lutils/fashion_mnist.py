"""Fashion-MNIST: its class names, and its files found, verified and (if need be) downloaded;
never hand back garbage, and never delete a file d2lutils did not write.

Built in chapter 4, section "The Fashion-MNIST dataset". Where it looks, in order:
`data_dir` (or D2L_DATA_DIR; the folder must exist), the user cache, Debian's package
dataset-fashion-mnist (DEBIAN_DIR); otherwise it downloads into `data_dir` or the cache. Each
file is checked by the SHA-256 of its *decompressed* payload, since mirrors and Debian
compress the same bytes differently.

A corrupt file is repaired only if d2lutils wrote it: anything in its cache, or a file it
listed in the MANIFEST of another folder it downloaded into (see `download`). Repair
downloads into the cache, then moves the file atomically into place. Any other corrupt file
(Debian's, yours) is reported, with what to do, and left alone; the search goes on past it.
"""
import gzip
import hashlib
import numbers
import os
import warnings
from pathlib import Path

import numpy as np

from . import download

LABELS = ("t-shirt", "trouser", "pullover", "dress", "coat",
          "sandal", "shirt", "sneaker", "bag", "ankle boot")   # class i is LABELS[i]

# SHA-256 of the decompressed IDX payloads (the same from every mirror).
SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
MIRRORS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
)
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
FIXES = (
    "  1. connect to the internet and run this again (it downloads about 30 MB once);\n"
    "  2. on Debian or Ubuntu: sudo apt install dataset-fashion-mnist;\n"
    "  3. put the four *-ubyte.gz files in a folder and set D2L_DATA_DIR to it "
    "(or pass data_dir=...)."
)
REMEDIES = ("Fashion-MNIST is not on this machine and could not be downloaded. Any one of "
            "these fixes it:\n" + FIXES)


def text_labels(ids):
    """Class names for integer labels (a list, tensor or single int)."""
    if hasattr(ids, "reshape"):
        ids = ids.reshape(-1).tolist()
    elif isinstance(ids, numbers.Integral):
        ids = [ids]
    return [LABELS[int(i)] for i in ids]


class DatasetUnavailable(RuntimeError):
    """Raised when the data is neither found nor downloadable; the message says what to do."""


def cache_dir():
    """The per-user cache folder, e.g. ~/.cache/d2lutils/fashion-mnist on Linux."""
    import pooch

    return Path(pooch.os_cache("d2lutils")) / "fashion-mnist"


def mirrors():
    """Download base URLs; D2L_FASHION_MNIST_MIRRORS (comma-separated) overrides them."""
    env = os.environ.get("D2L_FASHION_MNIST_MIRRORS", "").strip()
    urls = [u.strip() for u in env.split(",") if u.strip()] if env else list(MIRRORS)
    return [u if u.endswith("/") else u + "/" for u in urls]


def named_dir(data_dir=None):
    """The folder the user named (data_dir, else D2L_DATA_DIR) or None. A folder that does
    not exist is an error: a typo must not silently fall back to other data."""
    name, value = ("data_dir", data_dir) if data_dir else ("D2L_DATA_DIR",
                                                            os.environ.get("D2L_DATA_DIR"))
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        problem = "is not a folder" if path.exists() else "does not exist"
        undo = "unset D2L_DATA_DIR" if name == "D2L_DATA_DIR" else "leave data_dir out"
        raise DatasetUnavailable(
            f"{name} is {path}, but that folder {problem}. Check the spelling, or create the "
            f"folder (mkdir -p {path}) and d2lutils downloads into it, or {undo} to use the "
            "cache. Fashion-MNIST itself comes in any one of these ways:\n" + FIXES)
    return path


def search_dirs(data_dir=None):
    """Folders to look in, in order."""
    named = named_dir(data_dir)
    return ([named] if named else []) + [cache_dir(), DEBIAN_DIR]


def _verified(path, name):
    """The payload of `path` (gzip or raw IDX) if its checksum is right, else None."""
    try:
        with open(path, "rb") as f:
            gzipped = f.read(2) == b"\x1f\x8b"  # by content: a download's name ends in .part
            f.seek(0)
            payload = gzip.GzipFile(fileobj=f).read() if gzipped else f.read()
    except (OSError, EOFError, gzip.BadGzipFile):
        return None
    return payload if hashlib.sha256(payload).hexdigest() == SHA256[name] else None


def _ours(path):
    """Whether d2lutils wrote `path`, decided by where it came from, never by permissions
    (root may write anywhere)."""
    return path.parent.resolve() == cache_dir().resolve() or download.listed(path)


def _find(name, dirs):
    """(path, payload, corrupt): the first verified copy, or None, None; and the corrupt
    files met before it."""
    corrupt = []
    for d in dirs:
        for path in (d / f"{name}.gz", d / name):
            if path.is_file():
                payload = _verified(path, name)
                if payload is not None:
                    return path, payload, corrupt
                corrupt.append(path)
    return None, None, corrupt


def _left_alone(path):
    fix = ("reinstall it: sudo apt install --reinstall dataset-fashion-mnist"
           if path.parent == DEBIAN_DIR else
           "replace it with a good copy, or delete it (d2lutils then uses another copy or "
           "downloads one)")
    return (f"{path} is corrupt or truncated. d2lutils did not write it, so it leaves it "
            f"alone and looks elsewhere; to fix it, {fix}.")


def _download(name, dest):
    """Download `name` into the cache, then move it to `dest` (the cache, or a folder the
    user named); a folder that cannot be written keeps the copy in the cache."""
    from filelock import FileLock

    cache = cache_dir()
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DatasetUnavailable(f"{REMEDIES}\nCannot create {cache}: {e}") from None
    # One process downloads, the others wait and then find its verified copy.
    with FileLock(str(cache / ".download.lock"), timeout=600):
        found = _verified(dest, name) if dest.is_file() else None
        if found is not None:
            return found
        tmp, data, errors = download.fetch([base + f"{name}.gz" for base in mirrors()], cache,
                                           lambda path: _verified(path, name))
        if tmp is None:
            raise DatasetUnavailable(REMEDIES + "\nWhat was tried:\n  " + "\n  ".join(errors))
        try:
            download.install(tmp, dest)
        except OSError as e:
            warnings.warn(f"Cannot write {dest} ({e}); the download is kept in {cache}.",
                          stacklevel=3)
            download.install(tmp, cache / dest.name)
    return data


def payload(name, data_dir=None):
    """The verified, decompressed bytes of one file, found or downloaded."""
    dirs = search_dirs(data_dir)
    found, data, corrupt = _find(name, dirs)
    ours = [path for path in corrupt if _ours(path)]
    for path in corrupt:
        if path not in ours:
            warnings.warn(_left_alone(path), stacklevel=2)
    if found is not None:
        for path in ours:
            warnings.warn(f"{path} is corrupt or truncated; d2lutils wrote it, so it deletes it "
                          f"and uses the good copy in {found.parent}.", stacklevel=2)
            path.unlink(missing_ok=True)
        return data
    for path in ours:
        warnings.warn(f"{path} is corrupt or truncated; d2lutils wrote it, so it is replacing "
                      "it with a fresh download.", stacklevel=2)
    named = named_dir(data_dir)
    if ours:
        dest = ours[0].with_name(f"{name}.gz")
    elif named and not any(path.parent == named for path in corrupt):
        dest = named / f"{name}.gz"
    else:
        dest = cache_dir() / f"{name}.gz"
    data = _download(name, dest)
    for path in ours:
        if path != dest:  # e.g. a corrupt uncompressed copy beside the new .gz
            path.unlink(missing_ok=True)
    return data


def parse_idx(data):
    """An IDX file's bytes as a uint8 NumPy array of the shape its header gives."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError("not an unsigned-byte IDX file")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    return body.reshape(dims)


def load_arrays(data_dir=None):
    """((train_images, train_labels), (test_images, test_labels)) as uint8 NumPy arrays."""
    def get(split):
        return (parse_idx(payload(f"{split}-images-idx3-ubyte", data_dir)),
                parse_idx(payload(f"{split}-labels-idx1-ubyte", data_dir)))

    return get("train"), get("t10k")
