"""Serve a registered model version: MLServer (Seldon's inference server) or `mlflow models serve`.

`model_version` resolves `models:/NAME@ALIAS`, `export` writes what a cluster needs (MLServer settings and a
Seldon Core v2 `Model`), `engines` finds and commands the servers, `process` runs one, `follow` moves MLServer
to the version an alias points at, and `serve` orders these steps for `jupyter-mlops serve`.
"""
