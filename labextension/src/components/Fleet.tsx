/**
 * The fleet view: one row per group (series) of an experiment's runs, as the server aggregated them;
 * sorting, filtering and paging ask the server again (FleetModel).
 */
import React, { useState } from 'react';

import type { FleetGroup } from '../contract';
import { formatTime } from '../format';
import { FleetSortKey, coverageText } from '../models/fleet';
import type { PanelModel } from '../models/panel';

const COLUMNS: { key: FleetSortKey; label: string }[] = [
  { key: 'group', label: 'Group' },
  { key: 'runs', label: 'Runs' },
  { key: 'failures', label: 'Failed' },
  { key: 'running', label: 'Running' },
  { key: 'last_run', label: 'Last run' },
  { key: 'best', label: 'Best' }
];

function FleetSettingsForm({ model }: { model: PanelModel }): JSX.Element {
  const fleet = model.fleet;
  const current = fleet.settings;
  const [experiment, setExperiment] = useState(
    current.experiment || model.runs.experimentName || ''
  );
  const [groupBy, setGroupBy] = useState(current.groupBy);
  const [metric, setMetric] = useState(current.metric);
  const [lower, setLower] = useState(!current.greaterIsBetter);
  const [template, setTemplate] = useState(current.model);
  return (
    <form
      className="jp-mlops-fleet-settings"
      onSubmit={event => {
        event.preventDefault();
        void fleet.configure({
          experiment: experiment.trim(),
          groupBy: groupBy.trim(),
          metric: metric.trim(),
          greaterIsBetter: !lower,
          model: template.trim()
        });
      }}
    >
      <label>
        Experiment{' '}
        <input
          value={experiment}
          onChange={e => setExperiment(e.target.value)}
        />
      </label>
      <label>
        Group by{' '}
        <input
          value={groupBy}
          placeholder="param"
          onChange={e => setGroupBy(e.target.value)}
        />
      </label>
      <label>
        Metric{' '}
        <input value={metric} onChange={e => setMetric(e.target.value)} />
      </label>
      <label>
        <input
          type="checkbox"
          checked={lower}
          onChange={e => setLower(e.target.checked)}
        />{' '}
        lower is better
      </label>
      <label>
        Model{' '}
        <input
          value={template}
          placeholder="name-{group}"
          onChange={e => setTemplate(e.target.value)}
        />
      </label>
      <button
        type="submit"
        className="jp-mlops-button"
        disabled={!experiment || !groupBy}
      >
        Show fleet
      </button>
    </form>
  );
}

function GroupRow({
  model,
  row
}: {
  model: PanelModel;
  row: FleetGroup;
}): JSX.Element {
  const drift = Object.entries(row.drift)
    .map(
      ([key, value]) =>
        `${key.replace(/^jupyter_mlops\.drift\.?/, '')}=${value}`
    )
    .join(', ');
  return (
    <tr>
      <td>{row.group}</td>
      <td>{row.runs}</td>
      <td className={row.failures ? 'jp-mlops-failed' : undefined}>
        {row.failures}
      </td>
      <td>{row.running}</td>
      <td>
        {row.last_run_id ? (
          <button
            className="jp-mlops-link"
            title={`Open run ${row.last_run_id}`}
            onClick={() => void model.openRun(row.last_run_id!)}
          >
            {row.last_start_ms
              ? formatTime(row.last_start_ms)
              : row.last_run_id}
          </button>
        ) : (
          '–'
        )}{' '}
        {row.last_status ?? ''}
      </td>
      <td>
        {row.best_value === null ? (
          '–'
        ) : (
          <button
            className="jp-mlops-link"
            title={`Open run ${row.best_run_id}`}
            onClick={() =>
              row.best_run_id && void model.openRun(row.best_run_id)
            }
          >
            {row.best_value.toPrecision(4)}
          </button>
        )}
      </td>
      <td>
        {row.champion_version ? `v${row.champion_version}` : '–'}
        {row.champion_value ? ` (${row.champion_value})` : ''}
      </td>
      <td title={row.gate_reason ?? undefined}>
        {row.challenger_version
          ? `v${row.challenger_version} ${row.gate_decision ?? ''}`
          : '–'}
      </td>
      <td>{drift || '–'}</td>
    </tr>
  );
}

export function FleetView({ model }: { model: PanelModel }): JSX.Element {
  const fleet = model.fleet;
  const page = fleet.page.value;
  return (
    <div className="jp-mlops-fleet">
      <FleetSettingsForm model={model} />
      <input
        className="jp-mlops-filter"
        placeholder="Filter groups"
        aria-label="Filter groups"
        defaultValue={fleet.filterText}
        onKeyDown={event => {
          if (event.key === 'Enter') {
            void fleet.filter((event.target as HTMLInputElement).value);
          }
        }}
      />
      {fleet.page.error && (
        <div className="jp-mlops-error">{fleet.page.error}</div>
      )}
      {fleet.page.isLoading && <div className="jp-mlops-muted">Loading…</div>}
      {page && (
        <>
          <div className="jp-mlops-muted jp-mlops-fleet-coverage">
            {coverageText(page, fleet.offset)}
          </div>
          <table className="jp-mlops-table jp-mlops-fleet-table">
            <thead>
              <tr>
                {COLUMNS.map(column => {
                  const sorted = fleet.sortKey === column.key;
                  return (
                    <th
                      key={column.key}
                      aria-sort={
                        sorted
                          ? fleet.descending
                            ? 'descending'
                            : 'ascending'
                          : 'none'
                      }
                    >
                      <button
                        className="jp-mlops-link"
                        disabled={
                          column.key === 'best' && !fleet.settings.metric
                        }
                        onClick={() => void fleet.sortBy(column.key)}
                      >
                        {column.label}
                        {sorted ? (fleet.descending ? ' ▼' : ' ▲') : ''}
                      </button>
                    </th>
                  );
                })}
                <th>Champion</th>
                <th>Challenger · gate</th>
                <th>Drift</th>
              </tr>
            </thead>
            <tbody>
              {page.groups.map(row => (
                <GroupRow key={row.group} model={model} row={row} />
              ))}
            </tbody>
          </table>
          <div className="jp-mlops-fleet-paging">
            <button
              className="jp-mlops-button"
              disabled={!fleet.canPrevious}
              onClick={() => void fleet.previousPage()}
            >
              Previous
            </button>
            <button
              className="jp-mlops-button"
              disabled={!fleet.canNext}
              onClick={() => void fleet.nextPage()}
            >
              Next
            </button>
            {fleet.canOlder && (
              <button
                className="jp-mlops-button"
                onClick={() => void fleet.olderRuns()}
              >
                Older runs
              </button>
            )}
          </div>
        </>
      )}
    </div>
  );
}
