import {
  MAX_POLL_SECONDS,
  RunsRefresh,
  DEFAULT_POLL_SECONDS
} from '../src/models/refresh';

describe('RunsRefresh', () => {
  let refresh: RunsRefresh | null = null;

  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    refresh?.dispose();
    refresh = null;
    jest.useRealTimers();
  });

  function start(options: {
    changes?: boolean[];
    active?: () => boolean;
    base?: number | null;
    fail?: boolean;
  }): jest.Mock<Promise<boolean>, []> {
    const answers = [...(options.changes ?? [])];
    const check = jest.fn(async () => {
      if (options.fail) {
        throw new Error('server down');
      }
      return answers.shift() ?? false;
    });
    refresh = new RunsRefresh({
      check,
      isActive: options.active ?? (() => true),
      baseSeconds: () => options.base ?? null
    });
    refresh.restart();
    return check;
  }

  it('checks after the configured wait, not at once', async () => {
    const check = start({ base: 10 });
    await jest.advanceTimersByTimeAsync(9_999);
    expect(check).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(check).toHaveBeenCalledTimes(1);
  });

  it('waits ×1.5 longer after each check that found nothing, up to a minute', async () => {
    const check = start({ base: 10 });
    const waits: number[] = [];
    for (let tick = 0; tick < 6; tick++) {
      await jest.advanceTimersByTimeAsync(refresh!.seconds * 1000);
      waits.push(refresh!.seconds);
    }
    expect(check).toHaveBeenCalledTimes(6);
    expect(waits).toEqual([
      15,
      22.5,
      33.75,
      50.625,
      MAX_POLL_SECONDS,
      MAX_POLL_SECONDS
    ]);
  });

  it('goes back to the configured wait when a check found a change', async () => {
    start({ base: 10, changes: [false, false, true] });
    for (let tick = 0; tick < 3; tick++) {
      await jest.advanceTimersByTimeAsync(refresh!.seconds * 1000);
    }
    expect(refresh!.seconds).toBe(10);
  });

  it('backs off when checks fail, without throwing', async () => {
    const check = start({ fail: true });
    await jest.advanceTimersByTimeAsync(DEFAULT_POLL_SECONDS * 1000);
    expect(check).toHaveBeenCalledTimes(1);
    expect(refresh!.seconds).toBe(DEFAULT_POLL_SECONDS * 1.5);
  });

  it('stands by while inactive: no check however long it waits', async () => {
    let active = false;
    const check = start({ base: 5, active: () => active });
    await jest.advanceTimersByTimeAsync(10 * MAX_POLL_SECONDS * 1000);
    expect(check).not.toHaveBeenCalled();

    active = true;
    refresh!.restart();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(check).toHaveBeenCalledTimes(1);
  });

  it('keeps a configured wait longer than a minute', async () => {
    start({ base: 120 });
    await jest.advanceTimersByTimeAsync(120_000);
    expect(refresh!.seconds).toBe(120);
  });
});
