# Postsynaptic potentials: an interactive textbook.
#   make book   build the website (every notebook executed; any warning fails)
#   make test   build the book, then run the whole test suite (unit, NEURON, demos, site in Chromium)
#   make pdf    the print edition, _build/pdf/book.pdf (figures at 300 dpi, demos as their default frame)
#   make serve  serve the built site on http://localhost:8000
#   make lab    open the notebooks live in JupyterLab
#   make bench  run the benchmarks (speed against NEURON, demo latency)
#   make clean  remove build outputs and unpacked vendored assets
#   make editions  regenerate colab/*.ipynb, the reader's editions the Colab button opens (after editing a chapter)
# .venv is created (or re-synced) from the pinned requirements whenever they change.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := book

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.requirements-stamp
PORT ?= 8000

# Notebooks execute in a kernel started from this venv.
export PATH := $(BIN):$(PATH)

.PHONY: book test serve lab bench clean venv vendor pdf editions

venv: $(STAMP)

# Needs Python 3.11 (binder/runtime.txt). An existing 3.11 venv is re-synced
# to the pins; anything else is replaced. pip installs uv (pinned in requirements-dev.txt), and uv the rest:
# with a warm cache in seconds rather than pip's minute (issue 19; it resolves these pins to the same set
# of packages as pip, checked on 2026-12-07; --system-certs: the machine's CA store, as pip uses it).
$(STAMP): requirements-dev.txt binder/requirements.txt pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "make: no python3.11 or python3 found" >&2; exit 1; fi
	@if ! $(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then \
	    echo "make: $(PYTHON) is Python $$($(PYTHON) -c 'import platform; print(platform.python_version())'); this book needs 3.11 (set PYTHON=/path/to/python3.11)" >&2; exit 1; fi
	@if ! $(VENV)/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then \
	    echo "make: creating $(VENV) with $(PYTHON)"; rm -rf $(VENV); $(PYTHON) -m venv $(VENV); fi
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check $$(grep -E '^uv==' requirements-dev.txt)
	$(VENV)/bin/python -m uv pip install --quiet --system-certs --python $(VENV)/bin/python -r requirements-dev.txt
	touch $@

# Pinned JavaScript (widgets, MathJax, axe-core) from npm, sha512-verified, into _vendor/.
vendor: $(STAMP)
	$(BIN)/python tools/vendor_assets.py

# --all: a full rebuild every time, so every notebook runs and every page's
# warnings are reported (an incremental build would skip unchanged pages).
# jupyter-book exits non-zero on a warning with -W --keep-going; the grep on
# the log is a second guard in case a future version does not.
book: vendor
	@mkdir -p _build
	@rm -rf _build/.jupyter_cache
	@start=$$(date +%s); \
	IPSP_BOOK_STATIC=1 $(BIN)/jupyter-book build . --all -W -n --keep-going 2>&1 | tee _build/book.log; \
	if grep -E -q '(^|: )(WARNING|ERROR|CRITICAL):' _build/book.log; then \
	    echo "make book: FAILED: the build log has warnings or errors (see _build/book.log)" >&2; exit 1; fi; \
	echo "make book: built in $$(( $$(date +%s) - start )) s: $(CURDIR)/_build/html/index.html"

# The print edition: the book built again with figures at print resolution, and each demo's default
# frame only (IPSP_BOOK_STATIC=print), into _build/print
# (warnings fail it, as for the site), then every page in TOC order printed by Chromium into one PDF.
pdf: vendor
	@mkdir -p _build/pdf
	@rm -rf _build/print/_build/.jupyter_cache
	@start=$$(date +%s); \
	IPSP_BOOK_STATIC=print IPSP_FIGURE_DPI=300 $(BIN)/jupyter-book build . --all -W -n --keep-going \
	    --path-output _build/print 2>&1 | tee _build/pdf/print-build.log; \
	if grep -E -q '(^|: )(WARNING|ERROR|CRITICAL):' _build/pdf/print-build.log; then \
	    echo "make pdf: FAILED: the print build has warnings or errors (see _build/pdf/print-build.log)" >&2; exit 1; fi; \
	$(BIN)/python tools/print_book.py _build/print/_build/html _build/pdf/book.pdf; \
	echo "make pdf: built in $$(( $$(date +%s) - start )) s"

# pytest collects tests/ and the doctests in ipsplib (pyproject.toml).
# Exit status 5 means it collected nothing: a broken suite, so it fails too.
# IPSP_REQUIRE_NEURON=1: the NEURON validation (and its NMDA mechanism, compiled by nrnivmodl) must run;
# a missing NEURON or C++ compiler is an error, not a skip. Outside make test it may still skip, loudly.
# --durations=30 lists the slowest tests at the end (where the time goes; issue 19).
# The three builds run two at a time (two cores): the print edition beside the site, then the student
# site from the site's executions.
# pytest runs in TEST_WORKERS processes (pytest-xdist), whole test modules at a time (the NEURON modules
# together; tests/xdist_groups.py), and the coursework builds are made once for both (tests/once_per_run.py).
# TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= 2
test:
	$(MAKE) --jobs=2 --output-sync=target book-student pdf
	@start=$$(date +%s); status=0; IPSP_REQUIRE_NEURON=1 $(BIN)/python -m pytest --durations=30 \
	    $(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadscope) || status=$$?; \
	echo "make test: pytest took $$(( $$(date +%s) - start )) s"; \
	if [ $$status -eq 5 ]; then echo "make test: FAILED: pytest collected no tests" >&2; exit 1; fi; \
	exit $$status

# The Colab editions: each chapter's MyST rendered to plain Markdown, glued numbers from the last
# `make book` when it built this version of the chapter, else from executing the chapter here.
# tests/test_colab_edition.py (in make test) fails when an edition is stale.
editions: $(STAMP)
	@start=$$(date +%s); $(BIN)/python tools/reader_edition.py; \
	echo "make editions: $$(( $$(date +%s) - start )) s"

serve:
	@test -f _build/html/index.html || $(MAKE) book
	@echo "Serving _build/html on http://localhost:$(PORT)/ (Ctrl+C stops)"
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

# Jupyter refuses to start as root (containers, classroom images) unless told --allow-root.
lab: $(STAMP)
	$(BIN)/jupyter lab $$(if [ "$$(id -u)" = 0 ]; then echo --allow-root; fi) chapters/

bench: $(STAMP)
	@shopt -s nullglob; scripts=(benchmarks/*.py); \
	if [ $${#scripts[@]} -eq 0 ]; then echo "make bench: no scripts in benchmarks/" >&2; exit 1; fi; \
	for s in "$${scripts[@]}"; do echo "== $$s"; $(BIN)/python "$$s"; done

clean:
	rm -rf _build _vendor .pytest_cache .ruff_cache

# --- coursework (issue 8) ---------------------------------------------------------------
# make coursework        student notebooks + autograder zips for every set in coursework/ (otter assign, no Docker)
# make coursework SEED=n  the same, with the numbers of every variable set drawn from the private seed n
#                        (tools/set_variants.py); make grade grades with what make coursework built last
# make coursework SEED=n VARIANTS=k ROSTER=roster.csv   k variants of each variable set, each student getting
#                        the one their ID draws (_build/coursework/<set>/handout/<student_id>/, students.csv)
# make grade SUBMISSIONS=dir SET=02-epsps [ROSTER=roster.csv]   grade a folder of submitted notebooks (side by side,
#                        or a folder per student as Moodle gives) into _build/grades/: <set>.csv (gradebook with max),
#                        <set>-files.csv (every file and its outcome), <set>/feedback/<student>.md, and the class
#                        report <set>-misconceptions.csv/.png/.html. ROSTER: a CSV file,student_id mapping names to IDs.
# make book-student      the website without the exercise solutions, in _build/student/html/
.PHONY: coursework grade book-student

coursework: $(STAMP)
	$(BIN)/python tools/problem_sets.py build --out _build/coursework $(if $(SEED),--seed "$(SEED)") \
	    $(if $(VARIANTS),--variants "$(VARIANTS)") $(if $(ROSTER),--roster "$(ROSTER)")

grade: $(STAMP)
	@if [ -z "$(SUBMISSIONS)" ] || [ -z "$(SET)" ]; then echo "usage: make grade SUBMISSIONS=folder SET=set-name" >&2; exit 1; fi
	@test -f _build/coursework/$(SET)/$(SET)-autograder.zip || $(MAKE) coursework
	$(BIN)/python tools/grade_class.py "$(SUBMISSIONS)" --set "$(SET)" $(if $(ROSTER),--roster "$(ROSTER)")

# It reuses the notebook executions of `make book` (the jupyter-cache that build filled) and the demo frames
# they rendered (IPSP_FRAMES_DIR), so it runs after it.
book-student: book
	@mkdir -p _build/student/_build
	rm -rf _build/student/_build/.jupyter_cache && cp -r _build/.jupyter_cache _build/student/_build/.jupyter_cache
	IPSP_FRAMES_DIR=$(CURDIR)/_build/ipsp-frames IPSP_STUDENT_BUILD=1 IPSP_BOOK_STATIC=1 $(BIN)/jupyter-book build . --all -W -n --keep-going --path-output _build/student 2>&1 | tee _build/student/book.log
	@if grep -E -q '(^|: )(WARNING|ERROR|CRITICAL):' _build/student/book.log; then \
	    echo "make book-student: FAILED: the build log has warnings or errors (see _build/student/book.log)" >&2; exit 1; fi
	rm -rf _build/student/html && mv _build/student/_build/html _build/student/html && rm -rf _build/student/_build
	@echo "make book-student: $(CURDIR)/_build/student/html/index.html"
# make test also builds the student site and checks it for leaked solutions (tests/test_coursework.py)
