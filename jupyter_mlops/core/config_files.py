"""Configuration files of jupyter-mlops (environments.yaml, the Hub's users file, …): one way to read them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml


class ConfigFileError(ValueError):
    """A configuration file cannot be used; the message is one line naming the file."""


def user_config_file(name: str, override_variable: str, environ: Mapping[str, str] | None = None) -> Path:
    """`$override_variable` when set, else `$XDG_CONFIG_HOME/jupyter-mlops/NAME` (default `~/.config`)."""
    environ = os.environ if environ is None else environ
    if environ.get(override_variable):
        return Path(environ[override_variable]).expanduser()
    base = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "jupyter-mlops" / name


def yaml_section(path: Path, section: str, shape: str) -> dict[Any, Any]:
    """The mapping under `section:` in YAML file `path`; ConfigFileError (one line, naming `shape`, the
    expected form) when the file is unreadable, not YAML or has no such mapping."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ConfigFileError(f"{path}: not readable YAML ({type(error).__name__})") from None
    entries = document.get(section) if isinstance(document, dict) else None
    if not isinstance(entries, dict):
        raise ConfigFileError(f"{path}: expected {shape}")
    return entries
