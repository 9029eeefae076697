"""The notebook's `test` cells, run against the results of the generated pipeline."""

from __future__ import annotations


def test_cell_8(results):
    """Notebook cell 8 (tag test)."""
    rmse = results["rmse"]
    r2 = results["r2"]
    # notebook cell 8
    assert rmse < 70, f"rmse {rmse:.1f} is too high"
    assert r2 > 0.2
