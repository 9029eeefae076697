"""The generated package's tests: conftest, a test per step, the `test` cells, and the parity test."""

from __future__ import annotations

from converters.emit.orchestration import _template, dict_literal
from converters.emit.runtime import function_source
from converters.plan import Plan


def _function(name: str, docstring: str, prologue: list[str], body: str, parameters: list[str]) -> str:
    code = "".join(line + "\n" for line in prologue) + body.rstrip() + "\n"
    return function_source(name, parameters, docstring, code)


def conftest_module(package: str) -> str:
    """`tests/conftest.py`."""
    return _template("conftest.py.tmpl").replace("@@PACKAGE@@", package)


def testing_module(package: str) -> str:
    """`<pkg>/testing.py`: seeding, snapshots and type-aware equality shared by the generated tests."""
    return _template("testing.py.tmpl").replace("@@PACKAGE@@", package)


def parity_module(plan: Plan, package: str) -> str:
    """`tests/test_<pkg>_parity.py`."""
    expressions = {
        step.name: {spec.name: spec.expression for spec in step.metrics}
        for step in plan.steps
        if step.kind == "metrics"
    }
    return (
        _template("test_parity.py.tmpl")
        .replace("@@PACKAGE@@", package)
        .replace("@@PARAMETERS_CELL@@", repr(plan.parameters_cell))
        .replace("@@METRIC_EXPRESSIONS@@", dict_literal(expressions))
    )


def steps_test_module(plan: Plan, package: str) -> str:
    """`tests/test_<pkg>_steps.py`: each step alone, on the state the steps before it left."""
    names = [step.name for step in plan.steps]
    return f'''"""A test per step: called alone on the state before it, it returns the same outputs."""

from __future__ import annotations

import contextlib

import pytest

from {package} import pipeline
from {package}.testing import differences, freeze, step_seed


class _StopBefore(Exception):
    """Ends a run just before the step under test."""


def state_before(step_name: str) -> dict[str, object]:
    """The pipeline's state right before `step_name`, from a seeded run of the steps before it."""
    captured: dict[str, object] = {{}}

    def before(step: pipeline.Step, state: dict[str, object]) -> None:
        pipeline.seed_everything(step_seed(step.name))
        if step.name == step_name:
            captured.update(state)
            raise _StopBefore

    with contextlib.suppress(_StopBefore):
        pipeline.execute_steps(dict(pipeline.PARAMETERS), before_step=before)
    return captured


@pytest.mark.parametrize("step_name", {names!r})
def test_step_alone_returns_its_outputs(step_name: str, step_outputs: dict[str, dict[str, object]]) -> None:
    """Inputs in, declared outputs out, equal to the same step's outputs in a whole run."""
    step = next(step for step in pipeline.STEPS if step.name == step_name)
    state = state_before(step_name)
    assert set(step.inputs) <= set(state), f"missing inputs: {{sorted(set(step.inputs) - set(state))}}"
    pipeline.seed_everything(step_seed(step_name))
    returned = step.function(**{{name: state[name] for name in step.inputs}})
    if step.kind == "metrics":
        produced = dict(returned)
    else:
        values = returned if len(step.outputs) != 1 else (returned,)
        produced = dict(zip(step.outputs, values or (), strict=True))
    assert not differences(step_outputs[step_name], freeze(produced), step_name)
'''


def cells_test_module(plan: Plan, package: str) -> str:
    """`tests/test_<pkg>_cells.py`: each `test` cell as a pytest test on the pipeline's results."""
    parts = [
        '"""The notebook\'s `test` cells, run against the results of the generated pipeline."""\n\n'
        "from __future__ import annotations\n"
    ]
    shared = sorted({name for test in plan.tests for name in test.shared})
    if shared:
        parts.append(f"\nfrom {package}.steps import {', '.join(shared)}\n")
    if not plan.tests:
        parts.append(
            _function(
                "test_pipeline_produces_the_metrics",
                "The notebook has no `test` cell: at least the pipeline runs and yields its metrics.",
                ['metrics = results["metrics"]'],
                "assert isinstance(metrics, dict)\n",
                ["results"],
            )
        )
    for test in plan.tests:
        prologue = [
            f'{name} = results["metrics"][{name!r}]' if source == "metrics" else f"{name} = results[{name!r}]"
            for name, source in test.inputs
        ]
        parts.append(
            _function(
                f"test_cell_{test.cell_index}",
                f"Notebook cell {test.cell_index} (tag test).",
                prologue,
                f"# notebook cell {test.cell_index}\n" + test.body,
                ["results"],
            )
        )
    return "".join(parts)
