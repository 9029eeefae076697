/**
 * The runs of the notebook's experiment: sortable, filterable, server-side paged, virtualized rows.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useCallback, useState } from 'react';
import { List, RowComponentProps } from 'react-window';

import type { RunSummary } from '../contract';
import { formatDuration, formatMetric, formatTime } from '../format';
import type { PanelModel } from '../models/panel';
import type { RunsModel } from '../models/runs';
import { orderByKey } from '../models/runsQuery';
import { useTrans } from '../translation';

const ROW_HEIGHT = 28;
/** Start fetching the next page when this close to the end of the loaded rows. */
const PREFETCH_ROWS = 40;

interface IColumn {
  id: string;
  title: string;
  width: number;
  sortKey: string | null;
  cell: (run: RunSummary) => string;
}

/** The fixed columns plus the chosen params and metrics. */
function columnsFor(model: RunsModel, trans: TranslationBundle): IColumn[] {
  const fixed: IColumn[] = [
    {
      id: 'status',
      title: trans.__('Status'),
      width: 78,
      sortKey: 'attributes.status',
      cell: run => run.status
    },
    {
      id: 'start',
      title: trans.__('Started'),
      width: 150,
      sortKey: 'attributes.start_time',
      cell: run => formatTime(run.start_time)
    },
    {
      id: 'duration',
      title: trans.__('Duration'),
      width: 72,
      sortKey: null,
      cell: run => formatDuration(run.duration_ms)
    }
  ];
  const params = model.columns.params.map<IColumn>(key => ({
    id: `param:${key}`,
    title: key,
    width: 84,
    sortKey: orderByKey('params', key),
    cell: run => run.params[key] ?? '–'
  }));
  const metrics = model.columns.metrics.map<IColumn>(key => ({
    id: `metric:${key}`,
    title: key,
    width: 84,
    sortKey: orderByKey('metrics', key),
    cell: run => formatMetric(run.metrics[key])
  }));
  return [...fixed, ...params, ...metrics];
}

interface IRowProps {
  model: PanelModel;
  columns: IColumn[];
  runs: RunSummary[];
  selected: ReadonlySet<string>;
  trans: TranslationBundle;
}

const SELECT_WIDTH = 28;
const NAME_WIDTH = 150;

function RunRow({
  index,
  style,
  model,
  columns,
  runs,
  selected,
  trans,
  ariaAttributes
}: RowComponentProps<IRowProps>): JSX.Element {
  const run = runs[index];
  if (!run) {
    return (
      <div
        style={style}
        className="jp-mlops-row jp-mlops-row-loading"
        {...ariaAttributes}
      >
        {trans.__('Loading more runs…')}
      </div>
    );
  }
  const name = run.run_name || run.run_id.slice(0, 8);
  return (
    <div
      style={style}
      className="jp-mlops-row"
      data-run-id={run.run_id}
      {...ariaAttributes}
    >
      <span className="jp-mlops-cell" style={{ width: SELECT_WIDTH }}>
        <input
          type="checkbox"
          aria-label={trans.__('Select %1 for comparison', name)}
          checked={selected.has(run.run_id)}
          onChange={() => model.runs.toggleSelected(run.run_id)}
        />
      </span>
      <span className="jp-mlops-cell" style={{ width: NAME_WIDTH }}>
        <button
          className="jp-mlops-link"
          title={trans.__('Open run %1 (%2)', name, run.run_id)}
          onClick={() => void model.openRun(run.run_id)}
        >
          {name}
        </button>
      </span>
      {columns.map(column => (
        <span
          key={column.id}
          className={`jp-mlops-cell${column.id === 'status' ? ` jp-mlops-status jp-mlops-status-${run.status.toLowerCase()}` : ''}`}
          style={{ width: column.width }}
          title={column.cell(run)}
        >
          {column.cell(run)}
        </span>
      ))}
    </div>
  );
}

function SortHeader({
  model,
  column
}: {
  model: RunsModel;
  column: IColumn;
}): JSX.Element {
  const trans = useTrans();
  if (!column.sortKey) {
    return (
      <span
        className="jp-mlops-cell jp-mlops-header-cell"
        style={{ width: column.width }}
        title={trans.__('%1 (not sortable)', column.title)}
      >
        {column.title}
      </span>
    );
  }
  const active = model.sort.column === column.sortKey;
  const arrow = active ? (model.sort.ascending ? ' ▲' : ' ▼') : '';
  return (
    <span
      className="jp-mlops-cell jp-mlops-header-cell"
      style={{ width: column.width }}
    >
      <button
        className="jp-mlops-sort"
        aria-label={trans.__('Sort by %1', column.title)}
        aria-pressed={active}
        title={trans.__('Sort by %1', column.title)}
        onClick={() => model.setSort(column.sortKey as string)}
      >
        {column.title}
        {arrow}
      </button>
    </span>
  );
}

function ColumnPicker({ model }: { model: RunsModel }): JSX.Element | null {
  const trans = useTrans();
  if (model.paramKeys.length === 0 && model.metricKeys.length === 0) {
    return null;
  }
  const option = (kind: 'params' | 'metrics', key: string): JSX.Element => (
    <label key={`${kind}:${key}`} className="jp-mlops-column-option">
      <input
        type="checkbox"
        checked={model.columns[kind].includes(key)}
        onChange={() => model.toggleColumn(kind, key)}
      />
      {key}
    </label>
  );
  return (
    <details className="jp-mlops-columns">
      <summary>{trans.__('Columns')}</summary>
      <div className="jp-mlops-columns-list">
        {model.metricKeys.length > 0 && <strong>{trans.__('Metrics')}</strong>}
        {model.metricKeys.map(key => option('metrics', key))}
        {model.paramKeys.length > 0 && <strong>{trans.__('Params')}</strong>}
        {model.paramKeys.map(key => option('params', key))}
      </div>
    </details>
  );
}

function FilterBox({ model }: { model: RunsModel }): JSX.Element {
  const trans = useTrans();
  const [text, setText] = useState(model.filterText);
  return (
    <form
      className="jp-mlops-filter"
      onSubmit={event => {
        event.preventDefault();
        model.setFilter(text);
      }}
    >
      <input
        type="search"
        aria-label={trans.__('Filter runs')}
        placeholder={trans.__(
          'Run name, or MLflow filter e.g. metrics.accuracy > 0.9'
        )}
        value={text}
        onChange={event => setText(event.target.value)}
      />
    </form>
  );
}

/** Toolbar, header and the virtualized rows. */
export function RunsTable({ model }: { model: PanelModel }): JSX.Element {
  const trans = useTrans();
  const runs = model.runs;
  const columns = columnsFor(runs, trans);
  const width =
    SELECT_WIDTH +
    NAME_WIDTH +
    columns.reduce((sum, column) => sum + column.width, 0);
  const loadedCount = runs.runs.length;
  const hasMore = runs.nextPageToken !== null;
  const rowCount = loadedCount + (hasMore ? 1 : 0);
  const onRowsRendered = useCallback(
    (visible: { startIndex: number; stopIndex: number }) => {
      if (hasMore && visible.stopIndex >= loadedCount - PREFETCH_ROWS) {
        void runs.loadMoreRuns();
      }
    },
    [runs, loadedCount, hasMore]
  );
  const selectedCount = runs.selected.size;
  return (
    <div className="jp-mlops-runs">
      <div className="jp-mlops-toolbar">
        <FilterBox model={runs} />
        <ColumnPicker model={runs} />
        <button
          className="jp-mlops-button"
          disabled={selectedCount < 2}
          title={
            selectedCount < 2
              ? trans.__(
                  'Select two or more runs with their checkboxes to compare them'
                )
              : undefined
          }
          onClick={() => void model.openCompare()}
        >
          {trans.__('Compare (%1)', selectedCount)}
        </button>
        <button
          className="jp-mlops-button"
          aria-label={trans.__('Refresh runs')}
          title={trans.__('Refresh runs')}
          onClick={() => void runs.reloadRuns()}
        >
          ⟳
        </button>
      </div>
      <div className="jp-mlops-count" aria-live="polite">
        {runs.loadingRuns && loadedCount === 0
          ? trans.__('Loading runs…')
          : trans._n('%1%2 run', '%1%2 runs', loadedCount, hasMore ? '+' : '')}
      </div>
      {runs.runsError && (
        <div className="jp-mlops-error" role="alert">
          {runs.runsError}{' '}
          <button
            className="jp-mlops-link"
            onClick={() => void runs.reloadRuns()}
          >
            {trans.__('Retry')}
          </button>
        </div>
      )}
      <div
        className="jp-mlops-table"
        role="table"
        aria-label={trans.__('Runs')}
      >
        <div className="jp-mlops-scroll-x">
          <div
            style={{
              width,
              minWidth: '100%',
              height: '100%',
              display: 'flex',
              flexDirection: 'column'
            }}
          >
            <div className="jp-mlops-row jp-mlops-header" role="row">
              <span className="jp-mlops-cell" style={{ width: SELECT_WIDTH }} />
              <SortHeader
                model={runs}
                column={{
                  id: 'name',
                  title: trans.__('Run'),
                  width: NAME_WIDTH,
                  sortKey: 'attributes.run_name',
                  cell: () => ''
                }}
              />
              {columns.map(column => (
                <SortHeader key={column.id} model={runs} column={column} />
              ))}
            </div>
            {rowCount === 0 && !runs.loadingRuns ? (
              <div className="jp-mlops-empty">
                {runs.filterText
                  ? trans.__('No run matches the filter.')
                  : trans.__('No runs yet in this experiment.')}
              </div>
            ) : (
              <List
                className="jp-mlops-list"
                rowComponent={RunRow}
                rowCount={rowCount}
                rowHeight={ROW_HEIGHT}
                rowProps={{
                  model,
                  columns,
                  runs: runs.runs,
                  selected: runs.selected,
                  trans
                }}
                onRowsRendered={onRowsRendered}
                overscanCount={10}
                style={{ flex: 1, minHeight: 0 }}
              />
            )}
          </div>
        </div>
      </div>
    </div>
  );
}
