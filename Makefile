# The two commands of the README's quick start: `make demo` and `make test`.
# Both create .venv when it is missing and (re)install only when pyproject.toml changed.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU build of torch; override (e.g. TORCH=torch) to pick another build.
TORCH ?= torch==2.13.0
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
TINY := models/tiny

.PHONY: demo test lint bench bench-latency bench-face clean help

help:
	@echo "make demo   - set up .venv, then see and hear the robot in your browser (tiny models if real ones are missing)"
	@echo "make test   - set up .venv, the test tools and mosquitto, then run the whole test suite"
	@echo "make bench  - the performance benchmarks whose numbers are in the README"

# pip shows what it collects and a progress bar per download: the first install takes a minute or more.
PIP := $(BIN)/pip install --progress-bar on --disable-pip-version-check

$(BIN)/python:
	@echo "== creating $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(PIP) --quiet --upgrade pip

$(STAMP): pyproject.toml setup.py | $(BIN)/python
	@echo "== [1/2] torch, CPU build (the largest download)"
	$(PIP) "$(TORCH)"
	@echo "== [2/2] companion and its speech, language-model and perception libraries (about 1.8 GB installed)"
	$(PIP) -e ".[robot]"
	touch $@

$(TEST_STAMP): $(STAMP)
	@echo "== the test tools (pytest, playwright, ruff, the Wyoming servers, jsonschema, build)"
	$(PIP) -e ".[robot,test]"
	touch $@

demo: $(STAMP)
	$(BIN)/companion demo --tiny-dir $(TINY) --output outputs/demo

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(TEST_STAMP)
	bash scripts/install-system-deps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -rs

bench: bench-latency bench-face

bench-latency: $(STAMP)
	$(BIN)/companion bench latency

bench-face: $(STAMP)
	bash scripts/install-system-deps
	$(BIN)/companion bench face

clean:
	rm -rf $(VENV) models/tiny outputs .pytest_cache
