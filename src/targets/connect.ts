import type { CommandContext } from '../commands/context';
import { UsageError } from '../errors';
import type { TlsOptions } from '../http/client';
import { normalizeGroup } from '../marathon/answers';
import type { MarathonTarget } from '../marathon/auth';
import { createMarathonClient, marathonBaseUrl } from '../marathon/client';
import { credentialWarnings } from '../marathon/credential-hints';
import { createMarathonTarget } from '../marathon/target';
import { insecureWarning } from '../util/insecure';
import type { Logger } from '../util/log';
import { quote } from '../util/quote';
import type { Target } from './target';

/**
 * Which target the flags name, and the target itself: a table from kind to implementation, so a
 * command never asks which orchestrator it talks to.
 */

export type KubernetesSpec = { kind: 'kubernetes'; context?: string; namespace: string; selector?: string };
export type TargetSpec = MarathonTarget | KubernetesSpec;

export interface TargetFlags {
  marathon?: string;
  dcos?: string;
  kubernetes?: boolean;
  context?: string;
  namespace?: string;
  selector?: string;
  group?: string;
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function targetSpecOf(flags: TargetFlags): TargetSpec {
  const given = [
    flags.marathon && '--marathon',
    flags.dcos && '--dcos',
    flags.kubernetes && '--kubernetes',
  ].filter(Boolean);
  if (given.length > 1)
    throw new UsageError(`give one of --marathon, --dcos or --kubernetes, not ${given.join(' and ')}`);
  if (flags.kubernetes) {
    if (!flags.namespace)
      throw new UsageError('say which namespace is the environment: --namespace NS', {
        hint: 'e.g. --namespace shop-dev',
      });
    if (!NAMESPACE.test(flags.namespace))
      throw new UsageError(`--namespace ${quote(flags.namespace)} is not a Kubernetes namespace name`);
    return {
      kind: 'kubernetes',
      namespace: flags.namespace,
      ...(flags.context ? { context: flags.context } : {}),
      ...(flags.selector ? { selector: flags.selector } : {}),
    };
  }
  if (flags.context || flags.namespace || flags.selector)
    throw new UsageError('--context, --namespace and --selector go with --kubernetes');
  if (flags.marathon) return { kind: 'marathon', url: marathonBaseUrl('marathon', flags.marathon) };
  if (flags.dcos) return { kind: 'dcos', url: marathonBaseUrl('dcos', flags.dcos) };
  throw new UsageError(
    'say where the apps run: --marathon URL (plain Marathon), --dcos URL (a DC/OS cluster) or --kubernetes',
  );
}

/** The environment's scope: the Marathon group (checked), or the namespace. */
export function scopeOf(spec: TargetSpec, group: string | undefined): string {
  if (spec.kind === 'kubernetes') return spec.namespace;
  if (!group)
    throw new UsageError('say which Marathon group is the environment: --group PATH (e.g. /ds/dev)');
  return normalizeGroup(group);
}

export interface ConnectOptions {
  scope: string;
  tls: TlsOptions;
  timeoutMs: number;
  concurrency?: number;
  /** Kubernetes records it as kubernetes.io/change-cause. */
  changeCause?: string;
  /** Other hosts the command talks to, named in the --insecure warning. */
  alsoInsecure?: string[];
}

export async function connectTarget(
  spec: TargetSpec,
  ctx: CommandContext,
  logger: Logger,
  options: ConnectOptions,
): Promise<Target> {
  if (spec.kind === 'kubernetes') {
    // Loaded only for Kubernetes: its kubeconfig loader is an ES module a Marathon user never needs.
    const [{ kubeAccess }, { createKubernetesClient }, { createKubernetesTarget }] = await Promise.all([
      import('../kubernetes/kubeconfig'),
      import('../kubernetes/client'),
      import('../kubernetes/target'),
    ]);
    const access = await kubeAccess(ctx.env, spec.context);
    if (options.tls.insecure) logger.warn(insecureWarning(access.server, ...(options.alsoInsecure ?? [])));
    const client = createKubernetesClient(access, {
      ...(options.tls.caFile ? { caFile: options.tls.caFile } : {}),
      ...(options.tls.insecure ? { insecure: true } : {}),
      maxSockets: (options.concurrency ?? 32) + 2,
    });
    return createKubernetesTarget({
      client,
      namespace: spec.namespace,
      ...(spec.selector ? { selector: spec.selector } : {}),
      ...(access.context ? { context: access.context } : {}),
      timeoutMs: options.timeoutMs,
      logger,
      changeCause: options.changeCause ?? 'rollback',
    });
  }
  for (const warning of credentialWarnings(spec, ctx.env)) logger.warn(warning);
  if (options.tls.insecure) logger.warn(insecureWarning(spec.url, ...(options.alsoInsecure ?? [])));
  // Credentials are read (and registered as secrets) before anything can print them.
  const client = createMarathonClient({
    target: spec,
    env: ctx.env,
    cwd: ctx.cwd,
    tls: options.tls,
    maxSockets: (options.concurrency ?? 32) + 2,
  });
  return createMarathonTarget({
    client,
    target: spec,
    group: options.scope,
    timeoutMs: options.timeoutMs,
    logger,
  });
}
