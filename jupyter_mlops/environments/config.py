"""The environments a model can be promoted to, read once from `environments.yaml`.

```yaml
environments:
  staging:                      # same registry: the version gets the alias `staging`
    mode: alias
  prod:                         # another MLflow server: the version is copied there
    tracking_uri: https://mlflow-prod.example.com
    username_env: PROD_MLFLOW_USER      # names of variables holding the credentials, never the secrets
    password_env: PROD_MLFLOW_PASSWORD
    alias: champion                     # optional: alias moved to the copy in the target
```

The file is `$JUPYTER_MLOPS_ENVIRONMENTS`, else `$XDG_CONFIG_HOME/jupyter-mlops/environments.yaml` (default
`~/.config/...`). `--to` also takes a registry URI (`http(s)://…`, `sqlite:///…`): a copy there, signed in
as the current MLflow user.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_mlops.core.config_files import ConfigFileError, user_config_file, yaml_section
from jupyter_mlops.retraining.errors import BadInputError

CONFIG_ENV = "JUPYTER_MLOPS_ENVIRONMENTS"
MODES = ("alias", "copy")
URI_PREFIXES = ("http://", "https://", "sqlite:///", "postgresql://", "mysql://", "databricks")
KEYS = {
    "mode",
    "tracking_uri",
    "alias",
    "model_name",
    "experiment",
    "username_env",
    "password_env",
    "token_env",
}
DEFAULT_EXPERIMENT = "promoted-models"


@dataclass(frozen=True)
class Environment:
    """One target: an alias in the source registry (`alias`) or a copy into another registry (`copy`)."""

    name: str
    mode: str = "copy"
    tracking_uri: str | None = None  # copy: the target registry; None = the source registry
    alias: str | None = None  # alias mode: the alias to set (default: the environment's name)
    model_name: str | None = None  # copy: the registered model in the target (default: the same name)
    experiment: str = DEFAULT_EXPERIMENT  # copy: where the copied LoggedModel is filed in the target
    username_env: str | None = None
    password_env: str | None = None
    token_env: str | None = None

    @property
    def alias_to_set(self) -> str | None:
        """The alias the promotion moves (alias mode: always; copy mode: when configured)."""
        return self.alias or self.name if self.mode == "alias" else self.alias


def config_path() -> Path:
    """Where the environments are configured."""
    return user_config_file("environments.yaml", CONFIG_ENV)


def load_environments(path: Path | None = None) -> dict[str, Environment]:
    """The configured environments by name ({} when there is no file)."""
    path = path or config_path()
    if not path.is_file():
        return {}
    try:
        entries = yaml_section(path, "environments", "a mapping `environments: {NAME: {...}}`")
    except ConfigFileError as error:
        raise BadInputError(str(error)) from None
    return {str(name): _environment(path, str(name), entry) for name, entry in entries.items()}


def _environment(path: Path, name: str, entry: Any) -> Environment:
    entry = entry or {}
    if not isinstance(entry, dict):
        raise BadInputError(f"{path}: environment {name!r} must be a mapping")
    unknown = sorted(set(map(str, entry)) - KEYS)
    if unknown:
        raise BadInputError(
            f"{path}: environment {name!r} has unknown keys {', '.join(unknown)}; "
            f"known: {', '.join(sorted(KEYS))}"
        )
    values = {key: str(value) for key, value in entry.items() if value is not None}
    mode = values.get("mode", "copy" if "tracking_uri" in values else "alias")
    if mode not in MODES:
        raise BadInputError(f"{path}: environment {name!r}: mode must be one of {', '.join(MODES)}")
    if mode == "alias" and "tracking_uri" in values:
        raise BadInputError(
            f"{path}: environment {name!r}: an alias lives in the source registry; drop tracking_uri"
        )
    values["mode"] = mode
    return Environment(name=name, **values)


def resolve_environment(target: str, environments: dict[str, Environment] | None = None) -> Environment:
    """`--to TARGET`: a configured environment, or a registry URI (a copy there)."""
    environments = load_environments() if environments is None else environments
    if target in environments:
        return environments[target]
    if target.startswith(URI_PREFIXES):
        return Environment(name=target, mode="copy", tracking_uri=target)
    known = ", ".join(sorted(environments)) or f"none configured in {config_path()}"
    raise BadInputError(f"unknown environment {target!r}; known: {known} (or give a registry URI)")
