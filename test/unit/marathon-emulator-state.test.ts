import { MarathonState, type EmulatorEvent } from '../../src/sandbox/marathon/state';
import type { JsonObject } from '../../src/sandbox/marathon/validate';

/**
 * The emulated deployment lifecycle on a fake clock: counts at every stage of a rolling restart,
 * hang, fail, force, revert. The HTTP tests (test/integration/marathon-emulator.test.ts) check the
 * same on real timers, less finely.
 */

const ALL = new Set(['counts', 'deployments', 'tasks', 'lastTaskFailure']);
const ID = '/ds/dev/shop/api';

function api(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: ID,
    instances: 2,
    container: { type: 'DOCKER', docker: { image: 'registry.example.com/shop/api:1.0.0' } },
    healthChecks: [{ protocol: 'MESOS_HTTP', path: '/health' }],
    ...overrides,
  };
}

function withImage(image: string): JsonObject {
  return { container: { type: 'DOCKER', docker: { image } } };
}

interface Counts {
  staged: number;
  running: number;
  healthy: number;
  unhealthy: number;
  versions: string[];
  deployments: number;
}

let state: MarathonState;
let events: EmulatorEvent[];

function counts(id = ID): Counts {
  const app = state.appInfo(id, ALL)!;
  return {
    staged: app['tasksStaged'] as number,
    running: app['tasksRunning'] as number,
    healthy: app['tasksHealthy'] as number,
    unhealthy: app['tasksUnhealthy'] as number,
    // 'new': the task runs the app's current version
    versions: (app['tasks'] as JsonObject[])
      .map((t) => (t['version'] === app['version'] ? 'new' : 'old'))
      .sort(),
    deployments: (app['deployments'] as unknown[]).length,
  };
}

function put(body: JsonObject, force = false) {
  return state.updateApp(ID, body, { force, partialUpdate: true, allowCreate: true });
}

beforeEach(() => {
  jest.useFakeTimers({ now: new Date('2026-11-20T10:00:00.000Z') });
  events = [];
  state = new MarathonState({ deploymentMs: 1000, onEvent: (e) => events.push(e) });
  state.seed(api());
  jest.advanceTimersByTime(1000);
});

afterEach(() => {
  state.close();
  jest.useRealTimers();
});

describe('a rolling restart (image change)', () => {
  it('moves the counts from old tasks to new ones over deploymentMs, then the deployment disappears', () => {
    expect(counts()).toEqual({
      staged: 0,
      running: 2,
      healthy: 2,
      unhealthy: 0,
      versions: ['new', 'new'],
      deployments: 0,
    });
    const reply = put(withImage('registry.example.com/shop/api:0.9.0'));
    expect(reply.status).toBe(200);
    expect(state.deploymentList()).toHaveLength(1);

    // first new task staging, old ones still serve
    expect(counts()).toEqual({
      staged: 1,
      running: 2,
      healthy: 2,
      unhealthy: 0,
      versions: ['new', 'old', 'old'],
      deployments: 1,
    });
    jest.advanceTimersByTime(300);
    // it runs, its health check has not passed yet
    expect(counts()).toEqual({
      staged: 0,
      running: 3,
      healthy: 2,
      unhealthy: 0,
      versions: ['new', 'old', 'old'],
      deployments: 1,
    });
    jest.advanceTimersByTime(300);
    // first new task healthy, one old task killed, the second new one staging
    expect(counts()).toEqual({
      staged: 1,
      running: 2,
      healthy: 2,
      unhealthy: 0,
      versions: ['new', 'new', 'old'],
      deployments: 1,
    });
    jest.advanceTimersByTime(400);
    expect(counts()).toEqual({
      staged: 0,
      running: 2,
      healthy: 2,
      unhealthy: 0,
      versions: ['new', 'new'],
      deployments: 0,
    });
    expect(state.deploymentList()).toEqual([]);
    expect(events.map((e) => e.eventType)).toEqual(['deployment_info', 'deployment_success']);
  });

  it('counts no healthy tasks for an app without health checks, tasksRunning reaches instances', () => {
    state.seed(api({ id: '/ds/dev/shop/worker', healthChecks: [] }));
    const reply = state.updateApp('/ds/dev/shop/worker', withImage('registry.example.com/shop/worker:2'), {
      force: false,
      partialUpdate: true,
      allowCreate: false,
    });
    expect(reply.status).toBe(200);
    jest.advanceTimersByTime(1000);
    expect(counts('/ds/dev/shop/worker')).toEqual({
      staged: 0,
      running: 2,
      healthy: 0,
      unhealthy: 0,
      versions: ['new', 'new'],
      deployments: 0,
    });
  });

  it('scales without replacing the running tasks', () => {
    put({ instances: 3 });
    expect(state.deploymentList()[0]!['steps']).toEqual([
      { actions: [{ action: 'ScaleApplication', app: ID }] },
    ]);
    jest.advanceTimersByTime(1000);
    expect(counts()).toEqual({
      staged: 0,
      running: 3,
      healthy: 3,
      unhealthy: 0,
      versions: ['new', 'old', 'old'],
      deployments: 0,
    });
    const app = state.appInfo(ID, ALL)!;
    const info = app['versionInfo'] as JsonObject;
    expect(info['lastScalingAt']).toBe(app['version']);
    expect(info['lastConfigChangeAt']).not.toBe(app['version']);
  });
});

describe('scenarios', () => {
  it("'hang': the deployment stays, the new task never gets healthy and keeps failing", () => {
    state.failNext(ID, 'hang', 1);
    put(withImage('registry.example.com/shop/api:0.9.0'));
    jest.advanceTimersByTime(60_000);
    expect(state.deploymentList()).toHaveLength(1);
    const c = counts();
    expect(c.deployments).toBe(1);
    expect(c.versions.filter((v) => v === 'new').length).toBeLessThanOrEqual(1);
    expect(state.appInfo(ID, ALL)!['lastTaskFailure']).toEqual(
      expect.objectContaining({
        appId: ID,
        state: 'TASK_FAILED',
        version: state.appInfo(ID, ALL)!['version'],
      }),
    );
  });

  it("'hang' with a lower minimumHealthCapacity leaves tasksHealthy below instances", () => {
    state.seed(
      api({ instances: 4, upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 } }),
    );
    state.failNext(ID, 'hang');
    put(withImage('registry.example.com/shop/api:0.9.0'));
    jest.advanceTimersByTime(5000);
    expect(counts().healthy).toBe(2);
  });

  it("'fail': the deployment disappears but the app never gets healthy on the new version", () => {
    state.failNext(ID, 'fail');
    put(withImage('registry.example.com/shop/api:0.9.0'));
    jest.advanceTimersByTime(1000);
    expect(state.deploymentList()).toEqual([]);
    expect(counts()).toEqual({
      staged: 0,
      running: 2,
      healthy: 0,
      unhealthy: 2,
      versions: ['new', 'new'],
      deployments: 0,
    });
    expect(state.appInfo(ID, ALL)!['lastTaskFailure']).toEqual(
      expect.objectContaining({ state: 'TASK_FAILED' }),
    );
  });

  it('uses a scenario once per deployment: `times` counts deployments', () => {
    state.failNext(ID, 'fail', 2);
    put(withImage('r/shop/api:2'));
    jest.advanceTimersByTime(1000);
    put(withImage('r/shop/api:3'));
    jest.advanceTimersByTime(1000);
    expect(counts().healthy).toBe(0);
    put(withImage('r/shop/api:4'));
    jest.advanceTimersByTime(1000);
    expect(counts().healthy).toBe(2);
    expect(state.appInfo(ID, ALL)).not.toHaveProperty('lastTaskFailure');
  });

  it('lock: a deployment that never ends and a 409 for the next change', () => {
    const lockId = state.lock(ID);
    jest.advanceTimersByTime(60_000);
    expect(state.deploymentList().map((d) => d['id'])).toEqual([lockId]);
    const reply = put(withImage('r/shop/api:2'));
    expect(reply.status).toBe(409);
    expect(reply.body).toEqual(expect.objectContaining({ deployments: [{ id: lockId }] }));
  });
});

describe('force and revert', () => {
  it('force=true cancels the blocking deployment (deployment_failed) and starts a new one', () => {
    state.failNext(ID, 'hang');
    const first = put(withImage('r/shop/api:bad'));
    const second = put(withImage('r/shop/api:1.0.0'), true);
    expect(second.status).toBe(200);
    const firstId = (first.body as JsonObject)['deploymentId'];
    const secondId = (second.body as JsonObject)['deploymentId'];
    expect(state.deploymentList().map((d) => d['id'])).toEqual([secondId]);
    expect(events).toContainEqual(expect.objectContaining({ eventType: 'deployment_failed', id: firstId }));
    jest.advanceTimersByTime(1000);
    expect(counts()).toEqual(
      expect.objectContaining({ healthy: 2, versions: ['new', 'new'], deployments: 0 }),
    );
  });

  it('DELETE without force reverts to the definition before the deployment, under a new version', () => {
    const before = state.appInfo(ID, ALL)!;
    state.failNext(ID, 'hang');
    const bad = put(withImage('r/shop/api:bad'));
    jest.advanceTimersByTime(700);
    const reply = state.deleteDeployment(String((bad.body as JsonObject)['deploymentId']), false);
    expect(reply.status).toBe(200);
    expect(reply.headers!['Marathon-Deployment-Id']).toBe((reply.body as JsonObject)['deploymentId']);
    const reverted = state.appInfo(ID, ALL)!;
    // A revert is a new plan putting the old definition back (DeploymentPlanReverter): a new version.
    expect(reverted['version']).toBe((reply.body as JsonObject)['version']);
    expect(state.versionsOf(ID)).toHaveLength(3);
    expect(reverted['container']).toEqual(before['container']);
    jest.advanceTimersByTime(1000);
    expect(state.deploymentList()).toEqual([]);
    expect(counts()).toEqual(expect.objectContaining({ healthy: 2, unhealthy: 0, versions: ['new', 'new'] }));
  });

  it('DELETE with force just removes it (202) and leaves the tasks as they are', () => {
    state.failNext(ID, 'hang');
    const bad = put(withImage('r/shop/api:bad'));
    jest.advanceTimersByTime(700);
    const reply = state.deleteDeployment(String((bad.body as JsonObject)['deploymentId']), true);
    expect(reply).toEqual({ status: 202 });
    expect(state.deploymentList()).toEqual([]);
    expect(state.appInfo(ID, ALL)!['container']).toEqual(
      expect.objectContaining({ docker: expect.objectContaining({ image: 'r/shop/api:bad' }) }),
    );
    expect(counts().versions).toContain('old');
  });
});
