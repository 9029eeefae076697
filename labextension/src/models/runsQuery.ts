/**
 * The runs query as plain data: sort, filter, page sizes, and how a page is compared and merged.
 */
import type { RunSummary } from '../contract';

/** Server-side sort: an MLflow `order_by` column and its direction. */
export interface ISortState {
  column: string;
  ascending: boolean;
}

/** Which params and metrics the runs table shows as columns. */
export interface IColumnChoice {
  params: string[];
  metrics: string[];
}

/** Runs fetched per page when scrolling (MLflow page token paging). */
export const RUNS_PAGE_SIZE = 200;
/** The first page only needs to fill the visible rows: small, so the first rows show fast. */
export const FIRST_PAGE_SIZE = 50;
/** Newest runs first. */
export const DEFAULT_SORT: ISortState = {
  column: 'attributes.start_time',
  ascending: false
};

/** MLflow `order_by` term for a param or metric key, quoted so any key is valid. */
export function orderByKey(kind: 'params' | 'metrics', key: string): string {
  return `${kind}.\`${key.replace(/`/g, '')}\``;
}

/** The MLflow `order_by` for a sort; start time breaks ties so pages stay stable. */
export function orderByClause(sort: ISortState): string {
  const direction = sort.ascending ? 'ASC' : 'DESC';
  const tieBreak =
    sort.column === 'attributes.start_time'
      ? ''
      : ',attributes.start_time DESC';
  return `${sort.column} ${direction}${tieBreak}`;
}

/** Sort by `column`; the same column again flips the direction (names start A→Z, the rest high→low). */
export function nextSort(current: ISortState, column: string): ISortState {
  return current.column === column
    ? { column, ascending: !current.ascending }
    : { column, ascending: column.includes('run_name') };
}

/**
 * The MLflow filter for what the user typed: MLflow search syntax is passed through; plain words
 * search run names (`attributes.run_name ILIKE '%words%'`).
 */
export function filterToSearch(text: string): string | null {
  const trimmed = text.trim();
  if (!trimmed) {
    return null;
  }
  if (/(=|<|>|\bLIKE\b|\bILIKE\b|\bIN\b)/i.test(trimmed)) {
    return trimmed;
  }
  return `attributes.run_name ILIKE '%${trimmed.replace(/'/g, '')}%'`;
}

/** A cheap identity of listed runs: changes when a run appears, ends or changes status. */
export function runsFingerprint(runs: RunSummary[]): string {
  return runs
    .map(run => `${run.run_id}:${run.status}:${run.end_time ?? ''}`)
    .join('|');
}

/** The union of two key lists, sorted. */
export function mergeKeys(existing: string[], incoming: string[]): string[] {
  return [...new Set([...existing, ...incoming])].sort();
}
