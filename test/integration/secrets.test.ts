import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MarathonEmulator } from '../../src/sandbox/marathon';
import { freePort } from '../support/ports';
import { startTokenAuth, type TokenAuth } from '../support/token-server';
import {
  APP,
  changingRequests,
  dumpDir,
  imageOf,
  runArgs,
  runBundle,
  startMarathon,
  startWebhook,
  startWorld,
  type Spawned,
  type World,
} from './run-fixture';

/**
 * Every secret set to a unique marker, then every place a secret could end up is read: stdout and
 * stderr of every run, every file the helper wrote (rollback.json, the cache, plan, journal,
 * summary, archived journals), what Slack received, and the command lines `ps` shows while the
 * helper runs. The markers must not appear in any form (as is, base64 alone or as user:password
 * in Basic auth, base64url, URL-encoded, JSON-escaped) — across successful get/run/undo and across
 * failures: wrong passwords, an unreachable host, a failing deployment, an internal error.
 * The same pass checks that every file the helper wrote is 0600 and every folder it made 0700.
 */

// Each form is a different string: the base64 of every password, alone and as user:password, has
// '+', '/' and padding (so base64url and unpadded base64 differ from it), and URL encoding and
// JSON escaping change each password.
const REGISTRY = { user: 'ci-reader', password: 'REGpw"M4rk~>>??a' };
const WRONG_REGISTRY_PASSWORD = 'WRONGregPW"M4~>>??a';
const MARATHON = { user: 'deployer', password: 'MARpw"M4rk~>>??a' };
const WRONG_MARATHON_PASSWORD = 'WRONGmarPW"M4rker>>??a';
const DCOS = { user: 'jenkins', password: 'DCOSpw"M4rk~>>??a' };
const DCOS_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJ1aWQiOiJERk9TVE9LRU5NNHJrZXIifQ.c2lnTTRya2Vy';
const account = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ACCOUNT_KEY = account.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const ACCOUNT_PUBLIC = account.publicKey.export({ type: 'spki', format: 'pem' }).toString();

let world: World;
let marathon: MarathonEmulator;
let dcos: MarathonEmulator;
let tokenAuth: TokenAuth;
let webhook: Awaited<ReturnType<typeof startWebhook>>;
const temp: string[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `rollback-secrets-${prefix}-`));
  temp.push(dir);
  return dir;
}

/** Every secret known at this point, including tokens handed out during the runs so far. */
function secrets(): string[] {
  const dcosRequests = dcos ? dcos.requests : [];
  const dcosTokens = dcosRequests
    .map((r) => /^token=(.+)$/.exec(String(r.headers.authorization ?? ''))?.[1])
    .filter((t): t is string => Boolean(t));
  const serviceLogins = dcosRequests
    .filter((r) => r.path === '/acs/api/v1/auth/login' && r.body.includes('"token"'))
    .map((r) => (JSON.parse(r.body) as { token: string }).token);
  return [
    REGISTRY.password,
    WRONG_REGISTRY_PASSWORD,
    MARATHON.password,
    WRONG_MARATHON_PASSWORD,
    DCOS.password,
    DCOS_TOKEN,
    webhook.url,
    new URL(webhook.url).pathname,
    ...ACCOUNT_KEY.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----')),
    ...(tokenAuth?.issuedTokens ?? []),
    ...dcosTokens,
    ...serviceLogins,
  ];
}

/** Each secret in every form it could be written in. */
function forms(): string[] {
  const all = secrets().flatMap((s) => [
    s,
    Buffer.from(s).toString('base64'),
    Buffer.from(s).toString('base64').replace(/=+$/, ''),
    Buffer.from(s).toString('base64url'),
    encodeURIComponent(s),
    JSON.stringify(s).slice(1, -1),
  ]);
  for (const [user, password] of [
    [REGISTRY.user, REGISTRY.password],
    [REGISTRY.user, WRONG_REGISTRY_PASSWORD],
    [MARATHON.user, MARATHON.password],
    [MARATHON.user, WRONG_MARATHON_PASSWORD],
  ])
    all.push(Buffer.from(`${user}:${password}`).toString('base64'));
  return [...new Set(all)];
}

/** Everything a run left behind, to be scanned. */
interface Evidence {
  what: string;
  text: string;
}

/** A folder to scan; rollback.json of a run folder is the test's, not written by the helper. */
interface Scanned {
  dir: string;
  createdByHelper: boolean;
  notFromHelper?: string[];
}

/** Files (and folders the helper made) under `dir`, with their modes checked on the way. */
function filesUnder(
  { dir, createdByHelper, notFromHelper = [] }: Scanned,
  found: Evidence[] = [],
): Evidence[] {
  if (!existsSync(dir)) return found;
  if (createdByHelper) expect(`${dir} ${(statSync(dir).mode & 0o777).toString(8)}`).toBe(`${dir} 700`);
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) filesUnder({ dir: full, createdByHelper: true }, found);
    else {
      if (!notFromHelper.includes(name))
        expect(`${full} ${(statSync(full).mode & 0o777).toString(8)}`).toBe(`${full} 600`);
      found.push({ what: full, text: readFileSync(full, 'utf8') });
    }
  }
  return found;
}

/** A run folder made by dumpDir(): rollback.json there is the test's. */
const runFolder = (dir: string): Scanned => ({
  dir,
  createdByHelper: false,
  notFromHelper: ['rollback.json'],
});

/** Where any form of any secret was found (empty: none). */
function leaks(evidence: Evidence[]): string[] {
  const all = forms();
  return evidence.flatMap((e) =>
    all
      .filter((f) => e.text.includes(f))
      .map((f) => `${e.what} contains ${JSON.stringify(f.slice(0, 12))}...`),
  );
}

/** The command lines of a process and its descendants, as `ps` shows them, until it exits. */
function watchCommandLines(child: ChildProcess): { lines: Set<string>; done: Promise<void> } {
  const lines = new Set<string>();
  const read = (pid: number) => {
    try {
      lines.add(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim());
      for (const task of readdirSync(`/proc/${pid}/task`)) {
        const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
        for (const c of children ? children.split(/\s+/) : []) read(Number(c));
      }
    } catch {
      // The process ended between two reads.
    }
  };
  const timer = setInterval(() => child.pid && read(child.pid), 5);
  const done = new Promise<void>((resolve) =>
    child.once('exit', () => {
      clearInterval(timer);
      resolve();
    }),
  );
  return { lines, done };
}

/** Run the bundle and return what it printed, the files under `dirs`, and its command lines. */
async function scanRun(
  args: string[],
  env: NodeJS.ProcessEnv,
  dirs: Scanned[],
): Promise<{ result: Spawned; evidence: Evidence[]; commandLines: Set<string> }> {
  let watch: ReturnType<typeof watchCommandLines> | undefined;
  const result = await runBundle(args, env, undefined, (child) => (watch = watchCommandLines(child)));
  await watch!.done;
  const evidence: Evidence[] = [
    { what: `stdout of ${args[0]}`, text: result.stdout },
    { what: `stderr of ${args[0]}`, text: result.stderr },
    ...[...watch!.lines].map((text) => ({ what: 'a command line in /proc', text })),
    ...dirs.flatMap((d) => filesUnder(d)),
  ];
  return { result, evidence, commandLines: watch!.lines };
}

const registryEnv = { REGISTRY_USER: REGISTRY.user, REGISTRY_PASSWORD: REGISTRY.password };

const getArgs = (registry: string, dump: string, cache: string) => [
  'get',
  '--registry',
  registry,
  '--repo',
  'shop/api,shop/billing,shop/frontend',
  '--env',
  'develop',
  '--dump',
  dump,
  '--cache',
  cache,
];

const marathonEnv = () => ({
  ...registryEnv,
  MARATHON_USER: MARATHON.user,
  MARATHON_PASSWORD: MARATHON.password,
  SLACK_WEBHOOK_URL: webhook.url,
});

const slack = (): Evidence[] => webhook.raw.map((text) => ({ what: 'a Slack message', text }));

const dcosRun = (dir: string, ...extra: string[]) => runArgs({ dir, dcos: dcos.url }, ...extra);

describe('no secret in any output, file, message or command line (bundled helper)', () => {
  beforeAll(async () => {
    world = await startWorld({ registryBasic: REGISTRY });
    marathon = await startMarathon(world, { basic: MARATHON });
    dcos = await startMarathon(world, {
      mode: 'dcos',
      users: { [DCOS.user]: DCOS.password },
      serviceAccounts: { 'rollback-sa': ACCOUNT_PUBLIC },
    });
    tokenAuth = await startTokenAuth(world.registry.url, {
      users: { [REGISTRY.user]: REGISTRY.password },
      upstreamBasic: REGISTRY,
    });
    webhook = await startWebhook();
  }, 60_000);

  afterAll(async () => {
    await Promise.all([marathon?.close(), dcos?.close(), tokenAuth?.stop(), webhook?.close()]);
    await world?.stop();
    for (const dir of temp) rmSync(dir, { recursive: true, force: true });
  });

  describe('get', () => {
    it.each([
      ['with HTTP basic', () => world.registry.url],
      ['with bearer tokens from a token service', () => tokenAuth.url],
    ])(
      'reads the registry %s and writes no secret (rollback.json, cache 0600 in folders 0700)',
      async (_what, url) => {
        const base = tempDir('get');
        // Neither folder exists yet: the helper creates them, 0700.
        const dump = path.join(base, 'dump');
        const cache = path.join(base, 'cache');
        const { result, evidence } = await scanRun(getArgs(url(), dump, cache), registryEnv, [
          { dir: dump, createdByHelper: true },
          { dir: cache, createdByHelper: true },
        ]);
        expect(result.stderr).not.toMatch(/^rollback: /m);
        expect(result.code).toBe(0);
        expect(evidence.map((e) => path.basename(e.what))).toEqual(
          expect.arrayContaining(['rollback.json', 'shop%2Fapi.json']),
        );
        expect(leaks(evidence)).toEqual([]);
      },
    );

    it('used the tokens the scan looks for', () => {
      expect(tokenAuth.issuedTokens.length).toBeGreaterThan(0);
    });

    it('says a wrong password was refused without showing it', async () => {
      const dump = path.join(tempDir('get-wrong'), 'dump');
      const { result, evidence } = await scanRun(
        getArgs(world.registry.url, dump, path.join(dump, '..', 'cache')),
        { REGISTRY_USER: REGISTRY.user, REGISTRY_PASSWORD: WRONG_REGISTRY_PASSWORD },
        [{ dir: path.dirname(dump), createdByHelper: false }],
      );
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/refused the credentials of user ci-reader/);
      expect(leaks(evidence)).toEqual([]);
    });
  });

  describe('run and undo on Marathon with HTTP basic, Slack notified', () => {
    let dump: string;

    beforeAll(() => {
      dump = dumpDir(world);
    });

    it('rolls back: stdout, stderr, plan, journal, summary, Slack and ps show no secret', async () => {
      const { result, evidence, commandLines } = await scanRun(
        runArgs({ dir: dump, marathon: marathon.url }, '--timeout', '30'),
        marathonEnv(),
        [runFolder(dump)],
      );
      expect(result.stderr).not.toMatch(/^rollback: /m);
      expect(result.code).toBe(0);
      expect(imageOf(marathon, APP.api)).toBe(`${world.host}/shop/api:1.4.3-develop`);
      expect(readdirSync(dump).sort()).toEqual([
        'rollback-journal.json',
        'rollback-plan.json',
        'rollback-summary.txt',
        'rollback.json',
      ]);
      // ps was really read while the helper ran.
      expect([...commandLines].some((l) => l.includes('rollback.cjs run --date'))).toBe(true);
      expect(webhook.raw.length).toBeGreaterThanOrEqual(2);
      // Marathon did get the password: the scan would see it if it leaked.
      expect(marathon.requests.some((r) => String(r.headers.authorization ?? '').startsWith('Basic '))).toBe(
        true,
      );
      expect(leaks([...evidence, ...slack()])).toEqual([]);
    });

    it('undoes it with no secret anywhere', async () => {
      const { result, evidence } = await scanRun(
        ['undo', '--journal', path.join(dump, 'rollback-journal.json'), '--timeout', '30'],
        marathonEnv(),
        [runFolder(dump)],
      );
      expect(result.code).toBe(0);
      expect(imageOf(marathon, APP.api)).toBe(`${world.host}/shop/api:1.5.0-develop`);
      expect(leaks([...evidence, ...slack()])).toEqual([]);
    });

    it('fails a deployment and reverts with no secret anywhere (archived journal included)', async () => {
      marathon.failNextDeployment(APP.billing, 'fail');
      const { result, evidence } = await scanRun(
        // A deployment that never gets healthy ends at --timeout; the healthy ones take 0.3 s.
        runArgs({ dir: dump, marathon: marathon.url }, '--timeout', '4'),
        marathonEnv(),
        [runFolder(dump)],
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^rollback: the rollback to 2026-11-27 failed/m);
      expect(
        readdirSync(dump).filter((f) => f.startsWith('rollback-journal.')).length,
      ).toBeGreaterThanOrEqual(2);
      expect(leaks([...evidence, ...slack()])).toEqual([]);
    });

    it('says a wrong Marathon password was refused without showing it', async () => {
      const dir = dumpDir(world);
      temp.push(dir);
      const { result, evidence } = await scanRun(
        runArgs({ dir, marathon: marathon.url }),
        { ...marathonEnv(), MARATHON_PASSWORD: WRONG_MARATHON_PASSWORD },
        [runFolder(dir)],
      );
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/refused the credentials \(HTTP basic as deployer\)/);
      expect(leaks(evidence)).toEqual([]);
    });

    it('says Marathon cannot be reached without showing a secret', async () => {
      const dir = dumpDir(world);
      temp.push(dir);
      const { result, evidence } = await scanRun(
        runArgs({ dir, marathon: `http://127.0.0.1:${await freePort()}` }),
        marathonEnv(),
        [runFolder(dir)],
      );
      expect(result.code).toBe(3);
      expect(leaks(evidence)).toEqual([]);
    });

    it('reports a file it cannot write as a file-system error (never an internal error), with no secret', async () => {
      const dir = dumpDir(world);
      temp.push(dir);
      // The plan cannot replace a folder.
      mkdirSync(path.join(dir, 'rollback-plan.json', 'in-the-way'), { recursive: true });
      writeFileSync(path.join(dir, 'rollback-plan.json', 'in-the-way', 'x'), '');
      const before = changingRequests(marathon).length;
      const { result, evidence } = await scanRun(runArgs({ dir, marathon: marathon.url }), marathonEnv(), []);
      expect(result.code).toBe(1);
      expect(result.stderr).not.toMatch(/internal error|this is a bug/);
      expect(result.stderr.trimEnd().split('\n').pop()).toMatch(
        /^rollback: cannot write the plan .*rollback-plan\.json: E[A-Z]+ \(.*\); nothing was changed/,
      );
      expect(changingRequests(marathon).length).toBe(before);
      expect(leaks(evidence)).toEqual([]);
    });
  });

  describe('run on DC/OS', () => {
    it.each([
      ['a user login', { DCOS_USER: DCOS.user, DCOS_PASSWORD: DCOS.password }],
      [
        'a service account key',
        { DCOS_SERVICE_ACCOUNT_ID: 'rollback-sa', DCOS_SERVICE_ACCOUNT_KEY: ACCOUNT_KEY },
      ],
    ])('plans with %s and shows neither it nor the token it got', async (_what, credentials) => {
      const dir = dumpDir(world);
      temp.push(dir);
      const logins = dcos.requests.filter((r) => r.path === '/acs/api/v1/auth/login').length;
      const { result, evidence } = await scanRun(
        dcosRun(dir, '--dry-run'),
        { ...registryEnv, ...credentials },
        [runFolder(dir)],
      );
      expect(result.code).toBe(0);
      expect(dcos.requests.filter((r) => r.path === '/acs/api/v1/auth/login').length).toBe(logins + 1);
      expect(leaks(evidence)).toEqual([]);
    });

    it('says a DCOS_TOKEN was refused without showing it', async () => {
      const dir = dumpDir(world);
      temp.push(dir);
      const { result, evidence } = await scanRun(dcosRun(dir), { ...registryEnv, DCOS_TOKEN }, [
        runFolder(dir),
      ]);
      expect(result.code).toBe(3);
      expect(dcos.requests.some((r) => r.headers.authorization === `token=${DCOS_TOKEN}`)).toBe(true);
      expect(leaks(evidence)).toEqual([]);
    });
  });
});
