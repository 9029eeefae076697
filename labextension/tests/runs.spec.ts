import { ApiError } from '../src/api';
import { Reporter } from '../src/models/report';
import { RunsModel } from '../src/models/runs';
import { FIRST_PAGE_SIZE, RUNS_PAGE_SIZE } from '../src/models/runsQuery';
import {
  FakeServer,
  RecordingNotifier,
  deferred,
  experiment,
  run,
  runsPage
} from './fakeServer';

const NOTEBOOK = 'work/train.ipynb';

function setup(server: FakeServer): {
  runs: RunsModel;
  notifier: RecordingNotifier;
} {
  const notifier = new RecordingNotifier();
  const runs = new RunsModel(server.client(), new Reporter(notifier));
  runs.setNotebook(NOTEBOOK);
  return { runs, notifier };
}

function serverWithRuns(...pages: ReturnType<typeof runsPage>[]): FakeServer {
  const server = new FakeServer().on('GET', 'experiment', () => ({
    notebook: NOTEBOOK,
    experiment_name: NOTEBOOK,
    experiment: experiment('7')
  }));
  let next = 0;
  server.on('GET', 'runs', () => pages[Math.min(next++, pages.length - 1)]);
  return server;
}

describe('RunsModel', () => {
  it('finds the notebook experiment, lists a small first page, and picks default columns', async () => {
    const server = serverWithRuns(
      runsPage([run('a'), run('b')], {
        param_keys: ['alpha', 'depth', 'seed'],
        metric_keys: ['acc', 'f1', 'loss', 'rmse']
      })
    );
    const { runs } = setup(server);

    await runs.loadExperiment();

    expect(server.callsTo('GET', 'experiment')[0].query).toEqual({
      notebook: NOTEBOOK
    });
    expect(server.callsTo('GET', 'runs')[0].query).toEqual({
      experiment_id: '7',
      order_by: 'attributes.start_time DESC',
      max_results: String(FIRST_PAGE_SIZE)
    });
    expect(runs.runs.map(item => item.run_id)).toEqual(['a', 'b']);
    expect(runs.columns).toEqual({
      params: ['alpha', 'depth'],
      metrics: ['acc', 'f1', 'loss']
    });
  });

  it('appends pages by token, merging keys but keeping the chosen columns', async () => {
    const server = serverWithRuns(
      runsPage([run('a')], {
        next_page_token: 'page-2',
        param_keys: ['b'],
        metric_keys: ['m']
      }),
      runsPage([run('b')], { param_keys: ['a'], metric_keys: ['z'] })
    );
    const { runs } = setup(server);
    await runs.loadExperiment();

    await runs.loadMoreRuns();

    expect(server.callsTo('GET', 'runs')[1].query).toMatchObject({
      page_token: 'page-2',
      max_results: String(RUNS_PAGE_SIZE)
    });
    expect(runs.runs.map(item => item.run_id)).toEqual(['a', 'b']);
    expect(runs.nextPageToken).toBeNull();
    expect(runs.paramKeys).toEqual(['a', 'b']);
    expect(runs.metricKeys).toEqual(['m', 'z']);
    expect(runs.columns).toEqual({ params: ['b'], metrics: ['m'] });

    await runs.loadMoreRuns();
    expect(server.callsTo('GET', 'runs')).toHaveLength(2);
  });

  it('sends the filter and sort to the server', async () => {
    const server = serverWithRuns(runsPage([run('a')]));
    const { runs } = setup(server);
    await runs.loadExperiment();

    runs.setFilter('forest');
    runs.setSort('attributes.run_name');
    await runs.reloadRuns();

    const query = server.callsTo('GET', 'runs').pop()?.query;
    expect(query).toMatchObject({
      filter: "attributes.run_name ILIKE '%forest%'",
      order_by: 'attributes.run_name ASC,attributes.start_time DESC'
    });
  });

  it('says an experiment is missing, then creates it and lists its runs', async () => {
    const server = new FakeServer()
      .on('GET', 'experiment', () => ({
        notebook: NOTEBOOK,
        experiment_name: 'train',
        experiment: null
      }))
      .on('POST', 'experiment', () => ({
        notebook: NOTEBOOK,
        experiment_name: 'train',
        experiment: experiment('9', 'train')
      }))
      .on('GET', 'runs', () => runsPage([]));
    const { runs } = setup(server);
    expect(runs.experimentLoaded).toBe(false);

    await runs.loadExperiment();
    expect(runs.experimentLoaded).toBe(true);
    expect(runs.experiment).toBeNull();
    expect(runs.experimentName).toBe('train');
    expect(server.callsTo('GET', 'runs')).toHaveLength(0);

    await runs.createExperiment();
    expect(server.callsTo('POST', 'experiment')[0].body).toEqual({
      notebook: NOTEBOOK
    });
    expect(runs.experiment?.experiment_id).toBe('9');
    expect(server.callsTo('GET', 'runs')[0].query.experiment_id).toBe('9');
  });

  it('reports a failed lookup inline and as a notification, but a background one only inline', async () => {
    const unreachable = new ApiError(
      503,
      'store_unreachable',
      'The MLflow store http://127.0.0.1:9 is unreachable.'
    );
    const server = new FakeServer().on('GET', 'experiment', () => {
      throw unreachable;
    });
    const { runs, notifier } = setup(server);
    const expected = `Cannot find the experiment of ${NOTEBOOK}: ${unreachable.message}`;

    await runs.loadExperiment();
    expect(runs.experimentError).toBe(expected);
    expect(runs.experimentLoaded).toBe(true);
    expect(notifier.errors).toEqual([expected]);

    expect(await runs.checkForChanges()).toBe(false);
    expect(server.callsTo('GET', 'experiment')).toHaveLength(2);
    expect(runs.experimentError).toBe(expected);
    expect(notifier.errors).toHaveLength(1);

    await runs.retryExperiment();
    expect(notifier.errors).toHaveLength(2);
  });

  it('drops a slow answer for the notebook it followed before', async () => {
    const answers = [deferred<unknown>(), deferred<unknown>()];
    let call = 0;
    const server = new FakeServer().on(
      'GET',
      'experiment',
      () => answers[call++].promise
    );
    const { runs } = setup(server);
    const first = runs.loadExperiment();
    runs.setNotebook('other.ipynb');
    const second = runs.loadExperiment();

    answers[1].resolve({
      notebook: 'other.ipynb',
      experiment_name: 'other',
      experiment: null
    });
    answers[0].resolve({
      notebook: NOTEBOOK,
      experiment_name: NOTEBOOK,
      experiment: null
    });
    await Promise.all([first, second]);

    expect(runs.experimentName).toBe('other');
  });

  it('reloads on a background check only when the newest runs changed', async () => {
    const server = serverWithRuns(
      runsPage([run('a'), run('b')]),
      runsPage([run('a'), run('b')]),
      runsPage([run('c'), run('a')]),
      runsPage([run('c'), run('a'), run('b')])
    );
    const { runs } = setup(server);
    await runs.loadExperiment();

    expect(await runs.checkForChanges()).toBe(false);
    expect(server.callsTo('GET', 'runs')[1].query.max_results).toBe('2');
    expect(runs.runs.map(item => item.run_id)).toEqual(['a', 'b']);

    expect(await runs.checkForChanges()).toBe(true);
    expect(server.callsTo('GET', 'runs')).toHaveLength(4);
    expect(runs.runs.map(item => item.run_id)).toEqual(['c', 'a', 'b']);
  });

  it('forgets runs, keys, columns and selection when the notebook changes', async () => {
    const server = serverWithRuns(
      runsPage([run('a'), run('b')], { metric_keys: ['acc'] })
    );
    const { runs } = setup(server);
    await runs.loadExperiment();
    runs.toggleSelected('a');
    runs.toggleColumn('metrics', 'acc');

    runs.setNotebook('other.ipynb');

    expect(runs.runs).toEqual([]);
    expect(runs.metricKeys).toEqual([]);
    expect(runs.columns).toEqual({ params: [], metrics: [] });
    expect(runs.selected.size).toBe(0);
    expect(runs.experimentLoaded).toBe(false);
  });
});
