# Two commands on a fresh machine: `make book` and `make test`. Both set up .venv first
# (once: the stamp file makes the second run fast) and are safe to run again.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# pytest-xdist workers for the notebook run; 1 keeps timings honest on 2 cores.
NB_WORKERS ?= 1

.PHONY: setup book test lint unit notebooks check-notebooks test-book browser browser-setup widgets7 sync nbtest linkcheck clean bench

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	@# build matplotlib's font cache now: its one-off notice on stderr would fail the book build
	$(BIN)/python -c "import matplotlib.pyplot"
	@touch $(STAMP)

setup: $(STAMP)

book: setup
	$(BIN)/jupyter-book build . --keep-going
	@echo
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"

test: setup lint unit widgets7 notebooks test-book browser
	@echo "make test: all passed"

lint: setup
	$(BIN)/ruff check --output-format concise .

check-notebooks: setup
	$(BIN)/python tools/nbtool.py check

unit: setup
	$(BIN)/python -m pytest tests -q -m "not notebooks and not browser"

# The widget tests again with Colab's ipywidgets 7 (7.7.1) laid over the venv's 8.x, in
# this process and inside a real kernel (the kernel inherits PYTHONPATH).
W7 := $(VENV)/ipywidgets7
$(W7)/.stamp: | setup
	$(BIN)/python -m pip install -q --no-deps --target $(W7) ipywidgets==7.7.1 \
	  widgetsnbextension==3.6.10 jupyterlab_widgets==1.1.11 ipython_genutils==0.2.0
	@touch $@

widgets7: setup $(W7)/.stamp
	PYTHONPATH=$(CURDIR)/$(W7) D2L_EXPECT_IPYWIDGETS=7 $(BIN)/python -m pytest tests/test_widgets.py -q -p no:cacheprovider

# Executes every notebook once in a fresh kernel (quick budget unless D2L_BUDGET says
# otherwise) and keeps the executed copies in _build/executed for test-book.
notebooks: setup
	rm -rf _build/executed
	$(BIN)/python -m pytest tests/test_notebooks.py -q -m notebooks $(if $(filter-out 1,$(NB_WORKERS)),-n $(NB_WORKERS))

# The book built from those executed copies, execution off, warnings as errors.
test-book: setup
	$(BIN)/python tools/build_book.py --from-executed

# The built test book opened page by page in headless Chromium (Debian's, via Playwright).
# browser-setup installs Chromium (apt, as root) and MathJax (npm registry) if missing.
browser-setup: setup
	$(BIN)/python tools/browser_setup.py

browser: browser-setup
	$(BIN)/python -m pytest tests/test_browser.py -q -m browser --durations=5

sync: setup
	$(BIN)/python tools/nbtool.py sync
	$(BIN)/python tools/nbtool.py toc

# One notebook: make nbtest NB=notebooks/01_tensors/01_creation.ipynb
nbtest: setup
	$(BIN)/python -m pytest tests/test_notebooks.py -q -m notebooks --notebook $(NB)

# External links (needs the internet; not part of `make test`, whose machines are offline).
linkcheck: setup
	$(BIN)/jupyter-book build . --builder linkcheck

clean:
	rm -rf _build

# Benchmarks (not part of `make test`): a separate venv with torch + torchvision.
BENCH_VENV := benchmarks/.venv
$(BENCH_VENV)/.installed-stamp: pyproject.toml
	@test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install -q torch==2.14.1 torchvision==0.29.1
	$(BENCH_VENV)/bin/python -m pip install -q -e .
	@touch $@

bench: $(BENCH_VENV)/.installed-stamp
	$(BENCH_VENV)/bin/python benchmarks/bench_pipeline.py
