/**
 * The drift check of the open run: headline, most drifted columns, and its HTML report in a sandboxed
 * frame (no scripts, no same-origin access: the report is an artifact anyone logging to the run wrote).
 */
import React from 'react';

import type { DriftSummary } from '../contract';
import { describeFeature, driftHeadline } from '../models/drift';
import type { RunDetailModel } from '../models/runDetail';

export function DriftSection({
  view,
  drift
}: {
  view: RunDetailModel;
  drift: DriftSummary;
}): JSX.Element {
  const report = view.driftReport;
  return (
    <section className="jp-mlops-section" aria-label="Data drift">
      <h3>Data drift</h3>
      <p className={drift.dataset_drift ? 'jp-mlops-error' : 'jp-mlops-hint'}>
        {drift.dataset_drift ? 'Dataset drift: ' : ''}
        {driftHeadline(drift)}
      </p>
      {drift.top_features.length > 0 && (
        <ul className="jp-mlops-plain-list" aria-label="Most drifted columns">
          {drift.top_features.map(feature => (
            <li key={feature.feature}>{describeFeature(feature)}</li>
          ))}
        </ul>
      )}
      {drift.report_path && (
        <button
          className="jp-mlops-link"
          aria-expanded={report.value !== null}
          onClick={() => void view.toggleDriftReport()}
        >
          {report.value ? 'Hide' : 'Show'} drift report ({drift.report_path})
        </button>
      )}
      {report.isLoading && <p className="jp-mlops-hint">Loading the report…</p>}
      {report.error && (
        <p className="jp-mlops-error" role="alert">
          {report.error}
        </p>
      )}
      {report.value && (
        <iframe
          className="jp-mlops-drift-report"
          title="Drift report"
          sandbox=""
          srcDoc={report.value.html}
          style={{ width: '100%', height: '480px', border: 'none' }}
        />
      )}
    </section>
  );
}
