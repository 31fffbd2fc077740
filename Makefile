# kerasgen: `make demo` trains a VAE on Fashion-MNIST and writes a sample grid;
# `make test` runs the whole test suite. Both set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.kerasgen-installed
FMNIST_DIR := /usr/share/datasets/fashion-mnist
DEMO_DIR ?= demo_output
PYTEST_ARGS ?=
# Test processes (pytest-xdist): the suite is mostly single-threaded tracing and
# tiny kernels, so two processes use both cores: 13.9 min for the 770 tests on
# this 2-core machine (2026-12-01) against 32.6 min in one process (CI, stop 13).
PYTEST_WORKERS ?= 2

.PHONY: demo test lint data venv clean

venv: $(STAMP)

# Re-installs only when setup.cfg or pyproject.toml change: a second run takes seconds.
$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[tests]"
	touch $(STAMP)

# Fashion-MNIST from Debian's package where apt and root are available; otherwise
# kerasgen.datasets.fashion_mnist falls back to Keras' own download at first use.
data:
	@if [ -f $(FMNIST_DIR)/train-images-idx3-ubyte.gz ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 || \
		(apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1) || \
		echo "note: could not install dataset-fashion-mnist; Keras' download will be tried"; \
	else echo "note: $(FMNIST_DIR) missing and apt unavailable; Keras' download will be tried"; fi

demo: venv data
	rm -rf $(DEMO_DIR)
	$(VENV)/bin/kerasgen train vae --dataset fashion_mnist --epochs 2 --batch-size 128 \
		--output-dir $(DEMO_DIR) --seed 0
	$(VENV)/bin/kerasgen generate $(DEMO_DIR)/model.keras --num-samples 64 --seed 0 \
		--output $(DEMO_DIR)/generated.png
	@echo "Samples written to $(DEMO_DIR)/generated.png"

test: venv data
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) --dist worksteal --durations=15 $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check kerasgen tests examples benchmarks
	$(VENV)/bin/ruff format --check kerasgen tests examples benchmarks

clean:
	rm -rf $(VENV) $(DEMO_DIR) build dist *.egg-info
