"""What `jupyter-mlops run` does around a tracked run: log the reference profile of its training data,
test that data against the champion's reference, and send alerts. None of it can fail the run: a table
that cannot be read, a champion without a profile or an unreachable alert channel is one warning line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from jupyter_mlops.core.errors import scrub_text
from jupyter_mlops.core.session import TrackingSession
from jupyter_mlops.retraining.alerts import Alert, notify
from jupyter_mlops.retraining.alerts_config import AlertConfigError, AlertSettings, load_alert_settings
from jupyter_mlops.retraining.drift_check import DriftCheck, champion_version, check_drift
from jupyter_mlops.retraining.drift_profile import Table, log_reference_profile, tables_from_files
from jupyter_mlops.retraining.errors import RetrainingError

if TYPE_CHECKING:
    from jupyter_mlops.retraining.gate import Decision

Echo = Callable[[str], None]


@dataclass
class Monitor:
    """Profile, drift and alerts of one `jupyter-mlops run` (single parameter set)."""

    echo: Echo
    alerts: AlertSettings | None = None
    tables: list[Table] = field(default_factory=list)
    drift: DriftCheck | None = None
    drift_error: str | None = None  # why the drift check could not run

    @classmethod
    def start(cls, echo: Echo, *, alerts: bool = True) -> Monitor:
        """Read the alert settings; a bad configuration disables alerts with one warning, not the run."""
        settings: AlertSettings | None = None
        if alerts:
            try:
                settings = load_alert_settings()
            except AlertConfigError as error:
                echo(f"warning: alerts disabled: {error}")
        return cls(echo, settings if settings is not None and settings.enabled else None)

    def profile(self, session: TrackingSession, run_id: str, files: Sequence[Path], base: Path) -> None:
        """Log the reference profile of the run's training tables (if it read any)."""
        if not files:
            return
        try:
            self.tables = tables_from_files(list(files), base)
        except Exception as error:  # a malformed table: the run stands, it just has no profile
            self.echo(
                "warning: no reference profile: cannot read the training data "
                f"({type(error).__name__}: {error})"
            )
            return
        try:
            log_reference_profile(session, run_id, self.tables)
        except RetrainingError:
            raise  # the tracking server is gone: the run's own error
        except Exception as error:
            self.echo(f"warning: no reference profile: {type(error).__name__}: {error}")
            return
        names = ", ".join(table.name for table in self.tables)
        self.echo(f"  reference profile: {names} (artifact drift/profile.json)")

    def check_against(
        self, session: TrackingSession, run_id: str, model_name: str, alias: str
    ) -> DriftCheck | None:
        """Test the run's tables against the reference of the version holding NAME@ALIAS."""
        if not self.tables:
            return None
        champion = champion_version(session, model_name, alias)
        if champion is None or not champion.run_id or champion.run_id == run_id:
            return None
        label = f"{model_name}@{alias} (version {champion.version})"
        try:
            self.drift = check_drift(session, run_id, self.tables, champion.run_id, label)
        except RetrainingError:
            raise
        except Exception as error:  # e.g. an unreadable reference sample
            self.drift_error = f"{type(error).__name__}: {error}"
            self.echo(f"warning: drift not checked against {label}: {self.drift_error}")
            return None
        if self.drift is None:
            self.echo(f"  drift: not checked ({label} logged no reference profile of matching data)")
        else:
            self.echo(f"  {self.drift.summary()} (artifact {self.drift.report_path})")
        return self.drift

    def alert(self, event: str, title: str, fields: dict[str, str]) -> None:
        """Send one alert if alerts are configured (warnings for failing channels)."""
        if self.alerts is None:
            return
        # the tracking URI or an error message may carry MLflow credentials: never sent anywhere
        cleaned = {name: scrub_text(value) for name, value in fields.items()}
        reached = notify(self.alerts, Alert(event, scrub_text(title), cleaned), self.echo)
        if reached:
            self.echo(f"  alert sent ({event}): {', '.join(reached)}")

    def after_gate(
        self, decision: Decision | None, fields: dict[str, str], max_drift: float | None = None
    ) -> None:
        """A blocked (or, when asked, rejected) challenger, else drift, is worth one alert. Drift: the dataset
        drifted (half the columns, Evidently's rule) or more than `--max-drift` of the columns did."""
        drift = self.drift
        if decision is not None and decision.decision in ("blocked", "rejected"):
            self.alert(
                decision.decision,
                f"{decision.model_name} version {decision.version} {decision.decision}",
                {**fields, "reason": decision.reason, **self._drift_fields()},
            )
        elif drift is not None and (
            drift.drift.dataset_drift or (max_drift is not None and drift.drift.share_drifted > max_drift)
        ):
            self.alert(
                "drift", f"data drift against {drift.reference_label}", {**fields, **self._drift_fields()}
            )

    def _drift_fields(self) -> dict[str, str]:
        if self.drift is None:
            return {}
        return {"drift": self.drift.drift.summary(), "drift report": self.drift.report_path}
