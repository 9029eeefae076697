"""README.md's nb2prod section (summary + tag table from converters.tags): python -m converters.readme."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from converters.tags import tags_markdown

MARKER = "<!-- section:nb2prod (converter team: docs/nb2prod.md holds the details) -->"

SUMMARY = """\
`nb2prod NOTEBOOK -o OUTDIR [--name PKG] [--force] [--check]` turns a tagged notebook into a package:
`PKG/steps.py` (one plain function per step; its arguments are the names it reads from parameters or
earlier steps, found with libcst's scope analysis), `PKG/pipeline.py` (runs the steps in one MLflow run:
parameters, metrics, the `model:` object (sklearn flavor), the notebook and its sha256, the git commit),
`python -m PKG --PARAM VALUE` (`--help` lists every parameter with type and default), `tests/` (a test per
step, the notebook's `test` cells, and a **parity test** that runs the original notebook with papermill and
compares every step's outputs with the pipeline's), `requirements.txt`, `MLproject` and a conversion report.
Hidden kernel state, dependency cycles, misspelled tags and magics without a faithful translation are refused
with the cell, tag and line (exit code 2, nothing written). Output is byte-for-byte deterministic and written
atomically; `nb2prod --check` exits 1 when OUTDIR is stale. `--force` replaces only the files nb2prod's
manifest lists, keeps `mlflow.db`/`mlruns/`, and refuses (naming them) when OUTDIR holds anything else.

```bash
nb2prod examples/iris_classifier.ipynb -o examples/generated/iris_classifier
pytest examples/generated/iris_classifier                 # step tests, test cells, parity with the notebook
cd examples/generated/iris_classifier && python -m iris_classifier --n_estimators 50   # prints the run id
```

Tags (cell metadata `tags`; table generated from `converters/tags.py` by `python -m converters.readme`):

"""


def section_text() -> str:
    """The section's body: summary, tag table, pointer to the full documentation."""
    return (
        SUMMARY + tags_markdown() + "\nDetails, design and known gaps: [docs/nb2prod.md](docs/nb2prod.md).\n"
    )


def update_readme(path: Path) -> bool:
    """Rewrite the text between the nb2prod marker and the next `## ` heading; True when it changed."""
    text = path.read_text(encoding="utf-8")
    start = text.index(MARKER) + len(MARKER)
    following = re.compile(r"^## ", re.MULTILINE).search(text, start)
    end = following.start() if following else len(text)
    updated = text[:start] + "\n\n" + section_text() + "\n" + text[end:]
    if updated != text:
        path.write_text(updated, encoding="utf-8")
    return updated != text


if __name__ == "__main__":
    readme = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "README.md"
    print("updated" if update_readme(readme) else "up to date", readme)
