# Two commands for a newcomer: `make demo` (convert an example, run its pipeline into a local MLflow store)
# and `make test` (set everything up, then run the whole test suite). Everything else is a building block.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.jupyter-mlops-installed
LABEXT_STAMP := jupyter_mlops/labextension/package.json
DEMO_DIR ?= demo-output

.PHONY: demo test setup venv labextension browser lint lab clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python setup.py pyproject.toml
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

venv: $(STAMP)

labextension: $(STAMP)
	@if [ -f package.json ]; then \
	  cd . && PATH=$(abspath $(BIN)):$$PATH $(abspath $(BIN))/jlpm install && PATH=$(abspath $(BIN)):$$PATH $(abspath $(BIN))/jlpm build && \
	  PATH=$(abspath $(BIN)):$$PATH $(abspath $(BIN))/jupyter labextension develop --overwrite . >/dev/null && \
	  PATH=$(abspath $(BIN)):$$PATH $(abspath $(BIN))/jupyter server extension enable --sys-prefix jupyter_mlops >/dev/null; \
	fi

browser:
	bash scripts/install-system-deps.sh

setup: venv labextension

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup browser lint
	bash scripts/run-tests.sh

demo: venv
	bash scripts/demo.sh $(DEMO_DIR)

lab: setup
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/jupyter lab --notebook-dir=examples

clean:
	rm -rf $(VENV) node_modules jupyter_mlops/labextension lib $(DEMO_DIR)
