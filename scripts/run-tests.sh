#!/usr/bin/env bash
# The test command: the whole pytest suite (unit, real MLflow server, real kernels, real JupyterLab + Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
unset MLFLOW_TRACKING_URI MLFLOW_REGISTRY_URI
exec python -m pytest "$@"
