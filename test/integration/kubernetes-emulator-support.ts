import { execFileSync } from 'node:child_process';
import https from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IssuedCertificate, JsonObject, KubernetesEmulator } from '../../src/sandbox/kubernetes';
import { requireBinary } from '../support/binaries';
import { spawnCollect, type Spawned } from '../support/spawn';

/** Helpers of the Kubernetes emulator's tests: HTTPS calls as a client makes them, polling, and kubectl. */

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json<T = JsonObject>(): T;
}

export interface CallOptions {
  body?: unknown;
  contentType?: string;
  accept?: string;
  /** Bearer token; default the emulator's default user's; null = none. */
  token?: string | null;
  certificate?: IssuedCertificate;
}

export function call(
  em: KubernetesEmulator,
  method: string,
  urlPath: string,
  options: CallOptions = {},
): Promise<Answer> {
  const headers: Record<string, string> = { Accept: options.accept ?? 'application/json' };
  const token = options.token === undefined ? em.token() : options.token;
  if (token !== null) headers['Authorization'] = `Bearer ${token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['Content-Type'] = options.contentType ?? 'application/json';
  }
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${em.url}${urlPath}`,
      {
        method,
        headers,
        ca: em.caCert,
        cert: options.certificate?.cert,
        key: options.certificate?.key,
        agent: false, // no pooled keep-alive sockets left behind when a test ends
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: <T>() => JSON.parse(text) as T,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Polls until `done` holds; generous limit for a loaded 2-core machine. */
export async function until<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  limitMs = 30_000,
): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() - start > limitMs)
      throw new Error(`condition not reached after ${limitMs} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Reads a nested field of an object from the API, for short assertions. */
export function at(object: unknown, ...keys: Array<string | number>): any {
  let current: any = object;
  for (const k of keys) current = current?.[k];
  return current;
}

export interface Kubectl {
  /** The client's minor version: 32 here; CI machines without kubectl get Debian's, 1.20. */
  minor: number;
  run(kubeconfig: string, ...args: string[]): Promise<Spawned>;
  /** Runs kubectl and hands its stdout over as it comes (for commands that wait). */
  watch(kubeconfig: string, args: string[], onStdout: (text: string) => void): Promise<Spawned>;
  cleanup(): void;
}

/** The real kubectl with its own discovery cache, so no test file sees another's (or a stale) cache. */
export function kubectl(): Kubectl {
  const binary = requireBinary('kubectl');
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'kubectl-cache-'));
  const env = { ...process.env, KUBECACHEDIR: cacheDir, KUBECONFIG: '' };
  const version = JSON.parse(
    execFileSync(binary, ['version', '--client', '-o', 'json'], { encoding: 'utf8' }),
  ) as {
    clientVersion: { minor: string };
  };
  return {
    minor: parseInt(version.clientVersion.minor, 10),
    run: (kubeconfig, ...args) => spawnCollect(binary, ['--kubeconfig', kubeconfig, ...args], { env }),
    watch: (kubeconfig, args, onStdout) =>
      spawnCollect(binary, ['--kubeconfig', kubeconfig, ...args], { env }, (child) =>
        child.stdout!.on('data', (d: Buffer) => onStdout(d.toString('utf8'))),
      ),
    cleanup: () => rmSync(cacheDir, { recursive: true, force: true }),
  };
}
