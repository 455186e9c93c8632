import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireBinary } from './binaries';
import { freePort } from './ports';
import { request } from './http';

/**
 * A real CNCF distribution 2.8 (Debian's docker-registry) on a loopback port, for integration tests.
 */
export interface RealRegistry {
  url: string;
  port: number;
  /** user:password when started with htpasswd auth. */
  basic?: { user: string; password: string };
  stop(): Promise<void>;
}

export interface RealRegistryOptions {
  /** Protect it with htpasswd (bcrypt) basic auth. */
  basic?: { user: string; password: string };
}

export async function startDockerRegistry(options: RealRegistryOptions = {}): Promise<RealRegistry> {
  const bin = requireBinary('docker-registry');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rollback-registry-'));
  mkdirSync(path.join(dir, 'data'));
  let auth = '';
  if (options.basic) {
    requireBinary('htpasswd');
    const line = execFileSync('htpasswd', ['-Bbn', options.basic.user, options.basic.password], {
      encoding: 'utf8',
    });
    writeFileSync(path.join(dir, 'htpasswd'), line);
    auth = `auth:\n  htpasswd:\n    realm: basic-realm\n    path: ${dir}/htpasswd\n`;
  }
  // The port race (free now, taken before the registry binds) is retried a few times.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const config = path.join(dir, 'config.yml');
    writeFileSync(
      config,
      `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${dir}/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
${auth}`,
    );
    const child = spawn(bin, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    const url = `http://127.0.0.1:${port}`;
    if (await waitUntilUp(url, child)) {
      return {
        url,
        port,
        basic: options.basic,
        stop: async () => {
          await stopChild(child);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    await stopChild(child);
    if (attempt === 4) throw new Error(`docker-registry did not start: ${stderr.slice(-500)}`);
  }
  throw new Error('unreachable');
}

async function waitUntilUp(url: string, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    try {
      const res = await request(`${url}/v2/`);
      if (res.status === 200 || res.status === 401) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
