# The two commands of the README:
#   make demo   set up (.venv) and run the main job
#   make test   set up (.venv) and pass the tests (lint included)
# plus: make test-gwr-alone (the gwr toolkit installed alone in .venv-gwr),
#       make bench (performance checks, long)

PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed

.PHONY: setup demo test lint test-gwr-alone bench clean

$(STAMP): pyproject.toml setup.py gwr/pyproject.toml gwr/_edges.pyx
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m clifer.experiment

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP) lint
	$(BIN)/pytest -q

# The toolkit on its own: `pip install ./gwr` in a fresh environment, then its
# tests, run from outside the source tree so that the installed package is used.
test-gwr-alone:
	rm -rf .venv-gwr
	$(PYTHON) -m venv .venv-gwr
	.venv-gwr/bin/pip install --quiet --upgrade pip
	.venv-gwr/bin/pip install --quiet ./gwr "pytest>=8" "hypothesis>=6.100" "scikit-learn>=1.6" "psutil>=5.9"
	cd /tmp && $(CURDIR)/.venv-gwr/bin/python -c "import gwr, sys; assert 'tensorflow' not in sys.modules; print('gwr from', gwr.__file__)"
	cd /tmp && $(CURDIR)/.venv-gwr/bin/pytest -q -p no:cacheprovider --rootdir=$(CURDIR) -c $(CURDIR)/pyproject.toml $(CURDIR)/tests/gwr

bench: $(STAMP)
	$(BIN)/pytest -q bench --benchmark-only -p no:randomly

clean:
	rm -rf $(VENV) .venv-gwr build *.egg-info gwr/*.so gwr/_edges.c
