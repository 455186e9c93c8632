import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpClient, DEFAULT_DEADLINE_MS, DeadlineError } from '../../src/http/client';
import { requestWithRetry } from '../../src/http/retry';

/**
 * Every request of the shared HTTP client ends by its total deadline, however the answer trickles
 * in, and at once when the caller's AbortSignal aborts (a cancelled watch, an interrupted run).
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
