"""`python -m wine_quality_kale`: run the pipeline and print the MLflow run id."""

import sys

from wine_quality_kale.pipeline import main

sys.exit(main())
