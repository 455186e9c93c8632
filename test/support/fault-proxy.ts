import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A reverse proxy on loopback that injects faults in front of a real server (the registry, the
 * Marathon emulator): error statuses, 429 with Retry-After, a connection reset without an answer,
 * or, after the target has acted on the request, its answer lost or trickled a byte at a time. Faults come from rules (this path, these times) or at random from a seed, decided per
 * request from (seed, method, path, how many times that method+path was seen), so that a seed
 * gives the same faults to the same requests however concurrent requests interleave.
 *
 * Everything not faulted is forwarded as it is: method, path, headers (Host rewritten to the
 * target) and streamed bodies both ways. Absolute URLs of the target in Location and Link are
 * pointed back at the proxy, so that a client following them stays behind it.
 */

export type Fault =
  | 500
  | 502
  | 503
  | 429
  | 'reset'
  | StatusFault
  /** Forwarded, so the target acts on it, but its answer is dropped: the connection is reset. */
  | 'lost-reply'
  /** Forwarded, and the answer relayed one byte every `trickleMs`: an idle timeout never fires. */
  | { trickleMs: number };

export interface StatusFault {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Forward the request first (the target acts on it), then answer this instead of its answer. */
  forwardFirst?: boolean;
}

export interface FaultRule {
  /** Default: any. */
  method?: string;
  /** Matched against the request path including the query. */
  path: RegExp;
  fault: Fault;
  /** How many matching requests get the fault (default: unlimited). */
  times?: number;
  /** Let the first N matching requests through first (default 0). */
  after?: number;
}

export interface RandomFaults {
  seed: number;
  /** Share of requests that get a fault, 0..1. */
  rate: number;
  /** Default: 500, 502, 503, 429 and reset. */
  faults?: Fault[];
}

export interface FaultLogEntry {
  method: string;
  path: string;
  /** The fault injected ('503', '429', 'reset', ...), undefined when passed through. */
  fault?: string;
}

export interface FaultProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Every request seen, in order: the fault injected, or undefined when passed through. */
  log: FaultLogEntry[];
  addRule(rule: FaultRule): void;
  clearRules(): void;
  /**
   * Random faults: `rate` of the requests get one of `faults`, decided from (seed, method, path,
   * how many times this method+path was seen) so the outcome does not depend on the interleaving
   * of concurrent requests. undefined turns them off.
   */
  setRandom(random: RandomFaults | undefined): void;
  close(): Promise<void>;
}

export const DEFAULT_RANDOM_FAULTS: readonly Fault[] = [500, 502, 503, 429, 'reset'];

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

interface ActiveRule {
  rule: FaultRule;
  matched: number;
  injected: number;
}

export function faultName(fault: Fault): string {
  if (typeof fault !== 'object') return String(fault);
  return 'trickleMs' in fault ? 'trickle' : String(fault.status);
}

/** Faults that need the target's answer: the request is forwarded first. */
type AfterForward = 'lost-reply' | { trickleMs: number } | (StatusFault & { forwardFirst: true });

function isAfterForward(fault: Fault): fault is AfterForward {
  return (
    fault === 'lost-reply' ||
    (typeof fault === 'object' && ('trickleMs' in fault || fault.forwardFirst === true))
  );
}

/** Relay `up` one byte at a time; stops when the client goes away. */
function trickle(up: http.IncomingMessage, res: http.ServerResponse, everyMs: number): void {
  const chunks: Buffer[] = [];
  let body: Buffer | undefined;
  let sent = 0;
  up.on('data', (c: Buffer) => chunks.push(c));
  up.on('end', () => (body = Buffer.concat(chunks)));
  const timer = setInterval(() => {
    if (!body) return;
    if (sent >= body.length) {
      clearInterval(timer);
      res.end();
      return;
    }
    res.write(body.subarray(sent, sent + 1));
    sent++;
  }, everyMs);
  res.on('close', () => clearInterval(timer));
}

/**
 * The random decision for one request, a pure function of its inputs: the first 32 bits of a
 * hash say whether it is faulted, the next 32 which fault.
 */
export function randomFault(
  random: RandomFaults,
  method: string,
  path: string,
  occurrence: number,
): Fault | undefined {
  const faults = random.faults ?? DEFAULT_RANDOM_FAULTS;
  if (random.rate <= 0 || faults.length === 0) return undefined;
  const hash = createHash('sha256').update(`${random.seed}\0${method}\0${path}\0${occurrence}`).digest();
  if (hash.readUInt32BE(0) / 2 ** 32 >= random.rate) return undefined;
  return faults[hash.readUInt32BE(4) % faults.length];
}

/** Answer with the fault instead of forwarding. */
function inject(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  fault: Exclude<Fault, AfterForward>,
): void {
  if (fault === 'reset') {
    req.socket.destroy();
    return;
  }
  // Read what the client sends before answering, so the connection stays usable for the next.
  req.resume();
  req.on('end', () => answer(res, fault));
}

function answer(res: http.ServerResponse, fault: 500 | 502 | 503 | 429 | StatusFault): void {
  const status = typeof fault === 'object' ? fault.status : fault;
  const body = Buffer.from(
    typeof fault === 'object' && fault.body !== undefined ? fault.body : `injected fault ${status}\n`,
  );
  const headers: Record<string, string | number> = {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    ...(status === 429 ? { 'Retry-After': '1' } : {}),
    ...(typeof fault === 'object' ? fault.headers : {}),
  };
  res.writeHead(status, headers);
  res.end(body);
}

export async function startFaultProxy(options: {
  target: string;
  random?: RandomFaults;
}): Promise<FaultProxy> {
  const target = new URL(options.target);
  if (target.protocol !== 'http:' || !LOOPBACK.has(target.hostname)) {
    throw new Error(`the fault proxy forwards to plain http on loopback only, not to ${options.target}`);
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const rules: ActiveRule[] = [];
  const seen = new Map<string, number>();
  const log: FaultLogEntry[] = [];
  let random = options.random;
  let self = '';

  const choose = (method: string, path: string): Fault | undefined => {
    const key = `${method} ${path}`;
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    for (const active of rules) {
      const { rule } = active;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) continue;
      rule.path.lastIndex = 0; // a /g or /y pattern would otherwise remember where it stopped
      if (!rule.path.test(path)) continue;
      active.matched++;
      if (active.matched <= (rule.after ?? 0)) continue;
      if (rule.times !== undefined && active.injected >= rule.times) continue;
      active.injected++;
      return rule.fault;
    }
    return random ? randomFault(random, method, path, occurrence) : undefined;
  };

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, fault?: AfterForward) => {
    const out = http.request(
      {
        host: target.hostname.replace(/^\[|\]$/g, ''),
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
        agent,
      },
      (up) => {
        if (fault === 'lost-reply' || (typeof fault === 'object' && 'status' in fault)) {
          up.resume();
          if (fault === 'lost-reply') req.socket.destroy();
          else answer(res, fault);
          return;
        }
        const headers = { ...up.headers };
        for (const name of ['link', 'location'] as const) {
          const value = headers[name];
          if (typeof value === 'string') headers[name] = value.split(target.origin).join(self);
        }
        res.writeHead(up.statusCode ?? 502, up.statusMessage, headers);
        if (fault) trickle(up, res, fault.trickleMs);
        else up.pipe(res);
        up.on('error', () => res.destroy());
      },
    );
    out.on('error', () => {
      // The target itself failed: the client sees what a broken upstream looks like.
      if (res.headersSent) res.destroy();
      else {
        res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end('fault proxy: the target did not answer\n');
      }
    });
    req.pipe(out);
  };

  const server = http.createServer((req, res) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const path = req.url ?? '/';
    const fault = choose(method, path);
    log.push(fault === undefined ? { method, path } : { method, path, fault: faultName(fault) });
    if (fault === undefined) forward(req, res);
    else if (isAfterForward(fault)) forward(req, res, fault);
    else inject(req, res, fault);
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  self = `http://127.0.0.1:${port}`;

  return {
    url: self,
    port,
    log,
    addRule: (rule) => {
      rules.push({ rule, matched: 0, injected: 0 });
    },
    clearRules: () => {
      rules.length = 0;
    },
    setRandom: (next) => {
      random = next;
    },
    close: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
