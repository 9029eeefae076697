"""The skops trust list, computed once per type fingerprint: models holding the same types share it, and a
shared list that falls short is replaced by the model's own, on the real skops and MLflow save."""

from __future__ import annotations

import mlflow.models
import mlflow.sklearn
import numpy as np
import pytest
from mlflow import MlflowClient
from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor
from sklearn.preprocessing import FunctionTransformer

from jupyter_mlops.core.session import TrackingSession
from jupyter_mlops.retraining import models
from jupyter_mlops.retraining.models import TrustedTypes, log_sklearn_model, trusted_types, type_fingerprint

X = np.random.default_rng(0).normal(size=(60, 3))
Y = X @ np.array([1.0, -2.0, 0.5])


def test_models_of_the_same_types_share_a_fingerprint_and_other_types_do_not() -> None:
    small = GradientBoostingRegressor(n_estimators=3, max_depth=2).fit(X, Y)
    large = GradientBoostingRegressor(n_estimators=9, max_depth=4, learning_rate=0.3).fit(X, Y)
    forest = RandomForestRegressor(n_estimators=3).fit(X, Y)
    assert type_fingerprint(small) == type_fingerprint(large)
    assert type_fingerprint(small) != type_fingerprint(forest)
    assert "sklearn.tree._tree.Tree" in (type_fingerprint(forest) or ())


def test_a_model_pickle_cannot_walk_has_no_fingerprint_and_is_judged_alone() -> None:
    model = FunctionTransformer(lambda values: values).fit(X)
    assert type_fingerprint(model) is None
    listed, shared = TrustedTypes().of(model)
    assert not shared and any(name.endswith("<lambda>") for name in listed)


def test_the_second_model_of_a_kind_reuses_the_first_ones_list_which_is_its_own() -> None:
    cache = TrustedTypes()
    first = GradientBoostingRegressor(n_estimators=3).fit(X, Y)
    second = GradientBoostingRegressor(n_estimators=5, max_depth=2).fit(X, Y)
    assert cache.of(first) == (trusted_types(first), False)
    assert cache.of(second) == (trusted_types(second), True)


def test_a_shared_list_that_falls_short_is_replaced_by_the_models_own(
    tracking_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = GradientBoostingRegressor(n_estimators=3).fit(X, Y)
    short = TrustedTypes()
    short._by_fingerprint[type_fingerprint(model)] = []  # as if an earlier model of these types needed none
    monkeypatch.setattr(models, "TRUSTED_TYPES", short)
    client = MlflowClient(tracking_uri)
    run = client.create_run(client.create_experiment("trust"))
    uri = log_sklearn_model(model, run.info.run_id, TrackingSession(tracking_uri))
    assert mlflow.models.get_model_info(uri).flavors["sklearn"]["skops_trusted_types"] == trusted_types(model)
    assert np.allclose(mlflow.sklearn.load_model(uri).predict(X), model.predict(X))
