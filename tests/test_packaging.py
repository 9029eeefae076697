"""Packaging: one version source (package.json); a wheel built from a clean tree ships the panel."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

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


@pytest.mark.slow
def test_a_wheel_built_from_a_clean_tree_ships_the_panel(tmp_path: Path) -> None:
    """`pip wheel .` on the tracked files alone (no node_modules, no prior `jlpm build`) builds the panel."""
    source = tmp_path / "source"
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True
    ).stdout.split("\0")
    for name in filter(None, tracked):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("jupyter_mlops-*.whl")
    npm_version = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["version"]
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(f"jupyter_mlops-{npm_version}.dist-info/METADATA").decode()
    data = f"jupyter_mlops-{npm_version}.data/data"
    panel = f"{data}/share/jupyter/labextensions/jupyter-mlops"
    assert {f"{panel}/package.json", f"{panel}/install.json", f"{panel}/static/style.js"} <= names
    assert any(name.startswith(f"{panel}/static/remoteEntry.") for name in names)
    assert f"{panel}/schemas/jupyter-mlops/panel.json" in names  # settings schema (schemaDir)
    assert f"{data}/etc/jupyter/jupyter_server_config.d/jupyter_mlops.json" in names
    assert f"Version: {npm_version}\n" in metadata
    assert "Requires-Dist: skops<1,>=0.13; extra == 'sklearn'" in metadata
    assert "Requires-Dist: tqdm<5,>=4.66\n" in metadata


def test_the_panel_settings_schema_is_valid_and_shipped_with_the_labextension() -> None:
    """schema/panel.json is a valid JSON schema, its defaults validate, package.json builds it in."""
    import jsonschema

    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    schema_dir = ROOT / package["jupyterlab"]["schemaDir"]
    assert "schema/*.json" in package["files"]
    schema = json.loads((schema_dir / "panel.json").read_text(encoding="utf-8"))  # plugin jupyter-mlops:panel
    jsonschema.Draft7Validator.check_schema(schema)
    defaults = {key: spec["default"] for key, spec in schema["properties"].items()}
    assert set(defaults) == {"aliasNames", "refreshSeconds", "defaultOutputFolder", "openViewsInMainArea"}
    jsonschema.validate(defaults, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"aliasNames": ["two words"]}, schema)
