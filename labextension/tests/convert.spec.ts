import { ApiError } from '../src/api';
import type {
  ConvertResponse,
  PytestJob,
  PytestJobStatus
} from '../src/contract';
import {
  ConvertModel,
  defaultOutput,
  refusalPlace,
  TEST_POLL_MS
} from '../src/models/convert';
import { PanelModel } from '../src/models/panel';
import { Reporter } from '../src/models/report';
import { FakeServer, RecordingNotifier, settle } from './fakeServer';

const NOTEBOOK = 'work/Daily Score.ipynb';
const OUTPUT = 'work/Daily Score_prod';

function converted(output = OUTPUT): ConvertResponse {
  return {
    notebook: NOTEBOOK,
    output,
    converted: true,
    refusal: null,
    report: {
      package: 'daily_score',
      steps: [
        {
          name: 'train',
          function_name: 'train',
          kind: 'step',
          cells: [3],
          inputs: ['values'],
          outputs: ['total']
        }
      ],
      parameters: [],
      model_variable: null,
      dropped: [],
      translations: [],
      warnings: [],
      files: ['daily_score/steps.py'],
      report_path: `${output}/CONVERSION_REPORT.md`
    }
  };
}

function refused(
  cellIndex: number | null,
  line: number | null
): ConvertResponse {
  return {
    notebook: NOTEBOOK,
    output: OUTPUT,
    converted: false,
    report: null,
    refusal: {
      message: "cell 3 (tag step:train), line 2: step 'train' reads 'valuez'",
      kind: 'HiddenStateError',
      cell_index: cellIndex,
      tag: cellIndex === null ? null : 'step:train',
      line
    }
  };
}

function job(
  status: PytestJobStatus,
  lines: string[],
  firstLine: number,
  overrides: Partial<PytestJob> = {}
): PytestJob {
  return {
    job_id: 'j1',
    output: OUTPUT,
    status,
    command: ['python', '-m', 'pytest', '-rA', '.'],
    started: 0,
    finished: status === 'running' ? null : 1,
    exit_code: status === 'running' ? null : status === 'passed' ? 0 : 1,
    counts:
      status === 'running'
        ? null
        : {
            passed: 5,
            failed: status === 'failed' ? 1 : 0,
            errors: 0,
            skipped: 0
          },
    first_line: firstLine,
    line_count: firstLine + lines.length,
    lines,
    message: null,
    ...overrides
  };
}

function makeModel(server: FakeServer): {
  model: ConvertModel;
  notifier: RecordingNotifier;
  revealed: [string, number, number | null][];
} {
  const notifier = new RecordingNotifier();
  const revealed: [string, number, number | null][] = [];
  const model = new ConvertModel(
    server.client(),
    new Reporter(notifier),
    (notebook, cell, line) => {
      revealed.push([notebook, cell, line]);
    }
  );
  return { model, notifier, revealed };
}

describe('defaultOutput', () => {
  it('puts <stem>_prod next to the notebook', () => {
    expect(defaultOutput('work/Daily Score.ipynb')).toBe(
      'work/Daily Score_prod'
    );
    expect(defaultOutput('train.ipynb')).toBe('train_prod');
    expect(defaultOutput('a.b/model.v2.ipynb')).toBe('a.b/model.v2_prod');
  });
});

describe('refusalPlace', () => {
  it('names the cell, tag and line, or nothing without a cell', () => {
    expect(refusalPlace(refused(3, 2).refusal!)).toBe(
      'cell 3 (step:train), line 2'
    );
    expect(refusalPlace(refused(null, null).refusal!)).toBeNull();
  });
});

describe('ConvertModel', () => {
  it('sends the notebook, output and force, and keeps the report', async () => {
    const server = new FakeServer().on('POST', 'convert', () => converted());
    const { model, notifier, revealed } = makeModel(server);

    await model.convert(NOTEBOOK, `  ${OUTPUT} `, true);

    expect(server.callsTo('POST', 'convert')[0].body).toEqual({
      notebook: NOTEBOOK,
      output: OUTPUT,
      force: true
    });
    expect(model.result.value?.report?.package).toBe('daily_score');
    expect(notifier.successes).toEqual([
      `Converted ${NOTEBOOK} into ${OUTPUT}.`
    ]);
    expect(revealed).toEqual([]);
    model.dispose();
  });

  it('leaves an empty output to the server default', async () => {
    const server = new FakeServer().on('POST', 'convert', () => converted());
    const { model } = makeModel(server);
    await model.convert(NOTEBOOK, '  ', false);
    expect(server.callsTo('POST', 'convert')[0].body.output).toBeNull();
    model.dispose();
  });

  it('shows the cell and line of a refusal, and notifies the message', async () => {
    const server = new FakeServer().on('POST', 'convert', () => refused(3, 2));
    const { model, notifier, revealed } = makeModel(server);

    await model.convert(NOTEBOOK, OUTPUT, false);

    expect(revealed).toEqual([[NOTEBOOK, 3, 2]]);
    expect(notifier.errors).toEqual([
      `nb2prod refused ${NOTEBOOK}: cell 3 (tag step:train), line 2: step 'train' reads 'valuez'`
    ]);
    await model.revealRefusal();
    expect(revealed).toHaveLength(2);
    model.dispose();
  });

  it('reveals nothing for a refusal without a cell', async () => {
    const server = new FakeServer().on('POST', 'convert', () =>
      refused(null, null)
    );
    const { model, revealed } = makeModel(server);
    await model.convert(NOTEBOOK, OUTPUT, false);
    expect(revealed).toEqual([]);
    model.dispose();
  });

  it('turns a failed request into a sentence and a notification', async () => {
    const server = new FakeServer().on('POST', 'convert', () => {
      throw new ApiError(
        400,
        'bad_request',
        "Output path '../x' points outside the Jupyter root; refused."
      );
    });
    const { model, notifier } = makeModel(server);
    expect(await model.convert(NOTEBOOK, '../x', false)).toBeNull();
    const message = `Cannot convert ${NOTEBOOK}: Output path '../x' points outside the Jupyter root; refused.`;
    expect(model.result.error).toBe(message);
    expect(notifier.errors).toEqual([message]);
    model.dispose();
  });

  it('follows a test job line by line until it ends', async () => {
    jest.useFakeTimers();
    try {
      const answers = [
        job('running', ['collecting'], 1),
        job('running', [], 2),
        job('passed', ['PASSED tests/test_steps.py::test_a', '5 passed'], 2)
      ];
      const server = new FakeServer()
        .on('POST', 'convert', () => converted())
        .on('POST', 'convert/tests', () =>
          job('running', ['platform linux'], 0)
        )
        .on('GET', 'convert/tests', () => answers.shift());
      const { model, notifier } = makeModel(server);
      await model.convert(NOTEBOOK, OUTPUT, false);

      await model.runTests();
      expect(server.callsTo('POST', 'convert/tests')[0].body).toEqual({
        output: OUTPUT
      });
      expect(model.isTesting).toBe(true);
      await model.runTests(); // a second click while running starts nothing
      expect(server.callsTo('POST', 'convert/tests')).toHaveLength(1);

      for (let tick = 0; tick < 3; tick++) {
        await jest.advanceTimersByTimeAsync(TEST_POLL_MS);
        await settle();
      }

      expect(
        server.callsTo('GET', 'convert/tests').map(call => call.query)
      ).toEqual([
        { job_id: 'j1', since: '1' },
        { job_id: 'j1', since: '2' },
        { job_id: 'j1', since: '2' }
      ]);
      expect(model.testRun?.lines).toEqual([
        'platform linux',
        'collecting',
        'PASSED tests/test_steps.py::test_a',
        '5 passed'
      ]);
      expect(model.isTesting).toBe(false);
      expect(notifier.successes).toContain(
        `Tests of ${OUTPUT} passed: 5 passed, 0 failed, 0 errors.`
      );

      await jest.advanceTimersByTimeAsync(TEST_POLL_MS * 5);
      expect(server.callsTo('GET', 'convert/tests')).toHaveLength(3); // stopped polling
      model.dispose();
    } finally {
      jest.useRealTimers();
    }
  });

  it('reports a failed test job and a job that cannot start', async () => {
    jest.useFakeTimers();
    try {
      const server = new FakeServer()
        .on('POST', 'convert', () => converted())
        .on('POST', 'convert/tests', () => job('running', [], 0))
        .on('GET', 'convert/tests', () =>
          job('failed', ['FAILED tests/x.py::t'], 0)
        );
      const { model, notifier } = makeModel(server);
      await model.convert(NOTEBOOK, OUTPUT, false);
      await model.runTests();
      await jest.advanceTimersByTimeAsync(TEST_POLL_MS);
      await settle();
      expect(model.testRun?.job.status).toBe('failed');
      expect(notifier.errors).toEqual([
        `Tests of ${OUTPUT} failed: 5 passed, 1 failed, 0 errors.`
      ]);

      server.on('POST', 'convert/tests', () => {
        throw new ApiError(409, 'conflict', 'The tests are already running.');
      });
      await model.runTests();
      expect(model.testError).toBe(
        `Cannot run the tests of ${OUTPUT}: The tests are already running.`
      );
      model.dispose();
    } finally {
      jest.useRealTimers();
    }
  });

  it('stops following the tests when the notebook is converted again', async () => {
    jest.useFakeTimers();
    try {
      const server = new FakeServer()
        .on('POST', 'convert', () => converted())
        .on('POST', 'convert/tests', () => job('running', [], 0))
        .on('GET', 'convert/tests', () => job('running', [], 0));
      const { model } = makeModel(server);
      await model.convert(NOTEBOOK, OUTPUT, false);
      await model.runTests();
      await model.convert(NOTEBOOK, OUTPUT, true);
      expect(model.testRun).toBeNull();
      await jest.advanceTimersByTimeAsync(TEST_POLL_MS * 3);
      expect(server.callsTo('GET', 'convert/tests')).toHaveLength(0);
      model.dispose();
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('PanelModel convert view', () => {
  it('shows the convert view and keeps it when another notebook becomes active', async () => {
    const server = new FakeServer().on('POST', 'convert', () => converted());
    const panel = new PanelModel(server.client(), new RecordingNotifier());
    await panel.convertNotebook(NOTEBOOK, '', false);
    expect(panel.view).toBe('convert');
    expect(panel.convert.result.value?.converted).toBe(true);
    await panel.setNotebook('other.ipynb');
    expect(panel.view).toBe('convert');
    panel.showRuns();
    expect(panel.view).toBe('runs');
    panel.dispose();
  });
});
