"""Start and stop a throwaway PostgreSQL 15 cluster on 127.0.0.1 (MLflow's backend store at scale).

Debian's binaries (`apt-get install postgresql`, in /usr/lib/postgresql/15/bin) run as the current user, or
as `nobody` through `runuser` when that user is root (initdb refuses root). The cluster lives in its own
temporary folder (owned by that user; a unix socket there and a free TCP port on loopback), trusts local
connections, holds one database (`mlflow`) and is deleted by `stop()`.
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.mlflow_server import free_port


def _postgres_bin() -> Path:
    """$JUPYTER_MLOPS_POSTGRES_BIN, else the newest /usr/lib/postgresql/N/bin (Debian's layout), else 15's."""
    if "JUPYTER_MLOPS_POSTGRES_BIN" in os.environ:
        return Path(os.environ["JUPYTER_MLOPS_POSTGRES_BIN"])
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


POSTGRES_BIN = _postgres_bin()
UNPRIVILEGED_USER = "nobody"
ROLE = "mlflow"


def postgres_available() -> bool:
    """Whether the PostgreSQL server binaries are installed (scripts/install-system-deps.sh installs them)."""
    return (POSTGRES_BIN / "initdb").exists() and (POSTGRES_BIN / "pg_ctl").exists()


@dataclass
class PostgresCluster:
    """A real PostgreSQL server with one database, `database`, owned by role `mlflow` (trust auth)."""

    database: str = "mlflow"
    port: int = field(default_factory=free_port)
    settings: dict[str, str] = field(default_factory=dict)  # extra `-c name=value` server settings
    root: Path | None = None

    @property
    def uri(self) -> str:
        """The URI MLflow takes as `--backend-store-uri` (psycopg2: SQLAlchemy 2.1 defaults to psycopg 3)."""
        return f"postgresql+psycopg2://{ROLE}@127.0.0.1:{self.port}/{self.database}"

    @property
    def _data(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    @property
    def log_path(self) -> Path:
        assert self.root is not None
        return self.root / "postgres.log"

    def _as_owner(self, command: list[str]) -> list[str]:
        return ["runuser", "-u", UNPRIVILEGED_USER, "--", *command] if os.geteuid() == 0 else command

    def _run(self, command: list[str]) -> None:
        completed = subprocess.run(self._as_owner(command), capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            log = self.log_path.read_text() if self.log_path.exists() else ""
            raise RuntimeError(
                f"{shlex.join(command)} failed ({completed.returncode}):\n"
                f"{completed.stdout}{completed.stderr}{log}"
            )

    def start(self) -> PostgresCluster:
        """initdb, start, create the database; blocks until the server accepts connections."""
        if not postgres_available():
            raise RuntimeError(
                f"PostgreSQL binaries not found in {POSTGRES_BIN}: run scripts/install-system-deps.sh"
            )
        self.root = Path(tempfile.mkdtemp(prefix="jupyter-mlops-pg-"))
        if os.geteuid() == 0:
            owner = pwd.getpwnam(UNPRIVILEGED_USER)
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        initdb, pg_ctl, psql = (str(POSTGRES_BIN / name) for name in ("initdb", "pg_ctl", "psql"))
        data = str(self._data)
        self._run([initdb, "-D", data, "-U", ROLE, "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"])
        options = ["-k", str(self.root), "-p", str(self.port), "-c", "listen_addresses=127.0.0.1"]
        for name, value in self.settings.items():
            options += ["-c", f"{name}={value}"]
        server_options = shlex.join(options)
        self._run(
            [pg_ctl, "-D", data, "-l", str(self.log_path), "-w", "-t", "120", "-o", server_options, "start"]
        )
        create = f'CREATE DATABASE "{self.database}"'
        self._run(
            [psql, "-h", str(self.root), "-p", str(self.port), "-U", ROLE, "-d", "postgres", "-qc", create]
        )
        return self

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its folder."""
        if self.root is None:
            return
        if (self._data / "postmaster.pid").exists():
            self._run([str(POSTGRES_BIN / "pg_ctl"), "-D", str(self._data), "-m", "fast", "-w", "stop"])
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None
