"""Cost of a signature and input example on model logging: `log_sklearn_model` with and without the first
5 training rows (same RandomForest, same local SQLite store, alternating), medians and their ratio.

    python bench/bench_signature.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    arguments = parser.parse_args()
    warnings.filterwarnings("ignore")
    from mlflow import MlflowClient
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier

    from jupyter_mlops.core.session import TrackingSession
    from jupyter_mlops.retraining.models import first_rows, log_sklearn_model

    with tempfile.TemporaryDirectory(prefix="bench-signature-") as folder:
        uri = f"sqlite:///{Path(folder) / 'mlflow.db'}"
        session, client = TrackingSession(uri), MlflowClient(uri)
        frame = load_iris(as_frame=True).frame
        features = frame.drop(columns="target")
        model = RandomForestClassifier(n_estimators=50, random_state=0).fit(features, frame["target"])
        experiment = client.create_experiment("bench-signature")

        def log_once(example: object) -> float:
            run = client.create_run(experiment)
            start = time.perf_counter()
            log_sklearn_model(model, run.info.run_id, session, input_example=example)
            return time.perf_counter() - start

        log_once(None), log_once(first_rows(features))  # imports and first-call costs
        without, with_example = [], []
        for _ in range(arguments.repeats):
            without.append(log_once(None))
            with_example.append(log_once(first_rows(features)))
    plain, signed = statistics.median(without), statistics.median(with_example)
    print("| log_sklearn_model | median ms |")
    print("|---|---|")
    print(f"| without signature | {plain * 1000:.0f} |")
    print(f"| with signature + input example (5 rows) | {signed * 1000:.0f} |")
    print(f"ratio with/without: {signed / plain:.2f} ({arguments.repeats} each, alternating)")


if __name__ == "__main__":
    main()
