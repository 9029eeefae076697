"""A fan-out acts on a group as soon as its last set arrives (the best model per series is logged during the
run), once per group, with every outcome of the group, and errors reach the caller."""

from __future__ import annotations

import threading
from concurrent.futures import Future

import pytest

from jupyter_mlops.retraining.group_completion import GroupCompletion


def done(value: str) -> Future[str]:
    future: Future[str] = Future()
    future.set_result(value)
    return future


def test_a_group_completes_when_its_last_set_arrives_before_the_other_groups() -> None:
    completed: list[list[str]] = []
    first_group_in = threading.Event()

    def on_complete(outcomes: list[str]) -> None:
        completed.append(sorted(outcomes))
        first_group_in.set()

    with GroupCompletion(["a", "b", "a", "b"], on_complete) as groups:
        groups.add("a", done("a1"))
        groups.add("b", done("b1"))
        groups.add("a", done("a2"))
        assert first_group_in.wait(30)
        assert completed == [["a1", "a2"]]
        groups.add("b", done("b2"))
        groups.finish()
    assert completed == [["a1", "a2"], ["b1", "b2"]]


def test_a_group_waits_for_outcomes_still_being_logged() -> None:
    completed: list[list[str]] = []
    pending: Future[str] = Future()
    with GroupCompletion(["a", "a"], completed.append) as groups:
        groups.add("a", done("a1"))
        groups.add("a", pending)
        assert completed == []
        pending.set_result("a2")
        groups.finish()
    assert completed == [["a1", "a2"]]


def test_an_error_while_acting_on_a_group_is_raised_by_finish() -> None:
    def on_complete(outcomes: list[str]) -> None:
        raise RuntimeError(f"cannot log {outcomes}")

    with GroupCompletion(["a"], on_complete) as groups:
        groups.add("a", done("a1"))
        with pytest.raises(RuntimeError, match=r"cannot log \['a1'\]"):
            groups.finish()
