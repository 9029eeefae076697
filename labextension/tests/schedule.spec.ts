import { ApiError } from '../src/api';
import type {
  CronPreview,
  ScheduleOptions,
  SchedulesList,
  ScheduleSummary,
  ScheduleWritten
} from '../src/contract';
import { PanelModel } from '../src/models/panel';
import { Reporter } from '../src/models/report';
import {
  CronPreviewModel,
  defaultChoice,
  gateProblem,
  lastStatus,
  requestOf,
  SchedulesModel
} from '../src/models/schedule';
import { deferred, FakeServer, RecordingNotifier, settle } from './fakeServer';

const NOTEBOOK = 'work/daily.ipynb';

const OPTIONS: ScheduleOptions = {
  notebook: NOTEBOOK,
  engines: [
    { name: 'cron', label: 'cron on this machine' },
    { name: 'prefect', label: 'Prefect' }
  ],
  default_engine: 'cron',
  default_cron: '0 3 * * 1',
  default_folder: 'schedules',
  default_name: 'daily',
  experiment_name: NOTEBOOK,
  parameters: [
    { name: 'alpha', type: 'float', default: '0.5' },
    { name: 'repeats', type: 'int', default: '3' }
  ],
  metrics: ['score', 'duration_seconds'],
  has_model: false
};

const WRITTEN: ScheduleWritten = {
  notebook: NOTEBOOK,
  name: 'daily',
  engine: 'cron',
  cron: '0 3 * * 1',
  description: 'At 03:00, only on Monday',
  folder: 'schedules',
  files: ['schedules/daily.sh', 'schedules/daily.crontab'],
  lines: ['wrote schedules/daily.sh'],
  cli_command: 'cd /root && python -m jupyter_mlops.cli schedule ...',
  install_step:
    'cd /root && python -m jupyter_mlops.cli schedule ... --install',
  crontab_line:
    '0 3 * * 1 /root/schedules/daily.sh # jupyter-mlops:/root/schedules/daily.sh'
};

function summary(
  statuses: string[],
  note: string | null = null
): ScheduleSummary {
  return {
    name: 'daily',
    engine: 'cron',
    cron: '0 3 * * 1',
    description: 'At 03:00, only on Monday',
    target: NOTEBOOK,
    files: ['schedules/daily.sh', 'schedules/daily.crontab'],
    experiment_name: NOTEBOOK,
    experiment_id: '3',
    runs: statuses.map((status, index) => ({
      run_id: `r${index}`,
      run_name: `run ${index}`,
      experiment_id: '3',
      status: status as ScheduledRun['status'],
      start_time: 1000 - index,
      end_time: null,
      error: null,
      executed_notebook: null,
      run_url: null,
      notebook_url: null
    })),
    note
  };
}
type ScheduledRun = ScheduleSummary['runs'][number];

function listOf(...schedules: ScheduleSummary[]): SchedulesList {
  return { folder: 'schedules', schedules, problems: [] };
}

function preview(cron: string): CronPreview {
  return {
    cron,
    valid: true,
    description: `described ${cron}`,
    timezone: 'UTC',
    next_runs: [1, 2],
    error: null
  };
}

describe('the dialog choice', () => {
  it('sends nothing but the notebook and the defaults: a weekly cron schedule', () => {
    expect(requestOf(NOTEBOOK, defaultChoice(OPTIONS))).toEqual({
      notebook: NOTEBOOK,
      engine: 'cron',
      cron: '0 3 * * 1',
      folder: 'schedules',
      name: 'daily',
      parameters: null,
      register: null,
      promote: null,
      metric: null,
      greater_is_better: null,
      min_delta: null
    });
  });

  it('sends typed parameters as text and the gate with its direction and delta', () => {
    const choice = {
      ...defaultChoice(OPTIONS),
      engine: 'prefect',
      parameters: { alpha: ' 0.7 ', repeats: '' },
      register: 'daily',
      promote: 'champion',
      metric: 'score',
      greaterIsBetter: false,
      minDelta: '0.01'
    };
    expect(gateProblem(choice)).toBeNull();
    expect(requestOf(NOTEBOOK, choice)).toMatchObject({
      engine: 'prefect',
      parameters: { alpha: '0.7' },
      register: 'daily',
      promote: 'champion',
      metric: 'score',
      greater_is_better: false,
      min_delta: 0.01
    });
  });

  it('names what the gate lacks before asking the server', () => {
    const base = defaultChoice(OPTIONS);
    expect(gateProblem({ ...base, promote: 'champion' })).toBe(
      'Promoting needs a registered model name.'
    );
    expect(gateProblem({ ...base, promote: 'champion', register: 'm' })).toBe(
      'Promoting needs the metric champion and challenger compare on.'
    );
    expect(gateProblem({ ...base, minDelta: 'big' })).toBe(
      'Min delta must be a number; got "big".'
    );
  });
});

describe('lastStatus', () => {
  it('flags a schedule whose newest run failed', () => {
    expect(lastStatus(summary(['FAILED', 'FINISHED']))).toEqual({
      label: 'failed',
      failed: true
    });
    expect(lastStatus(summary(['FINISHED', 'FAILED']))).toEqual({
      label: 'finished',
      failed: false
    });
    expect(lastStatus(summary([]))).toEqual({
      label: 'no runs yet',
      failed: false
    });
    expect(lastStatus(summary([], 'its runs go to http://x'))).toEqual({
      label: 'no runs shown',
      failed: false
    });
  });
});

describe('CronPreviewModel', () => {
  it('asks once typing pauses, for the latest expression and engine', async () => {
    const server = new FakeServer().on('GET', 'schedules/preview', call =>
      preview(call.query.cron)
    );
    const model = new CronPreviewModel(server.client(), 5);
    void model.request('0', 'cron');
    void model.request('0 3', 'cron');
    await model.request('0 3 * * 1', 'airflow');
    await settle();
    expect(
      server.callsTo('GET', 'schedules/preview').map(c => c.query)
    ).toEqual([{ cron: '0 3 * * 1', engine: 'airflow', count: '5' }]);
    expect(model.state.value?.description).toBe('described 0 3 * * 1');
    model.dispose();
  });

  it('shows only the answer for the latest expression', async () => {
    const slow = deferred<CronPreview>();
    const server = new FakeServer().on('GET', 'schedules/preview', call =>
      call.query.cron === 'slow' ? slow.promise : preview(call.query.cron)
    );
    const model = new CronPreviewModel(server.client(), 0);
    void model.request('slow', 'cron'); // its answer is still on the way...
    await new Promise(resolve => setTimeout(resolve, 10));
    expect(server.callsTo('GET', 'schedules/preview')).toHaveLength(1);
    await model.request('0 4 * * *', 'cron'); // ...when the next expression is answered
    await settle();
    slow.resolve(preview('slow'));
    await settle();
    expect(model.state.value?.cron).toBe('0 4 * * *');
    model.dispose();
  });
});

describe('SchedulesModel', () => {
  it('writes the schedule, then lists the folder it went to', async () => {
    const notifier = new RecordingNotifier();
    const server = new FakeServer()
      .on('POST', 'schedules', () => WRITTEN)
      .on('GET', 'schedules', () => listOf(summary(['FAILED'])));
    const model = new SchedulesModel(server.client(), new Reporter(notifier));
    const written = await model.create(NOTEBOOK, defaultChoice(OPTIONS));
    expect(written).toEqual(WRITTEN);
    expect(server.callsTo('POST', 'schedules')[0].body).toMatchObject({
      notebook: NOTEBOOK,
      cron: '0 3 * * 1'
    });
    expect(server.callsTo('GET', 'schedules')[0].query).toEqual({
      folder: 'schedules',
      runs: '5'
    });
    expect(model.written).toEqual(WRITTEN);
    expect(model.list.value?.schedules).toHaveLength(1);
    expect(notifier.successes).toEqual([
      `Scheduled ${NOTEBOOK}: daily (cron, 0 3 * * 1).`
    ]);
    model.dismissWritten();
    expect(model.written).toBeNull();
    model.dispose();
  });

  it("shows the server's refusal and lists nothing new", async () => {
    const notifier = new RecordingNotifier();
    const refusal =
      'schedules/daily.sh, schedules/daily.crontab already exist with other content; nothing was written (use --force to replace)';
    const server = new FakeServer().on('POST', 'schedules', () => {
      throw new ApiError(400, 'bad_request', refusal);
    });
    const model = new SchedulesModel(server.client(), new Reporter(notifier));
    expect(await model.create(NOTEBOOK, defaultChoice(OPTIONS))).toBeNull();
    expect(model.writeError).toBe(`Cannot schedule ${NOTEBOOK}: ${refusal}`);
    expect(notifier.errors).toEqual([model.writeError]);
    expect(server.callsTo('GET', 'schedules')).toHaveLength(0);
    model.dispose();
  });

  it('refuses an incomplete gate without a request', async () => {
    const server = new FakeServer();
    const model = new SchedulesModel(
      server.client(),
      new Reporter(new RecordingNotifier())
    );
    const choice = { ...defaultChoice(OPTIONS), promote: 'champion' };
    expect(await model.create(NOTEBOOK, choice)).toBeNull();
    expect(server.calls).toHaveLength(0);
    model.dispose();
  });
});

describe('PanelModel schedules view', () => {
  it('schedules from the command into the Schedules view, and the tab lists them', async () => {
    const server = new FakeServer()
      .on('POST', 'schedules', () => WRITTEN)
      .on('GET', 'schedules', () => listOf(summary(['FINISHED'])));
    const panel = new PanelModel(server.client(), new RecordingNotifier());
    let asked = 0;
    panel.schedules.setCreateAction(() => (asked += 1));
    panel.schedules.requestCreate();
    expect(asked).toBe(1);
    await panel.scheduleNotebook(NOTEBOOK, defaultChoice(OPTIONS));
    expect(panel.view).toBe('schedules');
    await panel.setNotebook('other.ipynb');
    expect(panel.view).toBe('schedules');
    panel.showRuns();
    await panel.showSchedules();
    expect(panel.view).toBe('schedules');
    expect(server.callsTo('GET', 'schedules')).toHaveLength(2);
    panel.dispose();
  });
});
