/**
 * The only code that talks to the jupyter-mlops server extension.
 *
 * `requestAPI<T>()` builds `<base_url>jupyter-mlops/<path>` and sends the request through
 * `ServerConnection.makeRequest`, which adds the token and the XSRF cookie header; `MlopsClient`
 * is its only caller and has one method per endpoint of the REST contract (`contract.ts`).
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import {
  AliasResponse,
  ArtifactList,
  CompareResponse,
  ConfigResponse,
  ErrorBody,
  MetricHistory,
  ModelVersionsPage,
  NotebookExperimentResponse,
  PermissionsResponse,
  RegisteredModelsPage,
  RegisterResponse,
  RunDetail,
  RunsPage,
  RunsQuery,
  API_NAMESPACE,
  ENDPOINTS,
  EndpointName,
  EndpointTypes,
  endpointPath
} from './contract';

type QueryValue = string | number | null | undefined;

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

/** Build `path?query` from the defined query values. */
function withQuery(path: string, query?: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') {
      params.set(key, String(value));
    }
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** Read an error answer as the contract's `ErrorBody`, or describe a non-JSON answer readably. */
async function errorFromResponse(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    if (typeof body.message === 'string' && body.message) {
      return new ApiError(response.status, body.code ?? 'internal_error', body.message, body.detail ?? null);
    }
  } catch {
    // Not JSON (e.g. a proxy's HTML error page): fall through to a generic message.
  }
  if (response.status === 403) {
    return new ApiError(403, 'unauthenticated', 'The Jupyter server refused the request (403). Reload the page to log in again.');
  }
  if (response.status === 404) {
    return new ApiError(
      404,
      'not_found',
      'The jupyter-mlops server extension did not answer (404). Is it enabled? Run: jupyter server extension enable jupyter_mlops'
    );
  }
  return new ApiError(response.status, 'internal_error', `The Jupyter server answered ${response.status} ${response.statusText}.`);
}

/** Call one endpoint of the server extension and return its JSON body typed as `T`. */
export async function requestAPI<T>(
  path: string,
  init: RequestInit = {},
  query?: Record<string, QueryValue>,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, API_NAMESPACE, withQuery(path, query));
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ApiError(0, 'network_error', `Cannot reach the Jupyter server: ${(error as Error).message ?? error}. Is it still running?`);
  }
  if (!response.ok) {
    throw await errorFromResponse(response);
  }
  return (await response.json()) as T;
}

/** What one endpoint call sends: path parameters, query and JSON body, typed by the contract. */
type CallArgs<K extends EndpointName> = {
  pathParams?: EndpointTypes[K]['pathParams'];
  query?: EndpointTypes[K]['query'];
  body?: EndpointTypes[K]['body'];
};

/** One method per endpoint of the REST contract; every call goes through `call()` and `requestAPI()`. */
export class MlopsClient {
  constructor(private readonly settings: ServerConnection.ISettings = ServerConnection.makeSettings()) {}

  /** Call endpoint `name` of the contract with its method and path template. */
  call<K extends EndpointName>(name: K, args: CallArgs<K> = {}): Promise<EndpointTypes[K]['response']> {
    const endpoint = ENDPOINTS[name];
    const path = endpointPath(name, (args.pathParams ?? {}) as EndpointTypes[K]['pathParams']);
    // 'no-cache' (revalidate every time) instead of ServerConnection's default 'no-store', which appends
    // a bare timestamp query parameter that the server's strict query parsing would refuse.
    const init: RequestInit = { method: endpoint.method, cache: 'no-cache' };
    if (args.body) {
      init.body = JSON.stringify(args.body);
      init.headers = { 'Content-Type': 'application/json' };
    }
    const query = (args.query ?? undefined) as Record<string, QueryValue> | undefined;
    return requestAPI<EndpointTypes[K]['response']>(path, init, query, this.settings);
  }

  getConfig(): Promise<ConfigResponse> {
    return this.call('getConfig');
  }

  getNotebookExperiment(notebook: string): Promise<NotebookExperimentResponse> {
    return this.call('getNotebookExperiment', { query: { notebook } });
  }

  createNotebookExperiment(notebook: string): Promise<NotebookExperimentResponse> {
    return this.call('createNotebookExperiment', { body: { notebook } });
  }

  listRuns(query: RunsQuery): Promise<RunsPage> {
    return this.call('listRuns', { query });
  }

  getRun(runId: string): Promise<RunDetail> {
    return this.call('getRun', { pathParams: { run_id: runId } });
  }

  getMetricHistory(runId: string, key: string, maxPoints = 1000): Promise<MetricHistory> {
    return this.call('getMetricHistory', { pathParams: { run_id: runId }, query: { key, max_points: maxPoints } });
  }

  listArtifacts(runId: string, path: string): Promise<ArtifactList> {
    return this.call('listArtifacts', { pathParams: { run_id: runId }, query: { path } });
  }

  compareRuns(runIds: string[]): Promise<CompareResponse> {
    return this.call('compareRuns', { query: { run_ids: runIds.join(',') } });
  }

  listRegisteredModels(filter: string | null, pageToken: string | null): Promise<RegisteredModelsPage> {
    return this.call('listRegisteredModels', { query: { filter, page_token: pageToken, max_results: 100 } });
  }

  listModelVersions(name: string, pageToken: string | null = null): Promise<ModelVersionsPage> {
    return this.call('listModelVersions', { query: { name, page_token: pageToken, max_results: 100 } });
  }

  registerModel(runId: string, name: string, modelId: string | null): Promise<RegisterResponse> {
    return this.call('registerModel', { body: { run_id: runId, name, model_id: modelId } });
  }

  setAlias(name: string, alias: string, version: string): Promise<AliasResponse> {
    return this.call('setAlias', { body: { name, alias, version } });
  }

  deleteAlias(name: string, alias: string): Promise<AliasResponse> {
    return this.call('deleteAlias', { query: { name, alias } });
  }

  getPermissions(name: string): Promise<PermissionsResponse> {
    return this.call('getPermissions', { query: { name } });
  }
}
