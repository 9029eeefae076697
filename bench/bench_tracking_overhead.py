"""Benchmark: tracking overhead of retraining's MLflow helpers vs raw MLflow `log_batch`, on a real server.

One run = 10 params, 10 metrics x 100 steps, and a small scikit-learn model. "ours" goes through
`jupyter_mlops.core.session` / `retraining.models` (retries, batching, skops-trusted model logging);
"raw" calls MlflowClient.create_run / log_batch / mlflow.sklearn.log_model directly with the same
requirements and trusted types (so requirement inference does not make raw look slow). Runs alternate;
medians and the ratio print.

    python bench/bench_tracking_overhead.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PARAMS = {f"param_{index}": index * 0.5 for index in range(10)}
HISTORY = {f"metric_{index}": [step / 100 + index for step in range(100)] for index in range(10)}


def small_model() -> object:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    features, labels = load_iris(return_X_y=True)
    return LogisticRegression(max_iter=300).fit(features, labels)


def ours(uri: str, experiment_id: str, model: object) -> float:
    from jupyter_mlops.core.session import TrackingSession
    from jupyter_mlops.retraining.models import log_sklearn_model

    started = time.perf_counter()
    session = TrackingSession(uri)
    run_id = session.call("create run", lambda client: client.create_run(experiment_id)).info.run_id
    session.log_batch(run_id, params=PARAMS, history=HISTORY)
    log_sklearn_model(model, run_id, session)
    session.call("end run", lambda client: client.set_terminated(run_id))
    return time.perf_counter() - started


def raw(uri: str, experiment_id: str, model: object) -> float:
    import mlflow
    import mlflow.sklearn
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    from jupyter_mlops.retraining.models import pip_requirements, trusted_types

    started = time.perf_counter()
    client = MlflowClient(uri)
    run_id = client.create_run(experiment_id).info.run_id
    now = int(time.time() * 1000)
    metrics = [
        Metric(key, value, now, step) for key, values in HISTORY.items() for step, value in enumerate(values)
    ]
    client.log_batch(
        run_id, metrics=metrics, params=[Param(key, str(value)) for key, value in PARAMS.items()]
    )
    mlflow.set_tracking_uri(uri)
    with mlflow.start_run(run_id=run_id):
        mlflow.sklearn.log_model(
            model, name="model", pip_requirements=pip_requirements(), skops_trusted_types=trusted_types(model)
        )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    from mlflow import MlflowClient

    from tests.support.mlflow_server import MlflowServer

    with tempfile.TemporaryDirectory() as folder:
        server = MlflowServer(root=Path(folder), workers=2).start()
        try:
            uri = server.uri
            experiment_id = MlflowClient(uri).create_experiment("bench-tracking-overhead")
            model = small_model()
            ours(uri, experiment_id, model)  # warm-up both paths (imports, first model log)
            raw(uri, experiment_id, model)
            timings: dict[str, list[float]] = {"ours": [], "raw": []}
            for _ in range(args.repeats):
                timings["raw"].append(raw(uri, experiment_id, model))
                timings["ours"].append(ours(uri, experiment_id, model))
        finally:
            server.stop()
    raw_median = statistics.median(timings["raw"])
    ours_median = statistics.median(timings["ours"])
    print(f"tracking overhead: 10 params, 10 metrics x 100 steps, 1 sklearn model; {args.repeats} runs each")
    print(f"{'variant':<28}{'median s':>10}{'min s':>10}{'max s':>10}{'ratio':>8}")
    for name, label in (("raw", "raw MLflow log_batch"), ("ours", "jupyter-mlops helpers")):
        values = timings[name]
        ratio = statistics.median(values) / raw_median
        print(
            f"{label:<28}{statistics.median(values):>10.3f}{min(values):>10.3f}{max(values):>10.3f}{ratio:>8.2f}"
        )
    print(f"goal: ours <= 1.1x raw -> {'met' if ours_median <= 1.1 * raw_median else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
