"""Tag vocabulary: every tag and alias parses; look-alikes refused with a suggestion; others ignored."""

from __future__ import annotations

import pytest

from converters.errors import TagError
from converters.tags import TAGS, parse_cell_tags, suggest_tag, tags_markdown


@pytest.mark.parametrize(
    ("tags", "role", "step"),
    [
        (["parameters"], "parameters", None),
        (["pipeline-parameters"], "parameters", None),
        (["imports"], "imports", None),
        (["functions"], "functions", None),
        (["step:train"], "step", "train"),
        (["block:train"], "step", "train"),
        (["metrics"], "metrics", None),
        (["pipeline-metrics"], "metrics", None),
        (["test"], "test", None),
        (["skip"], "skip", None),
        ([], None, None),
    ],
)
def test_each_tag_and_alias_gives_its_role(tags: list[str], role: str | None, step: str | None) -> None:
    parsed = parse_cell_tags(tags)
    assert (parsed.role, parsed.step) == (role, step)


def test_prev_accepts_semicolons_commas_and_repeated_tags() -> None:
    parsed = parse_cell_tags(["step:evaluate", "prev:load;prepare", "prev:train,prepare"])
    assert parsed.prev == ("load", "prepare", "train")


def test_model_tag_names_the_variable_and_combines_with_a_step() -> None:
    parsed = parse_cell_tags(["step:train", "model:clf"])
    assert (parsed.role, parsed.step, parsed.model) == ("step", "train", "clf")


def test_unrelated_and_foreign_tags_are_ignored() -> None:
    parsed = parse_cell_tags(["hide-input", "exploration", "limit:nvidia.com/gpu:1", "step:a"])
    assert parsed.role == "step"
    assert parsed.ignored == ("hide-input", "exploration", "limit:nvidia.com/gpu:1")
    assert parsed.label == "step:a"


@pytest.mark.parametrize(
    ("tag", "suggestion"),
    [
        ("setp:train", "step:train"),
        ("paramters", "parameters"),
        ("Parameters", "parameters"),
        ("metric", "metrics"),
        ("import", "imports"),
        ("blok:load", "block:load"),
        ("modle:clf", "model:clf"),
    ],
)
def test_look_alike_tags_are_refused_with_a_suggestion(tag: str, suggestion: str) -> None:
    with pytest.raises(TagError) as caught:
        parse_cell_tags([tag], cell_index=4)
    assert str(caught.value) == f"cell 4 (tag {tag}): unknown tag {tag!r}; did you mean {suggestion!r}?"
    assert suggest_tag(tag) == suggestion


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        (["step:"], "cell 1 (tag step:): tag 'step:' needs a value: write 'step:NAME'"),
        (["model"], "cell 1 (tag model): tag 'model' needs a value: write 'model:VAR'"),
        (["skip:yes"], "cell 1 (tag skip:yes): tag 'skip:yes' takes no value: write 'skip'"),
        (
            ["step:load data"],
            "cell 1 (tag step:load data): step name 'load data' must be a Python identifier "
            "(letters, digits, _)",
        ),
        (
            ["step:a", "step:b"],
            "cell 1 (tag step:b): cell has two step tags ('a' and 'b'); a cell belongs to one step",
        ),
        (
            ["parameters", "step:a"],
            "cell 1 (tag step:a): conflicting tags parameters and step:a: a cell has one role",
        ),
        (["metrics", "prev:a"], "cell 1 (tag metrics): prev: belongs on a step cell"),
        (["model:1x"], "cell 1 (tag model:1x): model variable '1x' must be a Python name"),
    ],
)
def test_bad_tags_name_the_cell_and_tag(tags: list[str], message: str) -> None:
    with pytest.raises(TagError) as caught:
        parse_cell_tags(tags, cell_index=1)
    assert str(caught.value) == message


def test_tags_markdown_lists_every_tag_and_alias() -> None:
    table = tags_markdown()
    for spec in TAGS:
        assert f"| `{spec.display}` |" in table
    assert "`block:NAME`" in table and "`pipeline-metrics`" in table
