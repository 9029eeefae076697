"""The notebook's `test` cells, run against the results of the generated pipeline."""

from __future__ import annotations


def test_pipeline_produces_the_metrics(results):
    """The notebook has no `test` cell: at least the pipeline runs and yields its metrics."""
    metrics = results["metrics"]
    assert isinstance(metrics, dict)
