"""Find, verify and (if need be) download Fashion-MNIST; never hand back garbage.

Built in chapter 4, section "The Fashion-MNIST dataset". Where it looks, in order:
`data_dir` (or D2L_DATA_DIR), the user cache, Debian's /usr/share/datasets/fashion-mnist;
otherwise it downloads into `data_dir` or the cache. Each file is checked by the SHA-256 of
its *decompressed* payload, since mirrors and Debian compress the same bytes differently.
"""
import gzip
import hashlib
import os
import warnings
from pathlib import Path

import numpy as np

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
REMEDIES = (
    "Fashion-MNIST is not on this machine and could not be downloaded. Any one of these fixes it:\n"
    "  1. connect to the internet and run this again (it downloads about 30 MB once);\n"
    "  2. on Debian or Ubuntu: sudo apt install dataset-fashion-mnist;\n"
    "  3. put the four *-ubyte.gz files in a folder and set D2L_DATA_DIR to it "
    "(or pass data_dir=...)."
)


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


def search_dirs(data_dir=None):
    """Folders to look in, in order."""
    explicit = data_dir or os.environ.get("D2L_DATA_DIR")
    dirs = [Path(explicit).expanduser()] if explicit else []
    return dirs + [cache_dir(), DEBIAN_DIR]


def _read_payload(path):
    """The decompressed bytes of `path` (.gz or raw), or None if unreadable or corrupt."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile):
        return None


def _verified(path, name):
    payload = _read_payload(path)
    if payload is not None and hashlib.sha256(payload).hexdigest() == SHA256[name]:
        return payload
    return None


def _writable(path):
    return os.access(path.parent, os.W_OK)


def _find(name, dirs):
    """The verified payload of `name` from the first folder holding a good copy."""
    for d in dirs:
        for path in (d / f"{name}.gz", d / name):
            if not path.exists():
                continue
            payload = _verified(path, name)
            if payload is not None:
                return payload
            if _writable(path):  # ours to repair: remove it so a fresh copy replaces it
                warnings.warn(f"{path} is corrupt or truncated; removing it and fetching again", stacklevel=3)
                path.unlink(missing_ok=True)
            else:
                warnings.warn(f"{path} is corrupt or truncated and read-only; skipping it", stacklevel=3)
    return None


def _download(name, target):
    """Download `name`.gz into `target` from the first mirror that serves a verified copy."""
    import pooch
    import requests

    errors = []
    downloader = pooch.HTTPDownloader(progressbar=True, timeout=(5, 60))
    for base in mirrors():
        try:
            path = Path(pooch.retrieve(base + f"{name}.gz", known_hash=None, fname=f"{name}.gz",
                                       path=target, downloader=downloader))
        except (requests.RequestException, OSError, ValueError) as e:
            errors.append(f"{base}: {type(e).__name__}: {str(e)[:150]}")
            continue
        payload = _verified(path, name)
        if payload is not None:
            return payload
        path.unlink(missing_ok=True)
        errors.append(f"{base}: the file's checksum is wrong (corrupt download)")
    raise DatasetUnavailable(REMEDIES + "\nWhat was tried:\n  " + "\n  ".join(errors))


def payload(name, data_dir=None):
    """The verified, decompressed bytes of one file, found or downloaded."""
    from filelock import FileLock

    dirs = search_dirs(data_dir)
    found = _find(name, dirs)
    if found is not None:
        return found
    target = dirs[0] if data_dir or os.environ.get("D2L_DATA_DIR") else cache_dir()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DatasetUnavailable(f"{REMEDIES}\nCannot create {target}: {e}") from None
    # One process downloads, the others wait and then find its verified copy.
    with FileLock(str(target / ".download.lock"), timeout=600):
        found = _find(name, [target])
        return found if found is not None else _download(name, target)


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
