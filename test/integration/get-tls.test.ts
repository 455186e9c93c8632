import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { main } from '../../src/main';
import { startMarathonEmulator, type MarathonEmulator } from '../../src/sandbox/marathon';
import { registryKinds } from '../support/registries';
import type { RealRegistry } from '../support/docker-registry';
import { requireBinary } from '../support/binaries';
import { pushImage } from '../support/push-image';
import { collector, nov, removeTempDirs, runGet, tempDir } from './get-support';

/** An https server with `key`/`cert` that forwards every request to `upstream` (plain http). */
async function httpsFront(upstream: string, key: string, cert: string): Promise<https.Server> {
  const target = new URL(upstream);
  const server = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    const out = http.request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const urlOf = (server: https.Server) => `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

async function close(server: https.Server | undefined): Promise<void> {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
}

/**
 * TLS is verified: a registry or Marathon with a certificate from a private CA is refused until
 * --ca-file names that CA; --insecure is the explicit way around it, and says so every time.
 */
describe.each(registryKinds)('get against $name over https', (kind) => {
  let reg: RealRegistry;
  let server: https.Server;
  let url: string;
  let ca: string;

  beforeAll(async () => {
    requireBinary('openssl');
    const dir = tempDir('tls');
    const key = path.join(dir, 'key.pem');
    ca = path.join(dir, 'cert.pem');
    // prettier-ignore
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key,
      '-out', ca, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    ], { stdio: 'ignore' });
    reg = await kind.start();
    await pushImage(reg, 'tls/app', '1.0.0-develop', { kind: 'schema2', created: nov(5) });
    server = await httpsFront(reg.url, key, ca);
    url = urlOf(server);
    keyFile = key;
  });
  afterAll(async () => {
    await close(server);
    await reg?.stop();
    removeTempDirs();
  });
  let keyFile: string;

  const args = () => ['--registry', url, '--repo', 'tls/app', '--env', 'develop', '-q'];

  it('refuses a certificate it cannot verify, saying what to do', async () => {
    const run = await runGet(args());
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^rollback: TLS check of https:\/\/127\.0\.0\.1:\d+ failed while checking the registry \([A-Z_]+\) \(pass --ca-file with the CA that signed its certificate, or --insecure if you must\)\n$/,
    );
  });

  it('trusts the CA given with --ca-file', async () => {
    const run = await runGet([...args(), '--ca-file', ca]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.dates).toEqual(['2026-11-05']);
  });

  it('skips the check with --insecure, saying so in a warning', async () => {
    const run = await runGet([...args(), '--insecure']);
    expect(run.code).toBe(0);
    expect(run.dates).toEqual(['2026-11-05']);
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^\d\d:\d\d:\d\d warning: --insecure: TLS certificates of https:\/\/127\.0\.0\.1:\d+ are not verified; anyone on the way can read the credentials and alter the answers \(use --ca-file instead\)$/,
      ),
    ]);
  });

  describe('run against Marathon over https', () => {
    let marathon: MarathonEmulator;
    let front: https.Server;
    let dump: string;

    beforeAll(async () => {
      // The catalog of the https registry, then a Marathon behind the same certificate whose app
      // runs an older tag: a dry run plans a deployment and checks the target tag over TLS too.
      const got = await runGet([...args(), '--ca-file', ca]);
      expect(got.code).toBe(0);
      dump = got.dir;
      marathon = await startMarathonEmulator({ deploymentMs: 100 });
      const host = new URL(url).host;
      marathon.addApp({
        id: '/ds/dev/tls/app',
        instances: 1,
        container: { type: 'DOCKER', docker: { image: `${host}/tls/app:0.9.0-develop` } },
      });
      front = await httpsFront(marathon.url, keyFile, ca);
    });
    afterAll(async () => {
      await close(front);
      await marathon?.close();
    });

    /** A dry run against the https front, as plain Marathon or, with `--dcos`, as a DC/OS cluster. */
    async function run(...extra: string[]) {
      return runAs({ flag: '--marathon', env: {} }, ...extra);
    }
    async function runAs(as: { flag: '--marathon' | '--dcos'; env: NodeJS.ProcessEnv }, ...extra: string[]) {
      const stdout = collector();
      const stderr = collector();
      const argv = [
        'run',
        '--date',
        '2026-11-05',
        '--dump',
        dump,
        as.flag,
        urlOf(front),
        '--group',
        '/ds/dev',
      ];
      const code = await main([...argv, '--dry-run', '-q', ...extra], {
        env: as.env,
        stdout,
        stderr,
        cwd: dump,
      });
      return { code, stdout: stdout.text, stderr: stderr.text };
    }

    it('refuses a certificate it cannot verify, saying what to do', async () => {
      const result = await run();
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(
        /^rollback: TLS check of Marathon at https:\/\/127\.0\.0\.1:\d+ failed \([A-Z_]+\) \(pass --ca-file with the CA that signed its certificate, or --insecure if you must\)\n$/,
      );
    });

    it('refuses the DC/OS login over a certificate it cannot verify, saying what to do', async () => {
      const result = await runAs({
        flag: '--dcos',
        env: { DCOS_USER: 'oncall', DCOS_PASSWORD: 'dcos-tls-pa55' },
      });
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(
        /^rollback: TLS check of the DC\/OS login at https:\/\/127\.0\.0\.1:\d+\/acs\/api\/v1\/auth\/login failed \([A-Z_]+\) \(pass --ca-file with the CA that signed its certificate, or --insecure if you must\)\n$/,
      );
    });

    it('trusts the CA given with --ca-file (Marathon and the registry preflight)', async () => {
      const result = await run('--ca-file', ca);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/\/ds\/dev\/tls\/app\s+0\.9\.0-develop\s+1\.0\.0-develop/);
    });

    it('skips the check with --insecure, saying so for Marathon and the registry', async () => {
      const result = await run('--insecure');
      expect(result.code).toBe(0);
      expect(result.stderr.trimEnd().split('\n')).toEqual([
        expect.stringMatching(
          /warning: --insecure: TLS certificates of https:\/\/127\.0\.0\.1:\d+ and https:\/\/127\.0\.0\.1:\d+ are not verified/,
        ),
      ]);
    });
  });
});
