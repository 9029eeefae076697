"""Act on each group of a fan-out as soon as its last set is logged, while the pool computes the others.

The fan-out logs each group's best model this way: with sets grouped by series, most models are logged
during the run instead of all after it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Generic, TypeVar

Outcome = TypeVar("Outcome")


class GroupCompletion(Generic[Outcome]):
    """Call `on_complete(outcomes)` in a thread of its own once every set of a group has arrived."""

    def __init__(
        self, groups: Iterable[Hashable], on_complete: Callable[[list[Outcome]], None], threads: int = 2
    ) -> None:
        self._remaining = Counter(groups)
        self._arrived: dict[Hashable, list[Future[Outcome]]] = {}
        self._on_complete = on_complete
        self._threads = ThreadPoolExecutor(threads, thread_name_prefix="jupyter-mlops-group")
        self._done: list[Future[None]] = []

    def add(self, group: Hashable, outcome: Future[Outcome]) -> None:
        """One set of `group` arrived (its outcome may still be being logged)."""
        self._arrived.setdefault(group, []).append(outcome)
        self._remaining[group] -= 1
        if self._remaining[group] == 0:
            self._done.append(self._threads.submit(self._complete, self._arrived.pop(group)))

    def _complete(self, arrived: list[Future[Outcome]]) -> None:
        self._on_complete([future.result() for future in arrived])

    def finish(self) -> None:
        """Wait for the completed groups' calls; the first error is raised."""
        for done in self._done:
            done.result()

    def __enter__(self) -> GroupCompletion[Outcome]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._threads.shutdown(wait=True, cancel_futures=True)
