"""Thin request handlers: parse the query or body into a contract dataclass, call tracking/registry off the
event loop, write JSON. Errors go through the one mapper in `errors.py`.

Every method is `@tornado.web.authenticated` (Jupyter's identity provider) and `@authorized` (Jupyter's
authorizer) on the resource `mlops`: `read` to look, `write` to change MLflow (register, aliases, create an
experiment). MLflow's own permissions apply on top, to the MLflow user this server signs in as.
"""

from __future__ import annotations

import dataclasses
import json
import traceback
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

import tornado.web
from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin

from jupyter_mlops.core import contract, model_signature, production, registry, tracking
from jupyter_mlops.core.errors import BadRequest, PanelError, error_body, scrub_text
from jupyter_mlops.retraining.schedule import service as schedule_service
from jupyter_mlops.server.app_state import ExtensionState
from jupyter_mlops.server.paths import (
    api_path,
    disk_root,
    notebook_experiment_name,
    notebook_file,
    os_path_in_root,
    require_notebook,
)

RequestType = TypeVar("RequestType")
AUTH_RESOURCE = "mlops"
READ: Literal["read"] = "read"
WRITE: Literal["write"] = "write"
READ_REFUSED = (
    f"Jupyter's authorizer does not let this user read MLflow data through the MLOps panel "
    f"({READ!r} on resource {AUTH_RESOURCE!r})."
)
WRITE_REFUSED = (
    f"Jupyter's authorizer does not let this user change MLflow from the MLOps panel ({WRITE!r} on "
    f"resource {AUTH_RESOURCE!r}): registering models, moving aliases, creating experiments, converting "
    "notebooks to production, running their tests and writing schedules need it."
)


def _coerce(name: str, raw: Any, annotation: Any, where: str) -> Any:
    """Convert one query/body value to the field's declared type, or BadRequest naming the field."""
    options = (
        typing.get_args(annotation)
        if typing.get_origin(annotation) in (typing.Union, type(int | None))
        else ()
    )
    kinds = [option for option in options if option is not type(None)] or [annotation]
    kind = kinds[0]
    if typing.get_origin(kind) is typing.Literal:
        allowed = typing.get_args(kind)
        if raw not in allowed:
            raise BadRequest(f"{where} {name!r} must be one of {', '.join(map(str, allowed))}; got {raw!r}.")
        return raw
    if kind is int:
        if isinstance(raw, bool):
            raise BadRequest(f"{where} {name!r} must be an integer; got {raw!r}.")
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise BadRequest(f"{where} {name!r} must be an integer; got {raw!r}.") from None
    if kind is bool:
        if not isinstance(raw, bool):
            raise BadRequest(f"{where} {name!r} must be true or false; got {raw!r}.")
        return raw
    if kind is str:
        if not isinstance(raw, str):
            raise BadRequest(f"{where} {name!r} must be a string; got {raw!r}.")
        return raw
    return raw


def parse_fields(cls: type[RequestType], values: dict[str, Any], where: str) -> RequestType:
    """Build a request dataclass from raw values: required fields present, types checked, unknown refused."""
    hints = typing.get_type_hints(cls, vars(contract))
    fields = {item.name: item for item in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise BadRequest(f"Unknown {where} {', '.join(map(repr, unknown))}; expected {', '.join(fields)}.")
    kwargs = {}
    for name, item in fields.items():
        raw = values.get(name)
        if raw is None or raw == "":
            if item.default is dataclasses.MISSING:
                raise BadRequest(f"{where.capitalize()} {name!r} is required.")
            continue
        kwargs[name] = _coerce(name, raw, hints[name], where)
    return cls(**kwargs)


class MLOpsHandler(ExtensionHandlerMixin, APIHandler):
    """Base of every route: JSON errors from the one mapper, MLflow calls on the extension's thread pool."""

    auth_resource = AUTH_RESOURCE

    @property
    def extension(self) -> ExtensionState:
        """The extension app (store client, executor, settings), from the web app's settings."""
        return typing.cast("ExtensionState", self.extensionapp)

    async def may(self, action: str) -> bool:
        """Whether Jupyter's authorizer lets the current user do `action` on the `mlops` resource."""
        allowed = self.authorizer.is_authorized(self, self.current_user, action, AUTH_RESOURCE)
        return bool(await ensure_async(allowed))

    def query(self, cls: type[RequestType]) -> RequestType:
        """The request's query string as a contract dataclass."""
        values = {
            key: self.get_query_argument(key)
            for key in self.request.query_arguments
            if not key.isdigit()  # ServerConnection.makeRequest's cache-buster: `?1700000000000`
        }
        return parse_fields(cls, values, "query parameter")

    def body(self, cls: type[RequestType]) -> RequestType:
        """The request's JSON body as a contract dataclass."""
        try:
            values = json.loads(self.request.body or b"{}")
        except ValueError as error:
            raise BadRequest(f"The request body is not valid JSON: {error}") from None
        if not isinstance(values, dict):
            raise BadRequest("The request body must be a JSON object.")
        return parse_fields(cls, values, "body field")

    async def respond(self, call: Callable[[], Any]) -> None:
        """Run `call` on the thread pool and write its contract result as JSON."""
        result = await self.extension.run_blocking(call)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(contract.to_json(result)))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Every error as `ErrorBody` JSON — never a traceback."""
        exc_info = kwargs.get("exc_info")
        error = exc_info[1] if exc_info else None
        if isinstance(error, tornado.web.HTTPError) or error is None:
            message = (
                error.log_message if isinstance(error, tornado.web.HTTPError) else None
            ) or self._reason
            code: contract.ErrorCode = "permission_denied" if status_code in (401, 403) else "bad_request"
            if status_code >= 500:
                code = "internal_error"
            body = contract.ErrorBody(status=status_code, code=code, message=str(message))
        else:
            body = error_body(error, self.extension.public_tracking_uri)
            self.set_status(body.status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(contract.to_json(body)))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """Expected errors (bad input, missing things, MLflow refusals) in one line, others with their
        traceback — credentials scrubbed from both (MLflow's messages carry the store URL)."""
        if isinstance(value, tornado.web.HTTPError):
            super().log_exception(typ, value, tb)
            return
        request = f"{self.request.method} {scrub_text(self.request.uri or '')}"
        if isinstance(value, PanelError) or (value is not None and hasattr(value, "error_code")):
            self.log.warning("jupyter-mlops %s: %s", request, scrub_text(str(value)))
            return
        trace = "".join(traceback.format_exception(typ, value, tb))
        self.log.error("jupyter-mlops %s failed:\n%s", request, scrub_text(trace))


class ConfigHandler(MLOpsHandler):
    """GET config."""

    @tornado.web.authenticated
    @authorized(READ, message=READ_REFUSED)
    async def get(self) -> None:
        self.finish(json.dumps(contract.to_json(self.extension.config_response())))


class ExperimentsHandler(MLOpsHandler):
    """GET experiments."""

    @tornado.web.authenticated
    @authorized(READ, message=READ_REFUSED)
    async def get(self) -> None:
        q = self.query(contract.ExperimentsQuery)
        ext = self.extension
        await self.respond(
            lambda: tracking.list_experiments(ext.client, q.filter, q.max_results, q.page_token)
        )


class NotebookExperimentHandler(MLOpsHandler):
    """GET experiment?notebook= (resolve) and POST experiment (create)."""

    async def _name(self, notebook: str) -> str:
        return await notebook_experiment_name(self.extension.contents_manager, notebook)

    @tornado.web.authenticated
    @authorized(READ, message=READ_REFUSED)
    async def get(self) -> None:
        notebook = self.query(contract.NotebookExperimentQuery).notebook
        name = await self._name(notebook)
        ext = self.extension
        await self.respond(
            lambda: contract.NotebookExperimentResponse(
                notebook, name, tracking.find_experiment(ext.client, name)
            )
        )

    @tornado.web.authenticated
    @authorized(WRITE, message=WRITE_REFUSED)
    async def post(self) -> None:
        notebook = self.body(contract.NotebookExperimentRequest).notebook
        name = await self._name(notebook)
        ext = self.extension
        await self.respond(
            lambda: contract.NotebookExperimentResponse(
                notebook, name, tracking.ensure_experiment(ext.client, name)
            )
        )


class RunsHandler(MLOpsHandler):
    """GET runs."""

    @tornado.web.authenticated
    @authorized(READ, message=READ_REFUSED)
    async def get(self) -> None:
        q = self.query(contract.RunsQuery)
        ext = self.extension
        await self.respond(
            lambda: tracking.search_runs_page(
                ext.client, q.experiment_id, q.filter, q.order_by, q.page_token, q.max_results, q.run_view
            )
        )


class RunHandler(MLOpsHandler):
    """GET runs/{run_id}."""

    @tornado.web.authenticated
    @authorized(READ, message=READ_REFUSED)
    async def get(self, run_id: str) -> None:
        ext = self.extension
        await self.respond(lambda: tracking.run_detail(ext.client, run_id))


class MetricHistoryHandler(MLOpsHandler):
    """GET runs/{run_id}/metric-history."""

    @tornado.web.authenticated
    @authorized(READ, message=READ_REFUSED)
    async def get(self, run_id: str) -> None:
        q = self.query(contract.MetricHistoryQuery)
        ext = self.extension
        await self.respond(lambda: tracking.metric_history(ext.client, run_id, q.key, q.max_points))


class ArtifactsHandler(MLOpsHandler):
    """GET runs/{run_id}/artifacts."""

    @tornado.web.authenticated
    @authorized(READ, message=READ_REFUSED)
    async def get(self, run_id: str) -> None:
        q = self.query(contract.ArtifactsQuery)
        ext = self.extension
        await self.respond(lambda: tracking.list_artifacts(ext.client, run_id, q.path))


class DriftReportHandler(MLOpsHandler):
    """GET runs/{run_id}/drift-report."""

    @tornado.web.authenticated
    @authorized(READ, message=READ_REFUSED)
    async def get(self, run_id: str) -> None:
        from jupyter_mlops.core.drift_view import drift_report

        ext = self.extension
        await self.respond(lambda: drift_report(ext.client, run_id))


class CompareHandler(MLOpsHandler):
    """GET compare."""

    @tornado.web.authenticated
    @authorized(READ, message=READ_REFUSED)
    async def get(self) -> None:
        run_ids = self.query(contract.CompareQuery).run_ids
        ext = self.extension
        await self.respond(lambda: tracking.compare_runs(ext.client, run_ids))


class RegisteredModelsHandler(MLOpsHandler):
    """GET registered-models."""

    @tornado.web.authenticated
    @authorized(READ, message=READ_REFUSED)
    async def get(self) -> None:
        q = self.query(contract.RegisteredModelsQuery)
        ext, ui = self.extension, self.extension.ui_url
        await self.respond(
            lambda: registry.list_registered_models(ext.client, q.filter, q.max_results, q.page_token, ui)
        )


class ModelVersionsHandler(MLOpsHandler):
    """GET registered-models/versions."""

    @tornado.web.authenticated
    @authorized(READ, message=READ_REFUSED)
    async def get(self) -> None:
        q = self.query(contract.ModelVersionsQuery)
        ext, ui = self.extension, self.extension.ui_url
        await self.respond(
            lambda: registry.list_model_versions(ext.client, q.name, q.max_results, q.page_token, ui)
        )


class RegisterHandler(MLOpsHandler):
    """POST register."""

    @tornado.web.authenticated
    @authorized(WRITE, message=WRITE_REFUSED)
    async def post(self) -> None:
        b = self.body(contract.RegisterRequest)
        ext, ui = self.extension, self.extension.ui_url
        timeout = self.extension.register_timeout
        await self.respond(
            lambda: registry.register_run_model(ext.client, b.run_id, b.name, b.model_id, ui, timeout)
        )


class AliasesHandler(MLOpsHandler):
    """POST aliases (set) and DELETE aliases?name=&alias= (remove)."""

    @tornado.web.authenticated
    @authorized(WRITE, message=WRITE_REFUSED)
    async def post(self) -> None:
        b = self.body(contract.AliasRequest)
        ext = self.extension
        await self.respond(lambda: registry.set_alias(ext.client, b.name, b.alias, b.version))

    @tornado.web.authenticated
    @authorized(WRITE, message=WRITE_REFUSED)
    async def delete(self) -> None:
        q = self.query(contract.AliasDeleteQuery)
        ext = self.extension
        await self.respond(lambda: registry.delete_alias(ext.client, q.name, q.alias))


class PermissionsHandler(MLOpsHandler):
    """GET permissions."""

    @tornado.web.authenticated
    @authorized(READ, message=READ_REFUSED)
    async def get(self) -> None:
        name = self.query(contract.PermissionsQuery).name
        uri, user = self.extension.tracking_uri, self.extension.mlflow_username
        may_write = await self.may(WRITE)
        await self.respond(lambda: registry.permissions(uri, name, user, may_write))


class ModelSignatureHandler(MLOpsHandler):
    """GET models/signature."""

    @tornado.web.authenticated
    @authorized(READ, message=READ_REFUSED)
    async def get(self) -> None:
        model_id = self.query(contract.ModelSignatureQuery).model_id
        ext = self.extension
        await self.respond(lambda: model_signature.model_signature(ext.client, model_id))


class ConvertHandler(MLOpsHandler):
    """POST convert: nb2prod on the thread pool; the report, or the refusal with its cell and line."""

    @tornado.web.authenticated
    @authorized(WRITE, message=WRITE_REFUSED)
    async def post(self) -> None:
        b = self.body(contract.ConvertRequest)
        contents = self.extension.contents_manager
        notebook = api_path(b.notebook)
        output = api_path(b.output or production.default_output(notebook), "output")
        root = disk_root(contents)
        source = await notebook_file(contents, notebook)
        target = os_path_in_root(root, output, "output")
        if target == root:
            raise BadRequest("Output path must be a folder below the Jupyter root, not the root itself.")
        force = bool(b.force)
        await self.respond(
            lambda: production.convert_notebook(
                source, target, root=root, notebook=notebook, output=output, force=force
            )
        )


def plan_cells(raw: Any) -> list[contract.PlanCell]:
    """The body's `cells` as PlanCells; BadRequest naming the first malformed one."""
    shape = "a list of {cell_type, source, tags} objects"
    if not isinstance(raw, list):
        raise BadRequest(f"Body field 'cells' must be {shape}.")
    cells: list[contract.PlanCell] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or set(item) != {"cell_type", "source", "tags"}:
            raise BadRequest(f"Body field cells[{index}] must be an object with cell_type, source and tags.")
        kind, source, tags = item["cell_type"], item["source"], item["tags"]
        if not isinstance(kind, str) or not isinstance(source, str):
            raise BadRequest(f"Body field cells[{index}]: cell_type and source must be strings.")
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            raise BadRequest(f"Body field cells[{index}].tags must be a list of strings.")
        cells.append(contract.PlanCell(kind, source, tags))
    return cells


class PipelinePlanHandler(MLOpsHandler):
    """POST convert/plan: nb2prod's planning of the editor's current cells on the thread pool (no writes)."""

    @tornado.web.authenticated
    @authorized(READ, message=READ_REFUSED)
    async def post(self) -> None:
        b = self.body(contract.PipelinePlanRequest)
        notebook = api_path(b.notebook)
        cells = plan_cells(b.cells)
        await require_notebook(self.extension.contents_manager, notebook)
        from jupyter_mlops.core.pipeline_plan import plan_pipeline  # nb2prod's planner: loaded on first use

        await self.respond(lambda: plan_pipeline(notebook, cells))


class PytestJobsHandler(MLOpsHandler):
    """POST convert/tests (start pytest on a generated package) and GET convert/tests?job_id= (follow it)."""

    @tornado.web.authenticated
    @authorized(WRITE, message=WRITE_REFUSED)
    async def post(self) -> None:
        output = api_path(self.body(contract.PytestJobRequest).output, "output")
        folder = os_path_in_root(disk_root(self.extension.contents_manager), output, "output")
        if not production.is_generated_package(folder):
            raise BadRequest(f"{output} is not a package nb2prod wrote; convert the notebook first.")
        job = self.extension.pytest_jobs.start(output, folder)
        self.finish(json.dumps(contract.to_json(job.view(0))))

    @tornado.web.authenticated
    @authorized(READ, message=READ_REFUSED)
    async def get(self) -> None:
        q = self.query(contract.PytestJobQuery)
        job = self.extension.pytest_jobs.get(q.job_id)
        self.finish(json.dumps(contract.to_json(job.view(q.since))))


class FleetHandler(MLOpsHandler):
    """GET fleet."""

    @tornado.web.authenticated
    @authorized(READ, message=READ_REFUSED)
    async def get(self) -> None:
        from jupyter_mlops.retraining.fleet import fleet_page

        q = self.query(contract.FleetViewQuery)
        ext = self.extension
        await self.respond(lambda: fleet_page(ext.client, ext.tracking_uri, q))


class ScheduleOptionsHandler(MLOpsHandler):
    """GET schedules/options: engines, defaults, the parameters and metrics nb2prod finds in the notebook."""

    @tornado.web.authenticated
    @authorized(READ, message=READ_REFUSED)
    async def get(self) -> None:
        notebook = api_path(self.query(contract.ScheduleOptionsQuery).notebook)
        contents = self.extension.contents_manager
        source = await notebook_file(contents, notebook)
        experiment = await notebook_experiment_name(contents, notebook)
        await self.respond(lambda: schedule_service.schedule_options(source, notebook, experiment))


class CronPreviewHandler(MLOpsHandler):
    """GET schedules/preview: the wording and next run times of a cron expression (croniter on the server)."""

    @tornado.web.authenticated
    @authorized(READ, message=READ_REFUSED)
    async def get(self) -> None:
        q = self.query(contract.CronPreviewQuery)
        self.finish(json.dumps(contract.to_json(schedule_service.preview(q.cron, q.engine, q.count))))


class SchedulesHandler(MLOpsHandler):
    """POST schedules (write a notebook's schedule files, as the CLI) and GET schedules (a folder's schedules
    and their last runs). Writing needs `write`; nothing here runs a job."""

    def _folder(self, folder: str | None) -> tuple[str, Path, Path]:
        relative_folder = api_path(folder or schedule_service.DEFAULT_FOLDER, "folder")
        root = disk_root(self.extension.contents_manager)
        folder_file = os_path_in_root(root, relative_folder, "folder")
        return relative_folder, folder_file, root

    @tornado.web.authenticated
    @authorized(WRITE, message=WRITE_REFUSED)
    async def post(self) -> None:
        b = self.body(contract.ScheduleCreateRequest)
        contents = self.extension.contents_manager
        notebook = api_path(b.notebook)
        folder, folder_file, root = self._folder(b.folder)
        source = await notebook_file(contents, notebook)
        experiment = await notebook_experiment_name(contents, notebook)
        uri = self.extension.tracking_uri
        await self.respond(
            lambda: schedule_service.create_schedule(
                source,
                b,
                root=root,
                folder_file=folder_file,
                folder=folder,
                experiment_name=experiment,
                tracking_uri=uri,
            )
        )

    @tornado.web.authenticated
    @authorized(READ, message=READ_REFUSED)
    async def get(self) -> None:
        q = self.query(contract.SchedulesQuery)
        folder, folder_file, root = self._folder(q.folder)
        client, uri, ui_url = self.extension.client, self.extension.tracking_uri, self.extension.ui_url
        await self.respond(
            lambda: schedule_service.list_schedules(
                client, folder_file, root=root, folder=folder, tracking_uri=uri, ui_url=ui_url, runs=q.runs
            )
        )
