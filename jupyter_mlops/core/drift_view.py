"""The drift check of a run as the panel shows it: a summary read from the run's own tags and metrics (no
extra MLflow call) and the HTML report artifact (one download, size-capped)."""

from __future__ import annotations

import json
import posixpath
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from jupyter_mlops.core.contract import DriftFeature, DriftReport, DriftSummary, RunSummary
from jupyter_mlops.core.errors import NotFound

if TYPE_CHECKING:
    from mlflow import MlflowClient

TAG = "jupyter_mlops.drift"
DEFAULT_REPORT = "drift/report.html"
MAX_REPORT_BYTES = 5 * 1024 * 1024


def _integer(value: float | None) -> int | None:
    return int(value) if value is not None else None


def drift_summary(run: RunSummary) -> DriftSummary | None:
    """The run's drift check from its `jupyter_mlops.drift.*` tags and `drift.*` metrics, or None."""
    tags, metrics = run.tags, run.metrics
    summary = tags.get(f"{TAG}.summary")
    if summary is None:
        return None
    try:
        top = [str(name) for name in json.loads(tags.get(f"{TAG}.top", "[]"))]
    except (ValueError, TypeError):
        top = []
    return DriftSummary(
        summary=summary,
        share_drifted=metrics.get("drift.share_drifted"),
        columns_drifted=_integer(metrics.get("drift.columns_drifted")),
        columns_total=_integer(metrics.get("drift.columns_total")),
        dataset_drift=tags.get(f"{TAG}.dataset_drift") == "true",
        reference=tags.get(f"{TAG}.reference"),
        top_features=[
            DriftFeature(
                feature=name,
                statistic=metrics.get(f"drift.{name}.statistic"),
                p_value=metrics.get(f"drift.{name}.p_value"),
            )
            for name in top
        ],
        report_path=tags.get(f"{TAG}.report"),
    )


def drift_report(client: MlflowClient, run_id: str) -> DriftReport:
    """The HTML report the run's drift tag names; NotFound when it has none or it is too large."""
    run = client.get_run(run_id)
    path = run.data.tags.get(f"{TAG}.report")
    if not path:
        raise NotFound(f"Run {run_id} logged no drift report (it ran without a champion to compare with).")
    path = posixpath.normpath(path)
    if path.startswith(("/", "..")) or not path.endswith(".html"):
        raise NotFound(f"Run {run_id}'s drift report path {path!r} is not an HTML artifact of the run.")
    with tempfile.TemporaryDirectory(prefix="jupyter-mlops-report-") as folder:
        local = Path(client.download_artifacts(run_id, path, folder))
        if local.stat().st_size > MAX_REPORT_BYTES:
            raise NotFound(f"Run {run_id}'s drift report is larger than 5 MB; open it in the MLflow UI.")
        html = local.read_text(encoding="utf-8", errors="replace")
    return DriftReport(run_id=run_id, path=path, html=html)
