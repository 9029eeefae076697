"""Run with MLServer's own Python: validate exported settings with MLServer's pydantic models.

MLServer's models ignore unknown keys, so each key is also checked against the model's fields, and the
runtime named by `implementation` is imported. Prints a JSON list of problems (empty when valid).
"""

import json
import sys
from pathlib import Path

from mlserver.settings import ModelParameters, ModelSettings, Settings


def field_names(model: type) -> set[str]:
    """The keys a model accepts: field names, aliases and validation aliases (`implementation`)."""
    names = set(model.model_fields)
    for field in model.model_fields.values():
        names |= {field.alias} if field.alias else set()
        choices = getattr(field.validation_alias, "choices", [field.validation_alias])
        names |= {choice for choice in choices if isinstance(choice, str)}
    return names


def unknown_keys(document: dict, model: type, where: str) -> list[str]:
    return [f"{where}: unknown key {key!r}" for key in document if key not in field_names(model)]


def main(model_settings_path: str, settings_path: str) -> list[str]:
    problems: list[str] = []
    model_document = json.loads(Path(model_settings_path).read_text())
    problems += unknown_keys(model_document, ModelSettings, "model-settings.json")
    problems += unknown_keys(model_document.get("parameters") or {}, ModelParameters, "parameters")
    try:
        model_settings = ModelSettings.parse_file(model_settings_path)
        runtime = model_settings.implementation
        if runtime.__name__ != "MLflowRuntime":
            problems.append(f"implementation is {runtime.__module__}.{runtime.__name__}")
    except Exception as error:  # a validation or import error is the finding
        problems.append(f"model-settings.json: {type(error).__name__}: {error}")
    settings_document = json.loads(Path(settings_path).read_text())
    problems += unknown_keys(settings_document, Settings, "settings.json")
    try:
        Settings.model_validate(settings_document)
    except Exception as error:
        problems.append(f"settings.json: {type(error).__name__}: {error}")
    return problems


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
