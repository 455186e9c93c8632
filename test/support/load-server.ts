import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import type { LoadServerInfo } from '../../scripts/bench/load-server';
import { request } from './http';

/**
 * The load world and its latency proxy (scripts/bench/load-server.ts) in a child process, bundled
 * on the fly: out of the Jest worker, whose nock interceptor would slow every forwarded request.
 */
export interface LoadServer extends LoadServerInfo {
  /** Requests the proxy saw since the last reset, by kind ("GET manifest", ...). */
  counts(): Promise<Record<string, number>>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const ENTRY = path.join(__dirname, '..', '..', 'scripts', 'bench', 'load-server.ts');

export async function startLoadServer(spec: {
  repositories: number;
  tagsPerRepository: number;
  latencyMs: number;
  /** The environments every image is tagged for (default: the load world's four). */
  environments?: readonly string[];
}): Promise<LoadServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rollback-load-server-'));
  const bundle = path.join(dir, 'load-server.cjs');
  buildSync({
    entryPoints: [ENTRY],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
  });
  const child = spawn(
    process.execPath,
    [
      bundle,
      String(spec.repositories),
      String(spec.tagsPerRepository),
      String(spec.latencyMs),
      ...(spec.environments ? [spec.environments.join(',')] : []),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const info = await new Promise<LoadServerInfo>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const end = out.indexOf('\n');
      if (end >= 0) resolve(JSON.parse(out.slice(0, end)) as LoadServerInfo);
    });
    child.once('exit', (code) => reject(new Error(`load server exited (${code}): ${stderr}`)));
    child.once('error', reject);
  });
  return {
    ...info,
    counts: async () => (await request(`${info.control}/counts`)).json<Record<string, number>>(),
    reset: async () => {
      await request(`${info.control}/reset`, { method: 'POST' });
    },
    stop: async () => {
      child.stdin!.end();
      // A server that does not stop by itself within a few seconds is ended by its pid.
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
