"""Plan pass: grouping, step inputs/outputs, execution order, hidden state, cycles and warnings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from converters.errors import ConversionError
from converters.notebook import read_notebook
from converters.plan import Plan, build_plan, slug

MakeNotebook = Callable[..., Path]


def plan_of(make_notebook: MakeNotebook, cells: list[tuple[str, ...]]) -> Plan:
    return build_plan(read_notebook(make_notebook(cells)))


def shape(plan: Plan) -> list[tuple[str, tuple[int, ...], tuple[str, ...], tuple[str, ...]]]:
    return [(step.name, step.cells, step.inputs, step.outputs) for step in plan.steps]


def test_steps_take_what_earlier_steps_and_parameters_define(make_notebook: MakeNotebook) -> None:
    plan = plan_of(
        make_notebook,
        [
            ("n = 3\nscale = 2.0", "parameters"),
            ("import math", "imports"),
            ("def double(v):\n    return 2 * v", "functions"),
            ("values = [double(i) for i in range(n)]", "step:load"),
            ("unused = 1\ntotal = sum(values) * scale",),
            ("root = math.sqrt(total)", "step:finish"),
            ("root", "metrics"),
        ],
    )
    assert shape(plan) == [
        ("load", (3, 4), ("n", "scale"), ("total",)),
        ("finish", (5,), ("total",), ("root",)),
        ("compute_metrics", (6,), ("root",), ()),
    ]
    assert [spec.name for spec in plan.steps[-1].metrics] == ["root"]
    assert plan.shared_names == ("double", "math")


def test_kale_spellings_and_ignored_pod_tags(make_notebook: MakeNotebook) -> None:
    plan = plan_of(
        make_notebook,
        [
            ("a = 1", "pipeline-parameters"),
            ("b = a + 1", "block:first"),
            ("c = b * 2", "block:second", "prev:first", "limit:nvidia.com/gpu:1"),
            ("print(c)", "pipeline-metrics"),
        ],
    )
    assert [step.name for step in plan.steps] == ["first", "second", "compute_metrics"]
    assert plan.notebook.cells[2].tags.ignored == ("limit:nvidia.com/gpu:1",)


def test_without_step_tags_headings_split_the_steps(make_notebook: MakeNotebook) -> None:
    plan = plan_of(
        make_notebook,
        [
            ("import os",),
            ("md:## Load the data",),
            ("rows = [1, 2]",),
            ("md:### detail",),
            ("rows2 = rows * 2",),
            ("md:## 2nd pass!",),
            ("n = len(rows2)",),
        ],
    )
    assert shape(plan) == [
        ("load_the_data", (2, 4), (), ("rows2",)),
        ("step_2nd_pass", (6,), ("rows2",), ("n",)),
    ]
    assert plan.shared_names == ("os",)
    assert slug("Évaluer le modèle") == "valuer_le_mod_le"


def test_without_tags_or_headings_the_notebook_is_one_step(make_notebook: MakeNotebook) -> None:
    plan = plan_of(make_notebook, [("x = 1",), ("y = x + 1",)])
    assert shape(plan) == [("main", (0, 1), (), ("x", "y"))]


def test_imports_in_steps_are_hoisted(make_notebook: MakeNotebook) -> None:
    plan = plan_of(
        make_notebook, [("import json\ntext = json.dumps([1])", "step:a"), ("n = len(text)", "step:b")]
    )
    assert plan.shared_imports == "import json"
    assert shape(plan) == [("a", (0,), (), ("text",)), ("b", (1,), ("text",), ("n",))]


def test_model_and_test_cells_make_outputs(make_notebook: MakeNotebook) -> None:
    plan = plan_of(
        make_notebook,
        [
            ("clf = object()\nscore = 0.9", "step:train", "model:clf"),
            ("accuracy = score", "metrics"),
            ("assert score > 0.5\nassert accuracy > 0.5", "test"),
        ],
    )
    assert plan.model_variable == "clf"
    assert plan.steps[0].outputs == ("clf", "score")
    assert plan.tests[0].inputs == (("score", "results"), ("accuracy", "metrics"))


def test_prev_reorders_steps_within_dependencies(make_notebook: MakeNotebook) -> None:
    plan = plan_of(make_notebook, [("a = 1", "step:one", "prev:two"), ("b = 2", "step:two")])
    assert [step.name for step in plan.steps] == ["two", "one"]


def test_mutation_and_alias_warnings_name_cell_and_line(make_notebook: MakeNotebook) -> None:
    plan = plan_of(
        make_notebook,
        [
            ("rows = [1]\nframe = {'a': 1}", "step:load"),
            ("rows.append(2)\nframe['b'] = 2\ncopy = frame", "step:change"),
        ],
    )
    assert plan.warnings == (
        "cell 1, line 1: step 'change' changes 'rows' in place (rows.append(...)); it comes from "
        "step 'load', "
        "so both share one object — the pipeline keeps the notebook's step order for this reason",
        "cell 1, line 2: step 'change' changes 'frame' in place (frame[...] = ...); it comes from "
        "step 'load', "
        "so both share one object — the pipeline keeps the notebook's step order for this reason",
        "cell 1, line 3: step 'change' binds 'copy' to the same object as 'frame' (aliasing); "
        "a change through one shows in the other",
    )


BAD_PLANS = [
    (
        [("run_name = 'x'", "parameters")],
        "cell 0 (tag parameters), line 1: parameter name 'run_name' is reserved by the generated package "
        "(experiment_name, h, help, metrics, no_mlflow, run_name, workdir); rename it",
    ),
    (
        [("metrics = {'a': 1}", "step:score"), ("print(metrics)", "step:show")],
        "cell 0 (tag step:score): a step output named 'metrics' would clash with the run's metrics in "
        "run_steps() results; rename the variable",
    ),
    (
        [("x = 1", "step:a"), ("y = undefined_thing + x", "step:b")],
        "cell 1 (tag step:b), line 1: step 'b' reads 'undefined_thing', which nothing defines before it "
        "(parameters, imports, functions or an earlier step): it exists only in the kernel's hidden state",
    ),
    (
        [("y = later + 1", "step:a"), ("later = 2", "step:b")],
        "cell 0 (tag step:a), line 1: step 'a' reads 'later', which nothing defines before it (parameters, "
        "imports, functions or an earlier step): it exists only in the kernel's hidden state; "
        "cell 1 defines it later",
    ),
    (
        [("secret = 42", "skip"), ("\n\ny = secret", "step:a")],
        "cell 1 (tag step:a), line 3: step 'a' reads 'secret', which nothing defines before it (parameters, "
        "imports, functions or an earlier step): it exists only in the kernel's hidden state; "
        "only the skipped cell 0 defines it",
    ),
    (
        [("y = _ + 1", "step:a")],
        "cell 0 (tag step:a), line 1: step 'a' reads '_', which nothing defines before it (parameters, "
        "imports, functions or an earlier step): it exists only in the kernel's hidden state; "
        "IPython's output history (_, Out, In) does not exist outside a notebook",
    ),
    (
        [("seed = 1", "parameters"), ("def f():\n    return seed", "functions")],
        "cell 1 (tag functions), line 2: functions code reads the parameter 'seed', but it runs once at "
        "import, before parameters exist; pass it to the function as an argument",
    ),
    (
        [("a = 1", "step:one", "prev:missing")],
        "cell 0 (tag prev:missing): prev:missing names no step; steps are: one",
    ),
    (
        [("a = 1", "step:one", "prev:two"), ("b = a", "step:two")],
        "cell 0 (tag prev:two): dependency cycle between steps: one -> two -> one",
    ),
    (
        [("a = 1", "step:one"), ("b = 2", "step:two"), ("c = 3", "step:one")],
        "cell 2 (tag step:one): step 'one' continues here after another step began; its first cell is "
        "cell 0 — give this part its own step name",
    ),
    (
        [("a = 1", "parameters"), ("b = 2", "parameters")],
        "cell 1 (tag parameters): a second parameters cell; the first is cell 0",
    ),
    (
        [("a = 1", "step:one"), ("b = 2", "step:two", "model:clf")],
        "cell 1 (tag model:clf): model:clf names 'clf', but no step defines it",
    ),
    (
        [("a = b", "test")],
        "cell 0 (tag test), line 1: this cell reads 'b', which nothing defines before it (parameters, "
        "imports, "
        "functions or an earlier step): it exists only in the kernel's hidden state",
    ),
]


@pytest.mark.parametrize(("cells", "message"), BAD_PLANS)
def test_bad_plans_are_refused_with_cell_and_line(
    make_notebook: MakeNotebook, cells: list[tuple[str, ...]], message: str
) -> None:
    with pytest.raises(ConversionError) as caught:
        plan_of(make_notebook, cells)
    assert str(caught.value) == message


def test_steps_nothing_reads_return_what_they_surely_bind(make_notebook: MakeNotebook) -> None:
    plan = plan_of(
        make_notebook,
        [
            ("md:## Load",),
            ("x = [1, 2]\nshown = len(x)",),
            ("md:## Explore",),
            (
                "import math\ncount, (low, *rest) = 2, x\ntotal: int = sum(x)\ntotal += 1\n"
                "if x:\n    maybe = 1\nfor item in x:\n    pass\ndef helper():\n    return 1\n"
                "class Box:\n    pass\nsquare = lambda v: v * v\n_private = 1\ngone = 1\ndel gone\n"
                "metrics = {}\nroot = math.sqrt(total)",
            ),
            ("md:## Finish",),
            ("final = x + [3]",),
        ],
    )
    assert shape(plan) == [
        ("load", (1,), (), ("x",)),  # x is read later: `shown` is not returned
        ("explore", (3,), ("x",), ("count", "low", "rest", "total", "root")),
        ("finish", (5,), ("x",), ("final",)),
    ]
    assert [step.results for step in plan.steps] == [
        (),
        ("count", "low", "rest", "total", "root"),
        ("final",),
    ]
    assert plan.warnings == ()


def test_a_step_binding_no_value_is_reported_as_compared_by_nothing(make_notebook: MakeNotebook) -> None:
    plan = plan_of(
        make_notebook, [("x = 1", "step:load"), ("print(x)\nfor i in range(x):\n    pass", "step:show")]
    )
    assert shape(plan) == [("load", (0,), (), ("x",)), ("show", (1,), ("x",), ())]
    assert plan.warnings == (
        "step 'show' (cell 1) binds no value at top level that the parity test could compare: parity "
        "checks only that it runs; assign its result to a name (e.g. `score = ...`) to have it compared",
    )


def test_setext_headings_split_like_atx_headings(make_notebook: MakeNotebook) -> None:
    setext = plan_of(
        make_notebook,
        [("md:Load\n----",), ("x = [1, 2, 3]",), ("md:Total *sum*\n-----",), ("total = sum(x)",)],
    )
    atx = plan_of(
        make_notebook, [("md:## Load",), ("x = [1, 2, 3]",), ("md:## Total *sum*",), ("total = sum(x)",)]
    )
    assert (
        shape(setext)
        == shape(atx)
        == [
            ("load", (1,), (), ("x",)),
            ("total_sum", (3,), ("x",), ("total",)),
        ]
    )
    assert [step.heading for step in setext.steps] == ["Load", "Total sum"]


@pytest.mark.parametrize(
    "markdown",
    [
        "Title\n=====",  # setext level 1
        "text\n\n-----",  # a thematic break after a blank line
        "##Title",  # CommonMark needs a space after the #s
        "### Title",
        "```\n## inside a code block\n```",
        "    ## indented code",
    ],
)
def test_what_is_not_a_level_two_heading(make_notebook: MakeNotebook, markdown: str) -> None:
    plan = plan_of(make_notebook, [("x = 1",), ("md:" + markdown,), ("y = x + 1",)])
    assert shape(plan) == [("main", (0, 2), (), ("x", "y"))]


def test_first_level_two_heading_of_a_cell_names_the_step(make_notebook: MakeNotebook) -> None:
    plan = plan_of(
        make_notebook,
        [("md:# Report\n\nIntro.\n\nTrain `the` model\n---\n\n## Later",), ("y = 2",)],
    )
    assert shape(plan) == [("train_the_model", (1,), (), ("y",))]
