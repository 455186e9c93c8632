import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { registryKinds } from '../support/registries';
import type { RealRegistry } from '../support/docker-registry';
import { requireBinary } from '../support/binaries';
import { pushImage } from '../support/push-image';
import { nov, removeTempDirs, runGet, tempDir } from './get-support';

/**
 * TLS is verified: a registry with a certificate from a private CA is refused until --ca-file
 * names that CA; --insecure is the explicit way around it.
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
    const upstream = new URL(reg.url);
    server = https.createServer({ key: readFileSync(key), cert: readFileSync(ca) }, (req, res) => {
      const out = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      req.pipe(out);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await reg?.stop();
    removeTempDirs();
  });

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

  it('skips the check with --insecure', async () => {
    const run = await runGet([...args(), '--insecure']);
    expect(run.code).toBe(0);
    expect(run.dates).toEqual(['2026-11-05']);
  });
});
