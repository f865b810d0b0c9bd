"""Print the whole book to one PDF, from the executions `make test` or `make book` made.

    python tools/build_pdf.py      # `make pdf`; writes _build/pdf/book.pdf

1. Stages the book's sources into _build/pdf/src as `make test-book` does, execution off.
   Each notebook is its executed copy from _build/executed (`make test`) or, failing that,
   its execution in Jupyter Book's cache (`make book`). Nothing runs again.
2. Builds them into one HTML page (Jupyter Book's singlehtml builder).
3. Opens that page as a file in Debian's Chromium through Playwright, offline, waits for
   MathJax, and lets tools/pdf/prepare.js turn it into a printable book: a title page and
   a table of contents, chapters as the top headings (Chromium's PDF outline is built from
   the headings), solutions open, no navigation. tools/pdf/print.css is the print style.
4. Prints it twice. The first print tells on which page each chapter and section begins
   (from the PDF's named destinations, which the contents' links create); the second
   print writes those numbers into the contents, whose slots were already there, so that
   nothing moves. The second print is tagged: Chromium builds the outline (bookmarks)
   only from a tagged PDF's headings.
5. Rewrites the outline's titles from the headings' text (Chromium drops the space where
   a heading wraps, and can repeat a heading pushed to the next page), and saves the PDF
   with object streams: the tagged structure is some 180,000 small objects, which take
   the file from about 12 MB to 33 MB when each is written on its own.

A second run with the same single-page HTML, style and scripts prints nothing again.
The PDF is then copied beside each HTML book already built (`make book`'s, `make
test-book`'s), where the landing page links it: that is how the site publishes it.
"""
import hashlib
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import browser_setup
import build_book
import nbformat
import pikepdf
import yaml
from layout import BOOK_HTML, JUPYTER_CACHE, PDF, PDF_BUILD, ROOT

STAGE = PDF_BUILD / "src"
SINGLE = STAGE / "_build" / "singlehtml"
PAGE = SINGLE / "book.html"
HERE = Path(__file__).resolve().parent / "pdf"
FOOTER = ('<div style="width:100%;font-size:8pt;text-align:center;color:#555;'
          'font-family:sans-serif"><span class="pageNumber"></span></div>')
MARGIN = {"top": "16mm", "bottom": "18mm", "left": "16mm", "right": "16mm"}

WAIT_FOR_PAGE = """async () => {
  await new Promise((r) => (document.readyState === 'complete' ? r() : addEventListener('load', r)));
  for (let i = 0; i < 600 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++)
    await new Promise((r) => setTimeout(r, 50));
  if (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) return 'MathJax did not load';
  await MathJax.startup.promise;
  await document.fonts.ready;
  const broken = [...document.images].filter((i) => i.complete && i.naturalWidth === 0
                                              && !i.src.startsWith('https://colab.'));
  return broken.length ? 'images did not load: ' + broken.map((i) => i.src).join(' ') : 'ready';
}"""


def executed_or_cached(src):
    """The notebook with the outputs `make test` recorded, else those `make book` cached."""
    copy = build_book.executed(src)
    if copy is not None:
        return copy
    if not JUPYTER_CACHE.is_dir():
        return None
    from jupyter_cache import get_cache

    try:
        _, nb = get_cache(str(JUPYTER_CACHE)).merge_match_into_file(str(src), nb_meta=None)
    except KeyError:
        return None
    return nbformat.writes(nb)


def build_single_page():
    build_book.stage(STAGE, outputs=executed_or_cached,
                     hint="Run `make test` or `make book` first: the PDF shows their execution.")
    jb = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(jb), "build", str(STAGE), "--builder", "singlehtml", "-W", "-n", "--keep-going"]
    print(" ".join(cmd), flush=True)
    if subprocess.run(cmd).returncode:
        sys.exit("The single-page book did not build; see the warnings above.")
    # The root document is book/intro, so Sphinx writes book/intro.html, but with every
    # address relative to the output folder: the page only works from there.
    shutil.copy(SINGLE / "book" / "intro.html", PAGE)


def contents():
    """The book's parts, chapters and sections, from _toc.yml, for prepare.js."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    parts = [{"caption": part["caption"],
              "chapters": [{"doc": c["file"], "sections": [s["file"] for s in c.get("sections", [])]}
                           for c in part["chapters"]]}
             for part in toc["parts"]]
    return {"root": toc["root"], "parts": parts, "title": config["title"], "author": config["author"],
            "url": config["repository"]["url"], "date": date.today().isoformat()}


def page_numbers(path):
    """{named destination: 1-based page} of a printed PDF."""
    with pikepdf.open(path) as pdf:
        pages = {page.objgen: i + 1 for i, page in enumerate(pdf.pages)}
        dests = pdf.Root.get("/Dests", {})
        return {str(name).lstrip("/"): pages[dests[name][0].objgen] for name in dests.keys()}


def print_pdf(page, path, tagged):
    page.pdf(path=str(path), format="A4", margin=MARGIN, print_background=True, outline=tagged,
             tagged=tagged, display_header_footer=True, header_template="<span></span>",
             footer_template=FOOTER)


def finish(printed, titles, meta):
    """Outline titles from the headings, the book's metadata, and object streams."""
    with pikepdf.open(printed) as pdf:
        with pdf.open_outline() as outline:
            items, stack = [], list(reversed(outline.root))
            while stack:   # pre-order: the order of the headings in the page
                item = stack.pop()
                items.append(item)
                stack.extend(reversed(item.children))
            if len(items) != len(titles):
                sys.exit(f"The PDF outline has {len(items)} entries for {len(titles)} headings")
            for item, title in zip(items, titles):
                item.title = title
        with pdf.open_metadata(set_pikepdf_as_editor=False) as xmp:
            xmp["dc:title"] = meta["title"]
            xmp["dc:creator"] = [meta["author"]]
        pdf.docinfo["/Title"] = meta["title"]
        pdf.docinfo["/Author"] = meta["author"]
        pdf.Root.PageMode = pikepdf.Name.UseOutlines   # open with the bookmarks shown
        pdf.save(PDF, object_stream_mode=pikepdf.ObjectStreamMode.generate)


def render():
    from playwright.sync_api import sync_playwright

    blocked = set()

    def offline(route):
        if route.request.url.startswith("file://"):
            return route.continue_()
        blocked.add(route.request.url)
        return route.abort()

    meta = contents()
    draft, tagged = PDF.with_suffix(".draft.pdf"), PDF.with_suffix(".tagged.pdf")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_setup.chromium_path(),
                                    args=browser_setup.CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1000, "height": 1400})
        page.route("**/*", offline)
        # the light theme whatever the machine prefers: paper is white
        page.add_init_script("localStorage.setItem('mode', 'light'); localStorage.setItem('theme', 'light');")
        page.goto(PAGE.as_uri(), wait_until="load", timeout=300_000)
        state = page.evaluate(WAIT_FOR_PAGE)
        if state != "ready":
            sys.exit(f"{PAGE}: {state}")
        page.add_style_tag(path=str(HERE / "print.css"))
        missing = page.evaluate((HERE / "prepare.js").read_text(), meta)
        if missing:
            sys.exit(f"prepare.js found no section for: {missing}")
        page.emulate_media(media="print")
        print_pdf(page, draft, tagged=False)
        numbers = page_numbers(draft)
        unnumbered = page.evaluate("""(numbers) => {
          const slots = [...document.querySelectorAll('.pdf-toc [data-target]')];
          for (const s of slots) s.textContent = numbers[s.dataset.target] || '';
          return slots.filter((s) => !s.textContent).map((s) => s.dataset.target);
        }""", numbers)
        if unnumbered:
            sys.exit(f"No page found for: {unnumbered}")
        print_pdf(page, tagged, tagged=True)
        titles = page.evaluate("""() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
          .filter((h) => h.getClientRects().length)
          .map((h) => h.textContent.replace(/\\s+/g, ' ').trim())""")
        browser.close()
    moved = {k: v for k, v in page_numbers(tagged).items() if numbers.get(k) != v}
    if moved:
        sys.exit(f"Page numbers moved between the two prints: {moved}")
    finish(tagged, titles, meta)
    draft.unlink()
    tagged.unlink()
    external = {u for u in blocked if not u.startswith("https://colab.research.google.com/")}
    if external:
        print(f"warning: requests to other hosts refused: {sorted(external)}", file=sys.stderr)


def inputs_hash():
    """What the printed PDF depends on, once the single-page HTML is built."""
    h = hashlib.sha256()
    for path in (PAGE, HERE / "print.css", HERE / "prepare.js", Path(__file__)):
        h.update(path.read_bytes())
    h.update(subprocess.run([browser_setup.chromium_path(), "--version"], capture_output=True,
                            text=True).stdout.encode())
    return h.hexdigest()


def publish():
    """book.pdf beside the HTML books that exist, where book/intro.md links it."""
    for html in (BOOK_HTML, build_book.HTML):
        if (html / "index.html").is_file():
            shutil.copy(PDF, html / PDF.name)
            print(f"copied to {html / PDF.name}")


def main():
    start = time.perf_counter()
    build_single_page()
    stamp = PDF.with_suffix(".inputs")
    if PDF.is_file() and stamp.is_file() and stamp.read_text() == inputs_hash():
        print(f"{PDF} is up to date")
    else:
        PDF.parent.mkdir(parents=True, exist_ok=True)
        render()
        stamp.write_text(inputs_hash())
        with pikepdf.open(PDF) as pdf:
            pages = len(pdf.pages)
        print(f"PDF built in {time.perf_counter() - start:.0f} s: {PDF} "
              f"({pages} pages, {PDF.stat().st_size / 2**20:.1f} MiB)")
    publish()
    return 0


if __name__ == "__main__":
    sys.exit(main())
