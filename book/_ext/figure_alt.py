"""Alt text for the figures that notebook cells draw.

A figure that matplotlib draws in a notebook reaches the HTML as an image with no alt
text, so screen readers announce only its file name. Matplotlib's SVG output keeps every
piece of text it drew, as a comment beside the glyph outlines. This extension reads the
titles, axis labels, tick ranges and legend entries from those comments and writes a short
description into each image's alt attribute. An explicit `mystnb: image: alt:` in the
cell's metadata takes precedence.
"""
import html
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from docutils import nodes

MAX_LEN = 400


def _texts(element):
    """The strings of the matplotlib text groups directly inside `element`."""
    out = []
    for child in element:
        if child.tag.endswith("g") and child.get("id", "").startswith("text_"):
            out += [c.text.strip() for c in child.iter() if c.tag is ET.Comment and c.text]
    return [t for t in out if t]


def _axis(axis):
    """(label, first tick, last tick) of a matplotlib.axis group."""
    ticks = []
    for child in axis:
        if re.match(r"[xy]tick_\d+", child.get("id", "")):
            ticks += _texts(child)   # a tick's label is a text group inside the tick
    label = " ".join(_texts(axis))
    return label, (ticks[0] if ticks else None), (ticks[-1] if ticks else None)


def _clean(text):
    # the comments keep XML escapes and mathtext markup ($...$, \mathdefault{...})
    text = re.sub(r"\\mathdefault\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}", r"\1", html.unescape(text))
    return text.replace("$", "").replace("\\", "").replace("{", "").replace("}", "").strip()


def describe_axes(ax):
    texts = [_clean(t) for t in _texts(ax)]
    parts, labels = [], {}
    if len(texts) > 2:   # not a title but labels drawn inside the panel
        shown = ", ".join(texts[:8]) + (", …" if len(texts) > 8 else "")
        parts.append(f"labelled {shown}")
        texts = []
    title = ", ".join(texts)
    for child in ax:
        cid = child.get("id", "")
        if cid.startswith("matplotlib.axis_"):
            labels[len(labels)] = _axis(child)
        elif cid.startswith("legend_"):
            entries = [_clean(t) for g in child.iter() if g.get("id", "").startswith("text_")
                       for t in _texts([g])]
            if entries:
                parts.append("legend: " + ", ".join(dict.fromkeys(entries)))
    x = labels.get(0, ("", None, None))
    y = labels.get(1, ("", None, None))
    if x[0] or y[0]:
        desc = f"{_clean(y[0]) or 'values'} against {_clean(x[0]) or 'x'}"
        if x[1] is not None and x[2] is not None and x[1] != x[2]:
            desc += f" ({_clean(x[1])} to {_clean(x[2])})"
    elif title:
        desc = ""
    elif parts:
        desc = "a diagram"
    else:
        desc = "a panel without labels"
    if title:
        desc = f"“{title}”" + (f": {desc}" if desc else "")
    return "; ".join([desc] + parts)


def describe_svg(text):
    """A one-sentence description of a matplotlib SVG, or None if it is not one."""
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    try:
        root = ET.fromstring(text, parser=parser)
    except ET.ParseError:
        return None
    figure = next((g for g in root.iter() if g.get("id") == "figure_1"), None)
    if figure is None:
        return None
    suptitle = ", ".join(_clean(t) for t in _texts(figure))
    axes = [g for g in figure if g.get("id", "").startswith("axes_")]
    panels = [describe_axes(ax) for ax in axes]
    # colour bars and other label-less helper axes add nothing for a reader
    panels = [p for p in panels if p != "a panel without labels"] or panels[:1]
    if not panels:
        body = "Figure"
    elif len(panels) == 1:
        body = "Plot of " + panels[0]
    elif all(p.startswith("“") and ":" not in p for p in panels):
        body = f"Grid of {len(panels)} panels titled " + ", ".join(p.strip("“”") for p in panels)
    else:
        # while the sentence is longer than MAX_LEN, whole panels are left out from the end
        for shown in range(len(panels), 0, -1):
            rest = len(panels) - shown
            body = f"Figure with {len(panels)} panels: " + " | ".join(panels[:shown])
            body += f" | and {rest} more panels" if rest else ""
            if len(_sentence(suptitle, body)) <= MAX_LEN:
                break
    body = _sentence(suptitle, body)
    if len(body) > MAX_LEN:   # one panel too long by itself: cut at a word
        body = body[: MAX_LEN - len(" and more.")].rsplit(" ", 1)[0].rstrip(",;|") + " and more."
    return body


def _sentence(suptitle, body):
    body = f"{suptitle}. {body}" if suptitle else body
    return body.rstrip(".") + "."


def _image_file(app, docname, uri):
    for candidate in (Path(uri), Path(app.srcdir) / uri,
                      Path(app.srcdir) / Path(docname).parent / uri):
        if candidate.is_file():
            return candidate
    return None


def add_alt_text(app, doctree):
    docname = app.env.docname
    for image in doctree.findall(nodes.image):
        if image.get("alt"):
            continue
        uri = image.get("uri", "")
        path = _image_file(app, docname, uri) if uri.endswith(".svg") else None
        alt = describe_svg(path.read_text(errors="replace")) if path else None
        image["alt"] = alt or "Figure drawn by the code cell above."


def setup(app):
    app.connect("doctree-read", add_alt_text)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
