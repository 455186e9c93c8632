import { unordered } from '../../src/sandbox/marathon/history';
import { MarathonState } from '../../src/sandbox/marathon/state';
import type { JsonObject } from '../../src/sandbox/marathon/validate';

/**
 * The emulator's version history on a fake clock, against Marathon's own rules (reference sheet §1,
 * §5; state/VersionInfo.scala, upgrade/GroupVersioningUtil.scala): which changes make a version, what
 * versionInfo says, how many are kept, how they are listed, and seeding a history in the past.
 */

const ID = '/ds/dev/shop/api';
const START = new Date('2026-11-20T10:00:00.000Z');

function api(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: ID,
    instances: 2,
    env: { LOG_LEVEL: 'info' },
    container: { type: 'DOCKER', docker: { image: 'registry.example.com/shop/api:1.0.0' } },
    healthChecks: [{ protocol: 'MESOS_HTTP', path: '/health' }],
    ...overrides,
  };
}

let state: MarathonState;

function put(body: JsonObject, force = true) {
  return state.updateApp(ID, body, { force, partialUpdate: true, allowCreate: true });
}

function current(): JsonObject {
  return state.appInfo(ID, new Set(['tasks']))!;
}

function info(): { version: string; lastScalingAt: string; lastConfigChangeAt: string } {
  const app = current();
  const versionInfo = app['versionInfo'] as { lastScalingAt: string; lastConfigChangeAt: string };
  return { version: String(app['version']), ...versionInfo };
}

/** Advance the clock, as changes a second apart make versions a second apart. */
function tick(ms = 1000): void {
  jest.advanceTimersByTime(ms);
}

beforeEach(() => {
  jest.useFakeTimers({ now: START });
  state = new MarathonState({ deploymentMs: 100 });
  state.seed(api());
  tick();
});

afterEach(() => {
  state.close();
  jest.useRealTimers();
});

describe('which changes make a version', () => {
  it('a config change, a scale and a restart each add one; an unchanged definition adds none', () => {
    expect(state.versionsOf(ID)).toHaveLength(1);
    put({ env: { LOG_LEVEL: 'debug' } });
    tick();
    expect(state.versionsOf(ID)).toHaveLength(2);
    put({ instances: 3 });
    tick();
    expect(state.versionsOf(ID)).toHaveLength(3);
    expect(state.restartApp(ID, true).status).toBe(200);
    tick();
    expect(state.versionsOf(ID)).toHaveLength(4);
    put({ instances: 3 });
    tick();
    expect(state.versionsOf(ID)).toHaveLength(4);
  });

  it('versionInfo as Marathon writes it: a scale moves lastScalingAt, a restart lastConfigChangeAt, a config change both', () => {
    const created = info();
    expect(created).toEqual({
      version: created.version,
      lastScalingAt: created.version,
      lastConfigChangeAt: created.version,
    });
    put({ instances: 4 });
    const scaled = info();
    expect(scaled.version).not.toBe(created.version);
    expect(scaled).toEqual({
      version: scaled.version,
      lastScalingAt: scaled.version,
      lastConfigChangeAt: created.version,
    });
    tick();
    state.restartApp(ID, true);
    const restarted = info();
    expect(restarted).toEqual({
      version: restarted.version,
      lastScalingAt: scaled.version,
      lastConfigChangeAt: restarted.version,
    });
    tick();
    put({ env: { LOG_LEVEL: 'debug' } });
    const changed = info();
    expect(changed).toEqual({
      version: changed.version,
      lastScalingAt: changed.version,
      lastConfigChangeAt: changed.version,
    });
  });

  it('a rollback restores the old definition whole under a new version, versioned like any update', () => {
    const v1 = info().version;
    put({ instances: 5 });
    tick();
    const scaled = info();
    // back to v1 differs only in `instances`: a scale, so lastConfigChangeAt stays
    expect(put({ version: v1 }).status).toBe(200);
    const back = info();
    expect(current()['instances']).toBe(2);
    expect(back.version).not.toBe(v1);
    expect(back).toEqual({ version: back.version, lastScalingAt: back.version, lastConfigChangeAt: v1 });
    expect(state.deploymentList()[0]!['steps']).toEqual([
      { actions: [{ action: 'ScaleApplication', app: ID }] },
    ]);
    tick();
    put({ container: { type: 'DOCKER', docker: { image: 'r/shop/api:2' } } });
    tick();
    put({ version: scaled.version });
    expect(current()['container']).toEqual(
      expect.objectContaining({
        docker: expect.objectContaining({ image: 'registry.example.com/shop/api:1.0.0' }),
      }),
    );
    expect(info().lastConfigChangeAt).toBe(info().version);
  });
});

describe('how many versions are kept', () => {
  it('50 by default, the oldest dropped first', () => {
    const first = info().version;
    const versions = [first];
    for (let i = 0; i < 55; i++) {
      put({ instances: 3 + (i % 2) });
      versions.push(info().version);
      tick();
    }
    const kept = state.versionsOf(ID)!;
    expect(kept).toHaveLength(50);
    expect([...kept].sort()).toEqual(versions.slice(-50));
    expect(state.appVersion(ID, first)).toBeUndefined();
    expect(state.appVersion(ID, versions.at(-1)!)).toEqual(expect.objectContaining({ instances: 3 }));
  });

  it('as many as the maxVersions option says', () => {
    state.close();
    state = new MarathonState({ deploymentMs: 100, maxVersions: 3 });
    state.seed(api());
    for (let i = 0; i < 5; i++) {
      tick();
      put({ instances: 3 + i });
    }
    expect(state.versionsOf(ID)).toHaveLength(3);
    expect(() => new MarathonState({ deploymentMs: 100, maxVersions: 0 })).toThrow(/maxVersions/);
  });
});

describe('how versions are listed', () => {
  it('in an order that is neither ascending nor descending, the same on every read', () => {
    for (let i = 0; i < 9; i++) {
      put({ instances: 3 + i });
      tick();
    }
    const listed = state.versionsOf(ID)!;
    const ascending = [...listed].sort();
    expect(listed).toHaveLength(10);
    expect(listed).not.toEqual(ascending);
    expect(listed).not.toEqual([...ascending].reverse());
    expect(state.versionsOf(ID)).toEqual(listed);
  });

  it('unordered() permutes, deterministically, and never leaves three or more in order', () => {
    for (let n = 0; n <= 60; n++) {
      const list = Array.from(
        { length: n },
        (_, i) =>
          `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T00:00:${String(i % 60).padStart(2, '0')}.000Z#${i}`,
      );
      const sorted = [...list].sort();
      for (const seed of ['/a', '/ds/dev/shop/api', '/x/y/z']) {
        const out = unordered(sorted, seed);
        expect([...out].sort()).toEqual(sorted);
        expect(unordered(sorted, seed)).toEqual(out);
        if (n >= 3) {
          expect(out).not.toEqual(sorted);
          expect(out).not.toEqual([...sorted].reverse());
        }
      }
    }
  });
});

function at(day: number, time: string): string {
  return `2026-11-${String(day).padStart(2, '0')}T${time}:00Z`;
}

function image(tag: string): Record<string, unknown> {
  return { container: { type: 'DOCKER', docker: { image: `r/shop/api:${tag}` } } };
}

describe('seedHistory: an app with a history in the past', () => {
  it('stores each entry as a version at its instant, versionInfo by the kind of change', () => {
    state.seedHistory(ID, [
      { at: at(10, '09:00'), definition: api(image('1')) },
      { at: at(11, '09:30'), definition: api(image('2')) },
      { at: at(11, '15:10'), definition: api({ ...image('2'), instances: 4 }) },
      { at: at(12, '08:00'), definition: api({ ...image('2'), instances: 4 }) },
      { at: at(13, '11:45'), definition: api({ ...image('3'), instances: 4, env: { LOG_LEVEL: 'debug' } }) },
    ]);
    expect([...state.versionsOf(ID)!].sort()).toEqual([
      '2026-11-10T09:00:00.000Z',
      '2026-11-11T09:30:00.000Z',
      '2026-11-11T15:10:00.000Z',
      '2026-11-12T08:00:00.000Z',
      '2026-11-13T11:45:00.000Z',
    ]);
    const versionInfo = (v: string) => state.appVersion(ID, v)!['versionInfo'];
    expect(versionInfo('2026-11-11T15:10:00.000Z')).toEqual({
      lastScalingAt: '2026-11-11T15:10:00.000Z',
      lastConfigChangeAt: '2026-11-11T09:30:00.000Z',
    });
    // the same definition again is a restart
    expect(versionInfo('2026-11-12T08:00:00.000Z')).toEqual({
      lastScalingAt: '2026-11-11T15:10:00.000Z',
      lastConfigChangeAt: '2026-11-12T08:00:00.000Z',
    });
    expect(state.appVersion(ID, '2026-11-10T09:00:00Z')).toEqual(
      expect.objectContaining({
        container: expect.objectContaining({ docker: expect.objectContaining({ image: 'r/shop/api:1' }) }),
      }),
    );
    const app = state.appInfo(ID, new Set(['counts', 'tasks', 'deployments']))!;
    expect(app).toEqual(
      expect.objectContaining({
        version: '2026-11-13T11:45:00.000Z',
        env: { LOG_LEVEL: 'debug' },
        tasksRunning: 4,
        tasksHealthy: 4,
        deployments: [],
      }),
    );
    expect((app['tasks'] as JsonObject[]).map((t) => t['version'])).toEqual(
      Array(4).fill('2026-11-13T11:45:00.000Z'),
    );
  });

  it('keeps the tasks of before on their own versions after a scale, as Marathon does', () => {
    state.seedHistory(ID, [
      { at: at(10, '09:00'), definition: api() },
      { at: at(11, '09:00'), definition: api({ instances: 3 }) },
    ]);
    const tasks = current()['tasks'] as JsonObject[];
    expect(tasks.map((t) => t['version']).sort()).toEqual([
      '2026-11-10T09:00:00.000Z',
      '2026-11-10T09:00:00.000Z',
      '2026-11-11T09:00:00.000Z',
    ]);
  });

  it('keeps at most maxVersions, and a later change gets a version after the last seeded one', () => {
    state.close();
    state = new MarathonState({ deploymentMs: 100, maxVersions: 2 });
    state.seedHistory(ID, [
      { at: at(10, '09:00'), definition: api({ instances: 1 }) },
      { at: at(11, '09:00'), definition: api({ instances: 2 }) },
      { at: new Date().toISOString(), definition: api({ instances: 3 }) }, // = the clock
    ]);
    expect([...state.versionsOf(ID)!].sort()).toEqual([
      '2026-11-11T09:00:00.000Z',
      '2026-11-20T10:00:01.000Z',
    ]);
    put({ instances: 4 });
    expect(info().version).toBe('2026-11-20T10:00:01.001Z');
  });

  it('replaces an app of that id, versions and all', () => {
    put({ instances: 5 });
    state.seedHistory(ID, [{ at: at(1, '09:00'), definition: api() }]);
    expect(state.versionsOf(ID)).toEqual(['2026-11-01T09:00:00.000Z']);
    expect(state.deploymentList()).toEqual([]);
  });

  it('refuses an entry in the future, out of order, of another app, or invalid', () => {
    const ok = { at: at(10, '09:00'), definition: api() };
    expect(() => state.seedHistory(ID, [])).toThrow(/empty/);
    expect(() => state.seedHistory(ID, [ok, { at: '2026-11-21T00:00:00Z', definition: api() }])).toThrow(
      /future/,
    );
    expect(() => state.seedHistory(ID, [ok, { at: at(9, '09:00'), definition: api() }])).toThrow(/not after/);
    expect(() => state.seedHistory(ID, [ok, { at: at(10, '09:00'), definition: api() }])).toThrow(
      /not after/,
    );
    expect(() => state.seedHistory(ID, [{ at: '2026-11-10 09:00', definition: api() }])).toThrow(/ISO-8601/);
    expect(() => state.seedHistory(ID, [{ ...ok, definition: api({ id: '/other' }) }])).toThrow(/of \/other/);
    expect(() => state.seedHistory(ID, [{ ...ok, definition: api({ instances: -1 }) }])).toThrow(/entry 0/);
  });
});
