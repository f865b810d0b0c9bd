"""The PDF edition (`make pdf`, tools/build_pdf.py), read back as a reader's viewer reads it.

`make test-pdf` (part of `make test`) builds _build/pdf/book.pdf, then runs these. The text
comes from poppler's pdftotext, the fonts from pdffonts, the outline, links and images from
pikepdf and pdfimages; what the PDF should contain comes from _toc.yml and the notebooks.
"""
import base64
import re
import shutil
import statistics
import subprocess
import unicodedata

import nbformat
import pikepdf
import pytest
import yaml
from layout import PDF, ROOT, notebooks

pytestmark = pytest.mark.pdf

STAGE = ROOT / "_build" / "pdf" / "src"   # the sources tools/build_pdf.py printed
SINGLE = STAGE / "_build" / "singlehtml"
CJK_FONT = re.compile(r"WenQuanYi|ZenHei|CJK|Droid ?Sans ?Fallback|AR ?PL|Hei|Song|Ming", re.I)
RAW_LATEX = ("$$", "\\frac", "{glue", "\\mathbf", "\\begin{", "\\(", "\\[")
CHROME = ("Skip to main content", "Ctrl+K", "Back to top", "Toggle primary sidebar",
          "© Copyright", "Click to show", "Launch Binder", "Show code cell", "Hide code cell")
WIDGET_NOTE = "An interactive widget is here in the notebook"


def norm(text):
    """Text compared the way a reader reads it: one space for any run of white space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def poppler(tool, *args):
    if not shutil.which(tool):
        pytest.fail(f"{tool} is missing: `make pdf-setup` installs poppler-utils (as root), "
                    "or run `sudo apt-get install poppler-utils`")
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True).stdout


def title_of(file):
    """The H1 of a page of the book, as rendered (no Markdown marks)."""
    path = ROOT / (file + (".md" if (ROOT / (file + ".md")).is_file() else ".ipynb"))
    if path.suffix == ".md":   # its first heading: a page may open with front matter
        first = next(line for line in path.read_text().splitlines() if line.startswith("# "))
    else:
        first = nbformat.read(path, as_version=4).cells[0].source.splitlines()[0]
    return norm(first.removeprefix("# ").replace("`", "").replace("*", ""))


def toc():
    """[(chapter file, [section files])] in reading order, the root (the preface) first."""
    data = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [(data["root"], [])] + [(c["file"], [s["file"] for s in c.get("sections", [])])
                                    for part in data["parts"] for c in part["chapters"]]


@pytest.fixture(scope="module")
def pdf():
    if not PDF.is_file():
        pytest.fail(f"{PDF} is missing: run `make pdf`")
    with pikepdf.open(PDF) as doc:
        yield doc


@pytest.fixture(scope="module")
def pages(pdf):
    """The text of each page (index 0 is page 1)."""
    text = poppler("pdftotext", str(PDF), "-").split("\f")
    return text[:len(pdf.pages)]


@pytest.fixture(scope="module")
def raw_text(pdf):
    """The text in the order it was drawn (-raw), without the page numbers. It keeps the
    prose's words together, where the layout order can interleave superscripts or the
    continuation of a wrapped line of code."""
    pages = poppler("pdftotext", "-raw", str(PDF), "-").split("\f")[:len(pdf.pages)]
    return " ".join(re.sub(r"\n\d+\n*$", "", p) for p in pages)


@pytest.fixture(scope="module")
def reading_text(pages):
    """The text in reading order, without the page numbers. Where a paragraph runs on over
    a page break, -raw may put something drawn later on the page (an explorer's key, say)
    between its two halves; reading order keeps them together."""
    return " ".join(re.sub(r"\n\s*\d+\s*$", "", p) for p in pages)


@pytest.fixture(scope="module")
def outline(pdf):
    """[(title, page, [(title, page, [...]), ...]), ...], pages counted from 1."""
    number = {page.objgen: i + 1 for i, page in enumerate(pdf.pages)}

    def entry(item):
        return (item.title, number[item.destination[0].objgen], [entry(c) for c in item.children])

    with pdf.open_outline() as ol:
        return [entry(item) for item in ol.root]


def test_page_count_is_plausible(pdf, pages):
    sections = len(notebooks())
    # every chapter and section starts a page; a section is some 4 to 15 pages of A4
    assert 4 * sections <= len(pdf.pages) <= 15 * sections, len(pdf.pages)
    assert len(pages) == len(pdf.pages)


def test_title_page_then_contents(pages):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert norm(config["title"]) in norm(pages[0])
    assert "Contents" not in pages[0]   # the theme's print header (title and contents) is gone
    assert norm(pages[1]).startswith("Contents")


def test_every_chapter_and_section_title_is_in_the_text(pages):
    # after the contents, which list them all: the chapters themselves must show them
    preface = next((i for i, p in enumerate(pages) if norm(p).startswith("Preface")), None)
    assert preface, "no page starts with the preface"
    text = norm(" ".join(pages[preface:]))
    files = [f for chapter, sections in toc()[1:] for f in [chapter, *sections]]
    missing = [title_of(f) for f in files if title_of(f) not in text]
    assert not missing, missing
    assert len(files) > len(notebooks())


def code_text():
    """Everything the book prints as code: cells' sources and outputs, and fenced blocks."""
    parts = []
    for path in (STAGE / "notebooks").rglob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                parts.append(cell.source)
                for out in cell.get("outputs", []):
                    parts.append(out.get("text", "") + out.get("data", {}).get("text/plain", ""))
    for path in (ROOT / "book").glob("*.md"):
        parts += re.findall(r"```.*?```", path.read_text(), re.S)
    return norm("\n".join(parts))


def test_no_raw_latex_or_glue_in_the_prose(pages, outline):
    """Formulas are typeset and glue is resolved: no TeX is left in the text, except where
    the book shows code (a plot label written in TeX is code)."""
    code = code_text()
    section_at = sorted((page, title) for _, _, sections in outline for title, page, _ in sections)
    raw = []
    for number, page in enumerate(pages, 1):
        for line in page.splitlines():
            if any(mark in line for mark in RAW_LATEX) and norm(line) not in code:
                where = [title for start, title in section_at if start <= number][-1:]
                raw.append(f"page {number} ({', '.join(where)}): {line.strip()}")
    assert not raw, "\n".join(raw)


def test_fonts_are_embedded_and_one_is_cjk(pages):
    rows = [line.split() for line in poppler("pdffonts", str(PDF)).splitlines()[2:]]
    assert rows
    not_embedded = [" ".join(r) for r in rows if r[-5] != "yes"]
    assert not not_embedded, not_embedded
    glossary = next((i for i, p in enumerate(pages, 1) if p.lstrip().startswith("Glossary")), None)
    assert glossary, "no page starts with the glossary"
    on_glossary = poppler("pdffonts", "-f", str(glossary), "-l", str(glossary), str(PDF))
    assert CJK_FONT.search(on_glossary), on_glossary   # the Chinese terms, in a CJK font
    assert "中文" in pages[glossary - 1]


def test_outline_has_every_chapter_with_its_sections(outline):
    entries = {title: (page, [t for t, _, _ in children]) for title, page, children in outline}
    chapters = [(c, s) for c, s in toc()[1:] if c.startswith("notebooks/") and c.endswith("/index")]
    assert len(chapters) == 10
    for chapter, sections in chapters:
        assert title_of(chapter) in entries, (title_of(chapter), list(entries))
        assert entries[title_of(chapter)][1] == [title_of(s) for s in sections]
    top = [title for title, _, _ in outline]
    assert top[0] == "Preface" and top[1:] == [title_of(c) for c, _ in toc()[1:]]
    flat = []

    def walk(items):
        for _, page, children in items:
            flat.append(page)
            walk(children)

    walk(outline)
    assert flat == sorted(flat) and len(flat) > 300   # subsections too, in page order


def test_contents_give_each_page_and_link_to_it(pdf, pages, outline):
    first = outline[0][1]   # the preface follows the contents
    contents = norm(" ".join(pages[1:first - 1]))
    expected = [(t, p) for t, p, children in outline]
    expected += [(t, p) for _, _, children in outline[1:] for t, p, _ in children
                 if re.match(r"\d+\.\d+ ", t)]
    wrong = [(t, p) for t, p in expected if not re.search(re.escape(t) + rf" {p}\b", contents)]
    assert not wrong, wrong
    dests = pdf.Root.Dests
    number = {page.objgen: i + 1 for i, page in enumerate(pdf.pages)}
    targets = []
    for page in pdf.pages[1:first - 1]:
        for annot in page.get("/Annots", []):
            if "/Dest" in annot:
                targets.append(number[dests[str(annot.Dest)][0].objgen])
    assert sorted(targets) == sorted(p for _, p in expected)


def solution_phrases():
    """From every solution in the notebooks, its first run of eight plain words."""
    phrases = []
    for path in notebooks():
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "markdown":
                continue
            for body in re.findall(r"</summary>(.*?)</details>", cell.source, re.S):
                run = re.search(r"[A-Za-z]+(?:[ \n]+[A-Za-z]+){7}", body)
                if run:
                    phrases.append((path.stem, norm(run.group())))
    return phrases


def test_solutions_are_printed_open(raw_text, reading_text):
    phrases = solution_phrases()
    assert len(phrases) >= 2 * len(notebooks())
    raw, reading = norm(raw_text), norm(reading_text)
    missing = [p for p in phrases if p[1] not in raw and p[1] not in reading]
    assert not missing, missing


@pytest.fixture(scope="module")
def words(pdf):
    """(page width, [(xMin, yMin, xMax, yMax) of every word]) from pdftotext -bbox. Only
    words with a letter or digit: some of MathJax's glyphs come with huge boxes."""
    html = poppler("pdftotext", "-bbox", str(PDF), "-")
    width = float(re.search(r'<page width="([\d.]+)"', html).group(1))
    boxes = re.findall(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" '
                       r'yMax="([-\d.]+)">[^<]*\w', html)
    return width, [tuple(map(float, b)) for b in boxes]


def test_text_is_printed_at_its_size(words):
    """Chromium shrinks every page to fit when anything is wider than the page: the text
    keeps its size only if nothing is (body text is 9 pt, its words' boxes 10.5 pt high)."""
    _, boxes = words
    assert len(boxes) > 100_000
    assert statistics.median(y1 - y0 for _, y0, _, y1 in boxes) > 9.5


def test_code_is_wrapped_not_cut(words, raw_text):
    # nothing is drawn beyond the page's edge ...
    width, boxes = words
    right = max(x1 for _, _, x1, _ in boxes)
    assert right <= width - 20, right   # inside the 16 mm margin, nearly
    # ... and the longest code lines are there in full. nbtool keeps every line within
    # CODE_LINE_LIMIT, which the print column holds; a longer output line wraps (pre-wrap).
    import nbtool

    text = re.sub(r"\s+", "", raw_text)
    lines = []
    for path in notebooks():
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and "remove-cell" not in cell.metadata.get("tags", []):
                lines += cell.source.splitlines()
    longest = sorted(lines, key=len)[-10:]
    assert nbtool.CODE_LINE_LIMIT - 5 <= len(longest[0]) <= len(longest[-1]) <= nbtool.CODE_LINE_LIMIT
    # ... and so are the longest lines the cells printed, wider than the column: wrapped
    printed = []
    for path in (STAGE / "notebooks").rglob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and "remove-cell" not in cell.metadata.get("tags", []):
                printed += [line for out in cell.get("outputs", []) if out.get("output_type") == "stream"
                            for line in out.get("text", "").splitlines()]
    longest_printed = sorted(printed, key=len)[-10:]
    assert len(longest_printed[0]) > 120   # the column holds about 105 characters of code
    cut = [line for line in longest + longest_printed if re.sub(r"\s+", "", line) not in text]
    assert not cut, cut


def figures():
    """The SVG figures of the printed page (_images also keeps those of earlier builds)."""
    page = (SINGLE / "book.html").read_text()
    names = set(re.findall(r'src="_images/([^"]+\.svg)"', page))
    return [SINGLE / "_images" / name for name in sorted(names)]


def bitmap_sizes_in_figures():
    """(width, height) in pixels of every bitmap the SVG figures hold (imshow's images)."""
    sizes = []
    for svg in figures():
        for data in re.findall(r'href="data:image/png;base64,([^"]+)"', svg.read_text(errors="replace")):
            sizes.append(png_size(data))
    return sizes


def png_size(data):
    header = base64.b64decode(re.sub(r"\s", "", data)[:32])   # PNG: size at bytes 16-24
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


def explorer_backgrounds():
    """(width, height) of the explorers' axes: one picture each (d2lutils.explorers), its
    runs drawn over it as vector paths."""
    page = (SINGLE / "book.html").read_text()
    return [png_size(data) for data in re.findall(r'<image [^>]*href="data:image/png;base64,([^"]+)"', page)]


def test_figures_stay_vector(pdf):
    assert len(figures()) > 100   # the figures are SVG
    listed = poppler("pdfimages", "-list", str(PDF)).splitlines()[2:]
    images = [(int(r.split()[3]), int(r.split()[4])) for r in listed if r.split()[2] == "image"]
    # a figure, or a box's shadow, printed as a picture would be an image of its own size; the
    # only images are the bitmaps inside figures and the explorers' axes
    explorers = explorer_backgrounds()
    assert len(explorers) >= 8
    assert sorted(images) == sorted(bitmap_sizes_in_figures() + explorers)


def test_no_navigation_chrome_and_widgets_in_static_form(pages):
    text = norm(" ".join(pages))
    found = [c for c in CHROME if c in text]
    assert not found, found
    widgets = 0   # cells whose output is a widget: each has one line in the PDF instead
    for path in (STAGE / "notebooks").rglob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            widgets += any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
                           for o in cell.get("outputs", []))
    assert widgets >= 5 and text.count(WIDGET_NOTE) == widgets
