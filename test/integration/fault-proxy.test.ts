import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from '../support/http';
import { randomFault, startFaultProxy, type FaultProxy, type RandomFaults } from '../support/fault-proxy';

/**
 * The fault proxy of the reliability tests, against a small echo server: what it passes through
 * must arrive unchanged, and what it injects must be exactly what the rules and the seed say.
 */

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let upstream: http.Server;
let target: string;
const received: Seen[] = [];

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.url === '/redirect') {
        res.writeHead(307, { Location: `${target}/elsewhere`, Link: `<${target}/next?n=2>; rel="next"` });
        res.end();
        return;
      }
      const answer = Buffer.from(`${req.method} ${req.url} ${body}`);
      res.writeHead(201, { 'X-Upstream': 'yes', 'Content-Length': answer.length });
      res.end(answer);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});

afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

const proxies: FaultProxy[] = [];
async function proxy(random?: RandomFaults): Promise<FaultProxy> {
  const p = await startFaultProxy({ target, ...(random ? { random } : {}) });
  proxies.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  received.length = 0;
});

/** The status, or 'reset' when the connection was dropped without an answer. */
async function statusOf(url: string, method = 'GET'): Promise<number | 'reset'> {
  try {
    return (await request(url, { method, headers: { Connection: 'close' } })).status;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ECONNRESET') return 'reset';
    throw err;
  }
}

/** Each path twice, in the given order; the fault per (path, occurrence). */
async function faultsIn(order: string[], p: FaultProxy, concurrent: boolean) {
  const send = (path: string) => statusOf(`${p.url}${path}`);
  if (concurrent) await Promise.all([...order, ...order].map(send));
  else for (const path of [...order, ...order]) await send(path);
  const occurrences = new Map<string, number>();
  const byRequest = new Map<string, string>();
  for (const entry of p.log) {
    const n = occurrences.get(entry.path) ?? 0;
    occurrences.set(entry.path, n + 1);
    byRequest.set(`${entry.path}#${n}`, entry.fault ?? 'none');
  }
  return byRequest;
}

describe('fault proxy', () => {
  it('forwards method, path, headers and body unchanged, with Host pointed at the target', async () => {
    const p = await proxy();
    const res = await request(`${p.url}/v2/shop/api/manifests/1.0?x=1`, {
      method: 'PUT',
      headers: { 'X-Custom': 'kept', Authorization: 'Basic abc' },
      body: 'payload bytes',
    });
    expect(res.status).toBe(201);
    expect(res.headers['x-upstream']).toBe('yes');
    expect(res.text()).toBe('PUT /v2/shop/api/manifests/1.0?x=1 payload bytes');
    expect(received).toHaveLength(1);
    expect(received[0]!.headers).toMatchObject({
      'x-custom': 'kept',
      authorization: 'Basic abc',
      host: new URL(target).host,
    });
    expect(p.log).toEqual([{ method: 'PUT', path: '/v2/shop/api/manifests/1.0?x=1' }]);
  });

  it('points Location and Link back at itself', async () => {
    const p = await proxy();
    const res = await request(`${p.url}/redirect`);
    expect(res.status).toBe(307);
    expect(res.headers.location).toBe(`${p.url}/elsewhere`);
    expect(res.headers.link).toBe(`<${p.url}/next?n=2>; rel="next"`);
  });

  it('injects a rule’s fault on matching requests only, after `after` and at most `times` times', async () => {
    const p = await proxy();
    p.addRule({ method: 'GET', path: /\/manifests\//, fault: 503, after: 1, times: 2 });
    const url = `${p.url}/v2/a/manifests/1`;
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push(await statusOf(url));
    expect(statuses).toEqual([201, 503, 503, 201, 201]);
    // Another method or path is not matched.
    expect(await statusOf(url, 'HEAD')).toBe(201);
    expect(await statusOf(`${p.url}/v2/a/tags/list`)).toBe(201);
    expect(p.log.map((e) => e.fault)).toEqual([
      undefined,
      '503',
      '503',
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    // The faulted requests never reached the target.
    expect(received).toHaveLength(5);
  });

  it('answers 429 with Retry-After: 1 and a custom fault with its own status, headers and body', async () => {
    const p = await proxy();
    p.addRule({ path: /^\/slow$/, fault: 429 });
    p.addRule({
      path: /^\/custom$/,
      fault: { status: 418, headers: { 'X-Why': 'teapot' }, body: 'short and stout' },
    });
    const slow = await request(`${p.url}/slow`);
    expect(slow.status).toBe(429);
    expect(slow.headers['retry-after']).toBe('1');
    const custom = await request(`${p.url}/custom`, { method: 'POST', body: 'ignored' });
    expect([custom.status, custom.headers['x-why'], custom.text()]).toEqual([
      418,
      'teapot',
      'short and stout',
    ]);
    expect(received).toHaveLength(0);
  });

  it('resets the connection without an answer, then lets the next request through', async () => {
    const p = await proxy();
    p.addRule({ path: /^\/x$/, fault: 'reset', times: 1 });
    expect(await statusOf(`${p.url}/x`)).toBe('reset');
    expect(await statusOf(`${p.url}/x`)).toBe(201);
    expect(p.log).toEqual([
      { method: 'GET', path: '/x', fault: 'reset' },
      { method: 'GET', path: '/x' },
    ]);
  });

  it('lost-reply: the target gets the request and acts on it, the client sees only a reset', async () => {
    const p = await proxy();
    p.addRule({ method: 'PATCH', path: /^\/apps\/a$/, fault: 'lost-reply', times: 1 });
    expect(await statusOf(`${p.url}/apps/a`, 'PATCH')).toBe('reset');
    expect(received.map((r) => `${r.method} ${r.url}`)).toEqual(['PATCH /apps/a']);
    expect(await statusOf(`${p.url}/apps/a`, 'PATCH')).toBe(201);
    expect(p.log.map((e) => e.fault)).toEqual(['lost-reply', undefined]);
  });

  it('forwardFirst: the target gets the request and acts on it, the client gets the fault’s status', async () => {
    const p = await proxy();
    p.addRule({ path: /^\/apps\/b$/, fault: { status: 503, forwardFirst: true }, times: 1 });
    expect(await statusOf(`${p.url}/apps/b`, 'PUT')).toBe(503);
    expect(received.map((r) => `${r.method} ${r.url}`)).toEqual(['PUT /apps/b']);
    expect(p.log.map((e) => e.fault)).toEqual(['503']);
  });

  it('trickle: the answer arrives whole, but a byte every `trickleMs`', async () => {
    const p = await proxy();
    p.addRule({ path: /^\/slow$/, fault: { trickleMs: 20 } });
    const started = Date.now();
    const res = await request(`${p.url}/slow`);
    // "GET /slow " is 10 bytes: at least 9 intervals between the first byte and the last.
    expect(res.text()).toBe('GET /slow ');
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
    expect(p.log).toEqual([{ method: 'GET', path: '/slow', fault: 'trickle' }]);
  });

  it('checks rules in order, falls through exhausted ones, and forgets them on clearRules', async () => {
    const p = await proxy();
    p.addRule({ path: /^\/y/, fault: 500, times: 1 });
    p.addRule({ path: /^\/y/, fault: 502, times: 1 });
    expect([
      await statusOf(`${p.url}/y`),
      await statusOf(`${p.url}/y`),
      await statusOf(`${p.url}/y`),
    ]).toEqual([500, 502, 201]);
    p.addRule({ path: /./g, fault: 503 });
    expect([await statusOf(`${p.url}/z`), await statusOf(`${p.url}/z`)]).toEqual([503, 503]);
    p.clearRules();
    expect(await statusOf(`${p.url}/z`)).toBe(201);
  });

  describe('random faults', () => {
    const random: RandomFaults = { seed: 7, rate: 0.3 };
    const paths = Array.from({ length: 40 }, (_, i) => `/v2/r${i % 10}/manifests/${i}`);

    it('gives the same requests the same faults whatever the order and concurrency', async () => {
      const forwards = await faultsIn(paths, await proxy(random), false);
      const backwards = await faultsIn([...paths].reverse(), await proxy(random), true);
      expect(backwards).toEqual(forwards);
      const faulted = [...forwards.values()].filter((f) => f !== 'none');
      // 80 requests at 30%: some faults, not all, of more than one kind.
      expect(faulted.length).toBeGreaterThan(10);
      expect(faulted.length).toBeLessThan(40);
      expect(new Set(faulted).size).toBeGreaterThan(1);
      // Exactly the pure decision, request by request.
      for (const [key, fault] of forwards) {
        const [path, n] = key.split('#');
        const expected = randomFault(random, 'GET', path!, Number(n));
        expect(fault).toBe(expected === undefined ? 'none' : String(expected));
      }
    });

    it('gives another seed other faults, and none once turned off', async () => {
      const one = await faultsIn(paths, await proxy(random), false);
      const other = await faultsIn(paths, await proxy({ ...random, seed: 8 }), false);
      expect(other).not.toEqual(one);
      const p = await proxy(random);
      p.setRandom(undefined);
      await faultsIn(paths, p, true);
      expect(p.log.filter((e) => e.fault !== undefined)).toEqual([]);
    });

    it('faults about `rate` of the requests, spread over the faults given', () => {
      const counts = new Map<string, number>();
      const n = 20_000;
      for (let i = 0; i < n; i++) {
        const f = randomFault({ seed: 1, rate: 0.2 }, 'GET', `/v2/x/blobs/${i}`, 0);
        const key = f === undefined ? 'none' : String(f);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      expect(counts.get('none')! / n).toBeCloseTo(0.8, 1);
      for (const fault of ['500', '502', '503', '429', 'reset']) {
        expect(counts.get(fault)! / n).toBeCloseTo(0.04, 1);
      }
      expect(randomFault({ seed: 1, rate: 1, faults: [502] }, 'HEAD', '/a', 3)).toBe(502);
      expect(randomFault({ seed: 1, rate: 0 }, 'HEAD', '/a', 3)).toBeUndefined();
    });
  });

  it('refuses a target that is not on loopback', async () => {
    await expect(startFaultProxy({ target: 'http://192.0.2.1:5000' })).rejects.toThrow(/loopback only/);
  });
});
