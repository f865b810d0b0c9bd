# Two commands on a fresh machine: `make book` and `make test`. Both set up .venv first
# (once: the stamp file makes the second run fast) and are safe to run again.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
.PHONY: setup mathjax book test lint unit notebooks check-notebooks test-book browser browser-setup widgets7 \
        sync nbtest test-portability linkcheck clean bench pdf pdf-setup test-pdf

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	@# build matplotlib's font cache now: its one-off notice on stderr would fail the book build
	$(BIN)/python -c "import matplotlib.pyplot"
	@touch $(STAMP)

setup: $(STAMP)

# MathJax from the npm registry, carried by the built book so that it reads offline.
mathjax: setup
	$(BIN)/python tools/browser_setup.py --mathjax

# Execution is cached: right after `make test` every notebook is already in the cache
# (tools/run_notebooks.py puts its executions there), so nothing runs again.
book: setup mathjax
	$(BIN)/jupyter-book build . --keep-going
	@echo
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"

test: setup lint unit widgets7 notebooks test-book pdf browser test-pdf
	@echo "make test: all passed"

lint: setup
	$(BIN)/ruff check --output-format concise .

check-notebooks: setup
	$(BIN)/python tools/nbtool.py check

unit: setup
	$(BIN)/python -m pytest tests -q -m "not browser and not pdf"

# The widget tests again with Colab's ipywidgets 7 (7.7.1) laid over the venv's 8.x, in
# this process and inside a real kernel (the kernel inherits PYTHONPATH).
W7 := $(VENV)/ipywidgets7
$(W7)/.stamp: | setup
	$(BIN)/python -m pip install -q --no-deps --target $(W7) ipywidgets==7.7.1 \
	  widgetsnbextension==3.6.10 jupyterlab_widgets==1.1.11 ipython_genutils==0.2.0
	@touch $@

widgets7: setup $(W7)/.stamp
	PYTHONPATH=$(CURDIR)/$(W7) D2L_EXPECT_IPYWIDGETS=7 $(BIN)/python -m pytest tests/test_widgets.py -q -p no:cacheprovider

# Executes the notebooks with nbval (pytest --nbval-lax), each in a fresh kernel in an empty
# folder (quick budget unless D2L_BUDGET says otherwise), and keeps the executed copies in
# _build/executed for test-book. Only notebooks whose inputs changed since their last
# passing run are run again; FRESH=1 runs them all.
notebooks: setup
	$(BIN)/python tools/run_notebooks.py $(if $(FRESH),--force)

# The book built from those executed copies, execution off, warnings as errors.
test-book: setup mathjax
	$(BIN)/python tools/build_book.py

# The PDF edition, _build/pdf/book.pdf: the book as one page, printed by Debian's Chromium,
# from the executions `make test` (or `make book`) made; it runs no notebook. pdf-setup
# installs Chromium, a Chinese font and poppler-utils (apt, as root) and MathJax if missing.
# `make test` prints it before `make browser` (which follows the landing page's link to
# it) and checks it after, so that a failing PDF check leaves the browser tests run.
pdf-setup: setup
	$(BIN)/python tools/browser_setup.py --pdf

pdf: pdf-setup
	$(BIN)/python tools/build_pdf.py

test-pdf: pdf
	$(BIN)/python -m pytest tests/test_pdf.py -q -m pdf

# The notebooks again under a second CPU code path (MKL's conservative one), into their
# own folder, then every printed line that differs between the two runs. Run it after a
# change to a claim about numbers; see the README.
test-portability: setup
	MKL_CBWR=COMPATIBLE $(BIN)/python tools/run_notebooks.py --out _build/executed-mkl-compatible \
	  --stage _build/nbval-mkl-compatible
	$(BIN)/python tools/compare_runs.py _build/executed _build/executed-mkl-compatible

# The built test book opened page by page in headless Chromium (Debian's, via Playwright), and
# the explorers (d2lutils.explorers) moved with the keyboard, in the book and in an nbconvert page.
# browser-setup installs Chromium (apt, as root) and MathJax (npm registry) if missing.
browser-setup: setup
	$(BIN)/python tools/browser_setup.py

browser: browser-setup
	$(BIN)/python -m pytest tests/test_browser.py tests/test_explorers_browser.py -q -m browser --durations=5

sync: setup
	$(BIN)/python tools/nbtool.py sync
	$(BIN)/python tools/nbtool.py toc

# One notebook, run even if up to date: make nbtest NB=notebooks/01_tensors/03_linear_algebra.ipynb
nbtest: setup
	$(BIN)/python tools/run_notebooks.py --force $(NB)

# External links (needs the internet; not part of `make test`, whose machines are offline).
linkcheck: setup
	$(BIN)/jupyter-book build . --builder linkcheck

clean:
	rm -rf _build

# Benchmarks (not part of `make test`): a separate venv with torch + torchvision. Its torch is
# 2.14.1, not the book's 2.13.0 (requirements.txt): torchvision must be built for the very torch
# beside it, and PyPI's torchvision fails to import beside the CPU-only 2.13.0 the book pins
# ("operator torchvision::nms does not exist"). 0.29.1 is the torchvision built for 2.14.1.
BENCH_VENV := benchmarks/.venv
$(BENCH_VENV)/.installed-stamp: pyproject.toml
	@test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install -q torch==2.14.1 torchvision==0.29.1
	$(BENCH_VENV)/bin/python -m pip install -q -e .
	@touch $@

bench: $(BENCH_VENV)/.installed-stamp
	$(BENCH_VENV)/bin/python benchmarks/bench_pipeline.py
