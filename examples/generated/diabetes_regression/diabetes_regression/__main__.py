"""`python -m diabetes_regression`: run the pipeline and print the MLflow run id."""

import sys

from diabetes_regression.pipeline import main

sys.exit(main())
