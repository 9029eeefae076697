"""The cell-tag vocabulary as data (Kale 2.x, papermill, Kale 0.x aliases) and one cell's tag parser.

The README's tag table is generated from `TAGS` (`nb2prod --tags-markdown`), so this is the only place a tag
is described.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable
from dataclasses import dataclass

from converters.errors import TagError


@dataclass(frozen=True)
class TagSpec:
    """One tag: its name, whether it takes a value (`name:VALUE`), what it means, and accepted aliases."""

    name: str
    takes_value: bool
    meaning: str
    aliases: tuple[str, ...] = ()
    value_name: str = ""

    @property
    def display(self) -> str:
        """How the tag is written in a notebook (`step:NAME`)."""
        return f"{self.name}:{self.value_name}" if self.takes_value else self.name

    def alias_display(self) -> tuple[str, ...]:
        """How the aliases are written (`block:NAME`)."""
        return tuple(f"{alias}:{self.value_name}" if self.takes_value else alias for alias in self.aliases)


TAGS: tuple[TagSpec, ...] = (
    TagSpec(
        "parameters",
        False,
        "the pipeline's parameters and defaults (papermill's tag; literal or computed values, annotations)",
        ("pipeline-parameters",),
    ),
    TagSpec("imports", False, "imports shared by all steps"),
    TagSpec("functions", False, "helper functions, classes and constants shared by all steps"),
    TagSpec(
        "step",
        True,
        "the cell belongs to step NAME; untagged code cells join the step above them",
        ("block",),
        "NAME",
    ),
    TagSpec(
        "prev",
        True,
        "the step also depends on steps A and B (data dependencies are found without it)",
        (),
        "A;B",
    ),
    TagSpec(
        "metrics",
        False,
        "the scalar values this cell shows or names are the run's metrics",
        ("pipeline-metrics",),
    ),
    TagSpec(
        "model",
        True,
        "the object in VAR is logged as the run's MLflow model (sklearn flavor for scikit-learn estimators)",
        (),
        "VAR",
    ),
    TagSpec("test", False, "assertions that become pytest tests against the pipeline's results"),
    TagSpec("skip", False, "left out (exploration, plots)"),
)

# Tags other tools put on cells: never ours, never reported as misspellings.
FOREIGN_TAGS: frozenset[str] = frozenset(
    {
        "injected-parameters",  # papermill's copy of the parameters; nb2prod reads the `parameters` cell
        "papermill-error-cell-tag",
        "remove-cell",
        "remove-input",
        "remove-output",
        "hide-cell",
        "hide-input",
        "hide-output",
        "raises-exception",
        "thebe-init",
        "active-ipynb",
        "active-py",
    }
)
# Kale 2.x tags that configure Kubeflow pods; they have no meaning for a local pipeline and are ignored.
KALE_POD_TAG_PREFIXES: tuple[str, ...] = ("limit", "annotation", "label", "image")

ROLE_TAGS = ("parameters", "imports", "functions", "step", "metrics", "test", "skip")
_STEP_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_BY_NAME: dict[str, TagSpec] = {}
for _spec in TAGS:
    _BY_NAME[_spec.name] = _spec
    for _alias in _spec.aliases:
        _BY_NAME[_alias] = _spec


@dataclass(frozen=True)
class CellTags:
    """What one cell's tags say: its role (at most one), step name, extra dependencies, model variable."""

    role: str | None = None
    step: str | None = None
    prev: tuple[str, ...] = ()
    model: str | None = None
    source_tags: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()

    @property
    def label(self) -> str | None:
        """The tag to name in messages (`step:train`), or None for an untagged cell."""
        ours = [tag for tag in self.source_tags if tag not in self.ignored]
        return ours[0] if ours else None


def spec_for(tag_name: str) -> TagSpec | None:
    """The spec a tag name (or alias) belongs to."""
    return _BY_NAME.get(tag_name)


def _edit_distance(left: str, right: str) -> int:
    """Damerau-Levenshtein distance (adjacent transpositions count once), enough for tag look-alikes."""
    rows = [list(range(len(right) + 1))]
    for i in range(1, len(left) + 1):
        row = [i] + [0] * len(right)
        for j in range(1, len(right) + 1):
            cost = 0 if left[i - 1] == right[j - 1] else 1
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and left[i - 1] == right[j - 2] and left[i - 2] == right[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def suggest_tag(tag: str) -> str | None:
    """The tag of ours an unknown tag looks like (`setp:train` → `step:train`), or None when unrelated."""
    head, colon, value = tag.partition(":")
    lowered = head.lower()
    best: tuple[int, str] | None = None
    for name in _BY_NAME:
        if lowered == name and head != name:
            distance = 0
        else:
            distance = _edit_distance(lowered, name)
            if distance > (1 if len(name) <= 5 else 2):
                continue
        if best is None or distance < best[0]:
            best = (distance, name)
    if best is None:
        return None
    spec = _BY_NAME[best[1]]
    if spec.takes_value:
        return f"{best[1]}:{value if colon and value else spec.value_name}"
    return best[1]


def _split_values(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in re.split(r"[;,]", value) if part.strip())


def parse_cell_tags(tags: Iterable[str], *, cell_index: int | None = None) -> CellTags:
    """Read one cell's tags; raise TagError for a look-alike, a missing value or two roles on one cell."""
    source_tags = tuple(str(tag) for tag in tags)
    roles: list[tuple[str, str]] = []
    step: str | None = None
    prev: list[str] = []
    model: str | None = None
    ignored: list[str] = []
    for tag in source_tags:
        if not tag.isprintable():
            raise TagError(
                f"tag {tag!r} contains a line break or control character; retype it",
                cell_index=cell_index,
            )
        stripped = tag.strip()
        head, colon, value = stripped.partition(":")
        spec = _BY_NAME.get(head)
        if spec is None:
            if stripped in FOREIGN_TAGS or head in KALE_POD_TAG_PREFIXES:
                ignored.append(tag)
                continue
            suggestion = suggest_tag(stripped)
            if suggestion is not None:
                raise TagError(
                    f"unknown tag {tag!r}; did you mean {suggestion!r}?", cell_index=cell_index, tag=tag
                )
            ignored.append(tag)
            continue
        if spec.takes_value and not value.strip():
            raise TagError(
                f"tag {tag!r} needs a value: write {spec.display!r}", cell_index=cell_index, tag=tag
            )
        if not spec.takes_value and colon:
            raise TagError(f"tag {tag!r} takes no value: write {spec.name!r}", cell_index=cell_index, tag=tag)
        if spec.name == "step":
            name = value.strip()
            if not _STEP_NAME.match(name):
                raise TagError(
                    f"step name {name!r} must be a Python identifier (letters, digits, _)",
                    cell_index=cell_index,
                    tag=tag,
                )
            if keyword.iskeyword(name):
                raise TagError(
                    f"step name {name!r} is a Python keyword; it names a function, so choose another "
                    f"(e.g. {name + '_'!r})",
                    cell_index=cell_index,
                    tag=tag,
                )
            if step is not None and step != name:
                raise TagError(
                    f"cell has two step tags ({step!r} and {name!r}); a cell belongs to one step",
                    cell_index=cell_index,
                    tag=tag,
                )
            step = name
            roles.append(("step", tag))
        elif spec.name == "prev":
            prev.extend(_split_values(value))
        elif spec.name == "model":
            variable = value.strip()
            if not variable.isidentifier() or keyword.iskeyword(variable):
                raise TagError(
                    f"model variable {variable!r} must be a Python name", cell_index=cell_index, tag=tag
                )
            model = variable
        else:
            roles.append((spec.name, tag))
    distinct_roles = sorted({role for role, _ in roles}, key=ROLE_TAGS.index)
    if len(distinct_roles) > 1:
        names = " and ".join(tag for _, tag in roles)
        raise TagError(
            f"conflicting tags {names}: a cell has one role", cell_index=cell_index, tag=roles[1][1]
        )
    role = distinct_roles[0] if distinct_roles else None
    if prev and role not in (None, "step"):
        raise TagError("prev: belongs on a step cell", cell_index=cell_index, tag=source_tags[0])
    return CellTags(
        role=role,
        step=step,
        prev=tuple(dict.fromkeys(prev)),
        model=model,
        source_tags=source_tags,
        ignored=tuple(ignored),
    )


def tags_markdown() -> str:
    """The README's tag reference table, generated from `TAGS`."""
    lines = ["| tag | meaning | also accepted |", "|---|---|---|"]
    for spec in TAGS:
        aliases = ", ".join(f"`{alias}`" for alias in spec.alias_display())
        lines.append(f"| `{spec.display}` | {spec.meaning} | {aliases} |")
    return "\n".join(lines) + "\n"
