"""Parameter sets for a fan-out: a YAML grid (cartesian product or explicit list) or CSV rows, all validated
against the target's parameters before anything runs."""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass
from pathlib import Path

from jupyter_mlops.retraining.errors import BadInputError
from jupyter_mlops.retraining.params import ParameterSpec, resolve


@dataclass(frozen=True)
class ParameterSets:
    """The sets to run (overrides only, in order) and the parameter the summary groups by (if any)."""

    sets: list[dict[str, object]]
    group_by: str | None = None


def _product(path: Path, grid: dict[object, object]) -> list[list[tuple[str, object]]]:
    names: list[str] = []
    choices: list[list[object]] = []
    for name, values in grid.items():
        if not isinstance(name, str):
            raise BadInputError(f"{path}: grid keys must be parameter names, found {name!r}")
        names.append(name)
        choices.append(list(values) if isinstance(values, list) else [values])
        if not choices[-1]:
            raise BadInputError(f"{path}: parameter {name!r} has an empty list of values")
    return [list(zip(names, combination, strict=True)) for combination in itertools.product(*choices)]


def read_grid(path: Path, spec: ParameterSpec) -> ParameterSets:
    """YAML: `{name: [values]}` (cartesian product), `{grid: ..., group_by: NAME}`, or a list of sets."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text())
    except OSError as error:
        raise BadInputError(f"{path}: cannot read the grid file ({error.strerror})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise BadInputError(f"{path}: not valid YAML{where}: {problem}") from None
    group_by: str | None = None
    if isinstance(data, dict) and "grid" in data:
        group_by = data.get("group_by")
        data = data["grid"]
    if isinstance(data, dict):
        raw_sets = _product(path, data)
    elif isinstance(data, list) and all(isinstance(item, dict) for item in data):
        raw_sets = [list(item.items()) for item in data]
    else:
        raise BadInputError(
            f"{path}: expected a mapping of parameter names to lists of values, or a list of parameter sets"
        )
    if not raw_sets:
        raise BadInputError(f"{path}: the grid has no parameter sets")
    sets = [resolve(spec, pairs, where=f"{path} set {number}") for number, pairs in enumerate(raw_sets, 1)]
    return ParameterSets(sets, _check_group(path, spec, group_by))


def read_rows(path: Path, spec: ParameterSpec) -> ParameterSets:
    """A CSV file: a header of parameter names, one set per row (empty cells keep the default)."""
    try:
        with path.open(newline="") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames:
                raise BadInputError(f"{path}: empty CSV file (expected a header of parameter names)")
            sets: list[dict[str, object]] = []
            for row in reader:
                line = reader.line_num
                if None in row:
                    raise BadInputError(f"{path} line {line}: more values than header columns")
                pairs = [(name, value) for name, value in row.items() if value not in ("", None)]
                sets.append(resolve(spec, pairs, where=f"{path} line {line}"))
    except OSError as error:
        raise BadInputError(f"{path}: cannot read the parameter file ({error.strerror})") from None
    except csv.Error as error:
        raise BadInputError(f"{path}: not a valid CSV file ({error})") from None
    if not sets:
        raise BadInputError(f"{path}: no rows after the header")
    return ParameterSets(sets)


def _check_group(path: Path, spec: ParameterSpec, group_by: object) -> str | None:
    if group_by is None:
        return None
    if not isinstance(group_by, str) or spec.get(group_by) is None:
        raise BadInputError(
            f"{path}: group_by {group_by!r} is not a parameter; valid parameters: {', '.join(spec.names)}"
        )
    return group_by
