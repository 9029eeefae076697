"""Feast features of a training run: recorded on the run, compared by the gate with the champion's.

In the notebook, right after `store.get_historical_features(...)`:

```python
from jupyter_mlops.retraining.features import log_feast_features

training = store.get_historical_features(entity_df=entities, features=service).to_df()
log_feast_features(store, entities, service)
```

The active MLflow run (the generated pipeline's, `jupyter_mlops.start_run()`'s, or the run
`jupyter-mlops run` opened, named by `MLFLOW_RUN_ID`) gets the Feast project, the feature service, the feature
references and one digest per feature view (of its definition, Feast's own protobuf spec), and the entity
frame as a dataset input with its digest. A definition that changes gets another digest, which is how the gate
tells that a feature view changed since the champion was trained.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from typing import Any

from jupyter_mlops.core.session import MAX_TAG_VALUE, TrackingSession, clip

TAG = "jupyter_mlops.feast"
VIEW_TAG = f"{TAG}.view."
ENTITY_DATASET = "feast-entity-df"


def view_names(features: Any) -> tuple[str | None, list[str], list[str]]:
    """(feature service name or None, feature view names, `view:feature` references) of `features`:
    a Feast FeatureService or a list of `view:feature` strings."""
    projections = getattr(features, "feature_view_projections", None)
    if projections is not None:
        references = [f"{p.name_to_use()}:{field.name}" for p in projections for field in p.features]
        return str(features.name), sorted({p.name for p in projections}), references
    references = [str(reference) for reference in features]
    return None, sorted({reference.split(":", 1)[0] for reference in references}), references


def view_digest(store: Any, name: str) -> str:
    """A digest of feature view `name`'s definition (its spec; not its timestamps)."""
    spec = store.get_feature_view(name).to_proto().spec
    return hashlib.sha256(spec.SerializeToString(deterministic=True)).hexdigest()[:16]


def feast_tags(store: Any, features: Any) -> dict[str, str]:
    """The run tags that say which features a run was trained on."""
    service, views, references = view_names(features)
    tags = {
        f"{TAG}.project": str(store.project),
        f"{TAG}.features": clip(",".join(references), MAX_TAG_VALUE),
    }
    if service:
        tags[f"{TAG}.feature_service"] = service
    tags.update({f"{VIEW_TAG}{name}": view_digest(store, name) for name in views})
    return tags


def log_feast_features(store: Any, entity_df: Any, features: Any) -> dict[str, str]:
    """Record the features and the entity frame on the active MLflow run (or `MLFLOW_RUN_ID`'s); return the
    tags, which are also returned when there is no run to record them on."""
    import mlflow
    from mlflow.entities import DatasetInput, InputTag, RunTag
    from mlflow.utils.mlflow_tags import MLFLOW_DATASET_CONTEXT

    tags = feast_tags(store, features)
    run = mlflow.active_run()
    run_id = run.info.run_id if run is not None else os.environ.get("MLFLOW_RUN_ID")
    if run_id is None:
        return tags
    client = mlflow.MlflowClient()
    client.log_batch(run_id, tags=[RunTag(key, value) for key, value in tags.items()])
    dataset = mlflow.data.from_pandas(entity_df, name=ENTITY_DATASET)
    context = InputTag(MLFLOW_DATASET_CONTEXT, "training")
    # what mlflow.log_input does, for a run that may not be this process's active run
    client.log_inputs(run_id, datasets=[DatasetInput(dataset._to_mlflow_entity(), tags=[context])])
    return tags


def view_changes(
    champion: Mapping[str, str], challenger: Mapping[str, str], champion_version: str
) -> list[str]:
    """What changed in the feature views between the champion's run tags and the challenger's."""
    before = {key[len(VIEW_TAG) :]: value for key, value in champion.items() if key.startswith(VIEW_TAG)}
    after = {key[len(VIEW_TAG) :]: value for key, value in challenger.items() if key.startswith(VIEW_TAG)}
    changes = [
        f"feature view {name!r} changed since champion version {champion_version} was trained"
        for name in sorted(before.keys() & after.keys())
        if before[name] != after[name]
    ]
    changes += [
        f"feature view {name!r} is new (not used by version {champion_version})"
        for name in sorted(after.keys() - before.keys())
    ]
    changes += [f"feature view {name!r} is no longer used" for name in sorted(before.keys() - after.keys())]
    return changes


def champion_feature_changes(
    session: TrackingSession, model_name: str, alias: str, run_id: str
) -> Sequence[str]:
    """`view_changes` between the run holding `model_name@alias` and run `run_id` (none without a champion
    or without Feast tags on both)."""
    from jupyter_mlops.core.error_kinds import ErrorKind, classify

    def read(client: Any) -> Sequence[str]:
        try:
            champion = client.get_model_version_by_alias(model_name, alias)
        except Exception as error:
            if classify(error) is ErrorKind.NOT_FOUND:
                return []
            raise
        if not champion.run_id:
            return []
        before = client.get_run(champion.run_id).data.tags
        after = client.get_run(run_id).data.tags
        if not any(key.startswith(VIEW_TAG) for key in (*before, *after)):
            return []
        return view_changes(before, after, str(champion.version))

    return session.call(f"compare the features of run {run_id} with {model_name}@{alias}", read)
