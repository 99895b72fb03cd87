# Two commands on a fresh machine with Python >= 3.11 and make:
#   make briefs   set up .venv (pinned), then validate the data and produce the briefs
#   make test     set up .venv (pinned), then run the test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
KERNEL := dti-suite
STAMP := $(VENV)/.installed

.PHONY: setup briefs data validate test lab bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	# Editable install: the package is used in place from src/ (edits need no reinstall), and its
	# metadata registers the entry points (nbconvert exporter dti_brief, papermill engine dti).
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "DTI suite (.venv)" >/dev/null
	touch $(STAMP)

data: $(STAMP)
	$(PY) -m analysis build

validate: $(STAMP)
	$(PY) -m analysis validate

briefs: data
	$(PY) -m analysis validate
	$(PY) -m analysis run

test: $(STAMP)
	$(PY) -m pytest

# The runner at the sizes people run it: the default set, an unchanged rerun, fresh kernels
# (byte comparison), the naive papermill+nbconvert loop (sample), one edition x 63 provinces, and
# the whole grid (every edition x province x vi,en: also the parallel stress step); per-phase and
# per-notebook times, peak memory, machine load; writes benchmarks/results/latest.json.
bench: $(STAMP)
	$(PY) benchmarks/bench_batch.py

# JupyterLab on notebooks/ with the dti-suite kernel. Extra options: make lab LAB_ARGS=--no-browser
# (as root, e.g. in a container, --allow-root is added: Jupyter refuses to start without it).
LAB_ARGS ?=
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks --MultiKernelManager.default_kernel_name=$(KERNEL) \
		$(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# Every chart for Hải Dương from the real data, as PNGs under outputs/figures/.
.PHONY: figures
figures: $(STAMP)
	$(PY) -m analysis.figures

clean:
	rm -rf $(VENV)
