"""The notebook's `test` cells, run against the results of the generated pipeline."""

from __future__ import annotations

from iris_classifier.steps import np


def test_cell_14(results):
    """Notebook cell 14 (tag test)."""
    accuracy = results["accuracy"]
    roc_auc = results["roc_auc"]
    predictions = results["predictions"]
    X_test = results["X_test"]
    probabilities = results["probabilities"]
    # notebook cell 14
    assert accuracy > 0.8, f"accuracy {accuracy:.3f} is below 0.8"
    assert 0.0 <= roc_auc <= 1.0
    assert set(np.unique(predictions)) <= {0, 1, 2}
    assert probabilities.shape == (len(X_test), 3)
