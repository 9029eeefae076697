import { ApiError } from '../src/api';
import type { PipelinePlanResponse, PlanCell } from '../src/contract';
import { layoutGraph, NODE_HEIGHT } from '../src/models/graphLayout';
import { PipelinePlanModel, Schedule } from '../src/models/pipelinePlan';
import { deferred, FakeServer, settle } from './fakeServer';

const NOTEBOOK = 'work/daily.ipynb';

/** A schedule the test fires by hand: the debounce without real time. */
class ManualSchedule {
  pending: (() => void)[] = [];
  cancelled = 0;
  readonly schedule: Schedule = callback => {
    this.pending.push(callback);
    return () => {
      this.cancelled += 1;
      this.pending = this.pending.filter(item => item !== callback);
    };
  };
  fire(): void {
    const due = this.pending;
    this.pending = [];
    due.forEach(callback => callback());
  }
}

function planned(steps: PipelinePlanResponse['steps']): PipelinePlanResponse {
  return {
    notebook: NOTEBOOK,
    planned: true,
    steps,
    parameters: ['alpha'],
    model_variable: null,
    variables: ['total'],
    issues: []
  };
}

const GRAPH = planned([
  {
    name: 'load',
    kind: 'step',
    cells: [2],
    inputs: [],
    outputs: ['values'],
    after: []
  },
  {
    name: 'train',
    kind: 'step',
    cells: [3],
    inputs: ['values'],
    outputs: ['total'],
    after: [{ step: 'load', names: ['values'], prev: false }]
  },
  {
    name: 'report',
    kind: 'step',
    cells: [4],
    inputs: [],
    outputs: [],
    after: [{ step: 'load', names: [], prev: true }]
  }
]);

const MISSPELLED: PipelinePlanResponse = {
  ...planned([]),
  planned: false,
  issues: [
    {
      message:
        "cell 3 (tag setp:train): unknown tag 'setp:train'; did you mean 'step:train'?",
      kind: 'TagError',
      cell_index: 3,
      tag: 'setp:train',
      line: null
    }
  ]
};

const cells = (tag: string): PlanCell[] => [
  { cell_type: 'code', source: 'x = 1', tags: [tag] }
];

const models: PipelinePlanModel[] = [];

/** Disposed after each test. */
function owned(model: PipelinePlanModel): PipelinePlanModel {
  models.push(model);
  return model;
}

afterEach(() => {
  models.splice(0).forEach(model => model.dispose());
});

describe('PipelinePlanModel', () => {
  it('plans once after a burst of changes, with the newest cells', async () => {
    const server = new FakeServer().on('POST', 'convert/plan', () => GRAPH);
    const timer = new ManualSchedule();
    const model = owned(new PipelinePlanModel(server.client(), timer.schedule));

    model.update(NOTEBOOK, () => cells('step:a'));
    model.update(NOTEBOOK, () => cells('step:b'));
    expect(model.pending).toBe(true);
    expect(timer.cancelled).toBe(1);
    timer.fire();
    await settle();

    expect(server.calls.map(call => call.body)).toEqual([
      { notebook: NOTEBOOK, cells: cells('step:b') }
    ]);
    expect(model.plan).toBe(GRAPH);
    expect(model.pending).toBe(false);
  });

  it('does not ask again when only what nb2prod ignores changed (outputs)', async () => {
    const server = new FakeServer().on('POST', 'convert/plan', () => GRAPH);
    const timer = new ManualSchedule();
    const model = owned(new PipelinePlanModel(server.client(), timer.schedule));
    model.update(NOTEBOOK, () => cells('step:a'));
    timer.fire();
    await settle();
    model.update(NOTEBOOK, () => cells('step:a'));
    timer.fire();
    await settle();

    expect(server.calls).toHaveLength(1);
    expect(model.pending).toBe(false);
    expect(model.plan).toBe(GRAPH);
  });

  it('keeps the answer in flight when the same content comes again', async () => {
    const answer = deferred<PipelinePlanResponse>();
    const server = new FakeServer().on(
      'POST',
      'convert/plan',
      () => answer.promise
    );
    const timer = new ManualSchedule();
    const model = owned(new PipelinePlanModel(server.client(), timer.schedule));
    model.update(NOTEBOOK, () => cells('step:a'));
    timer.fire();
    await settle();
    model.update(NOTEBOOK, () => cells('step:a'));
    timer.fire();
    expect(model.pending).toBe(true);
    answer.resolve(GRAPH);
    await settle();

    expect(server.calls).toHaveLength(1);
    expect(model.pending).toBe(false);
    expect(model.plan).toBe(GRAPH);
  });

  it('keeps an answer that arrives while the same content waits for the delay', async () => {
    const answer = deferred<PipelinePlanResponse>();
    const server = new FakeServer().on(
      'POST',
      'convert/plan',
      () => answer.promise
    );
    const timer = new ManualSchedule();
    const model = owned(new PipelinePlanModel(server.client(), timer.schedule));
    model.update(NOTEBOOK, () => cells('step:a'));
    timer.fire();
    await settle();
    model.update(NOTEBOOK, () => cells('step:a')); // e.g. the notebook was saved
    answer.resolve(GRAPH);
    await settle();
    timer.fire();

    expect(server.calls).toHaveLength(1);
    expect(model.plan).toBe(GRAPH);
    expect(model.pending).toBe(false);
  });

  it('drops an answer for content that changed meanwhile', async () => {
    const first = deferred<PipelinePlanResponse>();
    const server = new FakeServer();
    const timer = new ManualSchedule();
    const model = owned(new PipelinePlanModel(server.client(), timer.schedule));
    server.on('POST', 'convert/plan', () => first.promise);
    model.update(NOTEBOOK, () => cells('step:a'));
    timer.fire();
    await settle();
    server.on('POST', 'convert/plan', () => MISSPELLED);
    model.update(NOTEBOOK, () => cells('setp:train'));
    timer.fire();
    await settle();
    first.resolve(GRAPH);
    await settle();

    expect(model.plan).toBe(MISSPELLED);
    expect(model.lastGraph).toBeNull();
  });

  it('sends one request at a time: a change made meanwhile goes after the answer', async () => {
    const first = deferred<PipelinePlanResponse>();
    const server = new FakeServer().on(
      'POST',
      'convert/plan',
      () => first.promise
    );
    const timer = new ManualSchedule();
    const model = owned(new PipelinePlanModel(server.client(), timer.schedule));
    model.update(NOTEBOOK, () => cells('step:a'));
    timer.fire();
    await settle();
    model.update(NOTEBOOK, () => cells('step:b'));
    timer.fire();
    model.update(NOTEBOOK, () => cells('step:c'));
    timer.fire();
    await settle();
    expect(server.calls).toHaveLength(1);

    server.on('POST', 'convert/plan', () => MISSPELLED);
    first.resolve(GRAPH);
    await settle();

    expect(server.calls.map(call => call.body.cells[0].tags)).toEqual([
      ['step:a'],
      ['step:c']
    ]);
    expect(model.plan).toBe(MISSPELLED);
    expect(model.pending).toBe(false);
  });

  it('keeps the last graph while the tags have issues, and finds them by cell', async () => {
    let answer = GRAPH;
    const server = new FakeServer().on('POST', 'convert/plan', () => answer);
    const timer = new ManualSchedule();
    const model = owned(new PipelinePlanModel(server.client(), timer.schedule));
    model.update(NOTEBOOK, () => cells('step:a'));
    timer.fire();
    await settle();
    answer = MISSPELLED;
    model.update(NOTEBOOK, () => cells('setp:train'));
    timer.fire();
    await settle();

    expect(model.lastGraph).toBe(GRAPH);
    expect(model.issuesAt(3).map(issue => issue.tag)).toEqual(['setp:train']);
    expect(model.issuesAt(2)).toEqual([]);
  });

  it('says why when the server refuses', async () => {
    const server = new FakeServer().on('POST', 'convert/plan', () => {
      throw new ApiError(403, 'permission_denied', 'Not allowed to read.');
    });
    const timer = new ManualSchedule();
    const model = owned(new PipelinePlanModel(server.client(), timer.schedule));
    model.update(NOTEBOOK, () => cells('step:a'));
    timer.fire();
    await settle();

    expect(model.error).toBe('Not allowed to read.');
    expect(model.plan).toBeNull();
  });

  it('sends nothing once disposed', async () => {
    const server = new FakeServer().on('POST', 'convert/plan', () => GRAPH);
    const timer = new ManualSchedule();
    const model = owned(new PipelinePlanModel(server.client(), timer.schedule));
    model.update(NOTEBOOK, () => cells('step:a'));
    model.dispose();
    timer.fire();
    await settle();
    expect(server.calls).toEqual([]);
  });
});

describe('layoutGraph', () => {
  it('puts a step one layer below the steps it runs after', () => {
    const layout = layoutGraph(GRAPH.steps);
    const layers = Object.fromEntries(
      layout.nodes.map(node => [node.name, [node.layer, node.x > 8 ? 1 : 0]])
    );
    expect(layers).toEqual({ load: [0, 0], train: [1, 0], report: [1, 1] });
    expect(
      layout.edges.map(edge => [edge.from, edge.to, edge.names, edge.prev])
    ).toEqual([
      ['load', 'train', ['values'], false],
      ['load', 'report', [], true]
    ]);
    const train = layout.nodes[1];
    expect(layout.height).toBeGreaterThanOrEqual(train.y + NODE_HEIGHT);
    expect(layout.edges[0].path.startsWith('M ')).toBe(true);
  });

  it('is empty without steps', () => {
    expect(layoutGraph([])).toMatchObject({ nodes: [], edges: [] });
  });
});
