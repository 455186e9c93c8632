import type { CommandContext } from './context';
import { runUntilStopped } from './sandbox';
import { dayIn } from '../plan/days';
import { startKubernetesStoryWorld } from '../sandbox/kubernetes-world';
import { STORY_REPOSITORIES } from '../sandbox/story';

/**
 * `rollback sandbox --kubernetes`: the demo's registry and the Kubernetes emulator, kept running,
 * with a kubeconfig for the helper and for plain kubectl. Ends on Ctrl-C (or SIGTERM).
 */
export async function sandboxKubernetes(
  options: { registryPort?: number; kubernetesPort?: number },
  ctx: CommandContext,
): Promise<number> {
  const world = await startKubernetesStoryWorld({
    ...(options.registryPort ? { registryPort: options.registryPort } : {}),
    ...(options.kubernetesPort ? { kubernetesPort: options.kubernetesPort } : {}),
  });
  const yesterday = dayIn(Date.now() - 86_400_000, 'UTC');
  const say = (s = '') => ctx.stdout.write(s + '\n');
  const helper = 'node resources/rollback/rollback.cjs';
  say(
    `registry:    ${world.registryUrl}   (services ${STORY_REPOSITORIES.join(', ')}; envs develop, stage, master)`,
  );
  say(
    `kubernetes:  ${world.kubernetes.url}   (namespaces dev, stage, prod; decoys dev/gateway-api, dev2/api)`,
  );
  say(`kubeconfig:  ${world.kubeconfig}`);
  say('');
  say('Try, in another terminal:');
  say(`  export KUBECONFIG=${world.kubeconfig}`);
  say(`  kubectl get deploy -n dev -o wide`);
  say(
    `  ${helper} get --registry ${world.registryUrl} --repo ${STORY_REPOSITORIES.join(',')} --env develop --dump /tmp/rbk`,
  );
  say(`  ${helper} status --dump /tmp/rbk --kubernetes --namespace dev`);
  say(`  ${helper} run --date ${yesterday} --dump /tmp/rbk --kubernetes --namespace dev --dry-run`);
  say(`  ${helper} run --date ${yesterday} --dump /tmp/rbk --kubernetes --namespace dev`);
  say(`  kubectl rollout history deploy/api -n dev`);
  say(`  ${helper} undo --journal /tmp/rbk/rollback-journal.json`);
  say('');
  return runUntilStopped(ctx, say, world.stop);
}
