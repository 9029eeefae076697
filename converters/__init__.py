"""nb2prod: convert a tagged Jupyter notebook into a tested, MLflow-tracked production package."""

__version__ = "0.1.0"
