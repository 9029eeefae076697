#!/usr/bin/env bash
# The demo behind `make demo`: convert the iris example notebook into a package with nb2prod, run its
# pipeline twice into the embedded local MLflow store (SQLite, no server), run the generated tests
# (parity with the notebook included), then say where to look.
#
# Usage: bash scripts/demo.sh DEMO_DIR        (make demo uses DEMO_DIR=demo-output)
set -euo pipefail

if [[ $# -ne 1 || "$1" == -* ]]; then
  echo "usage: bash scripts/demo.sh DEMO_DIR   (its package and tests are replaced; its mlflow.db keeps earlier runs)" >&2
  exit 2
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="$ROOT/.venv/bin"
if [[ ! -x "$BIN/nb2prod" ]]; then
  echo "demo: $BIN/nb2prod not found; run 'make venv' first (or 'make demo', which does it)" >&2
  exit 2
fi
export PATH="$BIN:$PATH"
unset MLFLOW_REGISTRY_URI MLFLOW_EXPERIMENT_NAME

NOTEBOOK="examples/iris_classifier.ipynb"
PACKAGE="iris_classifier"
DEMO_DIR="$(realpath -m "$1")"
STORE="sqlite:///$DEMO_DIR/mlflow.db"
export MLFLOW_TRACKING_URI="$STORE"
export MLFLOW_LOGGING_LEVEL="${MLFLOW_LOGGING_LEVEL:-WARNING}"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# The run id is the last line `python -m PKG` prints that is a 32-hex MLflow run id.
run_pipeline() {
  local output
  output="$(cd "$DEMO_DIR" && python -m "$PACKAGE" "$@")"
  printf '%s\n' "$output" | sed 's/^/    /' >&2
  printf '%s\n' "$output" | grep -Eo '\b[0-9a-f]{32}\b' | tail -n 1
}

step "1/4 Convert $NOTEBOOK into $DEMO_DIR/$PACKAGE (nb2prod)"
nb2prod "$NOTEBOOK" -o "$DEMO_DIR" --force --quiet
echo "    steps (from $DEMO_DIR/CONVERSION_REPORT.md):"
sed -n '/^## Steps/,/^## Parameters/p' "$DEMO_DIR/CONVERSION_REPORT.md" | grep '^|' | sed 's/^/    /'

step "2/4 Run the pipeline with the notebook's defaults (MLFLOW_TRACKING_URI=$STORE)"
FIRST_RUN="$(run_pipeline)"

step "3/4 Run it again with a parameter override: --n_estimators 25 --max_depth 2"
SECOND_RUN="$(run_pipeline --n_estimators 25 --max_depth 2)"

if [[ -z "$FIRST_RUN" || -z "$SECOND_RUN" ]]; then
  echo "demo: the pipeline did not print a run id" >&2
  exit 1
fi

step "4/4 Run the generated tests (a test per step, the notebook's test cell, the parity test)"
(cd "$DEMO_DIR" && python -m pytest -q -p no:cacheprovider .)

step "The two runs in $STORE"
python - "$FIRST_RUN" "$SECOND_RUN" <<'PY'
import sys

from mlflow.tracking import MlflowClient

client = MlflowClient()
for run_id in sys.argv[1:]:
    run = client.get_run(run_id)
    experiment = client.get_experiment(run.info.experiment_id)
    params = ", ".join(f"{k}={v}" for k, v in sorted(run.data.params.items()))
    metrics = ", ".join(f"{k}={v:.4f}" for k, v in sorted(run.data.metrics.items()))
    print(f"  run {run_id}  [{run.info.status}]  experiment {experiment.name!r}")
    print(f"      params:  {params}")
    print(f"      metrics: {metrics}")
PY

cat <<EOF

Done. Where to look:
  * the generated package:   $DEMO_DIR/$PACKAGE/  (tests in $DEMO_DIR/tests/, report in $DEMO_DIR)
  * the runs in MLflow's UI: $BIN/mlflow ui --backend-store-uri $STORE --port 5000
                             then open http://127.0.0.1:5000 (experiment "${NOTEBOOK}")
  * run it yourself:         cd $DEMO_DIR && MLFLOW_TRACKING_URI=$STORE $BIN/python -m $PACKAGE --help
  * the JupyterLab panel:    MLFLOW_TRACKING_URI=$STORE $BIN/jupyter lab   (from $ROOT; open $NOTEBOOK,
                             then the MLOps tab in the left sidebar: the two runs, charts, compare, register)
EOF
