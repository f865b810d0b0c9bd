"""The rendered book, opened page by page in headless Chromium as a reader would see it.

`make browser` (part of `make test`) runs these after `make test-book` has built the HTML
from the executed notebooks. Chromium comes from Debian (`tools/browser_setup.py` installs
it), driven by Playwright. The book is served on 127.0.0.1. Requests to other hosts are
refused, as on the offline test machines: the book carries its own MathJax. Screenshots of
three pages, in the light and the dark theme, go to _build/browser/screenshots, beside two
notebooks rendered as Jupyter renders them (nbconvert's HTML export, no MyST).
"""
import functools
import http.server
import re
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from browser_setup import CHROMIUM_FLAGS
from conftest import ROOT

pytestmark = pytest.mark.browser

HTML = ROOT / "_build" / "test-book" / "src" / "_build" / "html"
SHOTS = ROOT / "_build" / "browser" / "screenshots"
REDIRECT = re.compile(r'\s*<meta http-equiv="Refresh" content="0; url=([^"]+)"', re.I)
# The only images the book loads from other hosts: the Colab badge in each notebook. They
# cannot load offline; `make linkcheck` checks external addresses.
EXTERNAL_IMAGES = {"https://colab.research.google.com/assets/colab-badge.svg"}
SCREENSHOT_PAGES = {"intro": "book/intro.html",
                    "plots": "notebooks/08_cnn/05_lenet.html",
                    "formulas": "notebooks/03_linear_regression/01_linear_model_and_loss.html"}

PAGE_FACTS = """() => {
  const own = (u) => u.startsWith(location.origin);
  const images = [...document.querySelectorAll('img')].map((img) => ({
    src: img.currentSrc || img.src, alt: (img.getAttribute('alt') || '').trim(),
    complete: img.complete, width: img.naturalWidth, height: img.naturalHeight,
    caption: !!(img.closest('figure') && img.closest('figure').querySelector('figcaption')),
    output: !!img.closest('.cell_output')}));
  const errors = [...document.querySelectorAll('.output.traceback, .output.error')].map((o) => {
    const cell = o.closest('.cell');
    return {expected: !!(cell && cell.classList.contains('tag_raises-exception')),
            text: o.innerText.slice(0, 200)};
  });
  const links = [...document.querySelectorAll('a[href]')].map((a) => a.href).filter(own);
  const nav = [...document.querySelectorAll('nav.bd-docs-nav a[href]')]
    .map((a) => a.href.split('#')[0]);
  const launch = [...document.querySelectorAll('.dropdown-launch-buttons a[href]')]
    .map((a) => a.href);
  const math = [...document.querySelectorAll('.math')];
  const sweeps = [...document.querySelectorAll('.cell')]
    .filter((c) => /widgets\\.sweep\\(/.test((c.querySelector('.cell_input') || {}).innerText || ''))
    .map((c) => [...c.querySelectorAll('.cell_output img')]
      .filter((i) => i.complete && i.naturalWidth > 0).length);
  const explorers = [...document.querySelectorAll('.cell_input')]
    .filter((c) => /widgets\\.explore\\(/.test(c.innerText)).length;
  // code a reader scrolls sideways to read (outputs and tracebacks are not code)
  const scrolling = [...document.querySelectorAll('div.cell_input pre, .bd-article div.highlight pre')]
    .filter((p) => !p.closest('.cell_output') && p.scrollWidth > p.clientWidth + 1)
    .map((p) => p.innerText.split('\\n').reduce((a, b) => (b.length > a.length ? b : a), ''));
  const sweepExplorers = document.querySelectorAll('.d2l-explorer-sweep').length;
  return {images, errors, links, nav, launch, sweeps, explorers, scrolling, sweepExplorers,
          math: math.length,
          mathRendered: math.filter((m) => m.querySelector('mjx-container')).length,
          rawMath: math.filter((m) => !m.querySelector('mjx-container'))
            .map((m) => m.textContent.slice(0, 60)).slice(0, 3)};
}"""

WAIT_FOR_MATHJAX = """async () => {
  if (!document.querySelector('.math')) return 'no math';
  for (let i = 0; i < 300 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++)
    await new Promise((r) => setTimeout(r, 50));
  if (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) return 'MathJax did not load';
  await MathJax.startup.promise;
  return 'typeset';
}"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def pages():
    skip = {"_static", "_sources", "_images"}
    return sorted(str(p.relative_to(HTML)) for p in HTML.rglob("*.html")
                  if not skip & set(p.relative_to(HTML).parts))


def chapter_files():
    """Every chapter listed in _toc.yml (book pages and chapter openings), as HTML paths."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [c["file"] + ".html" for part in toc["parts"] for c in part["chapters"]]


@pytest.fixture(scope="module")
def server():
    if not (HTML / "index.html").exists():
        pytest.fail(f"{HTML} has no built book: run `make notebooks test-book` first")
    handler = functools.partial(QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser(server, tmp_path_factory):
    import browser_setup  # tools/ is on the path via conftest
    from playwright.sync_api import sync_playwright

    blocked = set()

    def route(r):
        url = r.request.url
        if url.startswith((server, "file://")):
            return r.continue_()
        blocked.add(url)
        return r.abort()

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=browser_setup.chromium_path(), headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900})
        context.route("**/*", route)
        context.blocked = blocked
        yield context
        context.close()


def visit(context, url, theme=None):
    """Open url; return (page, console errors from the book's own files)."""
    page = context.new_page()
    if theme:
        page.add_init_script(f"localStorage.setItem('mode', '{theme}');"
                             f"localStorage.setItem('theme', '{theme}');")
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    errors = []

    def on_console(msg):
        source = (msg.location or {}).get("url", "")
        if msg.type == "error" and (not source or source.startswith(origin)):
            errors.append(f"{msg.text} ({source})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.goto(url, wait_until="load")
    state = page.evaluate(WAIT_FOR_MATHJAX)
    if state == "MathJax did not load":
        errors.append(state)
    return page, errors


@pytest.fixture(scope="module")
def reports(browser, server):
    """What every page shows: one visit per page, the facts the tests below check."""
    out = {}
    for rel in pages():
        if REDIRECT.match((HTML / rel).read_text(errors="replace")):
            continue   # index.html: checked by test_root_redirects_to_the_intro
        page, errors = visit(browser, f"{server}/{rel}")
        facts = page.evaluate(PAGE_FACTS)
        facts["console"] = errors
        out[rel] = facts
        page.close()
    return out


def test_every_page_was_checked(reports):
    assert len(reports) >= len(chapter_files()) + 50, sorted(reports)
    assert set(reports) | {"index.html"} == set(pages())


def test_root_redirects_to_the_intro(browser, server):
    target = REDIRECT.match((HTML / "index.html").read_text()).group(1)
    assert (HTML / target).is_file()
    page = browser.new_page()
    page.goto(f"{server}/index.html")
    page.wait_for_url(f"{server}/{target}")
    assert page.title()
    page.close()


def test_no_console_errors_from_the_books_own_files(reports):
    bad = {rel: r["console"] for rel, r in reports.items() if r["console"]}
    assert not bad, bad


def test_no_error_outputs_except_expected_ones(reports):
    bad = {rel: [e["text"] for e in r["errors"] if not e["expected"]]
           for rel, r in reports.items()}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, bad
    expected = sum(e["expected"] for r in reports.values() for e in r["errors"])
    assert expected > 0   # the raises-exception cells do show their error


def test_images_load_and_have_alt_text(reports):
    problems = []
    for rel, r in reports.items():
        for img in r["images"]:
            if img["src"] in EXTERNAL_IMAGES:
                if img["alt"] != "Open In Colab":
                    problems.append(f"{rel}: badge without alt text")
                continue
            if not img["src"].startswith(("http://127.0.0.1", "data:")):   # data: the diagrams
                problems.append(f"{rel}: image from another host: {img['src']}")
            elif not (img["complete"] and img["width"] > 0 and img["height"] > 0):
                problems.append(f"{rel}: image did not load: {img['src']}")
            name = img["src"].rsplit("/", 1)[-1]
            if not img["caption"] and (not img["alt"] or name in img["alt"]):
                problems.append(f"{rel}: image without alt text or caption: {name}")
    assert not problems, "\n".join(problems)
    outputs = [i for r in reports.values() for i in r["images"] if i["output"]]
    assert len(outputs) > 100 and all(i["alt"].endswith(".") for i in outputs)


@functools.cache
def ids_in(path):
    return set(re.findall(r'\bid="([^"]+)"', path.read_text(errors="replace")))


def test_internal_links_resolve(reports, server):
    problems = set()
    for rel, r in reports.items():
        for href in r["links"]:
            parts = urlsplit(href)
            target = HTML / unquote(parts.path.lstrip("/"))
            if parts.path.endswith("/"):
                target = target / "index.html"
            if not target.is_file():
                problems.add(f"{rel}: {href} (no such file)")
            elif parts.fragment and target.suffix == ".html" and \
                    unquote(parts.fragment) not in ids_in(target):
                problems.add(f"{rel}: {href} (no such anchor)")
    assert not problems, "\n".join(sorted(problems))


def test_navigation_lists_every_chapter(reports, server):
    chapters = {f"{server}/{c}" for c in chapter_files()}
    root_page = f"{server}/{chapter_files()[0]}"   # the intro, reached through the logo
    problems = {}
    for rel, r in reports.items():
        if rel in {"index.html"}:   # a redirect to the intro
            continue
        missing = chapters - set(r["nav"]) - {root_page}
        if missing:
            problems[rel] = sorted(missing)
    assert not problems, problems


def test_launch_buttons_point_to_the_notebook(reports):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo = config["repository"]["url"].removeprefix("https://github.com/").rstrip("/")
    branch = config["repository"].get("branch", "main")
    notebooks = [rel for rel in reports if (ROOT / rel).with_suffix(".ipynb").is_file()]
    assert len(notebooks) > 50
    problems = []
    for rel in notebooks:
        source = str(Path(rel).with_suffix(".ipynb"))
        launch = reports[rel]["launch"]
        colab = [u for u in launch if u.startswith("https://colab.research.google.com/")]
        if colab != [f"https://colab.research.google.com/github/{repo}/blob/{branch}/{source}"]:
            problems.append(f"{rel}: Colab launch link {colab}")
        if not launch or not all(repo in u and source in u for u in launch):
            problems.append(f"{rel}: launch links {launch}")
    assert not problems, "\n".join(problems)


def test_math_is_rendered(reports):
    with_math = {rel: r for rel, r in reports.items() if r["math"]}
    assert len(with_math) > 20
    bad = {rel: r["rawMath"] for rel, r in with_math.items() if r["mathRendered"] != r["math"]}
    assert not bad, bad


def test_widget_pages_show_the_static_sweep(reports):
    """A page with the live widget (`widgets.explore`) also shows its runs without a kernel: a
    `widgets.sweep` figure or a sweep explorer (tests/test_explorers_browser.py moves those)."""
    sweeps = {rel: r["sweeps"] for rel, r in reports.items() if r["sweeps"]}
    assert all(n >= 1 for counts in sweeps.values() for n in counts), sweeps
    static = set(sweeps) | {rel for rel, r in reports.items() if r["sweepExplorers"]}
    assert static, "no page draws a widgets.sweep figure or a sweep explorer"
    explorers = {rel for rel, r in reports.items() if r["explorers"]}
    assert explorers <= static, explorers - static


def test_search_finds_the_tensors_chapter(browser, server):
    page, errors = visit(browser, f"{server}/search.html?q=broadcasting")
    page.wait_for_selector("#search-results li a", timeout=30_000)
    hits = page.eval_on_selector_all("#search-results li a", "els => els.map(e => e.href)")
    page.close()
    assert any("/notebooks/01_tensors/" in h for h in hits), hits
    assert not errors, errors


OPAQUE_WHITE_FIGURE = re.compile(r'<g id="patch_1">\s*<path d="[^"]*"\s*style="fill: #ffffff"')


def luminance(css_color):
    r, g, b, *alpha = [float(v) for v in re.findall(r"[\d.]+", css_color)]
    if alpha and alpha[0] == 0:
        return 0.0
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshots_and_dark_mode_figures(browser, server, theme):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, rel in SCREENSHOT_PAGES.items():
        page, errors = visit(browser, f"{server}/{rel}", theme=theme)
        assert page.evaluate("document.documentElement.dataset.theme") == theme
        first = {"plots": ".cell_output img", "formulas": "div.math"}.get(name)
        if first:
            page.locator(first).first.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"{name}-{theme}.png"))
        # the figures' background as the reader sees it
        backgrounds = page.eval_on_selector_all(
            ".cell_output img",
            "els => els.map(e => getComputedStyle(e).backgroundColor)")
        page.close()
        assert not errors, errors
        assert backgrounds or name != "plots"
        if theme == "dark":   # the theme puts images on a light background
            assert all(luminance(b) > 0.6 for b in backgrounds), backgrounds
    if theme == "dark":      # and matplotlib's figures are opaque white themselves
        for svg in HTML.glob("_images/*.svg"):
            assert OPAQUE_WHITE_FIGURE.search(svg.read_text(errors="replace")), svg
        assert (SHOTS / f"{name}-{theme}.png").stat().st_size > 10_000


def test_nothing_is_fetched_from_other_hosts(reports, browser):
    """The book reads offline: MathJax, fonts and scripts come with it (the Colab badge image
    is the one exception: the badge link still works, only its picture is missing offline)."""
    assert reports and browser.blocked <= EXTERNAL_IMAGES, sorted(browser.blocked - EXTERNAL_IMAGES)


def test_formulas_render_in_a_page_opened_as_a_file(browser):
    """As the README says: open _build/html/index.html from disk, with no network."""
    page, errors = visit(browser, (HTML / SCREENSHOT_PAGES["formulas"]).as_uri())
    facts = page.evaluate(PAGE_FACTS)
    page.close()
    assert facts["math"] > 5 and facts["mathRendered"] == facts["math"], facts["rawMath"]
    assert not errors, errors


PLAIN_PAGES = {"plain-4.4": "notebooks/04_softmax_regression/04_softmax_from_scratch.ipynb",
               "plain-1.3": "notebooks/01_tensors/03_linear_algebra.ipynb"}


@pytest.mark.parametrize("name", sorted(PLAIN_PAGES))
def test_notebook_rendered_as_jupyter_does(browser, tmp_path, name):
    """A notebook as Jupyter/Colab show it (nbconvert's HTML export: CommonMark, no MyST):
    solutions collapsed until clicked, no build syntax. Screenshots beside the book's."""
    import nbconvert
    from layout import EXECUTED

    html, _ = nbconvert.HTMLExporter().from_filename(str(EXECUTED / PLAIN_PAGES[name]))
    page_file = tmp_path / f"{name}.html"
    page_file.write_text(html)
    page = browser.new_page()
    page.goto(page_file.as_uri(), wait_until="load")
    text = page.inner_text("body")
    assert not re.search(r"\{(glue|doc|ref|dropdown)[:}]|^\([\w-]+\)=$", text, re.M), text[:500]
    details = page.locator("details")
    assert details.count() >= 3
    assert not details.first.evaluate("d => d.open")
    assert not details.first.locator(":scope > :not(summary)").first.is_visible()  # answer hidden
    SHOTS.mkdir(parents=True, exist_ok=True)
    details.first.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"{name}-collapsed.png"))
    details.first.locator("summary").click()
    assert details.first.evaluate("d => d.open")
    assert details.first.locator(":scope > :not(summary)").first.is_visible()
    page.screenshot(path=str(SHOTS / f"{name}-opened.png"))
    page.close()


# Issue 18: the diagrams of tools/diagrams.py, and code that fits the column.
CODE_COLUMN = """() => {
  const pre = document.querySelector('div.cell_input pre');
  const probe = document.createElement('span');
  probe.textContent = 'x'.repeat(100);
  probe.style.cssText = 'position: absolute; white-space: pre';   // the pre wraps (d2l.css)
  pre.appendChild(probe);
  const charWidth = probe.getBoundingClientRect().width / 100;
  probe.remove();
  const style = getComputedStyle(pre);
  return (pre.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)) / charWidth;
}"""


def diagram_pages(reports):
    """{diagram: [pages that show it]}, matched by the SVG itself (MyST-NB writes a data: URI)."""
    import nbtool
    from diagrams import DIAGRAMS

    found = {}
    for name in DIAGRAMS:
        src = "data:image/svg+xml;base64," + nbtool.diagram_data(name)
        found[name] = [rel for rel, r in reports.items() if any(i["src"] == src for i in r["images"])]
    return found


def test_every_diagram_is_in_the_book_with_alt_text(reports):
    """Fails until the lead has put each diagram into its notebook (the placement guide)."""
    pages = diagram_pages(reports)
    missing = sorted(name for name, where in pages.items() if not where)
    assert not missing, f"diagrams no page shows yet: {missing}"
    for name, where in pages.items():
        for rel in where:
            image = next(i for i in reports[rel]["images"] if i["src"].startswith("data:image/svg+xml"))
            assert image["complete"] and image["width"] >= 600, (rel, name)
            assert len(image["alt"]) > 40 and not image["alt"].startswith("Figure drawn"), (rel, name)


def luminance_range(png):
    import io

    from PIL import Image

    grey = Image.open(io.BytesIO(png)).convert("L")
    histogram = grey.histogram()
    total = sum(histogram)
    mean = sum(i * n for i, n in enumerate(histogram)) / total / 255
    darkest = next(i for i, n in enumerate(histogram) if n) / 255
    return mean, darkest


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_diagrams_are_readable_in_both_themes(browser, server, reports, theme):
    """Each diagram is a white card with dark ink in the light and the dark theme alike."""
    import nbtool

    SHOTS.mkdir(parents=True, exist_ok=True)
    pages = diagram_pages(reports)
    assert all(pages.values()), "some diagrams are not in the book yet (see the test above)"
    for name, where in pages.items():
        page, errors = visit(browser, f"{server}/{where[0]}", theme=theme)
        image = page.locator(f'img[src="data:image/svg+xml;base64,{nbtool.diagram_data(name)}"]').first
        image.scroll_into_view_if_needed()
        assert image.is_visible(), (name, theme)
        box = image.bounding_box()
        assert box["width"] >= 600 and box["height"] >= 200, (name, box)
        mean, darkest = luminance_range(image.screenshot())
        if name == "lenet.svg":
            page.screenshot(path=str(SHOTS / f"diagram-{theme}.png"))
        page.close()
        assert not errors, errors
        assert mean > 0.7 and darkest < 0.35, (name, theme, mean, darkest)   # light card, dark ink


def test_code_column_holds_what_nbtool_allows(browser, server):
    """nbtool's CODE_COLUMNS is what fits at 1280 px (longer lines wrap: see the next test)."""
    import nbtool

    page, _ = visit(browser, f"{server}/{SCREENSHOT_PAGES['plots']}")
    columns = page.evaluate(CODE_COLUMN)
    page.close()
    assert nbtool.CODE_COLUMNS <= columns < nbtool.CODE_COLUMNS + 8, columns


def test_no_code_block_scrolls_sideways(reports):
    bad = {rel: r["scrolling"][:3] for rel, r in reports.items() if r["scrolling"]}
    assert not bad, f"{len(bad)} pages, for example {dict(list(bad.items())[:5])}"
