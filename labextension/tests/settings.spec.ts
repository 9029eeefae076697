import { ApiError } from '../src/api';
import type { ConfigResponse } from '../src/contract';
import { defaultOutput } from '../src/models/convert';
import {
  MainViewModel,
  ViewRequest,
  viewKey,
  viewRequestFrom
} from '../src/models/mainView';
import { PanelModel } from '../src/models/panel';
import { english, Reporter } from '../src/models/report';
import { DEFAULT_SETTINGS, readSettings } from '../src/models/settings';
import {
  FakeServer,
  RecordingNotifier,
  experiment,
  history,
  run,
  runDetail,
  runsPage
} from './fakeServer';

const NOTEBOOK = 'work/train.ipynb';

const CONFIG: ConfigResponse = {
  tracking_uri: 'http://127.0.0.1:5000',
  registry_uri: 'http://127.0.0.1:5000',
  store_kind: 'http',
  ui_url: null,
  alias_names: ['champion'],
  mlflow_version: '3.17.2',
  auth_configured: false,
  refresh_seconds: 10
};

const RUNS = [run('a', { metrics: { acc: 0.9 } }), run('b')];

function labServer(): FakeServer {
  return new FakeServer()
    .on('GET', 'config', () => CONFIG)
    .on('GET', 'experiment', call => ({
      notebook: call.query.notebook,
      experiment_name: call.query.notebook,
      experiment: experiment('7')
    }))
    .on('GET', 'runs', () => runsPage(RUNS, { metric_keys: ['acc'] }))
    .on('GET', /^runs\/[^/]+$/, call =>
      runDetail(RUNS.find(item => `runs/${item.run_id}` === call.path)!)
    )
    .on('GET', /metric-history$/, call =>
      history(call.path.split('/')[1], call.query.key)
    )
    .on('GET', 'registered-models', () => ({
      models: [
        {
          name: 'iris',
          latest_version: '1',
          aliases: {},
          description: null,
          last_updated_timestamp: null
        }
      ],
      next_page_token: null
    }))
    .on('GET', 'registered-models/versions', call => ({
      name: call.query.name,
      versions: [],
      aliases: {},
      next_page_token: null
    }));
}

describe('readSettings', () => {
  it('takes the schema defaults from an empty composite', () => {
    expect(readSettings({})).toEqual(DEFAULT_SETTINGS);
    expect(readSettings(null)).toEqual(DEFAULT_SETTINGS);
  });

  it('trims and deduplicates alias names and drops those MLflow refuses', () => {
    const settings = readSettings({
      aliasNames: [' champion ', 'challenger', 'champion', 'two words', 3, '']
    });
    expect(settings.aliasNames).toEqual(['champion', 'challenger']);
  });

  it('falls back to the server interval for a zero, negative or odd interval', () => {
    expect(readSettings({ refreshSeconds: 3 }).refreshSeconds).toBe(3);
    for (const odd of [0, -5, 'soon', Number.NaN]) {
      expect(readSettings({ refreshSeconds: odd }).refreshSeconds).toBe(0);
    }
  });

  it('keeps the output folder without slashes at its ends', () => {
    expect(
      readSettings({ defaultOutputFolder: ' /production/pkgs/ ' })
        .defaultOutputFolder
    ).toBe('production/pkgs');
  });

  it('opens views in tabs only when asked to', () => {
    expect(
      readSettings({ openViewsInMainArea: true }).openViewsInMainArea
    ).toBe(true);
    expect(
      readSettings({ openViewsInMainArea: 'yes' }).openViewsInMainArea
    ).toBe(false);
  });
});

describe('PanelModel with settings', () => {
  it('offers the alias names of the setting, else the server, else staging/production', async () => {
    const panel = new PanelModel(labServer().client(), new RecordingNotifier());
    expect(panel.aliasNames).toEqual(['staging', 'production']);

    await panel.start();
    expect(panel.aliasNames).toEqual(['champion']);

    let emitted = 0;
    panel.settingsChanged.connect(() => (emitted += 1));
    panel.setSettings(readSettings({ aliasNames: ['canary', 'prod'] }));
    expect(panel.aliasNames).toEqual(['canary', 'prod']);
    expect(emitted).toBe(1);

    panel.setSettings(readSettings({ aliasNames: [] }));
    expect(panel.aliasNames).toEqual(['champion']);
    panel.dispose();
  });

  it('polls at the interval of the setting, from the moment it changes', async () => {
    jest.useFakeTimers();
    try {
      const server = labServer();
      const panel = new PanelModel(server.client(), new RecordingNotifier());
      await panel.start();
      panel.setVisible(true);
      await panel.setNotebook(NOTEBOOK);
      const listed = server.callsTo('GET', 'runs').length;

      panel.setSettings(readSettings({ refreshSeconds: 2 }));
      await jest.advanceTimersByTimeAsync(2_000);
      expect(server.callsTo('GET', 'runs')).toHaveLength(listed + 1);

      // Back to the server's 10 s: nothing more until then.
      panel.setSettings(readSettings({ refreshSeconds: 0 }));
      await jest.advanceTimersByTimeAsync(9_000);
      expect(server.callsTo('GET', 'runs')).toHaveLength(listed + 1);
      await jest.advanceTimersByTimeAsync(1_000);
      expect(server.callsTo('GET', 'runs')).toHaveLength(listed + 2);
      panel.dispose();
    } finally {
      jest.useRealTimers();
    }
  });

  it('proposes the Convert to Production folder of the setting', () => {
    const panel = new PanelModel(labServer().client(), new RecordingNotifier());
    expect(panel.defaultOutputFor('work/Iris Classifier.ipynb')).toBe(
      'work/Iris Classifier_prod'
    );
    panel.setSettings(readSettings({ defaultOutputFolder: 'production/' }));
    expect(panel.defaultOutputFor('work/Iris Classifier.ipynb')).toBe(
      'production/Iris Classifier_prod'
    );
    expect(defaultOutput('top.ipynb', 'pkgs')).toBe('pkgs/top_prod');
    panel.dispose();
  });

  it('opens runs, comparisons and the registry in tabs when the setting says so', async () => {
    const server = labServer();
    const panel = new PanelModel(server.client(), new RecordingNotifier());
    const opened: ViewRequest[] = [];
    panel.setTabOpener(request => opened.push(request));

    await panel.openRun('a'); // the setting is off: the sidebar shows it
    expect(panel.view).toBe('detail');
    expect(opened).toEqual([]);

    panel.showRuns();
    panel.setSettings(readSettings({ openViewsInMainArea: true }));
    await panel.openRun('b');
    panel.runs.toggleSelected('a');
    panel.runs.toggleSelected('b');
    await panel.openCompare();
    await panel.openRegistry('iris');

    expect(panel.view).toBe('runs');
    expect(opened).toEqual([
      { view: 'run', runId: 'b' },
      { view: 'compare', runIds: ['a', 'b'] },
      { view: 'registry', model: 'iris' }
    ]);
    expect(server.callsTo('GET', 'runs/b')).toHaveLength(0);
    panel.dispose();
  });
});

describe('main-area views', () => {
  it('names one tab per run, per set of compared runs, and one registry tab', () => {
    expect(viewKey({ view: 'run', runId: 'a' })).toBe('run:a');
    expect(viewKey({ view: 'compare', runIds: ['b', 'a'] })).toBe(
      viewKey({ view: 'compare', runIds: ['a', 'b'] })
    );
    expect(viewKey({ view: 'registry', model: 'iris' })).toBe(
      viewKey({ view: 'registry', model: null })
    );
  });

  it('reads a request from command arguments and refuses incomplete ones', () => {
    expect(viewRequestFrom({ view: 'run', runId: 'a' })).toEqual({
      view: 'run',
      runId: 'a'
    });
    expect(viewRequestFrom({ view: 'registry' })).toEqual({
      view: 'registry',
      model: null
    });
    expect(viewRequestFrom({ view: 'run' })).toBeNull();
    expect(viewRequestFrom({ view: 'compare', runIds: ['a'] })).toBeNull();
    expect(viewRequestFrom({ view: 'elsewhere' })).toBeNull();
  });

  it('loads its run, follows the alias setting, and sends other views to their tabs', async () => {
    const server = labServer();
    const notifier = new RecordingNotifier();
    const panel = new PanelModel(server.client(), notifier);
    await panel.start();
    const navigated: ViewRequest[] = [];
    const tab = new MainViewModel(
      server.client(),
      new Reporter(notifier),
      panel,
      request => navigated.push(request),
      { view: 'run', runId: 'a' }
    );
    let changes = 0;
    tab.changed.connect(() => (changes += 1));

    await tab.show({ view: 'run', runId: 'a' });
    expect(tab.detail.run.value?.run.run_id).toBe('a');
    expect(tab.detail.chart.key).toBe('acc');
    expect(tab.back).toBeNull();
    expect(tab.openInTab).toBeNull();

    const before = changes;
    panel.setSettings(readSettings({ aliasNames: ['canary'] }));
    expect(changes).toBe(before + 1);
    expect(tab.aliasNames).toEqual(['canary']);

    await tab.openRegistry('iris');
    await tab.openRun('b');
    expect(navigated).toEqual([
      { view: 'registry', model: 'iris' },
      { view: 'run', runId: 'b' }
    ]);
    tab.dispose();
    panel.setSettings(readSettings({}));
    expect(changes).toBe(before + 1);
    panel.dispose();
  });

  it('opens a model inside the registry tab and remembers it for the restored layout', async () => {
    const server = labServer();
    const notifier = new RecordingNotifier();
    const panel = new PanelModel(server.client(), notifier);
    const navigated: ViewRequest[] = [];
    const tab = new MainViewModel(
      server.client(),
      new Reporter(notifier),
      panel,
      request => navigated.push(request),
      { view: 'registry', model: null }
    );
    await tab.show({ view: 'registry', model: null });
    expect(tab.registry.models.value?.map(model => model.name)).toEqual([
      'iris'
    ]);

    await tab.openRegistry('iris');
    expect(navigated).toEqual([]);
    expect(tab.request).toEqual({ view: 'registry', model: 'iris' });
    expect(
      server.callsTo('GET', 'registered-models/versions')[0].query.name
    ).toBe('iris');
    tab.dispose();
    panel.dispose();
  });
});

describe('translated model messages', () => {
  it('words failures and hints with the translation it is given', async () => {
    const catalogue: Record<string, string> = {
      'Cannot load the MLOps configuration':
        'Impossible de charger la configuration MLOps',
      '%1: %2': '%1 : %2',
      'Select at least two runs to compare.':
        'Cochez au moins deux runs à comparer.'
    };
    const french = {
      __: (msgid: string, ...args: unknown[]) =>
        english.__(catalogue[msgid] ?? msgid, ...args)
    };
    const server = new FakeServer().on('GET', 'config', () => {
      throw new ApiError(503, 'store_unreachable', 'Le store est injoignable.');
    });
    const notifier = new RecordingNotifier();
    const panel = new PanelModel(server.client(), notifier, null, french);

    await panel.start();
    await panel.openCompare();

    expect(notifier.errors).toEqual([
      'Impossible de charger la configuration MLOps : Le store est injoignable.'
    ]);
    expect(notifier.warnings).toEqual([
      'Cochez au moins deux runs à comparer.'
    ]);
    panel.dispose();
  });
});
