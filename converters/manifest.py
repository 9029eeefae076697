"""OUTDIR's manifest: which files nb2prod wrote (path → sha256), so `--force` replaces only those."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path, PurePosixPath

from converters.errors import OutputError

MANIFEST_NAME = ".nb2prod-manifest.json"
MANIFEST_FORMAT = 1


def manifest_from_digests(digests: dict[str, str]) -> bytes:
    """A manifest listing `digests` (path → sha256): sorted, no timestamps, so it is deterministic."""
    document = {"written_by": "nb2prod", "format": MANIFEST_FORMAT, "files": dict(sorted(digests.items()))}
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")


def digests_of(files: dict[str, bytes]) -> dict[str, str]:
    """path → hex sha256 of each file's bytes."""
    return {path: hashlib.sha256(data).hexdigest() for path, data in files.items()}


def manifest_bytes(files: dict[str, bytes]) -> bytes:
    """The manifest for `files`."""
    return manifest_from_digests(digests_of(files))


def with_manifest(files: dict[str, bytes]) -> dict[str, bytes]:
    """`files` plus the manifest that lists them: what nb2prod writes and what `--check` compares."""
    return {**files, MANIFEST_NAME: manifest_bytes(files)}


def is_safe_relative_path(path: str) -> bool:
    """A plain relative path inside OUTDIR (no `..`, no absolute path, no empty or `.` parts)."""
    parts = PurePosixPath(path).parts
    return (
        bool(parts)
        and not PurePosixPath(path).is_absolute()
        and "\\" not in path
        and all(part not in ("", ".", "..") for part in parts)
        and PurePosixPath(*parts).as_posix() == path
    )


def read_manifest(out_dir: Path) -> dict[str, str]:
    """Paths listed in OUTDIR's manifest ({} when there is none); OutputError when it is not one of ours."""
    location = out_dir / MANIFEST_NAME
    if not location.is_file():
        return {}
    try:
        document = json.loads(location.read_text(encoding="utf-8"))
        listed = document["files"]
        if document.get("written_by") != "nb2prod" or not isinstance(listed, dict):
            raise ValueError("not written by nb2prod")
        if not all(isinstance(path, str) and is_safe_relative_path(path) for path in listed):
            raise ValueError("it names a path outside OUTDIR")
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        raise OutputError(
            f"{location} is not a manifest nb2prod wrote ({error}); "
            "nb2prod will not replace files it cannot vouch for: delete it and the files it lists"
        ) from None
    return {path: str(digest) for path, digest in listed.items()}
