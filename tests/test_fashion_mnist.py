"""Finding, verifying and downloading Fashion-MNIST, against a real HTTP server on 127.0.0.1."""
import gzip
import http.server
import os
import socket
import stat
import subprocess
import sys
import threading
import time

import pytest

from d2lutils import fashion_mnist as fm
from d2lutils.fashion_mnist import DatasetUnavailable

NAMES = list(fm.SHA256)


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """An empty user cache and no Debian folder: the loader has only what the test gives it."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("D2L_DATA_DIR", raising=False)
    monkeypatch.setattr(fm, "DEBIAN_DIR", tmp_path / "no-debian")
    return tmp_path


@pytest.fixture
def mirror(fashion_files, tmp_path):
    """A real HTTP server on 127.0.0.1 serving the four files, recompressed (other .gz bytes,
    same payload, as between real mirrors). Yields (base_url, request_log, folder)."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    for f in fashion_files:
        with gzip.open(f, "rb") as src:
            (folder / f.name).write_bytes(gzip.compress(src.read(), compresslevel=1))
    log = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=str(folder), **k)

        def do_GET(self):
            log.append(self.path)
            time.sleep(0.05)  # widen the window in which concurrent clients could collide
            super().do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", log, folder
    server.shutdown()


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the socket closes


def test_finds_debian_files_and_parses_them(fashion_files, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    (Xtr, ytr), (Xte, yte) = fm.load_arrays()
    assert Xtr.shape == (60000, 28, 28) and ytr.shape == (60000,)
    assert Xte.shape == (10000, 28, 28) and yte.shape == (10000,)
    assert Xtr.dtype.name == "uint8" and set(ytr.tolist()) == set(range(10))


def test_explicit_dir_wins_and_accepts_uncompressed(fashion_files, isolated):
    d = isolated / "mine"
    d.mkdir()
    for f in fashion_files:  # uncompressed files are accepted too
        with gzip.open(f) as src:
            (d / f.name[:-3]).write_bytes(src.read())
    assert fm.payload(NAMES[1], data_dir=d)[:4] == b"\x00\x00\x08\x01"


def test_downloads_from_local_mirror_into_cache(isolated, mirror, monkeypatch):
    url, log, _ = mirror
    monkeypatch.setenv("D2L_FASHION_MNIST_MIRRORS", f"http://127.0.0.1:{closed_port()}/, {url}")
    (Xtr, _), (_, yte) = fm.load_arrays()
    assert Xtr.shape == (60000, 28, 28) and yte.shape == (10000,)
    assert sorted(log) == sorted(f"/{n}.gz" for n in NAMES)
    cached = sorted(p.name for p in fm.cache_dir().glob("*.gz"))
    assert cached == sorted(f"{n}.gz" for n in NAMES)
    log.clear()
    fm.load_arrays()  # second time: from the cache, no request
    assert log == []


def test_download_into_explicit_data_dir(isolated, mirror, monkeypatch):
    url, _, _ = mirror
    monkeypatch.setenv("D2L_FASHION_MNIST_MIRRORS", url)
    target = isolated / "data"
    monkeypatch.setenv("D2L_DATA_DIR", str(target))
    fm.payload(NAMES[3])
    assert (target / f"{NAMES[3]}.gz").exists()


@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip"])
def test_corrupt_cached_file_is_replaced(isolated, mirror, monkeypatch, damage):
    url, log, folder = mirror
    monkeypatch.setenv("D2L_FASHION_MNIST_MIRRORS", url)
    name = NAMES[1]
    cache = fm.cache_dir()
    cache.mkdir(parents=True)
    good = (folder / f"{name}.gz").read_bytes()
    bad = {"truncate": good[: len(good) // 2], "garbage": b"not a gzip file",
           "flip": gzip.compress(gzip.decompress(good)[:-1] + b"\xff")}[damage]
    (cache / f"{name}.gz").write_bytes(bad)
    with pytest.warns(UserWarning, match="corrupt or truncated; removing"):
        data = fm.payload(name)
    assert fm.hashlib.sha256(data).hexdigest() == fm.SHA256[name]
    assert log == [f"/{name}.gz"]
    assert (cache / f"{name}.gz").read_bytes() == good


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only folders")
def test_corrupt_read_only_file_is_skipped_with_warning(isolated, mirror, monkeypatch):
    url, _, _ = mirror
    monkeypatch.setenv("D2L_FASHION_MNIST_MIRRORS", url)
    ro = isolated / "ro"
    ro.mkdir()
    (ro / f"{NAMES[1]}.gz").write_bytes(b"broken")
    ro.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        monkeypatch.setattr(fm, "DEBIAN_DIR", ro)
        with pytest.warns(UserWarning, match="read-only; skipping"):
            fm.payload(NAMES[1])
        assert (ro / f"{NAMES[1]}.gz").read_bytes() == b"broken"
    finally:
        ro.chmod(stat.S_IRWXU)


def test_corrupt_file_in_unwritable_location_is_skipped(isolated, mirror, monkeypatch):
    """The same as above for root, who can write anywhere: the folder is reported unwritable."""
    url, _, _ = mirror
    monkeypatch.setenv("D2L_FASHION_MNIST_MIRRORS", url)
    ro = isolated / "system"
    ro.mkdir()
    (ro / f"{NAMES[1]}.gz").write_bytes(b"broken")
    monkeypatch.setattr(fm, "DEBIAN_DIR", ro)
    monkeypatch.setattr(fm, "_writable", lambda path: not str(path).startswith(str(ro)))
    with pytest.warns(UserWarning, match="read-only; skipping"):
        data = fm.payload(NAMES[1])
    assert fm.hashlib.sha256(data).hexdigest() == fm.SHA256[NAMES[1]]
    assert (ro / f"{NAMES[1]}.gz").read_bytes() == b"broken"


def test_mirror_serving_wrong_file_is_rejected(isolated, mirror, monkeypatch):
    url, _, folder = mirror
    (folder / f"{NAMES[1]}.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x01 wrong"))
    monkeypatch.setenv("D2L_FASHION_MNIST_MIRRORS", url)
    with pytest.raises(DatasetUnavailable, match="checksum is wrong"):
        fm.payload(NAMES[1])
    assert not (fm.cache_dir() / f"{NAMES[1]}.gz").exists()


def test_offline_without_data_fails_fast_with_remedies(isolated, monkeypatch):
    monkeypatch.setenv("D2L_FASHION_MNIST_MIRRORS", f"http://127.0.0.1:{closed_port()}/")
    start = time.perf_counter()
    with pytest.raises(DatasetUnavailable) as info:
        fm.load_arrays()
    assert time.perf_counter() - start < 10
    msg = str(info.value)
    assert "internet" in msg and "apt install dataset-fashion-mnist" in msg
    assert "D2L_DATA_DIR" in msg and "127.0.0.1" in msg
    assert info.value.__cause__ is None and info.value.__context__ is None  # no library traceback


CHILD = """
import sys, pathlib
from d2lutils import fashion_mnist as fm
fm.DEBIAN_DIR = pathlib.Path(sys.argv[1])
(X, y), _ = fm.load_arrays()
print(X.shape[0], y.shape[0])
"""


def test_concurrent_processes_download_once(isolated, mirror):
    url, log, _ = mirror
    env = dict(os.environ, XDG_CACHE_HOME=str(isolated / "cache"),
               D2L_FASHION_MNIST_MIRRORS=url)
    procs = [subprocess.Popen([sys.executable, "-c", CHILD, str(isolated / "no-debian")],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    results = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, results):
        assert p.returncode == 0, err
        assert out.split() == ["60000", "60000"]
    assert sorted(log) == sorted(f"/{n}.gz" for n in NAMES)  # each file fetched exactly once


def test_parse_idx_rejects_non_idx():
    with pytest.raises(ValueError, match="IDX"):
        fm.parse_idx(b"hello world")


def test_uncreatable_target_gives_clear_error(isolated, monkeypatch):
    blocker = isolated / "file"
    blocker.write_text("x")
    monkeypatch.setenv("D2L_DATA_DIR", str(blocker / "sub"))
    with pytest.raises(DatasetUnavailable, match="Cannot create"):
        fm.payload(NAMES[1])


