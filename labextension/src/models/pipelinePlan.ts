/**
 * The step graph of the notebook being edited: the cells are sent to the server's `convert/plan` (nb2prod's
 * own planning) a moment after the last change, and only the answer for the newest content is kept.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import type { MlopsClient } from '../api';
import type {
  ConversionRefusal,
  PipelinePlanResponse,
  PlanCell
} from '../contract';
import { english, errorMessage, ITrans } from './report';

/** How long the notebook must stay unchanged before it is planned (typing is not planned key by key). */
export const PLAN_DELAY_MS = 400;

/** Runs `callback` after `ms`; returns a function that cancels it (setTimeout in JupyterLab). */
export type Schedule = (callback: () => void, ms: number) => () => void;

export const timerSchedule: Schedule = (callback, ms) => {
  const handle = setTimeout(callback, ms);
  return () => clearTimeout(handle);
};

export class PipelinePlanModel implements IDisposable {
  constructor(
    private readonly _client: MlopsClient,
    private readonly _schedule: Schedule = timerSchedule,
    private readonly _delayMs = PLAN_DELAY_MS,
    private readonly _trans: ITrans = english
  ) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The newest answer (null before the first). */
  get plan(): PipelinePlanResponse | null {
    return this._plan;
  }

  /** The last answer that had a step graph: still drawn, marked stale, while the tags have issues. */
  get lastGraph(): PipelinePlanResponse | null {
    return this._lastGraph;
  }

  /** How many cells the notebook had when `lastGraph` was planned (its cell indices are for that). */
  get lastGraphCells(): number {
    return this._lastGraphCells;
  }

  /** Why the server could not plan (network, permissions); null when it answered. */
  get error(): string | null {
    return this._error;
  }

  /** Whether a change is waiting for (or being given) its plan. */
  get pending(): boolean {
    return this._scheduled || this._inFlight;
  }

  /** nb2prod's messages about cell `index` in the newest answer. */
  issuesAt(index: number): ConversionRefusal[] {
    return (this._plan?.issues ?? []).filter(
      issue => issue.cell_index === index
    );
  }

  /** The notebook changed: plan `cells` once no further change comes for the delay. */
  update(notebook: string, cells: () => PlanCell[]): void {
    if (this._disposed) {
      return;
    }
    this._cancel?.();
    this._scheduled = true;
    this._cancel = this._schedule(() => {
      this._cancel = null;
      this._scheduled = false;
      const current = cells();
      const key = JSON.stringify([notebook, current]);
      if (key !== this._sentKey || this._error !== null) {
        this._sentKey = key;
        this._sent += 1;
        if (this._inFlight) {
          // One request at a time: this one goes when the answer in flight (now stale) arrives.
          this._queued = { notebook, cells: current };
        } else {
          this._inFlight = true;
          void this._send(notebook, current, this._sent);
        }
      } // else only what nb2prod ignores changed (outputs): the plan sent stands
      this._changed.emit();
    }, this._delayMs);
    this._changed.emit();
  }

  private async _send(
    notebook: string,
    cells: PlanCell[],
    request: number
  ): Promise<void> {
    let answer: PipelinePlanResponse | null = null;
    let error: string | null = null;
    try {
      answer = await this._client.planPipeline(notebook, cells);
    } catch (caught) {
      error = errorMessage(caught, this._trans);
    }
    if (this._disposed) {
      return;
    }
    if (request !== this._sent) {
      // The content changed meanwhile: drop this answer and plan the newest content.
      const queued = this._queued;
      this._queued = null;
      if (queued) {
        void this._send(queued.notebook, queued.cells, this._sent);
      }
      return;
    }
    this._inFlight = false;
    this._error = error;
    if (error !== null) {
      this._sentKey = null; // ask again on the next change
    }
    if (answer) {
      this._plan = answer;
      if (answer.planned) {
        this._lastGraph = answer;
        this._lastGraphCells = cells.length;
      }
    }
    this._changed.emit();
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._cancel?.();
    Signal.clearData(this);
  }

  private _changed = new Signal<this, void>(this);
  private _plan: PipelinePlanResponse | null = null;
  private _lastGraph: PipelinePlanResponse | null = null;
  private _lastGraphCells = 0;
  private _error: string | null = null;
  private _scheduled = false;
  private _queued: { notebook: string; cells: PlanCell[] } | null = null;
  private _sent = 0;
  private _cancel: (() => void) | null = null;
  private _sentKey: string | null = null;
  private _inFlight = false;
  private _disposed = false;
}
