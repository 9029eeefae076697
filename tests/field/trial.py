"""Field trial: run each corpus notebook three ways and print one Markdown table row per notebook.

    python -m tests.field.trial [NAME ...] [--jobs N] [--json results.json]

For every notebook: (1) does it run under papermill in a fresh kernel, in a scratch copy of its folder?
(2) does `nb2prod` convert it (exit code, or the refusal line)? (3) do the generated package's own tests pass,
parity included (`N passed`, or the first failure line)? Each step runs in a subprocess, so one notebook that
hangs or crashes does not take the others with it. Nothing is written outside a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.field.corpus import corpus_notebooks

NOTEBOOK_TIMEOUT_S = 600
TESTS_TIMEOUT_S = 1800


@dataclass
class TrialRow:
    """What happened to one notebook; each field is a short, table-ready phrase."""

    name: str
    papermill: str
    nb2prod: str
    tests: str
    seconds: float

    def markdown(self) -> str:
        cells = [self.name, self.papermill, self.nb2prod, self.tests, f"{self.seconds:.0f}"]
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def last_error_line(output: str) -> str:
    """The most telling line of a failed run: an exception line, else the last non-empty line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in reversed(lines):
        if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Warning|Interrupt|Exit)\b", line):
            return line[:300]
    return lines[-1][:300] if lines else "(no output)"


def run_papermill(notebook: Path, scratch: Path) -> str:
    """`yes` when the notebook runs top to bottom in a fresh python3 kernel, else the exception line."""
    workdir = scratch / "papermill"
    workdir.mkdir()
    shutil.copy2(notebook, workdir / notebook.name)
    command = [sys.executable, "-m", "papermill", "--no-progress-bar", "-k", "python3", "--cwd", str(workdir)]
    command += [str(workdir / notebook.name), str(scratch / "papermill-output.ipynb")]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=NOTEBOOK_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return f"no: timeout after {NOTEBOOK_TIMEOUT_S} s"
    if done.returncode == 0:
        return "yes"
    return "no: " + last_error_line(done.stderr)


def run_nb2prod(notebook: Path, outdir: Path) -> tuple[bool, str]:
    """(converted?, 'converts' or the refusal line)."""
    command = [sys.executable, "-m", "converters.cli", str(notebook), "-o", str(outdir), "-q"]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode == 0:
        return True, "converts"
    first = next((line for line in done.stderr.splitlines() if line.startswith("nb2prod: error:")), None)
    return False, f"exit {done.returncode}: " + (first or last_error_line(done.stderr))


def first_failure(output: str) -> str:
    """The first `E   ...` line of a pytest run (the assertion or exception), else the first line under the
    first failure's header (a `pytest.fail` message), else its summary line."""
    lines = output.splitlines()
    for line in lines:
        if line.startswith("E   "):
            return line[4:].strip()[:300]
    headers = [index for index, line in enumerate(lines) if re.match(r"^_{3,} \S.* _{3,}$", line)]
    if headers:
        body = [line.strip() for line in lines[headers[0] + 1 :] if line.strip()]
        if body and not body[0].startswith("-"):
            return " ".join(body[:2])[:300] if body[0].endswith(":") else body[0][:300]
    return last_error_line(output)


def run_generated_tests(outdir: Path) -> str:
    """`N passed` when the generated package's tests are green, else `fail: ` and the first failure line."""
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "."]
    try:
        done = subprocess.run(command, cwd=outdir, capture_output=True, text=True, timeout=TESTS_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return f"fail: timeout after {TESTS_TIMEOUT_S} s"
    summary = re.search(r"(\d+) passed", done.stdout)
    if done.returncode == 0 and summary:
        return f"{summary.group(1)} passed"
    return "fail: " + first_failure(done.stdout + "\n" + done.stderr)


def trial(name: str, notebook: Path) -> TrialRow:
    """All three checks on one notebook, in a scratch directory removed afterwards."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"field-{name}-") as scratch_name:
        scratch = Path(scratch_name)
        papermill = run_papermill(notebook, scratch)
        outdir = scratch / "package"
        converted, nb2prod = run_nb2prod(notebook, outdir)
        tests = run_generated_tests(outdir) if converted else "—"
    return TrialRow(name, papermill, nb2prod, tests, time.monotonic() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="notebook names (file stems); default: the whole corpus")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks tried at once (default 1)")
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    arguments = parser.parse_args(argv)
    notebooks = corpus_notebooks()
    unknown = sorted(set(arguments.names) - set(notebooks))
    if unknown:
        print(f"trial: error: not in the corpus: {', '.join(unknown)}", file=sys.stderr)
        return 2
    names = arguments.names or sorted(notebooks)
    print("| notebook | runs under papermill | nb2prod | generated tests | s |")
    print("|---|---|---|---|---|")
    rows: list[TrialRow] = []
    with ThreadPoolExecutor(max_workers=max(1, arguments.jobs)) as pool:
        for row in pool.map(lambda name: trial(name, notebooks[name]), names):
            print(row.markdown(), flush=True)
            rows.append(row)
            if arguments.json:
                arguments.json.write_text(json.dumps([asdict(done) for done in rows], indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
