# vaelib: two commands on a fresh machine.
#   make report   set-up, data, (training, notebooks, site as they land)
#   make test     set-up and every check (what .ci/run runs)
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    ?= .venv
PY      := $(VENV)/bin/python
PIP     := $(VENV)/bin/pip
ROOT    ?= data
STAMP   := $(VENV)/.installed
TORCH   := $(shell grep -E '^torch==' requirements.txt)
FASHION_DEB_DIR := /usr/share/datasets/fashion-mnist
# OpenMP threads spin briefly before sleeping: fewer wake-up stalls in small training steps (see vaelib/__init__.py).
export GOMP_SPINCOUNT ?= 10000000

.PHONY: help setup data verify-data test lint pytest bench bench-layers evaluate report notebooks notebooks-smoke train-all bench-pool lab clean distclean
.PHONY: node-modules mathjax ort tablesort vendor site serve browser site-check sharp-extended

# Report site: npm packages (MathJax for offline math, playwright-core for the browser check), vendored MathJax,
# headless Chromium from Debian. The site is built from committed assets/ and notebooks/ only: it never trains.
NODE_STAMP   := node_modules/.installed
MATHJAX_SRC  := node_modules/mathjax/es5
MATHJAX_DIR  := docs/javascripts/vendor/mathjax
MATHJAX_JS   := $(MATHJAX_DIR)/tex-chtml.js
ORT_SRC      := node_modules/onnxruntime-web/dist
ORT_DIR      := docs/javascripts/vendor/onnxruntime-web
ORT_JS       := $(ORT_DIR)/ort.wasm.min.js
CHROMIUM     ?= /usr/bin/chromium
SCREENSHOTS  ?= build/site-screenshots
MKDOCS       := NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# The venv is rebuilt only when requirements.txt or pyproject.toml change. torch is installed FIRST, pinned:
# anything that pulls torch before it (torchmetrics) would otherwise bring a multi-GB CUDA build.
$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --disable-pip-version-check "$(TORCH)"
	$(PIP) install -q --disable-pip-version-check -r requirements.txt
	$(PIP) install -q --disable-pip-version-check --no-deps -e .
	$(PY) -c 'from vaelib.notebooks import ensure_kernel; print("Jupyter kernel vaelib:", ensure_kernel())'
	@touch $@

setup: $(STAMP) ## create .venv and install the pinned requirements

# Fashion-MNIST's offline source is a Debian package; it is only needed when the data is not already verified.
data: setup ## fetch MNIST and Fashion-MNIST into data/ and verify them
	@if ! $(PY) -m vaelib data verify --root $(ROOT) fashion-mnist >/dev/null 2>&1 && [ ! -d $(FASHION_DEB_DIR) ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian package dataset-fashion-mnist (offline Fashion-MNIST source)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null) \
	      || echo "warning: could not install dataset-fashion-mnist; only the official mirrors remain"; \
	  fi; \
	fi
	$(PY) -m vaelib data fetch all --root $(ROOT)
	$(PY) -m vaelib data verify --root $(ROOT)

verify-data: setup ## check data/ against the published checksums
	$(PY) -m vaelib data verify --root $(ROOT)

lint: setup ## ruff
	$(VENV)/bin/ruff check vaelib tests benchmarks
	$(VENV)/bin/ruff format --check vaelib tests benchmarks

pytest: setup ## unit tests (synthetic data, no network)
	$(PY) -m pytest -q -m 'slow or not slow'  # plain `pytest` skips the slow ones

test: setup lint pytest notebooks-smoke site-check ## set-up and every check (what CI runs)

# full: executes notebooks/NN_*.ipynb in place (models from the run cache in runs/), writes assets/ and the
# seconds per notebook (assets/notebook_times.md, column NB_LABEL). smoke: a few hundred images and one epoch per
# run, everything under build/smoke/ (committed notebooks and assets untouched).
# full: `train-all` first trains the runs the notebooks need that the cache lacks, JOBS at a time (default: the
# machine's cores over the 2 threads each run uses), then the notebooks execute against the warm cache.
PROFILE  ?= full
NB_LABEL ?= auto
JOBS     ?=
notebooks: data ## execute every notebook: make notebooks PROFILE=full|smoke (full writes assets/; JOBS=N runs at a time)
	$(if $(filter full,$(PROFILE)),VAELIB_DATA=$(abspath $(ROOT)) $(PY) -m vaelib train-all --profile full $(if $(JOBS),--jobs $(JOBS)))
	VAELIB_DATA=$(abspath $(ROOT)) $(PY) -m vaelib notebooks --profile $(PROFILE) $(if $(filter full,$(PROFILE)),--label "$(NB_LABEL)")

train-all: data ## train the report's runs side by side (JOBS=N at a time), without executing the notebooks
	VAELIB_DATA=$(abspath $(ROOT)) $(PY) -m vaelib train-all --profile $(PROFILE) $(if $(JOBS),--jobs $(JOBS))

# The smoke check executes every notebook as a reader's Jupyter would, with nbconvert (the parameters cell reads
# $$VAELIB_PROFILE), into build/smoke/notebooks/; the committed notebooks are never written.
SMOKE_NB_DIR := build/smoke/notebooks
notebooks-smoke: data ## every notebook in the smoke profile with jupyter nbconvert --execute (fails on any error; part of make test)
	@mkdir -p $(SMOKE_NB_DIR)
	@for nb in notebooks/[0-9][0-9]_*.ipynb; do \
	  echo "VAELIB_PROFILE=smoke jupyter nbconvert --to notebook --execute $$nb"; start=$$(date +%s); \
	  VAELIB_PROFILE=smoke VAELIB_QUIET=1 VAELIB_ROOT=$(CURDIR) VAELIB_DATA=$(abspath $(ROOT)) \
	    $(VENV)/bin/jupyter nbconvert --to notebook --execute --output-dir $(SMOKE_NB_DIR) --log-level WARN "$$nb" || exit 1; \
	  echo "  done in $$(( $$(date +%s) - start )) s"; \
	done

# JupyterLab on the project's venv and its `vaelib` kernel, for running the notebooks yourself (Ctrl-C stops it).
LAB_PORT ?= 8888
lab: data ## open the notebooks in JupyterLab on 127.0.0.1:$(LAB_PORT) (the venv's kernel, "Python (vaelib)")
	VAELIB_DATA=$(abspath $(ROOT)) $(PY) -m vaelib lab --port $(LAB_PORT)

# npm ci installs exactly package-lock.json; the stamp makes a second run a no-op.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

node-modules: $(NODE_STAMP) ## npm ci: MathJax 3 (offline math) and playwright-core (browser check)

# Only what tex-chtml.js loads at run time: itself, its woff-v2 fonts and the TeX extensions it autoloads.
$(MATHJAX_JS): $(NODE_STAMP)
	rm -rf $(MATHJAX_DIR)
	mkdir -p $(MATHJAX_DIR)/output/chtml/fonts $(MATHJAX_DIR)/input/tex
	cp $(MATHJAX_SRC)/tex-chtml.js $(MATHJAX_DIR)/
	cp -r $(MATHJAX_SRC)/output/chtml/fonts/woff-v2 $(MATHJAX_DIR)/output/chtml/fonts/
	cp -r $(MATHJAX_SRC)/input/tex/extensions $(MATHJAX_DIR)/input/tex/
	cp node_modules/mathjax/LICENSE $(MATHJAX_DIR)/
	@touch $@

mathjax: $(MATHJAX_JS) ## copy MathJax from node_modules into docs/javascripts/vendor (git-ignored)

# onnxruntime-web for the latent explorer: the WebAssembly (CPU) build only, i.e. the script and the one
# .mjs/.wasm pair it loads; no WebGPU/WebGL builds.
$(ORT_JS): $(NODE_STAMP)
	rm -rf $(ORT_DIR)
	mkdir -p $(ORT_DIR)
	cp $(ORT_SRC)/ort.wasm.min.js $(ORT_SRC)/ort-wasm-simd-threaded.mjs $(ORT_SRC)/ort-wasm-simd-threaded.wasm $(ORT_DIR)/
	@touch $@

ort: $(ORT_JS) ## copy onnxruntime-web (WebAssembly) from node_modules into docs/javascripts/vendor (git-ignored)

# tablesort for the claims page's sortable ledger tables (its number sorter too).
TABLESORT_DIR := docs/javascripts/vendor/tablesort
TABLESORT_JS  := $(TABLESORT_DIR)/tablesort.min.js
$(TABLESORT_JS): $(NODE_STAMP)
	rm -rf $(TABLESORT_DIR)
	mkdir -p $(TABLESORT_DIR)
	cp node_modules/tablesort/dist/tablesort.min.js node_modules/tablesort/dist/sorts/tablesort.number.min.js \
	  node_modules/tablesort/LICENCE $(TABLESORT_DIR)/
	@touch $@

tablesort: $(TABLESORT_JS) ## copy tablesort from node_modules into docs/javascripts/vendor (git-ignored)

vendor: mathjax ort tablesort ## everything the site serves from npm packages

site: setup vendor ## build the report site into site/ (mkdocs --strict) from committed assets/ and notebooks/; never trains
	$(MKDOCS) build --strict

serve: setup vendor ## serve the report site on http://127.0.0.1:8000, rebuilt on every change
	$(MKDOCS) serve --dev-addr 127.0.0.1:8000

# The browser check uses Debian's chromium; like `data`, it installs the package when running as root.
browser: ## install headless Chromium (Debian package chromium) when it is missing
	@if [ ! -x $(CHROMIUM) ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian package chromium (headless browser for make site-check)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "error: $(CHROMIUM) is missing; install the Debian package chromium (apt-get install chromium)"; exit 1; \
	  fi; \
	fi
	@test -x $(CHROMIUM)

# Builds the site (as `make site`, with site_url set to the address it is served at: Material's instant
# navigation only follows links listed in sitemap.xml, port included), serves site/ on 127.0.0.1 (a free port,
# the server stopped afterwards) and opens every page in Chromium: images load, math typeset (also after
# instant navigation), no console errors, no request off 127.0.0.1.
site-check: setup vendor browser node-modules ## build the site, check every page and the latent explorer in headless Chromium; screenshots in build/site-screenshots
	@mkdir -p build; \
	port=$$($(PY) -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'); \
	echo "SITE_URL=http://127.0.0.1:$$port/ mkdocs build --strict"; \
	SITE_URL=http://127.0.0.1:$$port/ $(MKDOCS) build --strict || exit 1; \
	$(PY) -m http.server --bind 127.0.0.1 --directory site $$port >build/site-server.log 2>&1 & server=$$!; \
	trap 'kill $$server 2>/dev/null' EXIT; \
	node tools/check_site.mjs --site site --base http://127.0.0.1:$$port/ --out $(SCREENSHOTS) --chromium $(CHROMIUM) || exit 1; \
	node tools/check_explorer.mjs --base http://127.0.0.1:$$port/ --results build/explorer-check.json \
	  --screenshot $(SCREENSHOTS)/explorer.test.png --chromium $(CHROMIUM) || exit 1; \
	$(PY) -m vaelib.explorer build/explorer-check.json site

sharp-extended: data ## notebook 09 with every variant at latents 2, 4 and 16 on both data sets (about 35 min cold): assets/09_*/*_extended.*
	VAELIB_DATA=$(abspath $(ROOT)) $(PY) -m vaelib notebooks --profile full --param EXTENDED_GRID=true 09

bench: data ## training-speed benchmark on real MNIST
	$(PY) benchmarks/bench_train.py

bench-pool: data ## the pool (train-all) against serial training on the same runs, and whether their weights agree
	$(PY) benchmarks/bench_pool.py --root $(ROOT)

bench-layers: setup ## per-layer timings of vaelib.layers against their torch.nn parents
	$(PY) benchmarks/bench_layers.py

evaluate: data ## train (or load) and evaluate the named experiments; copies their metrics to assets/evaluation
	$(PY) -m vaelib experiment all --evaluate --export assets/evaluation

report: data ## the main job: set-up, data, training (JOBS=N at a time), notebooks (full profile), site
	$(MAKE) notebooks PROFILE=full
	$(MAKE) site

clean: ## remove caches and build outputs (keeps .venv and data/)
	rm -rf .pytest_cache .ruff_cache .hypothesis site .cache
	rm -rf docs/javascripts/vendor $(SCREENSHOTS) build/site-server.log build/smoke
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +

distclean: clean ## also remove .venv, data/ downloads and runs/
	rm -rf $(VENV) runs $(ROOT)/MNIST $(ROOT)/FashionMNIST $(ROOT)/csv
	rm -rf node_modules
