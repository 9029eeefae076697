"""`RunsPanel()`: the MLOps panel as ipywidgets, for classic Notebook and VS Code.

It calls the same functions as the server extension (`tracking.py`, `registry.py`) in the kernel, so it
shows the same runs, the same errors and registers models the same way.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import ipywidgets as widgets
from mlflow import MlflowClient

from jupyter_mlops.core import registry, tracking
from jupyter_mlops.core.contract import (
    ErrorBody,
    Experiment,
    RegisterResponse,
    RunDetail,
    RunsPage,
    RunSummary,
)
from jupyter_mlops.core.errors import error_body

DEFAULT_ALIASES = ("staging", "production")
PAGE_SIZE = 50


def _time(millis: int | None) -> str:
    if not millis:
        return "—"
    return datetime.fromtimestamp(millis / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _duration(millis: int | None) -> str:
    if millis is None:
        return "—"
    seconds = millis / 1000
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def run_label(run: RunSummary, metric_keys: Sequence[str]) -> str:
    """One line of the runs list: status, start, name and the first metrics."""
    metrics = ", ".join(
        f"{key}={run.metrics[key]:.4g}" for key in metric_keys[:3] if run.metrics.get(key) is not None
    )
    return f"{run.status:<8} {_time(run.start_time)}  {run.run_name or run.run_id[:8]}  {metrics}"


def _table(title: str, values: dict[str, Any]) -> str:
    if not values:
        return f"<b>{html.escape(title)}</b>: none<br>"
    rows = "".join(
        f"<tr><td>{html.escape(str(key))}</td><td>{html.escape(str(value))}</td></tr>"
        for key, value in sorted(values.items())
    )
    return f"<b>{html.escape(title)}</b><table>{rows}</table>"


def detail_html(detail: RunDetail) -> str:
    """Run detail as HTML: info, params, metrics, models, artifacts and user tags."""
    run = detail.run
    models = (
        "".join(
            f"<li><code>{html.escape(model.model_uri)}</code> ({html.escape(model.status)})"
            + "".join(
                f" — registered as {html.escape(ref.name)} v{ref.version}"
                for ref in model.registered_versions
            )
            + "</li>"
            for model in detail.models
        )
        or "<li>none</li>"
    )
    artifacts = ", ".join(html.escape(item.path + ("/" if item.is_dir else "")) for item in detail.artifacts)
    tags = {key: value for key, value in run.tags.items() if not key.startswith("mlflow.")}
    return (
        f"<h4>{html.escape(run.run_name or run.run_id)}</h4>"
        f"<div>run <code>{run.run_id}</code> · {run.status} · started {_time(run.start_time)} · "
        f"duration {_duration(run.duration_ms)}</div>"
        + _table("Params", run.params)
        + _table("Metrics", run.metrics)
        + f"<b>Models</b><ul>{models}</ul>"
        + f"<b>Artifacts</b>: {artifacts or 'none'}<br>"
        + _table("Tags", tags)
    )


class RunsPanel(widgets.VBox):
    """Runs of the notebook's experiment: list (sort, filter, pages), detail, Register model, promote."""

    def __init__(
        self,
        notebook_path: str | os.PathLike[str] | None = None,
        *,
        experiment_name: str | None = None,
        tracking_uri: str | None = None,
        registry_uri: str | None = None,
        alias_names: Sequence[str] = DEFAULT_ALIASES,
        page_size: int = PAGE_SIZE,
    ) -> None:
        from mlflow.tracking._tracking_service.utils import _resolve_tracking_uri

        self.tracking_uri = _resolve_tracking_uri(
            tracking_uri or os.environ.get("JUPYTER_MLOPS_TRACKING_URI")
        )
        # The registry follows this panel's store, never MLflow's process-global registry setting.
        self.registry_uri = registry_uri or os.environ.get("JUPYTER_MLOPS_REGISTRY_URI") or self.tracking_uri
        self.client = MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.registry_uri)
        self.store_uri = tracking.public_uri(self.client.tracking_uri)
        self.page_size = page_size
        self.experiment_name = experiment_name or self._notebook_experiment_name(notebook_path)
        self.experiment: Experiment | None = None
        self.page: RunsPage | None = None
        self.detail: RunDetail | None = None
        self._tokens: list[str | None] = [None]

        self.header = widgets.HTML()
        self.filter_box = widgets.Text(
            placeholder="MLflow filter, e.g. metrics.accuracy > 0.9", description="Filter"
        )
        self.order_box = widgets.Dropdown(
            options=[
                ("Newest first", "attributes.start_time DESC"),
                ("Oldest first", "attributes.start_time ASC"),
            ],
            description="Sort",
        )
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.previous_button = widgets.Button(description="Previous", disabled=True)
        self.next_button = widgets.Button(description="Next", disabled=True)
        self.runs_list = widgets.Select(options=[], rows=12, layout=widgets.Layout(width="100%"))
        self.detail_view = widgets.HTML()
        self.model_name = widgets.Combobox(
            placeholder="new or existing registered model", description="Model"
        )
        self.register_button = widgets.Button(
            description="Register model", button_style="primary", disabled=True
        )
        self.alias_box = widgets.Dropdown(options=list(alias_names), description="Alias")
        self.promote_button = widgets.Button(description="Set alias", disabled=True)
        self.status = widgets.HTML()
        self.last_registered: RegisterResponse | None = None
        self.last_error: ErrorBody | None = None

        self.refresh_button.on_click(lambda _: self.refresh())
        self.next_button.on_click(lambda _: self.next_page())
        self.previous_button.on_click(lambda _: self.previous_page())
        self.runs_list.observe(self._on_select, names="value")
        self.register_button.on_click(lambda _: self.register(self.model_name.value))
        self.promote_button.on_click(lambda _: self.promote(self.alias_box.value))
        super().__init__(
            [
                self.header,
                widgets.HBox([self.filter_box, self.order_box, self.refresh_button]),
                self.runs_list,
                widgets.HBox([self.previous_button, self.next_button]),
                self.detail_view,
                widgets.HBox([self.model_name, self.register_button]),
                widgets.HBox([self.alias_box, self.promote_button]),
                self.status,
            ]
        )
        self.refresh()

    # ------------------------------------------------------------ actions (also called by tests)

    @staticmethod
    def _notebook_experiment_name(notebook_path: str | os.PathLike[str] | None) -> str:
        from jupyter_mlops.core.experiments import experiment_name_for, notebook_metadata
        from jupyter_mlops.notebook_run import find_notebook_path

        path = find_notebook_path() if notebook_path is None else os.fspath(notebook_path)
        root = os.environ.get("JUPYTER_MLOPS_ROOT_DIR")
        return experiment_name_for(path, notebook_metadata(Path(path)), root=root)

    def _fail(self, error: BaseException) -> None:
        self.last_error = error_body(error, self.store_uri)
        self.status.value = f"<span style='color:#b00'>{html.escape(self.last_error.message)}</span>"

    def refresh(self) -> RunsPage | None:
        """Reload the first page of runs with the current filter and sort."""
        self._tokens = [None]
        return self._load()

    def next_page(self) -> RunsPage | None:
        """Load the next page (MLflow page token)."""
        if self.page is None or not self.page.next_page_token:
            return self.page
        self._tokens.append(self.page.next_page_token)
        return self._load()

    def previous_page(self) -> RunsPage | None:
        """Go back one page."""
        if len(self._tokens) > 1:
            self._tokens.pop()
        return self._load()

    def _load(self) -> RunsPage | None:
        self.status.value = ""
        try:
            if self.experiment is None or len(self._tokens) == 1:  # later pages reuse page 1's lookup
                self.experiment = tracking.find_experiment(self.client, self.experiment_name)
            if self.experiment is None:
                self.page = RunsPage([], None, [], [])
            else:
                self.page = tracking.search_runs_page(
                    self.client,
                    self.experiment.experiment_id,
                    self.filter_box.value or None,
                    self.order_box.value,
                    self._tokens[-1],
                    self.page_size,
                )
        except Exception as error:  # shown to the user, as the panel does
            self._fail(error)
            return None
        self.header.value = (
            f"<b>Experiment</b> {html.escape(self.experiment_name)} · "
            f"<b>store</b> {html.escape(self.store_uri)} · page {len(self._tokens)}"
            + ("" if self.experiment else " · no runs yet")
        )
        self.runs_list.options = [
            (run_label(run, self.page.metric_keys), run.run_id) for run in self.page.runs
        ]
        self.next_button.disabled = not self.page.next_page_token
        self.previous_button.disabled = len(self._tokens) <= 1
        return self.page

    def _on_select(self, change: dict[str, Any]) -> None:
        if change.get("new"):
            self.select_run(change["new"])

    def select_run(self, run_id: str) -> RunDetail | None:
        """Show one run's detail; enable Register model when it has a model, else say why not."""
        try:
            self.detail = tracking.run_detail(self.client, run_id)
            models = registry.list_registered_models(self.client, max_results=200)
        except Exception as error:
            self._fail(error)
            return None
        self.detail_view.value = detail_html(self.detail)
        self.model_name.options = [model.name for model in models.models]
        reason = self.detail.register_disabled_reason
        self.register_button.disabled = reason is not None
        self.register_button.tooltip = reason or "Register this run's model"
        self.status.value = html.escape(reason) if reason else ""
        return self.detail

    def register(self, name: str) -> RegisterResponse | None:
        """Register the selected run's model under `name`; shows the new version."""
        if self.detail is None:
            self.status.value = "Select a run first."
            return None
        model_id = self.detail.models[0].model_id if len(self.detail.models) == 1 else None
        try:
            result = registry.register_run_model(self.client, self.detail.run.run_id, name, model_id)
        except Exception as error:
            self._fail(error)
            return None
        self.last_registered = result
        version = result.version
        link = (
            f" — <a href='{html.escape(version.ui_url)}' target='_blank'>open</a>" if version.ui_url else ""
        )
        self.status.value = f"Registered <b>{html.escape(version.name)}</b> version {version.version}{link}"
        self.promote_button.disabled = False
        return result

    def promote(self, alias: str) -> dict[str, str] | None:
        """Point `alias` at the version registered last."""
        if self.last_registered is None:
            self.status.value = "Register a model version first."
            return None
        version = self.last_registered.version
        try:
            answer = registry.set_alias(self.client, version.name, alias, version.version)
        except Exception as error:
            self._fail(error)
            return None
        self.status.value = f"{html.escape(alias)} → {html.escape(version.name)} v{version.version}"
        return answer.aliases
