"""nb2prod: convert a tagged Jupyter notebook into a tested, MLflow-tracked production package."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("jupyter-mlops")  # one source: package.json, read at build time
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
