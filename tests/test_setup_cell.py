"""The notebooks' setup cell: installs d2lutils wherever it is missing and never replaces torch.

Each test runs the cell, exactly as `tools/nbtool.py` writes it into every notebook, in a
throwaway virtual environment: a hard-linked copy of this project's .venv (no copying of
torch's gigabyte) with d2lutils taken out. Only the package source is swapped for a local
copy of this checkout, since the machines that run the tests cannot reach GitHub.
"""
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import nbtool
import pytest
from layout import ROOT

SITE = Path(sysconfig.get_paths()["purelib"])
GIT_SOURCE = f"d2lutils @ git+{nbtool.repo_url()}@{nbtool.branch()}"
pytestmark = pytest.mark.skipif(sys.prefix == sys.base_prefix, reason="needs the project's venv")


def torch_version():
    return __import__("importlib.metadata").metadata.version("torch")


@pytest.fixture(scope="module")
def package_source(tmp_path_factory):
    """This checkout's package, copied so that pip's build writes nothing into the repository."""
    src = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "d2lutils", src / "d2lutils", ignore=shutil.ignore_patterns("__pycache__"))
    return src


@pytest.fixture
def venv_dir(tmp_path):
    """A temporary folder on the file system of .venv (hard links cannot cross file systems)."""
    (ROOT / "_build").mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="setup-cell-", dir=ROOT / "_build"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def make_venv(path, torch=None):
    """A venv sharing this one's packages (hard links) but without d2lutils; optionally with
    a stand-in torch distribution of another version (metadata only) in place of the real one."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    site = next((path / "lib").glob("python3*/site-packages"))
    shutil.rmtree(site)
    shutil.copytree(SITE, site, copy_function=os.link, symlinks=True,
                    ignore=shutil.ignore_patterns("*d2lutils*", "__pycache__"))
    if torch:
        for info in site.glob("torch-*.dist-info"):
            shutil.rmtree(info)
        info = site / f"torch-{torch}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: torch\nVersion: {torch}\n")
        (info / "INSTALLER").write_text("pip\n")
        (info / "RECORD").write_text("")
    return path / "bin" / "python"


def setup_cell(package_source, dry_run_report=None):
    """The cell as the notebooks carry it, with the package source swapped for a local copy."""
    code = nbtool.setup_source()
    assert GIT_SOURCE in code
    code = code.replace(GIT_SOURCE, f"d2lutils @ file://{package_source}")
    if dry_run_report:
        install = '"install", "-q",'
        assert install in code
        code = code.replace(install, f'{install} "--dry-run", "--report", {str(dry_run_report)!r},')
        code = code.split("    importlib.invalidate_caches()")[0]   # nothing was installed to report on
    return code


def run_python(python, code, **kwargs):
    """Run code with `python` outside the repository and without PYTHONPATH: in neither
    may `import d2lutils` find this checkout."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True,
                          cwd=tempfile.gettempdir(), env=env, **kwargs)


def test_does_nothing_where_d2lutils_is_importable(package_source):
    result = run_python(sys.executable, setup_cell(package_source), check=True)
    assert result.stdout == "d2lutils is already importable; nothing installed\n"


def test_keeps_a_torch_other_than_the_pin(tmp_path, venv_dir, package_source):
    """pip's own plan, in a venv whose torch (2.1.0) differs from requirements.txt's pin."""
    python = make_venv(venv_dir / "venv", torch="2.1.0")
    report = tmp_path / "report.json"
    result = run_python(python, setup_cell(package_source, dry_run_report=report))
    assert result.returncode == 0, result.stderr
    planned = {item["metadata"]["name"].lower() for item in json.loads(report.read_text())["install"]}
    assert "d2lutils" in planned and "torch" not in planned, planned


def test_refuses_to_replace_a_torch_that_is_too_old(tmp_path, venv_dir, package_source):
    python = make_venv(venv_dir / "venv", torch="2.0.0")
    result = run_python(python, setup_cell(package_source, dry_run_report=tmp_path / "r.json"))
    assert result.returncode != 0
    assert "RuntimeError: pip could not install d2lutils beside torch==2.0.0" in result.stderr
    assert "upgrade torch, then run this cell again" in result.stderr


def test_installs_in_a_plain_venv_and_leaves_torch_alone(tmp_path, venv_dir, package_source):
    python = make_venv(venv_dir / "venv")
    torch_files = {p: p.stat().st_mtime_ns for p in SITE.glob("torch-*.dist-info/*")}
    assert run_python(python, "import d2lutils").returncode != 0   # missing before
    result = run_python(python, setup_cell(package_source) + "\nimport d2lutils, torch\n"
                        "print(d2lutils.__file__)\nprint(torch.__version__)")
    assert result.returncode == 0, result.stderr
    first, where, version = result.stdout.splitlines()
    assert first.startswith("installed d2lutils 0.1.0 from") and first.endswith("kept")
    assert where.startswith(str(venv_dir / "venv")) and version == torch_version()
    assert {p: p.stat().st_mtime_ns for p in SITE.glob("torch-*.dist-info/*")} == torch_files


def test_installs_in_a_fake_colab_kernel(tmp_path, venv_dir, package_source):
    """As in Colab: a Jupyter kernel where `google.colab` imports and d2lutils is missing."""
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    python = make_venv(venv_dir / "venv")
    spec = tmp_path / "kernels" / "fake-colab"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "fake Colab", "language": "python"}))
    colab = tmp_path / "fake_colab" / "google" / "colab"
    colab.mkdir(parents=True)
    (colab / "__init__.py").write_text("")
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "fake_colab"))
    km = KernelManager(kernel_name="fake-colab",
                       kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec.parent)]))
    km.start_kernel(cwd=str(tmp_path), env=env)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)

        def run(code):
            out = []
            reply = kc.execute_interactive(code, timeout=300,
                                           output_hook=lambda m: out.append(m["content"].get("text", "")))
            assert reply["content"]["status"] == "ok", reply["content"]
            return "".join(out)

        assert run("import sys, google.colab; print(sys.executable)").strip() == str(python)
        said = run(setup_cell(package_source))
        assert said.startswith("installed d2lutils 0.1.0 from") and said.strip().endswith("kept"), said
        shown = run("import d2lutils, torch; print(d2lutils.__file__); print(torch.__version__)")
        where, version = shown.split()
        assert where.startswith(str(venv_dir / "venv")) and version == torch_version()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
