"""The domain core: REST contract, errors, MLflow tracking and registry, experiment naming; no server code."""
