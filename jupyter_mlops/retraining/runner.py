"""The library behind `jupyter-mlops run`: validate, run once (notebook or package), then gate if asked."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from jupyter_mlops.core.session import TrackingSession, quiet_mlflow_http_retries
from jupyter_mlops.retraining.drift_check import DriftCheck
from jupyter_mlops.retraining.errors import BadInputError, TrackingUnavailableError
from jupyter_mlops.retraining.gate import Decision, GateOptions, gate_run
from jupyter_mlops.retraining.monitoring import Monitor
from jupyter_mlops.retraining.notebook_runner import RunOptions, RunResult
from jupyter_mlops.retraining.params import resolve
from jupyter_mlops.retraining.target import check_metric, load_target
from jupyter_mlops.retraining.training_data import data_folder, training_files


@dataclass
class RunRequest:
    """Everything one `jupyter-mlops run` (single parameter set) needs."""

    target: str | Path
    parameters: Sequence[tuple[str, str]]
    options: RunOptions
    gate: GateOptions | None = None
    register_only: str | None = None
    profile_data: Sequence[Path] = ()  # --profile-data: the training tables, when not found in the code
    profile: bool = True  # --no-profile: log no reference profile (and check no drift)
    alerts: bool = True  # --no-alerts: send none even when configured


@dataclass
class RunReport:
    """A tracked run and what the gate decided."""

    result: RunResult
    decision: Decision | None = None
    registered_version: str | None = None
    drift: DriftCheck | None = None


def run_once(request: RunRequest, echo: Callable[[str], None] = print) -> RunReport:
    """Validate the parameters before anything starts, run once, print, profile, check drift and gate;
    a failure, a blocked challenger or drift is also sent to the configured alert channels."""
    quiet_mlflow_http_retries()
    monitor = Monitor.start(echo, alerts=request.alerts)
    fields = {"target": str(request.target), "tracking": request.options.tracking_uri}
    try:
        return _run_once(request, echo, monitor, fields)
    except Exception as error:  # a scheduled run that fails, however it fails, is worth an alert
        run_id = getattr(error, "run_id", None)
        monitor.alert(
            "failed",
            f"run of {Path(request.target).name} failed",
            {
                **fields,
                **({"run": run_id} if run_id else {}),
                "error": (str(error).splitlines() or [type(error).__name__])[0],
            },
        )
        raise


def _run_once(
    request: RunRequest, echo: Callable[[str], None], monitor: Monitor, fields: dict[str, str]
) -> RunReport:
    session = TrackingSession(request.options.tracking_uri, unavailable=TrackingUnavailableError)
    target = load_target(request.target)
    overrides = resolve(target.spec, request.parameters, where="-p")
    if request.gate is not None:
        check_metric(target, request.gate.metric, listing="its metrics cell names")
    files = training_files(target, overrides, request.profile_data) if request.profile else []
    result = target.run(overrides, request.options, session)
    echo(describe(result, request.options.tracking_uri))
    fields.update(run=result.run_id, experiment=result.experiment_name)
    report = RunReport(result)
    monitor.profile(session, result.run_id, files, data_folder(target))
    if request.gate is not None:
        report.drift = monitor.check_against(
            session, result.run_id, request.gate.model_name, request.gate.alias
        )
        drift = report.drift.drift if report.drift is not None else None
        decision = gate_run(
            session, result.run_id, result.model_uri, request.gate, drift, monitor.drift_error
        )
        echo(decision.summary())
        report.decision = decision
        monitor.after_gate(decision, fields, request.gate.max_drift)
    elif request.register_only:
        report.registered_version = register_only(request, result, session)
        echo(f"registered {result.model_uri} as {request.register_only} version {report.registered_version}")
    return report


def register_only(request: RunRequest, result: RunResult, session: TrackingSession) -> str:
    """`--register NAME` without `--promote`: a new version, no alias moved."""
    from jupyter_mlops.retraining.gate import Gate, GateError

    if result.model_uri is None:
        raise GateError(
            f"run {result.run_id} logged no model (tag a cell `model:VAR`), so nothing was registered"
        )
    assert request.register_only is not None
    options = GateOptions(model_name=request.register_only, alias="", metric="")
    return Gate(session, options).register(result.model_uri, result.run_id)


def describe(result: RunResult, tracking_uri: str) -> str:
    """The terminal summary of a finished run."""
    lines = [
        f"run {result.run_id} FINISHED in experiment {result.experiment_name!r} (tracking: {tracking_uri})"
    ]
    if result.metrics:
        shown = ", ".join(f"{name}={value:.6g}" for name, value in sorted(result.metrics.items()))
        lines.append(f"  metrics: {shown}")
    if result.model_uri:
        lines.append(f"  model: {result.model_uri}")
    if result.executed_notebook:
        lines.append(f"  executed notebook: {result.executed_notebook}")
    lines.extend(f"  warning: {warning}" for warning in result.warnings)
    return "\n".join(lines)


def check_gate_options(
    register: str | None,
    promote: str | None,
    metric: str | None,
    max_drift: float | None = None,
    block_on_drift: bool = False,
) -> None:
    """Refuse incomplete combinations of the gate options (--register/--promote/--metric/drift)."""
    if (max_drift is not None or block_on_drift) and not promote:
        raise BadInputError(
            "--max-drift/--block-on-drift need --register NAME --promote ALIAS "
            "(the champion NAME@ALIAS whose reference data the new data is tested against)"
        )
    if max_drift is not None and not 0.0 <= max_drift < 1.0:
        raise BadInputError(f"--max-drift {max_drift:g}: expected a share of columns, 0 <= SHARE < 1")
    if promote and not register:
        raise BadInputError("--promote ALIAS needs --register NAME (the registered model whose alias moves)")
    if promote and not metric:
        raise BadInputError(
            "--promote ALIAS needs --metric NAME (the metric champion and challenger compare on)"
        )
