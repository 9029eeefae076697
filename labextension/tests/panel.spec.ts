import { ApiError } from '../src/api';
import type { ConfigResponse } from '../src/contract';
import { COMPARE_HISTORY_POINTS } from '../src/models/compare';
import { PanelModel } from '../src/models/panel';
import {
  FakeServer,
  RecordingNotifier,
  deferred,
  experiment,
  history,
  run,
  runDetail,
  runsPage,
  settle
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

/** A server with the notebook's experiment and two finished runs with metrics. */
function labServer(): FakeServer {
  const runs = [
    run('a', { metrics: { loss: 0.5, acc: 0.9 } }),
    run('b', { metrics: { loss: 0.4, acc: 0.9 } })
  ];
  return new FakeServer()
    .on('GET', 'config', () => CONFIG)
    .on('GET', 'experiment', call => ({
      notebook: call.query.notebook,
      experiment_name: call.query.notebook,
      experiment: experiment('7')
    }))
    .on('GET', 'runs', () => runsPage(runs, { metric_keys: ['acc', 'loss'] }))
    .on('GET', /^runs\/[^/]+$/, call =>
      runDetail(runs.find(item => `runs/${item.run_id}` === call.path)!)
    )
    .on('GET', /metric-history$/, call =>
      history(call.path.split('/')[1], call.query.key)
    );
}

function makePanel(server: FakeServer): {
  panel: PanelModel;
  notifier: RecordingNotifier;
} {
  const notifier = new RecordingNotifier();
  return { panel: new PanelModel(server.client(), notifier), notifier };
}

describe('PanelModel', () => {
  it('asks nothing while hidden and loads the notebook runs when shown', async () => {
    const server = labServer();
    const { panel } = makePanel(server);
    await panel.start();

    await panel.setNotebook(NOTEBOOK);
    expect(server.callsTo('GET', 'experiment')).toHaveLength(0);

    panel.setVisible(true);
    await settle();

    expect(panel.runs.experimentName).toBe(NOTEBOOK);
    expect(panel.runs.runs.map(item => item.run_id)).toEqual(['a', 'b']);
    panel.dispose();
  });

  it('polls for new runs only while visible', async () => {
    jest.useFakeTimers();
    try {
      const server = labServer();
      const { panel } = makePanel(server);
      await panel.start();
      panel.setVisible(true);
      await panel.setNotebook(NOTEBOOK);
      const listed = server.callsTo('GET', 'runs').length;

      await jest.advanceTimersByTimeAsync(CONFIG.refresh_seconds * 1000);
      expect(server.callsTo('GET', 'runs')).toHaveLength(listed + 1);

      panel.setVisible(false);
      await jest.advanceTimersByTimeAsync(600_000);
      expect(server.callsTo('GET', 'runs')).toHaveLength(listed + 1);
      panel.dispose();
    } finally {
      jest.useRealTimers();
    }
  });

  it('reports a configuration failure and falls back to the default alias names', async () => {
    const server = new FakeServer().on('GET', 'config', () => {
      throw new ApiError(
        403,
        'unauthenticated',
        'Reload the page to log in again.'
      );
    });
    const { panel, notifier } = makePanel(server);

    await panel.start();

    const expected =
      'Cannot load the MLOps configuration: Reload the page to log in again.';
    expect(panel.config.error).toBe(expected);
    expect(notifier.errors).toEqual([expected]);
    expect(panel.aliasNames).toEqual(['staging', 'production']);
  });

  it('describes an unexpected error without its stack trace', async () => {
    const consoleError = jest.spyOn(console, 'error').mockImplementation();
    const server = new FakeServer().on('GET', 'config', () => {
      throw new TypeError('x is undefined');
    });
    const { panel } = makePanel(server);

    await panel.start();

    expect(panel.config.error).toBe(
      'Cannot load the MLOps configuration: Unexpected error in the MLOps panel (details in the browser console).'
    );
    expect(consoleError).toHaveBeenCalled();
    consoleError.mockRestore();
  });

  it('opens a run and charts its first metric by name', async () => {
    const server = labServer();
    const { panel } = makePanel(server);

    await panel.openRun('a');

    expect(panel.view).toBe('detail');
    expect(panel.detail.run.value?.run.run_id).toBe('a');
    expect(panel.detail.chart.key).toBe('acc');
    expect(panel.detail.chart.history.value?.key).toBe('acc');
    expect(server.callsTo('GET', 'runs/a/metric-history')[0].query).toEqual({
      key: 'acc',
      max_points: '1000'
    });
  });

  it('keeps the history of the metric chosen last when answers cross', async () => {
    const slow = deferred<unknown>();
    const server = labServer();
    const { panel } = makePanel(server);
    await panel.openRun('a');
    server.on('GET', /metric-history$/, call =>
      call.query.key === 'loss' ? slow.promise : history('a', call.query.key)
    );

    const loss = panel.detail.selectMetric('loss');
    await panel.detail.selectMetric('acc');
    slow.resolve(history('a', 'loss'));
    await loss;

    expect(panel.detail.chart.key).toBe('acc');
    expect(panel.detail.chart.history.value?.key).toBe('acc');
  });

  it('lists an artifact folder on first open and closes it on the second', async () => {
    const server = labServer().on('GET', 'runs/a/artifacts', () => ({
      run_id: 'a',
      path: 'reports',
      files: [{ path: 'reports/summary.txt', is_dir: false, file_size: 12 }]
    }));
    const { panel } = makePanel(server);
    await panel.openRun('a');

    await panel.detail.toggleArtifactDir('reports');
    expect(panel.detail.openArtifactDirs.get('reports')).toEqual([
      { path: 'reports/summary.txt', is_dir: false, file_size: 12 }
    ]);

    await panel.detail.toggleArtifactDir('reports');
    expect(panel.detail.openArtifactDirs.has('reports')).toBe(false);
    expect(server.callsTo('GET', 'runs/a/artifacts')).toHaveLength(1);
  });

  it('registers a model, says so, and refreshes the open run', async () => {
    const version = {
      name: 'iris',
      version: '1',
      run_id: 'a',
      status: 'READY',
      ui_url: null
    };
    const server = labServer().on('POST', 'register', () => ({
      created_registered_model: true,
      version
    }));
    const { panel, notifier } = makePanel(server);
    await panel.openRun('a');

    const answer = await panel.detail.register('a', 'iris', 'm-1');

    expect(server.callsTo('POST', 'register')[0].body).toEqual({
      run_id: 'a',
      name: 'iris',
      model_id: 'm-1'
    });
    expect(answer?.version.version).toBe('1');
    expect(panel.detail.lastRegistration).toBe(answer);
    expect(notifier.successes).toEqual(['Registered iris version 1.']);
    expect(server.callsTo('GET', 'runs/a')).toHaveLength(2);
  });

  it('explains a refused registration and changes nothing', async () => {
    const server = labServer().on('POST', 'register', () => {
      throw new ApiError(409, 'conflict', 'A model named Iris already exists.');
    });
    const { panel, notifier } = makePanel(server);
    await panel.openRun('a');

    expect(await panel.detail.register('a', 'iris', null)).toBeNull();

    expect(notifier.errors).toEqual([
      'Cannot register the model as "iris": A model named Iris already exists.'
    ]);
    expect(panel.detail.lastRegistration).toBeNull();
  });

  it('needs two ticked runs to compare', async () => {
    const server = labServer();
    const { panel, notifier } = makePanel(server);
    panel.runs.toggleSelected('a');

    await panel.openCompare();

    expect(panel.view).toBe('runs');
    expect(notifier.warnings).toEqual(['Select at least two runs to compare.']);
    expect(server.callsTo('GET', 'compare')).toHaveLength(0);
  });

  it('compares the ticked runs and overlays the first differing metric', async () => {
    const runs = [
      run('a', { metrics: { acc: 0.9, loss: 0.5 } }),
      run('b', { metrics: { acc: 0.9, loss: 0.4 } }),
      run('c', { metrics: { acc: 0.8 } })
    ];
    const server = labServer().on('GET', 'compare', () => ({
      runs,
      param_keys: [],
      metric_keys: ['acc', 'loss'],
      differing_params: [],
      differing_metrics: ['loss']
    }));
    const { panel } = makePanel(server);
    ['a', 'b', 'c'].forEach(id => panel.runs.toggleSelected(id));

    await panel.openCompare();

    expect(panel.view).toBe('compare');
    expect(server.callsTo('GET', 'compare')[0].query).toEqual({
      run_ids: 'a,b,c'
    });
    expect(panel.compare.chart.key).toBe('loss');
    const requested = server
      .callsTo('GET', /metric-history$/)
      .map(call => `${call.path} ${call.query.max_points}`);
    expect(requested).toEqual([
      `runs/a/metric-history ${COMPARE_HISTORY_POINTS}`,
      `runs/b/metric-history ${COMPARE_HISTORY_POINTS}`
    ]);
    expect(panel.compare.chart.history.value?.map(item => item.run_id)).toEqual(
      ['a', 'b']
    );
  });

  it('leaves the run and comparison of the previous notebook but not the registry', async () => {
    const server = labServer().on('GET', 'registered-models', () => ({
      models: [],
      next_page_token: null
    }));
    const { panel } = makePanel(server);
    await panel.openRun('a');

    await panel.setNotebook('other.ipynb');
    expect(panel.view).toBe('runs');
    expect(panel.detail.run.value).toBeNull();

    await panel.openRegistry();
    await panel.setNotebook('third.ipynb');
    expect(panel.view).toBe('registry');
  });
});

describe('RegistryModel through the panel', () => {
  const versionsPage = {
    name: 'iris',
    versions: [],
    aliases: { champion: '1' },
    next_page_token: null
  };

  function registryServer(): FakeServer {
    return new FakeServer()
      .on('GET', 'registered-models', () => ({
        models: [{ name: 'iris', latest_version: '1', aliases: {} }],
        next_page_token: null
      }))
      .on('GET', 'registered-models/versions', () => versionsPage)
      .on('GET', 'permissions', () => ({
        name: 'iris',
        auth_enabled: true,
        permission: 'READ',
        can_set_alias: false,
        can_delete_alias: false,
        reason: 'READ only.'
      }));
  }

  it('lists models by name filter and opens one with its permissions', async () => {
    const server = registryServer();
    const { panel } = makePanel(server);

    await panel.openRegistry('iris');
    await panel.registry.setFilter(" ir'is ");

    expect(panel.view).toBe('registry');
    expect(server.callsTo('GET', 'registered-models').pop()?.query).toEqual({
      filter: "name LIKE '%iris%'",
      max_results: '100'
    });
    expect(panel.registry.openModelName).toBe('iris');
    expect(panel.registry.versions.value?.page).toEqual(versionsPage);
    expect(panel.registry.versions.value?.permissions?.permission).toBe('READ');
  });

  it('shows the versions when permissions cannot be asked', async () => {
    const server = registryServer().on('GET', 'permissions', () => {
      throw new ApiError(502, 'mlflow_error', 'no auth app');
    });
    const { panel, notifier } = makePanel(server);

    await panel.openRegistry('iris');

    expect(panel.registry.versions.value?.page).toEqual(versionsPage);
    expect(panel.registry.versions.value?.permissions).toBeNull();
    expect(notifier.errors).toEqual([]);
  });

  it('shows a failed versions listing above the list, until a model opens', async () => {
    const server = registryServer().on(
      'GET',
      'registered-models/versions',
      () => {
        throw new ApiError(
          404,
          'not_found',
          'Registered model iris not found.'
        );
      }
    );
    const { panel } = makePanel(server);

    await panel.openRegistry('iris');
    expect(panel.registry.models.value).toHaveLength(1);
    expect(panel.registry.error).toBe(
      'Cannot list the versions of iris: Registered model iris not found.'
    );

    server.on('GET', 'registered-models/versions', () => versionsPage);
    await panel.registry.openModel('iris');
    expect(panel.registry.error).toBeNull();
  });

  it('promotes with a notification and reloads the model', async () => {
    const server = registryServer().on('POST', 'aliases', call => ({
      ...call.body
    }));
    const { panel, notifier } = makePanel(server);
    await panel.openRegistry('iris');

    expect(await panel.registry.setAlias('iris', 'champion', '1')).toBe(true);

    expect(server.callsTo('POST', 'aliases')[0].body).toEqual({
      name: 'iris',
      alias: 'champion',
      version: '1'
    });
    expect(notifier.successes).toEqual([
      'iris@champion now points at version 1.'
    ]);
    expect(server.callsTo('GET', 'registered-models/versions')).toHaveLength(2);
  });

  it('explains a refused demotion', async () => {
    const server = registryServer().on('DELETE', 'aliases', () => {
      throw new ApiError(403, 'permission_denied', 'MANAGE needed.');
    });
    const { panel, notifier } = makePanel(server);

    expect(await panel.registry.deleteAlias('iris', 'champion')).toBe(false);

    expect(server.callsTo('DELETE', 'aliases')[0].query).toEqual({
      name: 'iris',
      alias: 'champion'
    });
    expect(notifier.errors).toEqual([
      'Cannot remove alias champion from iris: MANAGE needed.'
    ]);
  });
});
