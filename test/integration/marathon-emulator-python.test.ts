import { existsSync } from 'node:fs';
import path from 'node:path';
import { startMarathonEmulator, type MarathonEmulator } from '../../src/sandbox/marathon';
import { request } from '../support/http';
import { spawnCollect } from '../support/spawn';

/**
 * The emulator's history held to a client nobody here wrote: Debian's python3-marathon
 * (`marathon.MarathonClient`), run by Debian's own python3, which is where the package installs it.
 * `.ci/run` installs the package; without it this test fails rather than skips.
 */

type Obj = Record<string, unknown>;
const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(__dirname, '..', 'support', 'marathon-python-client.py');
const ID = '/ds/dev/shop/api';

/** An app definition without its id: seedHistory takes the id apart. */
function definition(tag: string, extra: Obj = {}): Obj {
  return {
    instances: 2,
    env: { SERVICE_NAME: 'api' },
    networks: [{ mode: 'container/bridge' }],
    container: {
      type: 'DOCKER',
      docker: { image: `registry.example.com/shop/api:${tag}` },
      portMappings: [{ containerPort: 8080, hostPort: 0, name: 'http' }],
    },
    healthChecks: [{ protocol: 'MESOS_HTTP', portIndex: 0, path: '/health' }],
    ...extra,
  };
}

/** Five releases over a week, oldest first. */
const PAST = [
  { at: '2026-11-02T09:40:00Z', definition: definition('1.1.0') },
  { at: '2026-11-03T10:15:00Z', definition: definition('1.2.0') },
  { at: '2026-11-03T15:05:00Z', definition: definition('1.2.1') },
  { at: '2026-11-05T11:00:00Z', definition: definition('1.2.1', { instances: 3 }) },
  { at: '2026-11-06T09:30:00Z', definition: definition('1.3.0') },
];

let em: MarathonEmulator;

beforeAll(async () => {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is required by this test; run \`bash .ci/run\``);
  em = await startMarathonEmulator({ deploymentMs: 50 });
  em.seedHistory(ID, PAST);
  em.addApp(definition('9.9.9', { id: '/ds/dev2/shop/api' }));
});
afterAll(async () => {
  await em?.close();
});

describe('python3-marathon against the emulator', () => {
  let seen: Record<string, any>;

  beforeAll(async () => {
    const run = await spawnCollect(PYTHON, [SCRIPT, em.marathonUrl, ID]);
    if (run.code !== 0) {
      const hint = /No module named 'marathon'/.test(run.stderr)
        ? ' (python3-marathon is not installed; `bash .ci/run` installs it)'
        : '';
      throw new Error(`the python client failed${hint}: ${run.stderr}`);
    }
    seen = JSON.parse(run.stdout);
  });

  it('lists the apps and the seeded versions; the current version is one of them', () => {
    expect(seen['apps']).toEqual(['/ds/dev/shop/api', '/ds/dev2/shop/api']);
    expect([...seen['listed']].sort()).toEqual(PAST.map((p) => new Date(p.at).toISOString()));
    expect(seen['version_is_listed']).toBe(true);
  });

  it('gets a new version for a configuration change and for a scale', () => {
    expect(seen['update_reply']).toEqual(['deploymentId', 'version']);
    expect(seen['counts']).toEqual(expect.objectContaining({ start: 5, after_config: 6, after_scale: 7 }));
    const info = seen['scaled_version_info'];
    expect(info['last_scaling_at']).toBe(info['version']);
    expect(info['last_config_change_at']).not.toBe(info['version']);
  });

  it('reads the oldest version back as the definition of then', () => {
    expect(seen['first']).toEqual({
      version: '2026-11-02T09:40:00.000Z',
      env: { SERVICE_NAME: 'api' },
      instances: 2,
      image: 'registry.example.com/shop/api:1.1.0',
    });
  });

  it('keeps at most 50 versions, dropping the oldest', () => {
    expect(seen['counts']['after_many']).toBe(50);
    expect(seen['oldest_kept'] > '2026-11-06T09:30:00.000Z').toBe(true);
  });

  it('receives the versions in no sorted order, as from Marathon since 1.4', () => {
    const listed: string[] = seen['listed'];
    const ascending = [...listed].sort();
    expect(listed).not.toEqual(ascending);
    expect(listed).not.toEqual([...ascending].reverse());
  });
});

function get(p: string) {
  return request(`${em.marathonUrl}${p}`);
}

describe('the versions endpoints over HTTP', () => {
  const BILLING = '/ds/dev/shop/billing';
  beforeAll(() => em.seedHistory(BILLING, PAST));

  it('answers one version as a bare App, and Marathon’s 404 and 422 otherwise', async () => {
    const old = await get(`/v2/apps${BILLING}/versions/2026-11-03T15:05:00Z`);
    expect(old.status).toBe(200);
    expect(old.json()).toEqual(
      expect.objectContaining({
        id: BILLING,
        version: '2026-11-03T15:05:00.000Z',
        versionInfo: expect.any(Object),
      }),
    );
    expect(old.json()).not.toHaveProperty('app');
    expect(old.json()).not.toHaveProperty('tasksRunning');

    const none = await get(`/v2/apps${BILLING}/versions/2001-01-01T00:00:00Z`);
    expect(none.status).toBe(404);
    expect(none.json()).toEqual({
      message: `App '${BILLING}' does not exist in version 2001-01-01T00:00:00.000Z`,
    });
    const bad = await get(`/v2/apps${BILLING}/versions/yesterday`);
    expect(bad.status).toBe(422);
    expect(bad.json()).toEqual({
      message: "Invalid timestamp provided 'yesterday'. Expecting ISO-8601 datetime string.",
    });
    const noApp = await get('/v2/apps/ds/dev/shop/none/versions');
    expect(noApp.json()).toEqual({ message: "App '/ds/dev/shop/none' does not exist" });
  });
});
