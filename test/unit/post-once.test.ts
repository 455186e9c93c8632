import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpClient } from '../../src/http/client';
import { defaultRetryPolicy, type RetryPolicy } from '../../src/http/retry';
import { marathonAuthFromEnv } from '../../src/marathon/auth';
import { slackFromEnv } from '../../src/notify/slack';
import type { Logger } from '../../src/util/log';
import { freePort } from '../support/ports';

/**
 * A POST that may have reached the server is never sent again: the Slack message and the DC/OS
 * login, against a loopback server that counts the POSTs it received and answers 500, 503 or drops
 * the connection after reading the whole request. Only a refused connection is tried again.
 */

type Answer = 500 | 503 | 'reset' | 200;

interface CountingServer {
  url: string;
  posts: number;
  stop(): Promise<void>;
}

async function startCounting(answer: Answer, port = 0): Promise<CountingServer> {
  const state = { posts: 0 };
  const server = http.createServer((req, res) => {
    if (req.method === 'POST') state.posts++;
    req.resume();
    req.on('end', () => {
      if (answer === 'reset') return req.socket.destroy();
      const body = answer === 200 ? JSON.stringify({ token: 'a-fresh-dcos-token' }) : 'overloaded';
      res.writeHead(answer, { 'Content-Type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get posts() {
      return state.posts;
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const servers: CountingServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function counting(answer: Answer, port?: number): Promise<CountingServer> {
  const server = await startCounting(answer, port);
  servers.push(server);
  return server;
}

const warnings: string[] = [];
const logger: Logger = { info() {}, warn: (m) => void warnings.push(m), status() {}, done() {} };

/** The default policy without waiting; `onWait` runs in place of each backoff. */
const noWait = (onWait: () => Promise<void> = async () => {}): RetryPolicy => ({
  ...defaultRetryPolicy,
  sleep: onWait,
});

describe('the Slack POST', () => {
  it.each<Answer>([500, 503, 'reset'])('is sent once when Slack answers %s', async (answer) => {
    const slack = await counting(answer);
    warnings.length = 0;
    // Slack's own retry policy, real waits and all (well under a second).
    const notifier = slackFromEnv({ SLACK_WEBHOOK_URL: `${slack.url}/services/T0/B0/xyz` }, { logger })!;
    await notifier.post('rolling back /ds/dev to 2026-11-27');
    expect(slack.posts).toBe(1);
    expect(warnings).toHaveLength(1); // and the rollback goes on
  });

  it('is sent again when the first attempt was refused, and then arrives once', async () => {
    const port = await freePort();
    let slack: CountingServer | undefined;
    const notifier = slackFromEnv(
      { SLACK_WEBHOOK_URL: `http://127.0.0.1:${port}/services/T0/B0/xyz` },
      // Nobody listens at first; Slack comes up during the backoff.
      { logger, retry: noWait(async () => void (slack ??= await counting(200, port))) },
    )!;
    await notifier.post('hello');
    expect(slack?.posts).toBe(1);
  });
});

describe('the DC/OS login POST', () => {
  const env = { DCOS_USER: 'oncall', DCOS_PASSWORD: 'dcos-password-for-test' };

  it.each<Answer>([500, 503, 'reset'])('is sent once when the login answers %s', async (answer) => {
    const dcos = await counting(answer);
    const auth = marathonAuthFromEnv({ kind: 'dcos', url: dcos.url }, env, {
      http: createHttpClient(),
      retry: noWait(),
    });
    await expect(auth.header()).rejects.toMatchObject({ exitCode: 3 });
    expect(dcos.posts).toBe(1);
  });

  it('is sent again when the first attempt was refused', async () => {
    const port = await freePort();
    let dcos: CountingServer | undefined;
    const auth = marathonAuthFromEnv({ kind: 'dcos', url: `http://127.0.0.1:${port}` }, env, {
      http: createHttpClient(),
      retry: noWait(async () => void (dcos ??= await counting(200, port))),
    });
    expect(await auth.header()).toBe('token=a-fresh-dcos-token');
    expect(dcos?.posts).toBe(1);
  });
});
