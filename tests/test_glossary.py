"""The glossary (book/glossary.md) and the Chinese names in the notebooks agree.

Convention 9 of CONTRIBUTING.md: a key term carries its Chinese name at first use, written
"term (中文)", and has a row in the glossary. The checks:

1. No two glossary rows share an English term or a Chinese name, unless the glossary's
   "Shared names" section has a bullet for that name saying why.
2. Every Chinese name, in the glossary and in the notebooks, follows the glossary's spacing
   rule: no space between Chinese characters and Latin letters or digits ("L1惩罚项").
3. Every parenthesis with Chinese in it, in the notebooks and the chapter pages, is a gloss
   of a glossary term, holds one Chinese name, and that name is the glossary's.
4. Every glossary term's first use in reading order carries its Chinese name, and the
   glossary's chapter column names the chapter of that first use.

How the matching works (kept simple on purpose):
- Reading order is _toc.yml's: chapters 1-10, then the appendices. Only Markdown is read:
  code cells, fenced code, inline code, math, link targets and headings are not. The
  chapter index pages are outlines that name what their sections define, so they are
  checked for glosses (3) but hold no first uses (4).
- A glossary row's *term* is its English cell without any parenthesis ("batch
  normalisation (BN)" -> "batch normalisation"); a parenthesis there qualifies or
  abbreviates and is not matched. A term's *forms* are the term, the term plus "s", and
  its ALIASES below (other inflections and spellings), matched case-insensitively as whole
  words, a hyphen and a space matching each other.
- A *gloss* is a parenthesis whose first comma-separated item is Chinese, right after a
  form of a glossary term (emphasis and inline code around the term are read as text):
  `**minibatch** (小批量)`, `*Jacobian-vector product* (雅可比向量积, JVP)`; or a
  parenthesis holding a form and then the Chinese: `(**positive definite**, 正定)`.
- A *use* of a term is a match of one of its forms; a form inside one of the term's
  NOT_A_USE phrases (another sense of the word: "for example") is not a use. A gloss of
  the term is a use too, even where the term is written in code (`1 x 1` convolution).
- A use *carries* the Chinese name when it lies inside a gloss whose Chinese contains the
  row's Chinese name: "**weight decay** (权重衰减)" carries 权重 for "weight", and
  "**gradient descent** (梯度下降)" carries 梯度 for "gradient".

Messages name notebook cells by their index. Run `python tests/test_glossary.py` to print
every problem at once.
"""
import json
import re
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))   # also when run as a script
from layout import ROOT  # noqa: E402

GLOSSARY = ROOT / "book" / "glossary.md"
CJK = "\u3400-\u4dbf\u4e00-\u9fff"
HAS_CJK = re.compile(f"[{CJK}]")
BAD_SPACE = re.compile(f"[{CJK}] +[A-Za-z0-9]|[A-Za-z0-9] +[{CJK}]")

# Other forms that count as uses of a term (the term itself and term + "s" always do).
ALIASES = {
    "1×1 convolution": ["1x1 convolution", "1 x 1 convolution"],
    "asynchronous execution": ["asynchronous", "asynchronously"],
    "class": ["classes"],
    "computational graph": ["computation graph"],
    "concatenate": ["concatenates", "concatenated", "concatenating", "concatenation"],
    "convergence": ["converge", "converges", "converged", "converging"],
    "dead ReLU": ["dying ReLU"],
    "differentiable almost everywhere": ["almost everywhere"],
    "divergence": ["diverge", "diverges", "diverged", "diverging"],
    "exploding gradients": ["exploding gradient"],
    "fully connected layer": ["dense layer"],
    "ill-conditioned": ["ill-conditioning"],
    "in-place operation": ["in place", "in-place"],
    "indexing": ["index into", "indexes into"],
    "information content": ["surprisal"],
    "kernel": ["convolution kernel", "convolution kernels"],
    "leaky average": ["exponentially weighted moving average"],
    "matrix multiplication": ["matrix product"],
    "minibatch": ["minibatches"],
    "minibatch stochastic gradient descent": ["minibatch SGD"],
    "model capacity": ["capacity"],
    "numerical differentiation": ["numeric differentiation"],
    "overfitting": ["overfit", "overfits"],
    "quadratic convergence": ["converges quadratically"],
    "saturation": ["saturate", "saturates", "saturated", "saturating"],
    "slicing": ["slice", "slices", "sliced"],
    "stack": ["stacks", "stacked", "stacking"],
    "standardisation": ["standardise", "standardises", "standardised", "standardising"],
    "stochastic gradient descent": ["SGD"],
    "synchronisation": ["synchronise", "synchronises"],
    "translation equivariance": ["translation-equivariant", "translation equivariant"],
    "unbiased estimate": ["unbiased"],
    "underfitting": ["underfit", "underfits"],
    "vanishing gradients": ["vanishing gradient"],
}

# Phrases in which a term's words mean something else; they are not uses of the term.
NOT_A_USE = {
    "bias": ["bias correction", "bias-corrected"],
    "block": ["block of storage", "block of memory", "memory block", "stumbling block",
              "inside a block", "a block |", "for a block"],     # Python's with-blocks
    "example": ["for example", "example of", "examples of"],
    "kernel": ["live kernel", "launching a kernel"],
    "stack": ["stack trace"],
    "symmetry": ["symmetry of the data"],
    "trace": ["stack trace"],
}


def chapter_of(doc):
    """'notebooks/04_softmax_regression/02_x' -> '4'; 'notebooks/appendices/01_x' -> 'A.1'."""
    folder, name = doc.split("/")[1:3]
    if folder == "appendices":
        return f"A.{int(name[:2])}"
    return str(int(folder[:2]))


def reading_order():
    """The toc's files under notebooks/, in order: (doc, [(cell index, Markdown text)])."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    docs = []
    for part in toc["parts"]:
        for chapter in part["chapters"]:
            for entry in [chapter, *chapter.get("sections", [])]:
                if entry["file"].startswith("notebooks/"):
                    docs.append(entry["file"])
    for doc in docs:
        path = ROOT / (doc + ".ipynb")
        if path.exists():
            cells = json.loads(path.read_text())["cells"]
            yield doc, [(i, "".join(c["source"])) for i, c in enumerate(cells)
                        if c["cell_type"] == "markdown"]
        else:
            yield doc, [(0, (ROOT / (doc + ".md")).read_text())]


def blank(text, pattern, keep=None, flags=0):
    """Replace each match of `pattern` by spaces (newlines kept), so positions stay."""
    def spaces(m):
        if keep:
            return keep(m)
        return re.sub(r"[^\n]", " ", m.group(0))
    return re.sub(pattern, spaces, text, flags=re.S | re.M | flags)


def views(markdown):
    """Two same-length views of a Markdown text: for finding glosses, and for finding uses."""
    text = blank(markdown, r"^```.*?^```[^\n]*$")                 # fenced code
    text = blank(text, r"\$\$.+?\$\$|\$[^$\n]+?\$")                 # math
    text = blank(text, r"\]\([^)\s]*\)")                          # link targets
    glosses = blank(text, r"[`*]", keep=lambda m: " ")            # code and emphasis as text
    uses = blank(text, r"`[^`\n]*`")                              # inline code dropped
    uses = blank(uses, r"\*", keep=lambda m: " ")                 # emphasis markers
    uses = blank(uses, r"^#[^\n]*$")                                # headings
    uses = blank(uses, r"<[^>\n]*>")                              # HTML tags
    return glosses, uses


def norm(term):
    return re.sub(r"[\s-]+", " ", term.replace("`", "").strip().strip("\"'").lower())


def forms(row):
    term = row["term"]
    return [term, term + "s", *ALIASES.get(term, [])]


def form_regex(strings):
    words = [r"[\s-]+".join(re.escape(w) for w in re.split(r"[\s-]+", f)) for f in strings]
    return r"(?<![\w-])(?:" + "|".join(sorted(words, key=len, reverse=True)) + r")(?![\w-])"


def find_glosses(text, rows):
    """Glosses in the gloss view of one Markdown text, and parentheses with Chinese that are
    not glosses: ([(start, end, rows, chinese, raw)], [raw])."""
    by_form = {}
    for row in rows:
        for f in forms(row):
            by_form.setdefault(norm(f), []).append(row)
    any_form = re.compile(form_regex([f for row in rows for f in forms(row)]) + r"\s*$", re.I)
    found, stray = [], []
    for m in re.finditer(r"\((?P<inside>[^()]*)\)", text):
        items = [i.strip() for i in re.split(r"[,，;；]", m.group("inside"))]
        chinese = [i for i in items if HAS_CJK.search(i)]
        if not chinese:
            continue
        raw = " ".join(text[max(0, m.start() - 40):m.end()].split())
        if len(chinese) == 1 and HAS_CJK.search(items[0]):     # term (中文, ...)
            before = any_form.search(text[max(0, m.start() - 120):m.start()])
            english = before.group(0) if before else None
            start = m.start() - len(english) if english else m.start()
        elif len(chinese) == 1 and len(items) == 2:             # (term, 中文)
            inner = any_form.search(items[0])
            english = inner.group(0) if inner and inner.end() == len(items[0]) else None
            start = m.start()
        else:
            stray.append((raw, "holds more than one Chinese name"))
            continue
        if english is None:
            stray.append((raw, "is not a gloss of a glossary term"))
            continue
        found.append((start, m.end(), by_form[norm(english)], chinese[0], raw))
    return found, stray


def parse_glossary(text=None):
    """Rows of the glossary table as dicts, and the names the "Shared names" section explains."""
    text = GLOSSARY.read_text() if text is None else text
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        if len(cells) != 4 or cells[0] in ("English", "---") or not line.startswith("|"):
            continue
        english, chinese, meaning, chapter = cells
        term = re.sub(r"\s*\([^)]*\)", "", english).strip()
        rows.append({"english": english, "term": term, "chinese": chinese, "meaning": meaning,
                     "chapter": chapter})
    shared = set()
    section = re.search(r"^## Shared names\n(.*?)(?=^## |\Z)", text, flags=re.S | re.M)
    if section:
        shared = {norm(name) for name in re.findall(r"^- \*\*(.+?)\*\*", section.group(1), re.M)}
    return rows, shared


def collect(docs=None, rows=None):
    """What the checks need from the notebooks, in reading order: the use views of the
    section notebooks' cells with their glosses, all glosses, and the stray parentheses."""
    docs = list(reading_order()) if docs is None else docs
    rows = parse_glossary()[0] if rows is None else rows
    texts, glosses, strays = [], [], []
    for doc, markdowns in docs:
        for k, markdown in markdowns:
            gview, uview = views(markdown)
            found, stray = find_glosses(gview, rows)
            if not doc.endswith("/index"):        # chapter outlines name terms before use
                texts.append((doc, k, uview, found))
            glosses += [(doc, k, *g) for g in found]
            strays += [(doc, k, *s) for s in stray]
    return texts, glosses, strays


def first_use(row, texts):
    """(doc, cell, gloss or None, context) of the first use of the row's term, or None. A gloss
    of the term is a use too (the term may be written in code there: `1 x 1` convolution)."""
    pattern, ignore = re.compile(form_regex(forms(row)), re.I), NOT_A_USE.get(row["term"], [])
    for doc, k, uview, found in texts:
        text = uview
        for phrase in ignore:
            text = blank(text, r"\s+".join(map(re.escape, phrase.split())), flags=re.I)
        starts = [m.start() for m in pattern.finditer(text)][:1]
        starts += [g[0] for g in found if row in g[2]][:1]
        if starts:
            start = min(starts)
            gloss = next((g for g in found if g[0] <= start < g[1]), None)
            context = " ".join(uview[max(0, start - 50):start + 60].split())
            return doc, k, gloss, context
    return None


# ---------------------------------------------------------------------------- the checks
def duplicate_problems(rows, shared):
    problems = []
    for key, label in (("term", "English term"), ("chinese", "Chinese name")):
        seen = {}
        for row in rows:
            name = norm(row[key]) if key == "term" else row[key]
            if name in seen and norm(row[key]) not in shared:
                problems.append(f"{label} {row[key]!r} has two rows ({seen[name]!r} and "
                                f"{row['english']!r}) and no bullet under 'Shared names'")
            seen.setdefault(name, row["english"])
    return problems


def spacing_problems(rows, glosses):
    names = [("glossary", r["chinese"]) for r in rows]
    names += [(f"{doc} cell {k}", zh) for doc, k, _, _, _, zh, _ in glosses]
    return [f"{where}: {name!r} has a space between Chinese and Latin letters or digits"
            for where, name in names if BAD_SPACE.search(name)]


def gloss_problems(rows, glosses, strays):
    problems = [f"{doc} cell {k}: ...{raw}: {why} (write: term (中文))"
                for doc, k, raw, why in strays]
    for doc, k, _, _, candidates, chinese, raw in glosses:
        if chinese not in {row["chinese"] for row in candidates}:
            problems.append(f"{doc} cell {k}: ...{raw}: {chinese!r} is not the glossary's "
                            f"{candidates[0]['chinese']!r} for {candidates[0]['english']!r}")
    return problems


def first_use_problems(rows, texts, glosses):
    problems, groups = [], {}
    for row in rows:
        groups.setdefault(norm(row["term"]), []).append(row)
    for group in groups.values():
        use = first_use(group[0], texts)
        if use is None:
            problems.append(f"{group[0]['english']!r} is never used in the section notebooks")
            continue
        doc, k, gloss, context = use
        names = {row["chinese"] for row in group}
        if not (gloss and any(name in gloss[3] for name in names)):
            problems.append(f"{group[0]['english']!r}: first use, {doc} cell {k}, lacks "
                            f"{' or '.join(sorted(names))}: ...{context}...")
            continue
        for row in group:
            if len(group) > 1:     # one English term, several senses: each sense's first gloss
                doc = next((d for d, _, _, _, c, zh, _ in glosses
                            if zh == row["chinese"] and row in c and not d.endswith("/index")),
                           doc)
            if chapter_of(doc) != row["chapter"]:
                problems.append(f"{row['english']!r}: chapter column {row['chapter']}, first "
                                f"use in chapter {chapter_of(doc)} ({doc})")
    return problems


@pytest.fixture(scope="module")
def book():
    rows, shared = parse_glossary()
    return rows, shared, *collect(rows=rows)


def test_glossary_has_no_duplicate_rows(book):
    rows, shared, *_ = book
    assert len(rows) > 200
    assert duplicate_problems(rows, shared) == []


def test_chinese_names_follow_one_spacing_rule(book):
    rows, _, _, glosses, _ = book
    assert spacing_problems(rows, glosses) == []


def test_every_gloss_gives_the_glossary_name(book):
    rows, _, _, glosses, stray = book
    assert len(glosses) > 250
    assert gloss_problems(rows, glosses, stray) == []


def test_first_use_carries_the_chinese_name(book):
    rows, _, texts, glosses, _ = book
    assert first_use_problems(rows, texts, glosses) == []


# ------------------------------------------------- the checks catch what they should
SAMPLE = """\
| English | 中文 | meaning | chapter |
| --- | --- | --- | --- |
| gradient | 梯度 | partial derivatives | 1 |
| gradient descent | 梯度下降 | steps against the gradient | 1 |
| example | 样本 | one data point | 2 |
"""


def sample_book(glossary, chapters):
    rows, shared = parse_glossary(glossary)
    docs = [(f"notebooks/{n:02d}_x/01_y", [(0, text)]) for n, text in chapters]
    return rows, shared, *collect(docs, rows)


def test_the_checks_pass_a_good_sample():
    rows, shared, texts, glosses, stray = sample_book(SAMPLE, [
        (1, "# 1.1 Title\nThe **gradient** (梯度) of `grad`, for example; **gradient descent** "
            "(梯度下降)."),
        (2, "An **example** (样本, one data point) with its gradients.")])
    assert duplicate_problems(rows, shared) == spacing_problems(rows, glosses) == []
    assert gloss_problems(rows, glosses, stray) == []
    assert first_use_problems(rows, texts, glosses) == []


@pytest.mark.parametrize("glossary, chapters, check, expected", [
    (SAMPLE + "| gradient | 斜度 | again | 1 |\n", [(1, "")], "duplicates", "English term"),
    (SAMPLE + "| slope | 梯度 | again | 1 |\n", [(1, "")], "duplicates", "Chinese name"),
    (SAMPLE + "| L1 penalty | L1 惩罚项 | λ‖w‖₁ | 1 |\n", [(1, "")], "spacing", "space between"),
    (SAMPLE, [(1, "The **gradient** (斜率) and **gradient descent** (梯度下降).")], "glosses",
     "not the glossary's '梯度'"),
    (SAMPLE, [(1, "The **slope** (斜率).")], "glosses", "not a gloss of a glossary term"),
    (SAMPLE, [(1, "The **gradient** (梯度, also 斜率).")], "glosses", "more than one Chinese name"),
    (SAMPLE, [(1, "A gradient; the **gradient** (梯度), **gradient descent** (梯度下降)."),
              (2, "An **example** (样本).")], "first use", "lacks 梯度"),
    (SAMPLE, [(1, "The **gradient** (梯度) and **gradient descent** (梯度下降)."),
              (3, "An **example** (样本).")], "first use", "chapter column 2"),
])
def test_the_checks_catch_each_problem(glossary, chapters, check, expected):
    rows, shared, texts, glosses, stray = sample_book(glossary, chapters)
    found = {"duplicates": lambda: duplicate_problems(rows, shared),
             "spacing": lambda: spacing_problems(rows, glosses),
             "glosses": lambda: gloss_problems(rows, glosses, stray),
             "first use": lambda: first_use_problems(rows, texts, glosses)}[check]()
    assert any(expected in p for p in found), found


if __name__ == "__main__":
    rows, shared = parse_glossary()
    texts, glosses, stray = collect(rows=rows)
    report = (duplicate_problems(rows, shared) + spacing_problems(rows, glosses)
              + gloss_problems(rows, glosses, stray)
              + first_use_problems(rows, texts, glosses))
    print("\n".join(report))
    print(f"{len(rows)} rows, {len(glosses)} glosses, {len(report)} problems", file=sys.stderr)
