"""Show the diagrams that notebooks carry as markdown-cell attachments.

A notebook shows a diagram as `![alt text](attachment:NAME.svg)`, with the SVG in the cell's
`attachments` (tools/nbtool.py embeds it from tools/diagrams.py). Jupyter, JupyterLab,
Colab, VS Code and GitHub render that with no file beside the notebook. MyST-NB ignores
attachments (executablebooks/MyST-NB#492 and #655): it leaves an image whose address is
`attachment:NAME.svg`, which Sphinx would look for as a file and not find.

Before Sphinx collects a page's images, this extension reads the page's notebook and turns
each such address into a `data:` URI holding the attachment, which the HTML builder writes
into the page unchanged. An image whose attachment is missing is a warning, so an error
under `-W`.
"""
import json
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)
PREFIX = "attachment:"


def notebook_attachments(path):
    """{name: (mime type, base64 data)} of every attachment of the notebook's cells."""
    found = {}
    for cell in json.loads(Path(path).read_text(encoding="utf-8")).get("cells", []):
        for name, bundle in (cell.get("attachments") or {}).items():
            for mime, data in bundle.items():
                found[name] = (mime, "".join(data) if isinstance(data, list) else data)
    return found


def resolve_attachments(app, doctree):
    images = [n for n in doctree.findall(nodes.image) if n.get("uri", "").startswith(PREFIX)]
    if not images:
        return
    path = Path(app.env.doc2path(app.env.docname))
    attachments = notebook_attachments(path) if path.suffix == ".ipynb" else {}
    for image in images:
        name = image["uri"][len(PREFIX):]
        if name not in attachments:
            logger.warning("%s shows attachment %s, which its cell does not carry (run `make sync`)",
                           path.name, name, location=image)
            image.replace_self(nodes.inline(text=image.get("alt", name)))
            continue
        mime, data = attachments[name]
        image["uri"] = f"data:{mime};base64,{data}"


def setup(app):
    # before Sphinx's image collector (priority 500), which would look for a file
    app.connect("doctree-read", resolve_attachments, priority=400)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
