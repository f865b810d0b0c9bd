"""book/_ext/figure_alt.py: alt text read from the text matplotlib keeps in its SVG output."""
import io
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from conftest import ROOT  # noqa: E402

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import figure_alt  # noqa: E402


def svg_of(fig):
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    return buffer.getvalue()


def test_a_line_plot_is_described_by_its_labels_and_legend():
    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [3, 2, 1], label="train loss")
    ax.plot([0, 1, 2], [1, 2, 3], label="test acc")
    ax.set(xlabel="epoch", ylabel="loss", title="LeNet & friends")
    ax.legend()
    alt = figure_alt.describe_svg(svg_of(fig))
    assert alt.startswith("Plot of “LeNet & friends”: loss against epoch (")
    assert alt.endswith("; legend: train loss, test acc.")


def test_an_image_grid_is_described_by_its_titles():
    fig, axes = plt.subplots(1, 3)
    for ax, title in zip(axes, ["t-shirt", "trouser", "bag"]):
        ax.imshow([[0, 1], [1, 0]])
        ax.set_title(title)
        ax.axis("off")
    assert figure_alt.describe_svg(svg_of(fig)) == "Grid of 3 panels titled t-shirt, trouser, bag."


def test_mathtext_and_several_panels():
    fig, axes = plt.subplots(1, 2)
    axes[0].plot([1, 2], [1, 2])
    axes[0].set(xlabel="$x_1$", ylabel="$f(x)$")
    axes[1].plot([1, 2], [2, 1])
    axes[1].set(xlabel="step", ylabel="$\\eta$", yscale="log")
    alt = figure_alt.describe_svg(svg_of(fig))
    assert alt.startswith("Figure with 2 panels: f(x) against x_1 (")
    assert "eta against step" in alt and "$" not in alt


def test_other_images_get_a_generic_description():
    assert figure_alt.describe_svg("<svg xmlns='http://www.w3.org/2000/svg'/>") is None
    assert figure_alt.describe_svg("not xml") is None


def test_a_long_description_drops_whole_panels_and_stays_a_sentence():
    fig, axes = plt.subplots(2, 4)
    for i, ax in enumerate(axes.flat):
        ax.plot([0, 1], [i, -i], label=f"optimiser number {i} with a long name")
        ax.set(title=f"Panel {i}: a title long enough to matter", xlabel="x1", ylabel="x2")
        ax.legend()
    alt = figure_alt.describe_svg(svg_of(fig))
    assert len(alt) <= figure_alt.MAX_LEN and alt.endswith(" more panels.")
    assert alt.startswith("Figure with 8 panels: “Panel 0: a title long enough to matter”")
    shown = alt.count("“Panel ")
    assert 1 <= shown < 8 and alt.endswith(f"and {8 - shown} more panels.")


def test_one_panel_too_long_by_itself_is_cut_at_a_word():
    fig, ax = plt.subplots()
    for i in range(8):
        ax.plot([0, 1], [i, i], label=f"a rather long legend entry number {i} " * 2)
    ax.set(title="T" * 40, xlabel="epoch", ylabel="loss")
    ax.legend()
    alt = figure_alt.describe_svg(svg_of(fig))
    assert len(alt) <= figure_alt.MAX_LEN and alt.endswith(" and more.")
    assert alt.startswith("Plot of “" + "T" * 40 + "”: loss against epoch")
