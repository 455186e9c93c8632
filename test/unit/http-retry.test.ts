import type { AxiosInstance, AxiosRequestConfig, AxiosResponse } from 'axios';
import {
  backoffDelay,
  defaultRetryPolicy,
  isRetryableStatus,
  requestWithRetry,
  type RetryPolicy,
} from '../../src/http/retry';

/**
 * The retry policy every HTTP client of the helper shares, against a scripted axios stand-in and a
 * fake clock: which answers are tried again for which methods, and how long it may all take.
 */

type Step = number | { status: number; headers?: Record<string, string> } | { error: string };

/** An axios instance that answers each request with the next step; `took` ms pass per attempt. */
function scripted(steps: Step[], clock: { t: number }, took = 0) {
  const sent: AxiosRequestConfig[] = [];
  const http = {
    request: async (config: AxiosRequestConfig) => {
      sent.push(config);
      clock.t += took;
      const step = steps.shift();
      if (step === undefined) throw new Error('more requests than the script has answers');
      if (typeof step === 'object' && 'error' in step) {
        throw Object.assign(new Error(step.error), { code: step.error });
      }
      const { status, headers = {} } = typeof step === 'number' ? { status: step } : step;
      return { status, headers, data: '', config } as unknown as AxiosResponse;
    },
  } as unknown as AxiosInstance;
  return { http, sent };
}

function fakeTime(extra: Partial<RetryPolicy> = {}) {
  const clock = { t: 0 };
  const waits: number[] = [];
  const policy: RetryPolicy = {
    ...defaultRetryPolicy,
    random: () => 1, // the longest wait each time: the worst case
    now: () => clock.t,
    sleep: async (ms) => {
      waits.push(ms);
      clock.t += ms;
    },
    ...extra,
  };
  return { clock, waits, policy };
}

describe('requestWithRetry', () => {
  it('retries a 500 for GET and HEAD, which change nothing', async () => {
    for (const method of ['GET', 'HEAD', 'get']) {
      const { clock, waits, policy } = fakeTime();
      const { http, sent } = scripted([500, 500, 200], clock);
      const res = await requestWithRetry(http, { method, url: '/v2/' }, policy);
      expect(res.status).toBe(200);
      expect(sent).toHaveLength(3);
      expect(waits).toEqual([100, 200]);
    }
  });

  it('does not repeat a PUT, POST or DELETE that got a 500: the server may have acted on it', async () => {
    for (const method of ['PUT', 'POST', 'DELETE', 'patch']) {
      const { clock, waits, policy } = fakeTime();
      const { http, sent } = scripted([500], clock);
      const res = await requestWithRetry(http, { method, url: '/v2/apps/x' }, policy);
      expect(res.status).toBe(500);
      expect(sent).toHaveLength(1);
      expect(waits).toEqual([]);
    }
  });

  it('retries 429, 500, 502, 503 and 504 for reads only, and never 401, 403 or 404', async () => {
    for (const status of [429, 500, 502, 503, 504]) {
      expect(isRetryableStatus(status, 'GET', defaultRetryPolicy)).toBe(true);
      expect(isRetryableStatus(status, undefined, defaultRetryPolicy)).toBe(true); // axios's default is GET
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'])
        expect(isRetryableStatus(status, method, defaultRetryPolicy)).toBe(false);
    }
    for (const status of [200, 400, 401, 403, 404, 409, 422, 501]) {
      expect(isRetryableStatus(status, 'GET', defaultRetryPolicy)).toBe(false);
    }
    const { clock, policy } = fakeTime();
    const { http, sent } = scripted([403], clock);
    expect((await requestWithRetry(http, { url: '/x' }, policy)).status).toBe(403);
    expect(sent).toHaveLength(1);
  });

  it('sends a POST again only when it cannot have reached the server', async () => {
    for (const code of ['ECONNREFUSED', 'EAI_AGAIN']) {
      const { clock, policy } = fakeTime();
      const { http, sent } = scripted([{ error: code }, 200], clock);
      expect((await requestWithRetry(http, { method: 'POST', url: '/a' }, policy)).status).toBe(200);
      expect(sent).toHaveLength(2);
    }
    // The server may have read it before the connection dropped or the time ran out.
    for (const code of ['ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED', 'EPIPE']) {
      const { clock, policy } = fakeTime();
      const { http, sent } = scripted([{ error: code }, 200], clock);
      await expect(requestWithRetry(http, { method: 'POST', url: '/a' }, policy)).rejects.toMatchObject({
        code,
      });
      expect(sent).toHaveLength(1);
    }
    for (const status of [429, 503]) {
      const { clock, policy } = fakeTime();
      const { http, sent } = scripted([{ status, headers: { 'retry-after': '1' } }, 200], clock);
      expect((await requestWithRetry(http, { method: 'POST', url: '/a' }, policy)).status).toBe(status);
      expect(sent).toHaveLength(1);
    }
  });

  it('gives up after `retries` retries and hands back the last answer, within about 10 s', async () => {
    const { clock, waits, policy } = fakeTime();
    const { http, sent } = scripted(Array<Step>(20).fill(503), clock);
    const res = await requestWithRetry(http, { method: 'GET', url: '/v2/' }, policy);
    expect(res.status).toBe(503);
    expect(sent).toHaveLength(defaultRetryPolicy.retries + 1);
    // The worst case of full jitter: every ceiling, doubling from 100 ms up to 2 s.
    expect(waits).toEqual([100, 200, 400, 800, 1600, 2000, 2000, 2000]);
    expect(clock.t).toBe(9100);
    expect(clock.t).toBeLessThan(defaultRetryPolicy.maxTotalMs!);
  });

  it('waits as long as Retry-After says, and gives up at once when that is beyond its time', async () => {
    const { clock, waits, policy } = fakeTime();
    const { http } = scripted([{ status: 429, headers: { 'retry-after': '3' } }, 200], clock);
    expect((await requestWithRetry(http, { url: '/a' }, policy)).status).toBe(200);
    expect(waits).toEqual([3000]);

    const later = fakeTime();
    const { http: busy, sent } = scripted([{ status: 503, headers: { 'retry-after': '120' } }], later.clock);
    expect((await requestWithRetry(busy, { url: '/a' }, later.policy)).status).toBe(503);
    expect(sent).toHaveLength(1);
    expect(later.waits).toEqual([]);
  });

  it('retries network failures, but starts no retry 15 s after the first attempt', async () => {
    const quick = fakeTime();
    const reset = scripted([{ error: 'ECONNRESET' }, { error: 'ECONNREFUSED' }, 200], quick.clock);
    expect((await requestWithRetry(reset.http, { url: '/a' }, quick.policy)).status).toBe(200);
    expect(reset.sent).toHaveLength(3);

    // Attempts that each hang 10 s before timing out: one retry, then the error, not nine times 10 s.
    const slow = fakeTime();
    const hung = scripted(
      Array.from({ length: 9 }, (): Step => ({ error: 'ETIMEDOUT' })),
      slow.clock,
      10_000,
    );
    await expect(requestWithRetry(hung.http, { url: '/a' }, slow.policy)).rejects.toMatchObject({
      code: 'ETIMEDOUT',
    });
    expect(hung.sent).toHaveLength(2);
    expect(slow.clock.t).toBeLessThan(25_000);
  });

  it('does not retry a certificate or DNS error: waiting does not fix configuration', async () => {
    for (const code of ['DEPTH_ZERO_SELF_SIGNED_CERT', 'ENOTFOUND', 'ERR_CANCELED']) {
      const { clock, policy } = fakeTime();
      const { http, sent } = scripted([{ error: code }, 200], clock);
      await expect(requestWithRetry(http, { url: '/a' }, policy)).rejects.toMatchObject({ code });
      expect(sent).toHaveLength(1);
    }
  });

  it('stops waiting as soon as the request is cancelled', async () => {
    const controller = new AbortController();
    const clock = { t: 0 };
    const { http, sent } = scripted([{ status: 503, headers: { 'retry-after': '10' } }, 200], clock);
    setTimeout(() => controller.abort(), 20);
    const started = Date.now();
    // The real sleep: the abort must end it long before Retry-After's 10 s.
    const { sleep: _fake, now: _now, ...real } = fakeTime().policy;
    await requestWithRetry(http, { url: '/a', signal: controller.signal }, { ...real, random: Math.random });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(sent).toHaveLength(2);
  });
});

describe('backoffDelay', () => {
  it('draws full jitter below a ceiling that doubles up to maxDelayMs', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map((a) => backoffDelay(a, defaultRetryPolicy, () => 1))).toEqual([
      100, 200, 400, 800, 1600, 2000, 2000,
    ]);
    expect(backoffDelay(3, defaultRetryPolicy, () => 0)).toBe(0);
  });
});
