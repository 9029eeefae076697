"""A test per step: called alone on the state before it, it returns the same outputs."""

from __future__ import annotations

import contextlib

import pytest

from wine_quality_kale import pipeline
from wine_quality_kale.testing import differences, freeze, step_seed


class _StopBefore(Exception):
    """Ends a run just before the step under test."""


def state_before(step_name: str) -> dict[str, object]:
    """The pipeline's state right before `step_name`, from a seeded run of the steps before it."""
    captured: dict[str, object] = {}

    def before(step: pipeline.Step, state: dict[str, object]) -> None:
        pipeline.seed_everything(step_seed(step.name))
        if step.name == step_name:
            captured.update(state)
            raise _StopBefore

    with contextlib.suppress(_StopBefore):
        pipeline.execute_steps(pipeline.resolve_parameters({}), before_step=before)
    return captured


@pytest.mark.parametrize("step_name", [step.name for step in pipeline.STEPS])
def test_step_alone_returns_its_outputs(step_name: str, step_outputs: dict[str, dict[str, object]]) -> None:
    """Inputs in, declared outputs out, equal to the same step's outputs in a whole run."""
    step = next(step for step in pipeline.STEPS if step.name == step_name)
    state = state_before(step_name)
    assert set(step.inputs) <= set(state), f"missing inputs: {sorted(set(step.inputs) - set(state))}"
    pipeline.seed_everything(step_seed(step_name))
    returned = step.function(**{name: state[name] for name in step.inputs})
    if step.kind == "metrics":
        produced = dict(returned)
    else:
        values = returned if len(step.outputs) != 1 else (returned,)
        produced = dict(zip(step.outputs, values or (), strict=True))
    assert not differences(step_outputs[step_name], freeze(produced), step_name)
