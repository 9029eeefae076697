"""`nb2prod --ci github|gitlab`: where the CI file goes and what its jobs are given (options, paths)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from converters.errors import ConversionError
from converters.git_query import git_output

PROVIDERS = ("github", "gitlab")
DEFAULT_CRON = "0 3 * * 1"  # weekly, Monday 03:00 UTC
CHAMPION_ALIAS = "champion"


@dataclass(frozen=True)
class CiOptions:
    """What the user asked for on the command line."""

    provider: str
    metric: str | None = None
    lower_is_better: bool = False
    cron: str = DEFAULT_CRON

    def flags(self) -> list[str]:
        """The same options as nb2prod arguments (the CI's `nb2prod --check` repeats them)."""
        flags = ["--ci", self.provider]
        if self.metric:
            flags += ["--ci-metric", self.metric]
        if self.lower_is_better:
            flags.append("--ci-lower-is-better")
        if self.cron != DEFAULT_CRON:
            flags += ["--ci-cron", self.cron]
        return flags


@dataclass(frozen=True)
class CiContext:
    """Everything the CI file holds, resolved: paths relative to the repository root, the gate."""

    options: CiOptions
    package: str
    package_dir: str  # OUTDIR, relative to the repository root
    notebook: str  # the notebook, relative to the repository root
    at_root: bool  # OUTDIR is the repository root (the CI file is read where it is written)
    python: str
    jupyter_mlops_requirement: str
    metric: str


def repository_root(out_dir: Path) -> Path:
    """The git work tree holding OUTDIR (or its nearest existing parent), else the current directory."""
    probe = out_dir.resolve()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    found = git_output(probe, "rev-parse", "--show-toplevel")
    return Path(found).resolve() if found else Path.cwd().resolve()


def relative_to_root(path: Path, root: Path, what: str) -> str:
    """`path` relative to the repository root; refused when it lies outside it."""
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        raise ConversionError(
            f"--ci: {what} {path} is outside the repository {root}; convert inside the repository"
        )
    relative = Path(os.path.relpath(resolved, root)).as_posix()
    return relative


def check_cron(expression: str) -> None:
    """Refuse a cron expression GitHub and GitLab would not accept (five fields)."""
    from croniter import croniter

    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise ConversionError(f"--ci-cron {expression!r} is not a five-field cron expression")


def ci_context(
    options: CiOptions,
    package: str,
    notebook_path: Path,
    out_dir: Path,
    metric_names: list[str],
    python: str,
    jupyter_mlops_requirement: str,
) -> CiContext:
    """Resolve paths and the gate metric; ConversionError (one line) when something cannot work."""
    check_cron(options.cron)
    metric = options.metric or (metric_names[0] if metric_names else None)
    if metric is None:
        raise ConversionError(
            "--ci: the retraining job's gate needs a metric; tag a `metrics` cell or pass --ci-metric NAME"
        )
    if metric_names and metric not in metric_names:
        raise ConversionError(
            f"--ci-metric {metric!r} is not a metric of the notebook; its metrics: {', '.join(metric_names)}"
        )
    root = repository_root(out_dir)
    package_dir = relative_to_root(out_dir, root, "OUTDIR")
    return CiContext(
        options=options,
        package=package,
        package_dir=package_dir,
        notebook=relative_to_root(notebook_path, root, "the notebook"),
        at_root=package_dir == ".",
        python=python,
        jupyter_mlops_requirement=jupyter_mlops_requirement,
        metric=metric,
    )
