import type { MarathonApp, MarathonDeployment } from '../../src/marathon/answers';
import { createWatcher, readiness } from '../../src/marathon/watch';
import type { Logger } from '../../src/util/log';

const IMAGE = 'r.example.com/shop/api:1.4.2-develop';
const V = '2026-11-28T10:00:00.000Z';

function recordingLogger() {
  const lines: string[] = [];
  const logger: Logger = {
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    status: (k, t) => lines.push(`${k}: ${t}`),
    done: () => {},
  };
  return { logger, lines };
}

/** A scripted Marathon: each poll shows the next state (the last repeats). Time moves by sleeping. */
function scripted(states: Array<{ deployments: string[]; app: Partial<MarathonApp> }>) {
  let clock = 0;
  let i = 0;
  let polls = 0;
  const current = () => states[Math.min(i, states.length - 1)]!;
  const client = {
    async deployments(): Promise<MarathonDeployment[]> {
      return current().deployments.map((id) => ({ id, affectedApps: ['/ds/dev/shop/api'] }));
    },
    async getApp(): Promise<MarathonApp> {
      polls++;
      return { id: '/ds/dev/shop/api', ...current().app };
    },
  };
  const options = {
    now: () => clock,
    sleep: async (ms: number) => {
      clock += ms;
      i++;
    },
    minIntervalMs: 100,
    maxIntervalMs: 100,
  };
  return { client, options, polls: () => polls };
}

const healthy: Partial<MarathonApp> = {
  instances: 2,
  version: V,
  versionInfo: { lastConfigChangeAt: V, lastScalingAt: V },
  healthChecks: [{ protocol: 'HTTP' }],
  tasksRunning: 2,
  tasksHealthy: 2,
  tasksStaged: 0,
  deployments: [],
  container: { type: 'DOCKER', docker: { image: IMAGE } },
};

const target = { appId: '/ds/dev/shop/api', deploymentId: 'dep-1', image: IMAGE, label: 'api' };

describe('readiness', () => {
  it('counts healthy tasks when the app has health checks, running tasks when it has none', () => {
    expect(readiness({ id: '/a', ...healthy, tasksHealthy: 1 } as MarathonApp, IMAGE)).toEqual({
      ready: false,
      counts: '1/2 healthy',
    });
    expect(
      readiness({ id: '/a', ...healthy, healthChecks: [], tasksHealthy: 0 } as MarathonApp, IMAGE),
    ).toEqual({
      ready: true,
      counts: '2/2 running',
    });
  });

  it('is not ready while tasks of an older configuration still run', () => {
    const app = {
      id: '/a',
      ...healthy,
      tasks: [{ version: V }, { version: '2026-11-01T00:00:00.000Z' }],
    } as MarathonApp;
    expect(readiness(app, IMAGE).ready).toBe(false);
  });

  it('is ready on its image whatever the version: a restart by someone else, a change that changed nothing', () => {
    const restarted = '2026-11-28T11:00:00.000Z';
    const app = {
      id: '/a',
      ...healthy,
      version: restarted,
      versionInfo: { lastConfigChangeAt: restarted, lastScalingAt: restarted },
      tasks: [{ version: restarted }, { version: restarted }],
    } as MarathonApp;
    expect(readiness(app, IMAGE).ready).toBe(true);
    // A scale by someone else moves only `version`; tasks of our configuration still count.
    const scaled = {
      id: '/a',
      ...healthy,
      version: restarted,
      tasks: [{ version: V }, { version: restarted }],
    } as MarathonApp;
    expect(readiness(scaled, IMAGE).ready).toBe(true);
  });

  it('is not ready on another image, or while a deployment of the app is pending', () => {
    expect(
      readiness(
        {
          id: '/a',
          ...healthy,
          container: { docker: { image: 'r.example.com/shop/api:old' } },
        } as MarathonApp,
        IMAGE,
      ).ready,
    ).toBe(false);
    expect(
      readiness({ id: '/a', ...healthy, deployments: [{ id: 'theirs' }] } as MarathonApp, IMAGE).ready,
    ).toBe(false);
  });
});

describe('watch', () => {
  it('is done when the deployment is gone and every instance is healthy on the new version', async () => {
    const { client, options } = scripted([
      { deployments: ['dep-1'], app: { ...healthy, tasksHealthy: 0, deployments: [{ id: 'dep-1' }] } },
      { deployments: ['dep-1'], app: { ...healthy, tasksHealthy: 1, deployments: [{ id: 'dep-1' }] } },
      { deployments: [], app: healthy },
    ]);
    const { logger, lines } = recordingLogger();
    const outcome = await createWatcher(client, { ...options, timeoutMs: 10_000, logger }).watch(target);
    expect(outcome).toEqual({ ok: true, elapsedMs: 200, version: V });
    expect(lines).toEqual([
      'api: deploying 1.4.2-develop: 0/2 healthy (0s)',
      'api: deploying 1.4.2-develop: 1/2 healthy (0s)',
      'api: on 1.4.2-develop, 2/2 healthy (0s)',
    ]);
  });

  it('does not take a vanished deployment for success while instances are not healthy', async () => {
    const { client, options } = scripted([
      {
        deployments: [],
        app: {
          ...healthy,
          tasksHealthy: 0,
          lastTaskFailure: { message: 'Container exited with status 1', version: V },
        },
      },
    ]);
    const { logger, lines } = recordingLogger();
    const outcome = await createWatcher(client, { ...options, timeoutMs: 1000, logger }).watch(target);
    expect(outcome).toMatchObject({ ok: false, deploymentRunning: false });
    expect(outcome.ok || outcome.message).toBe(
      'not healthy after 1s (0/2 healthy; last task failure: Container exited with status 1)',
    );
    // Progress is printed when the state changes, not on every poll.
    expect(lines.filter((l) => l.includes('waiting for'))).toHaveLength(1);
  });

  it('fails a deployment still running at the timeout and says it is still running', async () => {
    const { client, options, polls } = scripted([
      { deployments: ['dep-1'], app: { ...healthy, tasksHealthy: 1, deployments: [{ id: 'dep-1' }] } },
    ]);
    const { logger } = recordingLogger();
    const outcome = await createWatcher(client, { ...options, timeoutMs: 2000, logger }).watch(target);
    expect(outcome).toEqual({
      ok: false,
      elapsedMs: 2000,
      deploymentRunning: true,
      message: 'deployment dep-1 still running after 2s (1/2 healthy)',
    });
    expect(polls()).toBe(21);
  });

  it('fails at once when someone else changed the app meanwhile', async () => {
    const { client, options } = scripted([
      {
        deployments: [],
        app: {
          ...healthy,
          version: '2026-11-28T11:00:00.000Z',
          container: { docker: { image: 'r.example.com/shop/api:9.9.9' } },
        },
      },
    ]);
    const { logger } = recordingLogger();
    const outcome = await createWatcher(client, { ...options, timeoutMs: 60_000, logger }).watch(target);
    expect(outcome).toMatchObject({ ok: false, elapsedMs: 0 });
    expect(outcome.ok || outcome.message).toContain('changed by someone else');
  });

  it('keeps watching through a failed poll and reports it if it lasts', async () => {
    let clock = 0;
    const client = {
      deployments: async () => [] as MarathonDeployment[],
      getApp: async (): Promise<MarathonApp> => {
        throw new Error('cannot reach Marathon at http://m: ECONNRESET');
      },
    };
    const { logger } = recordingLogger();
    const outcome = await createWatcher(client, {
      timeoutMs: 500,
      logger,
      now: () => clock,
      sleep: async (ms) => void (clock += ms),
      minIntervalMs: 100,
      maxIntervalMs: 100,
    }).watch(target);
    expect(outcome.ok || outcome.message).toBe(
      'not confirmed within 1s: cannot reach Marathon at http://m: ECONNRESET',
    );
  });

  it('shares one deployment list between concurrent watchers of the same tick', async () => {
    let listCalls = 0;
    const client = {
      deployments: async () => {
        listCalls++;
        return [] as MarathonDeployment[];
      },
      getApp: async (id: string): Promise<MarathonApp> => ({ id, ...healthy }) as MarathonApp,
    };
    const watcher = createWatcher(client, {
      timeoutMs: 1000,
      logger: recordingLogger().logger,
      now: () => 0,
    });
    const results = await Promise.all(
      ['/a', '/b', '/c'].map((appId) => watcher.watch({ ...target, appId, label: appId })),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(listCalls).toBe(1);
  });
});

describe('watch: nothing in flight outlives it', () => {
  it('aborts a request that hangs (or trickles) at the timeout instead of waiting on it forever', async () => {
    const aborted: string[] = [];
    const hang = (what: string) => (signal?: AbortSignal) =>
      new Promise<never>((_, reject) => {
        signal?.addEventListener('abort', () => {
          aborted.push(what);
          reject(new Error(`${what} aborted`));
        });
      });
    const client = {
      deployments: hang('deployments'),
      getApp: (_id: string, signal?: AbortSignal) => hang('app')(signal),
    };
    const started = Date.now();
    const outcome = await createWatcher(client, { timeoutMs: 200, logger: recordingLogger().logger }).watch(
      target,
    );
    expect(outcome.ok).toBe(false);
    expect(outcome.ok || outcome.message).toBe(
      'not confirmed within 0s: no complete answer from Marathon in time (the request was abandoned)',
    );
    expect(aborted).toContain('app');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('ends at once with the interruption, aborting the request in flight', async () => {
    const controller = new AbortController();
    let abortedInFlight = false;
    const client = {
      deployments: async () => [] as MarathonDeployment[],
      getApp: (_id: string, signal?: AbortSignal) =>
        new Promise<MarathonApp>((_, reject) => {
          setTimeout(() => controller.abort(), 20);
          signal?.addEventListener('abort', () => {
            abortedInFlight = true;
            reject(new Error('aborted'));
          });
        }),
    };
    const outcome = await createWatcher(client, {
      timeoutMs: 60_000,
      logger: recordingLogger().logger,
    }).watch({
      ...target,
      signal: controller.signal,
    });
    expect(outcome).toMatchObject({ ok: false, interrupted: true });
    expect(abortedInFlight).toBe(true);
  });
});
