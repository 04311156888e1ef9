# Everything a fresh machine needs: Python 3.11+ and the package index.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint bench xor-seeds clean

# The editable install also compiles the C kernels (src/glassnet/fast/csrc/) in place.
$(STAMP): pyproject.toml setup.py $(wildcard src/glassnet/fast/csrc/*)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)  ## train the 2-3-1 network on Gaussian-cluster XOR and show what it learned
	$(BIN)/glassnet train

test: lint  ## lint, format and type checks, then the whole test suite
	$(BIN)/python -m pytest -q

lint: $(STAMP)  ## ruff (lint and format) and mypy (nn, train)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples
	$(BIN)/mypy

bench: $(STAMP)  ## glassnet against PyTorch and scikit-learn on MNIST (separate venv for the peers)
	$(MAKE) -C benchmarks PYTHON=$(PYTHON)

xor-seeds: $(STAMP)  ## how many of 100 seeds the default XOR recipe solves
	$(BIN)/python benchmarks/xor_seeds.py

clean:
	rm -rf $(VENV) build src/*.egg-info src/glassnet/*.so src/glassnet/*/*.so .pytest_cache .ruff_cache
