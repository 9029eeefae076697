"""A run's reference profile: a bounded sample of each training table plus per-column statistics.

Logged as artifacts `drift/profile.json` (tables, rows, SHA-256, per-column kind, missing share, mean/std/
min/max or top values) and `drift/reference/<n>.parquet` (at most `SAMPLE_ROWS` rows, drawn with a fixed
seed), so a later run can test its own data against the champion's without the champion's files.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from jupyter_mlops.core.session import TrackingSession
from jupyter_mlops.retraining.drift_stats import column_kind

if TYPE_CHECKING:
    import pandas as pd
    from mlflow import MlflowClient

ARTIFACT_DIR = "drift"
PROFILE_FILE = "profile.json"
SAMPLE_ROWS = 5000
SAMPLE_SEED = 0
PROFILE_FORMAT = 1
TOP_VALUES = 10
PROFILE_TAG = "jupyter_mlops.drift.profile"


@dataclass(frozen=True)
class Table:
    """One training table: its name (relative path), file digest, full row count and bounded sample."""

    name: str
    sha256: str
    rows: int
    sample: pd.DataFrame


def bounded_sample(frame: pd.DataFrame, rows: int = SAMPLE_ROWS) -> pd.DataFrame:
    """The frame itself when small, else `rows` rows drawn with a fixed seed (kept in their order)."""
    if len(frame) <= rows:
        return frame.reset_index(drop=True)
    return frame.sample(n=rows, random_state=SAMPLE_SEED).sort_index().reset_index(drop=True)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def column_profile(values: pd.Series) -> dict[str, object]:
    """Kind, missing share and either mean/std/min/max (numbers) or the most frequent values."""
    present = values.dropna()
    profile: dict[str, object] = {
        "kind": column_kind(values),
        "dtype": str(values.dtype),
        "missing_share": float(values.isna().mean()) if len(values) else 0.0,
        "unique": int(present.astype(str).nunique()),
    }
    if profile["kind"] == "numeric" and len(present):
        numbers = present.astype(float)
        profile.update(
            mean=float(numbers.mean()),
            std=float(numbers.std(ddof=0)),
            min=float(numbers.min()),
            max=float(numbers.max()),
        )
    else:
        counts = present.astype(str).value_counts().head(TOP_VALUES)
        profile["top"] = {str(label): int(count) for label, count in counts.items()}
    return profile


def profile_document(tables: list[Table]) -> dict[str, object]:
    """The content of drift/profile.json."""
    return {
        "format": PROFILE_FORMAT,
        "sample_rows_max": SAMPLE_ROWS,
        "tables": [
            {
                "name": table.name,
                "sha256": table.sha256,
                "rows": table.rows,
                "sample_rows": len(table.sample),
                "sample": f"reference/{index}.parquet",
                "columns": {str(c): column_profile(table.sample[c]) for c in table.sample.columns},
            }
            for index, table in enumerate(tables)
        ],
    }


def write_profile(tables: list[Table], folder: Path) -> None:
    """profile.json and reference/<n>.parquet into `folder`."""
    (folder / "reference").mkdir(parents=True, exist_ok=True)
    for index, table in enumerate(tables):
        sample = table.sample.copy()
        sample.columns = [str(c) for c in sample.columns]
        sample.to_parquet(folder / "reference" / f"{index}.parquet", index=False)
    (folder / PROFILE_FILE).write_text(json.dumps(profile_document(tables), indent=1))


def log_reference_profile(session: TrackingSession, run_id: str, tables: list[Table]) -> None:
    """Upload the profile and samples under `drift/` of the run (one artifact call) and tag the run."""
    if not tables:
        return
    with tempfile.TemporaryDirectory(prefix="jupyter-mlops-profile-") as folder:
        write_profile(tables, Path(folder))
        session.call(
            f"log the reference profile of run {run_id}",
            lambda client: client.log_artifacts(run_id, folder, ARTIFACT_DIR),
        )
    names = ", ".join(f"{table.name} ({table.rows} rows)" for table in tables)
    session.log_batch(run_id, tags={PROFILE_TAG: names})


def load_reference(session: TrackingSession, run_id: str) -> list[Table] | None:
    """The reference tables a run logged, or None when it logged no profile."""
    import pandas as pd

    def download(client: MlflowClient) -> list[Table] | None:
        names = {entry.path for entry in client.list_artifacts(run_id, ARTIFACT_DIR)}
        if f"{ARTIFACT_DIR}/{PROFILE_FILE}" not in names:
            return None
        with tempfile.TemporaryDirectory(prefix="jupyter-mlops-reference-") as folder:
            local = Path(client.download_artifacts(run_id, ARTIFACT_DIR, folder))
            document = json.loads((local / PROFILE_FILE).read_text())
            return [
                Table(
                    name=str(entry["name"]),
                    sha256=str(entry["sha256"]),
                    rows=int(entry["rows"]),
                    sample=pd.read_parquet(local / entry["sample"]),
                )
                for entry in document.get("tables", [])
            ]

    return session.call(f"read the reference profile of run {run_id}", download)


def tables_from_files(paths: list[Path], base: Path) -> list[Table]:
    """Read each training file into a Table (name relative to `base`)."""
    from jupyter_mlops.retraining.training_data import read_table, table_name

    tables = []
    for path in paths:
        frame = read_table(path)
        tables.append(Table(table_name(path, base), file_sha256(path), len(frame), bounded_sample(frame)))
    return tables
