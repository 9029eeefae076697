/**
 * The client of the jupyter-mlops server extension: one method per endpoint of the REST contract
 * (`contract.ts`).
 *
 * Every call goes through the `RequestAPI` function the client is given: `requestAPI()` (request.ts,
 * the one place that sends HTTP) in JupyterLab, a fake server in the unit tests. This module and the
 * view models import nothing from JupyterLab.
 */
import {
  AliasResponse,
  ArtifactList,
  CompareResponse,
  ConfigResponse,
  ConvertResponse,
  CronPreview,
  DriftReport,
  MetricHistory,
  ModelSignatureResponse,
  ModelVersionsPage,
  NotebookExperimentResponse,
  PermissionsResponse,
  PipelinePlanResponse,
  PlanCell,
  PytestJob,
  RegisteredModelsPage,
  RegisterResponse,
  RunDetail,
  RunsPage,
  RunsQuery,
  ScheduleCreateRequest,
  ScheduleOptions,
  SchedulesList,
  ScheduleWritten,
  ENDPOINTS,
  EndpointName,
  EndpointTypes,
  endpointPath
} from './contract';

export type QueryValue = string | number | null | undefined;

/** Send one request to `<base_url>jupyter-mlops/<path>` and return its JSON body; throws `ApiError`. */
export type RequestAPI = <T>(
  path: string,
  init: RequestInit,
  query?: Record<string, QueryValue>
) => Promise<T>;

/** A failed call: what to tell the user (`message`) and, separately, the developer detail. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail: string | null = null
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** What one endpoint call sends: path parameters, query and JSON body, typed by the contract. */
type CallArgs<K extends EndpointName> = {
  pathParams?: EndpointTypes[K]['pathParams'];
  query?: EndpointTypes[K]['query'];
  body?: EndpointTypes[K]['body'];
};

/** One method per endpoint of the REST contract; every call goes through `call()` and the request function. */
export class MlopsClient {
  constructor(private readonly request: RequestAPI) {}

  /** Call endpoint `name` of the contract with its method and path template. */
  call<K extends EndpointName>(
    name: K,
    args: CallArgs<K> = {}
  ): Promise<EndpointTypes[K]['response']> {
    const endpoint = ENDPOINTS[name];
    const path = endpointPath(
      name,
      (args.pathParams ?? {}) as EndpointTypes[K]['pathParams']
    );
    // 'no-cache' (revalidate every time) instead of ServerConnection's default 'no-store', which appends
    // a bare timestamp query parameter that the server's strict query parsing would refuse.
    const init: RequestInit = { method: endpoint.method, cache: 'no-cache' };
    if (args.body) {
      init.body = JSON.stringify(args.body);
      init.headers = { 'Content-Type': 'application/json' };
    }
    const query = (args.query ?? undefined) as
      Record<string, QueryValue> | undefined;
    return this.request<EndpointTypes[K]['response']>(path, init, query);
  }

  getConfig(): Promise<ConfigResponse> {
    return this.call('getConfig');
  }

  getNotebookExperiment(notebook: string): Promise<NotebookExperimentResponse> {
    return this.call('getNotebookExperiment', { query: { notebook } });
  }

  createNotebookExperiment(
    notebook: string
  ): Promise<NotebookExperimentResponse> {
    return this.call('createNotebookExperiment', { body: { notebook } });
  }

  listRuns(query: RunsQuery): Promise<RunsPage> {
    return this.call('listRuns', { query });
  }

  getRun(runId: string): Promise<RunDetail> {
    return this.call('getRun', { pathParams: { run_id: runId } });
  }

  getMetricHistory(
    runId: string,
    key: string,
    maxPoints = 1000
  ): Promise<MetricHistory> {
    return this.call('getMetricHistory', {
      pathParams: { run_id: runId },
      query: { key, max_points: maxPoints }
    });
  }

  getDriftReport(runId: string): Promise<DriftReport> {
    return this.call('getDriftReport', { pathParams: { run_id: runId } });
  }

  listArtifacts(runId: string, path: string): Promise<ArtifactList> {
    return this.call('listArtifacts', {
      pathParams: { run_id: runId },
      query: { path }
    });
  }

  compareRuns(runIds: string[]): Promise<CompareResponse> {
    return this.call('compareRuns', { query: { run_ids: runIds.join(',') } });
  }

  listRegisteredModels(
    filter: string | null,
    pageToken: string | null
  ): Promise<RegisteredModelsPage> {
    return this.call('listRegisteredModels', {
      query: { filter, page_token: pageToken, max_results: 100 }
    });
  }

  listModelVersions(
    name: string,
    pageToken: string | null = null
  ): Promise<ModelVersionsPage> {
    return this.call('listModelVersions', {
      query: { name, page_token: pageToken, max_results: 100 }
    });
  }

  registerModel(
    runId: string,
    name: string,
    modelId: string | null
  ): Promise<RegisterResponse> {
    return this.call('registerModel', {
      body: { run_id: runId, name, model_id: modelId }
    });
  }

  setAlias(
    name: string,
    alias: string,
    version: string
  ): Promise<AliasResponse> {
    return this.call('setAlias', { body: { name, alias, version } });
  }

  deleteAlias(name: string, alias: string): Promise<AliasResponse> {
    return this.call('deleteAlias', { query: { name, alias } });
  }

  getModelSignature(modelId: string): Promise<ModelSignatureResponse> {
    return this.call('getModelSignature', { query: { model_id: modelId } });
  }

  getPermissions(name: string): Promise<PermissionsResponse> {
    return this.call('getPermissions', { query: { name } });
  }

  convertNotebook(
    notebook: string,
    output: string | null,
    force: boolean
  ): Promise<ConvertResponse> {
    return this.call('convertNotebook', { body: { notebook, output, force } });
  }

  planPipeline(
    notebook: string,
    cells: PlanCell[]
  ): Promise<PipelinePlanResponse> {
    return this.call('planPipeline', { body: { notebook, cells } });
  }

  startTestJob(output: string): Promise<PytestJob> {
    return this.call('startTestJob', { body: { output } });
  }

  getTestJob(jobId: string, since: number): Promise<PytestJob> {
    return this.call('getTestJob', { query: { job_id: jobId, since } });
  }

  getScheduleOptions(notebook: string): Promise<ScheduleOptions> {
    return this.call('getScheduleOptions', { query: { notebook } });
  }

  previewCron(cron: string, engine: string, count = 5): Promise<CronPreview> {
    return this.call('previewCron', { query: { cron, engine, count } });
  }

  createSchedule(request: ScheduleCreateRequest): Promise<ScheduleWritten> {
    return this.call('createSchedule', { body: request });
  }

  listSchedules(folder: string | null, runs = 5): Promise<SchedulesList> {
    return this.call('listSchedules', { query: { folder, runs } });
  }
}
