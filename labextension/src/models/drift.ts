/**
 * How the run detail words a run's drift check (pure functions, tested with jest).
 */
import type { DriftFeature, DriftSummary } from '../contract';

/** `3 of 4 columns drifted (75%) against iris@champion (version 1)`. */
export function driftHeadline(drift: DriftSummary): string {
  const share =
    drift.share_drifted === null
      ? ''
      : ` (${Math.round(drift.share_drifted * 100)}%)`;
  const counts =
    drift.columns_drifted !== null && drift.columns_total !== null
      ? `${drift.columns_drifted} of ${drift.columns_total} columns drifted${share}`
      : drift.summary;
  return drift.reference ? `${counts} against ${drift.reference}` : counts;
}

/** `x1: p = 1.2e-9` for a test, `x1: distance 0.42` for a distance, `x1` when nothing was logged. */
export function describeFeature(feature: DriftFeature): string {
  if (feature.p_value !== null) {
    return `${feature.feature}: p = ${formatSmall(feature.p_value)}`;
  }
  if (feature.statistic !== null) {
    return `${feature.feature}: distance ${formatSmall(feature.statistic)}`;
  }
  return feature.feature;
}

function formatSmall(value: number): string {
  return value !== 0 && Math.abs(value) < 0.001
    ? value.toExponential(1)
    : String(Number(value.toPrecision(3)));
}
