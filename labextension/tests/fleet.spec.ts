import { ApiError } from '../src/api';
import type { FleetGroup, FleetPage } from '../src/contract';
import { FLEET_PAGE_SIZE, FleetModel, coverageText } from '../src/models/fleet';
import { Reporter } from '../src/models/report';
import { FakeServer, RecordingNotifier } from './fakeServer';

function group(name: string, failures = 0): FleetGroup {
  return {
    group: name,
    runs: 50,
    failures,
    running: 0,
    last_start_ms: 1700000000000,
    last_run_id: `${name}-last`,
    last_status: failures ? 'FAILED' : 'FINISHED',
    best_value: 0.9,
    best_run_id: `${name}-best`,
    drift: {},
    model: null,
    champion_version: null,
    champion_value: null,
    challenger_version: null,
    gate_decision: null,
    gate_reason: null
  };
}

function page(groups: FleetGroup[], extra: Partial<FleetPage> = {}): FleetPage {
  return {
    groups,
    total_groups: 120,
    runs_scanned: 6000,
    complete: true,
    next_page_token: null,
    source: 'database',
    ...extra
  };
}

function setup(server: FakeServer): {
  fleet: FleetModel;
  notifier: RecordingNotifier;
} {
  const notifier = new RecordingNotifier();
  return {
    fleet: new FleetModel(server.client(), new Reporter(notifier)),
    notifier
  };
}

describe('FleetModel', () => {
  it('asks the server for one page of groups, never for runs', async () => {
    const server = new FakeServer().on('GET', 'fleet', () =>
      page([group('a'), group('b')])
    );
    const { fleet } = setup(server);

    await fleet.configure({
      experiment: 'demand',
      groupBy: 'series',
      metric: 'rmse'
    });

    expect(server.callsTo('GET', 'fleet')[0].query).toEqual({
      experiment: 'demand',
      group_by: 'series',
      metric: 'rmse',
      direction: 'higher',
      sort: 'group',
      limit: String(FLEET_PAGE_SIZE),
      offset: '0'
    });
    expect(server.callsTo('GET', 'runs')).toEqual([]);
    expect(fleet.page.value?.groups.map(item => item.group)).toEqual([
      'a',
      'b'
    ]);
    expect(coverageText(fleet.page.value!, fleet.offset)).toBe(
      'groups 1–2 of 120; all 6000 runs aggregated (database)'
    );
  });

  it('sorts, reverses, filters and pages on the server', async () => {
    const server = new FakeServer().on('GET', 'fleet', () =>
      page(
        Array.from({ length: FLEET_PAGE_SIZE }, (_, index) =>
          group(`g${index}`)
        )
      )
    );
    const { fleet } = setup(server);
    await fleet.configure({ experiment: 'demand', groupBy: 'series' });

    await fleet.sortBy('failures');
    await fleet.sortBy('failures');
    await fleet.filter('north');
    await fleet.nextPage();
    await fleet.previousPage();

    const sent = server.callsTo('GET', 'fleet').map(call => call.query);
    expect(sent.map(query => query.sort)).toEqual([
      'group',
      '-failures',
      'failures',
      'failures',
      'failures',
      'failures'
    ]);
    expect(sent.map(query => query.filter ?? '')).toEqual([
      '',
      '',
      '',
      'north',
      'north',
      'north'
    ]);
    expect(sent.map(query => query.offset)).toEqual([
      '0',
      '0',
      '0',
      '0',
      '50',
      '0'
    ]);
  });

  it('continues a partial scan with older runs and says what it covered', async () => {
    const server = new FakeServer().on('GET', 'fleet', call =>
      call.query.page_token
        ? page([group('old')], {
            complete: false,
            runs_scanned: 1000,
            source: 'tracking server'
          })
        : page([group('new', 2)], {
            complete: false,
            runs_scanned: 1000,
            next_page_token: 'T1',
            source: 'tracking server',
            total_groups: 1
          })
    );
    const { fleet } = setup(server);
    await fleet.configure({ experiment: 'demand', groupBy: 'series' });

    expect(coverageText(fleet.page.value!, 0)).toBe(
      'groups 1–1 of 1; the 1000 newest runs scanned (tracking server), older runs remain'
    );
    expect(fleet.canOlder).toBe(true);
    expect(fleet.canNext).toBe(false);
    await fleet.olderRuns();

    expect(server.callsTo('GET', 'fleet')[1].query.page_token).toBe('T1');
    expect(fleet.page.value?.groups.map(item => item.group)).toEqual(['old']);
  });

  it('shows the server refusal as a sentence', async () => {
    const server = new FakeServer().on('GET', 'fleet', () => {
      throw new ApiError(
        404,
        'not_found',
        "no experiment named 'x' in the store"
      );
    });
    const { fleet, notifier } = setup(server);

    await fleet.configure({ experiment: 'x', groupBy: 'series' });

    expect(fleet.page.error).toBe(
      "Cannot load the fleet: no experiment named 'x' in the store"
    );
    expect(notifier.errors).toHaveLength(1);
  });
});
