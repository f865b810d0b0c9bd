"""Downloads that cannot hang: bounded waits, a progress bar, an atomic move into place,
and a record of what was written where (so that only those files are ever repaired).

A mirror that accepts the connection and never answers is given up after CONNECT_TIMEOUT +
STALL_TIMEOUT seconds (14 s, so two hung mirrors cost at most 28 s). DEADLINE ends a
mirror that keeps sending a byte now and then; a slow but working one (30 MB at 50 KB/s)
still fits.
"""
import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

CONNECT_TIMEOUT = 4   # seconds to open the connection
STALL_TIMEOUT = 10    # the longest wait for the answer, or for the next bytes of it
DEADLINE = 600        # seconds for one file from one mirror
MANIFEST = ".d2lutils-downloads"  # in a folder d2lutils downloaded into: the files it put there


def _reason(error):
    """Why a download failed, in words."""
    import requests

    if isinstance(error, requests.ConnectTimeout):
        return f"could not connect within {CONNECT_TIMEOUT:g} s"
    if isinstance(error, requests.ReadTimeout) or "Read timed out" in str(error):
        return f"no answer for {STALL_TIMEOUT:g} s (the mirror hangs)"
    return f"{type(error).__name__}: {str(error)[:150]}"


def _get(url, out):
    """Stream `url` into the open file `out`, with a progress bar named after the file."""
    import requests
    from tqdm.auto import tqdm

    start = time.monotonic()
    with requests.get(url, stream=True, timeout=(CONNECT_TIMEOUT, STALL_TIMEOUT)) as answer:
        answer.raise_for_status()
        total = int(answer.headers.get("Content-Length", 0)) or None
        # read1 returns what one read of the socket gives, so the deadline is checked even
        # when bytes trickle in (urllib3 1.x has only read, which waits for a full chunk)
        read = getattr(answer.raw, "read1", answer.raw.read)
        with tqdm(total=total, unit="B", unit_scale=True, desc=url.rsplit("/", 1)[-1]) as bar:
            while chunk := read(1 << 16, decode_content=True):
                if time.monotonic() - start > DEADLINE:
                    raise TimeoutError(f"not done after {DEADLINE:g} s")
                out.write(chunk)
                bar.update(len(chunk))


def fetch(urls, folder, verify):
    """Download from the first of `urls` whose file `verify(path)` accepts (it returns the
    content, or None) into a temporary file in `folder`. Returns (path, content, []), or
    (None, None, [why each URL failed])."""
    import requests
    import urllib3

    errors = []
    for url in urls:
        base = url.rsplit("/", 1)[0] + "/"
        out = tempfile.NamedTemporaryFile(dir=folder, prefix=f".{url.rsplit('/', 1)[-1]}.",
                                          suffix=".part", delete=False)
        tmp, content = Path(out.name), None
        try:
            with out:
                _get(url, out)
            content = verify(tmp)
            if content is None:
                errors.append(f"{base}: the file's checksum is wrong (corrupt download)")
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError,
                ValueError) as e:
            errors.append(f"{base}: {_reason(e)}")
        finally:
            if content is None:
                tmp.unlink(missing_ok=True)
        if content is not None:
            return tmp, content, []
    return None, None, errors


def listed(path):
    """Whether `path` is in its folder's MANIFEST, i.e. d2lutils put it there."""
    manifest = path.parent / MANIFEST
    return manifest.is_file() and path.name in manifest.read_text().split()


def _remember(path):
    manifest = path.parent / MANIFEST
    names = set(manifest.read_text().split()) if manifest.is_file() else set()
    staged = path.parent / f"{MANIFEST}.{os.getpid()}.tmp"
    staged.write_text("".join(f"{n}\n" for n in sorted(names | {path.name})))
    os.chmod(staged, 0o644)
    os.replace(staged, manifest)


def install(tmp, dest):
    """Move the downloaded file `tmp` to `dest` atomically, mode 0644 like any downloaded
    data: readers see the old file or the whole new one. Into another folder than tmp's,
    it is copied and listed in that folder's MANIFEST. On failure `tmp` is kept."""
    os.chmod(tmp, 0o644)
    if dest.parent.resolve() == tmp.parent.resolve():
        os.replace(tmp, dest)
        return
    staged = dest.parent / tmp.name       # on dest's file system, so the rename is atomic
    try:
        shutil.copyfile(tmp, staged)
        os.chmod(staged, 0o644)
        os.replace(staged, dest)
    except OSError:
        with contextlib.suppress(OSError):
            staged.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):    # unlisted, the file only counts as not ours
        _remember(dest)
    tmp.unlink()
