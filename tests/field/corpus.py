"""Where the field corpus lives: the notebooks kept in this repository, and the larger set kept beside it.

`tests/field/notebooks/` holds the scikit-learn gallery notebooks committed here. The rest of the corpus is
public notebooks taken from snapshots of their repositories, which this project does not commit: they live
in a folder of their own, found through `NB2PROD_FIELD_CORPUS`, else at `shared/field-corpus/notebooks`
beside the repository (where CI's copy of shared/ is). SOURCES.md says where each one comes from.
"""

from __future__ import annotations

import os
from pathlib import Path

IN_REPOSITORY = Path(__file__).resolve().parent / "notebooks"
REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


def external_corpus() -> Path:
    """The folder of corpus notebooks not committed here (it may not exist)."""
    configured = os.environ.get("NB2PROD_FIELD_CORPUS")
    if configured:
        return Path(configured)
    return REPOSITORY_ROOT.parent / "shared" / "field-corpus" / "notebooks"


def corpus_notebooks() -> dict[str, Path]:
    """Every corpus notebook found, by file stem (the name its expected outcome is filed under)."""
    found = {path.stem: path for path in sorted(IN_REPOSITORY.glob("*.ipynb"))}
    external = external_corpus()
    if external.is_dir():
        found.update({path.stem: path for path in sorted(external.glob("*.ipynb"))})
    return found
