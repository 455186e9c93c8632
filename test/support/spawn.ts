import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface Spawned {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run a process to its end and collect its output. Asynchronous on purpose: the servers a test
 * talks to (embedded registry, Marathon emulator) often live in the test's own process, and a
 * synchronous spawn would block them.
 */
export function spawnCollect(
  command: string,
  args: string[],
  options: Omit<SpawnOptions, 'stdio'> = {},
  onSpawn?: (child: ChildProcess) => void,
): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    onSpawn?.(child);
  });
}
