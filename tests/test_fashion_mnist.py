"""Finding, verifying and downloading Fashion-MNIST, against a real HTTP server on 127.0.0.1."""
import gzip
import http.server
import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time

import pytest
from conftest import DEBIAN_DIR

from d2lutils import download as dl
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


@pytest.fixture(scope="module")
def mirror_files(tmp_path_factory):
    """The four files recompressed (other .gz bytes, same payload, as between real mirrors)."""
    files = sorted(DEBIAN_DIR.glob("*-ubyte.gz"))
    if len(files) != 4:
        pytest.skip("needs Debian's dataset-fashion-mnist (apt install dataset-fashion-mnist)")
    folder = tmp_path_factory.mktemp("mirror-files")
    for f in files:
        with gzip.open(f, "rb") as src:
            (folder / f.name).write_bytes(gzip.compress(src.read(), compresslevel=1))
    return folder


def serve(handler_class):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture
def mirror(fashion_files, mirror_files, tmp_path):
    """A real HTTP server on 127.0.0.1 serving the four files. Yields (base_url, request_log,
    folder); a test may change the files in `folder`."""
    folder = tmp_path / "mirror"
    shutil.copytree(mirror_files, folder)
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

    server, url = serve(Handler)
    yield url, log, folder
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
    target.mkdir()
    monkeypatch.setenv("D2L_DATA_DIR", str(target))
    fm.payload(NAMES[3])
    assert (target / f"{NAMES[3]}.gz").exists()
    assert f"{NAMES[3]}.gz" in (target / dl.MANIFEST).read_text().split()   # ours to repair


def leftovers(folder):
    """Files a download may leave behind by mistake: partial or temporary files."""
    return [p.name for p in folder.iterdir() if ".part" in p.name or ".tmp" in p.name]


@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip"])
def test_corrupt_cached_file_is_repaired(isolated, mirror, monkeypatch, damage):
    """The cache is d2lutils' own folder: a corrupt file there is replaced by a fresh download."""
    url, log, folder = mirror
    monkeypatch.setenv("D2L_FASHION_MNIST_MIRRORS", url)
    name = NAMES[1]
    cache = fm.cache_dir()
    cache.mkdir(parents=True)
    good = (folder / f"{name}.gz").read_bytes()
    bad = {"truncate": good[: len(good) // 2], "garbage": b"not a gzip file",
           "flip": gzip.compress(gzip.decompress(good)[:-1] + b"\xff")}[damage]
    (cache / f"{name}.gz").write_bytes(bad)
    with pytest.warns(UserWarning, match="corrupt or truncated.*replacing it with a fresh download"):
        data = fm.payload(name)
    assert fm.hashlib.sha256(data).hexdigest() == fm.SHA256[name]
    assert log == [f"/{name}.gz"]
    assert (cache / f"{name}.gz").read_bytes() == good
    assert leftovers(cache) == []


def copy_with_damage(fashion_files, folder, damage):
    """The four real files in `folder`; damage maps a file name to 'truncate' or 'random'.
    Returns {path: bytes} of the damaged files."""
    folder.mkdir()
    damaged = {}
    for f in fashion_files:
        data = f.read_bytes()
        kind = damage.get(f.name)
        if kind:
            data = data[: len(data) // 3] if kind == "truncate" else os.urandom(5000)
            damaged[folder / f.name] = data
        (folder / f.name).write_bytes(data)
    return damaged


def test_corrupt_file_in_a_root_owned_read_only_folder_is_left_alone(
        fashion_files, isolated, mirror, monkeypatch):
    """Probe 1 of issue 16: as root, a corrupt file in a copy of Debian's folder (folder 555,
    files 444) was deleted. It is not d2lutils' file: report it, keep it, fetch into the cache."""
    url, log, _ = mirror
    monkeypatch.setenv("D2L_FASHION_MNIST_MIRRORS", url)
    system = isolated / "system"
    damaged = copy_with_damage(fashion_files, system, {f"{NAMES[3]}.gz": "truncate"})
    for f in system.iterdir():
        f.chmod(0o444)
    system.chmod(0o555)
    monkeypatch.setattr(fm, "DEBIAN_DIR", system)
    try:
        with pytest.warns(UserWarning) as caught:
            (Xtr, _), (_, yte) = fm.load_arrays()
    finally:
        system.chmod(0o755)
    assert Xtr.shape == (60000, 28, 28) and yte.shape == (10000,)
    (bad, data), = damaged.items()
    assert bad.read_bytes() == data                        # still there, untouched
    message = "\n".join(str(w.message) for w in caught)
    assert str(bad) in message and "did not write it" in message
    assert "sudo apt install --reinstall dataset-fashion-mnist" in message
    assert log == [f"/{NAMES[3]}.gz"]                      # fetched again, into the cache
    assert (fm.cache_dir() / f"{NAMES[3]}.gz").exists()


def test_corrupt_files_in_a_user_folder_are_kept_and_named(fashion_files, isolated, mirror,
                                                           monkeypatch):
    """Probe 1: in the folder named by D2L_DATA_DIR, one truncated and one random file were
    deleted. The user put them there: both are kept, and the warnings name each of them."""
    url, log, _ = mirror
    monkeypatch.setenv("D2L_FASHION_MNIST_MIRRORS", url)
    mine = isolated / "mine"
    damaged = copy_with_damage(fashion_files, mine, {f"{NAMES[1]}.gz": "truncate",
                                                    f"{NAMES[2]}.gz": "random"})
    monkeypatch.setenv("D2L_DATA_DIR", str(mine))
    with pytest.warns(UserWarning) as caught:
        (_, ytr), (Xte, _) = fm.load_arrays()
    assert ytr.shape == (60000,) and Xte.shape == (10000, 28, 28)
    for path, data in damaged.items():
        assert path.read_bytes() == data
        warning = next(str(w.message) for w in caught if str(path) in str(w.message))
        assert "did not write it" in warning and "replace it with a good copy" in warning
    assert sorted(p.name for p in mine.iterdir()) == sorted(f.name for f in fashion_files)
    assert sorted(log) == sorted(f"/{p.name}" for p in damaged)    # good copies: in the cache
    assert all((fm.cache_dir() / p.name).exists() for p in damaged)


def test_files_d2lutils_wrote_into_a_user_folder_are_repaired_in_place(isolated, mirror,
                                                                      monkeypatch):
    url, log, folder = mirror
    monkeypatch.setenv("D2L_FASHION_MNIST_MIRRORS", url)
    target = isolated / "data"
    target.mkdir()
    monkeypatch.setenv("D2L_DATA_DIR", str(target))
    name = NAMES[1]
    fm.payload(name)                                       # downloaded into the named folder
    path = target / f"{name}.gz"
    path.write_bytes(b"broken later")
    with pytest.warns(UserWarning, match="replacing it with a fresh download"):
        data = fm.payload(name)
    assert fm.hashlib.sha256(data).hexdigest() == fm.SHA256[name]
    assert path.read_bytes() == (folder / f"{name}.gz").read_bytes()
    assert log == [f"/{name}.gz"] * 2 and leftovers(target) == [] == leftovers(fm.cache_dir())


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


def test_uncreatable_cache_gives_clear_error(isolated, monkeypatch):
    blocker = isolated / "file"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker / "sub"))
    monkeypatch.setenv("D2L_FASHION_MNIST_MIRRORS", f"http://127.0.0.1:{closed_port()}/")
    with pytest.raises(DatasetUnavailable, match="Cannot create"):
        fm.payload(NAMES[1])


@pytest.mark.parametrize("debian", [False, True])
@pytest.mark.parametrize("how", ["env", "argument"])
def test_missing_data_dir_is_an_error_that_names_it(isolated, monkeypatch, fashion_files,
                                                    debian, how):
    """Probe 6: a mistyped D2L_DATA_DIR was ignored when Debian's copy existed, and otherwise
    created before the 'not available' error. Now it is an error naming the folder."""
    if debian:
        monkeypatch.setattr(fm, "DEBIAN_DIR", DEBIAN_DIR)
    typo = isolated / "fashoin-mnist" / "data"
    if how == "env":
        monkeypatch.setenv("D2L_DATA_DIR", str(typo))
    with pytest.raises(DatasetUnavailable) as info:
        fm.load_arrays(typo if how == "argument" else None)
    msg = str(info.value)
    assert f"{typo}, but that folder does not exist" in msg
    assert ("D2L_DATA_DIR" if how == "env" else "data_dir") in msg.splitlines()[0]
    assert "internet" in msg and "apt install dataset-fashion-mnist" in msg
    assert "put the four *-ubyte.gz files in a folder" in msg
    assert not typo.parent.exists()                       # nothing created


def test_downloaded_files_are_readable_by_everyone(isolated, mirror, monkeypatch):
    """Probe 7: downloads were mode 0600, which breaks a data folder shared between users."""
    url, _, _ = mirror
    monkeypatch.setenv("D2L_FASHION_MNIST_MIRRORS", url)
    shared = isolated / "shared"
    shared.mkdir()
    old = os.umask(0o077)      # even a strict umask gives the usual mode of downloaded data
    try:
        fm.payload(NAMES[1])
        fm.payload(NAMES[3], data_dir=shared)
    finally:
        os.umask(old)
    for path in (fm.cache_dir() / f"{NAMES[1]}.gz", shared / f"{NAMES[3]}.gz"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
    assert stat.S_IMODE((shared / dl.MANIFEST).stat().st_mode) == 0o644


def test_real_downloads_show_a_progress_bar(isolated, mirror, monkeypatch, capfd):
    url, _, _ = mirror
    monkeypatch.setenv("D2L_FASHION_MNIST_MIRRORS", url)
    fm.payload(NAMES[1])
    err = capfd.readouterr().err
    assert f"{NAMES[1]}.gz" in err and "100%" in err
    fm.payload(NAMES[1])                                   # from the cache: no bar
    assert "100%" not in capfd.readouterr().err


@pytest.fixture
def hung_mirror():
    """A server that accepts connections (the kernel completes them) and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        yield f"http://127.0.0.1:{s.getsockname()[1]}/"


def test_hung_mirrors_are_given_up_after_the_stall_timeout(isolated, hung_mirror, monkeypatch):
    """Probe 5: a mirror that accepts the connection and never answers stalled 60 s (120 s for
    two). The timeouts are shortened here; with the real ones both mirrors fail within 30 s."""
    assert 2 * (dl.CONNECT_TIMEOUT + dl.STALL_TIMEOUT) < 30     # the worst case, both mirrors
    monkeypatch.setattr(dl, "CONNECT_TIMEOUT", 0.5)
    monkeypatch.setattr(dl, "STALL_TIMEOUT", 0.5)
    monkeypatch.setenv("D2L_FASHION_MNIST_MIRRORS", f"{hung_mirror},{hung_mirror}")
    start = time.perf_counter()
    with pytest.raises(DatasetUnavailable) as info:
        fm.payload(NAMES[1])
    assert time.perf_counter() - start < 10
    assert str(info.value).count("no answer for 0.5 s") == 2


def test_a_trickling_mirror_is_given_up_at_the_deadline(isolated, monkeypatch):
    """A mirror that sends a byte now and then never trips the stall timeout; the deadline
    per mirror ends it."""
    class Trickle(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            try:
                for _ in range(400):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:
                pass

        def log_message(self, *args):
            pass

    server, url = serve(Trickle)
    monkeypatch.setattr(dl, "STALL_TIMEOUT", 0.5)
    monkeypatch.setattr(dl, "DEADLINE", 1.0)
    monkeypatch.setenv("D2L_FASHION_MNIST_MIRRORS", url)
    try:
        with pytest.raises(DatasetUnavailable, match="not done after 1 s"):
            fm.payload(NAMES[1])
    finally:
        server.shutdown()
    assert leftovers(fm.cache_dir()) == []
