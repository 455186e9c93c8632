import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDockerRegistry, type RealRegistry } from '../support/docker-registry';
import { request } from '../support/http';
import { basicAuthHeaders, pushImage } from '../support/push-image';
import { startReverseProxy, type ReverseProxy } from '../support/reverse-proxy';
import { nov, removeTempDirs, runGet } from './get-support';

/**
 * Credentials go only to the registry's origin (and the token realm its own challenge names). A
 * real registry with basic auth sits behind a proxy that redirects every blob to "storage": a
 * capturing server of another origin that records everything it is sent and challenges requests
 * itself, with Bearer (its own token realm, which hands out anonymous tokens) or with Basic.
 * Whatever it asks, it must never see the registry's credentials in any form.
 */

const user = 'ci-reader';
// Its base64 (alone and as user:password) has '+', '/' and padding; URL and JSON forms differ too.
const password = 'pa>>ss??wd"M4rk~';
const forms = [
  password,
  Buffer.from(password).toString('base64'),
  Buffer.from(password).toString('base64url'),
  Buffer.from(`${user}:${password}`).toString('base64'),
  encodeURIComponent(password),
  JSON.stringify(password).slice(1, -1),
];
const env = { REGISTRY_USER: user, REGISTRY_PASSWORD: password };

interface Storage {
  url: string;
  /** Every request: method, URL and headers, as text to scan. */
  seen: string[];
  blobsServed: number;
  challenge: 'bearer' | 'basic';
  stop(): Promise<void>;
}

const ANONYMOUS_TOKEN = 'storage-anonymous-token';

async function startStorage(registry: RealRegistry): Promise<Storage> {
  const state: Storage = { url: '', seen: [], blobsServed: 0, challenge: 'bearer', stop: async () => {} };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      state.seen.push(`${req.method} ${req.url} ${JSON.stringify(req.headers)} ${body}`);
      const url = new URL(req.url ?? '/', state.url);
      if (url.pathname === '/token') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify({ token: ANONYMOUS_TOKEN, expires_in: 300 }));
      }
      if (req.headers.authorization !== `Bearer ${ANONYMOUS_TOKEN}`) {
        const challenge =
          state.challenge === 'bearer'
            ? `Bearer realm="${state.url}/token",service="storage"`
            : 'Basic realm="storage"';
        res.writeHead(401, { 'WWW-Authenticate': challenge, 'Content-Type': 'text/plain' });
        return res.end('storage wants credentials');
      }
      // /blobs/<repo...>/<digest>: the storage reads the registry on its own account.
      const [, repo, digest] = /^\/blobs\/(.+)\/([^/]+)$/.exec(url.pathname) ?? [];
      request(`${registry.url}/v2/${repo}/blobs/${digest}`, { headers: basicAuthHeaders(registry) }).then(
        (up) => {
          state.blobsServed++;
          res.writeHead(up.status, { 'Content-Type': 'application/octet-stream' });
          res.end(up.body);
        },
        () => res.writeHead(502).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.stop = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

let registry: RealRegistry;
let storage: Storage;
let front: ReverseProxy;

beforeAll(async () => {
  registry = await startDockerRegistry({ basic: { user, password } });
  await pushImage(registry, 'team/svc', '1.0.0-develop', { kind: 'schema2', created: nov(20) });
  await pushImage(registry, 'team/svc', '1.1.0-develop', { kind: 'schema2', created: nov(21) });
  storage = await startStorage(registry);
  // Blobs are "stored elsewhere", as on S3: a 307 to a presigned-looking URL of another origin.
  front = await startReverseProxy(registry.url, (req, res, forward) => {
    const blob = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(req.url ?? '');
    if (req.method !== 'GET' || !blob) return forward();
    res.writeHead(307, { Location: `${storage.url}/blobs/${blob[1]}/${blob[2]}?X-Amz-Signature=abc` });
    res.end();
  });
});

afterAll(async () => {
  await front?.stop();
  await storage?.stop();
  await registry?.stop();
  removeTempDirs();
});

const leaks = () => storage.seen.filter((line) => forms.some((form) => line.includes(form)));

it('answers a Bearer challenge of the redirect target with an anonymous token only', async () => {
  storage.challenge = 'bearer';
  storage.seen.length = 0;
  const run = await runGet(['--registry', front.url, '--repo', 'team/svc', '--env', 'develop'], env);
  expect(leaks()).toEqual([]);
  expect(storage.seen.filter((line) => /"authorization":"Basic/i.test(line))).toEqual([]);
  expect(run.stderr).not.toMatch(/^rollback: /m);
  expect(run.code).toBe(0);
  expect(run.dates).toEqual(['2026-11-21', '2026-11-20']);
  expect(storage.blobsServed).toBe(2);
  expect(storage.seen.some((line) => line.startsWith('GET /token'))).toBe(true);
});

it('refuses a Basic challenge of the redirect target, sending it nothing, with one line', async () => {
  storage.challenge = 'basic';
  storage.seen.length = 0;
  const run = await runGet(['--registry', front.url, '--repo', 'team/svc', '--env', 'develop', '-q'], env);
  expect(run.code).toBe(3);
  expect(run.stderr).toMatch(
    new RegExp(
      `^rollback: ${storage.url}, where ${front.url} redirected us while reading blob sha256:[0-9a-f]{64} of team/svc, wants credentials; REGISTRY_USER and REGISTRY_PASSWORD go only to ${front.url} and the token service it names \\(storage behind a registry should take presigned URLs; report it to the registry owner\\)\\n$`,
    ),
  );
  expect(storage.seen.length).toBeGreaterThan(0);
  expect(leaks()).toEqual([]);
  expect(storage.seen.filter((line) => /"authorization"/i.test(line))).toEqual([]);
});
