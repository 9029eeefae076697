"""What a fan-out worker adds around each fit: ours (the Dask task: `_execute_set`, keeping the best model per
group as a file and returning its bytes) vs `pipeline.run_steps(**params)` alone, on the same sets in one
process, CPU time per set. No MLflow, no pool: this isolates the worker code from the tracking.

    python bench/bench_set_overhead.py [--sets 20] [--repeats 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import pickle
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))
sys.path.insert(0, str(REPOSITORY / "bench"))
from bench_fanout import _import_pipeline, build_models  # noqa: E402
from fanout_models import expand  # noqa: E402

from jupyter_mlops.retraining import fanout  # noqa: E402
from jupyter_mlops.retraining.executors import SetJob, _dask_execute_set  # noqa: E402
from jupyter_mlops.retraining.fanout import ModelKeeping  # noqa: E402
from jupyter_mlops.retraining.resume import set_key  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=20, help="sets of the realistic grid's first series")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        model = build_models(folder, ["realistic"], 40)[0]
        sets = expand(model.grid)[: args.sets]
        pipeline = _import_pipeline(str(model.package.parent), model.package.name)
        (folder / "models").mkdir()
        keeping = ModelKeeping(str(model.package), str(folder / "models"), "best", "r2", "series", True)

        def bare() -> float:
            started = time.process_time()
            for parameters in sets:
                with contextlib.redirect_stdout(io.StringIO()):
                    pipeline.run_steps(**parameters)
            return (time.process_time() - started) / len(sets)

        def ours() -> float:
            fanout._WORKER = None  # a fresh worker: it keeps each new best model of the group again
            started = time.process_time()
            for index, parameters in enumerate(sets):
                job = SetJob(index, set_key(parameters), parameters)
                result = _dask_execute_set(job, keeping, {}, str(folder / "out"), str(folder / "capture"))
                pickle.dumps(result)  # what travels back to the parent
            return (time.process_time() - started) / len(sets)

        bare(), ours()  # warm: imports, the target's first load in this process
        timings: dict[str, list[float]] = {"bare": [], "ours": []}
        for _ in range(args.repeats):
            timings["bare"].append(bare())
            timings["ours"].append(ours())
    bare_ms, ours_ms = (1000 * statistics.median(timings[arm]) for arm in ("bare", "ours"))
    print(f"{len(sets)} sets of the realistic model, {args.repeats} alternated repeats, CPU ms/set (median)")
    print(f"bare pipeline.run_steps: {bare_ms:.1f}   ours (worker task): {ours_ms:.1f}")
    print(f"ours / bare: {ours_ms / bare_ms:.3f} ({ours_ms - bare_ms:+.1f} ms per set)")


if __name__ == "__main__":
    main()
