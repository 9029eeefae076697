"""Atomic output: write into a temporary sibling directory, then rename; and `--check` comparison."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from converters.errors import ConversionError

# Files a user's runs leave in OUTDIR that are not the converter's output (ignored by --check).
RUNTIME_LEFTOVERS = ("__pycache__", ".pytest_cache", "mlflow.db", "mlruns", "mlartifacts")


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def write_atomically(out_dir: Path, files: dict[str, bytes], *, force: bool) -> None:
    """Write `files` as OUTDIR in one rename; an existing OUTDIR is replaced only with `force`."""
    out_dir = out_dir.resolve()
    if out_dir.exists() and not force:
        raise ConversionError(f"{out_dir} already exists; use --force to replace it")
    if out_dir.exists() and not out_dir.is_dir():
        raise ConversionError(f"{out_dir} exists and is not a directory")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.nb2prod-", dir=out_dir.parent))
    try:
        for relative, data in files.items():
            _write_file(staging / relative, data)
        if out_dir.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
            os.rename(out_dir, retired / "previous")
            try:
                os.rename(staging, out_dir)
            except OSError:
                os.rename(retired / "previous", out_dir)
                raise
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.rename(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def stale_files(out_dir: Path, files: dict[str, bytes]) -> list[str]:
    """Lines naming each file of OUTDIR that differs from, lacks, or adds to what would be written."""
    found: list[str] = []
    for relative, data in files.items():
        path = out_dir / relative
        if not path.is_file():
            found.append(f"missing: {relative}")
        elif path.read_bytes() != data:
            found.append(f"differs: {relative}")
    if out_dir.is_dir():
        for path in sorted(out_dir.rglob("*")):
            relative = path.relative_to(out_dir).as_posix()
            leftover = any(part in RUNTIME_LEFTOVERS for part in path.relative_to(out_dir).parts)
            if path.is_file() and relative not in files and not leftover:
                found.append(f"extra: {relative}")
    return found
