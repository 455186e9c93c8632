import type { CommandContext } from './context';
import { startStoryWorld } from '../sandbox/world';
import { STORY_REPOSITORIES } from '../sandbox/story';
import { dayIn } from '../plan/days';

interface SandboxOptions {
  registryPort?: number;
  marathonPort?: number;
  kubernetes?: boolean;
  kubernetesPort?: number;
}

/**
 * `rollback sandbox`: the demo's registry and Marathon emulator, kept running so the commands can
 * be tried by hand. Ends on Ctrl-C (or SIGTERM) and stops both servers.
 */
export async function sandbox(options: SandboxOptions, ctx: CommandContext): Promise<number> {
  if (options.kubernetes) return (await import('./sandbox-kubernetes')).sandboxKubernetes(options, ctx);
  const world = await startStoryWorld({
    registryPort: options.registryPort,
    marathonPort: options.marathonPort,
    deploymentMs: 2500,
  });
  const yesterday = dayIn(Date.now() - 86_400_000, 'UTC');
  const say = (s = '') => ctx.stdout.write(s + '\n');
  say(
    `registry:  ${world.registryUrl}   (services ${STORY_REPOSITORIES.join(', ')}; envs develop, stage, master)`,
  );
  say(
    `marathon:  ${world.marathon.url}   (groups /ds/dev, /ds/stage, /ds/prod; decoys /ds/dev/shop/gateway-api, /ds/dev2)`,
  );
  say('');
  say('Try, in another terminal:');
  say(
    `  node resources/rollback/rollback.cjs get --registry ${world.registryUrl} --repo ${STORY_REPOSITORIES.join(',')} --env develop --dump /tmp/rb`,
  );
  say(
    `  node resources/rollback/rollback.cjs run --date ${yesterday} --dump /tmp/rb --marathon ${world.marathon.url} --group /ds/dev --dry-run`,
  );
  say(
    `  node resources/rollback/rollback.cjs run --date ${yesterday} --dump /tmp/rb --marathon ${world.marathon.url} --group /ds/dev`,
  );
  say('  node resources/rollback/rollback.cjs undo --journal /tmp/rb/rollback-journal.json');
  // Marathon's own history: what ran when, and an instant between yesterday's two releases.
  say(`  node resources/rollback/rollback.cjs history --marathon ${world.marathon.url} --group /ds/dev`);
  say(
    `  node resources/rollback/rollback.cjs run --at ${yesterday}T12:00:00Z --source marathon --with-config --dump /tmp/rb --marathon ${world.marathon.url} --group /ds/dev --dry-run`,
  );
  say(`  curl -s ${world.marathon.url}/v2/apps | head -c 400`);
  say('');
  return runUntilStopped(ctx, say, world.stop);
}

/** Keeps the servers up until Ctrl-C (or SIGTERM), then stops them. */
export async function runUntilStopped(
  ctx: CommandContext,
  say: (s?: string) => void,
  stop: () => Promise<void>,
): Promise<number> {
  say('Press Ctrl-C to stop.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await stop();
  ctx.stderr.write('sandbox stopped\n');
  return 0;
}
