"""Champion/challenger promotion: register the run's model, move ALIAS to it only if it beats the champion.

MLflow has no compare-and-set for aliases, so concurrent promoters are handled in three layers: a file lock
serializes promoters on one machine; the alias is re-read just before it is moved (the last writer re-checks);
and after moving it, the promoter waits a moment, reads it again, and takes it back from a worse concurrent
writer (marking that version `superseded`), so the better model ends up holding the alias.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from jupyter_mlops.core.error_kinds import ErrorKind, classify
from jupyter_mlops.core.session import TrackingSession
from jupyter_mlops.retraining.errors import RetrainingError
from jupyter_mlops.retraining.features import champion_feature_changes

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

    from jupyter_mlops.retraining.drift_stats import DatasetDrift

TAG = "jupyter_mlops.gate"
MAX_ROUNDS = 10
T = TypeVar("T")


class GateError(RetrainingError):
    """The run cannot be gated (no model, no such metric); nothing was registered."""


@dataclass(frozen=True)
class GateOptions:
    """`--register NAME --promote ALIAS --metric M [--lower-is-better] [--min-delta D]`."""

    model_name: str
    alias: str
    metric: str
    greater_is_better: bool = True
    min_delta: float = 0.0
    settle_seconds: float = 1.0
    lock_dir: Path | None = Path(tempfile.gettempdir())
    max_drift: float | None = None  # --max-drift SHARE: block when more than SHARE of the columns drifted
    block_on_drift: bool = False  # --block-on-drift: block when the dataset drifted (half the columns)

    @property
    def checks_drift(self) -> bool:
        """Whether the gate may block on data drift."""
        return self.max_drift is not None or self.block_on_drift


@dataclass(frozen=True)
class Holder:
    """The version that holds the alias and its metric value (None when it has none recorded)."""

    version: str
    value: float | None


@dataclass(frozen=True)
class Decision:
    """What the gate did and why."""

    decision: str  # promoted | rejected | superseded | blocked
    model_name: str
    version: str
    alias: str
    metric: str
    challenger_value: float
    champion_version: str | None
    champion_value: float | None
    reason: str
    feature_changes: tuple[str, ...] = ()  # Feast feature views that differ from the champion's (features.py)

    @property
    def promoted(self) -> bool:
        """Whether this version holds the alias now."""
        return self.decision == "promoted"

    def summary(self) -> str:
        """One line for the terminal."""
        line = f"{self.model_name} version {self.version}: {self.decision} ({self.reason})"
        return "; ".join([line, *self.feature_changes])


def _better(challenger: float, champion: float, options: GateOptions, min_delta: float) -> bool:
    if options.greater_is_better:
        return challenger > champion + min_delta
    return challenger < champion - min_delta


def _fmt(value: float | None) -> str:
    return "none" if value is None else f"{value:.6g}"


@contextlib.contextmanager
def local_lock(options: GateOptions) -> Iterator[None]:
    """An exclusive lock per (model, alias) for promoters on this machine; no-op when lock_dir is None."""
    if options.lock_dir is None:
        yield
        return
    key = hashlib.sha256(f"{options.model_name}@{options.alias}".encode()).hexdigest()[:16]
    path = options.lock_dir / f"jupyter-mlops-gate-{key}.lock"
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Gate:
    """One promotion attempt of one registered version."""

    def __init__(self, session: TrackingSession, options: GateOptions) -> None:
        self.session = session
        self.options = options

    def _call(self, what: str, action: Callable[[MlflowClient], T]) -> T:
        return self.session.call(what, action)

    def metric_of_run(self, run_id: str) -> float | None:
        """The run's latest value of the gate metric."""
        run = self._call(f"read run {run_id}", lambda client: client.get_run(run_id))
        return run.data.metrics.get(self.options.metric)

    def metric_of_version(self, version: ModelVersion) -> float | None:
        """A version's metric: from its source run, else from its LoggedModel's metrics."""
        run_id = version.run_id
        if run_id:
            value = self.metric_of_run(run_id)
            if value is not None:
                return value
        model_id = version.model_id
        if model_id:
            logged = self._call(f"read model {model_id}", lambda client: client.get_logged_model(model_id))
            for metric in logged.metrics or []:
                if metric.key == self.options.metric:
                    return float(metric.value)
        return None

    def holder(self) -> Holder | None:
        """The version holding the alias now, or None."""
        name, alias = self.options.model_name, self.options.alias

        def read(client: MlflowClient) -> ModelVersion | None:
            try:
                return client.get_model_version_by_alias(name, alias)
            except Exception as error:
                # MLflow answers INVALID_PARAMETER_VALUE for an alias no version holds, NOT_FOUND for no model
                if classify(error) in (ErrorKind.NOT_FOUND, ErrorKind.BAD_REQUEST):
                    return None
                raise

        version = self._call(f"read alias {name}@{alias}", read)
        if version is None:
            return None
        return Holder(str(version.version), self.metric_of_version(version))

    def register(self, model_uri: str, run_id: str) -> str:
        """Register the model as a new version of the registered model and wait until it is READY.

        What `mlflow.register_model("models:/m-<id>", NAME)` does, through the session's client.
        """
        name = self.options.model_name

        def create_model(client: MlflowClient) -> None:
            try:
                client.create_registered_model(name)
            except Exception as error:
                if classify(error) is not ErrorKind.ALREADY_EXISTS:
                    raise

        self._call(f"create registered model {name}", create_model)
        model_id = model_uri.removeprefix("models:/") if model_uri.startswith("models:/m-") else None
        version = self._call(
            f"register {model_uri} as {name}",
            lambda client: client.create_model_version(
                name, model_uri, model_id=model_id, await_creation_for=300
            ),
        )
        return str(version.version)

    def set_alias(self, version: str) -> None:
        """Point the alias at `version`."""
        name, alias = self.options.model_name, self.options.alias
        self._call(
            f"move alias {name}@{alias}",
            lambda client: client.set_registered_model_alias(name, alias, version),
        )

    def tag_version(self, version: str, values: dict[str, str]) -> None:
        """Record tags on a version, one call each (MLflow has no batch call for version tags)."""
        name = self.options.model_name
        for key, value in values.items():
            self._call(
                f"tag {name} version {version}",
                lambda client, k=key, v=value: client.set_model_version_tag(name, version, k, v),
            )

    def record(self, decision: Decision) -> None:
        """Store the decision, both values and the reason as tags on the challenger version."""
        self.tag_version(
            decision.version,
            {
                f"{TAG}.decision": decision.decision,
                f"{TAG}.alias": decision.alias,
                f"{TAG}.metric": decision.metric,
                f"{TAG}.challenger_value": _fmt(decision.challenger_value),
                f"{TAG}.champion_version": decision.champion_version or "none",
                f"{TAG}.champion_value": _fmt(decision.champion_value),
                f"{TAG}.reason": decision.reason,
            }
            | (
                {f"{TAG}.feature_changes": "; ".join(decision.feature_changes)}
                if decision.feature_changes
                else {}
            ),
        )

    def decision_for(
        self, kind: str, version: str, value: float, champion: Holder | None, reason: str
    ) -> Decision:
        """A decision on `version` (metric `value`) against `champion`."""
        options = self.options
        return Decision(
            kind,
            options.model_name,
            version,
            options.alias,
            options.metric,
            value,
            champion.version if champion else None,
            champion.value if champion else None,
            reason,
        )

    def decide(self, version: str, value: float) -> Decision:
        """Compare with the alias holder and move the alias if the challenger wins (see module docstring)."""
        options = self.options
        direction = "higher" if options.greater_is_better else "lower"
        first_champion: Holder | None = None
        seen_first = False

        def decision(kind: str, champion: Holder | None, reason: str) -> Decision:
            return self.decision_for(kind, version, value, champion, reason)

        for round_number in range(MAX_ROUNDS):
            champion = self.holder()
            if not seen_first:
                first_champion, seen_first = champion, True
            if champion is not None and champion.version == version:
                return decision("promoted", first_champion, "already holds the alias")
            # the first comparison uses --min-delta; later rounds settle a race between challengers that
            # both beat the old champion, so they compare strictly (ties go to the newer version)
            delta = options.min_delta if round_number == 0 else 0.0
            if champion is None:
                reason = f"no version held @{options.alias}: the first version is promoted"
            elif champion.value is None:
                reason = f"champion version {champion.version} has no {options.metric}: promoted"
            elif _better(value, champion.value, options, delta) or (
                round_number > 0 and value == champion.value and int(version) > int(champion.version)
            ):
                reason = (
                    f"{options.metric} {_fmt(value)} beats champion version {champion.version}'s "
                    f"{_fmt(champion.value)} ({direction} is better, min delta {_fmt(delta)})"
                )
            else:
                kind = "rejected" if round_number == 0 else "superseded"
                reason = (
                    f"{options.metric} {_fmt(value)} does not beat champion version {champion.version}'s "
                    f"{_fmt(champion.value)} ({direction} is better, min delta {_fmt(delta)})"
                )
                return decision(kind, first_champion if kind == "rejected" else champion, reason)
            # the last writer re-checks: someone may have moved the alias since we read it
            recheck = self.holder()
            if recheck != champion:
                continue
            self.set_alias(version)
            if champion is not None:
                self.tag_version(
                    champion.version,
                    {f"{TAG}.replaced_by": version, f"{TAG}.decision": "superseded"}
                    if round_number > 0
                    else {f"{TAG}.replaced_by": version},
                )
            time.sleep(options.settle_seconds)
            after = self.holder()
            if after is not None and after.version == version:
                return decision("promoted", first_champion, reason)
        return decision(
            "superseded", self.holder(), f"the alias kept moving; gave up after {MAX_ROUNDS} rounds"
        )


def drift_block_reason(
    drift: DatasetDrift | None, options: GateOptions, drift_error: str | None = None
) -> str | None:
    """Why `--max-drift` / `--block-on-drift` keep this challenger from the alias, or None. A drift check
    that failed blocks too: the gate was asked not to promote data it cannot vouch for."""
    if not options.checks_drift:
        return None
    if drift is None and drift_error is not None:
        return f"data drift could not be checked ({drift_error})"
    if drift is None:
        return None
    share = drift.share_drifted
    top = ", ".join(column.describe() for column in drift.drifted_columns[:3])
    if options.max_drift is not None and share > options.max_drift:
        limit = f"more than --max-drift {options.max_drift:g}"
        return f"data drift: {share:.2g} of the columns drifted, {limit} ({top})"
    if options.block_on_drift and drift.dataset_drift:
        return f"data drift: {share:.2g} of the columns drifted (dataset drift, --block-on-drift) ({top})"
    return None


def gate_run(
    session: TrackingSession,
    run_id: str,
    model_uri: str | None,
    options: GateOptions,
    drift: DatasetDrift | None = None,
    drift_error: str | None = None,
) -> Decision:
    """Register the run's model and promote it if it wins; the decision is recorded on the new version.

    A challenger whose data drifted past `--max-drift` / `--block-on-drift` is registered but `blocked`."""
    gate = Gate(session, options)
    if model_uri is None:
        raise GateError(f"run {run_id} logged no model (tag a cell `model:VAR`), so nothing was registered")
    value = gate.metric_of_run(run_id)
    if value is None:
        run = gate.session.call(f"read run {run_id}", lambda client: client.get_run(run_id))
        known = ", ".join(sorted(run.data.metrics)) or "none"
        raise GateError(
            f"run {run_id} has no metric {options.metric!r} to gate on (its metrics: {known}); "
            "nothing was registered"
        )
    blocked = drift_block_reason(drift, options, drift_error)
    with local_lock(options):
        changes = tuple(champion_feature_changes(session, options.model_name, options.alias, run_id))
        version = gate.register(model_uri, run_id)
        if blocked is not None:
            decision = gate.decision_for("blocked", version, value, gate.holder(), blocked)
        else:
            decision = gate.decide(version, value)
        decision = dataclasses.replace(decision, feature_changes=changes)
        gate.record(decision)
    return decision
