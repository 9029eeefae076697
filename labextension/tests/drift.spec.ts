import { ApiError } from '../src/api';
import type { DriftSummary } from '../src/contract';
import { describeFeature, driftHeadline } from '../src/models/drift';
import { PanelModel } from '../src/models/panel';
import { FakeServer, RecordingNotifier, run, runDetail } from './fakeServer';

const DRIFT: DriftSummary = {
  summary: '3 of 4 columns drifted (share 0.75): x1 (ks p=7.3e-112)',
  share_drifted: 0.75,
  columns_drifted: 3,
  columns_total: 4,
  dataset_drift: true,
  reference: 'churn@champion (version 1)',
  top_features: [
    { feature: 'x1', statistic: 0.71, p_value: 7.3e-112 },
    { feature: 'colour', statistic: 812.5, p_value: 0 },
    { feature: 'age', statistic: 0.4213, p_value: null }
  ],
  report_path: 'drift/report.html'
};

function driftServer(): FakeServer {
  const drifted = run('a');
  return new FakeServer()
    .on('GET', 'runs/a', () => ({ ...runDetail(drifted), drift: DRIFT }))
    .on('GET', 'runs/a/drift-report', () => ({
      run_id: 'a',
      path: 'drift/report.html',
      html: '<!DOCTYPE html><h1>Data drift</h1>'
    }));
}

describe('drift wording', () => {
  it('gives counts, share and the champion it was compared with', () => {
    expect(driftHeadline(DRIFT)).toBe(
      '3 of 4 columns drifted (75%) against churn@champion (version 1)'
    );
    expect(
      driftHeadline({
        ...DRIFT,
        columns_drifted: null,
        reference: null
      })
    ).toBe(DRIFT.summary);
  });

  it('shows p-values for tests and distances otherwise', () => {
    expect(DRIFT.top_features.map(describeFeature)).toEqual([
      'x1: p = 7.3e-112',
      'colour: p = 0',
      'age: distance 0.421'
    ]);
  });
});

describe('RunDetailModel drift report', () => {
  it('fetches the report when asked, hides it on the second toggle, forgets it for another run', async () => {
    const server = driftServer();
    const panel = new PanelModel(server.client(), new RecordingNotifier());
    await panel.openRun('a');
    expect(panel.detail.run.value?.drift?.share_drifted).toBe(0.75);
    expect(server.callsTo('GET', 'runs/a/drift-report')).toHaveLength(0);

    await panel.detail.toggleDriftReport();
    expect(panel.detail.driftReport.value?.html).toContain('Data drift');
    await panel.detail.toggleDriftReport();
    expect(panel.detail.driftReport.value).toBeNull();
    expect(server.callsTo('GET', 'runs/a/drift-report')).toHaveLength(1);

    await panel.detail.toggleDriftReport();
    panel.detail.reset();
    expect(panel.detail.driftReport.value).toBeNull();
    panel.dispose();
  });

  it('reports a report that cannot be read', async () => {
    const server = driftServer().on('GET', 'runs/a/drift-report', () => {
      throw new ApiError(404, 'not_found', 'Run a logged no drift report.');
    });
    const notifier = new RecordingNotifier();
    const panel = new PanelModel(server.client(), notifier);
    await panel.openRun('a');
    await panel.detail.toggleDriftReport();
    expect(panel.detail.driftReport.error).toMatch(
      /^Cannot open the drift report: .*Run a logged no drift report/
    );
    expect(notifier.errors).toEqual([panel.detail.driftReport.error]);
    panel.dispose();
  });
});
