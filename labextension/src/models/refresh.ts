/**
 * Background refresh of the runs list: a Lumino `Poll` that stands by while the panel is hidden.
 */
import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';

/** Longest wait between refresh polls while nothing changes (unless the configured wait is longer). */
export const MAX_POLL_SECONDS = 60;
/** The wait between polls when the server configures none. */
export const DEFAULT_POLL_SECONDS = 5;
/** Each poll that finds nothing new makes the next wait this much longer. */
export const POLL_BACKOFF = 1.5;

export interface IRunsRefreshOptions {
  /** Look for changes (and reload what changed); true when something changed. */
  check: () => Promise<boolean>;
  /** Whether checks may run now (the panel is visible and follows a notebook). */
  isActive: () => boolean;
  /** The configured wait between checks, in seconds (null: the default). */
  baseSeconds: () => number | null | undefined;
}

/**
 * Calls `check` every `baseSeconds`, backing off ×1.5 up to a minute while nothing changes (a failed
 * check counts as nothing new). While `isActive()` is false, or the browser tab is hidden, the poll
 * stands by: it asks the server nothing.
 */
export class RunsRefresh implements IDisposable {
  constructor(private readonly _options: IRunsRefreshOptions) {
    this._seconds = this._baseSeconds();
    this._poll = new Poll({
      auto: false,
      name: 'jupyter-mlops:runs-refresh',
      factory: () => this._tick(),
      frequency: this._frequency(),
      standby: () => (this._options.isActive() ? 'when-hidden' : true)
    });
  }

  /** The wait before the next check, in seconds. */
  get seconds(): number {
    return this._seconds;
  }

  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  /** Start over at the configured wait: the next check comes that long from now. */
  restart(): void {
    this._seconds = this._baseSeconds();
    this._poll.frequency = this._frequency();
    void this._poll.schedule({
      interval: this._seconds * 1000,
      phase: 'started'
    });
  }

  dispose(): void {
    // Stopping first clears the pending timer, which Poll.dispose() leaves to fire into a no-op.
    void this._poll.stop();
    this._poll.dispose();
  }

  private async _tick(): Promise<void> {
    let changed = false;
    try {
      changed = await this._options.check();
    } catch {
      changed = false; // A failed background refresh is not reported each time; it backs off.
    }
    this._seconds = changed
      ? this._baseSeconds()
      : Math.min(this._seconds * POLL_BACKOFF, this._maxSeconds());
    this._poll.frequency = this._frequency();
  }

  private _baseSeconds(): number {
    return this._options.baseSeconds() || DEFAULT_POLL_SECONDS;
  }

  /** A minute, or the configured wait when that is longer. */
  private _maxSeconds(): number {
    return Math.max(MAX_POLL_SECONDS, this._baseSeconds());
  }

  private _frequency(): { interval: number; backoff: boolean; max: number } {
    return {
      interval: this._seconds * 1000,
      backoff: false,
      max: this._maxSeconds() * 1000
    };
  }

  private _seconds: number;
  private readonly _poll: Poll;
}
