import { rmSync } from 'node:fs';
import { startDockerRegistry, type RealRegistry } from '../support/docker-registry';
import { pushImage } from '../support/push-image';
import { startMarathonEmulator, type MarathonEmulator } from '../../src/sandbox/marathon';
import { describeFailure, runGroovyChecksAsync, type GroovyRun } from '../groovy/groovy-support';

// The Jenkins steps end to end: the harness runs vars/rollbackSelectDate.groovy and
// vars/rollbackRun.groovy under Groovy 2.4 with the real `sh` (/bin/sh -xe with the withEnv and
// withCredentials environment) and the real bundled helper written through libraryResource,
// against a real docker-registry and the Marathon emulator. Needs `npm run build` after src/ changes.

const REGISTRY_AUTH = { user: 'ci-reader', password: 'reg-e2e-pa55' };
const MARATHON_AUTH = { user: 'deployer', password: 'mar-e2e-pa55' };

// Environment dev = tag suffix develop. The 2nd offered date is 2026-11-10: api had a release that
// day, web's newest image on or before it is from 11-03, worker never changed (10-15), and the
// decoy tag of another environment (11-15, master) must not count.
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

  it('runs rollbackSelectDate then rollbackRun under Groovy 2.4 without a failed check', () => {
    expect(suite.missing).toBeUndefined();
    expect(suite.compile?.status === 0 ? '' : suite.compile?.output).toBe('');
    expect(suite.checks.map((c) => c.name)).toEqual([
      'e2e: rollbackSelectDate then rollbackRun with the real sh and helper',
    ]);
    const check = suite.checks[0]!;
    expect(describeFailure(check) || '').toBe('');
  });

  it('offered the dates the helper found, and the input answered with the second', () => {
    const data = suite.checks[0]?.data as { offered: string[]; date: string } | undefined;
    expect(data?.offered).toEqual(OFFERED);
    expect(data?.date).toBe('2026-11-10');
  });

  it('put every service of /ds/dev on its image of that day, the unchanged one included', () => {
    expect({
      api: imageOf('/ds/dev/shop/api'),
      web: imageOf('/ds/dev/shop/web'),
      worker: imageOf('/ds/dev/shop/worker'),
      decoy: imageOf('/ds/dev2/shop/api'),
    }).toEqual({
      api: `${host}/shop/api:1.1.0-develop`,
      web: `${host}/shop/web:2.0.0-develop`,
      worker: `${host}/shop/worker:3.0.0-develop`,
      decoy: `${host}/shop/api:1.2.0-develop`,
    });
    expect(marathon.deployments()).toEqual([]);
  });

  it('sent no secret to Marathon except in the Authorization header', () => {
    const leaks = marathon.requests.filter(
      (r) => r.path.includes(MARATHON_AUTH.password) || r.body.includes(MARATHON_AUTH.password),
    );
    expect(leaks).toEqual([]);
    expect(marathon.requests.some((r) => r.method === 'PUT')).toBe(true);
  });
});
