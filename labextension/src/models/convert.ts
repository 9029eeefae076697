/**
 * Convert to Production: nb2prod on the server for the notebook, its report or refusal, and the
 * generated tests run as a server-side job followed live.
 */
import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import type { MlopsClient } from '../api';
import type {
  ConversionRefusal,
  ConvertResponse,
  PytestJob
} from '../contract';
import { AsyncState } from './asyncState';
import { english, errorMessage, ITrans, Reporter } from './report';

/** Suffix of the default output folder, next to the notebook (as the server's default). */
export const OUTPUT_SUFFIX = '_prod';
/** How often a running test job is asked for new output lines. */
export const TEST_POLL_MS = 1000;

/** Shows the notebook cell (0-based index) and line (1-based, in the cell) a refusal points at. */
export type RevealCell = (
  notebook: string,
  cellIndex: number,
  line: number | null
) => void | Promise<void>;

/**
 * `work/Iris Classifier.ipynb` → `work/Iris Classifier_prod` (contents-API paths); with `parent`
 * (the default output folder setting) → `<parent>/Iris Classifier_prod`.
 */
export function defaultOutput(notebook: string, parent = ''): string {
  const slash = notebook.lastIndexOf('/');
  const folder = parent
    ? `${parent}/`
    : slash >= 0
      ? notebook.slice(0, slash + 1)
      : '';
  const name = notebook.slice(slash + 1);
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  return `${folder}${stem}${OUTPUT_SUFFIX}`;
}

/** `cell 3 (step:train), line 2`, or null when the refusal has no place in the notebook. */
export function refusalPlace(
  refusal: ConversionRefusal,
  trans: ITrans = english
): string | null {
  if (refusal.cell_index === null) {
    return null;
  }
  const tag = refusal.tag ? ` (${refusal.tag})` : '';
  const line = refusal.line !== null ? trans.__(', line %1', refusal.line) : '';
  return trans.__('cell %1', refusal.cell_index) + tag + line;
}

/** The test job: its latest state from the server and every output line read so far. */
export interface ITestRun {
  job: PytestJob;
  lines: string[];
}

export class ConvertModel implements IDisposable {
  constructor(
    private readonly _client: MlopsClient,
    private readonly _reporter: Reporter,
    private readonly _reveal: RevealCell | null = null
  ) {
    this.result.changed.connect(this._emit, this);
  }

  /** The last conversion's answer (report or refusal). */
  readonly result = new AsyncState<ConvertResponse>();

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The test job of the converted package (null until Run tests). */
  get testRun(): ITestRun | null {
    return this._testRun;
  }

  /** Why the test job could not start or be followed (null when fine). */
  get testError(): string | null {
    return this._testError;
  }

  get isTesting(): boolean {
    return this._testRun?.job.status === 'running';
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Convert `notebook` into `output` (a folder under the Jupyter root; empty: next to the notebook).
   * A refusal that names a cell shows that cell; a new conversion forgets the previous test job.
   */
  async convert(
    notebook: string,
    output: string,
    force: boolean
  ): Promise<ConvertResponse | null> {
    this._stopTests();
    this._testRun = null;
    this._testError = null;
    const outcome = await this.result.load(
      () =>
        this._client.convertNotebook(notebook, output.trim() || null, force),
      this._reporter.failure(
        this._reporter.trans.__('Cannot convert %1', notebook)
      )
    );
    if (outcome.kind !== 'ready') {
      return null;
    }
    const answer = outcome.value;
    if (answer.converted) {
      this._reporter.success(
        this._reporter.trans.__(
          'Converted %1 into %2.',
          notebook,
          answer.output
        )
      );
    } else if (answer.refusal) {
      this._reporter.notifier.error(
        this._reporter.trans.__(
          'nb2prod refused %1: %2',
          notebook,
          answer.refusal.message
        )
      );
      await this.revealRefusal();
    }
    return answer;
  }

  /** Show the cell and line the current refusal points at (nothing when it names no cell). */
  async revealRefusal(): Promise<void> {
    const answer = this.result.value;
    const refusal = answer?.refusal;
    if (!answer || !refusal || refusal.cell_index === null || !this._reveal) {
      return;
    }
    await this._reveal(answer.notebook, refusal.cell_index, refusal.line);
  }

  /** Run the converted package's tests on the server and follow their output until they end. */
  async runTests(): Promise<void> {
    const output = this.result.value?.converted
      ? this.result.value.output
      : null;
    if (!output || this.isTesting) {
      return;
    }
    this._testError = null;
    this._starting = true;
    this._emit();
    let job: PytestJob;
    try {
      job = await this._client.startTestJob(output);
    } catch (error) {
      this._starting = false;
      this._testError = this._reporter.failure(
        this._reporter.trans.__('Cannot run the tests of %1', output)
      )(error);
      this._emit();
      return;
    }
    this._starting = false;
    this._testRun = { job, lines: [...job.lines] };
    this._emit();
    if (job.status === 'running') {
      this._follow(job.job_id);
    } else {
      this._announce(job);
    }
  }

  /** Whether Run tests is on its way to the server. */
  get isStarting(): boolean {
    return this._starting;
  }

  /** Forget the conversion and its tests (another notebook). */
  reset(): void {
    this._stopTests();
    this._testRun = null;
    this._testError = null;
    this.result.reset();
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._stopTests();
    this.result.dispose();
    Signal.clearData(this);
  }

  private _follow(jobId: string): void {
    this._stopTests();
    const poll: Poll = new Poll({
      auto: false,
      name: 'jupyter-mlops:test-job',
      factory: (): Promise<void> => this._readJob(jobId, poll),
      frequency: { interval: TEST_POLL_MS, backoff: false, max: TEST_POLL_MS },
      standby: 'never'
    });
    this._poll = poll;
    void poll.schedule({ interval: TEST_POLL_MS, phase: 'started' });
  }

  private async _readJob(jobId: string, poll: Poll): Promise<void> {
    const run = this._testRun;
    if (!run || run.job.job_id !== jobId || poll !== this._poll) {
      return;
    }
    let job: PytestJob;
    try {
      job = await this._client.getTestJob(jobId, run.job.line_count);
    } catch (error) {
      this._testError = this._reporter.trans.__(
        'Cannot follow the tests: %1',
        errorMessage(error, this._reporter.trans)
      );
      this._stopTests();
      this._emit();
      return;
    }
    if (poll !== this._poll) {
      return; // stopped while the answer was on its way
    }
    const asked = run.job.line_count;
    // The server keeps the last lines of a very long output: say how many were skipped.
    const skipped =
      job.first_line > asked
        ? [
            this._reporter.trans.__(
              '… %1 lines not kept by the server …',
              job.first_line - asked
            )
          ]
        : [];
    this._testRun = { job, lines: [...run.lines, ...skipped, ...job.lines] };
    if (job.status !== 'running') {
      this._stopTests();
      this._announce(job);
    }
    this._emit();
  }

  private _announce(job: PytestJob): void {
    const trans = this._reporter.trans;
    const counts = job.counts;
    const summary = counts
      ? trans.__(
          '%1 passed, %2 failed, %3 errors',
          counts.passed,
          counts.failed,
          counts.errors
        )
      : (job.message ?? trans.__('exit code %1', job.exit_code));
    if (job.status === 'passed') {
      this._reporter.success(
        trans.__('Tests of %1 passed: %2.', job.output, summary)
      );
    } else if (job.status === 'failed') {
      this._reporter.notifier.error(
        trans.__('Tests of %1 failed: %2.', job.output, summary)
      );
    } else {
      this._reporter.notifier.error(
        trans.__('Tests of %1 could not run: %2.', job.output, summary)
      );
    }
  }

  private _stopTests(): void {
    const poll = this._poll;
    this._poll = null;
    if (poll) {
      void poll.stop();
      poll.dispose();
    }
  }

  private _emit(): void {
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _testRun: ITestRun | null = null;
  private _testError: string | null = null;
  private _starting = false;
  private _poll: Poll | null = null;
  private _isDisposed = false;
}
