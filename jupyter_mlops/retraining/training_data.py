"""A run's training data: the tabular files (CSV, TSV, Parquet) it reads, found without running it.

A notebook's are the relative paths its code passes as string literals to `pd.read_csv`, `open`, ... and
reads before writing them (nb2prod's `converters.data_files`, the same files a generated pipeline logs as
MLflow dataset inputs), plus string parameters whose value names such a file (a scheduled run usually passes
the new data's path as a parameter); a package's are its `INPUT_FILES` in its working folder. `--profile-data
FILE` names them explicitly instead. Only files that exist and are tables count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import libcst as cst

from converters.data_files import find_data_files, read_paths
from jupyter_mlops.retraining.errors import BadInputError

if TYPE_CHECKING:
    import pandas as pd

    from jupyter_mlops.retraining.target import Target

TABLE_SUFFIXES = (".csv", ".tsv", ".parquet")


def is_table_file(path: Path) -> bool:
    """A CSV, TSV or Parquet file that exists."""
    return path.suffix.lower() in TABLE_SUFFIXES and path.is_file()


def notebook_read_paths(sources: Iterable[tuple[int, str]]) -> tuple[str, ...]:
    """Relative paths the code cells read; magics become Python first (IPython's TransformerManager), a
    cell that still does not parse is skipped."""
    from IPython.core.inputtransformer2 import TransformerManager

    transformer = TransformerManager()
    found = []
    for index, source in sources:
        try:
            found.extend(find_data_files([(index, transformer.transform_cell(source))]))
        except (cst.ParserSyntaxError, SyntaxError, ValueError):
            continue
    return read_paths(found)


def _notebook_files(target: Target, parameters: Mapping[str, object]) -> list[Path]:
    notebook = getattr(target, "notebook")  # noqa: B009 - NotebookTarget; the protocol does not name it
    folder = target.path.parent
    cells = [(i, cell.source) for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    paths = [folder / relative for relative in notebook_read_paths(cells)]
    effective = {**target.spec.defaults(), **parameters}
    paths += [folder / value for value in effective.values() if isinstance(value, str) and value.strip()]
    return paths


def data_folder(target: Target) -> Path:
    """Where the target reads its relative paths: the notebook's folder, or the package's working folder."""
    pipeline = getattr(target, "pipeline", None)
    working_directory = getattr(pipeline, "working_directory", None)
    if target.kind == "package" and callable(working_directory):
        return Path(working_directory())
    return target.path.parent


def _package_files(target: Target) -> list[Path]:
    pipeline = getattr(target, "pipeline")  # noqa: B009 - PackageTarget; the protocol does not name it
    folder = data_folder(target)
    return [folder / name for name in tuple(getattr(pipeline, "INPUT_FILES", ()))]


def training_files(
    target: Target, parameters: Mapping[str, object], explicit: Iterable[Path] = ()
) -> list[Path]:
    """The run's training tables, each once, in the order found (explicit files must exist and be tables)."""
    chosen = list(explicit)
    for path in chosen:
        if not is_table_file(path):
            raise BadInputError(f"--profile-data {path}: not an existing {', '.join(TABLE_SUFFIXES)} file")
    if not chosen:
        chosen = _notebook_files(target, parameters) if target.kind == "notebook" else _package_files(target)
    unique: dict[Path, None] = {}
    for path in chosen:
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):
            continue
        if is_table_file(resolved):
            unique[resolved] = None
    return list(unique)


def read_table(path: Path) -> pd.DataFrame:
    """A CSV/TSV/Parquet file as a DataFrame."""
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",")


def table_name(path: Path, base: Path) -> str:
    """The name a table is matched by between runs: its path relative to the target's folder, else its
    file name."""
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.name
