import {
  filterToSearch,
  mergeKeys,
  nextSort,
  orderByClause,
  orderByKey,
  runsFingerprint
} from '../src/models/runsQuery';
import { run } from './fakeServer';

describe('filterToSearch', () => {
  it('searches run names for plain words, without quotes that would end the string', () => {
    expect(filterToSearch("  bob's forest ")).toBe(
      "attributes.run_name ILIKE '%bobs forest%'"
    );
  });

  it.each([
    'metrics.accuracy > 0.9',
    "params.alpha = '0.5'",
    "tags.team LIKE 'ml%'",
    "attributes.status IN ('FINISHED')"
  ])('passes MLflow search syntax through: %s', text => {
    expect(filterToSearch(text)).toBe(text);
  });

  it('is no filter for blank text', () => {
    expect(filterToSearch('   ')).toBeNull();
  });
});

describe('sorting', () => {
  it('breaks ties by start time except when sorting by it', () => {
    expect(orderByClause({ column: 'metrics.`acc`', ascending: false })).toBe(
      'metrics.`acc` DESC,attributes.start_time DESC'
    );
    expect(
      orderByClause({ column: 'attributes.start_time', ascending: true })
    ).toBe('attributes.start_time ASC');
  });

  it('starts names A→Z, other columns high→low, and reverses on a second click', () => {
    const byName = nextSort(
      { column: 'attributes.start_time', ascending: false },
      'attributes.run_name'
    );
    expect(byName).toEqual({ column: 'attributes.run_name', ascending: true });
    expect(nextSort(byName, 'attributes.run_name').ascending).toBe(false);
    expect(nextSort(byName, 'metrics.`loss`').ascending).toBe(false);
  });

  it('quotes any param or metric key with backticks', () => {
    expect(orderByKey('metrics', 'val loss`x')).toBe('metrics.`val lossx`');
  });
});

describe('page helpers', () => {
  it('fingerprints runs by id, status and end time', () => {
    const running = run('a', { status: 'RUNNING', end_time: null });
    const finished = run('a', { status: 'FINISHED' });
    expect(runsFingerprint([running])).not.toBe(runsFingerprint([finished]));
    expect(runsFingerprint([finished])).toBe(runsFingerprint([run('a')]));
  });

  it('merges keys without duplicates, sorted', () => {
    expect(mergeKeys(['b', 'a'], ['c', 'a'])).toEqual(['a', 'b', 'c']);
  });
});
