"""Benchmark: whole-process `nb2prod NB -o OUT --force` vs `jupyter nbconvert --to script NB`, 300 cells.

Goal (issue 2): nb2prod ≤ 1.0× nbconvert. Both commands run as fresh processes, interleaved, several times;
the table shows medians and the ratio. Run: `.venv/bin/python bench/bench_nb2prod.py [--cells N] [--runs N]`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


def timed(command: list[str], cwd: Path) -> float:
    """Wall seconds of one run of `command`; a failing command stops the benchmark with its output."""
    start = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        sys.exit(
            f"benchmark: {' '.join(command)} failed ({completed.returncode}):\n{completed.stderr[-3000:]}"
        )
    return elapsed


def main(argv: list[str] | None = None) -> int:
    """Generate the notebook, time both converters, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cells", type=int, default=300, help="cells in the generated notebook (default 300)"
    )
    parser.add_argument("--runs", type=int, default=7, help="runs of each command (default 7)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-nb2prod-") as scratch:
        work = Path(scratch)
        notebook = work / f"bench_{args.cells}.ipynb"
        subprocess.run(
            [sys.executable, str(BENCH / "make_notebook.py"), str(args.cells), "-o", str(notebook)],
            check=True,
            capture_output=True,
        )
        commands = {
            "nbconvert --to script": [str(BIN / "jupyter"), "nbconvert", "--to", "script", str(notebook)],
            "nb2prod -o OUT --force": [
                str(BIN / "nb2prod"),
                str(notebook),
                "-o",
                str(work / "out"),
                "--force",
            ],
        }
        timed(
            commands["nb2prod -o OUT --force"], work
        )  # warm the file cache; also fails fast if nb2prod can't
        times: dict[str, list[float]] = {label: [] for label in commands}
        for _ in range(args.runs):
            for label, command in commands.items():
                times[label].append(timed(command, work))
    baseline = statistics.median(times["nbconvert --to script"])
    print(f"nb2prod vs nbconvert on a {args.cells}-cell notebook, {args.runs} runs each (wall seconds)")
    print(f"{'command':<26} {'median':>8} {'min':>8} {'max':>8} {'ratio':>7}")
    for label, values in times.items():
        median = statistics.median(values)
        print(f"{label:<26} {median:8.2f} {min(values):8.2f} {max(values):8.2f} {median / baseline:6.2f}×")
    ratio = statistics.median(times["nb2prod -o OUT --force"]) / baseline
    print(f"goal nb2prod ≤ 1.0× nbconvert: {'met' if ratio <= 1.0 else 'NOT met'} ({ratio:.2f}×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
