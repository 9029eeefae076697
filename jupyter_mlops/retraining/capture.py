"""The one cell `jupyter-mlops run` appends to a notebook: it hands the metric values and the model out of the
kernel to the runner, so the runner logs exactly what the notebook computed.

The cell is tagged `jupyter-mlops-capture`; the executed notebook (logged as an artifact) is the user's cells,
papermill's `injected-parameters` cell and this one. Each metric is the expression the converter's
`metric_specs` reads from the `metrics` cell, evaluated in the kernel's namespace after the last user cell.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from converters.metrics import MetricSpec
from converters.training_data import INPUT_EXAMPLE_ROWS

if TYPE_CHECKING:
    import nbformat

CAPTURE_TAG = "jupyter-mlops-capture"
RESULT_FILE = "capture.json"
MODEL_FILE = "model.pkl"
EXAMPLE_FILE = "input_example.pkl"

_TEMPLATE = """\
# jupyter-mlops: hand the metrics and the model to the MLflow run (cell added by `jupyter-mlops run`)
def _jupyter_mlops_capture(namespace):
    import json, numbers, pickle
    result = {{"metrics": {{}}, "problems": [], "model": None}}
    for name, expression in {metrics!r}:
        try:
            value = eval(expression, namespace)
        except Exception as error:
            problem = f"metric {{name!r}} ({{expression}}): {{type(error).__name__}}: {{error}}"
            result["problems"].append(problem)
            continue
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            result["metrics"][name] = float(value)
        else:
            result["problems"].append(f"metric {{name!r}} is a {{type(value).__name__}}, not a number")
    model_variable = {model_variable!r}
    if model_variable is not None:
        if model_variable not in namespace:
            result["problems"].append(f"model variable {{model_variable!r}} is not defined")
        else:
            model = namespace[model_variable]
            with open({model_path!r}, "wb") as handle:
                pickle.dump(model, handle)
            kind = type(model)
            result["model"] = {{
                "path": {model_path!r},
                "type": f"{{kind.__module__}}.{{kind.__qualname__}}",
                "sklearn": any(base.__module__.startswith("sklearn") for base in kind.__mro__),
            }}
            data = namespace.get({training_input!r}) if {training_input!r} is not None else None
            if hasattr(data, "columns") and callable(getattr(data, "head", None)):
                example = data.head({rows!r})
            elif hasattr(data, "shape") or isinstance(data, (list, tuple)):
                example = data[:{rows!r}]
            else:
                example = None
            if example is not None:
                with open({example_path!r}, "wb") as handle:
                    pickle.dump(example, handle)
                result["model"]["input_example"] = {example_path!r}
    with open({result_path!r}, "w") as handle:
        json.dump(result, handle)


_jupyter_mlops_capture(globals())
del _jupyter_mlops_capture
"""


@dataclass
class Captured:
    """What the capture cell handed out: metric values, problems met, and the pickled model's file."""

    metrics: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    model_path: str | None = None
    model_type: str | None = None
    model_is_sklearn: bool = False
    input_example_path: str | None = None  # the first rows of the model's training data, pickled


def capture_cell(
    metrics: list[MetricSpec],
    model_variable: str | None,
    folder: Path,
    training_input: str | None = None,
) -> nbformat.NotebookNode:
    """The tagged cell that writes `capture.json` (and `model.pkl`, and the first rows of `training_input`
    as `input_example.pkl`) into `folder`."""
    import nbformat

    source = _TEMPLATE.format(
        metrics=[(spec.name, spec.expression) for spec in metrics],
        model_variable=model_variable,
        model_path=str(folder / MODEL_FILE),
        result_path=str(folder / RESULT_FILE),
        training_input=training_input,
        rows=INPUT_EXAMPLE_ROWS,
        example_path=str(folder / EXAMPLE_FILE),
    )
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = [CAPTURE_TAG]
    return cell


def read_captured(folder: Path) -> Captured | None:
    """The capture cell's output, or None when the cell never ran (the notebook failed before it)."""
    result_path = folder / RESULT_FILE
    if not result_path.exists():
        return None
    data = json.loads(result_path.read_text())
    model = data.get("model") or {}
    return Captured(
        metrics=dict(data.get("metrics", {})),
        problems=list(data.get("problems", [])),
        model_path=model.get("path"),
        model_type=model.get("type"),
        model_is_sklearn=bool(model.get("sklearn", False)),
        input_example_path=model.get("input_example"),
    )
