import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import {
  createHttpClient,
  DEFAULT_DEADLINE_MS,
  DeadlineError,
  exceededAnswerLimit,
} from '../../src/http/client';
import { createRequester, type AnswerRequest } from '../../src/http/requester';
import { requestWithRetry, withRetries } from '../../src/http/retry';

/**
 * Every request ends by its total deadline, however the answer trickles in, and at once when the
 * caller's AbortSignal aborts (a cancelled watch, an interrupted run): through the shared axios
 * client (Marathon, Slack, token services) and through the registry's own.
 * Against a loopback server that sends its answer one byte every 200 ms for 8 s: well past any
 * deadline used here, short enough that a client without one still finishes the test.
 */

interface Trickle {
  url: string;
  requests: number;
  stop(): Promise<void>;
}

async function startTrickle(): Promise<Trickle> {
  const state = { requests: 0 };
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    state.requests++;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 40 });
    let sent = 0;
    const timer = setInterval(() => {
      res.write(sent < 39 ? ' ' : '1');
      if (++sent === 40) {
        clearInterval(timer);
        res.end();
      }
    }, 200);
    timers.add(timer);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`,
    get requests() {
      return state.requests;
    },
    stop: () =>
      new Promise((resolve) => {
        for (const t of timers) clearInterval(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let trickle: Trickle;
beforeAll(async () => {
  trickle = await startTrickle();
});
afterAll(() => trickle?.stop());

const seconds = (since: number) => (Date.now() - since) / 1000;

describe('a request of the shared HTTP client', () => {
  it('has a total deadline of a minute by default', () => {
    expect(DEFAULT_DEADLINE_MS).toBe(60_000);
  });

  // Redirects followed by axios or by the caller (the registry client): two code paths in axios.
  it.each([5, 0])(
    'ends at its deadline though bytes keep coming, and is not sent again (maxRedirects %d)',
    async (maxRedirects) => {
      const client = createHttpClient({ deadlineMs: 1_000, timeoutMs: 5_000 });
      const before = trickle.requests;
      const started = Date.now();
      const err = await requestWithRetry(client, { url: trickle.url, maxRedirects }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeadlineError);
      expect((err as Error).message).toBe('no complete answer within 1 s');
      // Far below the 8 s the answer takes; how far depends on the machine's load.
      expect(seconds(started)).toBeLessThan(6);
      expect(trickle.requests - before).toBe(1);
    },
  );

  it('ends at once when its signal aborts, in flight', async () => {
    const client = createHttpClient();
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 300);
    const err = await requestWithRetry(client, { url: trickle.url, signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'ERR_CANCELED' });
    expect(seconds(started)).toBeLessThan(6);
  });

  it('is not sent when its signal has aborted already', async () => {
    const client = createHttpClient();
    const before = trickle.requests;
    const err = await client.get(trickle.url, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_CANCELED' });
    expect(trickle.requests).toBe(before);
  });
});

/** One request of the registry's own client, to the trickling server unless told otherwise. */
const get = (request: Partial<AnswerRequest> = {}, options = {}) =>
  createRequester(options)({
    method: 'GET',
    url: new URL(trickle.url),
    headers: {},
    maxBytes: 1024,
    ...request,
  });

describe("a request of the registry's own client", () => {
  it('ends at its deadline though bytes keep coming, and is not sent again', async () => {
    const before = trickle.requests;
    const started = Date.now();
    const err = await withRetries(() => get({}, { deadlineMs: 1_000, timeoutMs: 5_000 }), 'GET').catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeadlineError);
    expect(seconds(started)).toBeLessThan(6);
    expect(trickle.requests - before).toBe(1);
  });

  it('ends at once when its signal aborts, in flight, and is not sent when it has aborted already', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 300);
    await expect(get({ signal: controller.signal })).rejects.toMatchObject({ code: 'ERR_CANCELED' });
    expect(seconds(started)).toBeLessThan(6);
    const before = trickle.requests;
    await expect(get({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ERR_CANCELED' });
    expect(trickle.requests).toBe(before);
  });

  it('ends when the answer goes over its size limit, and says which limit', async () => {
    const err = await get({ maxBytes: 3 }).catch((e: unknown) => e);
    expect(exceededAnswerLimit(err)).toBe(3);
  });

  it('decodes a body the server compressed unasked', async () => {
    const body = JSON.stringify({ name: 'app', tags: ['1-develop'] });
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
      res.end(gzipSync(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/app/tags/list`);
      const answer = await get({ url });
      expect(answer.data.toString()).toBe(body);
      expect(await get({ url, maxBytes: 10 }).catch((e: unknown) => exceededAnswerLimit(e))).toBe(10);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
