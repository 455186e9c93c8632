import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildImage } from '../../src/sandbox/image-builder';
import {
  deploymentManifest,
  startKubernetesEmulator,
  type KubernetesEmulator,
} from '../../src/sandbox/kubernetes';
import { startEmbeddedRegistry, type EmbeddedRegistry } from '../../src/sandbox/registry';
import { spawnCollect } from '../../test/support/spawn';

/**
 * The Kubernetes rows of `npm run bench` (issue 16): a rollback of 20 Deployments whose rollouts
 * take 2 s each, at the defaults, against one Deployment alone; and a dry run over 500 Deployments
 * of one namespace, against 2 s, with the requests it sends the API server counted. The registry
 * is the embedded one, seeded in memory: it is not what these rows measure.
 */

interface Row {
  measure: string;
  project: string;
  baseline: string;
  ratio: number;
  target: string;
  met: boolean;
  notes?: string;
}

const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const tmp = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), `rollback-bench-${prefix}-`));
const log = (s: string) => process.stderr.write(`bench: ${s}\n`);
const DRY_RUN_LIMIT_MS = 2000;
/** `run` to the 20th, the day of every repository's 1.0.0. */
const runArgs = (dump: string, namespace: string, extra: string[] = []) =>
  ['run', '--date', '2026-11-20', '--dump', dump, '--kubernetes', '--namespace', namespace].concat(extra);

export async function kubernetes(
  rows: Row[],
  results: Record<string, unknown>,
  options: { root: string; quick: boolean },
): Promise<void> {
  const bundle = path.join(options.root, 'resources', 'rollback', 'rollback.cjs');
  const deployments = options.quick ? 3 : 20;
  const rolloutMs = options.quick ? 300 : 2000;
  const loadDeployments = options.quick ? 20 : 500;
  log(`kubernetes: ${deployments} Deployments x ${rolloutMs} ms rollout; a dry run over ${loadDeployments}`);
  const repos = Array.from({ length: loadDeployments }, (_, i) => `bench/svc-${String(i).padStart(3, '0')}`);
  const registry = await startEmbeddedRegistry();
  let emulator: KubernetesEmulator | undefined;
  try {
    seed(registry, repos);
    emulator = await startKubernetesEmulator({ rolloutMs });
    const em = emulator;
    const env = { KUBECONFIG: em.kubeconfig() };
    const host = new URL(registry.url).host;
    const cli = async (args: string[], what: string) => {
      const started = process.hrtime.bigint();
      const run = await spawnCollect(process.execPath, [bundle, ...args], {
        env: { ...process.env, NO_COLOR: '1', ...env },
      });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (run.code !== 0) throw new Error(`${what} exited ${run.code}:\n${run.stderr.slice(-2000)}`);
      return { ...run, ms };
    };
    const catalogOf = async (subset: string[]) => {
      const dump = tmp('k8s');
      await cli(
        [
          'get',
          '--registry',
          registry.url,
          '--repo',
          subset.join(','),
          '--env',
          'develop',
          '--dump',
          dump,
          '--no-cache',
        ],
        'get for the Kubernetes rows',
      );
      return dump;
    };
    const seedNamespace = (namespace: string, subset: string[]) => {
      for (const repo of subset) {
        const name = repo.split('/')[1]!;
        em.addDeployment(
          deploymentManifest({
            name,
            namespace,
            containers: [{ name, image: `${host}/${repo}:1.1.0-develop` }],
          }),
        );
      }
    };

    // The same CLI for one Deployment and for all, so fixed costs are counted alike.
    seedNamespace('one', repos.slice(0, 1));
    const single = await cli(
      runArgs(await catalogOf(repos.slice(0, 1)), 'one', ['--json']),
      'run (one Deployment)',
    );
    seedNamespace('all', repos.slice(0, deployments));
    const all = await cli(
      runArgs(await catalogOf(repos.slice(0, deployments)), 'all', ['--json']),
      'run (all)',
    );
    const patched = em.countRequests({ method: 'PATCH', path: /\/namespaces\/all\// });
    if (patched !== deployments)
      throw new Error(`run sent ${patched} patches for ${deployments} Deployments`);
    rows.push({
      measure: `run --kubernetes, ${deployments} Deployments x ${rolloutMs} ms rollout`,
      project: fmtMs(all.ms),
      baseline: `${fmtMs(single.ms)} for one Deployment`,
      ratio: all.ms / single.ms,
      target: 'within 1.3x of one rollout',
      met: all.ms / single.ms <= 1.3,
      notes: `defaults (every Deployment at once); ${patched} PATCH, polled every 250 ms backing off to 2 s`,
    });

    seedNamespace('load', repos);
    const loadDump = await catalogOf(repos);
    const before = em.requests.length;
    const dry = await cli(
      runArgs(loadDump, 'load', ['--dry-run', '--json']),
      'run --dry-run (Kubernetes load)',
    );
    const sent = em.requests.slice(before);
    const lists = {
      deployments: sent.filter((r) => r.method === 'GET' && /\/namespaces\/load\/deployments\?/.test(r.path))
        .length,
      statefulsets: sent.filter(
        (r) => r.method === 'GET' && /\/namespaces\/load\/statefulsets\?/.test(r.path),
      ).length,
    };
    const planned = (JSON.parse(dry.stdout) as { services: unknown[] }).services.length;
    if (planned !== loadDeployments) throw new Error(`the dry run planned ${planned} services`);
    rows.push({
      measure: `run --kubernetes --dry-run, ${loadDeployments} Deployments`,
      project: `${fmtMs(dry.ms)} (${sent.length} API requests)`,
      baseline: fmtMs(DRY_RUN_LIMIT_MS),
      ratio: dry.ms / DRY_RUN_LIMIT_MS,
      target: `< ${fmtMs(DRY_RUN_LIMIT_MS)}, one list per kind`,
      met: dry.ms < DRY_RUN_LIMIT_MS && lists.deployments === 1 && lists.statefulsets === 1,
      notes: `${lists.deployments} Deployment list, ${lists.statefulsets} StatefulSet list, ${sent.length - lists.deployments - lists.statefulsets} other API requests; a HEAD per target image to the registry`,
    });
    results.kubernetes = {
      singleMs: single.ms,
      allMs: all.ms,
      deployments,
      rolloutMs,
      dryRunMs: dry.ms,
      dryRunDeployments: loadDeployments,
      dryRunApiRequests: sent.length,
      lists,
    };
  } finally {
    await emulator?.close();
    await registry.stop();
  }
}

/** Two releases per repository: 1.0.0 of the 20th (the rollback's point) and 1.1.0 of the 27th. */
function seed(registry: EmbeddedRegistry, repos: string[]): void {
  for (const repo of repos)
    for (const [tag, created] of [
      ['1.0.0-develop', '2026-11-20T10:00:00Z'],
      ['1.1.0-develop', '2026-11-27T10:00:00Z'],
    ] as const)
      registry.seed(repo, tag, buildImage({ kind: 'oci', created, marker: `${repo}:${tag}` }));
}
