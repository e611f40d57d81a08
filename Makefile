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

.PHONY: help setup data verify-data test lint pytest bench evaluate report clean distclean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# The venv is rebuilt only when requirements.txt or pyproject.toml change. torch is installed FIRST, pinned:
# anything that pulls torch before it (torchmetrics) would otherwise bring a multi-GB CUDA build.
$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --disable-pip-version-check "$(TORCH)"
	$(PIP) install -q --disable-pip-version-check -r requirements.txt
	$(PIP) install -q --disable-pip-version-check --no-deps -e .
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

test: setup lint pytest ## set-up and every check (what CI runs)

bench: data ## training-speed benchmark on real MNIST
	$(PY) benchmarks/bench_train.py

evaluate: data ## train (or load) and evaluate the named experiments; copies their metrics to assets/evaluation
	$(PY) -m vaelib experiment all --evaluate --export assets/evaluation

report: data ## the main job: set-up, data, training, notebooks, site

clean: ## remove caches and build outputs (keeps .venv and data/)
	rm -rf .pytest_cache .ruff_cache .hypothesis site .cache
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +

distclean: clean ## also remove .venv, data/ downloads and runs/
	rm -rf $(VENV) runs $(ROOT)/MNIST $(ROOT)/FashionMNIST $(ROOT)/csv
