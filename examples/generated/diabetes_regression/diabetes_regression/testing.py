"""Test helpers of `diabetes_regression` (from nb2prod): per-step seeds, snapshots, type-aware equality."""

from __future__ import annotations

import math
import pickle
import zlib
from collections.abc import Callable

from diabetes_regression import pipeline

# Floats (scalars, arrays, DataFrames) compare within these tolerances; everything else exactly.
RELATIVE_TOLERANCE = 1e-9
ABSOLUTE_TOLERANCE = 1e-12
# Marks a value compared by its type name only (the notebook side writes the same marker).
TYPE_ONLY = "<type only: "
NOTEBOOK_CODE = pipeline.steps.__name__.encode()


def step_seed(step_name: str) -> int:
    """The seed both the notebook and the pipeline use right before a step (stable across processes)."""
    return zlib.crc32(step_name.encode("utf-8"))


def freeze(values: dict[str, object]) -> dict[str, object]:
    """A copy of a step's outputs taken right away (later steps may change objects in place).

    Values that cannot be pickled, or that refer to code defined in the notebook (its functions, classes
    and their instances: `__main__` in the notebook, `steps` here), are kept as their type name only.
    """
    frozen: dict[str, object] = {}
    for name, value in values.items():
        try:
            data = pickle.dumps(value)
        except Exception:
            data = None
        if data is None or NOTEBOOK_CODE in data:
            frozen[name] = f"{TYPE_ONLY}{type(value).__qualname__}>"
        else:
            frozen[name] = pickle.loads(data)
    return frozen


def differences(expected: object, actual: object, where: str = "value") -> list[str]:
    """Type-aware equality: numbers, ndarrays, DataFrames, estimators (params + fitted arrays), containers."""
    if type(expected) is not type(actual):
        kinds = f"{type(expected).__name__} in the notebook, {type(actual).__name__} in the pipeline"
        return [f"{where}: type {kinds}"]
    module = type(expected).__module__.split(".")[0]
    if module == "numpy" and hasattr(expected, "shape"):
        import numpy

        if expected.shape != actual.shape or expected.dtype != actual.dtype:
            return [f"{where}: array {expected.shape}/{expected.dtype} vs {actual.shape}/{actual.dtype}"]
        if numpy.issubdtype(expected.dtype, numpy.inexact):
            same = numpy.allclose(
                expected, actual, rtol=RELATIVE_TOLERANCE, atol=ABSOLUTE_TOLERANCE, equal_nan=True
            )
        else:
            same = numpy.array_equal(expected, actual)
        return [] if same else [f"{where}: arrays differ"]
    if module == "pandas":
        import pandas.testing

        check = {
            "DataFrame": pandas.testing.assert_frame_equal,
            "Series": pandas.testing.assert_series_equal,
        }.get(type(expected).__name__, pandas.testing.assert_index_equal)
        try:
            check(expected, actual, check_exact=False, rtol=RELATIVE_TOLERANCE, atol=ABSOLUTE_TOLERANCE)
        except AssertionError as error:
            return [f"{where}: {str(error).splitlines()[0]}"]
        return []
    if isinstance(expected, float) or (module == "numpy" and hasattr(expected, "dtype")):
        value, other = float(expected), float(actual)  # type: ignore[arg-type]
        if math.isnan(value) and math.isnan(other):
            return []
        same = math.isclose(value, other, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE)
        return [] if same else [f"{where}: {value!r} in the notebook, {other!r} in the pipeline"]
    if isinstance(expected, dict):
        assert isinstance(actual, dict)
        if list(expected) != list(actual):
            return [f"{where}: keys {list(expected)} vs {list(actual)}"]
        return [
            item for key in expected for item in differences(expected[key], actual[key], f"{where}[{key!r}]")
        ]
    if isinstance(expected, (list, tuple)):
        assert isinstance(actual, (list, tuple))
        if len(expected) != len(actual):
            return [f"{where}: length {len(expected)} vs {len(actual)}"]
        return [
            item
            for index, (left, right) in enumerate(zip(expected, actual, strict=True))
            for item in differences(left, right, f"{where}[{index}]")
        ]
    if hasattr(expected, "get_params") and hasattr(expected, "fit"):
        parameters = expected.get_params(deep=False), actual.get_params(deep=False)
        found = differences(*parameters, f"{where}.get_params()")
        for attribute in sorted(vars(expected)):
            if attribute.endswith("_") and not attribute.startswith("_"):
                fitted = getattr(expected, attribute)
                if isinstance(fitted, (int, float, str, tuple, list)) or hasattr(fitted, "dtype"):
                    found += differences(fitted, getattr(actual, attribute, None), f"{where}.{attribute}")
        return found
    try:
        same = expected == actual
    except Exception:
        same = NotImplemented
    if isinstance(same, bool):
        return [] if same else [f"{where}: {expected!r} in the notebook, {actual!r} in the pipeline"]
    try:
        return [] if pickle.dumps(expected) == pickle.dumps(actual) else [f"{where}: pickled forms differ"]
    except Exception:
        return []


def seeded_run(after_step: Callable[..., None] | None = None) -> dict[str, object]:
    """The pipeline on its default parameters, seeded before each step exactly as the parity test seeds."""
    return pipeline.execute_steps(
        dict(pipeline.PARAMETERS),
        before_step=lambda step, state: pipeline.seed_everything(step_seed(step.name)),
        after_step=after_step,
    )
