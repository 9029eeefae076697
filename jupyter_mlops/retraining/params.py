"""Parameter values from the command line, a grid or a CSV, checked against the target's declared parameters.

Papermill only warns on an unknown parameter and injects any value as-is (papermill #667, #396); here an
unknown name is refused with the valid names listed, and a value that does not fit the default's type (or the
annotation) is refused before a kernel starts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from converters.errors import ParameterValueError
from converters.parameters import Parameter, coerce_parameter_value
from jupyter_mlops.retraining.errors import BadInputError


@dataclass(frozen=True)
class ParameterSpec:
    """The parameters a target declares, by name, in declaration order."""

    parameters: tuple[Parameter, ...]

    @property
    def names(self) -> list[str]:
        """The declared names in order."""
        return [parameter.name for parameter in self.parameters]

    def get(self, name: str) -> Parameter | None:
        """The declared parameter called `name`, if any."""
        return next((parameter for parameter in self.parameters if parameter.name == name), None)

    def defaults(self) -> dict[str, object]:
        """Every parameter with its default value."""
        return {parameter.name: parameter.default for parameter in self.parameters}


def spec_from_package(defaults: Mapping[str, object], type_names: Mapping[str, str]) -> ParameterSpec:
    """The spec of an nb2prod package (`PARAMETERS` + `PARAMETER_TYPES`, contract 2)."""
    return ParameterSpec(
        tuple(
            Parameter(
                name=name,
                default=default,
                type_name=type_names.get(name, type(default).__name__ if default is not None else "str"),
                line=0,
            )
            for name, default in defaults.items()
        )
    )


def _known_names(spec: ParameterSpec) -> str:
    return ", ".join(spec.names) if spec.names else "(none: the target has no parameters cell)"


def coerce_value(spec: ParameterSpec, name: str, raw: object, *, where: str = "") -> object:
    """One value for `name`: strings are parsed to the declared type, other values are type-checked."""
    prefix = f"{where}: " if where else ""
    parameter = spec.get(name)
    if parameter is None:
        raise BadInputError(f"{prefix}unknown parameter {name!r}; valid parameters: {_known_names(spec)}")
    text = raw if isinstance(raw, str) else _as_text(raw)
    try:
        return coerce_parameter_value(parameter, text)
    except ParameterValueError as error:
        raise BadInputError(f"{prefix}{error}") from None


def _as_text(value: object) -> str:
    """A YAML value back to text, so grid values go through the same coercion as `-p` strings."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "None"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value)


def resolve(
    spec: ParameterSpec, pairs: Iterable[tuple[str, object]], *, where: str = ""
) -> dict[str, object]:
    """The overrides given as (name, value) pairs, validated and coerced; a later pair wins."""
    resolved: dict[str, object] = {}
    for name, raw in pairs:
        resolved[name] = coerce_value(spec, name, raw, where=where)
    return resolved
