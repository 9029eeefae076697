"""Production package converted by nb2prod from `diabetes_regression.ipynb`."""

from diabetes_regression.pipeline import (
    EXPERIMENT_NAME,
    MODEL_VARIABLE,
    PARAMETER_TYPES,
    PARAMETERS,
    main,
    run,
    run_steps,
)

__all__ = ["EXPERIMENT_NAME", "MODEL_VARIABLE", "PARAMETERS", "PARAMETER_TYPES", "main", "run", "run_steps"]
