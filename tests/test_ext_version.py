"""book/_ext/ext_version.py: an edit to any book extension changes the env_version."""
import shutil
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import ext_version  # noqa: E402


def test_the_version_follows_every_extension_file(tmp_path):
    folder = tmp_path / "_ext"
    shutil.copytree(ROOT / "book" / "_ext", folder, ignore=shutil.ignore_patterns("__pycache__"))
    assert ext_version.digest(folder) == ext_version.digest()
    before = ext_version.digest(folder)
    (folder / "figure_alt.py").write_text((folder / "figure_alt.py").read_text() + "\n# edit\n")
    assert ext_version.digest(folder) != before
    (folder / "figure_alt.py").unlink()
    assert ext_version.digest(folder) not in (before, ext_version.digest())
    assert 0 < before < 2**63   # Sphinx stores it as a number


def test_the_book_loads_it():
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["sphinx"]["local_extensions"]["ext_version"] == "book/_ext"
