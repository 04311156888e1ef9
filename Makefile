# Everything a fresh machine needs: Python 3.11+ and the package index.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# torch is pinned exactly: 2.13.0 is the CPU build on this machine's disk; a looser pin makes pip
# fetch a multi-GB CUDA build. The interop tests run against it (see pyproject's dev extra).
TORCH  := torch==2.13.0
# System tools the tests drive for real: Chromium (playground, through Playwright), a TeX engine
# (explain --format latex) and pdftoppm (to look at the PDF). Installed from Debian when missing.
APT_PACKAGES := chromium texlive-latex-base texlive-latex-recommended texlive-fonts-recommended \
                lmodern poppler-utils
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint bench bench-sweep xor-seeds clean system-tools sanitize figures

# The editable install also compiles the C kernels (src/glassnet/fast/csrc/) in place.
$(STAMP): pyproject.toml setup.py $(wildcard src/glassnet/fast/csrc/*)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check '$(TORCH)'
	$(BIN)/python -c "import torch, sys; sys.exit('CUDA build of torch installed' if torch.version.cuda else 0)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)  ## train the 2-3-1 network on Gaussian-cluster XOR and show what it learned
	$(BIN)/glassnet train

system-tools:  ## Chromium, pdflatex and pdftoppm from Debian's packages, when missing
	@if ! command -v chromium >/dev/null || ! command -v pdflatex >/dev/null \
	    || ! command -v pdftoppm >/dev/null; then \
	  echo "installing $(APT_PACKAGES)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    $(SUDO) apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi

test: system-tools lint  ## lint, format and type checks, then the whole test suite
	$(BIN)/python -m pytest -q

lint: $(STAMP)  ## ruff (lint and format) and mypy (nn, train)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples
	$(BIN)/mypy

# `make sanitize`: the C kernels built with AddressSanitizer and UBSan into build/sanitize (a copy
# of the package, so the normal build is untouched) and the compiled-step tests run against them.
# Python itself is not instrumented, so the sanitizer runtimes are preloaded; leak checking is off
# (the interpreter keeps its objects to the end) and any report stops the run with an error.
SANITIZE := build/sanitize
SANITIZERS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer

sanitize: $(STAMP)  ## the C kernels under AddressSanitizer + UBSan: build, then the compiled-step tests
	rm -rf $(SANITIZE) && mkdir -p $(SANITIZE)
	cp -r src/glassnet $(SANITIZE)/glassnet && rm -f $(SANITIZE)/glassnet/fast/_ckernels*.so
	CFLAGS="$(SANITIZERS) -g" LDFLAGS="$(SANITIZERS)" $(BIN)/python setup.py -q build_ext \
	  --build-lib $(SANITIZE) --build-temp $(SANITIZE)/tmp --force
	test -n "$$(ls $(SANITIZE)/glassnet/fast/_ckernels*.so)"
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	LD_PRELOAD="$$(gcc -print-file-name=libasan.so) $$(gcc -print-file-name=libubsan.so)" \
	PYTHONPATH=$(SANITIZE) $(BIN)/python -m pytest -q -p no:cacheprovider tests/fast \
	  tests/sanitize_check.py

# Every figure in README.md and docs/, from the commands README.md's "Figures" lists (the curves
# train on 1000 MNIST digits: MNIST is downloaded once to $$GLASSNET_DATA or the cache).
FIGURES := docs/figures
WORK    := build/figures
figures: $(STAMP)  ## regenerate every figure of README.md and docs/ from documented commands
	mkdir -p $(WORK)
	$(BIN)/glassnet plot features --out $(FIGURES)/feature-space.png
	$(BIN)/glassnet train --out $(WORK)/xor.glassnet --quiet
	$(BIN)/glassnet plot boundary $(WORK)/xor.glassnet --out $(FIGURES)/boundary.png --title "What the 2-3-1 network learnt on XOR clusters"
	$(BIN)/glassnet train mnist --train-size 1000 --validation 0.2 --epochs 50 --run-dir $(WORK)/overfit --force --quiet
	$(BIN)/glassnet plot curves $(WORK)/overfit --out $(FIGURES)/curves.png --title "Overfitting: 800 MNIST digits, a 784-256-128-10 network"
	$(BIN)/glassnet compare-gd --out $(FIGURES)/compare-gd.png --quiet

bench: $(STAMP)  ## glassnet against PyTorch and scikit-learn on MNIST (separate venv for the peers)
	$(MAKE) -C benchmarks PYTHON=$(PYTHON)
	$(BIN)/python benchmarks/sweep_bench.py

bench-sweep: $(STAMP)  ## the sweep section alone: trials/s on 1 and 2 workers, Dask overhead
	$(BIN)/python benchmarks/sweep_bench.py

xor-seeds: $(STAMP)  ## how many of 100 seeds the default XOR recipe solves
	$(BIN)/python benchmarks/xor_seeds.py

clean:
	rm -rf $(VENV) build src/*.egg-info src/glassnet/*.so src/glassnet/*/*.so .pytest_cache .ruff_cache
