import { rmSync } from 'node:fs';
import { startDockerRegistry, type RealRegistry } from '../support/docker-registry';
import { pushImage } from '../support/push-image';
import { startMarathonEmulator, type MarathonEmulator } from '../../src/sandbox/marathon';
import { describeFailure, runGroovyChecksAsync, type GroovyRun } from '../groovy/groovy-support';

// The Jenkins steps end to end: the harness runs the vars under Groovy 2.4 with the real `sh`
// (/bin/sh -xe with the withEnv and withCredentials environment) and the real bundled helper written
// through libraryResource, against a real docker-registry and the Marathon emulator: choose a day
// (each labelled with what it changes), confirm the plan, roll back held to it, then undo it in the
// next build from the journal that build archived. Needs `npm run build` after src/ changes.

const REGISTRY_AUTH = { user: 'ci-reader', password: 'reg-e2e-pa55' };
const MARATHON_AUTH = { user: 'deployer', password: 'mar-e2e-pa55' };

// Environment dev = tag suffix develop. Every app runs its 11-20 image, so 11-20 changes nothing and
// the preselected choice is 11-10: api had a release that day, web's newest image on or before it
// is from 11-03, worker never changed (10-15), and the decoy tag of another environment (11-15,
// master) must not count.
const IMAGES: Array<[repo: string, tag: string, created: string]> = [
  ['shop/api', '1.0.0-develop', '2026-11-01T12:00:00Z'],
  ['shop/api', '1.1.0-develop', '2026-11-10T12:00:00Z'],
  ['shop/api', '1.2.0-develop', '2026-11-20T12:00:00Z'],
  ['shop/api', '9.9.9-master', '2026-11-15T12:00:00Z'],
  ['shop/web', '2.0.0-develop', '2026-11-03T12:00:00Z'],
  ['shop/web', '2.1.0-develop', '2026-11-20T09:00:00Z'],
  ['shop/worker', '3.0.0-develop', '2026-10-15T12:00:00Z'],
];
const OFFERED = ['2026-11-20', '2026-11-10', '2026-11-03', '2026-11-01', '2026-10-15'];

function app(id: string, image: string): Record<string, unknown> {
  return {
    id,
    instances: 2,
    cpus: 0.1,
    mem: 128,
    container: {
      type: 'DOCKER',
      docker: { image },
      portMappings: [{ containerPort: 8080, hostPort: 0, name: 'http' }],
    },
    healthChecks: [{ protocol: 'MESOS_HTTP', path: '/health', portIndex: 0 }],
    labels: { team: 'shop' },
  };
}

describe('Jenkins steps end to end (real sh, real helper, docker-registry, Marathon emulator)', () => {
  let registry: RealRegistry;
  let marathon: MarathonEmulator;
  let host: string;
  let suite: GroovyRun;

  function imageOf(id: string): unknown {
    const container = marathon.getApp(id)?.['container'] as { docker?: { image?: string } } | undefined;
    return container?.docker?.image;
  }

  beforeAll(async () => {
    registry = await startDockerRegistry({ basic: REGISTRY_AUTH });
    host = new URL(registry.url).host;
    for (const [repo, tag, created] of IMAGES)
      await pushImage(registry, repo, tag, { kind: 'schema2', created });
    marathon = await startMarathonEmulator({ basic: MARATHON_AUTH, deploymentMs: 300 });
    marathon.addApp(app('/ds/dev/shop/api', `${host}/shop/api:1.2.0-develop`));
    marathon.addApp(app('/ds/dev/shop/web', `${host}/shop/web:2.1.0-develop`));
    marathon.addApp(app('/ds/dev/shop/worker', `${host}/shop/worker:3.0.0-develop`));
    // Another environment's group whose name starts the same: never touched.
    marathon.addApp(app('/ds/dev2/shop/api', `${host}/shop/api:1.2.0-develop`));

    suite = await runGroovyChecksAsync('e2e', {
      ROLLBACK_E2E_REGISTRY: registry.url,
      ROLLBACK_E2E_REGISTRY_USER: REGISTRY_AUTH.user,
      ROLLBACK_E2E_REGISTRY_PASSWORD: REGISTRY_AUTH.password,
      ROLLBACK_E2E_MARATHON: marathon.url,
      ROLLBACK_E2E_MARATHON_USER: MARATHON_AUTH.user,
      ROLLBACK_E2E_MARATHON_PASSWORD: MARATHON_AUTH.password,
      ROLLBACK_E2E_REPOS: 'shop/api,shop/web,shop/worker',
    });
  }, 240_000);

  afterAll(async () => {
    await marathon?.close();
    await registry?.stop();
    if (suite) rmSync(suite.classesDir, { recursive: true, force: true });
  });

  interface E2eData {
    offered: string[];
    date: string;
    plan: string;
    summary: string;
    undoPlan: string;
    undoSummary: string;
  }
  const data = (): E2eData | undefined => suite.checks[0]?.data as E2eData | undefined;

  /** The images Marathon was asked to run, per app, in order (from the emulator's request log). */
  function imagesSent(id: string): string[] {
    return marathon.requests
      .filter((r) => (r.method === 'PUT' || r.method === 'PATCH') && r.path.includes(`/v2/apps${id}`))
      .map((r) => /"image"\s*:\s*"([^"]+)"/.exec(r.body)?.[1] ?? '(no image)');
  }

  it('chooses, confirms, rolls back and undoes under Groovy 2.4 without a failed check', () => {
    expect(suite.missing).toBeUndefined();
    expect(suite.compile?.status === 0 ? '' : suite.compile?.output).toBe('');
    expect(suite.checks.map((c) => c.name)).toEqual([
      'e2e: choose, confirm, roll back, then undo in the next build, with the real sh and helper',
    ]);
    const check = suite.checks[0]!;
    expect(describeFailure(check) || '').toBe('');
  });

  it('offered every day the helper found, each saying what it changes, the newest that changes something first', () => {
    const offered = data()?.offered ?? [];
    expect(offered.map((label) => label.slice(0, 10))).toEqual([
      '2026-11-10',
      ...OFFERED.filter((d) => d !== '2026-11-10'),
    ]);
    expect(offered[0]).toMatch(/^2026-11-10 · .*api/);
    expect(offered.find((label) => label.startsWith('2026-11-20'))).toMatch(/changes nothing/);
    expect(data()?.date).toBe('2026-11-10');
  });

  it("showed the dry run's plan before anything changed, and rolled back to exactly that", () => {
    const plan = data()?.plan ?? '';
    expect(plan).toMatch(/^Roll back dev to 2026-11-10\? Nothing has changed yet/);
    expect(plan).toMatch(/1\.2\.0-develop → 1\.1\.0-develop/);
    expect(plan).toMatch(/2\.1\.0-develop → 2\.0\.0-develop/);
    expect(imagesSent('/ds/dev/shop/api')[0]).toBe(`${host}/shop/api:1.1.0-develop`);
    expect(imagesSent('/ds/dev/shop/web')[0]).toBe(`${host}/shop/web:2.0.0-develop`);
    expect(imagesSent('/ds/dev/shop/worker')).toEqual([]);
    expect(data()?.summary).toMatch(/e2e-confirmer/);
  });

  it("undid it in the next build from that build's journal: every app back, the decoy never touched", () => {
    expect(data()?.undoPlan).toMatch(/^Undo the rollback of build #7 on dev\? Nothing has changed yet/);
    expect(data()?.undoSummary).toMatch(/\(rollback of build #7\)$/);
    expect(imagesSent('/ds/dev/shop/api')).toEqual([
      `${host}/shop/api:1.1.0-develop`,
      `${host}/shop/api:1.2.0-develop`,
    ]);
    expect(imagesSent('/ds/dev/shop/web')).toEqual([
      `${host}/shop/web:2.0.0-develop`,
      `${host}/shop/web:2.1.0-develop`,
    ]);
    expect({
      api: imageOf('/ds/dev/shop/api'),
      web: imageOf('/ds/dev/shop/web'),
      worker: imageOf('/ds/dev/shop/worker'),
      decoy: imageOf('/ds/dev2/shop/api'),
    }).toEqual({
      api: `${host}/shop/api:1.2.0-develop`,
      web: `${host}/shop/web:2.1.0-develop`,
      worker: `${host}/shop/worker:3.0.0-develop`,
      decoy: `${host}/shop/api:1.2.0-develop`,
    });
    expect(imagesSent('/ds/dev2/shop/api')).toEqual([]);
    expect(marathon.deployments()).toEqual([]);
  });

  it('sent no secret to Marathon except in the Authorization header', () => {
    const leaks = marathon.requests.filter(
      (r) => r.path.includes(MARATHON_AUTH.password) || r.body.includes(MARATHON_AUTH.password),
    );
    expect(leaks).toEqual([]);
    expect(marathon.requests.some((r) => r.method === 'PUT' || r.method === 'PATCH')).toBe(true);
  });
});
