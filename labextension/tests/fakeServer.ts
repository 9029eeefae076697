/**
 * The server extension's REST API answered in memory, behind the real `MlopsClient`: the one boundary
 * the model tests replace (the server itself is tested for real by the Python suite).
 */
import { PromiseDelegate } from '@lumino/coreutils';

import { ApiError, MlopsClient, QueryValue, RequestAPI } from '../src/api';
import type {
  Experiment,
  MetricHistory,
  RunDetail,
  RunsPage,
  RunSummary
} from '../src/contract';
import type { INotifier } from '../src/models/report';

/** One request as it would go on the wire (query values as strings, empty ones dropped). */
export interface IRecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body: any;
}

type Handler = (call: IRecordedCall) => unknown;

export class FakeServer {
  /** Every request, in order. */
  readonly calls: IRecordedCall[] = [];

  /** Answer `method path` (a string, or a pattern for paths with ids) with `handler`'s value. */
  on(method: string, path: string | RegExp, handler: Handler): this {
    this._routes.unshift({ method, path, handler });
    return this;
  }

  /** The requests sent to `method path` so far. */
  callsTo(method: string, path: string | RegExp): IRecordedCall[] {
    return this.calls.filter(
      call => call.method === method && matches(path, call.path)
    );
  }

  /** The function `requestAPI()` would be: routes the request, or answers 404 like the server. */
  readonly request: RequestAPI = async <T>(
    path: string,
    init: RequestInit,
    query?: Record<string, QueryValue>
  ): Promise<T> => {
    const call: IRecordedCall = {
      method: init.method ?? 'GET',
      path,
      query: onTheWire(query),
      body: init.body ? JSON.parse(String(init.body)) : null
    };
    this.calls.push(call);
    const route = this._routes.find(
      item => item.method === call.method && matches(item.path, path)
    );
    if (!route) {
      throw new ApiError(
        404,
        'not_found',
        `No route for ${call.method} ${path}`
      );
    }
    return (await route.handler(call)) as T;
  };

  /** A real client whose requests this server answers. */
  client(): MlopsClient {
    return new MlopsClient(this.request);
  }

  private _routes: {
    method: string;
    path: string | RegExp;
    handler: Handler;
  }[] = [];
}

function matches(pattern: string | RegExp, path: string): boolean {
  return typeof pattern === 'string' ? pattern === path : pattern.test(path);
}

function onTheWire(query?: Record<string, QueryValue>): Record<string, string> {
  const wire: Record<string, string> = {};
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') {
      wire[key] = String(value);
    }
  }
  return wire;
}

/** Notifications the models sent, by kind. */
export class RecordingNotifier implements INotifier {
  readonly errors: string[] = [];
  readonly successes: string[] = [];
  readonly warnings: string[] = [];

  error(message: string): void {
    this.errors.push(message);
  }

  success(message: string): void {
    this.successes.push(message);
  }

  warning(message: string): void {
    this.warnings.push(message);
  }
}

/** An answer the test releases when it wants (to order concurrent requests). */
export function deferred<T>(): PromiseDelegate<T> {
  return new PromiseDelegate<T>();
}

/** Let every settled promise run its callbacks. */
export async function settle(): Promise<void> {
  for (let round = 0; round < 10; round++) {
    await Promise.resolve();
  }
}

export function experiment(id = '7', name = 'work/train.ipynb'): Experiment {
  return {
    experiment_id: id,
    name,
    artifact_location: `mlflow-artifacts:/${id}`,
    lifecycle_stage: 'active',
    creation_time: 0,
    last_update_time: 0,
    tags: {}
  };
}

export function run(
  runId: string,
  overrides: Partial<RunSummary> = {}
): RunSummary {
  return {
    run_id: runId,
    run_name: `run-${runId}`,
    experiment_id: '7',
    status: 'FINISHED',
    start_time: 1_700_000_000_000,
    end_time: 1_700_000_001_000,
    duration_ms: 1000,
    user_id: 'alice',
    lifecycle_stage: 'active',
    params: {},
    metrics: {},
    tags: {},
    model_ids: [],
    ...overrides
  };
}

export function runsPage(
  runs: RunSummary[],
  overrides: Partial<RunsPage> = {}
): RunsPage {
  return {
    runs,
    next_page_token: null,
    param_keys: [],
    metric_keys: [],
    ...overrides
  };
}

export function runDetail(summary: RunSummary): RunDetail {
  return {
    run: summary,
    artifacts: [],
    models: [],
    register_disabled_reason: null,
    drift: null
  };
}

export function history(runId: string, key: string): MetricHistory {
  return {
    run_id: runId,
    key,
    points: [{ step: 0, value: 1, timestamp: 0 }],
    total_points: 1,
    sampled: false
  };
}
