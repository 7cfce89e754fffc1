# The front door: `make help` lists the targets.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PROFILE ?= full
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# an existing Dask cluster to run the jobs on (README, "More machines"); empty: a local one of JOBS workers
SCHEDULER ?=
SCHEDULER_FILE ?=
# more options for jupyter lab (make lab LAB_ARGS="--no-browser --port=8899")
LAB_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv data report plan quick test check lab bench compare snapshot clean distclean

help: ## list the targets
	@echo "Minibatch SGD on MNIST, a reproducible report. Targets:"
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z]+):.*## (.*)/  make \1\t\2/' | expand -t 18
	@echo "Variables: PROFILE=$(PROFILE) (a name in params/ or a YAML path), JOBS=$(JOBS) (jobs in parallel),"
	@echo "  SCHEDULER=tcp://host:8786 or SCHEDULER_FILE=path (run the jobs on an existing Dask cluster),"
	@echo "  LAB_ARGS=\"--no-browser --port=8899\" (options make lab passes to Jupyter)"

$(STAMP): requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: '$(PYTHON)' not found. Install Python 3.11, or point to it: make <target> PYTHON=/path/to/python3.11" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { echo "error: '$(PYTHON)' is Python $$($(PYTHON) -c 'import platform; print(platform.python_version())'); this project needs 3.11 (make <target> PYTHON=/path/to/python3.11)" >&2; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { echo "error: '$(PYTHON)' lacks the venv/ensurepip modules (on Debian: apt-get install python3.11-venv)" >&2; exit 1; }
	@echo "Creating $(VENV) from requirements.txt (a few minutes the first time)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(PY) -m ipykernel install --sys-prefix --name mnist-sgd --display-name "Python 3 (mnist-sgd)" >/dev/null
	@touch $@

venv: $(STAMP) ## create the virtual environment (.venv) from the pinned requirements

data: $(STAMP) ## fetch the MNIST files and verify their checksums
	$(PY) -m mnist_sgd.science.data

report: $(STAMP) ## build report/index.html and report/report.pdf (PROFILE=full by default)
	$(PY) -m mnist_sgd.build.cli --profile $(PROFILE) -j $(JOBS) $(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(SCHEDULER_FILE),--scheduler-file $(SCHEDULER_FILE))

plan: $(STAMP) ## dry run: the jobs a build would run, why, and the expected time; runs nothing
	$(PY) -m mnist_sgd.build.cli --profile $(PROFILE) -j $(JOBS) --dry-run

quick: ## build the report on the quick profile (toy sizes) into report/quick/
	@$(MAKE) --no-print-directory report PROFILE=quick

test: data ## run ruff, mypy and the test suite (unit tests and an end-to-end quick build)
	$(PY) -m ruff check lib tests notebooks
	$(PY) -m ruff format --check lib tests notebooks
	$(PY) -m mypy
	$(PY) -m pytest

check: data ## the fast checks: ruff, mypy and the tests that execute no notebook (about a minute)
	$(PY) -m ruff check lib tests notebooks
	$(PY) -m ruff format --check lib tests notebooks
	$(PY) -m mypy
	$(PY) -m pytest -m "not slow" -q

lab: $(STAMP) ## JupyterLab on the project (localhost, token auth): runs write to report/lab/, never to a built report
	$(PY) -m mnist_sgd.build.lab --profile $(PROFILE) $(LAB_ARGS)

bench: data ## time the code against naive loops and the machine's limits: report/bench.json (a few minutes)
	$(PY) -m mnist_sgd.bench.cli

compare: $(STAMP) ## did it reproduce? this build's result tables vs OTHER=<folder or snapshot NAME>; writes compare.html
	$(PY) -m mnist_sgd.compare.cli "$(OTHER)" --profile $(PROFILE)

snapshot: $(STAMP) ## keep this build's results in report/snapshots/NAME, to compare with later
	$(PY) -m mnist_sgd.compare.cli --snapshot "$(NAME)" --profile $(PROFILE)

clean: ## delete the generated report (keeps data and .venv)
	rm -rf report

distclean: clean ## delete the report, the data and the virtual environment
	rm -rf data $(VENV)
