import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/main';
import { parseCatalog, type Catalog } from '../../src/plan/catalog';

/** Shared by the get-*.test.ts suites: run `rollback get` in-process and read what it wrote. */

export interface GetRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout as dates. */
  dates: string[];
  dir: string;
  catalog(): Catalog;
}

export function collector(): NodeJS.WritableStream & { text: string } {
  const sink = {
    text: '',
    write(chunk: string | Uint8Array) {
      sink.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    },
  };
  return sink as unknown as NodeJS.WritableStream & { text: string };
}

const dirs: string[] = [];

export function tempDir(prefix = 'get'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `rollback-${prefix}-`));
  dirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * `rollback get ARGS` with `--dump` in a fresh folder (unless given) and no cache unless the
 * arguments choose one (or `defaultCache`); `env` replaces the process environment entirely.
 */
export async function runGet(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  options: { defaultCache?: boolean } = {},
): Promise<GetRun> {
  const dir = args.includes('--dump') ? args[args.indexOf('--dump') + 1]! : tempDir();
  const extra = [
    ...(args.includes('--dump') ? [] : ['--dump', dir]),
    ...(args.includes('--cache') || args.includes('--no-cache') || options.defaultCache
      ? []
      : ['--no-cache']),
  ];
  const stdout = collector();
  const stderr = collector();
  const code = await main(['get', ...args, ...extra], { env, stdout, stderr, cwd: dir });
  return {
    code,
    stdout: stdout.text,
    stderr: stderr.text,
    dates: stdout.text.split('\n').filter(Boolean),
    dir,
    catalog: () => {
      const file = path.join(dir, 'rollback.json');
      return parseCatalog(readFileSync(file, 'utf8'), file);
    },
  };
}

/** `2026-11-DDT12:00:00Z` for day `d` of November 2026. */
export const nov = (d: number, time = '12:00:00') => `2026-11-${String(d).padStart(2, '0')}T${time}Z`;
