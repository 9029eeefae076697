"""Production package converted by nb2prod from `wine_quality_kale.ipynb`."""

from wine_quality_kale import figures

HEADLESS_PLOTS: bool = False  # the notebook imports matplotlib
if HEADLESS_PLOTS:
    figures.use_headless_backend()  # before the steps import pyplot

from wine_quality_kale.pipeline import (  # noqa: E402
    EXPERIMENT_NAME,
    MODEL_VARIABLE,
    PARAMETER_TYPES,
    PARAMETERS,
    main,
    run,
    run_steps,
)

__all__ = ["EXPERIMENT_NAME", "MODEL_VARIABLE", "PARAMETERS", "PARAMETER_TYPES", "main", "run", "run_steps"]
