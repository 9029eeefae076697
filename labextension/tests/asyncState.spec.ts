import { AsyncState } from '../src/models/asyncState';
import { deferred } from './fakeServer';

const describeError = (error: unknown): string => `failed: ${String(error)}`;

describe('AsyncState', () => {
  it('goes idle → loading → ready and signals each change', async () => {
    const state = new AsyncState<number>();
    const seen: string[] = [];
    state.changed.connect(() => seen.push(state.status));

    const outcome = await state.load(async () => 42, describeError);

    expect(outcome).toEqual({ kind: 'ready', value: 42 });
    expect(seen).toEqual(['loading', 'ready']);
    expect(state.value).toBe(42);
    expect(state.error).toBeNull();
    state.dispose();
  });

  it('keeps the last value and error while reloading, and the value after a failure', async () => {
    const state = new AsyncState<string>();
    await state.load(async () => 'first', describeError);
    await state.load(() => Promise.reject('down'), describeError);
    expect(state.status).toBe('error');
    expect(state.error).toBe('failed: down');
    expect(state.value).toBe('first');

    const answer = deferred<string>();
    const reload = state.load(() => answer.promise, describeError);
    expect(state.isLoading).toBe(true);
    expect(state.value).toBe('first');
    expect(state.error).toBe('failed: down');

    answer.resolve('second');
    await reload;
    expect(state.value).toBe('second');
    expect(state.error).toBeNull();
    state.dispose();
  });

  it('lets only the latest load settle', async () => {
    const state = new AsyncState<string>();
    const slow = deferred<string>();
    const fast = deferred<string>();
    const first = state.load(() => slow.promise, describeError);
    const second = state.load(() => fast.promise, describeError);

    fast.resolve('latest');
    slow.resolve('outdated');

    expect(await second).toEqual({ kind: 'ready', value: 'latest' });
    expect(await first).toEqual({ kind: 'superseded' });
    expect(state.value).toBe('latest');
    state.dispose();
  });

  it('drops a failure that arrives after a newer load without describing it', async () => {
    const state = new AsyncState<string>();
    const slow = deferred<string>();
    const describe = jest.fn(describeError);
    const first = state.load(() => slow.promise, describe);
    await state.load(async () => 'fresh', describeError);

    slow.reject('late failure');

    expect(await first).toEqual({ kind: 'superseded' });
    expect(describe).not.toHaveBeenCalled();
    expect(state.status).toBe('ready');
    expect(state.error).toBeNull();
    state.dispose();
  });

  it('forgets value, error and the load in flight on reset', async () => {
    const state = new AsyncState<string>();
    await state.load(async () => 'old', describeError);
    const pending = deferred<string>();
    const load = state.load(() => pending.promise, describeError);

    state.reset();
    pending.resolve('for the previous notebook');

    expect(await load).toEqual({ kind: 'superseded' });
    expect(state.status).toBe('idle');
    expect(state.value).toBeNull();
    state.dispose();
  });
});
