"""The drift tests (Evidently's documented defaults on scipy): the test a column gets, and verdicts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from jupyter_mlops.retraining.drift_check import compare_tables, drift_metrics, feature_key, pair_tables
from jupyter_mlops.retraining.drift_profile import Table, bounded_sample, column_profile
from jupyter_mlops.retraining.drift_stats import (
    DATASET_DRIFT_SHARE,
    column_drift,
    dataset_drift,
    proportions_z_test,
)

RNG = np.random.default_rng(7)


def normal(n: int, loc: float = 0.0) -> pd.Series:
    return pd.Series(RNG.normal(loc, 1.0, n))


@pytest.mark.parametrize(
    ("reference", "current", "test"),
    [
        (normal(500), normal(500), "ks"),  # numeric, small reference
        (normal(3000), normal(3000), "wasserstein"),  # numeric, large reference
        (
            pd.Series(RNG.choice(["a", "b", "c"], 500)),
            pd.Series(RNG.choice(["a", "b", "c"], 500)),
            "chisquare",
        ),
        (
            pd.Series(RNG.choice(["a", "b", "c"], 3000)),
            pd.Series(RNG.choice(["a", "b"], 3000)),
            "jensenshannon",
        ),
        (pd.Series(RNG.choice([0, 1], 500)), pd.Series(RNG.choice([0, 1], 500)), "z"),  # binary numbers
        (pd.Series(RNG.choice([1, 2, 3, 4], 500)), pd.Series(RNG.choice([1, 2, 3, 4], 500)), "chisquare"),
    ],
)
def test_the_test_is_chosen_as_evidently_documents(
    reference: pd.Series, current: pd.Series, test: str
) -> None:
    assert column_drift("x", reference, current).test == test


def test_a_shifted_numeric_column_drifts_and_an_identical_one_does_not() -> None:
    base = normal(400)
    shifted = column_drift("x", base, base + 2.0)
    same = column_drift("x", base, base.copy())
    assert shifted.drifted and shifted.p_value is not None and shifted.p_value < 1e-10
    assert not same.drifted and same.p_value == pytest.approx(1.0)
    assert shifted.statistic == pytest.approx(stats.ks_2samp(base, base + 2.0).statistic)


def test_large_reference_uses_distances_with_a_threshold_of_0_1() -> None:
    base = normal(2000)
    moved = column_drift("x", base, base + 0.5)  # normed Wasserstein = 0.5 / std ≈ 0.5
    assert moved.test == "wasserstein" and moved.p_value is None and moved.drifted
    assert moved.statistic == pytest.approx(0.5 / float(np.std(base)), rel=1e-6)
    assert not column_drift("x", base, base + 0.01).drifted


def test_a_new_category_makes_chi_square_drift() -> None:
    reference = pd.Series(["red"] * 200 + ["blue"] * 200 + ["green"] * 100)
    current = pd.Series(["red"] * 100 + ["purple"] * 300 + ["green"] * 100)
    result = column_drift("colour", reference, current)
    assert result.test == "chisquare" and result.drifted


def test_proportions_z_test_matches_the_textbook_formula() -> None:
    reference = pd.Series(["a"] * 60 + ["b"] * 40)
    current = pd.Series(["a"] * 40 + ["b"] * 60)
    z, p_value = proportions_z_test(reference, current)
    pooled = 0.5
    expected = (0.6 - 0.4) / np.sqrt(pooled * (1 - pooled) * (2 / 100))
    assert z == pytest.approx(expected)
    assert p_value == pytest.approx(2 * stats.norm.sf(expected))


def test_dataset_drift_is_the_share_of_drifted_columns() -> None:
    reference = pd.DataFrame({"a": normal(300), "b": normal(300), "c": normal(300), "d": normal(300)})
    current = reference.copy()
    current["a"] += 3
    current["b"] += 3
    result = dataset_drift(reference, current)
    assert result.share_drifted == pytest.approx(0.5) and result.dataset_drift
    assert {c.column for c in result.drifted_columns} == {"a", "b"}
    assert result.summary().startswith("2 of 4 columns drifted (share 0.5): ")
    current["b"] = reference["b"]
    assert not dataset_drift(reference, current).dataset_drift


def test_columns_missing_or_empty_on_one_side_are_skipped() -> None:
    reference = pd.DataFrame({"a": normal(50), "gone": normal(50), "empty": normal(50)})
    current = pd.DataFrame({"a": normal(50), "empty": [np.nan] * 50})
    result = dataset_drift(reference, current)
    assert [c.column for c in result.columns] == ["a"]
    assert set(result.skipped) == {"gone", "empty"}


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=300),
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=300),
)
def test_numeric_results_are_well_formed(left: list[float], right: list[float]) -> None:
    result = column_drift("x", pd.Series(left), pd.Series(right))
    assert result.statistic == result.statistic  # never NaN
    if result.p_value is not None:
        assert 0.0 <= result.p_value <= 1.0
        assert result.drifted == (result.p_value < result.threshold)
    assert result.reference_rows == len(left) and result.current_rows == len(right)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f", "g"]), min_size=1, max_size=300))
def test_a_sample_never_drifts_from_itself(values: list[str]) -> None:
    series = pd.Series(values)
    result = column_drift("c", series, series.copy())
    assert not result.drifted


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=6, max_size=200), st.floats(0, 1e3))
def test_ks_statistic_does_not_depend_on_the_order_of_the_rows(values: list[float], shift: float) -> None:
    reference = pd.Series(values)
    current = reference + shift
    forward = column_drift("x", reference, current)
    backward = column_drift("x", reference[::-1].reset_index(drop=True), current[::-1].reset_index(drop=True))
    assert forward.statistic == pytest.approx(backward.statistic)


def test_bounded_sample_is_deterministic_and_bounded() -> None:
    frame = pd.DataFrame({"x": range(20_000)})
    first, second = bounded_sample(frame, 1000), bounded_sample(frame, 1000)
    assert len(first) == 1000 and first.equals(second)
    assert first["x"].is_monotonic_increasing  # rows keep their order
    assert bounded_sample(frame.head(10), 1000).equals(frame.head(10))


def test_column_profile_has_numbers_or_top_values() -> None:
    numeric = column_profile(pd.Series([1.0, 2.0, None, 3.0]))
    assert numeric["kind"] == "numeric" and numeric["mean"] == pytest.approx(2.0)
    assert numeric["missing_share"] == pytest.approx(0.25)
    categorical = column_profile(pd.Series(["a", "a", "b"]))
    assert categorical["kind"] == "categorical" and categorical["top"] == {"a": 2, "b": 1}


def test_tables_pair_by_name_or_as_the_only_table_of_each_side() -> None:
    frame = pd.DataFrame({"x": normal(100)})
    reference = [Table("data/train.csv", "0", 100, frame)]
    assert len(pair_tables(reference, [Table("data/new.csv", "1", 100, frame)])) == 1
    two = [Table("a.csv", "0", 100, frame), Table("b.csv", "0", 100, frame)]
    assert [(r.name, c.name) for r, c in pair_tables(two, [two[1], Table("c.csv", "", 1, frame)])] == [
        ("b.csv", "b.csv")
    ]


def test_features_of_several_tables_are_prefixed_and_metric_keys_are_safe() -> None:
    frame = pd.DataFrame({"x y": normal(100), "w€": normal(100)})
    tables = [Table("a.csv", "0", 100, frame), Table("b.csv", "0", 100, frame)]
    drift, columns = compare_tables([(tables[0], tables[0]), (tables[1], tables[1])])
    assert sorted(columns) == ["a/w_", "a/x y", "b/w_", "b/x y"]
    metrics = drift_metrics(drift)
    assert metrics["drift.share_drifted"] == 0.0 and metrics["drift.columns_total"] == 4
    assert "drift.a/x y.p_value" in metrics
    assert feature_key("") == "_"


def test_the_dataset_drift_share_is_evidentlys_default() -> None:
    assert DATASET_DRIFT_SHARE == 0.5


def test_gate_blocks_on_max_drift_or_dataset_drift_or_an_unchecked_challenger() -> None:
    from jupyter_mlops.retraining.gate import GateOptions, drift_block_reason

    reference = pd.DataFrame({"a": normal(300), "b": normal(300), "c": normal(300), "d": normal(300)})
    current = reference.copy()
    current["a"] += 3
    one_of_four = dataset_drift(reference, current)
    assert one_of_four.share_drifted == 0.25

    def options(**values: object) -> GateOptions:
        return GateOptions("m", "champion", "auc", **values)  # type: ignore[arg-type]

    reason = drift_block_reason(one_of_four, options(max_drift=0.2))
    assert reason is not None
    assert reason.startswith("data drift: 0.25 of the columns drifted, more than --max-drift 0.2 (a (ks p=")
    assert drift_block_reason(one_of_four, options(max_drift=0.25)) is None  # more than, not equal
    assert drift_block_reason(one_of_four, options(block_on_drift=True)) is None  # under half
    assert drift_block_reason(one_of_four, options()) is None  # no drift option: report only
    current["b"] += 3
    two_of_four = dataset_drift(reference, current)
    assert drift_block_reason(two_of_four, options(block_on_drift=True)) == (
        "data drift: 0.5 of the columns drifted (dataset drift, --block-on-drift) ("
        + ", ".join(c.describe() for c in two_of_four.drifted_columns)
        + ")"
    )
    assert drift_block_reason(None, options(block_on_drift=True)) is None  # nothing to compare with
    assert drift_block_reason(None, options(max_drift=0.1), "OSError: bad sample") == (
        "data drift could not be checked (OSError: bad sample)"
    )


def test_the_report_escapes_names_and_values_and_has_no_script() -> None:
    from jupyter_mlops.retraining.drift_report import render_report

    reference = pd.DataFrame({"<img src=x onerror=alert(1)>": ["<script>a</script>", "b"] * 50})
    current = pd.DataFrame({"<img src=x onerror=alert(1)>": ["b", "</title><script>"] * 50})
    drift, columns = compare_tables([(Table("t.csv", "", 100, reference), Table("t.csv", "", 100, current))])
    page = render_report(drift, {"t.csv": reference}, {"t.csv": current}, columns, "<b>title</b>")
    assert "<script" not in page and "<img" not in page and "<b>title" not in page
    assert "&lt;script&gt;a&lt;/script&gt;: reference 50.0%, current 0.0%" in page
