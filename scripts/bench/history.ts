import { startMarathonEmulator, type MarathonEmulator } from '../../src/sandbox/marathon';
import { startLatencyProxy } from './latency-proxy';

/**
 * The `history` rows: an environment of many apps, each with as many stored versions as Marathon
 * keeps, read through the latency proxy cold (every version fetched) and warm (the version cache:
 * one list per app). Requests are counted in the emulator's own log, by kind.
 */

export interface HistoryRow {
  measure: string;
  project: string;
  baseline: string;
  ratio: number;
  target: string;
  met: boolean;
  notes?: string;
}

interface CliRun {
  ms: number;
  code: number;
  stdout: string;
  stderr: string;
}

/** What main.ts lends: its CLI runner and formatting, and the benchmark's settings. */
export interface HistoryBenchDeps {
  cli(args: string[]): Promise<CliRun>;
  mustSucceed(what: string, run: CliRun): CliRun;
  tmp(prefix: string): string;
  fmtMs(ms: number): string;
  log(s: string): void;
  quick: boolean;
  latencyMs: number;
  concurrency: number;
}

const GROUP = '/bench/hist';

/**
 * `versions` versions per app, oldest first, a day apart: a release every fifth, a change of
 * configuration or a scale in between, so every kind of version is read.
 */
function seedApps(emulator: MarathonEmulator, apps: number, versions: number): void {
  const start = Date.UTC(2026, 0, 1, 9);
  for (let a = 0; a < apps; a++) {
    const id = `${GROUP}/svc-${String(a).padStart(3, '0')}`;
    emulator.seedHistory(
      id,
      Array.from({ length: versions }, (_, v) => ({
        at: new Date(start + v * 86_400_000 + a * 60_000).toISOString(),
        definition: {
          instances: v % 5 === 3 ? 3 : 2,
          cpus: 0.1,
          mem: 64,
          env: { SERVICE_NAME: `svc-${a}`, LOG_LEVEL: v % 5 === 1 ? 'debug' : 'info' },
          labels: { team: 'bench' },
          container: {
            type: 'DOCKER',
            docker: { image: `registry.example.com/bench/svc-${a}:1.${Math.floor(v / 5)}.0-develop` },
          },
          healthChecks: [{ protocol: 'MESOS_HTTP', path: '/health', gracePeriodSeconds: 30 }],
        },
      })),
    );
  }
}

/** The requests of a run, by kind, from the emulator's log. */
function countRequests(emulator: MarathonEmulator, from: number) {
  const seen = emulator.requests.slice(from);
  const lists = seen.filter((r) => r.path.endsWith('/versions')).length;
  const versions = seen.filter((r) => /\/versions\/[^/]+$/.test(r.path)).length;
  return { total: seen.length, lists, versions, other: seen.length - lists - versions };
}

const describeCounts = (c: ReturnType<typeof countRequests>) =>
  `${c.lists} version lists, ${c.versions} versions, ${c.other} other`;

export async function historyRows(
  deps: HistoryBenchDeps,
): Promise<{ rows: HistoryRow[]; results: Record<string, unknown> }> {
  const apps = deps.quick ? 4 : 100;
  const versions = deps.quick ? 6 : 50;
  deps.log(
    `history: ${apps} apps x ${versions} versions on the Marathon emulator, +${deps.latencyMs} ms/request`,
  );
  const emulator = await startMarathonEmulator();
  try {
    seedApps(emulator, apps, versions);
    const proxy = await startLatencyProxy(emulator.url, deps.latencyMs);
    try {
      const cache = deps.tmp('history-cache');
      const args = ['history', '--marathon', proxy.url, '--group', GROUP, '--cache', cache, '--json'];
      const coldFrom = emulator.requests.length;
      const cold = deps.mustSucceed('history (cold)', await deps.cli(args));
      const coldCounts = countRequests(emulator, coldFrom);
      const warmFrom = emulator.requests.length;
      const warm = deps.mustSucceed('history (warm)', await deps.cli(args));
      const warmCounts = countRequests(emulator, warmFrom);
      if (cold.stdout !== warm.stdout) throw new Error('history printed different releases cold and warm');
      if (coldCounts.versions !== apps * versions)
        throw new Error(`history fetched ${coldCounts.versions} versions of ${apps * versions}`);

      // The longest chain: the app list, then a version list, then a version.
      const chain = 3;
      const lowerBound = (coldCounts.total * deps.latencyMs) / deps.concurrency + chain * deps.latencyMs;
      const rows: HistoryRow[] = [
        {
          measure: `history cold, ${apps} apps x ${versions} versions, +${deps.latencyMs} ms/request`,
          project: `${deps.fmtMs(cold.ms)} (${coldCounts.total} req)`,
          baseline: `${deps.fmtMs(lowerBound)} = ${coldCounts.total}x${deps.latencyMs}/${deps.concurrency} + ${chain}x${deps.latencyMs}`,
          ratio: cold.ms / lowerBound,
          target: 'within 1.5x of the bound',
          met: cold.ms / lowerBound <= 1.5,
          notes: describeCounts(coldCounts),
        },
        {
          measure: 'history warm (version cache)',
          project: `${deps.fmtMs(warm.ms)} (${warmCounts.total} req)`,
          baseline: `${apps} version lists (one per app)`,
          ratio: warmCounts.lists / apps,
          target: '<= 1 version list per app, no version',
          met: warmCounts.lists <= apps && warmCounts.versions === 0,
          notes: `${describeCounts(warmCounts)}; ${deps.fmtMs(cold.ms)} cold`,
        },
      ];
      return {
        rows,
        results: {
          apps,
          versions,
          coldMs: cold.ms,
          warmMs: warm.ms,
          cold: coldCounts,
          warm: warmCounts,
          lowerBoundMs: lowerBound,
        },
      };
    } finally {
      await proxy.close();
    }
  } finally {
    await emulator.close();
  }
}
