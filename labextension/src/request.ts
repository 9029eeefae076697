/**
 * The only code that sends HTTP to the jupyter-mlops server extension.
 *
 * `requestAPI<T>()` builds `<base_url>jupyter-mlops/<path>` and sends the request through
 * `ServerConnection.makeRequest`, which adds the token and the XSRF cookie header; `MlopsClient`
 * (api.ts) is its only caller.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { ApiError, QueryValue } from './api';
import { API_NAMESPACE, ErrorBody } from './contract';

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
      return new ApiError(
        response.status,
        body.code ?? 'internal_error',
        body.message,
        body.detail ?? null
      );
    }
  } catch {
    // Not JSON (e.g. a proxy's HTML error page): fall through to a generic message.
  }
  if (response.status === 403) {
    return new ApiError(
      403,
      'unauthenticated',
      'The Jupyter server refused the request (403). Reload the page to log in again.'
    );
  }
  if (response.status === 404) {
    return new ApiError(
      404,
      'not_found',
      'The jupyter-mlops server extension did not answer (404). Is it enabled? Run: jupyter server extension enable jupyter_mlops'
    );
  }
  return new ApiError(
    response.status,
    'internal_error',
    `The Jupyter server answered ${response.status} ${response.statusText}.`
  );
}

/** Call one endpoint of the server extension and return its JSON body typed as `T`. */
export async function requestAPI<T>(
  path: string,
  init: RequestInit = {},
  query?: Record<string, QueryValue>,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(
    settings.baseUrl,
    API_NAMESPACE,
    withQuery(path, query)
  );
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ApiError(
      0,
      'network_error',
      `Cannot reach the Jupyter server: ${(error as Error).message ?? error}. Is it still running?`
    );
  }
  if (!response.ok) {
    throw await errorFromResponse(response);
  }
  return (await response.json()) as T;
}
