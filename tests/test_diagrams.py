"""tools/diagrams.py: the book's diagrams are small, deterministic, computed, and described."""
import html
import re
import xml.etree.ElementTree as ET

import diagrams  # tools/ is on the path via conftest
import pytest
import torch
from torch import nn

NAMES = sorted(diagrams.DIAGRAMS)


def visible_text(svg):
    return html.unescape(re.sub(r"<[^>]+>", "", svg))


@pytest.mark.parametrize("name", NAMES)
def test_diagram_is_a_small_deterministic_svg(name):
    svg = diagrams.draw(name)
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert int(root.get("width")) <= 684                 # fits the book's column unscaled
    assert len(svg.encode()) < 60_000
    assert diagrams.draw(name) == svg                    # nbtool check compares byte for byte
    assert root.find("{http://www.w3.org/2000/svg}rect").get("fill") == "#ffffff"   # its own card


@pytest.mark.parametrize("name", NAMES)
def test_alt_text_says_what_the_diagram_shows(name):
    alt = diagrams.DIAGRAMS[name][1]
    assert len(alt) > 80 and alt.endswith(".")
    assert "[" not in alt and "]" not in alt            # it sits inside ![...] in Markdown
    shown = set(re.findall(r"\d+", visible_text(diagrams.draw(name))))
    assert set(re.findall(r"\d+", alt)) <= shown         # no number the picture does not show


@pytest.mark.parametrize("name, facts", [
    ("conv-window.svg", ["= 19", "= 25", "= 37", "= 43"]),          # F.conv2d, not typed in
    ("conv-padding.svg", ["3 − 2 + 2 + 1 = 4", "Y[2, 2] = 43"]),
    ("conv-stride.svg", ["/ 3⌋ = 2", "row 2 and column 4 of the padded input are never used"]),
    ("conv-multi-in.svg", ["19 + 37 = 56"]),
    ("pooling.svg", ["its maximum is 4, its mean 2"]),
    ("lenet.svg", ["16×5×5", "total 61,706"]),
    ("batchnorm-channels.svg", ["= 200 values"]),
    ("residual-block.svg", ["output (4, 16, 3, 3)"]),
    ("dense-block.svg", ["23 channels"]),
    ("transition-layer.svg", ["(4, 10, 4, 4)"]),
])
def test_diagrams_show_computed_values(name, facts):
    text = visible_text(diagrams.draw(name))
    for fact in facts:
        assert fact in text, (fact, text[:400])


def test_output_size_is_the_layers_output_size():
    for n, k, p, s in [(7, 3, 0, 3), (28, 5, 2, 2), (3, 2, 2, 3), (8, 5, 2, 4)]:
        conv = nn.Conv1d(1, 1, k, padding=p // 2, stride=s)
        assert diagrams.output_size(n, k, p, s) == conv(torch.zeros(1, 1, n)).shape[-1]


def test_lenet_is_section_8_5s():
    assert sum(p.numel() for p in diagrams.lenet_layers().parameters()) == 61706


def test_rich_text_returns_to_the_baseline():
    tspans = diagrams._rich("c_{i} × k_{h}", 12)
    shifts = [float(x) for x in re.findall(r'dy="([-\d.]+)"', tspans)]
    assert len(shifts) == 3 and sum(shifts) == pytest.approx(3.6)   # ends on k's subscript
    assert "<tspan" not in diagrams._rich("plain", 12)


def test_command_line_writes_the_files(tmp_path):
    assert diagrams.main(["--out", str(tmp_path), "pooling.svg"]) == 0
    assert (tmp_path / "pooling.svg").read_text() == diagrams.draw("pooling.svg")
