# Two commands for a newcomer: `make demo` (convert an example, run its pipeline into a local MLflow store)
# and `make test` (set everything up, then run the whole test suite). Everything else is a building block.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.jupyter-mlops-installed
LABEXT_BUILD := jupyter_mlops/labextension/package.json
LABEXT_SOURCES := package.json yarn.lock tsconfig.json $(shell find labextension/src labextension/style -type f)
DEMO_DIR ?= demo-output

.PHONY: demo test setup venv labextension browser engines lint lab clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# The editable install skips its own npm build (hatch-jupyter-builder): the labextension target below builds it.
$(STAMP): $(BIN)/python pyproject.toml
	HATCH_JUPYTER_BUILDER_SKIP_NPM=1 $(BIN)/python -m pip install -q -e '.[test]'
	touch $@

venv: $(STAMP)

# Rebuilt only when the TypeScript sources or the npm manifest change; the develop link is cheap and idempotent.
$(LABEXT_BUILD): $(STAMP) $(LABEXT_SOURCES)
	PATH=$(abspath $(BIN)):$$PATH jlpm install
	PATH=$(abspath $(BIN)):$$PATH jlpm build
	touch $@

labextension: $(LABEXT_BUILD)
	PATH=$(abspath $(BIN)):$$PATH jupyter labextension develop --overwrite . >/dev/null

browser:
	bash scripts/install-system-deps.sh

# Prefect and Airflow live in venvs of their own (their pins clash with MLflow's server); the schedule
# tests find them there and run the emitted flow / DAG for real.
.venv-prefect/.installed:
	$(PYTHON) -m venv .venv-prefect
	.venv-prefect/bin/python -m pip install -q 'prefect>=3.4,<3.9' 'fastapi>=0.139,<0.150' pyyaml
	touch $@

.venv-airflow/.installed:
	$(PYTHON) -m venv .venv-airflow
	.venv-airflow/bin/python -m pip install -q 'apache-airflow>=3.3,<4'
	touch $@

# MLServer (Seldon's inference server) pins FastAPI older than MLflow's server: `jupyter-mlops serve` runs it
# from here. scikit-learn matches the main venv's, so the served model unpickles as it was trained; uvloop 0.22+
# breaks MLServer 1.7.1's inference workers ("no current event loop").
.venv-mlserver/.installed:
	$(PYTHON) -m venv .venv-mlserver
	.venv-mlserver/bin/python -m pip install -q 'mlserver==1.7.1' 'mlserver-mlflow==1.7.1' 'scikit-learn>=1.9,<1.10' 'uvloop<0.22'
	touch $@

# JupyterHub's proxy (configurable-http-proxy, from npm): the Hub tests start a real Hub with two users.
.hub-proxy/.installed:
	npm install --prefix .hub-proxy --no-audit --no-fund --loglevel=error configurable-http-proxy@5.3.0
	touch $@

# Feast pins pandas < 3 (the main venv has pandas 3): the Feast example and its tests run from here. The
# repository is on its path (a .pth file), so the example imports jupyter_mlops' Feast helper and the CLI runs.
.venv-feast/.installed:
	$(PYTHON) -m venv .venv-feast
	.venv-feast/bin/python -m pip install -q 'feast>=0.60,<0.70' 'mlflow>=3.17,<4' 'scikit-learn>=1.9,<1.10' \
	  'skops>=0.13,<1' papermill ipykernel nbformat pytest croniter tqdm libcst fastjsonschema mistune
	.venv-feast/bin/python -c "import site, sys; open(site.getsitepackages()[0] + '/jupyter_mlops_repo.pth', 'w').write(sys.argv[1] + '\n')" "$(CURDIR)"
	touch $@

engines: .venv-prefect/.installed .venv-airflow/.installed .venv-mlserver/.installed .hub-proxy/.installed .venv-feast/.installed

setup: venv labextension

# Python (ruff) and the panel's TypeScript (Prettier, ESLint, then the jest tests of its models);
# node_modules comes from the labextension build's `jlpm install`.
lint: $(STAMP) $(LABEXT_BUILD)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PATH=$(abspath $(BIN)):$$PATH jlpm lint:check
	PATH=$(abspath $(BIN)):$$PATH jlpm test

test: setup browser engines lint
	bash scripts/run-tests.sh

demo: setup
	bash scripts/demo.sh $(DEMO_DIR)

# JupyterLab on the demo's store, rooted at the repository so experiment names match nb2prod's and run's.
lab: setup
	MLFLOW_TRACKING_URI=$${MLFLOW_TRACKING_URI:-sqlite:///$(CURDIR)/$(DEMO_DIR)/mlflow.db} \
	  PATH=$(abspath $(BIN)):$$PATH $(BIN)/jupyter lab

clean:
	rm -rf $(VENV) .venv-prefect .venv-airflow .venv-mlserver node_modules jupyter_mlops/labextension lib $(DEMO_DIR)
