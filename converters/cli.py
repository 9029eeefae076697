"""`nb2prod NOTEBOOK -o OUTDIR`: the thin command line over `converters.convert`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from converters.ci import DEFAULT_CRON, PROVIDERS, CiOptions
from converters.convert import convert
from converters.errors import ConversionError, OutputBusyError
from converters.interrupts import InterruptedAfterWrite
from converters.manifest import with_manifest
from converters.tags import tags_markdown
from converters.write import stale_files, write_package

EXIT_DONE = 0
EXIT_CHECK_DIFFERS = 1
EXIT_BAD_INPUT = 2
EXIT_BUSY = 75  # EX_TEMPFAIL: another nb2prod is writing there; run again later
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C


def build_parser() -> argparse.ArgumentParser:
    """Arguments of nb2prod."""
    parser = argparse.ArgumentParser(
        prog="nb2prod",
        description="Turn a tagged notebook into a tested production package (steps, pipeline, tests).",
    )
    parser.add_argument(
        "notebook",
        nargs="?",
        type=Path,
        help="the notebook to convert: .ipynb, or a Jupytext .py/.md file (needs jupytext)",
    )
    parser.add_argument("-o", "--output", type=Path, help="the directory to write (OUTDIR)")
    parser.add_argument("--name", help="package name (default: from the notebook's file name)")
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace the files nb2prod wrote in an existing OUTDIR (its manifest); refuses when OUTDIR "
        "holds anything else but run data",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when OUTDIR differs from what would be written",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress lines and no report on stdout"
    )
    parser.add_argument(
        "--ci",
        choices=PROVIDERS,
        help="also write a CI file: install, the generated tests, --check, and a gated scheduled retraining",
    )
    parser.add_argument(
        "--ci-metric", metavar="NAME", help="--ci: the gate's metric (default: the first one)"
    )
    parser.add_argument(
        "--ci-lower-is-better", action="store_true", help="--ci: a lower gate metric is better (rmse, loss)"
    )
    parser.add_argument(
        "--ci-cron",
        metavar="EXPR",
        default=DEFAULT_CRON,
        help=f"--ci: retraining schedule (default {DEFAULT_CRON!r})",
    )
    parser.add_argument("--tags-markdown", action="store_true", help="print the tag reference table and exit")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; 0 done, 1 `--check` found differences, 2 bad input, 75 OUTDIR busy, 130 Ctrl-C."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    if arguments.tags_markdown:
        sys.stdout.write(tags_markdown())
        return EXIT_DONE
    if arguments.notebook is None or arguments.output is None:
        parser.error("NOTEBOOK and -o OUTDIR are required")
    if not arguments.ci and (
        arguments.ci_metric or arguments.ci_lower_is_better or arguments.ci_cron != DEFAULT_CRON
    ):
        parser.error("--ci-metric, --ci-lower-is-better and --ci-cron go with --ci github|gitlab")
    try:
        return convert_and_write(arguments)
    except OutputBusyError as error:
        print(f"nb2prod: error: {error}", file=sys.stderr)
        return EXIT_BUSY
    except ConversionError as error:
        print(f"nb2prod: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except InterruptedAfterWrite:
        print(f"nb2prod: interrupted after {arguments.output} was completely written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print(f"nb2prod: interrupted; {arguments.output} was left as it was", file=sys.stderr)
        return EXIT_INTERRUPTED


def convert_and_write(arguments: argparse.Namespace) -> int:
    """Convert, then compare (`--check`) or write; returns the exit code, raises ConversionError."""

    def progress(message: str) -> None:
        if not arguments.quiet:
            print(f"nb2prod: {message}", file=sys.stderr, flush=True)

    ci = (
        CiOptions(arguments.ci, arguments.ci_metric, arguments.ci_lower_is_better, arguments.ci_cron)
        if arguments.ci
        else None
    )
    conversion = convert(arguments.notebook, arguments.name, progress, arguments.output, ci)
    if arguments.check:
        differences = stale_files(arguments.output, with_manifest(conversion.files))
        if differences:
            print(f"nb2prod: {arguments.output} is out of date with {arguments.notebook}:", file=sys.stderr)
            for line in differences:
                print(f"  {line}", file=sys.stderr)
            return EXIT_CHECK_DIFFERS
        progress(f"{arguments.output} is up to date")
        return EXIT_DONE
    progress(f"writing {len(conversion.files)} files to {arguments.output}")
    write_package(arguments.output, conversion.files, force=arguments.force, notebook=arguments.notebook)
    if not arguments.quiet:
        print(conversion.report, end="")
    progress(
        f"done: pytest {arguments.output} ; python -m {conversion.package} --help (from {arguments.output})"
    )
    return EXIT_DONE


if __name__ == "__main__":
    sys.exit(main())
