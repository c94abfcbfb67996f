# Two commands for a newcomer (see README.md):
#   make lab    -- create .venv, install everything (CPU torch first), open JupyterLab on lectures/
#   make test   -- same set-up when needed, then the whole test suite (notebooks and browser included)
#   make present LECTURE=01 -- serve one lecture as an app, code hidden (Voilà; README "Presenting")
PYTHON ?= python3
# Optional package index for torch only, e.g. the CPU-only build on a Linux laptop:
#   make lab TORCH_INDEX=https://download.pytorch.org/whl/cpu
# Empty by default: then torch comes from the usual index, exactly as before.
TORCH_INDEX ?=
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.invlab-installed

.PHONY: setup lab test test-fast bench clean-venv student grade present

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch==2.13.0 first, so the open range in pyproject.toml never pulls another build.
# TORCH_INDEX (optional) is passed as --index-url to this one install only.
# The stamp depends on pyproject.toml, so set-up reruns only when the dependencies change.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -q $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) torch==2.13.0
	$(BIN)/python -m pip install --disable-pip-version-check -q -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

# --allow-root only when run as root (containers, this course's CI machines): Jupyter refuses otherwise
lab: setup
	$(BIN)/jupyter lab --ServerApp.root_dir=lectures $$([ "$$(id -u)" = 0 ] && echo --allow-root)

test: setup
	bash scripts/ensure_chromium.sh
	$(BIN)/python -m pytest tests lectures --nbval-lax --nbval-current-env -p no:cacheprovider

# unit tests only (no notebooks, no browser): the quick loop while developing
test-fast: setup
	$(BIN)/python -m pytest tests -m "not browser" -q

bench: setup
	for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

# Coursework (README "Coursework"): the student versions of the lectures, and batch grading of
# SUBMISSIONS/<student>/<lecture>.ipynb into a CSV (GRADE_ARGS: e.g. --timeout 180 --workers 2).
STUDENT_OUT ?= build/student
SUBMISSIONS ?= submissions
GRADES      ?= grades.csv
GRADE_ARGS  ?=

student: setup
	$(BIN)/python -m invlab.coursework student lectures $(STUDENT_OUT)

grade: setup
	$(BIN)/python -m invlab.coursework grade $(SUBMISSIONS) --out $(GRADES) $(GRADE_ARGS)

# Presentation mode: the lecture as an app with the code hidden, at http://127.0.0.1:8866/
# (PRESENT_ARGS: e.g. --no-browser --port 8870 --no-preheat; see python -m invlab.present --help).
LECTURE      ?= 00
PRESENT_ARGS ?=

present: setup
	$(BIN)/python -m invlab.present $(LECTURE) $(PRESENT_ARGS)

clean-venv:
	rm -rf $(VENV)
