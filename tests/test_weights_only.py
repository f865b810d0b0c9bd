"""torch.load unpickles, and so runs, whatever code a file names unless weights_only=True, and
pyproject.toml allows torch 2.1, where that is not the default. Every call in the book, the
package, the tools and the tests must say weights_only=True; weights_only=False is allowed
only where a comment on the line (or, in a notebook, in the cell) explains the danger."""
import ast
import json
import re

from conftest import ROOT

FOLDERS = ("notebooks", "d2lutils", "tools", "tests", "benchmarks")
EXPLAINED = re.compile(r"#.*\b(trust|danger|unsafe|arbitrary|malicious)", re.IGNORECASE)


def sources():
    """(where, code) for every Python file and every notebook code cell."""
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if ".venv" not in path.parts:
                yield str(path.relative_to(ROOT)), path.read_text()
        for path in sorted((ROOT / folder).rglob("*.ipynb")):
            if ".ipynb_checkpoints" in path.parts:
                continue
            for i, cell in enumerate(json.loads(path.read_text())["cells"]):
                if cell["cell_type"] == "code":
                    yield f"{path.relative_to(ROOT)} cell {i}", "".join(cell["source"])


def unsafe_loads(where, code):
    """The torch.load calls in `code` that do not pass weights_only=True."""
    # IPython's !shell and %magic lines are not Python: blank them, keeping line numbers
    code = "\n".join("" if line.lstrip()[:1] in "!%" and line.strip() else line
                     for line in code.splitlines())
    lines = code.splitlines()
    found = []
    for node in ast.walk(ast.parse(code)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "load" and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "torch"):
            continue
        flag = next((k.value for k in node.keywords if k.arg == "weights_only"), None)
        value = flag.value if isinstance(flag, ast.Constant) else None
        call_lines = "\n".join(lines[node.lineno - 1:node.end_lineno])
        explained = EXPLAINED.search(call_lines) or (" cell " in where and EXPLAINED.search(code))
        if value is True or (value is False and explained):
            continue
        found.append(f"{where}, line {node.lineno}: {call_lines.strip()}")
    return found


def test_the_scanner_tells_safe_from_unsafe_calls():
    assert unsafe_loads("x.py", "torch.load(f)") != []
    assert unsafe_loads("x.py", "torch.load(\n  f,\n  map_location='cpu')") != []
    assert unsafe_loads("x.py", "torch.load(f, weights_only=True)") == []
    assert unsafe_loads("x.py", "torch.load(f, weights_only=False)") != []
    assert unsafe_loads("x.py", "torch.load(f, weights_only=False)  # trusts the file") == []
    assert unsafe_loads("x.py", "x = 1  # trust\ntorch.load(f, weights_only=False)") != []
    cell = "# this runs the file's code: only for files you trust\ntorch.load(f, weights_only=False)"
    assert unsafe_loads("a.ipynb cell 3", cell) == []
    assert unsafe_loads("a.ipynb cell 3", "%time x = 1\ntorch.load(f)") != []
    assert unsafe_loads("x.py", "'torch.load(f)'  # only a string") == []


def test_every_torch_load_passes_weights_only():
    """Probe 9 of issue 16: 10.7 called torch.load(buffer) without weights_only=True."""
    unsafe = [call for where, code in sources() for call in unsafe_loads(where, code)]
    assert unsafe == [], "pass weights_only=True (or explain weights_only=False in a comment):\n" \
        + "\n".join(unsafe)
