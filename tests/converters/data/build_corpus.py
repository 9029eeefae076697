"""Rebuild the corpus: python tests/converters/data/build_corpus.py && ruff format tests/converters/data."""

from __future__ import annotations

from pathlib import Path

import nbformat

HERE = Path(__file__).parent


def code(source: str, *tags: str) -> nbformat.NotebookNode:
    """A code cell with tags."""
    cell = nbformat.v4.new_code_cell(source.strip("\n"))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def markdown(source: str) -> nbformat.NotebookNode:
    """A markdown cell."""
    return nbformat.v4.new_markdown_cell(source.strip("\n"))


def notebook(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A python3 notebook of `cells` with stable cell ids."""
    node = nbformat.v4.new_notebook(cells=list(cells))
    node.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    node.metadata["language_info"] = {"name": "python", "file_extension": ".py"}
    for index, cell in enumerate(node.cells):
        cell["id"] = f"cell-{index}"
    return node


TAGGED = notebook(
    markdown("# Tagged pipeline\nOur tag vocabulary, magics, unseeded randomness and a test cell."),
    code("C: float = 1.0  # inverse regularization\nmax_iter = 200\nholdout = 0.3\n", "parameters"),
    code("import numpy as np\nfrom sklearn.datasets import load_iris", "imports"),
    code(
        'def standardize(matrix):\n    """Zero mean, unit variance per column."""\n'
        "    return (matrix - matrix.mean(axis=0)) / matrix.std(axis=0)",
        "functions",
    ),
    code("%pip install scikit-learn\ndata = load_iris()\nX = standardize(data.data)", "step:load"),
    code("!echo loaded\ny = data.target"),
    code("import matplotlib.pyplot as plt\nplt.plot(X[:, 0])", "skip"),
    code(
        "order = np.random.permutation(len(y))\ncut = int(len(y) * (1 - holdout))\n"
        "train_idx, test_idx = order[:cut], order[cut:]",
        "step:split",
    ),
    code(
        "from sklearn.linear_model import LogisticRegression\n"
        "clf = LogisticRegression(C=C, max_iter=max_iter)\n%time clf.fit(X[train_idx], y[train_idx])",
        "step:train",
        "model:clf",
    ),
    code(
        "predictions = clf.predict(X[test_idx])\naccuracy = float((predictions == y[test_idx]).mean())\n"
        'notes = []\nnotes.append("evaluated")',
        "step:evaluate",
        "prev:train",
    ),
    code('{"accuracy": accuracy, "n_test": len(test_idx)}', "metrics"),
    code("assert 0.5 < accuracy <= 1.0\nassert len(predictions) == len(test_idx)", "test"),
)

KALE = notebook(
    code("import random\n\nfrom sklearn.datasets import load_wine", "imports"),
    code("alpha = 0.5\nsamples = 60", "pipeline-parameters"),
    code(
        "wine = load_wine(as_frame=True)\nframe = wine.frame.sample(n=samples, random_state=0)", "block:load"
    ),
    code("frame = frame.dropna()\nnoise = random.random()", "block:clean", "prev:load"),
    code(
        "from sklearn.linear_model import Ridge\nmodel = Ridge(alpha=alpha)\n"
        'model.fit(frame.drop(columns="target"), frame["target"])\n'
        'score = model.score(frame.drop(columns="target"), frame["target"])',
        "block:fit",
        "prev:clean",
    ),
    code("print(score)\nprint(noise)", "pipeline-metrics"),
    code("limit = 1", "limit:nvidia.com/gpu:1", "block:tail"),
)

HEADINGS = notebook(
    markdown("# Headings only\nNo step tags: soorgeon-style split at `##` headings."),
    code("import math"),
    code("base = 3", "parameters"),
    markdown("## Load numbers"),
    code("numbers = [base * i for i in range(5)]"),
    markdown("## Summarize"),
    code("total = sum(numbers)\nroot = math.sqrt(total)"),
    markdown("### a sub-heading stays in the step"),
    code("ratio = root / total"),
    code("root, ratio", "metrics"),
)

CORPUS = {"tagged_pipeline": TAGGED, "kale_spelling": KALE, "headings": HEADINGS}

if __name__ == "__main__":
    for name, node in CORPUS.items():
        nbformat.validate(node)
        nbformat.write(node, HERE / f"{name}.ipynb")
        print(f"wrote {name}.ipynb")
