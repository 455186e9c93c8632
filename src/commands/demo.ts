import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CommandContext } from './context';
import { RollbackFailedError } from '../errors';
import { colorEnabled, paint } from '../util/log';
import { step, table } from './demo-steps';
import { dayIn } from '../plan/days';
import { startStoryWorld, type StoryWorld } from '../sandbox/world';
import { STORY_REPOSITORIES, storyApps } from '../sandbox/story';

/**
 * `rollback demo`: the product's story end to end, on loopback, through the same CLI a user runs.
 * Each step is a child process of this very bundle, printed as the command one would type; the
 * demo checks the outcome itself, so it doubles as an acceptance test.
 */
export async function demo(_options: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  if (_options.kubernetes) return (await import('./demo-kubernetes')).demoKubernetes(ctx);
  const color = paint(colorEnabled(ctx.stdout as { isTTY?: boolean }));
  const say = (s = '') => ctx.stdout.write(s + '\n');
  const now = new Date();
  const world = await startStoryWorld({ now, deploymentMs: 2500 });
  const dump = mkdtempSync(path.join(os.tmpdir(), 'rollback-demo-'));
  try {
    const today = dayIn(now, 'UTC');
    const yesterday = dayIn(now.getTime() - 86_400_000, 'UTC');
    const threeDaysAgo = dayIn(now.getTime() - 3 * 86_400_000, 'UTC');
    const before = appImages(world);

    say(color.bold('The story'));
    say(`  Today (${today}) a release of frontend, api and billing broke dev. Yesterday only frontend and`);
    say(`  api were released; billing last changed three days ago (${threeDaysAgo}). We roll dev back to`);
    say('  yesterday: every service must run what it ran at the end of that day, billing included.');
    say(`  Embedded registry: ${world.registryUrl}   Marathon emulator: ${world.marathon.url}`);
    say();

    say(color.bold('1. Which dates can we roll back to? (the Jenkins dropdown)'));
    const get = await step(ctx, say, color, [
      'get',
      '--registry',
      world.registryUrl,
      '--repo',
      STORY_REPOSITORIES.join(','),
      '--env',
      'develop',
      '--dump',
      dump,
      '--no-cache',
    ]);
    const dates = get.trim().split('\n');
    if (!dates.includes(yesterday))
      throw new RollbackFailedError(`demo: yesterday (${yesterday}) was not offered`);
    say(`   The on-call engineer picks yesterday, ${yesterday}.`);
    say();

    const runArgs = [
      'run',
      '--date',
      yesterday,
      '--dump',
      dump,
      '--marathon',
      world.marathon.url,
      '--group',
      '/ds/dev',
    ];
    say(color.bold('2. What will change? (dry run: nothing is written or deployed)'));
    await step(ctx, say, color, [...runArgs, '--dry-run']);
    say();

    say(color.bold('3. Roll back, watching every deployment until its new tasks are healthy'));
    await step(ctx, say, color, runArgs);
    say();

    const after = appImages(world);
    say(color.bold('4. Before and after, read back from Marathon'));
    const shown = [...before.keys()].filter((id) => id.startsWith('/ds/dev/') || id.startsWith('/ds/dev2/'));
    const decoys = new Set(
      storyApps(now)
        .filter((a) => a.decoy)
        .map((a) => a.id),
    );
    table(
      say,
      ['app', 'before', 'after', ''],
      shown.map((id) => [id, before.get(id)!, after.get(id) ?? '(gone)', decoys.has(id) ? 'decoy' : '']),
    );
    verify(before, after, decoys);
    say();
    say(`   billing went back to its image from ${threeDaysAgo}: the rollback point is a snapshot in time,`);
    say("   so a service that did not change yesterday still leaves today's incompatible release.");
    say('   The decoys (a gateway-api image, a /ds/dev2 group) were not touched.');
    say();
    await betweenTwoReleases(ctx, say, color, world, { dump, yesterday, decoys });
    say(`${color.green('Demo finished.')} Catalog, plans, journals and summaries of these runs: ${dump}`);
    return 0;
  } finally {
    await world.stop();
  }
}

/**
 * What dev must run after the rollback to yesterday: each service's last release before today, read
 * off the story's release table (src/sandbox/story-releases.ts). Literals, so that the check never
 * repeats the rule it checks.
 */
const AFTER_ROLLBACK_TO_YESTERDAY: Record<(typeof STORY_REPOSITORIES)[number], string> = {
  'shop/frontend': '1.5.0-develop',
  'shop/api': '1.6.0-develop',
  'shop/billing': '1.4.0-develop',
};

/**
 * What dev must run after the rollback to yesterday noon: frontend's 1.5.0 went out at 10:05, api's
 * 1.6.0 only at 14:30 (built at 09:07), so api still ran the 1.5.1 hotfix of the day before. Read off
 * the same table; the day rule (and the build dates) would give api 1.6.0.
 */
const AFTER_ROLLBACK_TO_YESTERDAY_NOON: Record<(typeof STORY_REPOSITORIES)[number], string> = {
  'shop/frontend': '1.5.0-develop',
  'shop/api': '1.5.1-develop',
  'shop/billing': '1.4.0-develop',
};

/** Steps 5 and 6: Marathon's own history, and a rollback to an instant between two releases. */
async function betweenTwoReleases(
  ctx: CommandContext,
  say: (s?: string) => void,
  color: ReturnType<typeof paint>,
  world: StoryWorld,
  { dump, yesterday, decoys }: { dump: string; yesterday: string; decoys: Set<string> },
): Promise<void> {
  // The version cache of these steps stays in the demo's folder, not in the user's cache.
  const env = { ...ctx.env, XDG_CACHE_HOME: path.join(dump, 'cache') };
  say(color.bold("5. What ran when? The release points from Marathon's own history"));
  const history = await step(
    ctx,
    say,
    color,
    ['history', '--marathon', world.marathon.url, '--group', '/ds/dev', '--since', '3d'],
    env,
  );
  // Yesterday's two releases, at their times in the story's release table.
  for (const release of [`${yesterday} 10:05:00 UTC  frontend`, `${yesterday} 14:30:00 UTC  api`])
    if (!history.includes(release)) throw new RollbackFailedError(`demo: history did not list ${release}`);
  say('   Yesterday frontend 1.5.0 went out at 10:05 and api 1.6.0 at 14:30. At noon api still ran the');
  say('   1.5.1 hotfix: no calendar day says that (and api 1.6.0 was already built at 09:07).');
  say();

  say(color.bold('6. Roll back to yesterday noon, to what ran then'));
  const before = appImages(world);
  await step(
    ctx,
    say,
    color,
    [
      'run',
      '--at',
      `${yesterday}T12:00:00Z`,
      '--source',
      'marathon',
      '--dump',
      dump,
      '--marathon',
      world.marathon.url,
      '--group',
      '/ds/dev',
    ],
    env,
  );
  verify(before, appImages(world), decoys, AFTER_ROLLBACK_TO_YESTERDAY_NOON);
  say('   api went back to the hotfix it ran at noon; frontend and billing were already on what ran then.');
}

/** The demo proves the story or fails. */
function verify(
  before: Map<string, string>,
  after: Map<string, string>,
  decoys: Set<string>,
  expected: Record<(typeof STORY_REPOSITORIES)[number], string> = AFTER_ROLLBACK_TO_YESTERDAY,
): void {
  for (const repo of STORY_REPOSITORIES) {
    const want = `${repo}:${expected[repo]}`;
    const got = after.get(`/ds/dev/${repo}`);
    if (got !== want) throw new RollbackFailedError(`demo: /ds/dev/${repo} runs ${got}, expected ${want}`);
  }
  for (const id of decoys) {
    if (before.get(id) !== after.get(id)) throw new RollbackFailedError(`demo: decoy ${id} was changed`);
  }
}

function appImages(world: StoryWorld): Map<string, string> {
  const out = new Map<string, string>();
  for (const app of world.marathon.listApps()) {
    const image = (app as { container?: { docker?: { image?: string } } }).container?.docker?.image;
    // The registry host is the same everywhere and only makes the table wider.
    out.set(String(app.id), (image ?? '').replace(`${world.registryHost}/`, ''));
  }
  return out;
}
