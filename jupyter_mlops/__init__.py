"""jupyter-mlops: track, register, promote and retrain notebook models with MLflow from JupyterLab."""

from __future__ import annotations

from typing import Any

from converters import __version__  # the distribution's version (one source: package.json)

__all__ = ["__version__", "start_run"]


def __getattr__(name: str) -> Any:
    """Import `start_run` lazily, so `import jupyter_mlops` stays light (no MLflow import)."""
    if name == "start_run":
        from jupyter_mlops.notebook_run import start_run

        return start_run
    raise AttributeError(f"module 'jupyter_mlops' has no attribute {name!r}")


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Tell JupyterLab where the prebuilt frontend extension lives."""
    return [{"src": "labextension", "dest": "jupyter-mlops"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    """Point jupyter_server at the extension app (imported lazily so `import jupyter_mlops` stays light)."""
    from jupyter_mlops.server.extension import JupyterMLOps

    return [{"module": "jupyter_mlops.server.extension", "app": JupyterMLOps}]
