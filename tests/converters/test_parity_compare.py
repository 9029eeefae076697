"""The generated package's structural comparison (`PKG/testing.py`): what it compares, what it names."""

from __future__ import annotations

import copy
import dataclasses
import importlib
import pickle
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from converters.cli import main
from tests.converters.conftest import write_notebook

matplotlib.use("Agg")
import matplotlib.pyplot as plt

PACKAGE = "compare_probe"


@pytest.fixture(scope="module")
def testing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """`compare_probe.testing`, from a package nb2prod generated (the template as users get it)."""
    root = tmp_path_factory.mktemp("compare")
    notebook = write_notebook(root / f"{PACKAGE}.ipynb", [("x = 1", "step:load")])
    assert main([str(notebook), "-o", str(root / "out"), "-q"]) == 0
    sys.path.insert(0, str(root / "out"))
    try:
        yield importlib.import_module(f"{PACKAGE}.testing")
    finally:
        sys.path.remove(str(root / "out"))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def round_trip(testing: ModuleType, value: object) -> object:
    """The value as the parity test sees it: captured (pickled) and loaded back."""
    return testing.freeze({"value": value})["value"]


@dataclasses.dataclass
class Node:
    """A linked node: two of them make a cycle."""

    value: float
    next: Node | None = None


class Slotted:
    """State in slots only, one of them name-mangled."""

    __slots__ = ("__secret", "weight")

    def __init__(self, weight: float) -> None:
        self.weight = weight
        self.__secret = [weight, "kept"]


class PlainHolder:
    """No __eq__, no __repr__: the default repr holds a memory address."""

    def __init__(self, value: object) -> None:
        self.value = value
        self.marker = object()


class Refuses:
    """Pickling it fails for a reason the comparison cannot know in advance."""

    def __reduce__(self) -> Any:
        raise TypeError("Refuses objects stay in their process")


def squares() -> Iterator[int]:
    yield from (1, 4, 9)


def ols_results(noise: float = 0.0) -> Any:
    import statsmodels.formula.api as smf

    generator = np.random.default_rng(0)
    frame = pd.DataFrame({"x": generator.random(40), "group": list("ab") * 20})
    frame["y"] = 2 * frame["x"] + generator.random(40) + noise
    return smf.ols("y ~ x + group", frame).fit()


def test_statsmodels_results_equal_their_pickled_copy_and_differ_by_their_data(testing: ModuleType) -> None:
    results = ols_results()
    results.summary()
    copied = round_trip(testing, results)
    assert copied is not results
    assert testing.compare(results, copied, "results") == testing.Comparison()

    found = testing.differences(results, ols_results(noise=1e-6), "step fit: results")
    assert found[0].startswith("step fit: results._results.model.data.endog[0]: ")
    assert "in the notebook" in found[0] and "(40 of 40 elements differ)" in found[0]
    assert any(line.startswith("step fit: results._results.params[0]: ") for line in found)


def test_statsmodels_values_computed_on_one_side_only_are_listed_not_failed(testing: ModuleType) -> None:
    displayed, plain = ols_results(), ols_results()
    displayed.summary()  # computes and stores attributes the other side never asked for
    comparison = testing.compare(displayed, plain, "results")
    assert comparison.mismatches == []
    assert (
        "results._results.diagn: not compared, because it is set only in the notebook (computed when first "
        "used?)"
    ) in comparison.not_compared


def test_statsmodels_time_series_models_compare_by_state(testing: ModuleType) -> None:
    from statsmodels.tsa.deterministic import DeterministicProcess
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    index = pd.date_range("2000-01-01", periods=36, freq="MS")
    series = pd.Series(10 + np.random.default_rng(1).random(36).cumsum(), index=index)
    fitted = ETSModel(series, error="add", trend="add").fit(disp=False)
    assert testing.differences(fitted, round_trip(testing, fitted)) == []
    process = DeterministicProcess(index, constant=True, order=1)
    assert testing.differences(process, round_trip(testing, process)) == []
    assert testing.differences(process, DeterministicProcess(index, constant=True, order=2), "dp") == [
        "dp._deterministic_terms[0]._order: 1 in the notebook, 2 in the pipeline",
        "dp._order: 1 in the notebook, 2 in the pipeline",
    ]


def test_estimators_compare_by_parameters_and_fitted_attributes(testing: ModuleType) -> None:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    features = np.random.default_rng(2).random((60, 3))
    target = features @ np.array([1.0, 2.0, 3.0])
    forest = make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=4, random_state=0))
    forest.fit(features, target > 3)
    assert testing.differences(forest, round_trip(testing, forest)) == []
    other = make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=4, random_state=1))
    other.fit(features, target > 3)
    assert testing.differences(forest, other, "model")[0] == (
        "model.get_params()['steps'][1][1].get_params()['random_state']: 0 in the notebook, 1 in the pipeline"
    )

    linear = LinearRegression().fit(features, target)
    shifted = LinearRegression().fit(features, target + 0.5)
    [difference] = testing.differences(linear, shifted, "model")  # same slopes, intercept moved by 0.5
    assert difference.startswith("model.intercept_: ") and "0.4999999" in difference
    assert "np.float64" not in difference
    assert testing.differences(linear, LinearRegression(), "model") == [
        f"model.{name}: fitted only in the notebook"
        for name in ("coef_", "intercept_", "n_features_in_", "rank_", "singular_")
    ]


def figure_with(height: float, title: str = "fit") -> Any:
    figure, (left, right) = plt.subplots(1, 2)
    left.plot([1, 2, 3], [1, 4, 9], label="squares")
    left.set_title(title)
    left.legend()
    left.imshow(np.eye(3))
    right.bar(["a", "b"], [1, height])
    right.set_ylabel("count")
    right.scatter([1, 2], [3, 4])
    figure.suptitle("overview")
    return figure


def test_figures_compare_by_the_data_they_show(testing: ModuleType) -> None:
    figure = figure_with(2)
    try:
        assert testing.compare(figure, round_trip(testing, figure), "fig") == testing.Comparison()
        assert testing.differences(figure, figure_with(3), "step plot: fig") == [
            "step plot: fig.axes[1].patches[1].height: 2 in the notebook, 3 in the pipeline"
        ]
        assert testing.differences(figure.axes[0], figure_with(2, "other").axes[0], "ax") == [
            "ax.title: 'fit' in the notebook, 'other' in the pipeline"
        ]
        lines = figure.axes[0].get_lines()
        assert testing.differences(lines, round_trip(testing, lines)) == []
    finally:
        plt.close("all")


def test_a_legend_compares_by_its_texts_not_as_an_axes(testing: ModuleType) -> None:
    def legend(label: str) -> Any:
        _, axes = plt.subplots()
        axes.plot([1, 2], [3, 4], label=label)
        return axes.legend()

    try:
        first = legend("fit")
        assert testing.compare(first, round_trip(testing, first), "legend") == testing.Comparison()
        assert testing.differences(first, legend("other"), "step plot: legend") == [
            "step plot: legend.texts[0]: 'fit' in the notebook, 'other' in the pipeline"
        ]
    finally:
        plt.close("all")


def test_3d_axes_compare_by_their_data_with_no_address_in_any_message(testing: ModuleType) -> None:
    def axes3d(top: float) -> Any:
        axes = plt.figure().add_subplot(projection="3d")
        axes.plot([0, 1], [0, 1], [0, top])
        axes.scatter3D([0.5, 1.5], [2.0, 3.0], [top, top])
        axes.set_zlabel("height")
        return axes

    try:
        first = axes3d(1.0)
        assert testing.compare(first, round_trip(testing, first), "ax") == testing.Comparison()
        drawn = axes3d(1.0)
        drawn.figure.canvas.draw()  # Jupyter's inline backend draws: 3D points get their 2D projection
        assert testing.compare(first, drawn, "ax") == testing.Comparison()
        messages = testing.differences(first, axes3d(2.0), "step plot: ax")
        assert messages[0] == (
            "step plot: ax.collections[0].offsets_3d[2][0]: 1.0 in the notebook, 2.0 in the pipeline"
            " (2 of 2 elements differ)"
        )
        assert (
            "step plot: ax.lines[0].data_3d[2][1]: 1.0 in the notebook, 2.0 in the pipeline"
            " (1 of 2 elements differ)"
        ) in messages
        assert not [message for message in messages if "0x" in message or "_parents" in message]
    finally:
        plt.close("all")


def test_cycles_compare_by_value_and_report_the_attribute_path(testing: ModuleType) -> None:
    first = Node(1.0)
    first.next = Node(2.0, first)
    assert testing.compare(first, copy.deepcopy(first)) == testing.Comparison()
    assert testing.compare(first, round_trip(testing, first)) == testing.Comparison()
    changed = copy.deepcopy(first)
    assert changed.next is not None
    changed.next.value = 2.5
    assert testing.differences(first, changed, "step load: node") == [
        "step load: node.next.value: 2.0 in the notebook, 2.5 in the pipeline"
    ]


def test_slots_compare_including_private_ones(testing: ModuleType) -> None:
    assert testing.differences(Slotted(1.0), round_trip(testing, Slotted(1.0))) == []
    assert testing.differences(Slotted(1.0), Slotted(2.0), "s") == [
        "s.__secret[0]: 1.0 in the notebook, 2.0 in the pipeline",
        "s.weight: 1.0 in the notebook, 2.0 in the pipeline",
    ]


def test_floats_compare_within_the_stated_tolerance(testing: ModuleType) -> None:
    assert testing.differences(1.0, 1.0 + 1e-12) == []
    assert testing.differences(np.array([1.0, np.nan]), np.array([1.0 + 1e-12, np.nan])) == []
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": list("xyz")}, index=[10, 20, 30])
    changed = frame.copy()
    changed.loc[20, "a"] = 2.5
    assert testing.differences(frame, changed, "df") == [
        "df['a'].loc[20]: 2.0 in the notebook, 2.5 in the pipeline (1 of 3 elements differ)"
    ]


def test_what_holds_no_value_is_listed_with_the_reason_never_equal_or_different(testing: ModuleType) -> None:
    values = {"rows": squares(), "guard": threading.Lock(), "key": lambda row: row[0], "n": 3}
    for expected, actual in [
        (values, {**values, "rows": squares(), "guard": threading.Lock()}),
        (round_trip(testing, values), round_trip(testing, values)),
    ]:
        comparison = testing.compare(expected, actual, "step load: state")
        assert comparison.mismatches == []
        assert comparison.not_compared == [
            "step load: state['rows']: not compared, because a generator yields its values once and holds "
            "none to compare",
            "step load: state['guard']: not compared, because a lock holds no data",
            "step load: state['key']: not compared, because a function defined inline (lambda or nested "
            "function) is code, not a value",
        ]
    with open(__file__, encoding="utf-8") as handle:
        frozen = testing.freeze({"handle": handle, "refuses": Refuses(), "numpy": np})
    assert frozen["numpy"] is np  # modules travel by name
    assert frozen["handle"] == testing.NotCompared(
        "_io.TextIOWrapper",
        "an open file or stream is a handle to data outside the program, not a value",
    )
    assert testing.compare(frozen["refuses"], Refuses(), "r").not_compared == [
        "r: not compared, because it cannot be pickled (Refuses objects stay in their process)"
    ]


def test_the_kernel_side_capture_runs_from_its_shipped_source_alone(testing: ModuleType) -> None:
    namespace: dict[str, Any] = {}
    exec(testing.capture_source(), namespace)  # what the parity test runs in the notebook's kernel
    captured = namespace["capture"]({"rows": squares(), "frame": pd.DataFrame({"a": [1.5]})})
    assert testing.thaw(captured["rows"]) == testing.NotCompared(
        "generator", "a generator yields its values once and holds none to compare"
    )
    assert testing.differences(testing.thaw(captured["frame"]), pd.DataFrame({"a": [1.5]})) == []
    assert pickle.loads(pickle.dumps(captured)) == captured  # the snapshot file holds plain data


def test_no_message_holds_a_memory_address(testing: ModuleType) -> None:
    pairs = [
        (PlainHolder(1.0), PlainHolder(2.0)),
        (PlainHolder(object()), PlainHolder(PlainHolder(None))),
        ({"a": PlainHolder(1)}, {"a": 3}),
        ([object()], [threading.Lock()]),
        (round_trip(testing, Refuses()), Refuses()),
        ("<thing at 0x7f0012345678>", "<thing at 0x7f0087654321>"),
        ({PlainHolder(1): 1}, {PlainHolder(2): 1}),
        (round_trip(testing, squares()), squares()),
    ]
    for expected, actual in pairs:
        comparison = testing.compare(expected, actual, "value")
        assert comparison.mismatches or comparison.not_compared, (expected, actual)
        for line in comparison.mismatches + comparison.not_compared:
            assert "0x" not in line, line


def test_objects_without_eq_compare_by_state_not_identity(testing: ModuleType) -> None:
    assert testing.differences(PlainHolder(1.0), round_trip(testing, PlainHolder(1.0))) == []
    assert testing.differences(object(), object()) == []
    assert testing.differences(PlainHolder([1, 2]), PlainHolder([1, 3]), "h") == [
        "h.value[1]: 2 in the notebook, 3 in the pipeline"
    ]
    assert testing.differences(pd.Timestamp("2020-01-01"), pd.Timestamp("2021-01-01"), "t") == [
        "t: Timestamp('2020-01-01 00:00:00') in the notebook, "
        "Timestamp('2021-01-01 00:00:00') in the pipeline"
    ]


@dataclasses.dataclass
class Holder:
    """A dataclass in generated structures."""

    value: object
    label: str


FLOATS = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
LEAVES = st.one_of(
    FLOATS,
    st.integers(-1000, 1000),
    st.text(max_size=5),
    st.none(),
    st.lists(FLOATS, min_size=1, max_size=4).map(np.array),
)
STRUCTURES = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=4), children, max_size=4),
        st.builds(Holder, children, st.text(max_size=3)),
    ),
    max_leaves=12,
)


def numeric_leaves(value: object, path: str) -> Iterator[tuple[str, object, object]]:
    """(path as the comparison writes it, container, key) of every float leaf."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, float):
                yield f"{path}[{index}]", value, index
            yield from numeric_leaves(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, float):
                yield f"{path}[{key!r}]", value, key
            yield from numeric_leaves(item, f"{path}[{key!r}]")
    elif isinstance(value, Holder):
        if isinstance(value.value, float):
            yield f"{path}.value", value, "value"
        yield from numeric_leaves(value.value, f"{path}.value")
    elif isinstance(value, np.ndarray):
        for index in range(len(value)):
            yield f"{path}[{index}]", value, index


@settings(max_examples=80, deadline=None)
@given(structure=STRUCTURES)
def test_property_a_deep_copy_is_equal(testing: ModuleType, structure: object) -> None:
    assert testing.differences(structure, copy.deepcopy(structure)) == []
    assert testing.differences(structure, round_trip(testing, structure)) == []


@settings(max_examples=80, deadline=None)
@given(structure=STRUCTURES.filter(lambda value: any(numeric_leaves(value, "v"))), data=st.data())
def test_property_a_perturbed_number_is_reported_with_its_path(
    testing: ModuleType, structure: object, data: st.DataObject
) -> None:
    changed = copy.deepcopy(structure)
    leaves = list(numeric_leaves(changed, "v"))
    path, container, key = data.draw(st.sampled_from(leaves))
    original = container[key] if not isinstance(container, Holder) else container.value  # type: ignore[index]
    bumped = float(original) + 1.0 + abs(float(original))
    if isinstance(container, Holder):
        container.value = bumped
    else:
        container[key] = bumped  # type: ignore[index]
    found = testing.differences(structure, changed, "v")
    assert len(found) == 1
    assert found[0].startswith(f"{path}: ")
    assert "in the notebook" in found[0] and "in the pipeline" in found[0]


@pytest.mark.slow
def test_parity_through_a_real_kernel_compares_notebook_objects_and_names_each_mismatch(
    tmp_path: Path,
) -> None:
    from tests.converters.test_end_to_end import run_generated_tests

    notebook = write_notebook(
        tmp_path / "kernel_objects.ipynb",
        [
            (
                "import dataclasses\nimport os\nimport threading\nimport numpy as np\nimport pandas as pd\n"
                "import matplotlib.pyplot as plt\nimport statsmodels.formula.api as smf",
                "imports",
            ),
            (
                "@dataclasses.dataclass\nclass Box:\n    value: float\n    other: object = None\n\n\n"
                "def double(v):\n    return 2 * v",
                "functions",
            ),
            ("frame = pd.DataFrame({'x': np.random.rand(30)})\nframe['y'] = 3 * frame.x", "step:load"),
            (
                "results = smf.ols('y ~ x', frame).fit()\nresults.summary()\n"
                "fig, ax = plt.subplots()\nax.plot(frame.x, frame.y, 'o')\nax.set_title('fit')\n"
                "box = Box(1.5)\nbox.other = box\nsquares = (v * v for v in range(3))\n"
                "guard = threading.Lock()\nhelpers = {'double': double, 'key': lambda row: row}\n"
                "stamp = os.getpid()",
                "step:fit",
            ),
        ],
    )
    out_dir = tmp_path / "out"
    assert main([str(notebook), "-o", str(out_dir), "-q"]) == 0
    completed = run_generated_tests(out_dir, "-s", "-k", "parity")
    assert completed.returncode == 1, completed.stdout[-4000:]
    output = completed.stdout
    assert "load: equal — frame\n" in output
    assert "fit: MISMATCH — results, ax, fig, box, helpers, stamp; not compared: squares, guard\n" in output
    assert "step fit: stamp: " in output and " in the notebook, " in output  # two processes, two pids
    assert "step fit: helpers['key']: not compared, because a function defined inline" in output
    assert "step fit: guard: not compared, because a lock holds no data" in output
    assert "step fit: squares: not compared, because a generator yields its values once" in output
    mismatches = output[output.index("the pipeline diverges from the notebook:") :]
    assert "results" not in mismatches.split("\n")[1] and "box" not in mismatches.split("\n")[1]
    assert "0x" not in output
