# The two commands a new user needs are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup run test test-slow fuzz-long soak-long bench screenshots bundle install-desktop clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	# torch first and pinned: an unpinned torch (ours or a dependency's) pulls a multi-GB CUDA build.
	$(BIN)/python -m pip install torch==2.13.0
	$(BIN)/python -m pip install -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/precis

test: setup
	$(BIN)/python -m pytest -n 2 --dist loadgroup

test-slow: setup
	$(BIN)/python -m pytest -m slow

clean:
	rm -rf $(VENV) build dist
