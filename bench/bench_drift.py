"""Cost of the drift step of `jupyter-mlops run`, without MLflow: bounded sample + profile.json + Parquet,
the per-column tests, the HTML report; 20 columns (16 numeric, 4 categorical), reference vs shifted data.

    python bench/bench_drift.py            # medians of 5 rounds per size (scipy imported before timing)
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from jupyter_mlops.retraining.drift_check import compare_tables
from jupyter_mlops.retraining.drift_profile import Table, bounded_sample, write_profile
from jupyter_mlops.retraining.drift_report import render_report

ROUNDS = 5


def frame(rows: int, shift: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    columns: dict[str, object] = {f"n{i}": rng.normal(shift, 1, rows) for i in range(16)}
    columns.update({f"c{i}": rng.choice(list("abcdef"), rows) for i in range(4)})
    return pd.DataFrame(columns)


def one_round(reference: pd.DataFrame, current: pd.DataFrame) -> tuple[float, float, float]:
    started = time.perf_counter()
    ref = Table("t.csv", "", len(reference), bounded_sample(reference))
    cur = Table("t.csv", "", len(current), bounded_sample(current))
    with tempfile.TemporaryDirectory() as folder:
        write_profile([ref], Path(folder))
    profiled = time.perf_counter()
    drift, columns = compare_tables([(ref, cur)])
    tested = time.perf_counter()
    render_report(drift, {"t.csv": ref.sample}, {"t.csv": cur.sample}, columns, "bench")
    return profiled - started, tested - profiled, time.perf_counter() - tested


def main() -> None:
    import scipy.spatial.distance  # import cost is not the step's
    import scipy.stats  # noqa: F401

    print(f"{'rows':>8}  {'profile s':>9}  {'tests s':>8}  {'report s':>8}  test used")
    for rows in (1_000, 100_000, 1_000_000):
        reference, current = frame(rows, 0.0, 1), frame(rows, 0.3, 2)
        timings = [one_round(reference, current) for _ in range(ROUNDS)]
        profile, tests, report = (statistics.median(column) for column in zip(*timings, strict=True))
        test = "ks/chisquare" if min(rows, 5000) <= 1000 else "wasserstein/jensenshannon"
        print(f"{rows:>8}  {profile:>9.3f}  {tests:>8.3f}  {report:>8.3f}  {test}")


if __name__ == "__main__":
    main()
