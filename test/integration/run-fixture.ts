import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseCatalog, type Catalog } from '../../src/plan/catalog';
import {
  startMarathonEmulator,
  type MarathonEmulator,
  type MarathonEmulatorOptions,
} from '../../src/sandbox/marathon';
import { startDockerRegistry, type RealRegistry } from '../support/docker-registry';
import { pushImage } from '../support/push-image';
import { spawnCollect, type Spawned } from '../support/spawn';

export type { Spawned };

/**
 * The world of the end-to-end `run` tests: a real docker-registry holding the images of three
 * services, their catalog written by the real `get`, a Marathon emulator whose /ds/dev group runs the
 * bad release, decoy apps that must never be touched, and the bundled helper run as a child.
 */

export const ROOT = path.join(__dirname, '..', '..');
export const BUNDLE = path.join(ROOT, 'resources', 'rollback', 'rollback.cjs');
export const DATE = '2026-11-27';

export interface PushedImage {
  tag: string;
  digest: string;
  created: string;
}

export interface World {
  registry: RealRegistry;
  /** host:port of the registry, as app images name it. */
  host: string;
  images: Record<string, PushedImage[]>;
  catalog: Catalog;
  stop(): Promise<void>;
}

/** Each service's releases; the bad release is on the 28th. */
const RELEASES: Record<string, Array<[string, string]>> = {
  // Released daily: for the 27th it gets the image of that day.
  'shop/api': [
    ['1.4.0-develop', '2026-11-25T09:00:00Z'],
    ['1.4.1-develop', '2026-11-26T09:00:00Z'],
    ['1.4.2-develop', '2026-11-27T09:00:00Z'],
    ['1.4.3-develop', '2026-11-27T17:30:00Z'],
    ['1.5.0-develop', '2026-11-28T09:00:00Z'],
  ],
  // Did not change for days: for the 27th it is filled from the 25th.
  'shop/billing': [
    ['1.2.0-develop', '2026-11-20T09:00:00Z'],
    ['1.3.0-develop', '2026-11-25T09:00:00Z'],
    ['1.4.0-develop', '2026-11-28T09:00:00Z'],
  ],
  // Already on its image of the 27th: a no-op.
  'shop/frontend': [['2.0.0-develop', '2026-11-10T09:00:00Z']],
  // Not in the catalog: its app is a decoy whose name contains `api`.
  'shop/gateway-api': [['9.0.0-develop', '2026-11-28T09:00:00Z']],
};

export async function startWorld(
  options: { registryBasic?: { user: string; password: string } } = {},
): Promise<World> {
  const registry = await startDockerRegistry(options.registryBasic ? { basic: options.registryBasic } : {});
  // A world that fails half-way stops its registry: the test's afterAll never gets to.
  try {
    return await fillWorld(registry, options);
  } catch (err) {
    await registry.stop();
    throw err;
  }
}

async function fillWorld(
  registry: RealRegistry,
  options: { registryBasic?: { user: string; password: string } },
): Promise<World> {
  const images: Record<string, PushedImage[]> = {};
  for (const [repo, releases] of Object.entries(RELEASES)) {
    images[repo] = [];
    for (const [tag, created] of releases) {
      const digest = await pushImage(registry, repo, tag, { kind: 'schema2', created });
      images[repo]!.push({ tag, digest, created: new Date(created).toISOString() });
    }
  }
  // rollback.json as the real `get` writes it (the same bundle, the same registry).
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rollback-get-'));
  const get = await runBundle(
    [
      'get',
      '--registry',
      registry.url,
      '--repo',
      'shop/api,shop/billing,shop/frontend',
      '--env',
      'develop',
      '--dump',
      dir,
      '--no-cache',
    ],
    options.registryBasic
      ? { REGISTRY_USER: options.registryBasic.user, REGISTRY_PASSWORD: options.registryBasic.password }
      : {},
  );
  if (get.code !== 0) throw new Error(`rollback get failed (${get.code}): ${get.stderr}`);
  const catalog = parseCatalog(readFileSync(path.join(dir, 'rollback.json'), 'utf8'), 'rollback.json of get');
  return { registry, host: `127.0.0.1:${registry.port}`, images, catalog, stop: () => registry.stop() };
}

/** Where `run` sends its deployments: plain Marathon or a DC/OS cluster (through Admin Router). */
export type RunTarget = { dir: string; date?: string } & ({ marathon: string } | { dcos: string });

/** The plain Marathon emulator's HTTP basic account, and the variables `run` reads it from. */
export const MARATHON_BASIC = { user: 'deployer', password: 'mar-pa55-Secret' };
export const MARATHON_ENV = {
  MARATHON_USER: MARATHON_BASIC.user,
  MARATHON_PASSWORD: MARATHON_BASIC.password,
};

export const journalOf = (dir: string) => path.join(dir, 'rollback-journal.json');

/** The images of /ds/dev's services on the bad release (before) and on DATE (target). */
export function releaseImages(world: World) {
  const h = world.host;
  return {
    before: {
      [APP.api]: `${h}/shop/api:1.5.0-develop`,
      [APP.billing]: `${h}/shop/billing:1.4.0-develop`,
      [APP.frontend]: `${h}/shop/frontend:2.0.0-develop`,
    },
    target: {
      [APP.api]: `${h}/shop/api:1.4.3-develop`,
      [APP.billing]: `${h}/shop/billing:1.3.0-develop`,
      [APP.frontend]: `${h}/shop/frontend:2.0.0-develop`,
    },
  };
}

/** `run` for the /ds/dev group as Jenkins calls it; `date` defaults to DATE, `extra` flags go last. */
export function runArgs(target: RunTarget, ...extra: string[]): string[] {
  const endpoint = 'dcos' in target ? ['--dcos', target.dcos] : ['--marathon', target.marathon];
  return [
    'run',
    '--date',
    target.date ?? DATE,
    '--dump',
    target.dir,
    ...endpoint,
    '--group',
    '/ds/dev',
    ...extra,
  ];
}

/** The last stderr line: main's one-line report. */
export const lastLine = (stderr: string) => stderr.trimEnd().split('\n').pop() ?? '';

/** A folder with rollback.json, as `get --dump DIR` leaves it. */
export function dumpDir(world: World, catalog: Catalog = world.catalog): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rollback-run-'));
  writeFileSync(path.join(dir, 'rollback.json'), JSON.stringify(catalog, null, 2));
  return dir;
}

/** An app with every container field Marathon users rely on, which a rollback must not lose. */
export function richApp(
  id: string,
  image: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id,
    instances: 2,
    cpus: 0.25,
    mem: 128,
    env: { SPRING_PROFILES_ACTIVE: 'dev' },
    labels: { team: 'shop' },
    networks: [{ mode: 'container/bridge' }],
    container: {
      type: 'DOCKER',
      docker: {
        image,
        forcePullImage: true,
        privileged: false,
        parameters: [
          { key: 'log-driver', value: 'json-file' },
          { key: 'label', value: 'rollback-test=yes' },
        ],
      },
      portMappings: [
        { containerPort: 8080, hostPort: 0, protocol: 'tcp', name: 'http', labels: { VIP_0: '/api:80' } },
      ],
      volumes: [{ containerPath: '/data', hostPath: '/srv/data', mode: 'RW' }],
    },
    healthChecks: [
      { protocol: 'MESOS_HTTP', path: '/health', portIndex: 0, gracePeriodSeconds: 30, intervalSeconds: 10 },
    ],
    ...extra,
  };
}

export const APP = {
  api: '/ds/dev/shop/api',
  billing: '/ds/dev/shop/billing',
  frontend: '/ds/dev/shop/frontend',
  gateway: '/ds/dev/shop/gateway-api',
  dev2: '/ds/dev2/shop/api',
  nested: '/other/ds/dev/shop/api',
};

/** The /ds/dev group on the bad release of the 28th, plus decoys. */
export function seedApps(marathon: MarathonEmulator, world: World): void {
  const h = world.host;
  marathon.addApp(richApp(APP.api, `${h}/shop/api:1.5.0-develop`));
  marathon.addApp(
    richApp(APP.billing, `${h}/shop/billing:1.4.0-develop`, { healthChecks: [], instances: 1 }),
  );
  marathon.addApp(richApp(APP.frontend, `${h}/shop/frontend:2.0.0-develop`));
  // Decoys: a repository whose name contains `api`, the same service in /ds/dev2 and under /other.
  marathon.addApp(richApp(APP.gateway, `${h}/shop/gateway-api:9.0.0-develop`));
  marathon.addApp(richApp(APP.dev2, `${h}/shop/api:1.5.0-develop`));
  marathon.addApp(richApp(APP.nested, `${h}/shop/api:1.5.0-develop`));
}

export async function startMarathon(
  world: World,
  options: MarathonEmulatorOptions = {},
): Promise<MarathonEmulator> {
  const marathon = await startMarathonEmulator({ deploymentMs: 300, ...options });
  seedApps(marathon, world);
  return marathon;
}

export function imageOf(marathon: MarathonEmulator, id: string): string {
  const app = marathon.getApp(id) as { container?: { docker?: { image?: string } } } | undefined;
  return app?.container?.docker?.image ?? '(none)';
}

/** The app's definition without the fields a deployment is expected to change. */
export function definitionWithoutImage(marathon: MarathonEmulator, id: string): Record<string, unknown> {
  const app = structuredClone(marathon.getApp(id)!) as Record<string, any>;
  for (const k of [
    'version',
    'versionInfo',
    'tasks',
    'tasksRunning',
    'tasksHealthy',
    'tasksStaged',
    'tasksUnhealthy',
    'deployments',
    'lastTaskFailure',
  ])
    delete app[k];
  delete app.container.docker.image;
  return app;
}

export function changingRequests(marathon: MarathonEmulator) {
  return marathon.requests.filter(
    (r) => r.method !== 'GET' && r.method !== 'HEAD' && !r.path.includes('/acs/api/v1/auth/login'),
  );
}

/** Run the bundled helper the way Jenkins does: a child process with its own environment. */
export function runBundle(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  cwd = ROOT,
  onSpawn?: (child: ChildProcess) => void,
): Promise<Spawned> {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\``);
  // Only what the test gives, plus PATH: no credentials leak in from the developer's shell.
  return spawnCollect(
    process.execPath,
    [BUNDLE, ...args],
    { cwd, env: { PATH: process.env.PATH, NO_COLOR: '1', ...env } },
    onSpawn,
  );
}

export function filesIn(dir: string): string[] {
  return readdirSync(dir).sort();
}

export function readJson<T = any>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** A local Slack incoming webhook: records what it receives; `fail` makes it answer 500. */
export async function startWebhook(options: { fail?: boolean } = {}) {
  const messages: string[] = [];
  const raw: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      raw.push(body);
      if (options.fail) {
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end('internal_error');
        return;
      }
      try {
        messages.push((JSON.parse(body) as { text: string }).text);
      } catch {
        messages.push(`(unparsable) ${body}`);
      }
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    // The path is the secret part of a real webhook URL.
    url: `http://127.0.0.1:${port}/services/T0ROLLBACK/B0TEST/s3cr3tW3bh00kT0ken`,
    messages,
    raw,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The journal as it is on disk right now, or undefined while it does not exist (or is mid-rename). */
export function journalNow(dir: string): any {
  try {
    return readJson(path.join(dir, 'rollback-journal.json'));
  } catch {
    return undefined;
  }
}

/** The `action outcome` steps the journal on disk holds for an app. */
export function journalSteps(dir: string, id: string): string[] {
  const app = journalNow(dir)?.apps.find((a: any) => a.id === id);
  return (app?.steps ?? []).map((s: any) => `${s.action} ${s.outcome}`);
}

/**
 * Run the helper and send it `signal` (once, or `times` times 300 ms apart) as soon as `when()`
 * holds, checked every few milliseconds: the kill lands at a point of the rollback the test names.
 */
export async function runBundleUntil(
  args: string[],
  env: NodeJS.ProcessEnv,
  when: () => boolean,
  signal: NodeJS.Signals,
  times = 1,
): Promise<Spawned & { signalled: boolean }> {
  let signalled = false;
  const result = await runBundle(args, env, undefined, (child) => {
    const poll = setInterval(() => {
      if (!when()) return;
      clearInterval(poll);
      signalled = true;
      child.kill(signal);
      for (let i = 1; i < times; i++) setTimeout(() => child.kill(signal), 300 * i);
    }, 3);
    child.on('close', () => clearInterval(poll));
  });
  return { ...result, signalled };
}
