# The two commands of the book (see README.md):
#   make book   create .venv, fetch MathJax, execute stale notebooks (quick budget), build _build/html
#   make test   create .venv, install Chromium if missing, run every test (CI runs exactly this)
# Everything runs on two CPU cores; the torch CPU build is pinned first so that no
# multi-GB CUDA download ever happens.

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
JB     := $(VENV)/bin/jupyter-book
TORCH  := torch==2.13.0
STAMP  := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium

export FSCNN_BUDGET := quick
export PYTHONDONTWRITEBYTECODE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# Static inputs whose change must refresh the copied static files (a full rebuild).
SITE_INPUTS := _config.yml _toc.yml $(wildcard book/_assets/* book/_templates/*) scripts/vendor_assets.py

.PHONY: venv vendor execute book build-book test chromium clean help

help:
	@echo "make book   build the book into _build/html (executes changed notebooks, quick budget)"
	@echo "make test   run every test: library, notebooks (nbval), built site (Chromium), Colab setup"

venv: $(STAMP)

$(STAMP): requirements.txt requirements-test.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet $(TORCH)
	$(PIP) install --quiet -r requirements.txt -r requirements-test.txt $(TORCH)
	$(PIP) install --quiet --no-deps -e .
	@touch $(STAMP)

vendor: venv
	$(PY) scripts/vendor_assets.py

# Re-execute only the notebooks whose code or library changed since their stored run.
execute: venv
	$(PY) scripts/execute_notebooks.py --if-stale

# Build from the stored outputs (execute_notebooks is "off" in _config.yml): warnings are
# errors. A change to the static inputs forces --all, since Sphinx does not recopy them.
build-book: vendor
	$(PY) scripts/make_status.py
	@all=""; if [ ! -f _build/.site-stamp ] || [ -n "$$(find $(SITE_INPUTS) vendor_cache/static -newer _build/.site-stamp 2>/dev/null | head -n1)" ]; then all="--all"; fi; \
	echo "$(JB) build . $$all -W -n --keep-going"; \
	start=$$(date +%s); \
	$(JB) build . $$all -W -n --keep-going || exit 1; \
	touch _build/.site-stamp; \
	echo "book built in $$(( $$(date +%s) - start )) s"

book: execute build-book
	@echo
	@echo "Open the book: file://$(CURDIR)/_build/html/index.html"

chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "Chromium not found at $(CHROMIUM): installing Debian's chromium"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi
	@test -x $(CHROMIUM) || { echo "no Chromium at $(CHROMIUM)"; exit 1; }

# Every test in one pytest run: the library with its doctests, each notebook executed
# once (by nbval, which compares with the stored outputs that the book shows), their
# structure and freshness, the built site in Chromium, the Colab setup cell, and the
# originality check (tests/test_originality.py runs ../shared/tools/originality_check.py).
# A failed book build (a warning) fails the target but does not stop the tests, so one
# run reports everything; the browser tests then check what the build produced.
test: venv chromium vendor
	@status=0; \
	$(MAKE) --no-print-directory build-book || { status=1; echo "*** the book build failed (see above)"; }; \
	$(PY) -m pytest -p no:cacheprovider --durations=10 \
		--doctest-modules fscnn_lib tests \
		--nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
		--nbval-cell-timeout=300 notebooks </dev/null || status=1; \
	exit $$status

clean:
	rm -rf _build vendor_cache
