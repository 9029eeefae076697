"""Test a run's training tables against the champion's reference profile and log the drift report.

Tables are matched by name (path relative to the target's folder); when each side has exactly one table
they are compared whatever their names (a schedule that passes the new file's path as a parameter). Logged
on the run: metrics `drift.share_drifted`, `drift.columns_drifted`, `drift.columns_total`,
`drift.<feature>.statistic` and `drift.<feature>.p_value` (tests only); tags `jupyter_mlops.drift.*`
(summary, dataset_drift, reference_run, top, report); artifacts `drift/report.html` and `drift/report.json`.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from jupyter_mlops.core.session import MAX_TAG_VALUE, TrackingSession, clip
from jupyter_mlops.retraining.drift_profile import ARTIFACT_DIR, Table, load_reference
from jupyter_mlops.retraining.drift_report import render_report
from jupyter_mlops.retraining.drift_stats import ColumnDrift, DatasetDrift, column_drift

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

TAG = "jupyter_mlops.drift"
REPORT_FILE = "report.html"
REPORT_JSON = "report.json"
TOP_TAG_FEATURES = 5
_UNSAFE_KEY = re.compile(r"[^A-Za-z0-9_\-. /:]")


@dataclass(frozen=True)
class DriftCheck:
    """The drift of one run's data against a reference run's profile."""

    drift: DatasetDrift
    reference_run_id: str
    reference_label: str  # `iris@champion (version 3)`
    report_path: str  # artifact path of the HTML report

    def summary(self) -> str:
        """One line for the terminal and alerts."""
        return f"drift vs {self.reference_label}: {self.drift.summary()}"


def feature_key(name: str) -> str:
    """A column name usable in an MLflow metric key (other characters become `_`)."""
    return _UNSAFE_KEY.sub("_", name).strip() or "_"


def pair_tables(reference: list[Table], current: list[Table]) -> list[tuple[Table, Table]]:
    """Matching (reference, current) tables: by name, or the single table of each side."""
    if len(reference) == 1 and len(current) == 1:
        return [(reference[0], current[0])]
    by_name = {table.name: table for table in reference}
    return [(by_name[table.name], table) for table in current if table.name in by_name]


def compare_tables(
    pairs: list[tuple[Table, Table]],
) -> tuple[DatasetDrift, dict[str, tuple[str, str]]]:
    """Every shared column of every pair; features are `column`, or `table/column` when several tables."""
    results: list[ColumnDrift] = []
    skipped: list[str] = []
    columns: dict[str, tuple[str, str]] = {}
    for reference, current in pairs:
        prefix = f"{Path(current.name).stem}/" if len(pairs) > 1 else ""
        for column in reference.sample.columns:
            feature = feature_key(f"{prefix}{column}")
            if column not in current.sample.columns:
                skipped.append(feature)
                continue
            left, right = reference.sample[column].dropna(), current.sample[column].dropna()
            if left.empty or right.empty:
                skipped.append(feature)
                continue
            results.append(column_drift(feature, left, right))
            columns[feature] = (current.name, str(column))
    return DatasetDrift(tuple(results), tuple(skipped)), columns


def drift_metrics(drift: DatasetDrift) -> dict[str, float]:
    """The run metrics of a drift check."""
    metrics: dict[str, float] = {
        "drift.share_drifted": drift.share_drifted,
        "drift.columns_drifted": float(len(drift.drifted_columns)),
        "drift.columns_total": float(len(drift.columns)),
    }
    for column in drift.columns:
        metrics[f"drift.{column.column}.statistic"] = column.statistic
        if column.p_value is not None:
            metrics[f"drift.{column.column}.p_value"] = column.p_value
    return metrics


def champion_version(session: TrackingSession, model_name: str, alias: str) -> ModelVersion | None:
    """The version holding NAME@ALIAS, or None (no such model or alias)."""
    from jupyter_mlops.core.error_kinds import ErrorKind, classify

    def read(client: MlflowClient) -> ModelVersion | None:
        try:
            return client.get_model_version_by_alias(model_name, alias)
        except Exception as error:
            if classify(error) in (ErrorKind.NOT_FOUND, ErrorKind.BAD_REQUEST):
                return None
            raise

    return session.call(f"read alias {model_name}@{alias}", read)


def check_drift(
    session: TrackingSession, run_id: str, current: list[Table], reference_run_id: str, reference_label: str
) -> DriftCheck | None:
    """Compare and log; None when the reference run has no profile or no table matches."""
    reference = load_reference(session, reference_run_id)
    if not reference or not current:
        return None
    pairs = pair_tables(reference, current)
    if not pairs:
        return None
    drift, columns = compare_tables(pairs)
    check = DriftCheck(drift, reference_run_id, reference_label, f"{ARTIFACT_DIR}/{REPORT_FILE}")
    log_drift(session, run_id, check, pairs, columns)
    return check


def log_drift(
    session: TrackingSession,
    run_id: str,
    check: DriftCheck,
    pairs: list[tuple[Table, Table]],
    columns: dict[str, tuple[str, str]],
) -> None:
    """Report artifacts (one upload), then metrics and tags in one batch."""
    drift = check.drift
    reference_frames = {current.name: reference.sample for reference, current in pairs}
    current_frames = {current.name: current.sample for _, current in pairs}
    page = render_report(
        drift, reference_frames, current_frames, columns, f"Data drift vs {check.reference_label}"
    )
    document = {
        "reference_run_id": check.reference_run_id,
        "reference": check.reference_label,
        "tables": [{"reference": r.name, "current": c.name} for r, c in pairs],
        **drift.as_json(),
    }
    with tempfile.TemporaryDirectory(prefix="jupyter-mlops-drift-") as folder:
        Path(folder, REPORT_FILE).write_text(page, encoding="utf-8")
        Path(folder, REPORT_JSON).write_text(json.dumps(document, indent=1))
        session.call(
            f"log the drift report of run {run_id}",
            lambda client: client.log_artifacts(run_id, folder, ARTIFACT_DIR),
        )
    top = [column.column for column in drift.drifted_columns[:TOP_TAG_FEATURES]]
    tags = {
        f"{TAG}.summary": clip(drift.summary(), MAX_TAG_VALUE),
        f"{TAG}.dataset_drift": "true" if drift.dataset_drift else "false",
        f"{TAG}.reference_run": check.reference_run_id,
        f"{TAG}.reference": check.reference_label,
        f"{TAG}.top": clip(json.dumps(top), MAX_TAG_VALUE),
        f"{TAG}.report": check.report_path,
    }
    session.log_batch(run_id, metrics=drift_metrics(drift), tags=tags)
