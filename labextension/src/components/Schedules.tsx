/**
 * The Schedules view: the schedule written last (its files, crontab line and how to start it), and the
 * folder's schedules with their newest MLflow runs — failed ones highlighted, with links to the run and
 * its executed notebook.
 */
import React from 'react';

import type {
  ScheduledRun,
  ScheduleSummary,
  ScheduleWritten
} from '../contract';
import type { PanelModel } from '../models/panel';
import { lastStatus } from '../models/schedule';
import { useTrans } from '../translation';

function when(ms: number | null): string {
  return ms === null ? '—' : new Date(ms).toLocaleString();
}

function Written({
  written,
  onDismiss
}: {
  written: ScheduleWritten;
  onDismiss: () => void;
}): JSX.Element {
  const trans = useTrans();
  const isCron = written.engine === 'cron';
  const install = (
    <pre className="jp-mlops-command" aria-label={trans.__('Install step')}>
      {written.install_step}
    </pre>
  );
  return (
    <section
      className="jp-mlops-section jp-mlops-schedule-written"
      role="status"
      aria-label={trans.__('Schedule written')}
    >
      <div className="jp-mlops-schedule-written-title">
        <strong>
          {trans.__('Wrote')} <code>{written.name}</code> ({written.engine},{' '}
          <code>{written.cron}</code>
          {written.description ? ` — ${written.description}` : ''})
        </strong>
        <button
          className="jp-mlops-link"
          aria-label={trans.__('Dismiss')}
          title={trans.__('Dismiss')}
          onClick={onDismiss}
        >
          ×
        </button>
      </div>
      <div className="jp-mlops-hint" aria-label={trans.__('Files written')}>
        {written.files.join(', ')}
      </div>
      {written.crontab_line && (
        <pre className="jp-mlops-command" aria-label={trans.__('Crontab line')}>
          {written.crontab_line}
        </pre>
      )}
      {isCron ? (
        <details>
          <summary>
            {trans.__('Install it in your crontab (a terminal command)')}
          </summary>
          {install}
        </details>
      ) : (
        <>
          <div className="jp-mlops-hint">{trans.__('Start it:')}</div>
          {install}
        </>
      )}
      <details>
        <summary>{trans.__('Same as the command line')}</summary>
        <pre className="jp-mlops-command">{written.cli_command}</pre>
      </details>
    </section>
  );
}

function RunLine({
  run,
  model
}: {
  run: ScheduledRun;
  model: PanelModel;
}): JSX.Element {
  const trans = useTrans();
  const failed = run.status === 'FAILED' || run.status === 'KILLED';
  return (
    <li
      className={failed ? 'jp-mlops-run-failed' : undefined}
      aria-label={trans.__('Run %1', run.run_name || run.run_id)}
    >
      <span
        className={`jp-mlops-status jp-mlops-status-${run.status.toLowerCase()}`}
      >
        {run.status}
      </span>{' '}
      {when(run.start_time)}{' '}
      {run.run_url ? (
        <a href={run.run_url} target="_blank" rel="noopener noreferrer">
          {run.run_name || run.run_id}
        </a>
      ) : (
        <button
          className="jp-mlops-link"
          onClick={() => void model.openRun(run.run_id)}
        >
          {run.run_name || run.run_id}
        </button>
      )}
      {run.executed_notebook &&
        (run.notebook_url ? (
          <>
            {' · '}
            <a
              href={run.notebook_url}
              target="_blank"
              rel="noopener noreferrer"
            >
              {trans.__('executed notebook')}
            </a>
          </>
        ) : (
          <span className="jp-mlops-hint" title={run.executed_notebook}>
            {' · '}
            {trans.__("executed notebook in the run's artifacts")}
          </span>
        ))}
      {run.error && <div className="jp-mlops-error">{run.error}</div>}
    </li>
  );
}

function ScheduleRow({
  summary,
  model
}: {
  summary: ScheduleSummary;
  model: PanelModel;
}): JSX.Element {
  const trans = useTrans();
  const status = lastStatus(summary, trans);
  return (
    <li
      className={`jp-mlops-schedule${status.failed ? ' jp-mlops-schedule-failed' : ''}`}
      aria-label={trans.__('Schedule %1', summary.name)}
    >
      <div>
        <strong>{summary.name}</strong> · {summary.engine} ·{' '}
        <code>{summary.cron ?? '?'}</code>
        {summary.description ? ` — ${summary.description}` : ''} ·{' '}
        <span
          className={status.failed ? 'jp-mlops-error' : 'jp-mlops-hint'}
          aria-label={trans.__('Last status')}
        >
          {status.label}
        </span>
      </div>
      <div className="jp-mlops-hint">
        <code>{summary.target}</code>
        {summary.experiment_name
          ? trans.__(' → experiment %1', summary.experiment_name)
          : ''}{' '}
        · {summary.files.join(', ')}
      </div>
      {summary.note && <div className="jp-mlops-hint">{summary.note}</div>}
      {summary.runs.length > 0 && (
        <ul
          className="jp-mlops-schedule-runs"
          aria-label={trans.__('Last runs')}
        >
          {summary.runs.map(run => (
            <RunLine key={run.run_id} run={run} model={model} />
          ))}
        </ul>
      )}
    </li>
  );
}

export function SchedulesView({ model }: { model: PanelModel }): JSX.Element {
  const trans = useTrans();
  const schedules = model.schedules;
  const list = schedules.list.value;
  return (
    <div className="jp-mlops-padded jp-mlops-schedules">
      <div className="jp-mlops-toolbar">
        <button
          className="jp-mlops-button"
          onClick={() => schedules.requestCreate()}
          disabled={!model.runs.notebookPath || schedules.isWriting}
          title={
            model.runs.notebookPath
              ? trans.__('Schedule %1', model.runs.notebookPath)
              : trans.__('Open a notebook to schedule it')
          }
        >
          {trans.__('Schedule Retraining…')}
        </button>{' '}
        <button
          className="jp-mlops-link"
          onClick={() => void schedules.load()}
          disabled={schedules.list.isLoading}
        >
          {trans.__('Refresh')}
        </button>
      </div>
      {schedules.isWriting && (
        <p className="jp-mlops-hint">{trans.__('Writing…')}</p>
      )}
      {schedules.writeError && (
        <p className="jp-mlops-error" role="alert">
          {schedules.writeError}
        </p>
      )}
      {schedules.written && (
        <Written
          written={schedules.written}
          onDismiss={() => schedules.dismissWritten()}
        />
      )}
      <h3>
        {trans.__('Schedules in')}{' '}
        <code>{list?.folder ?? schedules.folder ?? 'schedules'}</code>
      </h3>
      {schedules.list.error && (
        <p className="jp-mlops-error" role="alert">
          {schedules.list.error}
        </p>
      )}
      {!list && schedules.list.isLoading && (
        <p className="jp-mlops-hint">{trans.__('Loading…')}</p>
      )}
      {list && list.schedules.length === 0 && (
        <p className="jp-mlops-hint">
          {trans.__('No schedules here yet.')}{' '}
          <em>{trans.__('Schedule Retraining…')}</em> {trans.__('writes one.')}
        </p>
      )}
      {list && list.schedules.length > 0 && (
        <ul
          className="jp-mlops-schedule-list"
          aria-label={trans.__('Schedules')}
        >
          {list.schedules.map(summary => (
            <ScheduleRow
              key={summary.files[0]}
              summary={summary}
              model={model}
            />
          ))}
        </ul>
      )}
      {list?.problems.map(problem => (
        <p className="jp-mlops-error" key={problem}>
          {problem}
        </p>
      ))}
    </div>
  );
}
