"""The step graph: `prev:` validation, cycle detection and a stable topological order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from converters.errors import DependencyError


def order_steps(
    names: Sequence[str],
    edges: Mapping[str, Sequence[str]],
    prev_cells: Mapping[str, tuple[int, str]],
) -> list[str]:
    """Dependency order of `names` (each maps to the steps it needs), ties kept in notebook order.

    `prev_cells` locates each step's `prev:` tag for error messages.
    """
    known = set(names)
    for name in names:
        for dependency in edges.get(name, ()):
            if dependency not in known:
                cell_index, tag = prev_cells.get(name, (None, None))
                raise DependencyError(
                    f"prev:{dependency} names no step; steps are: {', '.join(names)}",
                    cell_index=cell_index,
                    tag=tag,
                )
    position = {name: index for index, name in enumerate(names)}
    remaining = {name: set(edges.get(name, ())) for name in names}
    ordered: list[str] = []
    while remaining:
        ready = sorted((name for name, needs in remaining.items() if not needs), key=position.__getitem__)
        if not ready:
            cycle = _find_cycle(remaining)
            first = next((name for name in cycle if name in prev_cells), cycle[0])
            cell_index, tag = prev_cells.get(first, (None, None))
            raise DependencyError(
                "dependency cycle between steps: " + " -> ".join([*cycle, cycle[0]]),
                cell_index=cell_index,
                tag=tag,
            )
        chosen = ready[0]
        ordered.append(chosen)
        del remaining[chosen]
        for needs in remaining.values():
            needs.discard(chosen)
    return ordered


def _find_cycle(remaining: Mapping[str, set[str]]) -> list[str]:
    start = min(remaining)
    path: list[str] = []
    current = start
    while current not in path:
        path.append(current)
        current = min(remaining[current])
    return path[path.index(current) :]
