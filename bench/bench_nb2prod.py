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
from pathlib import Path

from _timing import timed

BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
BASELINE = "jupyter nbconvert --to script"
CONVERTER = "nb2prod NB -o OUT --force"


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
        generate = [sys.executable, str(BENCH / "make_notebook.py"), str(args.cells), "-o", str(notebook)]
        subprocess.run(generate, check=True, capture_output=True)
        nbconvert = [str(BIN / "jupyter"), "nbconvert", "--to", "script", str(notebook), "--output-dir"]
        commands = {
            BASELINE: [*nbconvert, str(work / "script")],
            CONVERTER: [str(BIN / "nb2prod"), str(notebook), "-o", str(work / "out"), "--force", "--quiet"],
        }
        for command in commands.values():  # warm the file cache; fails fast if a command can't run
            timed(command, work)
        samples: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
        for _ in range(args.runs):
            for label, command in commands.items():
                samples[label].append(timed(command, work))
    print(f"nb2prod vs nbconvert on a {args.cells}-cell notebook, {args.runs} interleaved runs each")
    header = ("command", "wall median", "min", "max", "CPU median", "ratio wall", "CPU")
    print("{:<30} {:>11} {:>6} {:>6} {:>10} {:>10} {:>5}".format(*header))
    base_wall = statistics.median(wall for wall, _ in samples[BASELINE])
    base_cpu = statistics.median(cpu for _, cpu in samples[BASELINE])
    for label, values in samples.items():
        walls = [wall for wall, _ in values]
        wall = statistics.median(walls)
        cpu = statistics.median(cpu for _, cpu in values)
        print(
            f"{label:<30} {wall:11.2f} {min(walls):6.2f} {max(walls):6.2f} {cpu:10.2f}"
            f" {wall / base_wall:9.2f}× {cpu / base_cpu:4.2f}×"
        )
    ratio = statistics.median(wall for wall, _ in samples[CONVERTER]) / base_wall
    print(f"goal nb2prod ≤ 1.0× nbconvert (wall): {'met' if ratio <= 1.0 else 'NOT met'} ({ratio:.2f}×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
