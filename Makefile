# The two commands a new user needs are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CLUSTER := $(VENV)/.cluster-installed

.PHONY: setup run test test-slow fuzz-long soak-long bench screenshots bundle bundle-full install-desktop clean

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

# The cluster extra (Ray Data, for precis-cli batch --cluster) is optional for users but tested:
# tests/batch/test_ray.py runs a local 2-CPU Ray. 636 MB; 40 s to install with pip's cache, 2 min 15 s
# into an empty venv without it (measured on the shared development machine).
$(CLUSTER): $(STAMP)
	$(BIN)/python -m pip install -e ".[cluster]"
	touch $(CLUSTER)

test: setup $(CLUSTER)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

test-slow: setup
	$(BIN)/python -m pytest -m slow --timeout 3000  # building each bundle alone can take 10 minutes on 2 cores

# The reliability suite's long forms (tests/reliability/README.md); `make test` runs the short ones.
fuzz-long: setup
	PRECIS_FUZZ_LONG=1 $(BIN)/python -m pytest -n 2 tests/reliability/test_fuzz.py tests/reliability/test_hostile.py

soak-long: setup
	PRECIS_FUZZ_LONG=1 $(BIN)/python -m pytest tests/reliability/test_soak.py

# Screenshots of the real window for the README (Xvfb gives a real X screen; without it the
# script falls back to Qt's offscreen platform).
screenshots: setup
	if command -v xvfb-run >/dev/null; then \
		xvfb-run -a -s "-screen 0 1600x1000x24" $(BIN)/python resources/screenshots/make_screenshots.py; \
	else \
		QT_QPA_PLATFORM=offscreen $(BIN)/python resources/screenshots/make_screenshots.py; \
	fi

# One-folder PyInstaller bundles (precis and precis-cli inside; build.spec says what each holds):
# `bundle` without torch in dist/precis/ (summarizing, OCR, downloads; no fine-tuning), and
# `bundle-full` with torch, fine-tuning and every backend in dist/precis-full/.
bundle: setup
	PRECIS_BUNDLE=lean $(BIN)/pyinstaller build.spec --noconfirm --workpath build/lean

bundle-full: setup
	PRECIS_BUNDLE=full $(BIN)/pyinstaller build.spec --noconfirm --workpath build/full

install-desktop: setup
	$(BIN)/precis-cli install-desktop

clean:
	rm -rf $(VENV) build dist
