import { spawnCollect, type Spawned } from '../support/spawn';
import { readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { registryKinds } from '../support/registries';
import type { RealRegistry } from '../support/docker-registry';
import { pushImage } from '../support/push-image';
import { parseCatalog } from '../../src/plan/catalog';
import { nov, removeTempDirs, tempDir } from './get-support';

/**
 * The committed bundle, as Jenkins runs it: `node resources/rollback/rollback.cjs get ...` in a
 * child process. Run `npm run build` after changing src/ (test/unit/bundle.test.ts says so too).
 */
const BUNDLE = path.join(__dirname, '..', '..', 'resources', 'rollback', 'rollback.cjs');

type Result = Spawned;

function rollback(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<Result> {
  // A clean environment: only what the test gives, plus PATH/HOME for node itself.
  return spawnCollect(process.execPath, [BUNDLE, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: tempDir('home'), NO_COLOR: '1', ...env },
  });
}

const user = 'jenkins';
const password = 'e2e-S3cret-Passw0rd';

/** Exactly one `rollback:` line on stderr, matching `pattern`; nothing on stdout; no password. */
function oneLine(res: Result, pattern: RegExp): void {
  const lines = res.stderr.split('\n').filter(Boolean);
  expect(lines.filter((l) => l.startsWith('rollback: '))).toHaveLength(1);
  expect(lines.find((l) => l.startsWith('rollback: '))).toMatch(pattern);
  expect(res.stdout).toBe('');
  expect(res.stderr).not.toContain(password);
}

describe.each(registryKinds)('rollback.cjs get against $name', (kind) => {
  let reg: RealRegistry;

  beforeAll(async () => {
    reg = await kind.start({ basic: { user, password } });
    await pushImage(reg, 'shop/api', '1.9.0-develop', { kind: 'schema2', created: nov(9) });
    await pushImage(reg, 'shop/api', '1.10.0-develop', { kind: 'oci', annotation: nov(10) });
    await pushImage(reg, 'shop/api', '1.10.0-stage', { kind: 'schema2', created: nov(15) });
    await pushImage(reg, 'shop/web', '2.0.0-develop', { kind: 'schema2', created: nov(7) });
  });
  afterAll(async () => {
    await reg?.stop();
    removeTempDirs();
  });

  const base = () => ['get', '--registry', reg.url, '--repo', 'shop/api,shop/web', '--env', 'develop'];
  const creds = { REGISTRY_USER: user, REGISTRY_PASSWORD: password };

  it('prints the dates, writes a valid rollback.json, and never shows the password', async () => {
    const dir = tempDir('e2e');
    const res = await rollback([...base(), '--dump', dir], creds);
    expect(res.stderr).not.toMatch(/^rollback: /m);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('2026-11-10\n2026-11-09\n2026-11-07\n');
    const text = readFileSync(path.join(dir, 'rollback.json'), 'utf8');
    const catalog = parseCatalog(text, 'rollback.json');
    expect(catalog.offeredDates).toEqual(['2026-11-10', '2026-11-09', '2026-11-07']);
    expect(catalog.repositories.map((r) => [r.name, r.images.map((i) => i.tag)])).toEqual([
      ['shop/api', ['1.10.0-develop', '1.9.0-develop']],
      ['shop/web', ['2.0.0-develop']],
    ]);
    const basic = Buffer.from(`${user}:${password}`).toString('base64');
    for (const out of [res.stdout, res.stderr, text]) {
      expect(out).not.toContain(password);
      expect(out).not.toContain(basic);
    }
    // Progress went to stderr, with the request summary: the OCI image dated by its annotation
    // needed no config request.
    expect(res.stderr).toMatch(/registry requests \(1 probe, 2 tag page, 3 manifest GET, 2 blob GET\)/);
  });

  it('writes into the current folder by default', async () => {
    const dir = tempDir('cwd');
    const res = await rollback([...base(), '--no-cache'], creds, dir);
    expect(res.code).toBe(0);
    expect(parseCatalog(readFileSync(path.join(dir, 'rollback.json'), 'utf8'), 'x').environment).toBe(
      'develop',
    );
  });

  describe('failures: one line on stderr, the right exit code, an existing rollback.json untouched', () => {
    let dir: string;
    let catalog: string;
    const previous = '{"an": "earlier catalog"}\n';
    beforeEach(() => {
      dir = tempDir('fail');
      catalog = path.join(dir, 'rollback.json');
      writeFileSync(catalog, previous);
    });
    const untouched = () => {
      expect(readFileSync(catalog, 'utf8')).toBe(previous);
      expect(statSync(dir).isDirectory()).toBe(true);
    };

    it('exit 2 for an unknown repository, naming it', async () => {
      const res = await rollback(
        ['get', '--registry', reg.url, '--repo', 'shop/api,shop/nope', '--env', 'develop', '--dump', dir],
        creds,
      );
      expect(res.code).toBe(2);
      oneLine(
        res,
        /^rollback: repository shop\/nope not found on http:\/\/127\.0\.0\.1:\d+ \(NAME_UNKNOWN: .*\) \(check the name in --repo/,
      );
      untouched();
    });

    it('exit 2 for a repository without tags of the environment', async () => {
      const res = await rollback(
        ['get', '--registry', reg.url, '--repo', 'shop/web', '--env', 'stage', '--dump', dir, '-q'],
        creds,
      );
      expect(res.code).toBe(2);
      expect(res.stderr).toBe(
        'rollback: repository shop/web has no tags of environment stage (tags ending in -stage, _stage or .stage; it has 1 other tag, e.g. 2.0.0-develop) (check --env and --repo, or --tag-pattern if the tags are named differently)\n',
      );
      untouched();
    });

    it('exit 2 for a bad flag value, before any request', async () => {
      const res = await rollback([...base(), '--tz', 'Mars/Olympus', '--dump', dir], creds);
      expect(res.code).toBe(2);
      expect(res.stderr).toBe(
        'rollback: --tz "Mars/Olympus" is not a time zone this Node.js knows (try UTC or Europe/Berlin)\n',
      );
      untouched();
    });

    it('exit 3 for a wrong password, naming the repository', async () => {
      const res = await rollback([...base(), '--dump', dir, '--concurrency', '1'], {
        REGISTRY_USER: user,
        REGISTRY_PASSWORD: 'wrong-Passw0rd',
      });
      expect(res.code).toBe(3);
      oneLine(
        res,
        /^rollback: http:\/\/127\.0\.0\.1:\d+ refused the credentials of user jenkins for repository shop\/(api|web) \(check REGISTRY_USER and REGISTRY_PASSWORD\)$/,
      );
      expect(res.stderr).not.toContain('wrong-Passw0rd');
      untouched();
    });

    it('exit 3 for a registry that cannot be reached', async () => {
      // Port 1: nothing listens there (a free port from freePort() could be taken by a parallel test).
      const closed = 'http://127.0.0.1:1';
      const res = await rollback(
        ['get', '--registry', closed, '--repo', 'shop/api', '--env', 'develop', '--dump', dir],
        creds,
      );
      expect(res.code).toBe(3);
      oneLine(
        res,
        new RegExp(`^rollback: cannot reach ${closed} while checking the registry \\(ECONNREFUSED\\)`),
      );
      untouched();
    });

    it('writes nothing when there was nothing before', async () => {
      const empty = tempDir('empty');
      const res = await rollback(
        ['get', '--registry', reg.url, '--repo', 'shop/nope', '--env', 'develop', '--dump', empty],
        creds,
      );
      expect(res.code).toBe(2);
      expect(existsSync(path.join(empty, 'rollback.json'))).toBe(false);
    });
  });
});
