"""Per-column data drift tests, as Evidently's default data-drift algorithm documents them, on scipy/numpy.

Evidently 0.7 does not import with pandas 3 (the project's environment), so its documented defaults are
implemented here (docs/retraining.md, "Drift"). The test for a column depends on its kind, its distinct
values and the size of the reference sample:

* reference <= 1000 rows: numeric with > 5 distinct values → two-sample Kolmogorov-Smirnov (drift when
  p < 0.05); binary → Z-test of two proportions (p < 0.05); other categorical (or numeric with <= 5 values)
  → chi-square goodness of fit against the reference shares (p < 0.05);
* reference > 1000 rows: numeric → Wasserstein distance normed by the reference's standard deviation
  (drift when >= 0.1); categorical → Jensen-Shannon distance of the value shares (>= 0.1).

The dataset drifts when the share of drifted columns reaches `DATASET_DRIFT_SHARE` (0.5), Evidently's default.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

SMALL_REFERENCE_ROWS = 1000
FEW_UNIQUE_VALUES = 5
P_VALUE_THRESHOLD = 0.05
DISTANCE_THRESHOLD = 0.1
DATASET_DRIFT_SHARE = 0.5
EMPTY_BIN_SHARE = 1e-4  # Evidently's stand-in for an empty bin, so the distances stay finite


@dataclass(frozen=True)
class ColumnDrift:
    """The drift test of one column: which test, its statistic, p-value (tests only) and verdict."""

    column: str
    kind: str  # numeric | categorical
    test: str  # ks | z | chisquare | wasserstein | jensenshannon
    statistic: float
    p_value: float | None
    threshold: float
    drifted: bool
    reference_rows: int
    current_rows: int

    @property
    def score(self) -> float:
        """How strongly it drifted, for sorting: 1 - p for tests, the distance otherwise."""
        return 1.0 - self.p_value if self.p_value is not None else self.statistic

    def describe(self) -> str:
        """`x1 (ks p=1.2e-09)`."""
        value = f"p={self.p_value:.2g}" if self.p_value is not None else f"{self.statistic:.3g}"
        return f"{self.column} ({self.test} {value})"


@dataclass(frozen=True)
class DatasetDrift:
    """Every compared column, the share that drifted and whether the dataset counts as drifted."""

    columns: tuple[ColumnDrift, ...]
    skipped: tuple[str, ...] = ()  # columns missing on one side or empty

    @property
    def drifted_columns(self) -> tuple[ColumnDrift, ...]:
        """The drifted columns, most drifted first."""
        return tuple(sorted((c for c in self.columns if c.drifted), key=lambda c: c.score, reverse=True))

    @property
    def share_drifted(self) -> float:
        """Drifted columns / compared columns (0 when none were compared)."""
        return len(self.drifted_columns) / len(self.columns) if self.columns else 0.0

    @property
    def dataset_drift(self) -> bool:
        """Evidently's dataset verdict: the share of drifted columns reaches 0.5."""
        return bool(self.columns) and self.share_drifted >= DATASET_DRIFT_SHARE

    def summary(self, top: int = 5) -> str:
        """One line: `2 of 4 columns drifted (share 0.5): x1 (ks p=1e-09), x2 (ks p=3e-05)`."""
        head = (
            f"{len(self.drifted_columns)} of {len(self.columns)} columns drifted "
            f"(share {self.share_drifted:.2g})"
        )
        shown = [column.describe() for column in self.drifted_columns[:top]]
        more = len(self.drifted_columns) - len(shown)
        return head + (": " + ", ".join(shown) + (f", +{more} more" if more else "") if shown else "")

    def as_json(self) -> dict[str, object]:
        """Plain data for drift/report.json."""
        return {
            "share_drifted": self.share_drifted,
            "dataset_drift": self.dataset_drift,
            "drift_share_threshold": DATASET_DRIFT_SHARE,
            "columns": [asdict(column) for column in self.columns],
            "skipped": list(self.skipped),
        }


def column_kind(values: pd.Series) -> str:
    """`numeric` for numbers (not booleans), else `categorical`."""
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return "categorical"
    return "numeric"


def _as_labels(values: pd.Series) -> pd.Series:
    return values.astype(str)


def category_shares(reference: pd.Series, current: pd.Series) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Value shares of both samples over the union of their values (sorted labels)."""
    reference_counts = _as_labels(reference).value_counts()
    current_counts = _as_labels(current).value_counts()
    labels = sorted(set(reference_counts.index) | set(current_counts.index))
    reference_shares = reference_counts.reindex(labels, fill_value=0).to_numpy(float) / len(reference)
    current_shares = current_counts.reindex(labels, fill_value=0).to_numpy(float) / len(current)
    return reference_shares, current_shares, labels


def binned_shares(reference: np.ndarray, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shares per bin of both samples on common bin edges (numpy's 'sturges' on both together), empty bins
    replaced by a small share (as Evidently does for Jensen-Shannon on numbers)."""
    edges = np.histogram_bin_edges(np.concatenate([reference, current]), bins="sturges")
    reference_shares = np.histogram(reference, edges)[0] / len(reference)
    current_shares = np.histogram(current, edges)[0] / len(current)
    return (
        np.where(reference_shares == 0, EMPTY_BIN_SHARE, reference_shares),
        np.where(current_shares == 0, EMPTY_BIN_SHARE, current_shares),
    )


def ks_test(reference: np.ndarray, current: np.ndarray) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov: (statistic, p-value)."""
    from scipy import stats

    result = stats.ks_2samp(reference, current)
    return float(result.statistic), float(result.pvalue)


def chi_square_test(reference: pd.Series, current: pd.Series) -> tuple[float, float]:
    """Chi-square goodness of fit of the current counts against the reference shares: (statistic, p)."""
    from scipy import stats

    reference_shares, current_shares, _ = category_shares(reference, current)
    observed = current_shares * len(current)
    # a value the reference never had gets the empty-bin share, so its appearance counts as drift
    expected_shares = np.where(reference_shares == 0, EMPTY_BIN_SHARE, reference_shares)
    expected = expected_shares / expected_shares.sum() * len(current)
    if len(observed) < 2:
        return 0.0, 1.0
    result = stats.chisquare(observed, expected)
    return float(result.statistic), float(result.pvalue)


def proportions_z_test(reference: pd.Series, current: pd.Series) -> tuple[float, float]:
    """Z-test of two proportions (the first label's share in each sample): (z, two-sided p)."""
    from scipy import stats

    reference_shares, current_shares, _ = category_shares(reference, current)
    p1, p2 = reference_shares[0], current_shares[0]
    n1, n2 = len(reference), len(current)
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if spread == 0:
        return 0.0, 1.0
    z = (p1 - p2) / spread
    return float(z), float(2 * stats.norm.sf(abs(z)))


def wasserstein_normed(reference: np.ndarray, current: np.ndarray) -> float:
    """Wasserstein distance divided by the reference's standard deviation (0 when both are constant)."""
    from scipy import stats

    distance = float(stats.wasserstein_distance(reference, current))
    spread = float(np.std(reference))
    if spread == 0:
        return 0.0 if distance == 0 else math.inf
    return distance / spread


def jensen_shannon(reference_shares: np.ndarray, current_shares: np.ndarray) -> float:
    """Jensen-Shannon distance (base e) of two share vectors."""
    from scipy.spatial import distance

    return float(distance.jensenshannon(reference_shares, current_shares))


def column_drift(name: str, reference: pd.Series, current: pd.Series) -> ColumnDrift:
    """Pick the test for one column (module docstring) and run it; missing values are left out."""
    reference, current = reference.dropna(), current.dropna()
    kind = column_kind(reference)
    if kind == "numeric" and column_kind(current) != "numeric":
        kind = "categorical"
    unique = pd.concat([_as_labels(reference), _as_labels(current)]).nunique()
    small = len(reference) <= SMALL_REFERENCE_ROWS
    few_values = kind == "categorical" or unique <= FEW_UNIQUE_VALUES
    p_value: float | None
    if small and not few_values:
        test, threshold = "ks", P_VALUE_THRESHOLD
        statistic, p_value = ks_test(reference.to_numpy(float), current.to_numpy(float))
    elif small and unique <= 2:
        test, threshold = "z", P_VALUE_THRESHOLD
        statistic, p_value = proportions_z_test(reference, current)
    elif small:
        test, threshold = "chisquare", P_VALUE_THRESHOLD
        statistic, p_value = chi_square_test(reference, current)
    elif not few_values:
        test, threshold, p_value = "wasserstein", DISTANCE_THRESHOLD, None
        statistic = wasserstein_normed(reference.to_numpy(float), current.to_numpy(float))
    else:
        test, threshold, p_value = "jensenshannon", DISTANCE_THRESHOLD, None
        reference_shares, current_shares, _ = category_shares(reference, current)
        reference_shares = np.where(reference_shares == 0, EMPTY_BIN_SHARE, reference_shares)
        current_shares = np.where(current_shares == 0, EMPTY_BIN_SHARE, current_shares)
        statistic = jensen_shannon(reference_shares, current_shares)
    drifted = p_value < threshold if p_value is not None else statistic >= threshold
    return ColumnDrift(
        column=name,
        kind=kind,
        test=test,
        statistic=statistic,
        p_value=p_value,
        threshold=threshold,
        drifted=bool(drifted),
        reference_rows=len(reference),
        current_rows=len(current),
    )


def dataset_drift(
    reference: pd.DataFrame, current: pd.DataFrame, columns: Sequence[str] | None = None
) -> DatasetDrift:
    """Test every column both frames have (or `columns`); a column empty on one side is skipped."""
    names = list(columns) if columns is not None else [c for c in reference.columns if c in current.columns]
    results: list[ColumnDrift] = []
    skipped = [str(c) for c in reference.columns if c not in current.columns]
    for name in names:
        left, right = reference[name].dropna(), current[name].dropna()
        if left.empty or right.empty:
            skipped.append(str(name))
            continue
        results.append(column_drift(str(name), left, right))
    return DatasetDrift(tuple(results), tuple(skipped))
