"""`python -m iris_classifier`: run the pipeline and print the MLflow run id."""

import sys

from iris_classifier.pipeline import main

sys.exit(main())
