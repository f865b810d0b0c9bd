"""Install what the browser tests need: Debian's Chromium, a Chinese font, and MathJax 3.

    python tools/browser_setup.py              # `make browser` runs this first
    python tools/browser_setup.py --mathjax    # MathJax only (`make book` runs this)
    python tools/browser_setup.py --pdf        # all of the above and poppler-utils (`make pdf`)

Chromium: /usr/bin/chromium, or `apt-get install --no-install-recommends chromium` when
running as root (CI): without the recommends, not the ~130 packages (avahi-daemon, printing)
that would also make it the system's browser;
otherwise a message says what to run. D2L_CHROMIUM points at another Chromium or Chrome.
A Chinese font (Debian's fonts-wqy-zenhei, as root) so that screenshots show the Chinese
terms rather than empty boxes; without root it only warns. The PDF edition embeds that
font, and its test reads the PDF with poppler-utils (pdftotext, pdffonts), also from apt.
MathJax: the npm registry's tarball of mathjax@3.2.2, checked against the registry's
SHA-512, of which the parts the book uses (the TeX-to-HTML component, its fonts, the TeX
extensions and the accessibility menu) are unpacked into _build/static/mathjax. The book
carries this copy in its _static folder (book/_ext/offline_mathjax.py), so the built book
renders formulas offline, opened as a file.
"""
import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import urllib.request
from pathlib import Path

from layout import MATHJAX

MATHJAX_VERSION = "3.2.2"
MATHJAX_DIR = MATHJAX
MATHJAX_PARTS = tuple(f"package/es5/{p}" for p in (
    "tex-mml-chtml.js", "output/chtml", "input/tex", "input/mml", "a11y/", "ui/", "sre/", "adaptors/"))
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Headless, as root in a container, and quiet: no update, sync or other background requests
# (the browser tests and the PDF edition run offline).
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-quic",
                  "--no-first-run"]


def chromium_path():
    return os.environ.get("D2L_CHROMIUM") or shutil.which("chromium") or DEFAULT_CHROMIUM


def can_apt():
    return hasattr(os, "geteuid") and os.geteuid() == 0 and bool(shutil.which("apt-get"))


APT_INSTALL = ["apt-get", "install", "-y", "-qq", "--no-install-recommends"]


def apt_install(package):
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(APT_INSTALL + [package], check=True, env=env)


def ensure_chromium():
    path = chromium_path()
    if Path(path).exists():
        return path
    if can_apt():
        apt_install("chromium")
        return chromium_path()
    sys.exit("The browser tests need Chromium. Install it with `sudo apt-get install "
             "--no-install-recommends chromium`, or set D2L_CHROMIUM to a Chromium or Chrome "
             "executable.")


def ensure_cjk_font():
    """A font with Chinese glyphs, so the screenshots show the book's Chinese terms."""
    if not shutil.which("fc-list"):
        return "unknown (no fc-list)"
    if subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout.strip():
        return "present"
    if can_apt():
        apt_install("fonts-wqy-zenhei")
        return "installed fonts-wqy-zenhei"
    print("warning: no Chinese font (sudo apt-get install --no-install-recommends "
          "fonts-wqy-zenhei): the screenshots will show boxes in place of the Chinese terms",
          file=sys.stderr)
    return "missing"


def ensure_poppler():
    """pdftotext and pdffonts, with which tests/test_pdf.py reads the PDF edition."""
    if shutil.which("pdftotext") and shutil.which("pdffonts"):
        return shutil.which("pdftotext")
    if can_apt():
        apt_install("poppler-utils")
        return shutil.which("pdftotext")
    sys.exit("The PDF test reads the PDF with poppler-utils: run `sudo apt-get install "
             "poppler-utils` (and `sudo apt-get install fonts-wqy-zenhei` for the Chinese terms).")


def ensure_mathjax():
    marker = MATHJAX_DIR / "es5" / "tex-mml-chtml.js"
    if marker.exists():
        return MATHJAX_DIR
    with urllib.request.urlopen(f"https://registry.npmjs.org/mathjax/{MATHJAX_VERSION}",
                                timeout=60) as r:
        dist = json.load(r)["dist"]
    with urllib.request.urlopen(dist["tarball"], timeout=300) as r:
        data = r.read()
    algo, digest = dist["integrity"].split("-", 1)
    if algo != "sha512" or base64.b64encode(hashlib.sha512(data).digest()).decode() != digest:
        sys.exit(f"MathJax tarball from {dist['tarball']} does not match the registry's hash; "
                 "try again later.")
    tmp = MATHJAX_DIR.with_name("mathjax.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(MATHJAX_PARTS)]
        for m in members:
            m.name = m.name[len("package/"):]
        tar.extractall(tmp, members=members, filter="data")
    shutil.rmtree(MATHJAX_DIR, ignore_errors=True)
    tmp.rename(MATHJAX_DIR)
    return MATHJAX_DIR


def main(argv):
    if argv == ["--mathjax"]:
        print(f"mathjax {MATHJAX_VERSION}: {ensure_mathjax()}")
        return 0
    print(f"chromium: {ensure_chromium()}")
    print(f"Chinese font: {ensure_cjk_font()}")
    print(f"mathjax {MATHJAX_VERSION}: {ensure_mathjax()}")
    if argv == ["--pdf"]:
        print(f"poppler-utils: {ensure_poppler()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
