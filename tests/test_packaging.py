"""Packaging: the version has one source (package.json) that every place reporting it agrees with."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import converters
import jupyter_mlops

ROOT = Path(__file__).resolve().parents[1]


def test_the_python_packages_report_the_version_of_package_json() -> None:
    npm_version = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["version"]
    installed = version("jupyter-mlops")
    assert installed == npm_version, f"installed metadata says {installed}: re-run `pip install -e .`"
    assert jupyter_mlops.__version__ == converters.__version__ == npm_version


def test_no_other_file_writes_the_version_down() -> None:
    npm_version = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["version"]
    written = [
        path.relative_to(ROOT).as_posix()
        for path in [
            ROOT / "pyproject.toml",
            *(ROOT / "jupyter_mlops").rglob("*.py"),
            *(ROOT / "converters").rglob("*.py"),
        ]
        if f'"{npm_version}"' in path.read_text(encoding="utf-8")
    ]
    assert written == []
