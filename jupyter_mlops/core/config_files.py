"""Configuration files of jupyter-mlops (environments.yaml, the Hub's users file, …): one way to read them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class ConfigFileError(ValueError):
    """A configuration file cannot be used; the message is one line naming the file."""


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
