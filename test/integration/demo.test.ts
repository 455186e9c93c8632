import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const BUNDLE = path.join(ROOT, 'resources', 'rollback', 'rollback.cjs');

/** The arguments of the sandbox's printed command containing `marker`, /tmp/rb made `dump`. */
function printed(out: string, marker: string, dump: string): string[] {
  const line = out
    .split('\n')
    .find((l) => l.includes(marker))!
    .trim();
  return line
    .replace(/^node \S+ /, '')
    .split(' ')
    .map((a) => (a === '/tmp/rb' ? dump : a));
}

describe('the newcomer demo', () => {
  it('tells the whole story through the real CLI and exits 0 in under 30 s', () => {
    const started = Date.now();
    const res = spawnSync(process.execPath, [BUNDLE, 'demo'], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 60_000,
    });
    const seconds = (Date.now() - started) / 1000;
    expect(res.stderr).not.toMatch(/rollback: /); // no error line
    expect(res.status).toBe(0);
    const out = res.stdout;
    // Each step printed as the command a user would type, through the same CLI.
    expect(out).toMatch(
      /\$ rollback get --registry http:\/\/127\.0\.0\.1:\d+ --repo shop\/frontend,shop\/api,shop\/billing/,
    );
    expect(out).toMatch(/\$ rollback run --date \d{4}-\d{2}-\d{2} .*--dry-run/);
    // The dry-run plan marks billing as filled from an earlier day.
    expect(out).toMatch(
      /billing\s+\/ds\/dev\/shop\/billing\s+\S+\s+\S+\s+newest earlier image from \d{4}-\d{2}-\d{2}/,
    );
    expect(out).toMatch(/frontend\s+\/ds\/dev\/shop\/frontend\s+\S+\s+\S+\s+image of that day/);
    // The before/after table read back from the emulator: decoys untouched.
    expect(out).toMatch(/\/ds\/dev\/shop\/gateway-api\s+(\S+)\s+\1\s+decoy/);
    expect(out).toMatch(/\/ds\/dev2\/shop\/api\s+(\S+)\s+\1\s+decoy/);
    // Then Marathon's own history, and a rollback to yesterday noon, between two releases of that
    // day: api back on the hotfix it ran then (the day rule would give 1.6.0).
    expect(out).toMatch(/\$ rollback history --marathon http:\/\/127\.0\.0\.1:\d+ --group \/ds\/dev/);
    expect(out).toMatch(/^\d{4}-\d{2}-\d{2} 14:30:00 UTC {2}api 1\.5\.1-develop → 1\.6\.0-develop$/m);
    expect(out).toMatch(/\$ rollback run --at \d{4}-\d{2}-\d{2}T12:00:00Z --source marathon /);
    expect(out).toMatch(
      /^dev → \d{4}-\d{2}-\d{2} 12:00:00 UTC: api 1\.5\.1-develop, billing unchanged, frontend unchanged, gateway-api unchanged$/m,
    );
    expect(out).toContain('Demo finished.');
    // Progress went to stderr, as plain timestamped lines when not on a terminal.
    expect(res.stderr).toMatch(/^\d{2}:\d{2}:\d{2} .*billing.*1\.4\.0-develop/m);
    expect(seconds).toBeLessThan(30);
  });

  it('tells the same story on the Kubernetes emulator with --kubernetes', () => {
    const res = spawnSync(process.execPath, [BUNDLE, 'demo', '--kubernetes'], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '' },
      timeout: 60_000,
    });
    expect(res.stderr).not.toMatch(/rollback: /);
    expect(res.status).toBe(0);
    const out = res.stdout;
    expect(out).toMatch(
      /^\s+\$ rollback run --date \d{4}-\d{2}-\d{2} .*--kubernetes --namespace dev --dry-run$/m,
    );
    expect(out).toMatch(
      /^billing\s+deployment\/billing\/billing\s+1\.5\.0-develop\s+1\.4\.0-develop\s+newest earlier image from \d{4}-\d{2}-\d{2}$/m,
    );
    // Read back from the emulator: dev on yesterday's images, the decoys as they were.
    expect(out).toMatch(/dev\/api\/api\s+shop\/api:1\.7\.0-develop\s+shop\/api:1\.6\.0-develop$/m);
    expect(out).toMatch(/dev\/gateway-api\/gateway-api\s+(\S+)\s+\1\s+decoy/);
    expect(out).toMatch(/dev2\/api\/api\s+(\S+)\s+\1\s+decoy/);
    expect(out).toMatch(/^\s+2\s+rollback to \d{4}-\d{2}-\d{2}$/m);
    expect(out).toContain('Demo finished.');
  });

  it('sandbox keeps both servers up, prints the commands, and stops on SIGINT', async () => {
    const child = spawn(process.execPath, [BUNDLE, 'sandbox'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sandbox printed no prompt: ${out}`)), 20_000);
      child.stdout.on('data', () => {
        if (out.includes('Press Ctrl-C')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const registry = /registry:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    const marathon = /marathon:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    // The printed get command works against the running sandbox.
    const getLine = out
      .split('\n')
      .find((l) => l.includes(' get --registry'))!
      .trim();
    const dump = mkdtempSync(path.join(os.tmpdir(), 'rb-sandbox-'));
    const args = getLine
      .replace(/^node \S+ /, '')
      .split(' ')
      .map((a) => (a === '/tmp/rb' ? dump : a));
    const get = spawnSync(process.execPath, [BUNDLE, ...args], { encoding: 'utf8' });
    expect(existsSync(path.join(dump, 'rollback.json'))).toBe(true);
    expect(get.status).toBe(0);
    expect(get.stdout.trim().split('\n').length).toBeGreaterThan(5);
    expect(registry).not.toBe(marathon);
    // So do the printed history and run --at lines.
    const history = printed(out, ' history --marathon', dump);
    const listed = spawnSync(process.execPath, [BUNDLE, ...history], {
      encoding: 'utf8',
      env: { ...process.env, XDG_CACHE_HOME: dump },
    });
    expect(listed.status).toBe(0);
    expect(listed.stdout).toMatch(
      /^\d{4}-\d{2}-\d{2} 10:05:00 UTC {2}frontend 1\.4\.0-develop → 1\.5\.0-develop$/m,
    );
    const at = printed(out, ' run --at ', dump);
    expect(at).toEqual(expect.arrayContaining(['--source', 'marathon', '--with-config', '--dry-run']));
    const plan = spawnSync(process.execPath, [BUNDLE, ...at], {
      encoding: 'utf8',
      env: { ...process.env, XDG_CACHE_HOME: dump },
    });
    expect(plan.status).toBe(0);
    expect(plan.stdout).toMatch(
      /^api\s+1\.7\.0-develop → 1\.5\.1-develop\s+ran at \d{4}-\d{2}-\d{2} 12:00:00 UTC/m,
    );
    const code = await new Promise<number | null>((resolve) => {
      child.on('close', resolve);
      child.kill('SIGINT');
    });
    expect(code).toBe(0);
  });
});
