"""The models bench_fanout.py fans out: today's tiny RandomForest on iris and a realistic gradient boosting.

`realistic_notebook(path)` writes a tagged notebook (built with nbformat) that nb2prod converts like any
user's: one product series per `series` value (its own synthetic 2,000-row frame, 20 features), a scikit-learn
GradientBoostingRegressor (single-threaded, like most per-series models) of 60–120 trees of depth 2–3:
≈ 0.3–1 s of CPU per fit on this machine (the bench measures and prints the mean).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

TINY_GRID = {
    "n_estimators": [10, 20, 30, 40, 50],
    "max_depth": list(range(2, 12)),
    "random_state": [1, 2, 3, 4],
}
REALISTIC_VARIANTS = {
    "n_estimators": [60, 80, 100, 120],
    "max_depth": [2, 3],
    "learning_rate": [0.05, 0.1, 0.2, 0.3, 0.5],
}  # 40 sets per series

CELLS = [
    (
        "imports",
        "from sklearn.datasets import make_regression\n"
        "from sklearn.ensemble import GradientBoostingRegressor\n"
        "from sklearn.metrics import mean_absolute_error, r2_score\n"
        "from sklearn.model_selection import train_test_split",
    ),
    (
        "parameters",
        "series: int = 0\nn_estimators: int = 80\nmax_depth: int = 3\nlearning_rate: float = 0.1\n"
        "subsample: float = 0.8",
    ),
    (
        "step:load",
        "X, y = make_regression(\n    n_samples=2000, n_features=20, n_informative=12, noise=15.0, "
        "random_state=series\n)",
    ),
    (
        "step:prepare",
        "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=series)",
    ),
    (
        "step:train",
        "model = GradientBoostingRegressor(\n    n_estimators=n_estimators,\n    max_depth=max_depth,\n"
        "    learning_rate=learning_rate,\n    subsample=subsample,\n    random_state=series,\n)\n"
        "model.fit(X_train, y_train)",
    ),
    (
        "step:evaluate",
        "predictions = model.predict(X_test)\nr2 = r2_score(y_test, predictions)\n"
        "mae = mean_absolute_error(y_test, predictions)",
    ),
    ("metrics", '{"r2": r2, "mae": mae}'),
]


def realistic_notebook(path: Path) -> Path:
    """Write the per-series gradient boosting notebook to `path`."""
    cells = [new_markdown_cell("# Demand per product series\n\nOne gradient boosting model per series.")]
    for tag, source in CELLS:
        cell = new_code_cell(source)
        cell.metadata["tags"] = [tag, "model:model"] if tag == "step:train" else [tag]
        cells.append(cell)
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python", "file_extension": ".py"}
    nbformat.write(notebook, str(path))
    return path


def realistic_grid(sets: int) -> dict[str, list[object]]:
    """`sets` parameter sets (a multiple of 40): sets // 40 series x 40 variants."""
    if sets % 40:
        raise SystemExit(f"--sets must be a multiple of 40 (got {sets})")
    return {"series": list(range(sets // 40)), **REALISTIC_VARIANTS}


def expand(grid: dict[str, list[object]]) -> list[dict[str, object]]:
    """Every combination of the grid's values, as parameter sets."""
    names = list(grid)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*grid.values())]
